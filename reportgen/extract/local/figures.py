"""Figures in prose ("$12.5M ARR in 2023", "40% gross margin", "3x", "fifty million euros").

A money/number field holds {"value", "unit", "period", "text"}; `text` keeps the figure as
written so a reader can compare it with the quote. Only figures that carry a currency, a
percent, a multiple, a scale word or a counted unit are taken: a bare "two" or a year is
not a data point.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reportgen.values import NUMBER_WORD_RE, WORD_NUMBER, parse_number

_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "C$": "CAD", "A$": "AUD"}
_CURRENCY_WORDS = {
    "dollars": "USD", "dollar": "USD", "usd": "USD", "bucks": "USD",
    "euros": "EUR", "euro": "EUR", "eur": "EUR",
    "pounds": "GBP", "gbp": "GBP", "yen": "JPY", "cad": "CAD", "aud": "AUD", "chf": "CHF",
}  # fmt: skip
_SCALES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mil": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "t": 1e12, "trillion": 1e12,
}  # fmt: skip
_COUNT_UNITS = (
    r"customers?|clients?|users?|employees?|people|engineers?|seats?|licen[cs]es?|units?|stores?|locations?|"
    r"deals?|accounts?|subscribers?|downloads?|transactions?|orders?|months?|years?|weeks?|days?|hours?|"
    r"basis points|bps|points?|x"
)
_METRICS = (
    r"net revenue retention|net dollar retention|gross revenue retention|annual recurring revenue|"
    r"arr|mrr|revenue|revenues|sales|bookings|ebitda|gross margin|net margin|margin|profit|net income|burn|"
    r"cash|runway|growth|churn|retention|nrr|ndr|grr|cac|ltv|payback|valuation|price|pricing|cost|costs|"
    r"budget|headcount|market share|market size|tam|sam|gmv|aov|arpu|acv|conversion|nps|utili[sz]ation|"
    r"capex|opex|debt|funding|raised|round|multiple|backlog|pipeline|win rate|discount|salary|fee|fees"
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = WORD_NUMBER  # "Twenty-Five thousand", "a hundred": the support check's own reader (values.py)
_SCALE = r"thousand|million|billion|trillion|mm|mn|mil|bn|k|m|b|t"
_CODES = r"USD|EUR|GBP|CAD|AUD|CHF|JPY"
_CURRENCY_WORD = r"dollars?|euros?|pounds|usd|eur|gbp|bucks|yen|chf|cad|aud"

def _figure_re(wordnum: str) -> re.Pattern[str]:
    return re.compile(
        # "$25,000", "$1.2M", "$25,000USD", "USD 25,000": never backs off "25,000" to "$25"
        r"(?P<cur>US\$|C\$|A\$|[$€£¥]|\b(?:" + _CODES + r")\s?(?=\d))\s?(?P<n1>" + _NUM + r")(?!,?\d)"
        r"(?:\s?(?P<s1>" + _SCALE + r")(?![a-z]))?(?:\s?(?P<code1>" + _CODES + r")\b)?"
        r"|(?P<n2>" + _NUM + r")\s?(?P<pct>%|percent\b|per cent\b)"
        r"|(?P<n3>" + _NUM + "|" + wordnum + r")\s?(?P<mult>x\b|times\s+(?=higher|more|larger|greater|faster|bigger|"
        r"as\b|the\b))"
        r"|(?P<n4>" + _NUM + r")[\s-]?(?P<s4>" + _SCALE + r")\b(?:\s+(?P<cw4>" + _CURRENCY_WORD + r"))?"
        r"|(?<![/\d])(?P<n5>" + _NUM + r")\s?(?P<cw5>" + _CURRENCY_WORD + r")\b"
        # "Seven Hundred and No/100 Dollars", "three million U.S. dollars"
        r"|(?P<n7>" + wordnum + r")(?:\s+and\s+(?:no|\d{1,2})/100)?(?:\s+(?:U\.\s?S\.\s+|US\s+)?(?P<cw7>"
        + _CURRENCY_WORD + r")\b)?"
        r"|(?P<n6>" + _NUM + r")\s+(?:(?:new|paying|active|enterprise|full-time)\s+)?(?P<cu6>" + _COUNT_UNITS + r")\b",
        re.IGNORECASE,
    )


# Most sentences state no number in words; they get the same pattern without the word alternatives (a third
# of the time on contracts). The word one runs only when a number word is there.
FIGURE_RE = _figure_re(_WORDNUM)
_DIGITS_ONLY_RE = _figure_re(r"(?!x)x")
# Where a digits-only figure can begin: a digit, a currency sign or code. Trying the pattern only there finds the
# same matches as `finditer` (each alternative of `_DIGITS_ONLY_RE` starts with one of them) at a fifth of the
# cost on contracts, where most characters are letters the engine would otherwise try every alternative at.
_FIGURE_START_RE = re.compile(r"[\d$\u20ac\u00a3\u00a5]|(?:US|C|A)\$|\b(?:" + _CODES + r")", re.IGNORECASE)


def _digit_figures(text: str) -> Iterator[re.Match[str]]:
    """`_DIGITS_ONLY_RE.finditer(text)`, tried only where a figure can start."""
    i = 0
    while (c := _FIGURE_START_RE.search(text, i)) is not None:
        m = _DIGITS_ONLY_RE.match(text, c.start())
        if m is not None and m.end() > m.start():
            yield m
            i = m.end()
        else:
            i = c.start() + 1


_HEDGE_RE = re.compile(r"\b(?P<h>about|approximately|approx\.|around|roughly|nearly|almost|up to|at least|at most|"
                       r"more than|less than|over|under|some|circa|~)\s*$", re.IGNORECASE)
# "12, 15 percent", "12-15%", "between $2 and $3 million": the number before a figure it ranges with
_RANGE_RE = re.compile(r"(?:\b(?:between|from)\s+)?(?P<cur>[$€£])?(?P<lo>" + _NUM + r")\s*(?:%|percent|per cent)?"
                       r"\s*(?:,|-|\u2013|\u2014|to|and|or)\s*$", re.IGNORECASE)
PERIOD_RE = re.compile(
    r"\b(?P<fy>FY\s?'?\d{2,4}|(?:Q[1-4]|H[12])\s?'?\d{2,4}|(?:in|for|during|by)\s+(?:19|20)\d{2}|"
    r"(?:Q[1-4]|H[12])\b|(?:19|20)\d{2})\b"
    r"|(?P<rate>per (?:year|annum|month|quarter|week|day)|a (?:year|month|quarter|week|day)|annually|annual(?:ized)?|"
    r"monthly|quarterly|yearly|year[- ]over[- ]year|yoy|mom|qoq|run[- ]rate|last year|this year|next year|"
    r"last quarter|this quarter|next quarter|last month|this month|ttm|ltm|/yr|/mo)\b",
    re.IGNORECASE,
)
METRIC_RE = re.compile(r"\b(?:" + _METRICS + r")\b", re.IGNORECASE)


@dataclass
class Figure:
    value: float | None
    unit: str | None
    period: str | None
    text: str
    start: int
    end: int
    strong: bool  # currency, percent, multiple or scale word (a bare count is weaker)
    high: float | None = None  # a range's upper end ("12, 15 percent": value 12, high 15)
    hedge: str | None = None  # "about", "up to", "at least": the figure is not exact

    def as_field(self) -> dict[str, object]:
        """A range has no one value: the field's value is null and its text says the range."""
        return {"value": None if self.high is not None else self.value, "unit": self.unit, "period": self.period,
                "text": self.text}


