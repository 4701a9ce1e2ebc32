"""The wheel carries everything a checkout has: every subpackage, the SOPs, templates, web pages and migrations;
its core dependencies stop at what `generate` to JSON/Markdown/DOCX needs, the rest being extras."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Distributions only an extra may bring (the CLI names the extra when one is missing).
OPTIONAL = {"typst", "weasyprint", "fastapi", "uvicorn", "python-multipart", "sqlmodel", "sqlalchemy", "alembic",
            "psycopg", "celery", "redis"}


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "reportgen").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_wheel_contains_data_folders(tmp_path: Path) -> None:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    [wheel] = tmp_path.glob("reportgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for sop in (ROOT / "sops").glob("*.yaml"):
        assert f"reportgen/_sops/{sop.name}" in names
    for tpl in (ROOT / "templates").rglob("*.html"):
        assert "reportgen/_templates/" + tpl.relative_to(ROOT / "templates").as_posix() in names
    assert "reportgen/_templates/report.css" in names
    assert "reportgen/_templates/report.typ" in names  # the Typst PDF's template
    assert any(n.startswith("reportgen/_migrations/versions/0001") for n in names)
    assert "reportgen/samples/launch-sync.txt" in names
    assert "reportgen/py.typed" in names  # type hints ship: mypy users of the package see them
    for page in (ROOT / "web").rglob("*.*"):
        if "__pycache__" not in page.parts:
            assert "reportgen/_web/" + page.relative_to(ROOT / "web").as_posix() in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {"pdf", "server", "celery", "all", "dev"} <= set(re.findall(r"^Provides-Extra: (\S+)$", metadata, re.M))
    requires = re.findall(r"^Requires-Dist: (.+)$", metadata, re.M)
    core = {re.split(r"[\s\[<>=;]", r, maxsplit=1)[0].lower() for r in requires if "extra ==" not in r}
    assert core and not core & OPTIONAL, f"optional dependencies in the core: {sorted(core & OPTIONAL)}"
    assert {"typst", "weasyprint", "fastapi", "celery"} <= {
        re.split(r"[\s\[<>=;]", r, maxsplit=1)[0].lower() for r in requires if "extra ==" in r
    }
