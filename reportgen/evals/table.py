"""Plain-text tables for terminals and CI logs: the eval report and the bench summary share them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cell(value: Any, digits: int = 2) -> str:
    """A number as the table shows it: `-` for missing, fixed decimals for floats."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 2) -> str:
    """Numbers right-aligned, words left-aligned, widths fitted to the content."""
    text = [[cell(v, digits) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[k]) for r in text)]) for k, h in enumerate(headers)]
    def is_number(raw: Any, shown: str) -> bool:
        return isinstance(raw, int | float) or raw is None or shown in ("-", "")

    pairs = list(zip(rows, text, strict=True))
    numeric = [k > 0 and all(is_number(r[k], t[k]) for r, t in pairs) for k in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(widths[k]) if numeric[k] else v.ljust(widths[k]) for k, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(r) for r in text)
    return "\n".join(out)
