"""When a predicted text says what a gold text says: the strict rule, and the lenient one it replaced.

The lenient rule (rapidfuzz token-set ratio) scores 1.0 whenever one text's words are a subset
of the other's, so a one-word gold answer ("Florida") "agrees" with any long row that mentions
it. The strict rule compares content words both ways (a Dice coefficient over stemmed content
words, dates and amounts normalised), so a long row cannot agree with a short value, and a
short row cannot agree with a long gold sentence, by containment alone. A gold text of at most
VALUE_WORDS content words is a *value*: the prediction must state that value, not a sentence
around it, so its bar is higher (VALUE_AGREES).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import snowballstemmer
from rapidfuzz import fuzz

TEXT_AGREES = 0.5  # strict: content-word Dice a sentence-length text needs
VALUE_AGREES = 2 / 3  # strict: content-word Dice a short gold value needs (at most ~2x its length)
VALUE_WORDS = 3  # a gold text with at most this many content words is a value
LENIENT_AGREES = 0.6  # lenient: token-set ratio, the rule before strict matching

_PUNCT = re.compile(r"[^\w\s]")
_WORD = re.compile(r"[a-z0-9]+(?:[.:-][a-z0-9]+)*")

# Function words and the disfluencies of transcripts. Negations stay content: "not" changes what is said.
STOPWORDS = frozenset(
    """a an the and or but if then so as of at by for from in into on onto to with within about over under
    up down out off than too very just also only even still again here there this that these those such
    is are was were be been being am do does did doing done have has had having will would shall should can
    could may might must ought i me my mine we us our ours you your yours he him his she her hers it its
    they them their theirs who whom whose which what when where why how all any both each few more most
    other some own same s t ll re ve d m o y um uh umm uhm hmm mm mhm mm-hmm er erm ah oh okay ok yeah yes yep
    well like gonna wanna gotta kinda sorta actually basically really thing things
    let lets let's go going get got know mean think""".split()
)

_MONTHS = {m: i for i, ms in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in ms}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b"), ("m", "d", "y")),
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), ("y", "m", "d")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), ("M", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I), ("d", "M", "y")),
]
_NOT = re.compile(r"n't\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _iso(parts: tuple[str, ...], order: tuple[str, ...]) -> str | None:
    got = dict(zip(order, parts, strict=True))
    try:
        month = _MONTHS[got["M"].lower().rstrip(".")] if "M" in got else int(got["m"])
        day, year = int(got["d"]), int(got["y"])
    except (KeyError, ValueError):
        return None
    if year < 100:
        year += 2000 if year < 50 else 1900
    if "m" in got and month > 12 >= day:
        month, day = day, month  # "31/01/2025" can only be day first (CUAD writes a few answers so)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"d{year:04d}{month:02d}{day:02d}"


def normalise_values(text: str) -> str:
    """Dates to one token (6/21/99 and June 21, 1999 both read d19990621), thousands separators dropped."""
    for pattern, order in _DATE_PATTERNS:

        def iso(m: re.Match[str], o: tuple[str, ...] = order) -> str:
            return _iso(m.groups(), o) or m.group(0)

        text = pattern.sub(iso, text)
    return _THOUSANDS.sub("", text)


_STEMMER = snowballstemmer.stemmer("english")


def _stem(word: str) -> str:
    """Snowball (Porter 2): "selling" meets "sell", "remotes" meets "remote"."""
    return _STEMMER.stemWord(word)


def plain(value: Any) -> str:
    """Any field value as lowercase words (a money dict reads as its text)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("text") or value.get("value") or ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return unicodedata.normalize("NFKC", str(value)).casefold()


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    text = _NOT.sub(" not", normalise_values(text).replace("\u2019", "'"))
    return tuple(_stem(w) for w in _WORD.findall(text) if w not in STOPWORDS)


def content_words(value: Any) -> list[str]:
    """Stemmed words that carry meaning (function words and fillers dropped, negations kept)."""
    return list(_words(plain(value)))


def dice(pred: Any, gold: Any) -> float:
    """Content-word overlap, 0..1, symmetric: 2 * shared / (words in pred + words in gold)."""
    p, g = Counter(content_words(pred)), Counter(content_words(gold))
    total = sum(p.values()) + sum(g.values())
    return 2 * sum((p & g).values()) / total if total else 0.0


def is_value(gold: Any) -> bool:
    return 0 < len(content_words(gold)) <= VALUE_WORDS


def strict_agrees(pred: Any, gold: Any) -> tuple[bool, float]:
    """(agrees, score): a short gold value needs VALUE_AGREES, any other text TEXT_AGREES."""
    score = dice(pred, gold)
    return score >= (VALUE_AGREES if is_value(gold) else TEXT_AGREES), score


def lenient_similarity(a: Any, b: Any) -> float:
    """0..1, token-set: a gold "Send the deck" and "Send the pricing deck to Acme" read alike (so does
    "Florida" and any sentence naming Florida, which is why this is only the lenient rule)."""
    x, y = " ".join(_PUNCT.sub(" ", plain(a)).split()), " ".join(_PUNCT.sub(" ", plain(b)).split())
    if not x or not y:
        return 0.0
    return fuzz.token_set_ratio(x, y) / 100.0


def text_agrees(pred: Any, golds: list[Any], *, lenient: bool = False) -> tuple[bool, float]:
    """Whether `pred` agrees with any of the gold's accepted texts; the best score either way."""
    best, ok = 0.0, False
    for gold in golds:
        if lenient:
            score = lenient_similarity(pred, gold)
            agrees = score >= LENIENT_AGREES
        else:
            agrees, score = strict_agrees(pred, gold)
        ok = ok or agrees
        best = max(best, score)
    return ok, best
