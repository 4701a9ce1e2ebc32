"""Contract clauses for the offline engine: which block of an agreement is its governing law, its assignment
clause, its liability cap, and which sentence of that block says it.

A diligence reader wants one row per clause kind per agreement, each quoting the clause's key sentence. BM25
over a section's wording cannot tell "34.0 NON-ASSIGNMENT" from "4.0 TERM" (both are "terms of the
agreement"), so contracts get their own reader: headings first ("12. GOVERNING LAW", "Section 14.2
Assignment", "TERM AND TERMINATION"), then body patterns ("governed by the laws of", "may not assign ...
without consent", "in no event shall ... liability exceed"). It prefers silence to a guess: a clause kind
gets a row only when some sentence carries a strong signal for it. See docs/local-engine.md.
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
_DATE = (
    rf"(?:{_MONTH}\s+(?:\d{{1,2}}|_+)(?:\s*(?:st|nd|rd|th))?,?\s+(?:\d{{4}}|\d{{2}}_+|_+)"  # March 3, 2020
    rf"|(?:\d{{1,2}}|_+)\s*(?:s\s*t|n\s*d|r\s*d|t\s*h)?\s+(?:day\s+of\s+)?(?:{_MONTH}|_+),?\s+(?:\d{{4}}|\d{{2}}_+|_+)"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})"
)
_F = re.IGNORECASE | re.DOTALL
_DATE_RE = re.compile(_DATE, re.IGNORECASE)


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _F)


# Body patterns per kind: (pattern, weight). A weight >= STRONG is enough alone; weaker ones need the heading.
STRONG = 2.0
_BODY: dict[str, list[tuple[re.Pattern[str], float]]] = {
    LAW: [
        (_p(r"\b(?:governed|construed|interpreted|enforced)\b[^.;]{0,120}?\b(?:by|under|with|pursuant to)\b"
            r"[^.;]{0,100}?\blaws?\b(?! and regulations)"), 3.0),
        (_p(r"\blaws? (?:in force )?(?:of|in) (?:the )?(?:state|commonwealth|province|people['\u2019]s republic|"
            r"republic|kingdom|federal republic)\b"), 1.5),
        (_p(r"\bgoverning law\b"), 1.0),
        (_p(r"\b(?:exclusive )?jurisdiction of the courts\b"), 1.0),
    ],
    ASSIGNMENT: [
        (_p(r"\bneither (?:party|of the parties)\b[^.;]{0,60}?\b(?:assign|transfer)"), 3.0),
        (_p(r"\bno party\b[^.;]{0,60}?\bright to assign"), 3.0),
        (_p(r"\b(?:assign|transfer)\w*\b[^.;]{0,160}?\bwithout (?:first )?(?:obtaining )?(?:the )?(?:\w+ ){0,3}"
            r"consent\b"), 3.0),
        (_p(r"\b(?:may|shall|will|can)\s+not\s+(?:\w+\s+){0,2}(?:assign|transfer)(?:ed|red)?\b"), 2.5),
        (_p(r"\bnot (?:be )?assignable\b|\bnon-?assignable\b"), 2.5),
        (_p(r"\b(?:purported|attempted) (?:assignment|transfer)\b[^.;]{0,100}?\b(?:void|null|ineffective)"), 2.5),
        (_p(r"\bpersonal to (?:you|licensee|franchisee|the (?:licensee|franchisee|consultant))\b"), 1.5),
        (_p(r"\bassign\w*\b"), 0.5),
    ],
    CONTROL: [
        (_p(r"\bchange (?:of|in) (?:the )?control\b"), 3.0),
        (_p(r"\b(?:merger|merges|consolidation|amalgamation|reorgani[sz]ation)\b[^.;]{0,160}?\b(?:control|voting|"
            r"surviving|substantially all|successor)"), 2.5),
        (_p(r"\b(?:division|merger|acquisition|consolidation)\b[^.;]{0,30}?\bof (?:party [a-z]\b|the (?:company|"
            r"licensee|licensor|supplier|customer|distributor|franchisee))"), 2.5),
        (_p(r"\b(?:\d{2} ?%|\d{2} percent|fifty percent|majority)[^.;]{0,40}?\b(?:voting|outstanding (?:shares|stock)|"
            r"capital stock|equity)"), 2.0),
        (_p(r"\b(?:sale|transfer)s? of (?:all or )?substantially all\b"), 2.0),
        (_p(r"\b(?:merger|acquisition|acquired)\b"), 0.5),
    ],
    EXCLUSIVITY: [
        (_p(r"(?<!non-)(?<!non)\bexclusive (?:right|rights|license|licence|licensee|distributor|distribution|supplier|"
            r"provider|basis|agent|agency|reseller|appointment|territory|dealer|partner|sponsor|sales)\b"), 2.5),
        (_p(r"(?<!\bnot )(?<!non-)(?<!non)\b(?:is|are|be|remain) exclusive\b"), 2.5),
        (_p(r"\bnon-?compet\w*"), 2.5),
        (_p(r"\b(?:shall|will|agrees?(?: not)? to|may)\s+not\b[^.;]{0,100}?\b(?:compet\w+|competitor\w*|competitive|"
            r"similar (?:products|business|services)|products similar)\b"), 2.5),
        (_p(r"\bnot to enter into an? (?:agreement|arrangement)\b[^.;]{0,60}?\b(?:another|any other|third)"), 2.5),
        (_p(r"\bshall not\b[^.;]{0,40}?\bgrant to (?:anyone|any other|any third)"), 2.5),
        (_p(r"\bsole and exclusive\b(?! (?:remedy|remedies|property|owner|discretion|jurisdiction|venue|forum|"
            r"responsibility|liability|obligation|benefit))"), 2.0),
        (_p(r"(?<!non-)(?<!non)\bexclusiv(?:e|ely|ity)\b(?! (?:jurisdiction|venue|remedy|remedies|property|forum|"
            r"of\b|owner|discretion|benefit))"), 1.0),
    ],
    LIABILITY: [
        (_p(r"\bliab\w*\b[^.;]{0,160}?\b(?:shall|will|may) (?:not|in no event) (?:\w+ ){0,2}exceed"), 3.0),
        (_p(r"\bin no event shall\b[^.;]{0,220}?\bexceed"), 2.5),
        (_p(r"\b(?:aggregate|total|maximum|cumulative|entire) liability\b"), 2.5),
        (_p(r"\bliab\w*\b[^.;]{0,60}?\blimited to\b"), 2.5),
        (_p(r"\b(?:shall not|will not|in no event shall|neither party shall)\b[^.;]{0,120}?\bliable\b[^.;]{0,220}?"
            r"\b(?:indirect|consequential|special|incidental|punitive|lost (?:profits?|revenues?|savings))"), 2.0),
        (_p(r"\bnot (?:be )?liable\b[^.;]{0,100}?\b(?:lost (?:revenue|profits?)|consequential)"), 2.0),
        (_p(r"\blimited to (?:the )?(?:actual and )?direct (?:costs|damages)"), 2.0),
        (_p(r"\blimitation (?:of|on) liability\b"), 1.0),
        (_p(r"\bliab(?:le|ility)\b"), 0.5),
    ],
    TERM: [
        (_p(r"(?<!during )(?<!during the )\bterm of this (?:agreement|contract)\b(?: \([^)]{0,30}\))?,? "
            r"(?:shall|will|is|commences?|begins?)\b"), 3.0),
        (_p(r"\b(?:agreement|contract|obligations)\b[^.;]{0,60}?\b(?:shall|will)(?: \w+ and)? "
            r"(?:remain|continue|be) in (?:full )?(?:force|effect)\b[^.;]{0,80}?\b(?:until|for|perpetu|through)"), 3.0),
        (_p(r"\b(?:shall|will) continue in perpetuity\b"), 3.0),
        (_p(r"\b(?:agreement|contract)\b[^.;]{0,40}?\b(?:is|shall be|will be|remains?) valid (?:for|until)\b"), 3.0),
        (_p(r"\b(?:agreement|contract)\b[^.;]{0,60}?\b(?:shall|will) (?:expire|terminate) on\b"), 2.5),
        (_p(r"\b(?:automatically|tacitly) (?:be )?renew|\brenew\w* (?:automatically|tacitly)\b"), 2.5),
        (_p(r"\brenew\w*\b[^.;]{0,80}?\b(?:successive|additional|further|renewal)\b[^.;]{0,30}?\b(?:terms?|periods?|"
            r"years?)\b"), 2.5),
        (_p(r"\b(?:initial|renewal) term\b"), 1.5),
        (_p(r"\bperiod\b[^.;]{0,40}?\bfrom " + _DATE + r"[^.;]{0,20}?\b(?:through|to|until) " + _DATE), 2.5),
        (_p(r"\b(?:come|comes|came) into (?:force|effect)\b|\btake effect on\b"), 1.5),
        (_p(r"\bin perpetuity\b|\bperpetual(?:ly)?\b"), 1.0),
        (_p(r"\bfor a (?:period|term) of\b[^.;]{0,40}?\b(?:years?|months?)\b"), 1.0),
        (_p(r"\bexpir\w+|\brenew\w+"), 0.5),
    ],
    TERMINATION: [
        (_p(r"\bfor (?:its|their|any|his|her) (?:own )?convenience\b|\btermination for convenience\b"), 3.0),
        (_p(r"\bterminat\w*\b[^.;]{0,160}?\bwithout cause\b|\bwithout cause\b[^.;]{0,100}?\bterminat"), 3.0),
        (_p(r"\b(?:may|shall have the right to|is entitled to|can) terminate (?:this|the) (?:agreement|contract)\b"
            r"[^.;]{0,200}?\b(?:notice|at any time)\b"), 2.5),
        (_p(r"\b(?:agreement|contract)\b[^.;]{0,40}?\bmay be (?:terminated|cancell?ed)\b[^.;]{0,100}?\b(?:at any time|"
            r"notice)"), 2.5),
        (_p(r"\b(?:cancell?able|terminable) at any time\b"), 2.5),
        (_p(r"\b(?:may|shall have the right to|is entitled to) terminate (?:this|the) (?:agreement|contract)\b"), 2.0),
        (_p(r"\bterminat\w*\b"), 0.5),
    ],
    DATES: [
        # this agreement's own date; "the Plan dated June 21, 2006" dates another document
        (_p(r"\b(?:this|the present) (?:[\w-]+ ){0,5}(?:agreement|contract)\b[^.;]{0,80}?\b(?:dated|made|entered into|"
            r"executed|effective|signed|concluded)\b[^.;]{0,40}?\b(?:as of|on|this|as from|effective|dated)\s+"
            r"(?:the\s+)?" + _DATE), 3.0),
        (_p(r"\beffective date\b\W{0,3}(?:is |shall be |means )?(?:the )?" + _DATE), 3.0),
        (_p(r"^\W*(?:dated|effective)\s+(?:as of\s+|as from\s+|on\s+)?(?:the\s+)?" + _DATE), 3.0),
        (_p(r"\b(?:dated|effective)\s+(?:as of\s+|as from\s+)?(?:the\s+)?" + _DATE), 1.5),
        (_p(r"\bas of (?:the\s+)?" + _DATE), 2.0),
        (_p(r"\b(?:date of (?:this )?agreement|agreement date)\b\W{0,3}" + _DATE), 3.0),
        (_p(r"^\W*(?:dated:?\s*)?" + _DATE + r"\W*$"), 2.5),
    ],
    PARTIES: [
        (_p(r"\bby and (?:between|among)\b"), 3.0),
        (_p(r"\b(?:is|are) (?:made|entered into|concluded)\b[^.;]{0,200}?\bbetween\b[^.;]{3,200}?\band\b"), 3.0),
        (_p(r"\bthe parties to this (?:agreement|contract) are\b"), 2.5),
        (_p(r"(?:^|\n)\W*between\b(?:\s*:|\s*\n|$)"), 2.5),
        (_p(r"^\W*party [a-z1-9]\s*:"), 2.5),
        (_p(r"\bhereby (?:confirms?|agrees?)\b[^.;]{0,40}?\bagreement with\b"), 2.0),
        (_p(r"\((?:the\s+)?[\"\u201c][^\"\u201d]{2,30}[\"\u201d]\)[^.;]{5,400}?\((?:the\s+)?[\"\u201c][^\"\u201d]{2,30}[\"\u201d]\)"),
         2.0),
    ],
}

# Heading words per kind. "TERM AND TERMINATION" names both; "RELATIONSHIP OF THE PARTIES" names neither.
_HEADING: dict[str, re.Pattern[str]] = {
    LAW: _p(r"\bgoverning laws?\b|\bapplicable law\b|\bchoice of law\b|\blaw and jurisdiction\b|\bjurisdiction\b"),
    ASSIGNMENT: _p(r"\bassign\w*|\bsuccessors and assigns\b|^\W*transfers?\b"),
    CONTROL: _p(r"\bchange (?:of|in) control\b|\bmergers?\b"),
    EXCLUSIVITY: _p(r"(?<!non-)(?<!non)\bexclusiv\w*|\bnon-?compet\w*|\bcompetitive activit|"
                    r"\brestrictive covenants?\b"),
    LIABILITY: _p(r"\blimitations? (?:of|on) liability\b|^\W*liabilit(?:y|ies)\W*$|\blimit(?:s|ation)? of (?:liability|"
                  r"damages)\b|\bliability cap\b|\bexclusion of (?:certain )?damages\b|\bconsequential damages\b"),
    TERM: _p(r"\bterm\b(?! sheet)|\bduration\b|\brenewal\b|\bvalidity\b|\bcontract period\b"),
    TERMINATION: _p(r"\bterminat\w*|\bcancell?ation\b"),
    DATES: _p(r"\beffective date\b"),
    PARTIES: _p(r"^\W*(?:the )?parties\W*$"),
}
# Without these words a sentence under a matching heading is not that clause ("4.0 TERM" then a definition).
_KEYWORD: dict[str, re.Pattern[str]] = {
    LAW: _p(r"\blaws?\b|\bjurisdiction\b"),
    ASSIGNMENT: _p(r"\bassign|\btransfer|\bdelegat"),
    CONTROL: _p(r"\bcontrol\b|\bmerge|\bacqui"),
    EXCLUSIVITY: _p(r"\bexclusiv|\bcompet"),
    LIABILITY: _p(r"\bliab|\bdamages\b"),
    TERM: _p(r"\bterm\b|\bexpir|\brenew|\byears?\b|\bmonths?\b|\bperpetu|\bin (?:full )?force\b|\bin effect\b"),
    TERMINATION: _p(r"\bterminat|\bcancel"),
    DATES: re.compile(_DATE, _F),
    PARTIES: _p(r"\bbetween\b"),
}
# Wording that says a clause is *not* there ("non-exclusive", "shall not be considered ... exclusive").
_NEGATIVE: dict[str, re.Pattern[str]] = {
    EXCLUSIVITY: _p(r"\bnon-?exclusive\b|\bnot\b[^.;]{0,60}?\bexclusive\b"),
    LIABILITY: _p(r"\binsurance\b"),
}
_TOC_RE = re.compile(
    r"\.{4,}|\u2026{2,}|[A-Za-z)]\s+\d{1,3}\s+(?:section|article|schedule|exhibit)\b|[A-Za-z]\s+\d{1,3}\s*$",
    re.IGNORECASE,
)

# A cheap first look: a sentence without any of these words cannot match the kind's patterns (speed).
_TRIGGER: dict[str, re.Pattern[str]] = {
    LAW: _p(r"\blaw|govern|constru|jurisdiction"),
    ASSIGNMENT: _p(r"assign|transfer|personal to"),
    CONTROL: _p(r"control|merge|consolidat|amalgamat|reorgani|acqui|substantially all|voting|majority|division"),
    EXCLUSIVITY: _p(r"exclusiv|compet|similar|grant to|enter into"),
    LIABILITY: _p(r"liab|exceed|limited to"),
    TERM: _p(r"term|force|effect|valid|expir|renew|perpetu|period"),
    TERMINATION: _p(r"terminat|cancel|convenience|without cause"),
    DATES: _p(r"\d|__"),
    PARTIES: _p(r"between|among|party|agreement with|\("),
}

# Clauses whose signal comes first in a contract: the preamble names the parties and the date.
_EARLY = {PARTIES, DATES}

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
    if re.match(r"^\W*(?:by and )?(?:between|among|and)\b", text, re.IGNORECASE) or _DATE_RE.search(text):
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


def score_unit(unit: Unit, kind: str) -> tuple[float, list[str]]:
    """How strongly `unit` is the key sentence of a `kind` clause; 0 without a reason."""
    why: list[str] = []
    body = 0.0
    heads = {h for h in (unit.heading, unit.section_heading) if h}
    heading = any(_HEADING[kind].search(h) for h in heads)
    if not heading and not _TRIGGER[kind].search(unit.text):
        return 0.0, []
    for k, (pat, weight) in enumerate(_BODY[kind]):
        if weight > body and pat.search(unit.text):
            body = weight
            why = [f"body #{k} ({weight:g})"]
    neg = _NEGATIVE.get(kind)
    if body and neg is not None and (neg.search(unit.text) or any(neg.search(h) for h in (unit.heading or "",))):
        body -= 1.5
        why.append("negated")
    if heading and (body or _KEYWORD[kind].search(unit.text)):
        why.append("heading")
    else:
        heading = False
    if body < STRONG and not (heading and (body >= 0.5 or kind in (LAW, ASSIGNMENT) and unit.first)):
        return 0.0, []
    score = body + (1.5 if heading else 0.0)
    if unit.first and heading:
        score += 0.5  # a clause says what it is in its first sentence
    if unit.definition and kind not in _EARLY:
        score -= 1.0  # "Change of Control means ..." defines; the operative clause says what happens
    words = word_count(unit.text)
    if words < 5 and kind not in (DATES, PARTIES):
        return 0.0, []
    if unit.skip and kind not in (DATES, PARTIES):
        return 0.0, []
    if words > _LONG:
        score -= 0.3
    return (score, why) if score >= STRONG else (0.0, [])


def find_clauses(documents: list[Document], kinds: list[str] | tuple[str, ...] = KINDS) -> list[ClauseHit]:
    """One best hit per clause kind per document (plus a clearly distinct second one), in document order."""
    hits: list[ClauseHit] = []
    for di, doc in enumerate(documents):
        if doc.kind == "transcript" or any(s.speaker or s.start is not None for s in doc.segments[:50]):
            units = transcript_units(doc, di)
        else:
            units = contract_units(doc, di)
        n = max(1, len(units))
        for kind in kinds:
            ranked: list[ClauseHit] = []
            window = max(40, int(0.1 * n))
            for k, u in enumerate(units[:window] if kind in _EARLY else units):
                score, why = score_unit(u, kind)
                if score <= 0:
                    continue
                if kind in _EARLY:  # the preamble names them, not a recital on page 30; the earliest mention wins
                    score += 1.0 - k / window
                    if u.heading and re.search(r"\bsignature|in witness|exhibit|schedule\b", u.heading, re.I):
                        score -= 0.5
                ranked.append(ClauseHit(kind, di, u, score, why))
            ranked = [h for h in ranked if doc.text.count(h.unit.text) == 1]
            if not ranked:
                continue
            ranked.sort(key=lambda h: (-h.score, h.unit.start if kind in _EARLY else 0, h.unit.start))
            best = ranked[0]
            if kind == PARTIES:
                best = _extend(doc, best)
            hits.append(best)
            second = next((h for h in ranked[1:] if _distinct(best, h)), None)
            if second is not None:
                hits.append(second)
    return hits


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


def _distinct(best: ClauseHit, other: ClauseHit) -> bool:
    """A second row for a kind only when it is as strong and clearly another clause (say, exclusivity granted
    in one article and a non-compete in another)."""
    if best.kind in _EARLY or other.score < best.score - 0.25 or other.score < STRONG + 1.0:
        return False
    if other.unit.block == best.unit.block or abs(other.unit.block - best.unit.block) <= 2:
        return False
    a, b = (best.unit.section_heading or ""), (other.unit.section_heading or "")
    return a != b and bool(a and b)
