"""Contract clauses for the offline engine: the clause kinds a diligence memo asks about, how an SOP's own
labels name them, and the units a contract is read in (each sentence with the heading it sits under).

Which unit is which clause is the learned model's call (`clause_model.py`); the hand-written clause
patterns that came before it were tuned on 14 contracts and fell on others, and a missing model file is
now an error rather than a quiet fall-back to them. See docs/local-engine.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportgen.extract.local.sentences import sentence_ends, word_count
from reportgen.models import Document

# Canonical clause kinds (the diligence memo's enum values); an SOP's own labels map onto them by keywords.
PARTIES = "parties"
DATES = "agreement dates"
TERM = "term and renewal"
TERMINATION = "termination"
CONTROL = "change of control"
ASSIGNMENT = "assignment"
EXCLUSIVITY = "exclusivity"
LIABILITY = "liability cap"
LAW = "governing law"
KINDS = (PARTIES, DATES, TERM, TERMINATION, CONTROL, ASSIGNMENT, EXCLUSIVITY, LIABILITY, LAW)

# How an SOP's enum value names a kind ("Governing law", "governing_law", "Choice of law", "Limitation of liability").
_VALUE_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (CONTROL, re.compile(r"change.{0,4}(?:of|in).{0,4}control|\bmerger", re.I)),
    (LAW, re.compile(r"governing|choice.{0,4}of.{0,4}law|applicable.{0,4}law|jurisdiction", re.I)),
    (LIABILITY, re.compile(r"liabilit|\bcap\b", re.I)),
    (ASSIGNMENT, re.compile(r"assign", re.I)),
    (EXCLUSIVITY, re.compile(r"exclusiv|compet", re.I)),
    (TERMINATION, re.compile(r"terminat|cancel", re.I)),
    (TERM, re.compile(r"\bterm\b|renew|duration|expir", re.I)),
    (DATES, re.compile(r"\bdates?\b|effective", re.I)),
    (PARTIES, re.compile(r"\bpart(?:y|ies)\b|counterpart", re.I)),
]


def clause_values(values: list[str]) -> dict[str, str]:
    """Canonical kind -> the SOP's enum value for it; kinds the SOP does not offer are left out."""
    out: dict[str, str] = {}
    for v in values:
        label = v.replace("_", " ").replace("-", " ")
        for kind, pat in _VALUE_WORDS:
            if pat.search(label) and kind not in out:
                out[kind] = v
                break
    return out


# --- patterns ------------------------------------------------------------------------------------------------

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")  # fmt: skip
DATE_PATTERN = (
    rf"(?:{_MONTH}\s+(?:\d{{1,2}}|_+)(?:\s*(?:st|nd|rd|th))?,?\s+(?:\d{{4}}|\d{{2}}_+|_+)"  # March 3, 2020
    rf"|(?:\d{{1,2}}|_+)\s*(?:s\s*t|n\s*d|r\s*d|t\s*h)?\s+(?:day\s+of\s+)?(?:{_MONTH}|_+),?\s+(?:\d{{4}}|\d{{2}}_+|_+)"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})"
)
DATE_RE = re.compile(DATE_PATTERN, re.IGNORECASE)


_TOC_RE = re.compile(
    r"\.{4,}|\u2026{2,}|[A-Za-z)]\s+\d{1,3}\s+(?:section|article|schedule|exhibit)\b|[A-Za-z]\s+\d{1,3}\s*$",
    re.IGNORECASE,
)

_NUMBER = (r"(?:(?:section|article|clause|paragraph|§)\s*)?(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.|"
           r"\([a-z0-9]{1,4}\)|[A-Z]\.)")  # fmt: skip
_NUMBER_RE = re.compile(rf"^\s*({_NUMBER})\s+", re.IGNORECASE)
_SMALL = {"of", "and", "or", "to", "in", "on", "the", "for", "a", "an", "by", "with", "&", "upon", "under"}
_TITLE_WORD = r"(?:[A-Z][\w'\u2019/&-]*|of|and|or|to|in|on|the|for|by|with|upon|under|&)"
# "12. Governing Law. This Agreement ..." / "Section 14.2 Assignment: Neither ..." / "ARTICLE 7 - TERM\n..."
_INLINE_HEADING_RE = re.compile(
    rf"^\s*(?P<num>{_NUMBER})?\s*(?P<title>[A-Z][\w'\u2019/&-]*(?:[ \t]+{_TITLE_WORD}){{0,7}})\s*(?:[.:]\s+|\s*\n|"
    rf"\s+[-\u2013\u2014]\s+)"
)
_DEFINITION_RE = re.compile(r"^[^.;]{0,80}?\b(?:shall )?means?\b|^\W*definitions?\b", re.IGNORECASE)


