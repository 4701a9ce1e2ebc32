"""Does a quote say what its source says? The differences that change meaning.

Locating a quote tolerates what ASR and copying do to words (case, punctuation, fillers, a
misheard word), so "Instructor should not be part of the standard lib" is 97% like
"Instructor should be part of the standard lib". These checks run on every located quote that
is not an exact copy, and refuse the few differences that turn support into its opposite:

- negation: a "not", "never", "no", "n't", "without", "un-"/"non-" added or removed;
- number: a number, amount, percent, year, month or weekday that differs;
- name: a person or place named in one and another in the other.

A refused quote is `unsupported` with `meaning-differs: <kind>`: silence beats a wrong "verified".
"""

from __future__ import annotations

import re
from collections import Counter

_WORD_RE = re.compile(r"[$€£]?\d[\d,]*(?:\.\d+)?%?|[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?:-[^\W\d_]+)*")
NEGATORS = frozenset({
    "not", "no", "never", "without", "nobody", "nothing", "none", "neither", "nor", "nowhere", "cannot",
    "nope", "nah",
})  # fmt: skip
# "n't" written without its apostrophe, as ASR and lowercased copies often do ("dont", "isnt")
_BARE_NT = frozenset(w + "nt" for w in (
    "do", "does", "did", "is", "are", "was", "were", "ca", "wo", "could", "should", "would", "have", "has",
    "had", "ai", "must", "need", "might",
))  # fmt: skip
_NEG_PREFIXES = ("non-", "non", "un", "dis", "in", "im", "ir", "il")
NUMBER_WORDS = frozenset({
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
    "trillion", "half", "quarter", "double", "twice", "percent",
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "today", "tomorrow", "yesterday",
})  # fmt: skip
# Capitalised words that are not names (sentence starts, pronouns, titles of days are numbers above).
_NOT_NAMES = frozenset({
    "i", "a", "an", "the", "and", "but", "or", "so", "if", "then", "we", "you", "he", "she", "it", "they",
    "this", "that", "these", "those", "there", "here", "what", "when", "where", "who", "why", "how", "yes",
    "yeah", "okay", "ok", "well", "oh", "right", "now", "just", "also", "because", "in", "on", "at", "of",
    "to", "for", "with", "by", "from", "as", "is", "are", "was", "were", "be", "do", "does", "did", "my",
    "our", "your", "their", "his", "her", "its", "mr", "mrs", "ms", "dr", "let", "let's", "um", "uh",
})  # fmt: skip


def _words(text: str) -> list[str]:
    return [w.replace("\u2019", "'") for w in _WORD_RE.findall(text)]


def _negations(words: list[str]) -> int:
    n = 0
    for w in words:
        lw = w.lower()
        if lw in NEGATORS or lw.endswith("n't") or lw in _BARE_NT:
            n += 1
    return n


def _prefix_flip(a: set[str], b: set[str]) -> bool:
    """A word of `a` that is a word of `b` with a negating prefix, or the reverse ("likely"/"unlikely")."""
    for x, y in ((a, b), (b, a)):
        for w in x - y:
            for p in _NEG_PREFIXES:
                if w.startswith(p) and len(w) - len(p) >= 4 and w[len(p):].lstrip("-") in y:
                    return True
    return False


def _numbers(words: list[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for w in words:
        lw = w.lower()
        if lw[0] in "$€£" or lw[0].isdigit():
            out[lw.lstrip("$€£").replace(",", "").rstrip(".")] += 1
        elif lw in NUMBER_WORDS or any(part in NUMBER_WORDS for part in lw.split("-")):
            out[lw] += 1
    return out


def _names(words: list[str]) -> set[str]:
    return {w.lower() for w in words if len(w) > 1 and w[0].isupper() and w.lower() not in _NOT_NAMES
            and w.lower() not in NUMBER_WORDS}


def meaning_differs(quote: str, source: str) -> str | None:
    """Why `quote` does not say what `source` (the span it was located at) says, or None."""
    qw, sw = _words(quote), _words(source)
    qset, sset = {w.lower() for w in qw}, {w.lower() for w in sw}
    if _negations(qw) != _negations(sw) or _prefix_flip(qset, sset):
        return "negation"
    if _numbers(qw) != _numbers(sw):
        return "number"
    q_only = {n for n in _names(qw) if n not in sset}
    s_only = {n for n in _names(sw) if n not in qset}
    if q_only and s_only:
        return "name"
    return None