def _number(raw: str) -> float | None:
    value = parse_number(raw)
    return None if value is None else float(value)


def _period_near(text: str, start: int, end: int) -> tuple[str | None, int]:
    """The period phrase nearest the figure (after it, or just before), within a short gap."""
    best: tuple[int, str | None, int] = (31, None, end)
    for m in PERIOD_RE.finditer(text, max(0, start - 30), min(len(text), end + 30)):
        if m.end() > start and m.start() < end:
            continue
        gap = m.start() - end if m.start() >= end else start - m.end() + 3  # ties go to the phrase after
        if re.search(r"[,(\"\u201c]", text[end : m.start()] if m.start() >= end else text[m.end() : start]):
            continue  # a period across a comma or into a parenthesis belongs to another clause
        phrase = re.sub(r"^(?:in|for|during|by)\s+", "", m.group(0), flags=re.IGNORECASE)
        if gap < best[0]:
            best = (gap, phrase, m.end() if m.start() >= end else end)
    return best[1], best[2]


def _period_label(phrase: str | None) -> str | None:
    if phrase is None:
        return None
    p = phrase.lower().replace("-", " ")
    mapping = {
        "per year": "annual", "a year": "annual", "annually": "annual", "annual": "annual", "yearly": "annual",
        "per annum": "annual", "annualized": "annual", "/yr": "annual", "per month": "monthly", "a month": "monthly",
        "monthly": "monthly", "/mo": "monthly", "per quarter": "quarterly", "a quarter": "quarterly",
        "quarterly": "quarterly", "year over year": "year over year", "yoy": "year over year",
    }  # fmt: skip
    return mapping.get(p, phrase.strip())


def _read(m: re.Match[str]) -> tuple[float | None, float, str | None, bool] | None:
    """(value, scale, unit, strong) of one match; None when it is not a figure ("a m", "a thousand" alone)."""
    g = m.groupdict()
    if g["cur"]:
        code = (g["code1"] or g["cur"].strip()).upper()
        unit = _CURRENCY_SYMBOLS.get(g["cur"].strip(), code if code.isalpha() else g["cur"].strip())
        return _number(g["n1"]), _SCALES.get((g["s1"] or "").lower(), 1.0), unit, True
    if g["pct"]:
        return _number(g["n2"]), 1.0, "%", True
    if g["mult"]:
        return _number(g["n3"]), 1.0, "x", g["n3"][:1].isdigit()  # "a thousand X higher": a manner of speaking
    if g["s4"]:
        return _number(g["n4"]), _SCALES[g["s4"].lower()], _CURRENCY_WORDS.get((g["cw4"] or "").lower()), True
    if g["cw5"]:
        word = g["cw5"].lower()
        return _number(g["n5"]), 1.0, _CURRENCY_WORDS.get(word) or _CURRENCY_WORDS.get(word + "s"), True
    if g["n7"]:
        words = g["n7"].strip()
        unit = _CURRENCY_WORDS.get((g["cw7"] or "").lower())
        scaled = re.search(r"thousand|million|billion|trillion", words, re.IGNORECASE)
        if unit is None and (not scaled or re.match(r"(?:an?|and)\b", words, re.IGNORECASE)):
            return None  # "two", "a thousand": a word, not a data point, without a currency
        return _number(words), 1.0, unit, True
    return _number(g["n6"]), 1.0, g["cu6"].lower(), False


