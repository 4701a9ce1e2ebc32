"""Pytest configuration; the shared helpers live in tests/support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test in a module that runs servers in subprocesses (`SERVER_LOGS`: paths of their logs)
    shows the end of each log: CI keeps nothing else, and a stalled server says why only there."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    logs: dict[str, Path] = getattr(item.module, "SERVER_LOGS", {})  # type: ignore[attr-defined]
    if report.failed and call.when == "call":
        for name, path in logs.items():
            try:
                tail = Path(path).read_bytes()[-6000:].decode(errors="replace")
            except OSError as exc:
                tail = f"(unreadable: {exc})"
            report.sections.append((f"server log {name}", tail))
