"""An item's text as a clean statement of what its quote says, without saying anything the quote does not.

Spoken sentences carry fillers, restarts, numbers in words and "I" where a reader needs a name:
"Um so I'll I'll be working on the the twenty five Euro version" reads, as an item of the
industrial designer, "The industrial designer will be working on the 25 Euro version". Every
rewrite here is one a reader can check against the verbatim quote the item keeps:

- fillers and repeated words out (`cues.clean`), and what AMI's annotators never keep of a spoken
  sentence (`normalise`, read off the fit fold): hedges ("I think", "maybe", "sort of"), false starts
  ("a t plastic", "sl slightly"), a trailing reason ("..., because it's cheaper"), letters spelled
  out ("L_C_D_" -> "LCD") and British spellings;
- a number said in words written in digits, only where the reading is unambiguous ("twenty
  five" is 25; "twelve fifty" may be 12.50 or 1250 and stays in words; a lone "one" is
  usually a pronoun and stays);
- a leading "I" / "I'll" / "I'm going to" of a speaker who said what they are in the meeting
  ("I'm the project manager", "I'm Laura and I'm the project manager", "my role as Project
  Supervisor"; or a role said alone in the opening round, "Industrial Designer.") becomes that role;
- a task handed to a role by name ("as the industrial designer, you're gonna be working on ...",
  "I will ask the Industrial Designer to find out ...") becomes that role's ("The industrial
  designer will be working on ...");
- with the whole meeting at hand (`Wording`): an acronym the same transcript spells out written in
  full ("ID" -> "industrial designer" where "Industrial Designer" is said), and a leading "you will
  ..." given to the role of the next speaker, when they said what they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import reportgen.extract.local.cues as C
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.sentences import Sentence
from reportgen.text import terms

_UNITS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}  # fmt: skip
_ONES = {"one": 1, **{k: v for k, v in _UNITS.items() if v < 10}}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALE = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, "one", *_TENS, *_SCALE], key=len, reverse=True))
_PHRASE_RE = re.compile(rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*\b", re.IGNORECASE)


def _value(words: list[str]) -> int | None:
    """The value of a number phrase read one way only, or None when it is ambiguous or not a number.

    Grammar: [units|tens[-ones]] [hundred [and] rest] [thousand|million ...]; two units or two
    tens in a row ("twelve fifty", "twenty thirty") is a price or a range, not one number.
    """
    total, current, last = 0, 0, ""
    for w in words:
        if w == "and":
            if last not in ("hundred", "thousand", "million"):
                return None
            continue
        if w in _TENS:
            if last in ("unit", "tens", "ones"):
                return None
            current += _TENS[w]
            last = "tens"
        elif w in _ONES and last == "tens":
            current += _ONES[w]
            last = "ones"
        elif w in _UNITS or w == "one":
            if last in ("unit", "tens", "ones"):
                return None
            current += _UNITS.get(w, 1)
            last = "unit"
        elif w == "hundred":
            if last not in ("unit",) or current >= 10:
                return None
            current *= 100
            last = "hundred"
        elif w in _SCALE:
            if last in ("", "thousand", "million"):
                return None
            total += current * _SCALE[w]
            current = 0
            last = w
        else:
            return None
    return total + current


def digits(text: str) -> str:
    """Numbers said in words written in digits where the reading is unambiguous (see the module doc)."""

    def one(m: re.Match[str]) -> str:
        words = [w.lower() for w in re.split(r"[\s-]+", m.group(0)) if w]
        if words == ["one"]:
            return m.group(0)
        v = _value(words)
        return m.group(0) if v is None else str(v)

    return _PHRASE_RE.sub(one, text)


_ROLE_NOUN = (r"(?:manager|designer|executive|engineer|director|officer|lead|leader|analyst|developer|expert|"
              r"specialist|consultant|coordinator|researcher|chair|chairman|chairwoman|secretary|owner|scientist)")
_ROLE = rf"((?:[a-z]+\s+){{0,2}}{_ROLE_NOUN})\b"
_ROLE_RES = [  # "I'm the project manager", "I'm Sarah, the Project Manager", "my role as X", "as a Marketing Expert I"
    re.compile(r"\bI(?:'m| am|'ll be| will be)\s+(?:(?:supposed|going)\s+to\s+be\s+|also\s+|now\s+|[A-Z][a-z]+,\s+)?"
               r"(?:(?:the|your|an?|our)\s+)?" + _ROLE, re.IGNORECASE),
    re.compile(r"\bmy (?:role|job|position|title) (?:as|is)\s+(?:(?:the|an?)\s+)?" + _ROLE, re.IGNORECASE),
    re.compile(r"\b(?:as|by me,) (?:the |your |an? )" + _ROLE + r",? (?:I|my)\b", re.IGNORECASE),
]
_DISFLUENCY_RE = re.compile(r"\b(?:uh|um|er|erm)\b,?\s*|\b(\w+)\s+(?=\1\b)", re.IGNORECASE)
_ROLE_HINT_RE = re.compile(_ROLE_NOUN, re.IGNORECASE)
_BAD_ROLE_WORDS = frozenset("not just only really very good bad big little new old first last kind sort the a an "
                            "and or i you we".split())


_BARE_ROLE_RE = re.compile(  # "Industrial Designer." said alone when the chair asks who is who
    rf"^(?:(?:and|so|yes|yeah|um|uh|okay|I'm|I am)\b[,.]?\s*)*(?:(?:the|an?)\s+)?{_ROLE}[,.!]?"
    r"(?:\s*(?:yes|yeah|that's me|here)[,.!]?)?$",
    re.IGNORECASE,
)
OPENING = 0.15  # a role said alone names its speaker only this early in a meeting (the round of introductions)


def _role_words(phrase: str) -> str:
    """A role as one lower-case phrase without false starts: "Marketing Exper Expert" -> "marketing expert"."""
    words = phrase.lower().split()
    return " ".join(w for k, w in enumerate(words) if not (k + 1 < len(words) and words[k + 1].startswith(w)))


def speaker_roles(sentences: Sequence[Sentence]) -> dict[tuple[int, str], str]:
    """(document, speaker) -> the role the speaker gave themselves ("the project manager"), the first said:
    an introduction ("I'm Sarah, the Project Manager", "I'll be the Project Manager") anywhere, or a role
    said alone in the opening round ("Industrial Designer."), unless someone else claimed it first (the
    chair repeating it back)."""
    out: dict[tuple[int, str], str] = {}
    sizes: dict[int, int] = {}
    for s in sentences:
        sizes[s.doc_index] = sizes.get(s.doc_index, 0) + 1
    seen: dict[int, int] = {}
    for s in sentences:
        k = seen[s.doc_index] = seen.get(s.doc_index, 0) + 1
        if not s.speaker or (s.doc_index, s.speaker) in out or not _ROLE_HINT_RE.search(s.text):
            continue
        text = s.text.replace("\u2019", "'")
        text = _DISFLUENCY_RE.sub("", _DISFLUENCY_RE.sub("", text))  # "I'm the uh the Industrial Designer"
        text = _PREFIX_RE.sub(lambda m: m.group(0) if m.group(1).lower() in _REAL_SHORT else "", text)
        opening = k <= OPENING * sizes[s.doc_index]
        claimed = {r for (d, _), r in out.items() if d == s.doc_index}
        for pattern in (*_ROLE_RES, _BARE_ROLE_RE):
            m = pattern.search(text)
            if m is None:
                continue
            role = _role_words(m.group(1))
            bare = pattern is _BARE_ROLE_RE
            if not _BAD_ROLE_WORDS.intersection(role.split()[:-1]) and (not bare or opening and role not in claimed):
                out[(s.doc_index, s.speaker)] = role
            break
    return out


_SELF_LEAD_RE = re.compile(
    r"^I(?:'ll| will| shall|'m going to| am going to|'m gonna| am gonna|'ve got to| have to| need to| must)\s+",
    re.IGNORECASE,
)
_REPEAT_RE = re.compile(r"\b(\w+'\w+)(?:\s+\1\b)+", re.IGNORECASE)
_SELF_BE_RE = re.compile(r"^I(?:'m| am)\s+(?=\w+ing\b)", re.IGNORECASE)

# How AMI's annotators word what was said (learned on the fit fold, `ami_train`; docs/local-engine.md):
# they never keep hedges, spelled-out letters or false starts, and they name a person by the role the
# meeting gave them ("Industrial Designer, you're gonna be ..." -> "The industrial designer will be ...").
_SPELLED_RE = re.compile(r"(?<![\w'])((?:[A-Za-z]_){2,})(?![\w'])")  # "L_C_D_" is how AMI writes "LCD"
_LETTER_RE = re.compile(r"(?<![\w'\u2019-])[b-hj-z](?![\w'\u2019-])\s*")  # "a t plastic", "w we're": false starts
_PREFIX_RE = re.compile(r"(?<![\w'])([a-z]{1,4})\s+(?=\1[a-z]+)", re.IGNORECASE)  # "sl slightly", "pr project"
_REAL_SHORT = frozenset("a an and as at be by do go he i if in is it me my no of on or so to up us we an all "
                        "any are but can for get had has her him his how its let may not now one our out "
                        "put see she the too two use was way who why yes you".split())
_HEDGE_RE = re.compile(
    r"(?:,\s*)?\b(?:I (?:think|guess|suppose|reckon|believe)|I(?:'d| would) say|maybe|perhaps|probably|"
    r"possibly|obviously|definitely|basically|actually|sort of|kind of|pretty much|"
    r"or something(?: like that)?|or whatever|and stuff|and so on|and things like that)\b,?\s*",
    re.IGNORECASE,
)
_BECAUSE_RE = re.compile(r",?\s+(?:because|'cause|cause|cos|since)\b.*$", re.IGNORECASE)
_SPELLING = {"colour": "color", "colours": "colors", "coloured": "colored", "colourful": "colorful",
             "favourite": "favorite", "favourites": "favorites", "centre": "center", "behaviour": "behavior",
             "recognisable": "recognizable", "recognise": "recognize", "recognised": "recognized",
             "customise": "customize", "customised": "customized", "organise": "organize",
             "organised": "organized", "minimise": "minimize", "maximise": "maximize",
             "programme": "program", "analyse": "analyze", "realise": "realize"}  # fmt: skip
_SPELLING_RE = re.compile(r"\b(" + "|".join(_SPELLING) + r")\b", re.IGNORECASE)
_ROLE_ADDRESS_RE = re.compile(  # "as the industrial designer, you're gonna be working on", "Marketing, you'll"
    rf"\b(?:(?:the|our|your)\s+)?{_ROLE},?\s+(?:you(?:'re| are)\s+)?(?:gonna|going to|you'll|you will|"
    r"you(?:'ve| have)?\s+(?:got\s+)?to|you need to|you should|will)\s+(?:be\s+(?=\w+ing\b))?",
    re.IGNORECASE,
)
_ASK_ROLE_RE = re.compile(  # "I will ask the Industrial Designer to find out ..."
    rf"\b(?:I(?:'ll| will| would like to| want to)? ask|I(?:'d| would) like|I want)\s+(?:the|our)\s+{_ROLE}\s+to\s+",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """A spoken sentence without what annotators always drop: hedges ("I think", "maybe", "sort of"),
    false starts ("a t plastic", "sl slightly"), a trailing reason ("..., because it's cheaper": the reason
    is a field of its own), spelled-out letters ("L_C_D_" -> "LCD") and British spellings (AMI's sentences
    are American). Nothing is added: every word left is one the speaker said."""
    t = _SPELLED_RE.sub(lambda m: m.group(1).replace("_", "").upper(), text)
    t = _PREFIX_RE.sub(lambda m: m.group(0) if m.group(1).lower() in _REAL_SHORT else "", t)
    t = _LETTER_RE.sub("", t)
    t = _HEDGE_RE.sub(lambda m: ", " if m.group(0).startswith(",") and m.group(0).rstrip().endswith(",") else " ", t)
    t = re.sub(r"^(?:because|'cause|cause)\s+", "", t, flags=re.IGNORECASE)
    short = _BECAUSE_RE.sub("", t)
    if len(short.split()) >= 4:
        t = short
    t = _SPELLING_RE.sub(lambda m: _SPELLING[m.group(1).lower()], t)
    return re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s+", " ", t)).strip(" ,-")


def _addressed(text: str) -> str:
    """A task handed to a role by name becomes that role's: "Um so, as the industrial designer, you're gonna be
    working on the design" -> "The industrial designer will working on the design" (then tidied)."""
    m = _ASK_ROLE_RE.search(text) or _ROLE_ADDRESS_RE.search(text)
    if m is None:
        return text
    role = _role_words(m.group(1))
    if _BAD_ROLE_WORDS.intersection(role.split()[:-1]):
        return text
    rest = text[m.end():]
    verb = "will be " if re.match(r"\w+ing\b", rest) else "will "
    return f"The {role} {verb}{rest}"


