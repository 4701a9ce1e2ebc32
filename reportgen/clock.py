"""The one way a time in a recording is written: 04:05 under an hour, 1:02:03 from an hour on.

Citations, the offline engine's locators, prompts, ingest warnings and the CLI all say where
something was said, and a reader matches those against a player or a transcript; one rule
means the same moment never reads two ways in one report. (The web page formats in JS; its
helper follows the same rule.)
"""

from __future__ import annotations


def clock(seconds: float) -> str:
    """Whole seconds, rounded down (a quote starts *in* that second); negatives read as 00:00."""
    total = max(0, int(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
