"""Footnotes link to the source PDF at its page in every output made from the view (DOCX, Typst, WeasyPrint)."""

from __future__ import annotations

import zipfile

import pytest
from pypdf import PdfReader

from reportgen.pipeline import generate
from reportgen.render import write
from tests.pagefixtures import contract_pdf


@pytest.fixture(scope="module")
def report(tmp_path_factory):  # noqa: ANN201
    path = tmp_path_factory.mktemp("links") / "contract.pdf"
    path.write_bytes(contract_pdf())
    return generate([path], "diligence-memo", engine="local")


def _expected(report) -> set[str]:  # noqa: ANN001
    return {f"contract.pdf#page={c.page}" for c in report.citations() if c.located}


def test_generate_from_a_path_attaches_boxes(report) -> None:  # noqa: ANN001
    located = [c for c in report.citations() if c.located]
    assert located and all(c.boxes and c.boxes[0].page == c.page for c in located)


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_footnotes_link_to_the_source_page(report, engine: str, tmp_path) -> None:  # noqa: ANN001
    out = write(report, tmp_path / "r.pdf", pdf_engine=engine)
    uris = {str(ref.get_object()["/A"]["/URI"]) for page in PdfReader(out).pages for ref in page.get("/Annots") or []
            if "/URI" in ref.get_object().get("/A", {})}
    assert _expected(report) <= uris
    assert not any(u.startswith("file:") for u in uris)  # relative: no server path leaks into the PDF


def test_docx_footnotes_link_to_the_source_page(report, tmp_path) -> None:  # noqa: ANN001
    out = write(report, tmp_path / "r.docx")
    with zipfile.ZipFile(out) as zf:
        rels = zf.read("word/_rels/document.xml.rels").decode()
    for href in _expected(report):
        assert f'Target="{href}" TargetMode="External"' in rels


def test_evidence_pack_lists_a_source_it_cannot_open(report, tmp_path) -> None:  # noqa: ANN001
    import io

    from reportgen.render.evidence import evidence_pack
    from tests.fixtures_pdf import encrypt

    body = write(report, tmp_path / "r.pdf").read_bytes()
    locked = encrypt(contract_pdf(), "s3cret")
    pack, pages = evidence_pack(body, report, lambda doc_id: locked)
    reader = PdfReader(io.BytesIO(pack))
    assert pages == 0 and len(reader.pages) == len(PdfReader(io.BytesIO(body)).pages) + 1
    cover = reader.pages[-1].extract_text()
    assert "Not included" in cover and "contract.pdf" in cover


def test_markdown_footnotes_link_to_the_source_page(report, tmp_path) -> None:  # noqa: ANN001
    from markdown_it import MarkdownIt

    md = write(report, tmp_path / "r.md").read_text()
    html = MarkdownIt("commonmark").render(md)
    for href in _expected(report):
        assert f'href="{href}"' in html