def statement(text: str, role: str | None = None, *, table: dict[str, str] | None = None,
              addressee: str | None = None) -> str:
    """A spoken sentence as an item's text: cleaned and normalised (`normalise`), numbers in digits, acronyms
    the document spells out in full (`table`, from `acronyms`), a leading "I" named by the speaker's `role`,
    a task handed to a role by name given to that role, and a leading "you will ..." given to the
    `addressee`'s role (the next speaker, when the meeting said what they are)."""
    t = _REPEAT_RE.sub(r"\1", text.replace("\u2019", "'"))  # "I'll I'll" (cues.clean handles plain words)
    t = expand(digits(C.clean(normalise(t))), table or {})
    addressed = _addressed(t)
    if addressed != t:
        t = addressed
    elif role:
        t2 = _SELF_LEAD_RE.sub(f"The {role} will ", t, count=1)
        if t2 == t:
            t2 = _SELF_BE_RE.sub(f"The {role} is ", t, count=1)
        t = t2
    if addressee:
        t = _YOU_LEAD_RE.sub(f"The {addressee} will ", t, count=1)
    t = t.rstrip(" ,;:-")
    return t[:1].upper() + t[1:] if t else t


_YOU_LEAD_RE = re.compile(  # "You're gonna look at product evaluation", "So you will have to work on ..."
    r"^(?:(?:so|and|then|now|okay)\b,?\s+)*you(?:'re| are)?\s+(?:gonna|going to|will|'ll|can|could|should|"
    r"(?:will )?(?:have|need) to|(?:'ve )?got to)\s+(?:be\s+(?=\w+ing\b))?",
    re.IGNORECASE,
)


