"""How values and citations read on the page, shared by every format so they never disagree.

Item fields follow the shared conventions (money dicts, rating band values, ISO dates or the
phrase as said); these functions turn them into the short text an analyst would write.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from reportgen.clock import clock
from reportgen.grounding import format_locator
from reportgen.models import Citation

EM_DASH = "\u2014"
_CURRENCY = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "JPY": "\u00a5", "CNY": "\u00a5", "INR": "\u20b9"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


timestamp = clock  # mm:ss under an hour, h:mm:ss past it: the one rule, under the page vocabulary's name


def short_name(filename: str) -> str:
    """Zip members keep their archive path; the reader only needs the file's own name."""
    return PurePosixPath(filename.replace("\\", "/")).name or filename


def citation_label(c: Citation, filename: str | None, multi_doc: bool) -> str:
    """`12:04 · Jason` or `contract.pdf p. 7` (no brackets): grounding's locator, so the web page,
    the API and every file format label a citation the same way; zip paths shortened to the file name."""
    return format_locator(c, short_name(filename) if filename else None, multi_doc)


def match_note(c: Citation) -> str:
    """Say how the quote was matched when it was not verbatim, so a reader knows how far to trust it."""
    if c.status == "normalized":
        return "normalised match"
    if c.status == "fuzzy":
        return f"approximate match, {c.score:.0%}"
    if c.status == "unsupported":
        return "UNSUPPORTED \u2013 quote not found in sources"
    return ""


def number(value: float) -> str:
    """12500000 -> 12.5M; small numbers keep up to two decimals."""
    for scale, suffix in _SCALES:
        if abs(value) >= scale:
            return _trim(value / scale) + suffix
    return _trim(value)


def _trim(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def quantity(value: dict[str, Any]) -> str:
    """A money/number dict as `$12.5M (FY2024)`; the text as written when there is no value."""
    v, unit, period, written = value.get("value"), value.get("unit"), value.get("period"), value.get("text")
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        out = str(written) if written else EM_DASH
        return f"{out} ({period})" if period and written and str(period) not in str(written) else out
    unit = (unit or "").strip()
    if unit.upper() in _CURRENCY:
        out = ("-" if v < 0 else "") + _CURRENCY[unit.upper()] + number(abs(v))
    elif unit == "%":
        out = _trim(v) + "%"
    elif unit:
        out = f"{number(v)} {unit}"
    else:
        out = number(v)
    return f"{out} ({period})" if period else out


def rating(value: Any, band: Any) -> str:
    """`3 – Strong`, or `Not rated`: a missing rating is a finding, not a blank."""
    if value is None or isinstance(value, bool):
        return "Not rated"
    return f"{value} \u2013 {band}" if band else str(value)


def iso_date(text: str) -> str:
    """Resolved ISO dates read as `14 Mar 2026`; unresolved phrases stay as said."""
    if _ISO_DATE.match(text):
        try:
            d = date.fromisoformat(text)
        except ValueError:
            return text
        return f"{d.day} {d.strftime('%b %Y')}"
    return text


def value(key: str, v: Any) -> str:
    """Any field value as display text; None and empty as an em dash."""
    if v is None or v == "" or v == [] or v == {}:
        return EM_DASH
    if isinstance(v, bool):
        return "Yes" if v else "No"
    if isinstance(v, dict):
        if {"value", "text"} & v.keys():
            return quantity(v)
        return "; ".join(f"{heading(k)}: {value(k, x)}" for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(value(key, x) for x in v) or EM_DASH
    if isinstance(v, float):
        return _trim(v)
    if isinstance(v, str) and _ISO_DATE.match(v):
        return iso_date(v)
    return str(v)


def heading(key: str) -> str:
    """Field keys as column headings: `decided_by` -> `Decided by`."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def direction(text: str) -> str:
    """`rtl` when the first strong character is Arabic/Hebrew, so such text aligns and orders right."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"