def find_figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order, with value scaled to units ("$12.5M" -> 12_500_000 USD). A number in
    words with the same number in digits after it ("Twenty-Five thousand dollars ($25,000USD)") is one
    figure; "12, 15 percent" is a range; "about", "up to" mark a hedge."""
    out: list[Figure] = []
    matches = FIGURE_RE.finditer(text) if NUMBER_WORD_RE.search(text) else _digit_figures(text)
    for m in matches:
        read = _read(m)
        if read is None:
            continue
        value, scale, unit, strong = read
        if value is not None:
            value = value * scale
            if value == int(value):
                value = float(int(value))
        start, end = m.span()
        tail = text[end : end + 12]
        cw = re.match(r"\s+(dollars|euros?|pounds|usd|eur|gbp)\b", tail, re.IGNORECASE)
        if cw and unit is None:
            unit = _CURRENCY_WORDS[cw.group(1).lower()]
            end += cw.end()
        prev = out[-1] if out else None
        between = text[prev.end : start] if prev is not None else ""
        cents = re.fullmatch(r"\s*and\s+[\w\s-]{1,30}?\s+cents?\s*\(\s*", between, re.IGNORECASE)
        if prev is not None and value is not None and prev.high is None and (
            prev.value == value and re.fullmatch(r"\s*\(\s*", between)
            or cents and prev.value == int(value)
        ):  # "Twenty-Five thousand dollars ($25,000USD)", "Four Dollars and Forty One Cents ($4.41)": one figure
            prev.value = value
            close = text.find(")", end, end + 8)
            prev.end = close + 1 if close >= 0 else end
            prev.unit = prev.unit or unit
            phrase, pend = _period_near(text, prev.start, prev.end)
            prev.period = prev.period or _period_label(phrase)
            prev.text = text[prev.start : pend if phrase and pend - prev.end <= 25 else prev.end].strip()
            prev.strong = prev.strong or strong
            continue
        f = Figure(value, unit, None, text[start:end].strip(), start, end, strong)
        before = text[max(0, start - 30) : start]
        r = _RANGE_RE.search(before) if unit in ("%", "x") or unit in _CURRENCY_SYMBOLS.values() else None
        lo = _number(r.group("lo")) if r else None
        if r is not None and lo is not None and value is not None:
            f.start = start - len(before) + r.start()
            f.high, f.value = value, lo * (scale if r.group("cur") or unit == "%" else 1.0)
            if out and out[-1].end > f.start:
                out.pop()  # "$2 to $3 million": the first end is this range's
        h = _HEDGE_RE.search(text[max(0, f.start - 20) : f.start])
        if h:
            f.hedge = h.group("h").lower()
            f.start -= len(text[max(0, f.start - 20) : f.start]) - h.start()
        phrase, pend = _period_near(text, f.start, end)
        f.period = _period_label(phrase)
        f.text = (text[f.start : pend] if phrase and pend > end and pend - end <= 25 else text[f.start : end]).strip()
        out.append(f)
    return out


def best_figure(text: str) -> Figure | None:
    """The figure a reader would pick from a sentence: strong ones first, nearest a metric word."""
    figures = find_figures(text)
    if not figures:
        return None
    metrics = [m.start() for m in METRIC_RE.finditer(text)]

    def rank(f: Figure) -> tuple[int, int]:
        dist = min((abs(f.start - p) for p in metrics), default=10_000)
        return (0 if f.strong else 1, dist)

    return min(figures, key=rank)


def metric_name(text: str, figure: Figure | None = None) -> str | None:
    """The metric a figure measures ("ARR", "gross margin"): the metric word nearest it, else its counted unit."""
    matches = list(METRIC_RE.finditer(text))
    if figure is not None and not figure.strong and figure.unit:
        return figure.unit
    if not matches:
        return None
    if figure is None:
        best = matches[0]
    else:
        fig = figure

        def gap(m: re.Match[str]) -> int:
            between = text[fig.end : m.start()] if m.start() >= fig.end else text[m.end() : fig.start]
            far = 1000 if re.search(r",|;|\b(?:and|but|while|whereas)\b", between) else 0
            return len(between) + far + (2 if m.start() >= fig.end else 0)

        best = min(matches, key=gap)
    name = best.group(0)
    return name.upper() if name.lower() in ("arr", "mrr", "ebitda", "nrr", "ndr", "grr", "cac", "ltv", "tam") else name