class Wording:
    """`statement` for the sentences of one index, with what the whole meeting says: who is which role
    (`speaker_roles`), which acronyms it spells out (`acronyms`), and who is addressed (the next speaker)."""

    def __init__(self, index: SourceIndex) -> None:
        self.index = index
        self.roles = speaker_roles(index.sentences)
        self.tables = acronyms(index.sentences)

    def role(self, s: Sentence | None) -> str | None:
        return None if s is None else self.roles.get((s.doc_index, s.speaker or ""))

    def of(self, s: Sentence) -> str:
        reply = self.index.neighbour(s, 1, other_speaker=True, span=2)
        return statement(s.text, self.role(s), table=self.tables.get(s.doc_index), addressee=self.role(reply))

_ACRONYM_RE = re.compile(r"(?<![\w'])([A-Z]{2,4})(?![\w'])")
_TITLE_PHRASE_RE = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,4}\b")
_LEAD_WORDS = frozenset("the a an and so our your um uh okay then now but or well yes yeah".split())


def acronyms(sentences: Sequence[Sentence]) -> dict[int, dict[str, str]]:
    """document -> {acronym: the phrase it stands for}, from the document itself: an acronym ("UID", or
    "U_I_D_" as AMI writes it) stands for a capitalised phrase said in the same document whose initials
    spell it ("User Interface Designer"); when two phrases spell it ("Industrial Designer", "Interface
    Designer"), the one said more often, and none on a tie. A reader can check the expansion against the
    transcript."""
    found: dict[int, dict[str, Counter[str]]] = {}
    for s in sentences:
        for m in _TITLE_PHRASE_RE.finditer(s.text):
            words = m.group(0).split()
            while words and words[0].lower() in _LEAD_WORDS:  # "The User Interface Designer", "So Marketing Expert"
                words = words[1:]
            if len(words) >= 2:
                acronym = "".join(w[0] for w in words)
                found.setdefault(s.doc_index, {}).setdefault(acronym, Counter())[" ".join(words).lower()] += 1
    out: dict[int, dict[str, str]] = {}
    for d, table in found.items():
        for acronym, phrases in table.items():
            top = phrases.most_common(2)
            if len(top) == 1 or top[0][1] > top[1][1]:
                out.setdefault(d, {})[acronym] = top[0][0]
    return out


