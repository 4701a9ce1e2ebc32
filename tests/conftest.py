"""Pytest configuration; the shared helpers live in tests/support.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test shows the end of the log of every `reportgen serve` subprocess running at the time
    (`tests.test_web_browser.SERVER_LOGS`, used by all the browser tests): CI keeps nothing else, and a stalled
    server says why only there."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    logs: dict[str, Path] = getattr(sys.modules.get("tests.test_web_browser"), "SERVER_LOGS", {})
    if report.failed and call.when == "call":
        for name, path in logs.items():
            try:
                tail = Path(path).read_bytes()[-6000:].decode(errors="replace")
            except OSError as exc:
                tail = f"(unreadable: {exc})"
            report.sections.append((f"server log {name}", tail))
