"""Dates in meetings: the meeting day, deadline phrases in speech, and their ISO dates.

People rarely say ISO dates in meetings; they say "by Friday". A relative phrase is only turned
into a date when the meeting date is known; otherwise it is kept as said and validation flags it
`date-unresolved`. Written dates with a year resolve without a meeting date. Deadline semantics
(docs/fields/date.md): a weekday means the next such day after the meeting; "next week" and "end
of the week" mean that week's Friday; "end of month/quarter/year" the last day of it; "Q3" the
quarter's last day; "today", "EOD" the meeting day.

One module and one library (dateutil) for both users: the offline engine finds phrases in
sentences (`due_date`), and validation resolves whatever a field holds (`resolve_date`), so the
two engines read "next Friday" the same way.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from dateutil import parser as dateutil_parser

from reportgen.models import Document

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a couple of": 2}
_WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_ORD = r"(?:st|nd|rd|th)?"

# Order matters: longer, more specific phrases first. Each alternative is one named group.
_DATE_RE = re.compile(
    r"\b(?:(?P<prep>by|on|before|until|till|due|for|no later than)\s+)?(?:"
    r"(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<md>(?:" + _WD + r",?\s+)?(?:(?:" + _MONTHS + r")\.?\s+\d{1,2}" + _ORD + r"(?:,?\s+\d{4})?"
    r"|(?:the\s+)?\d{1,2}" + _ORD + r"\s+(?:of\s+)?(?:" + _MONTHS + r")\.?(?:,?\s+\d{4})?))"
    r"|(?P<slash>\d{1,2}/\d{1,2}(?:/\d{2,4})?)"
    r"|(?P<dom>the\s+\d{1,2}(?:st|nd|rd|th))"
    r"|(?P<endof>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+|next\s+)?(?:day|week|month|quarter|year))"
    r"|(?P<eod>eod|eow|cob|close of business|end of day)"
    r"|(?P<rel>tomorrow|today|tonight|the day after tomorrow)"
    r"|(?P<wd>(?:(?:this|next|coming|the)\s+)?" + _WD + r")"
    r"|(?P<nextunit>(?:next|this|the coming)\s+(?:week|month|quarter))"
    r"|(?P<within>(?:in|within)\s+(?:a|an|one|two|three|four|five|six|a couple of|\d+)\s+(?:days?|weeks?|months?))"
    r"|(?P<quarter>q[1-4](?:\s+\d{4})?)"
    r")(?![\w-])",
    re.IGNORECASE,
)


def meeting_date(value: Any) -> date | None:
    """The meeting date from `Document.meta["date"]`: a date, datetime or ISO-like string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dateutil_parser.parse(value.strip(), fuzzy=False).date()
        except (ValueError, OverflowError):
            return None
    return None


def meeting_date_from(documents: list[Document]) -> date | None:
    """A recording date an ingester may have found (file metadata, headers), if any."""
    for doc in documents:
        for key in ("meeting_date", "date", "recorded_at", "created"):
            value = doc.meta.get(key)
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if isinstance(value, str) and (iso := real_iso(value[:10])):
                return date.fromisoformat(iso)
    return None


