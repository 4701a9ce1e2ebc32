"""Clock strings ("01:02:03.500", "2:03,5", "0:12") to float seconds.

Every timed format writes clocks a little differently (SRT uses a comma, SBV drops the
leading zero, exports drop the hours); one tolerant parser keeps them consistent.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# hh:mm:ss(.fff) or mm:ss(.fff); fractions with either separator.
CLOCK = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,6})?"
CLOCK_RE = re.compile(CLOCK)


_CLOCK_PARTS_RE = re.compile(r"\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,6}))?\s*")


@lru_cache(maxsize=8192)  # a cue's end is usually the next cue's start
def parse_clock(value: str) -> float | None:
    """Seconds for a clock string, or None when it is not one (callers warn and skip)."""
    m = _CLOCK_PARTS_RE.fullmatch(value)
    if not m:
        return None
    h, mi, s, frac = m.groups()
    minutes, seconds = int(mi), int(s)
    if seconds >= 60 or (h is not None and minutes >= 60):
        return None
    total = (int(h) * 3600 if h else 0) + minutes * 60 + seconds
    if frac:
        total += int(frac) / 10 ** len(frac)
    return round(float(total), 3)


def seconds_value(value: object, *, scale: float = 1.0) -> float | None:
    """A JSON time (number or clock string) as finite, non-negative seconds, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        v = float(value) * scale
    elif isinstance(value, str):
        clock = parse_clock(value)
        if clock is not None:
            return clock
        try:
            v = float(value) * scale
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(v) or v < 0:
        return None
    return round(v, 3)