@dataclass
class Unit:
    """A quotable stretch of a contract (a sentence, or a clause of a very long one), with its heading context."""

    doc_index: int
    start: int
    end: int
    text: str
    page: int | None
    block: int  # index of the block (segment, or joined segments) it comes from
    heading: str | None = None  # the heading over it: its block's own, else the section's
    section_heading: str | None = None
    number: str | None = None  # the clause number ("34.1", "12") when the block shows one
    first: bool = False  # the first sentence of its block: where a clause states itself
    definition: bool = False
    skip: bool = False  # a table-of-contents line or a bare title: never a clause's key sentence


@dataclass
class ClauseHit:
    """The best evidence for one clause kind in one document."""

    kind: str
    doc_index: int
    unit: Unit
    score: float
    why: list[str] = field(default_factory=list)


def _is_heading_text(text: str) -> bool:
    """A short line of capitalised words ("GOVERNING LAW", "Term and Termination"), not a sentence."""
    words = text.split()
    if not words or len(words) > 9 or len(text) > 90 or text.rstrip().endswith((",", ";")):
        return False
    if re.match(r"^\W*(?:by and )?(?:between|among|and)\b", text, re.IGNORECASE) or DATE_RE.search(text):
        return False  # "Between / X / And / Y" names the parties; "November ___, 2006" dates the agreement
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return False
    if sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return True
    caps = [w for w in words if w[0].isupper() or not w[0].isalpha()]
    return all(w[0].isupper() or w.lower() in _SMALL or not w[0].isalpha() for w in words) and len(caps) >= 1


def _split_heading(text: str) -> tuple[str | None, str | None, int]:
    """(number, heading, offset where the body starts) for a block; heading None when the block has none."""
    stripped = text.strip()
    m = _NUMBER_RE.match(text)
    number = m.group(1).rstrip(".") if m else None
    rest = text[m.end() :] if m else text
    first_line = rest.split("\n", 1)[0].strip()
    if "\n" not in stripped and _is_heading_text(rest.strip().rstrip(".:")):
        if re.search(r"\s\d{1,3}$", rest.strip()):
            return number, None, len(text)  # "35.0 GOVERNING LAW 27": a table-of-contents line
        return number, rest.strip().rstrip(".:"), len(text)
    h = _INLINE_HEADING_RE.match(text)
    if h:
        title = h.group("title").strip()
        upper = sum(c.isupper() for c in title) >= 0.8 * sum(c.isalpha() for c in title)
        nl = h.group(0).rstrip(" \t").endswith("\n")
        if (h.group("num") or upper) and _is_heading_text(title) and (upper or not nl or len(title.split()) <= 5):
            if not re.search(r"\s\d{1,3}$", title):
                dash = re.search(r"[-\u2013\u2014]\s*$", h.group(0)) is not None
                return (h.group("num") or "").rstrip(".") or number, title + (" -" if dash else ""), h.end()
    if first_line and _is_heading_text(first_line) and "\n" in rest and sum(c.isupper() for c in first_line) >= (
        0.8 * sum(c.isalpha() for c in first_line)
    ):
        return number, first_line.rstrip(".:"), (m.end() if m else 0) + rest.index("\n") + 1
    return number, None, (m.end() if m else 0)


def _blocks(doc: Document) -> list[tuple[int, int, int | None]]:
    """(start, end, page) of each block: a segment, joined with the next when a sentence runs on into it."""
    out: list[tuple[int, int, int | None]] = []
    text = doc.text
    for seg in doc.segments:
        if out:
            a, b, page = out[-1]
            prev = text[a:b].rstrip()
            nxt = text[seg.char_start : seg.char_end].lstrip()
            runs_on = prev and prev[-1] not in ".;:!?)" and nxt[:1].islower() and not _is_heading_text(prev)
            if runs_on and seg.char_start - b <= 3:
                out[-1] = (a, seg.char_end, page)
                continue
        out.append((seg.char_start, seg.char_end, seg.page))
    return out


_LONG = 70  # words; longer sentences are cut at semicolons so a quote stays readable


