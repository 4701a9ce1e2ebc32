"""Transcripts where people are named in the text: speaker lines and inline running text.

Two layouts:
- speaker lines: a turn starts at a line `Name: text`, `Name (00:12:03): text`,
  `00:12:03 Name: text`, `[00:12:03] Name: text`, or at a header line above the turn
  (`Name  0:12`, `Name (0:12)`, `Name:` alone, or a bare timestamp); other lines continue
  the turn;
- inline speakers: running text (often one huge line) with `name:` labels and
  `[hh:mm:ss]` markers dropped mid-sentence.
The canonical text is the file as written; segments are spans of it (labels and
timestamps stay in the text between segments). Ordinary words before a colon ("Note:",
"The reason is:", URLs, 10:30) are not speakers: a label must be name-shaped and either
carry a timestamp or recur in the file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from reportgen.errors import MalformedSourceError
from reportgen.ingest.labels import SpeakerNames, collapse, is_capitalised, is_role_label, label_key, looks_like_name
from reportgen.ingest.segmenting import Parsed, SpanWriter, chunk_spans
from reportgen.ingest.timecode import CLOCK, parse_clock

_NAME = r"[^\W\d_][^:\n\[\]()]{0,39}?"
_TS = rf"(?:\[(?P<{{g}}b>{CLOCK})\]|\((?P<{{g}}p>{CLOCK})\)|(?P<{{g}}n>{CLOCK}))"


def _ts(group: str) -> str:
    return _TS.replace("{g}", group)


# [00:12:03] Name: text   |   00:12:03 Name: text   |   00:12:03 - Name: text
TS_NAME_RE = re.compile(rf"^[ \t]*{_ts('t')}[ \t]*(?:[-\u2013|][ \t]*)?(?P<name>{_NAME})[ \t]*:(?=\s|$)")
# Name (00:12:03): text   |   Name [00:12:03] text   |   Name  0:12  (header line)
NAME_TS_RE = re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]*(?:[-\u2013|][ \t]*)?{_ts('t')}[ \t]*:?(?=\s|$)")
# Name: text
NAME_RE = re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]*:(?=\s|$)")
# [00:12:03] (alone, or before text)
TS_ONLY_RE = re.compile(rf"^[ \t]*(?:\[(?P<b>{CLOCK})\]|(?P<n>{CLOCK}))[ \t]*(?=\s|$)")

MARKER_RE = re.compile(rf"\[({CLOCK})\]")
_INLINE_COLON_RE = re.compile(r":(?=\s)")
_LABEL_TOKEN_RE = re.compile(r"[^\W\d_][\w.'\u2019\-]*$")
_OPENERS = "]).!?\u2026\"'"


@dataclass
class _Head:
    line: int
    name: str | None
    time: float | None
    body: int  # offset in the text where the turn's words start
    kind: str  # "ts-name", "name-ts", "name", "ts"


def _clock_of(m: re.Match[str], g: str = "t") -> float | None:
    for suffix in ("b", "p", "n"):
        key = f"{g}{suffix}" if g else suffix
        v = m.groupdict().get(key)
        if v:
            return parse_clock(v)
    return None


@lru_cache(maxsize=1)
def _scan_lines(text: str) -> tuple[list[tuple[int, int]], list[_Head | None]]:
    """Line spans and, for each line, what kind of turn head it could be (before label checks)."""
    spans: list[tuple[int, int]] = []
    heads: list[_Head | None] = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        spans.append((pos, end))
        head: _Head | None = None
        if line.strip():
            m = TS_NAME_RE.match(line)
            if m:
                head = _Head(len(spans) - 1, collapse(m.group("name")), _clock_of(m), pos + m.end(), "ts-name")
            else:
                m = NAME_TS_RE.match(line)
                if m and _clock_of(m) is not None:
                    head = _Head(len(spans) - 1, collapse(m.group("name")), _clock_of(m), pos + m.end(), "name-ts")
                else:
                    m = NAME_RE.match(line)
                    if m:
                        head = _Head(len(spans) - 1, collapse(m.group("name")), None, pos + m.end(), "name")
                    else:
                        m = TS_ONLY_RE.match(line)
                        if m and (m.group("b") or not line[m.end() :].strip()):
                            head = _Head(len(spans) - 1, None, _clock_of(m, ""), pos + m.end(), "ts")
        heads.append(head)
        if nl < 0:
            break
        pos = nl + 1
    return spans, heads


def _accepted(heads: list[_Head | None]) -> tuple[list[_Head], set[str]]:
    """Heads whose label is a speaker.

    A label counts when it is name-shaped and timestamped, recurs, or is a role word
    ("Speaker B", "Interviewer"); once the file has recurring speakers, a capitalised
    name seen once (a guest's single remark) counts too.
    """
    counts: Counter[str] = Counter()
    strong: set[str] = set()
    capitalised: set[str] = set()
    for h in heads:
        if h and h.name and looks_like_name(h.name):
            key = label_key(h.name)
            counts[key] += 1
            if h.time is not None or is_role_label(h.name):
                strong.add(key)
            if is_capitalised(h.name):
                capitalised.add(key)
    keys = {k for k, c in counts.items() if c >= 2} | strong
    if sum(counts[k] for k in keys) >= 2:
        keys |= capitalised
    out: list[_Head] = []
    for h in heads:
        if h is None:
            continue
        if h.name is None:
            out.append(h)
        elif looks_like_name(h.name) and label_key(h.name) in keys:
            out.append(h)
    return out, keys


def speaker_line_score(text: str) -> tuple[int, int]:
    """(turn heads with accepted labels or timestamps, non-blank lines): the sniffer's evidence."""
    spans, heads = _scan_lines(text)
    accepted, keys = _accepted(heads)
    named = sum(1 for h in accepted if h.name is not None)
    timed = sum(1 for h in accepted if h.name is None)
    nonblank = sum(1 for s, e in spans if text[s:e].strip())
    return (named + (timed if named or timed >= 2 else 0)), nonblank


def parse_speaker_lines(text: str) -> Parsed:
    spans, heads = _scan_lines(text)
    accepted, _ = _accepted(heads)
    if not accepted:
        raise MalformedSourceError("no speaker turns found. Upload the transcript as plain text instead.")
    names = SpeakerNames()
    w = SpanWriter(text)
    by_line = {h.line: h for h in accepted}
    speaker: str | None = None
    time: float | None = None
    turn_start = 0
    i = 0
    turns = 0

    def flush(upto: int) -> None:
        for a, b in chunk_spans(text, turn_start, upto):
            w.add(a, b, start=time, speaker=speaker)

    while i < len(spans):
        h = by_line.get(i)
        if h is None:
            i += 1
            continue
        flush(spans[i][0])
        turns += 1
        if h.name is not None:
            speaker = names(h.name)
        # A named turn without a time has none (we do not guess); a bare timestamp line keeps the speaker.
        time = h.time if h.time is not None else (time if h.name is None else None)
        turn_start = h.body
        i += 1
    flush(len(text))
    if not w.builder.segments:
        raise MalformedSourceError(
            "this transcript has speaker labels but no spoken text after them. Check the export, or re-export it."
        )
    return Parsed(w.close(), "speaker-lines", "transcript", [], {"turns": turns})


# ---------------------------------------------------------------------------------------
# Inline speakers: "hugo: [00:00:00] So let's jump in ... jason: Cool. So I started ..."


@lru_cache(maxsize=1)
def _inline_labels(text: str) -> tuple[tuple[int, int, str], ...]:
    """(label start, body start, label) for every accepted inline label, in order.

    Cached because the sniffer and the parser both need it for the same text.
    """
    cands: list[tuple[int, int, list[tuple[int, str]]]] = []  # colon pos, body, [(start, label) by length]
    counts: Counter[str] = Counter()
    for m in _INLINE_COLON_RE.finditer(text):
        colon = m.start()
        lo = max(0, colon - 60)
        window = text[lo:colon]
        nl = window.rfind("\n")
        if nl >= 0:
            lo += nl + 1
            window = window[nl + 1 :]
        tokens = window.split(" ")
        # A label starts at the line start, after whitespace, or after closing punctuation.
        options: list[tuple[int, str]] = []
        start = colon
        for k in range(1, min(3, len(tokens)) + 1):
            tok = tokens[-k]
            if not tok or not _LABEL_TOKEN_RE.match(tok):
                break
            start -= len(tok) + (1 if k > 1 else 0)
            if k == len(tokens) and lo > 0 and start == lo and not (text[lo - 1].isspace() or text[lo - 1] in _OPENERS):
                break
            options.append((start, window[start - lo :]))
        if not options:
            continue
        for _, label in options:
            counts[label_key(label)] += 1
        cands.append((colon, colon + 1, options))
    out: list[tuple[int, int, str]] = []
    for _colon, body, options in cands:
        marked = bool(MARKER_RE.match(text[body : body + 40].lstrip()))
        single = counts[label_key(options[0][1])]
        chosen: tuple[int, str] | None = None
        # The longest name that recurs at least as often as its last word: "Hugo Bowne" over "Bowne".
        for start, label in reversed(options):
            count = counts[label_key(label)]
            if count >= 2 and count >= single and looks_like_name(label, max_tokens=3):
                chosen = (start, label)
                break
        # A name followed by a timestamp marker is a label even if it occurs once: the longest
        # capitalised one ("Jason Liu: [00:05:00]"), else the single word ("jason: [00:05:00]").
        if chosen is None and marked:
            for start, label in reversed(options):
                if looks_like_name(label, max_tokens=3) and (is_capitalised(label) or label is options[0][1]):
                    chosen = (start, label)
                    break
        if chosen:
            out.append((chosen[0], body, chosen[1]))
    return tuple(out)


def inline_score(text: str) -> tuple[int, int]:
    """(markers not at a line start, accepted inline labels not at a line start)."""
    mid_markers = sum(1 for m in MARKER_RE.finditer(text) if m.start() > 0 and text[m.start() - 1] != "\n")
    labels = _inline_labels(text) if mid_markers or len(text) < 5_000_000 else []
    mid_labels = sum(1 for s, _, _ in labels if s > 0 and text[s - 1] != "\n")
    return mid_markers, mid_labels


def parse_inline_speakers(text: str) -> Parsed:
    labels = _inline_labels(text)
    events: list[tuple[int, int, str | None, float | None]] = [(a, b, label, None) for a, b, label in labels]
    events += [(m.start(), m.end(), None, parse_clock(m.group(1))) for m in MARKER_RE.finditer(text)]
    events.sort(key=lambda e: e[0])
    names = SpeakerNames()
    w = SpanWriter(text)
    speaker: str | None = None
    time: float | None = None
    cur = 0
    for start, end, label, clock in events:
        if start < cur:
            continue
        # Text up to a label or marker, cut into sentences, belongs to the latest speaker and time.
        for s, e in chunk_spans(text, cur, start):
            w.add(s, e, start=time, speaker=speaker)
        if label is not None:
            speaker = names(label)
        else:
            time = clock
        cur = end
    for s, e in chunk_spans(text, cur, len(text)):
        w.add(s, e, start=time, speaker=speaker)
    if not w.builder.segments:
        raise MalformedSourceError("no text between the speaker labels and timestamps.")
    markers = len(events) - len(labels)
    return Parsed(w.close(), "inline-speakers", "transcript", [], {"labels": len(labels), "markers": markers})
