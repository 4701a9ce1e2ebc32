"""Figures in prose ("$12.5M ARR in 2023", "40% gross margin", "3x", "fifty million euros").

A money/number field holds {"value", "unit", "period", "text"}; `text` keeps the figure as
written so a reader can compare it with the quote. Only figures that carry a currency, a
percent, a multiple, a scale word or a counted unit are taken: a bare "two" or a year is
not a data point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a": 1, "half a": 0.5,
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
_WORDNUM = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
_SCALE = r"thousand|million|billion|trillion|mm|mn|mil|bn|k|m|b|t"

FIGURE_RE = re.compile(
    r"(?P<cur>US\$|C\$|A\$|[$€£¥])\s?(?P<n1>" + _NUM + r")\s?(?P<s1>" + _SCALE + r")?\b"
    r"|(?P<n2>" + _NUM + r")\s?(?P<pct>%|percent\b|per cent\b)"
    r"|(?P<n3>" + _NUM + r")\s?(?P<mult>x)\b"
    r"|(?P<n4>"
    + _NUM
    + r"|"
    + _WORDNUM
    + r")[\s-]?(?P<s4>"
    + _SCALE
    + r")\b(?:\s+(?P<cw4>dollars|euros?|pounds|usd|eur|gbp|bucks))?"
    r"|(?P<n5>" + _NUM + r")\s+(?P<cw5>dollars|euros?|pounds|usd|eur|gbp|bucks|yen|chf|cad|aud)\b"
    r"|(?P<n6>" + _NUM + r")\s+(?:(?:new|paying|active|enterprise|full-time)\s+)?(?P<cu6>" + _COUNT_UNITS + r")\b",
    re.IGNORECASE,
)
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

    def as_field(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "period": self.period, "text": self.text}


def _number(raw: str) -> float | None:
    raw = raw.strip().lower()
    if raw in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[raw])
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def _period_near(text: str, start: int, end: int) -> tuple[str | None, int]:
    """The period phrase nearest the figure (after it, or just before), within a short gap."""
    best: tuple[int, str | None, int] = (31, None, end)
    for m in PERIOD_RE.finditer(text, max(0, start - 30), min(len(text), end + 30)):
        if m.end() > start and m.start() < end:
            continue
        gap = m.start() - end if m.start() >= end else start - m.end() + 3  # ties go to the phrase after
        if "," in (text[end : m.start()] if m.start() >= end else text[m.end() : start]):
            continue  # a period across a comma belongs to another clause
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


def find_figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order, with value scaled to units ("$12.5M" -> 12_500_000 USD)."""
    out: list[Figure] = []
    for m in FIGURE_RE.finditer(text):
        g = m.groupdict()
        value: float | None
        unit: str | None
        strong = True
        if g["cur"]:
            value = _number(g["n1"])
            scale = _SCALES.get((g["s1"] or "").lower(), 1.0)
            unit = _CURRENCY_SYMBOLS.get(g["cur"], g["cur"])
        elif g["pct"]:
            value, scale, unit = _number(g["n2"]), 1.0, "%"
        elif g["mult"]:
            value, scale, unit = _number(g["n3"]), 1.0, "x"
        elif g["s4"]:
            if g["s4"].lower() in ("m", "b", "t", "k") and g["n4"].isalpha():
                continue  # "a m", "one k": not figures
            value = _number(g["n4"])
            scale = _SCALES[g["s4"].lower()]
            unit = _CURRENCY_WORDS.get((g["cw4"] or "").lower())
        elif g["cw5"]:
            value, scale, unit = _number(g["n5"]), 1.0, _CURRENCY_WORDS[g["cw5"].lower()]
        else:
            value, scale = _number(g["n6"]), 1.0
            unit = g["cu6"].lower()
            strong = False
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
        phrase, pend = _period_near(text, start, end)
        fig_text = text[start:pend] if phrase and pend > end and pend - end <= 25 else text[start:end]
        out.append(Figure(value, unit, _period_label(phrase), fig_text.strip(), start, end, strong))
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
