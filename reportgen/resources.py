"""Find the bundled sops/, templates/ and web/ folders from a checkout or an installed wheel.

In a checkout they sit beside the package (the layout in README); in a wheel they are
packaged as reportgen._sops, reportgen._templates and reportgen._web.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _folder(name: str) -> Path:
    candidate = _CHECKOUT / name
    if candidate.is_dir():
        return candidate
    return Path(str(resources.files(f"reportgen._{name}")))


def sops_dir() -> Path:
    return _folder("sops")


def templates_dir() -> Path:
    return _folder("templates")


def web_dir() -> Path:
    return _folder("web")


def samples_dir() -> Path:
    return Path(__file__).resolve().parent / "samples"
