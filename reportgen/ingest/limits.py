"""Size limits that keep a hostile or mistaken upload from exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Size limits that keep a hostile or mistaken upload from exhausting the machine."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_zip_total_bytes: int = 1024 * 1024 * 1024  # sum of uncompressed members
    max_zip_ratio: float = 200.0  # uncompressed / compressed, per member and overall
    max_zip_members: int = 5000
    max_zip_depth: int = 2  # a zip inside a zip is depth 2; deeper is refused


DEFAULT_LIMITS = Limits()