def real_iso(s: str) -> str | None:
    """`s` when it is a YYYY-MM-DD that names a real day (2024-02-30 does not), else None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return None
    try:
        return date.fromisoformat(s).isoformat()
    except ValueError:
        return None


def find_date_phrase(text: str) -> tuple[str, re.Match[str]] | None:
    """The first deadline-like phrase in `text`, without its preposition ("by Friday" -> "Friday")."""
    for m in _DATE_RE.finditer(text):
        core = m.group(0)
        if m.group("prep"):
            core = core[len(m.group("prep")) :].lstrip()
        if m.group("wd") and core.lower().startswith("the "):
            core = core[4:]
        if m.group("slash") and not m.group("prep") and not _plausible_slash(m.group("slash")):
            continue  # "24/7", "50/50", "1/2" are not dates unless introduced as deadlines
        if m.group("dom") and not (m.group("prep") and _valid_day(m.group("dom"))):
            continue  # "the 3rd quarter" is not a day; "by the 3rd" is
        if m.group("quarter") and not m.group("prep"):
            continue
        if m.group("md") and re.match(r"may\b", core):
            continue  # lower-case "may" is the verb
        before = text[max(0, m.start() - 8) : m.start()].lower()
        if before.endswith(("last ", "past ", "since ", "ago ")):
            continue  # "last Friday" is history, not a deadline
        return core.strip(), m
    return None


def _plausible_slash(text: str) -> bool:
    """A bare "3/14" reads as a date (US month/day); "24/7", "50/50" and fractions such as "1/2" do not."""
    parts = [int(x) for x in text.split("/")]
    month, day = parts[0], parts[1]
    return 1 <= month <= 12 and 1 <= day <= 31 and (day > 4 or len(parts) == 3)


def _valid_day(text: str) -> bool:
    n = int(re.sub(r"\D", "", text))
    return 1 <= n <= 31


def _next_day_of_month(base: date, day: int) -> date | None:
    """ "by the 20th": the next 20th on or after the meeting date (skipping months too short for it)."""
    for k in range(0, 3):
        y, m = divmod(base.month - 1 + k, 12)
        y, m = base.year + y, m + 1
        if day <= calendar.monthrange(y, m)[1]:
            d = date(y, m, day)
            if d >= base:
                return d
    return None


def _weekday_after(base: date, weekday: int, *, next_week: bool) -> date:
    days = (weekday - base.weekday()) % 7 or 7
    d = base + timedelta(days=days)
    if next_week and d.isocalendar()[1] == base.isocalendar()[1]:
        d += timedelta(days=7)
    return d


def _end_of_month(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _end_of_quarter(d: date, q: int | None = None) -> date:
    q = q or (d.month - 1) // 3 + 1
    return _end_of_month(date(d.year, q * 3, 1))


def resolve(phrase: str, base: date | None) -> str | None:
    """ISO date for a phrase found by `find_date_phrase`, or None when it cannot be resolved."""
    m = _DATE_RE.fullmatch(phrase.strip())
    if not m:
        return None
    p = phrase.strip().lower()
    if m.group("iso"):
        try:
            return date.fromisoformat(m.group("iso")).isoformat()
        except ValueError:
            return None
    if m.group("md") or m.group("slash"):
        has_year = bool(re.search(r"\d{4}\b", p)) or p.count("/") == 2
        if base is None and not has_year:
            return None
        default = datetime.combine(base or date.today(), datetime.min.time())
        cleaned = re.sub(r"\b(the|of)\b", " ", p)
        cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned)
        try:
            d = dateutil_parser.parse(cleaned, default=default, fuzzy=True).date()
        except (ValueError, OverflowError):
            return None
        if not has_year and base is not None and d < base - timedelta(days=180):
            d = d.replace(year=d.year + 1)  # "January 5" said in December means next January
        return d.isoformat()
    if base is None:
        return None
    if m.group("dom"):
        n = int(re.sub(r"\D", "", p))
        day = _next_day_of_month(base, n) if 1 <= n <= 31 else None
        return day.isoformat() if day else None
    if m.group("eod") or p in ("today", "tonight"):
        return base.isoformat()
    if p == "tomorrow":
        return (base + timedelta(days=1)).isoformat()
    if p == "the day after tomorrow":
        return (base + timedelta(days=2)).isoformat()
    if m.group("wd"):
        name = re.search(_WD, p).group(0)  # type: ignore[union-attr]
        return _weekday_after(base, _WEEKDAYS.index(name), next_week=p.startswith("next")).isoformat()
    if m.group("endof") or m.group("nextunit"):
        nxt = "next" in p
        if "day" in p.split()[-1]:
            return base.isoformat()
        if p.endswith("week"):
            friday = base + timedelta(days=(4 - base.weekday()) % 7)
            return (friday + timedelta(days=7 if nxt else 0)).isoformat()
        if p.endswith("month"):
            return _end_of_month(_add_months(base, 1 if nxt else 0)).isoformat()
        if p.endswith("quarter"):
            return _end_of_quarter(_add_months(base, 3 if nxt else 0)).isoformat()
        if p.endswith("year"):
            return date(base.year + (1 if nxt else 0), 12, 31).isoformat()
    if m.group("within"):
        wm = re.search(r"(a couple of|an?|one|two|three|four|five|six|\d+)\s+(day|week|month)", p)
        if not wm:
            return None
        n = int(wm.group(1)) if wm.group(1).isdigit() else _NUM_WORDS[wm.group(1)]
        unit = wm.group(2)
        if unit == "month":
            return _add_months(base, n).isoformat()
        return (base + timedelta(days=n * (7 if unit == "week" else 1))).isoformat()
    if m.group("quarter"):
        qm = re.match(r"q([1-4])(?:\s+(\d{4}))?", p)
        if not qm:
            return None
        year = int(qm.group(2)) if qm.group(2) else base.year
        return _end_of_quarter(date(year, 1, 1), int(qm.group(1))).isoformat()
    return None


def due_date(text: str, base: date | None) -> tuple[str | None, str | None]:
    """(value for a date field, the phrase as said): ISO when resolvable, else the phrase, else None."""
    found = find_date_phrase(text)
    if not found:
        return None, None
    phrase, _ = found
    iso = resolve(phrase, base)
    return (iso or phrase), phrase


# --- a field's value: whatever an engine wrote, as an ISO date when it can honestly be one -------

_LEADING = re.compile(r"^(?:(?:due|by|before|on|until|till|no later than|not later than|for|at|the)\s+)+")
_WEEKDAY_NUMBER = {d: n for n, d in enumerate(_WEEKDAYS)}
_TIME_OF_DAY = re.compile(
    r"\s*\b(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|noon|midday|(?:in\s+the\s+)?(?:morning|afternoon|evening))\b"
)
_SPAN = re.compile(
    r"(?:in\s+)?(a couple of|an?|one|two|three|four|five|six|\d+)\s+(day|week|month)s?"
    r"(?:\s+(?:from\s+(?:now|today)|time))?"
)
_LAST_WEEKDAY = re.compile(r"last\s+(" + _WD + r")")


def resolve_date(text: str, meeting_date: date | None) -> str | None:
    """An ISO date for a date phrase, or None when it cannot honestly be pinned down.

    Relative phrases need the meeting date; without one only written dates with a year resolve
    ("March 3, 2025"), never "Friday" or "March 15". Phrases the offline engine would find
    resolve as `resolve` does; the spoken deadlines in `_deadline` and a few more
    ("yesterday", "last Monday", "two weeks from now", "tomorrow morning") are added here.
    """
    if not isinstance(text, str):
        return None
    phrase = _clean_phrase(text)
    if not phrase or phrase.isdigit():
        return None
    iso = real_iso(phrase[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[t ][\d:.+z -]*)?", phrase) else None
    if iso:
        return iso
    if isinstance(meeting_date, datetime):
        meeting_date = meeting_date.date()
    if meeting_date is not None:
        untimed = _TIME_OF_DAY.sub("", phrase).strip()
        if untimed != phrase and untimed in ("", "this", "later", "today"):
            return meeting_date.isoformat()
        phrase = untimed or phrase
        hit = _deadline(phrase, meeting_date) or _spoken(phrase, meeting_date)
        if hit:
            return hit.isoformat()
    if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", phrase):
        phrase = f"the {phrase}"  # the leading "the" was cleaned off; the phrase grammar wants it
    return resolve(phrase, meeting_date) or _written(phrase, meeting_date)


def _clean_phrase(text: str) -> str:
    s = " ".join(unicodedata.normalize("NFKC", text).lower().split()).strip(" .,;:!?")
    return _LEADING.sub("", s).strip()


def _deadline(phrase: str, md: date) -> date | None:
    """The deadline phrases people say in meetings, which general date parsers read differently."""
    p = re.sub(r"\b(the|this|of)\b", " ", phrase)
    p = " ".join(p.split())
    monday = md - timedelta(days=md.weekday())
    if p in ("today", "tonight", "eod", "end day", "cob", "close business", "end today", "now"):
        return md
    if p in ("tomorrow", "end tomorrow", "tomorrow eod"):
        return md + timedelta(days=1)
    if p in ("day after tomorrow",):
        return md + timedelta(days=2)
    if p in ("end week", "eow", "week", "end week eod"):
        return monday + timedelta(days=4) if md.weekday() <= 4 else monday + timedelta(days=11)
    if p in ("next week", "end next week", "next week eod"):
        return monday + timedelta(days=11)
    if p in ("early next week", "start next week", "beginning next week", "next monday"):
        return monday + timedelta(days=7)
    if p in ("end month", "eom", "month end", "month"):
        return _month_end(md.year, md.month)
    if p in ("next month", "end next month"):
        return _month_end(md.year + md.month // 12, md.month % 12 + 1)
    if p in ("end quarter", "eoq", "quarter end", "quarter"):
        q_last = ((md.month - 1) // 3) * 3 + 3
        return _month_end(md.year, q_last)
    if p in ("end year", "eoy", "year end"):
        return date(md.year, 12, 31)
    if p in _WEEKDAY_NUMBER:
        ahead = (_WEEKDAY_NUMBER[p] - md.weekday()) % 7 or 7
        return md + timedelta(days=ahead)
    return None


def _spoken(phrase: str, md: date) -> date | None:
    """Past days and spans without "in" ("yesterday", "last Friday", "two weeks from now")."""
    if phrase == "yesterday":
        return md - timedelta(days=1)
    if m := _LAST_WEEKDAY.fullmatch(phrase):
        return md - timedelta(days=(md.weekday() - _WEEKDAYS.index(m.group(1))) % 7 or 7)
    if phrase in ("a fortnight", "in a fortnight", "a fortnight from now"):
        return md + timedelta(days=14)
    if m := _SPAN.fullmatch(phrase):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUM_WORDS[m.group(1)]
        if m.group(2) == "month":
            return _add_months(md, n)
        return md + timedelta(days=n * (7 if m.group(2) == "week" else 1))
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _written(phrase: str, base: date | None) -> str | None:
    """A written date outside the phrase grammar ("Tue 12 March", "12.03.2025"), if it states day and month.

    Parsed twice with different defaults: a part that changes was not written, so "June 2025"
    (no day) stays unresolved rather than getting an invented one, and without a meeting date
    the year must be written too.
    """
    if not re.search(rf"\b(?:{_MONTHS})\b|\d[/.-]\d", phrase):
        return None
    try:
        a = dateutil_parser.parse(phrase, default=datetime(2001, 1, 1))
        b = dateutil_parser.parse(phrase, default=datetime(2002, 2, 2))
    except (ValueError, OverflowError):
        return None
    if a.month != b.month or a.day != b.day:
        return None
    if a.year == b.year:
        return a.date().isoformat()
    if base is None:
        return None
    try:
        d = date(base.year, a.month, a.day)
    except ValueError:
        return None
    if d < base - timedelta(days=180):  # as `resolve`: "January 5" said in December means next January
        d = _add_months(d, 12)
    return d.isoformat()
