"""An item's text as a clean statement of what its quote says, without saying anything the quote does not.

Spoken sentences carry fillers, restarts, numbers in words and "I" where a reader needs a name:
"Um so I'll I'll be working on the the twenty five Euro version" reads, as an item of the
industrial designer, "The industrial designer will be working on the 25 Euro version". Every
rewrite here is one a reader can check against the verbatim quote the item keeps:

- fillers and repeated words out (`cues.clean`);
- a number said in words written in digits, only where the reading is unambiguous ("twenty
  five" is 25; "twelve fifty" may be 12.50 or 1250 and stays in words; a lone "one" is
  usually a pronoun and stays);
- a leading "I" / "I'll" / "I'm going to" of a speaker who said what they are in the meeting
  ("I'm the project manager", "I'm Laura and I'm the project manager", "my role as Project
  Supervisor") becomes that role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import reportgen.extract.local.cues as C
from reportgen.extract.local.sentences import Sentence

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
    re.compile(r"\bI(?:'m| am)\s+(?:(?:supposed|going)\s+to\s+be\s+|also\s+|now\s+|[A-Z][a-z]+,\s+)?"
               r"(?:(?:the|your|an?|our)\s+)?" + _ROLE, re.IGNORECASE),
    re.compile(r"\bmy (?:role|job|position|title) (?:as|is)\s+(?:(?:the|an?)\s+)?" + _ROLE, re.IGNORECASE),
    re.compile(r"\b(?:as|by me,) (?:the |your |an? )" + _ROLE + r",? (?:I|my)\b", re.IGNORECASE),
]
_DISFLUENCY_RE = re.compile(r"\b(?:uh|um|er|erm)\b,?\s*|\b(\w+)\s+(?=\1\b)", re.IGNORECASE)
_ROLE_HINT_RE = re.compile(_ROLE_NOUN, re.IGNORECASE)
_BAD_ROLE_WORDS = frozenset("not just only really very good bad big little new old first last kind sort the a an "
                            "and or i you we".split())


def speaker_roles(sentences: Sequence[Sentence]) -> dict[tuple[int, str], str]:
    """(document, speaker) -> the role the speaker gave themselves ("the project manager"), the first said."""
    out: dict[tuple[int, str], str] = {}
    for s in sentences:
        if not s.speaker or (s.doc_index, s.speaker) in out or not _ROLE_HINT_RE.search(s.text):
            continue
        text = s.text.replace("\u2019", "'")
        text = _DISFLUENCY_RE.sub("", _DISFLUENCY_RE.sub("", text))  # "I'm the uh the Industrial Designer"
        for pattern in _ROLE_RES:
            m = pattern.search(text)
            if m and not _BAD_ROLE_WORDS.intersection(m.group(1).lower().split()[:-1]):
                out[(s.doc_index, s.speaker)] = " ".join(m.group(1).lower().split())
                break
    return out


_SELF_LEAD_RE = re.compile(
    r"^I(?:'ll| will| shall|'m going to| am going to|'m gonna| am gonna)\s+", re.IGNORECASE
)
_REPEAT_RE = re.compile(r"\b(\w+'\w+)(?:\s+\1\b)+", re.IGNORECASE)
_SELF_BE_RE = re.compile(r"^I(?:'m| am)\s+(?=\w+ing\b)", re.IGNORECASE)


def statement(text: str, role: str | None = None) -> str:
    """A spoken sentence as an item's text: cleaned, numbers in digits, a leading "I" named by role."""
    t = _REPEAT_RE.sub(r"\1", text.replace("\u2019", "'"))  # "I'll I'll" (cues.clean handles plain words)
    t = digits(C.clean(t))
    if role:
        t2 = _SELF_LEAD_RE.sub(f"The {role} will ", t, count=1)
        if t2 == t:
            t2 = _SELF_BE_RE.sub(f"The {role} is ", t, count=1)
        t = t2
    t = t.rstrip(" ,;:-")
    return t[:1].upper() + t[1:] if t else t
