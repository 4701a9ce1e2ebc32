"""The Typst PDF engine against WeasyPrint, the engine choice, and hostile text that must stay text.

Both engines set the same view model, so their text layers must hold the same words; a quote, a
speaker name or a file name written as Typst code must print as itself and run nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from reportgen.errors import RenderError
from reportgen.models import Citation, DocumentRef, Item, Report, ReportIssue, Section
from reportgen.render import render_pdf, write
from reportgen.render.pdf import pdf_engine_for
from reportgen.render.pdf_typst import typst_data
from tests.render_samples import sample_report
from tests.support import require_tool

HOSTILE = [
    '#read("/etc/passwd")',
    "#pagebreak() #pagebreak() #pagebreak()",
    '#set page(fill: red) #set text(size: 40pt)',
    "] *bold* _emph_ $x^2$ <lbl> @lbl `raw` \\ // not a comment /* nor this */",
    '#{ let x = 1; x } #import "/etc/hostname": *',
    '")] #eval("1") [("',
]


def _text(pdf: Path, *args: str) -> str:
    tool = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([tool, *args, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def _pages(pdf: Path) -> int:
    info = subprocess.run([require_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, flags=re.M)
    assert match, info
    return int(match.group(1))


def _words(pdf: Path) -> set[str]:
    text = unicodedata.normalize("NFKC", _text(pdf))
    return {w.casefold() for w in re.findall(r"\w+", text) if not w.isdigit()}  # page numbers may differ


def test_both_engines_print_the_same_words(tmp_path: Path) -> None:
    report = sample_report()
    typst_words = _words(render_pdf(report, tmp_path / "t.pdf", engine="typst"))
    weasy_words = _words(render_pdf(report, tmp_path / "w.pdf", engine="weasyprint"))
    assert len(typst_words) > 150
    # Right-to-left runs come back in visual order, split where each engine broke the run; a word one
    # engine shows whole may be two pieces in the other, so a piece counts when it is part of a word there.
    for mine, theirs in ((typst_words, weasy_words), (weasy_words, typst_words)):
        missing = [w for w in mine - theirs if not any(w in t for t in theirs)]
        assert not missing, missing


def _hostile_report(words: list[str]) -> Report:
    evil = " ".join(words)
    doc = DocumentRef(id="d1", filename=f"calls/{words[0]}.vtt", kind="transcript", format="vtt", sha256="ab" * 32,
                      duration=600.0, speakers=[words[1]])
    items = [
        Item(fields={"text": f"Finding {k}: {w}", "owner": words[(k + 1) % len(words)]},
             citations=[Citation(document_id="d1", quote=w, status="exact", score=1.0, start=10.0 * k, end=10.0 * k + 5,
                                 speaker=words[(k + 2) % len(words)])],
             flags=[f"owner-unknown: {w}"])
        for k, w in enumerate(words)
    ]
    return Report(id="rep_hostile", sop_id="meeting-action-items", sop_name=f"Minutes {words[2]}", documents=[doc],
                  sections=[Section(id="s1", title=f"Actions {words[3]}", kind="table", items=items),
                            Section(id="s2", title="Notes", kind="list", items=items[:2], notes=[evil])],
                  issues=[ReportIssue(severity="warning", code="x", message=evil, section_id="s1")],
                  engine="llm", model=words[4])


def test_hostile_strings_print_as_themselves_and_run_nothing(tmp_path: Path) -> None:
    hostile = render_pdf(_hostile_report(HOSTILE), tmp_path / "hostile.pdf", engine="typst")
    text = _norm(_text(hostile))
    for w in HOSTILE:
        assert _norm(w) in text, w  # every character printed, none taken as markup
    assert "root:" not in text  # nothing read from the file system
    # Same report with harmless text of the same lengths: a `#pagebreak()` or `#set page` that ran would
    # change the page count or the page size.
    tame = render_pdf(_hostile_report(["x" * len(w) for w in HOSTILE]), tmp_path / "tame.pdf", engine="typst")
    assert _pages(hostile) == _pages(tame)
    info = subprocess.run([require_tool("pdfinfo", "poppler-utils"), str(hostile)], capture_output=True,
                          text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+", info), info  # still A4


def test_the_typst_data_is_the_view_model() -> None:
    """Numbers, labels and badges come from view.build, so both engines footnote the same way."""
    from reportgen.render import view

    report = sample_report()
    v = view.build(report)
    data = typst_data(report)
    assert [s["title"] for s in data["sections"]] == [s.title for s in v.sections]
    notes = [n["n"] for s in data["sections"] for r in s["rows"] for n in r["notes"]]
    assert notes == list(range(1, v.note_count + 1))
    assert data["kicker"] == "Investment committee memorandum"  # the SOP's HTML block, said once
    assert data["confidential"] == "Strictly confidential \u00b7 prepared for the investment committee"


def test_engine_choice() -> None:
    assert pdf_engine_for(None, None) == "typst"
    assert pdf_engine_for("weasyprint", None) == "weasyprint"
    assert pdf_engine_for(None, "/some/templates") == "weasyprint"  # users' HTML templates: WeasyPrint
    with pytest.raises(RenderError, match="drop --pdf-engine typst"):
        pdf_engine_for("typst", "/some/templates")
    with pytest.raises(RenderError, match="use one of typst, weasyprint"):
        pdf_engine_for("latex", None)


def test_a_user_template_folder_is_laid_out_by_weasyprint(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    (folder / "sops").mkdir(parents=True)
    (folder / "sops" / "diligence-memo.html").write_text(
        '{% extends "report.html" %}{% block kicker %}Our own house style{% endblock %}', encoding="utf-8")
    out = write(sample_report(), tmp_path / "custom.pdf", template_dir=folder)
    assert "OUR OWN HOUSE STYLE" in _text(out, "-f", "1", "-l", "1")  # the kicker is set in capitals


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_pdf_engine_option(tmp_path: Path) -> None:
    src = tmp_path / "report.json"
    src.write_text(sample_report().model_dump_json(), encoding="utf-8")
    info = require_tool("pdfinfo", "poppler-utils")
    for engine, maker in (("typst", "Typst"), ("weasyprint", "WeasyPrint")):
        out = tmp_path / f"{engine}.pdf"
        r = _cli("render", str(src), "-o", str(out), "--pdf-engine", engine)
        assert r.returncode == 0, r.stderr
        assert maker in subprocess.run([info, str(out)], capture_output=True, text=True).stdout
    r = _cli("render", str(src), "-o", str(tmp_path / "x.pdf"), "--pdf-engine", "latex")
    assert r.returncode != 0 and "use one of typst, weasyprint" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_service_setting_names_an_engine() -> None:
    from pydantic import ValidationError

    from reportgen.store.config import ServiceSettings

    assert ServiceSettings().pdf_engine == "typst"
    assert ServiceSettings(REPORTGEN_PDF_ENGINE="weasyprint").pdf_engine == "weasyprint"
    with pytest.raises(ValidationError):
        ServiceSettings(REPORTGEN_PDF_ENGINE="latex")


def test_an_item_longer_than_a_page_still_prints_whole(tmp_path: Path) -> None:
    """Items are kept whole on a page unless long: one longer than a page must break, not be cut off."""
    words = " ".join(f"clause{k}" for k in range(900))  # ~8,000 characters: more than a page
    cite = [Citation(document_id="d1", quote="the renewal is signed", status="exact", score=1.0, page=2)]
    doc = DocumentRef(id="d1", filename="msa.pdf", kind="pdf", format="pdf", sha256="cd" * 32, pages=9)
    report = Report(id="rep_long", sop_id="diligence-memo", sop_name="Long", documents=[doc], engine="llm",
                    sections=[Section(id="p", title="Prose", kind="prose", items=[Item(fields={"text": words},
                                                                                        citations=cite)]),
                              Section(id="t", title="Table", kind="table",
                                      items=[Item(fields={"clause": words, "party": "Acme"}, citations=cite)])])
    text = _text(render_pdf(report, tmp_path / "long.pdf", engine="typst"))
    found = set(re.findall(r"clause\d+", text))
    assert {f"clause{k}" for k in range(900)} <= found
    assert text.count("clause899") == 2  # the prose item and the table row, both to their last word
