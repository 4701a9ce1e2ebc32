"""The values a text states, normalised so that a field can be checked against its own quotes.

"$25,000", "25,000 USD", "USD 25k" and "twenty-five thousand dollars" are one value: 25000. The
number readers here (`parse_number`, `WORD_NUMBER`) are the ones the offline engine's figures use.
An item whose figure, percent or date is not among the values its located quotes state is
flagged, because a located quote proves only the quote, not what the item says about it (the
CUAD endorsement fee "(i) Twenty-Five thousand dollars ($25,000USD)" once became "$5K").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
_SUFFIX = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "mn": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}

_DIGITS_RE = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?"
    # "25k", "$1.2M", "3 bn": a one-letter suffix only when attached ("2012 b. Royalties" is a list label)
    r"(?:(k|mm|mn|m|bn|b)\b|\s(mm|mn|bn)\b|\s+(thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
# A number written in words: "twenty-five thousand", "one hundred and twenty", "a million". Shared with
# the offline engine's figure reader (extract/local/figures.py), so a field and its check read alike.
WORD_NUMBER = r"\b(?:(?:" + _WORD + r"|and|a|an)[\s-]+)*(?:" + _WORD + r")\b"
_WORDS_RE = re.compile(WORD_NUMBER, re.IGNORECASE)
NUMBER_WORD_RE = re.compile(r"\b(?:" + _WORD + r")\b", re.IGNORECASE)  # is any number written in words here?


def parse_number(raw: str) -> Decimal | None:
    """One number as written, in digits ("25,000", "1.5") or words ("Twenty-Five thousand"); None otherwise."""
    text = raw.strip()
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return words_value(text)


def words_value(phrase: str) -> Decimal | None:
    """"twenty-five thousand" -> 25000; None when the phrase is not a number ("a", "and")."""
    total, current, seen = 0, 0, False
    for w in re.split(r"[\s-]+", phrase.lower()):
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _SCALES:
            total += max(current, 1) * _SCALES[w]
            current = 0
        elif w in ("and", "a", "an"):
            continue
        else:
            return None
        seen = True
    return Decimal(total + current) if seen else None


def numbers_in(text: str) -> set[Decimal]:
    """Every numeric value `text` states, in digits or in words, with k/m/bn and scale words applied."""
    out: set[Decimal] = set()
    for m in _DIGITS_RE.finditer(text):
        try:
            value = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        except InvalidOperation:
            continue
        scale = (m.group(3) or m.group(4) or m.group(5) or "").lower()
        out.add(value * (_SUFFIX.get(scale) or _SCALES[scale]) if scale else value)
    for m in _WORDS_RE.finditer(_DIGITS_RE.sub(" ", text)):  # "1.2 million" is read once, above
        if (v := words_value(m.group(0))) is not None:
            out.add(v)
    return {v.normalize() for v in out}


def value_stated(value: str, quotes: list[str]) -> bool:
    """Whether every number in `value` is stated by one of `quotes` (a value with no number passes)."""
    wanted = numbers_in(value)
    if not wanted:
        return True
    stated: set[Decimal] = set()
    for q in quotes:
        stated |= numbers_in(q)
    return wanted <= stated
