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
    # interjections transcripts capitalise at a turn's start
    "mm", "mmm", "mhm", "mmhmm", "mm-hmm", "mm-mm", "hmm", "uh-huh", "uhhuh", "uhuh", "uh-oh", "kay", "'kay",
    "erm", "er", "ah",
    "yep", "yup", "nope", "huh", "eh", "hey", "hi", "hello", "bye", "thanks", "please", "sorry", "sure",
    "alright", "wow", "whoa", "cool", "great", "good", "fine", "exactly", "true", "maybe", "actually",
})  # fmt: skip



# A number or negation word and the word that sounds like it: a transcript is itself ASR output,
# so "for" in the source where the quote has "four" (or "know"/"no") is hearing, not meaning. Such a
# difference is forgiven only when the other text has the sound-alike in that surplus; a real flip
# ("four" -> "five", "no risk" -> "risk") is not explained by one and still differs.
HOMOPHONES = {"no": ("know",), "four": ("for",), "two": ("to", "too"), "one": ("won",), "eight": ("ate",)}


def _words(text: str) -> list[str]:
    return [w.replace("\u2019", "'") for w in _WORD_RE.findall(text)]


def _differs(a: Counter[str], b: Counter[str], a_words: Counter[str], b_words: Counter[str]) -> bool:
    """Whether the multisets `a` and `b` differ in more than sound-alike swaps between the two texts."""
    for extra, other, own in ((a - b, b_words, a_words), (b - a, a_words, b_words)):
        for w, n in extra.items():
            spare = sum(max(0, other[p] - own[p]) for p in HOMOPHONES.get(w, ()))
            if spare < n:
                return True
    return False


def _negations(words: list[str]) -> Counter[str]:
    """The negations, by word, with "n't" in any spelling counted as "not" ("do not" = "don't")."""
    out: Counter[str] = Counter()
    for w in words:
        lw = w.lower()
        if lw.endswith("n't") or lw in _BARE_NT or lw == "cannot":
            out["not"] += 1
        elif lw in NEGATORS:
            out[lw] += 1
    return out


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
        if lw[0] in "$€£" or lw[0].isdigit():  # "70%" said as "70 percent" or lost with punctuation: one number
            out[lw.lstrip("$€£").replace(",", "").rstrip(".%")] += 1
        elif lw in NUMBER_WORDS or any(part in NUMBER_WORDS for part in lw.split("-")):
            out[lw] += 1
    return out


def _names(text: str) -> set[str]:
    """Capitalised words that are neither common sentence openers nor interjections, nor numbers."""
    out: set[str] = set()
    for m in _WORD_RE.finditer(text):
        w = m.group(0).replace("\u2019", "'")
        lw = w.lower()
        if len(w) < 2 or not w[0].isupper() or lw in _NOT_NAMES or lw in NUMBER_WORDS:
            continue
        out.add(lw)
    return out


def meaning_differs(quote: str, source: str, context: str | None = None) -> str | None:
    """Why `quote` does not say what `source` (the span it was located at) says, or None.

    `context` (the span with some text around it) is where a name in the quote may also stand:
    a located span can leave out a quote's first or last words, but a name there is still said.
    """
    qw, sw = _words(quote), _words(source)
    qc, sc = Counter(w.lower() for w in qw), Counter(w.lower() for w in sw)
    qset, sset = set(qc), set(sc)
    if _differs(_negations(qw), _negations(sw), qc, sc) or _prefix_flip(qset, sset):
        return "negation"
    if _differs(_numbers(qw), _numbers(sw), qc, sc):
        return "number"
    around = {w.lower() for w in _words(context)} if context else sset
    if any(n not in around for n in _names(quote)):  # someone (or somewhere) the source does not name here
        return "name"
    return None
