"""Shared test helpers.

Tests that need a system tool or service call `require(...)`: without it they skip, and
with REPORTGEN_REQUIRE_ALL=1 (as in .ci/run) the skip becomes a failure, so CI can never
go green by silently not testing something.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("REPORTGEN_REQUIRE_ALL") == "1"


def require(condition: bool, what: str) -> None:
    """Skip (or fail under REPORTGEN_REQUIRE_ALL=1) when `condition` is false."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required for this test but missing: {what} (REPORTGEN_REQUIRE_ALL=1)")
    pytest.skip(f"missing: {what}")


def require_tool(name: str, apt: str | None = None) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` on PATH (apt-get install {apt or name})")
    return path  # type: ignore[return-value]