def expand(text: str, table: dict[str, str]) -> str:
    """Acronyms the document spells out (see `acronyms`) written in full: "The ID is going to" -> "The
    industrial designer is going to"."""
    if not table:
        return text
    return _ACRONYM_RE.sub(lambda m: table.get(m.group(1), m.group(1)), text)


_CLAUSE_SPLIT_RE = re.compile(r"\s*[,;]\s*(?:(?:and|but|so|or)\s+)?|\s+(?:and|but)\s+(?=(?:you|I|we)\b)", re.IGNORECASE)
MIN_CLAUSE_TERMS = 2  # a clause with fewer content words ("the size", "so") is part of its neighbour


def clauses(text: str, least: int = 2) -> list[str]:
    """A statement cut into its clauses when it holds at least `least` with `MIN_CLAUSE_TERMS` content words
    each: "The ID is going to work on the components concept, UID the user interface concept, and you're going to
    do some trend watching" hands out three tasks. Otherwise the statement whole."""
    parts = [p.strip(" ,;.") for p in _CLAUSE_SPLIT_RE.split(text)]
    kept = [p for p in parts if len(terms(p)) >= MIN_CLAUSE_TERMS]
    if len(kept) < least:
        return [text]
    return [p[:1].upper() + p[1:] for p in kept]
