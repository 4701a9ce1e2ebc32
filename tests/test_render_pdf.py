"""PDF and DOCX checks that use the system tools readers' machines have: poppler and LibreOffice.

One PDF of the sample report is rendered per engine (Typst, WeasyPrint) and inspected several ways: its text layer
(every section title, item and quote, in every script), bookmarks, fonts, page images.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from reportgen.models import Report
from reportgen.render import render_docx, render_pdf, view
from tests.render_samples import INTERNATIONAL, report_for_sop, sample_report
from tests.support import require, require_tool


def _norm(text: str) -> str:
    """Compare text layers loosely: Arabic comes back in presentation forms, lines wrap anywhere."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def _pieces(text: str) -> list[str]:
    """Text with right-to-left runs comes back with those runs in visual order: compare word by word."""
    rtl = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    return re.findall(r"\w+|[^\w\s]", text) if rtl else [text]


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module", params=["typst", "weasyprint"])
def pdf(report: Report, tmp_path_factory, request) -> Path:
    """The same report set by each engine: every check below holds for both."""
    return render_pdf(report, tmp_path_factory.mktemp("pdf") / f"report-{request.param}.pdf", engine=request.param)


def _pdftotext(path: Path, *args: str) -> str:
    tool = require_tool("pdftotext", "poppler-utils")
    return subprocess.run([tool, *args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_text_layer_holds_every_title_item_and_quote(report: Report, pdf: Path) -> None:
    text = _norm(_pdftotext(pdf))
    v = view.build(report)
    for s in v.sections:
        assert _norm(s.title) in text, s.title
        for row in s.rows:
            assert all(_norm(p) in text for p in _pieces(row.primary)), row.primary
            for note in row.notes:
                assert all(_norm(p) in text for p in _pieces(note.quote)), note.quote
    for phrase in ("Issues raised", "Sources", "be71be71be71", "UNSUPPORTED", "PARTLY SUPPORTED", "Not rated",
                   "$12.5M (FY2024)", "11 / 14", "87%"):  # the unrated, unquoted criterion is no finding
        assert _norm(phrase) in text, phrase


def test_accents_cjk_rtl_and_emoji_keep_their_glyphs(pdf: Path) -> None:
    text = _norm(_pdftotext(pdf))
    for phrase in INTERNATIONAL:
        assert all(_norm(p) in text for p in re.findall(r"\w+|[^\w\s]", phrase)), phrase
    assert "\ufffd" not in text
    fonts = subprocess.run([require_tool("pdffonts", "poppler-utils"), str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    names = " ".join(line.split()[0] for line in fonts).replace("-", "")  # Noto-Serif or NotoSerif-Regular
    for family in ("NotoSerif", "NotoSans", "CJK", "Arabic", "Hebrew"):
        assert family in names, (family, names)
    # The colour emoji: WeasyPrint embeds the font, Typst draws its bitmaps as a Type 3 font.
    assert "NotoColorEmoji" in names or any(" Type 3 " in line for line in fonts), fonts
    for line in fonts:  # columns: name type encoding emb sub uni object-id
        emb, sub, uni = line.split()[-5:-2]
        assert emb == uni == "yes", line  # embedded, with a ToUnicode map
        assert sub == "yes" or " Type 3 " in line, line  # subset (a Type 3 font holds only the glyphs drawn)


def test_bookmarks_contents_page_numbers_and_footnotes(report: Report, pdf: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert [s.title for s in report.sections] == [t for t in outline if t in {s.title for s in report.sections}]
    assert {"Issues raised", "Sources"} <= set(outline)
    contents = _pdftotext(pdf, "-f", "2", "-l", "2", "-layout")
    for s in report.sections:
        assert re.search(re.escape(s.title) + r"[ .]+\d+\s*$", contents, flags=re.M), s.title
    pages = [_pdftotext(pdf, "-f", str(i), "-l", str(i)) for i in range(1, len(reader.pages) + 1)]
    assert re.search(r"Page 3 of \d+", pages[2])
    numbers = [int(n) for p in pages for n in re.findall(r"^(\d+)\. [\u201c\[]", p, flags=re.M)]
    cited = sum(bool(i.citations) for s in report.sections for i in s.items)
    assert numbers == list(range(1, cited + 1))  # one footnote per cited item, in order, none lost


def test_pages_render_to_images_that_are_not_blank(pdf: Path, tmp_path) -> None:
    from PIL import Image, ImageStat

    tool = require_tool("pdftoppm", "poppler-utils")
    subprocess.run([tool, "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == 3
    for image in images:
        with Image.open(image) as im:
            assert ImageStat.Stat(im.convert("L")).stddev[0] > 5  # ink on the page


def test_extractive_pdf_says_so_on_the_title_page(tmp_path) -> None:
    local = sample_report(extractive=True)
    local.sections = local.sections[:1]
    for engine in ("typst", "weasyprint"):
        out = render_pdf(local, tmp_path / f"draft-{engine}.pdf", engine=engine)
        first = _pdftotext(out, "-f", "1", "-l", "1")
        assert "Extractive draft" in first and "local" in first, engine
        assert "Extractive draft" in _pdftotext(out, "-f", "3", "-l", "3"), engine  # and in the running head


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_every_builtin_sop_renders_a_pdf(tmp_path, engine: str) -> None:
    from reportgen.sop import builtin_sops

    for k, sop in enumerate(builtin_sops().values()):
        rep = report_for_sop(sop, engine=("llm", "local")[k % 2], per_section=1)
        text = _norm(_pdftotext(render_pdf(rep, tmp_path / f"{sop.id}.pdf", engine=engine)))
        assert all(_norm(s.title) in text for s in sop.sections), sop.id


def test_libreoffice_converts_the_docx(report: Report, tmp_path) -> None:
    soffice = require_tool("soffice", "libreoffice-writer")
    out = render_docx(report, tmp_path / "report.docx")
    profile = tmp_path / "lo-profile"  # a private profile: parallel runs must not share one
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)},
    )
    converted = tmp_path / "report.pdf"
    require(result.returncode == 0 or converted.exists(), f"soffice conversion ({result.stderr[-300:]})")
    assert converted.exists() and converted.stat().st_size > 5000, result.stderr
    text = _norm(_pdftotext(converted))
    for s in report.sections:
        assert _norm(s.title) in text
    assert _norm(report.citations()[0].quote) in text