def _pieces(text: str, a: int, b: int) -> list[tuple[int, int]]:
    if word_count(text[a:b]) <= _LONG:
        return [(a, b)]
    cuts = [m.end() for m in re.finditer(r";\s+|:\s+(?=\(?[a-z0-9ivx]{1,4}\)\s)", text[a:b])]
    out: list[tuple[int, int]] = []
    prev = a
    for c in cuts:
        if word_count(text[prev : a + c]) >= 12:
            out.append((prev, a + c))
            prev = a + c
    if prev < b:
        if out and word_count(text[prev:b]) < 12:
            out[-1] = (out[-1][0], b)
        else:
            out.append((prev, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1] in " \t\n;":
        b -= 1
    return a, b


def contract_units(doc: Document, doc_index: int) -> list[Unit]:
    """Every sentence of a paged or plain document with the heading it sits under."""
    text = doc.text
    units: list[Unit] = []
    section: str | None = None
    for bi, (a, b, page) in enumerate(_blocks(doc)):
        number, heading, body = _split_heading(text[a:b])
        if heading is not None and body >= b - a:
            section = heading  # a heading block: it names what follows
            continue
        if heading is not None and (number is None or "." not in number):
            section = heading  # "12. GOVERNING LAW. This ..." heads the blocks after it too
        own = heading
        definition = bool(section and re.search(r"\bdefinitions?\b", section, re.I)) or bool(own and own.endswith(" -"))
        own = own[:-2] if own and own.endswith(" -") else own
        start = a + body
        ends = sentence_ends(text, start, b) + [b]
        prev = start
        first = True
        for end in ends:
            for pa, pb in _pieces(text, prev, end):
                sa, sb = _trim(text, pa, pb)
                lead = _NUMBER_RE.match(text, sa, sb)
                if lead and lead.end() < sb and first:
                    number = number or lead.group(1).rstrip(".")
                    sa = lead.end()
                if sb - sa < 4 or not any(ch.isalpha() for ch in text[sa:sb]):
                    continue
                unit_text = text[sa:sb]
                words = word_count(unit_text)
                # "35.0 GOVERNING LAW 27" (contents) and "No Assignment Without Consent." (a title) hold no clause
                toc = words <= 15 and bool(_TOC_RE.search(unit_text))
                skip = toc or _is_heading_text(unit_text.strip().rstrip(".:"))
                units.append(
                    Unit(doc_index, sa, sb, unit_text, page, bi, own or section, section, number, first,
                         definition or bool(_DEFINITION_RE.search(unit_text)), skip)
                )  # fmt: skip
                first = False
            prev = end
    return units


def transcript_units(doc: Document, doc_index: int) -> list[Unit]:
    """A transcript has no headings: each speaker turn's sentences stand alone (body patterns only)."""
    units = []
    text = doc.text
    for bi, seg in enumerate(doc.segments):
        prev = seg.char_start
        for end in sentence_ends(text, seg.char_start, seg.char_end) + [seg.char_end]:
            sa, sb = _trim(text, prev, end)
            if sb - sa >= 4:
                units.append(Unit(doc_index, sa, sb, text[sa:sb], seg.page, bi))
            prev = end
    return units


def _extend(doc: Document, hit: ClauseHit) -> ClauseHit:
    """"entered into by and between" alone names nobody: run the quote on through the next lines (names)."""
    u = hit.unit
    words = word_count(u.text)
    if words >= 12 or not (words < 6 or re.search(r"\b(?:between|among|and|by)\W*$", u.text, re.IGNORECASE)):
        return hit
    end = u.end
    for _ in range(5):  # the names are the next lines (often headings in capitals)
        nl = doc.text.find("\n", end + 1)
        nxt = len(doc.text) if nl < 0 else nl
        if word_count(doc.text[u.start : nxt]) > 45:
            break
        end = nxt
        if word_count(doc.text[u.start : end]) >= 12 or nl < 0:
            break
    while end > u.end and doc.text[end - 1].isspace():
        end -= 1
    if end == u.end or doc.text.count(doc.text[u.start : end]) != 1:
        return hit
    longer = Unit(u.doc_index, u.start, end, doc.text[u.start : end], u.page, u.block, u.heading, u.section_heading,
                  u.number, u.first, u.definition)  # fmt: skip
    return ClauseHit(hit.kind, hit.doc_index, longer, hit.score, hit.why)
