"""The one clock rule every output shares (citations, locators, prompts, warnings, the CLI)."""

from __future__ import annotations

import pytest

from reportgen.clock import clock


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-3, "00:00"), (0, "00:00"), (65.9, "01:05"), (599, "09:59"), (3600, "1:00:00"), (36000, "10:00:00")],
)
def test_clock_pads_minutes_and_shows_hours_only_past_one(seconds: float, text: str) -> None:
    assert clock(seconds) == text
