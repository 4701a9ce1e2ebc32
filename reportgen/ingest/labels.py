"""Speaker labels: one consistent label per person, and telling labels from ordinary words.

ASR tools and people write the same speaker many ways ("SPEAKER_00", "Speaker 0",
"speaker a", "Speaker A", "hugo", "Hugo"); downstream owners and citations need one label
per person. The display form is the first occurrence as the human wrote it (trimmed,
whitespace collapsed), so "Hugo Bowne-Anderson" is never turned into "hugo bowne-anderson".
"""

from __future__ import annotations

import re
from functools import lru_cache

_WS_RE = re.compile(r"\s+")
_KEY_SEP_RE = re.compile(r"[\s_\-]+")
_LEADING_ZEROS_RE = re.compile(r"\b0+(\d)")

# Words that start or fill ordinary sentences; a "label" made of them is prose before a colon.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those it its is are was were be been am do does did done have has had
    will would can could should shall may might must not no yes and or but so if then than because
    as of to in on at by for from with about into over under after before since until while
    i me my mine we us our you your he him his she her they them their there here what which who whom
    why how when where also just only very really well like said says say let lets
    """.split()
)

# First words of common non-speaker "Label:" lines in documents.
NOT_SPEAKERS = frozenset(
    """
    note notes nb ps p.s warning caution tip important example examples e.g eg i.e ie update edit
    source sources subject re fw fwd date time location venue agenda summary todo fixme step steps
    http https ftp mailto www figure fig table chapter section part appendix total price cost
    tel phone email fax address url link reference references see cf attendees participants
    action decision result results conclusion conclusions definition
    """.split()
)

# Labels that are speakers by their very words, even when they occur once.
ROLE_LABEL_RE = re.compile(
    r"^(?:speaker|spk|person|participant|interviewer|interviewee|moderator|host|co-host|guest|respondent|"
    r"customer|agent|caller|operator|doctor|patient|panelist|presenter)(?:[ _-]?[\w]{1,3})?$",
    re.IGNORECASE,
)

_TOKEN_RE = re.compile(r"^[^\W\d_][\w.'\u2019\-]*$|^\d{1,3}$")


def collapse(label: str) -> str:
    return _WS_RE.sub(" ", label).strip()


@lru_cache(maxsize=65536)
def label_key(label: str) -> str:
    """Case-, spacing- and padding-insensitive identity: "SPEAKER_00" ~ "speaker 0" ~ "Speaker-0"."""
    key = _KEY_SEP_RE.sub(" ", label.casefold()).strip()
    return _LEADING_ZEROS_RE.sub(r"\1", key)


@lru_cache(maxsize=65536)
def looks_like_name(label: str, *, max_tokens: int = 4, max_chars: int = 40) -> bool:
    """Could this text before a colon be a speaker label (by shape alone)?

    1-4 name-like tokens, none of them sentence words (a single letter or number after the
    first token is allowed, as in "Speaker A" or "Speaker 2"), and not a document heading
    word such as "Note" or "Summary".
    """
    label = collapse(label)
    if not label or len(label) > max_chars:
        return False
    tokens = label.split(" ")
    if len(tokens) > max_tokens:
        return False
    first = tokens[0].casefold().rstrip(".")
    if first in NOT_SPEAKERS or tokens[0].casefold() in NOT_SPEAKERS:
        return False
    for i, tok in enumerate(tokens):
        if not _TOKEN_RE.match(tok):
            return False
        low = tok.casefold()
        if i > 0 and len(tok) <= 3 and (tok.isdigit() or len(tok) == 1):
            continue
        if low in FUNCTION_WORDS:
            return False
    return not tokens[0].isdigit()


class SpeakerNames:
    """Maps every spelling of a speaker to the first spelling seen."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}

    def __call__(self, raw: object) -> str | None:
        if raw is None or isinstance(raw, bool):
            return None
        if isinstance(raw, (int, float)):
            raw = f"Speaker {int(raw)}" if float(raw).is_integer() else f"Speaker {raw}"
        label = collapse(str(raw))
        if not label:
            return None
        if len(label) > 80:
            label = label[:80].rstrip()
        key = label_key(label)
        return self._by_key.setdefault(key, label)

    @property
    def labels(self) -> list[str]:
        return list(self._by_key.values())


# "Name: text" at the start of a line or cue: up to 40 chars before a colon that is
# followed by whitespace (so URLs and clock times like 10:30 never match).
LABEL_PREFIX_RE = re.compile(r"^[ \t]*([^\W\d_][^:\n]{0,39}?)[ \t]*:(?=\s|$)")


def is_role_label(label: str) -> bool:
    return bool(ROLE_LABEL_RE.match(collapse(label)))


def is_capitalised(label: str) -> bool:
    """Every word starts with a capital (or is a number/initial): "Jason Liu", "Dr. Smith", "SPEAKER_00"."""
    return all(tok[:1].isupper() or tok.isdigit() for tok in collapse(label).split(" "))


def prefix_label(line: str) -> tuple[str, int] | None:
    """(label, offset just past the colon) when `line` starts with a name-shaped label."""
    m = LABEL_PREFIX_RE.match(line)
    if not m or not looks_like_name(m.group(1)):
        return None
    return collapse(m.group(1)), m.end()


def recurring_labels(labels: list[str], total: int, *, min_share: float = 0.5) -> set[str]:
    """Keys of labels that behave like speakers: some recur and together they prefix most units.

    Used where labels are optional, noise-prone text (caption cues, whisper lines): a lone
    "JASON:" in a thousand lines is a transcription artefact, not a speaker. When the file
    is labelled throughout, a label seen once (a guest's single remark) is kept too.
    """
    counts: dict[str, int] = {}
    for label in labels:
        key = label_key(label)
        counts[key] = counts.get(key, 0) + 1
    if total <= 0 or not any(c >= 2 for c in counts.values()) or sum(counts.values()) < min_share * total:
        return set()
    return set(counts)
