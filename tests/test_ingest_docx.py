"""DOCX ingestion: paragraphs, headings and table rows in body order; pages from breaks."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.text import WD_BREAK

from reportgen.errors import ArchiveError, MalformedSourceError
from reportgen.ingest import ingest, ingest_bytes
from reportgen.ingest.archive import is_docx
from reportgen.ingest.docx import parse_docx
from reportgen.models import Document


def check_invariant(doc: Document) -> None:
    last_end = 0
    for i, seg in enumerate(doc.segments):
        assert seg.id == i and seg.text and seg.char_start >= last_end
        assert doc.text[seg.char_start : seg.char_end] == seg.text
        last_end = seg.char_end


def save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def memo_docx(*, page_breaks: bool) -> bytes:
    d = docx.Document()
    d.add_heading("Investment memo", level=1)
    d.add_paragraph("Acme sells industrial sensors to utilities in Europe.")
    d.add_paragraph("")  # empty paragraphs are not segments
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("Year", "Revenue", "Margin"), ("2023", "$12.5M", "31%"), ("2024", "$15.0M", "")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    if page_breaks:
        d.add_page_break()
    d.add_heading("Risks", level=2)
    p = d.add_paragraph("Customer concentration: the top three buyers are 60% of revenue.")
    if page_breaks:
        p.add_run().add_break(WD_BREAK.PAGE)
        p.add_run("Continued after a break inside the paragraph.")
    d.add_paragraph("Next steps: meet the founder on Friday.")
    return save(d)


def test_paragraphs_headings_and_table_rows_in_body_order() -> None:
    data = memo_docx(page_breaks=False)
    doc = parse_docx(data, "memo.docx")
    check_invariant(doc)
    assert (doc.kind, doc.format) == ("docx", "docx")
    assert doc.media_type.endswith("wordprocessingml.document")
    assert [s.text for s in doc.segments] == [
        "Investment memo",
        "Acme sells industrial sensors to utilities in Europe.",
        "Year | Revenue | Margin",
        "2023 | $12.5M | 31%",
        "2024 | $15.0M |",
        "Risks",
        "Customer concentration: the top three buyers are 60% of revenue.",
        "Next steps: meet the founder on Friday.",
    ]
    # no breaks recorded in the file: no page numbers are invented
    assert doc.pages is None and all(s.page is None for s in doc.segments)
    assert doc.warnings == []


def test_explicit_page_breaks_number_the_pages() -> None:
    data = memo_docx(page_breaks=True)
    [doc] = ingest(data, "memo.docx")
    check_invariant(doc)
    pages = {s.text.split("\n")[0]: s.page for s in doc.segments}
    assert pages["Investment memo"] == 1 and pages["2024 | $15.0M |"] == 1
    assert pages["Risks"] == 2
    # a paragraph starts on the page where its first words are; what follows a mid-paragraph break is later
    assert pages["Customer concentration: the top three buyers are 60% of revenue."] == 2
    assert pages["Continued after a break inside the paragraph."] == 3
    assert pages["Next steps: meet the founder on Friday."] == 3
    assert doc.pages == 3 and doc.meta["page_source"] == "explicit"


def test_page_break_before_and_merged_cells() -> None:
    d = docx.Document()
    d.add_paragraph("Cover page")
    later = d.add_paragraph("Starts a new page")
    later.paragraph_format.page_break_before = True
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Scope of work"
    table.cell(1, 0).text = "Phase 1"
    table.cell(1, 1).text = "Design\nand build"
    table.cell(1, 2).text = "Q3"
    doc = parse_docx(save(d), "sow.docx")
    check_invariant(doc)
    assert [(s.text, s.page) for s in doc.segments] == [
        ("Cover page", 1),
        ("Starts a new page", 2),
        ("Scope of work", 2),
        ("Phase 1 | Design and build | Q3", 2),
    ]


def test_word_rendered_page_breaks_are_used_when_present() -> None:
    d = docx.Document()
    d.add_paragraph("First page text")
    second = d.add_paragraph()
    run = second.add_run("Second page text")
    # what Word writes when it saves its layout: a rendered page break at the start of the page
    run._r.insert(0, run._r.makeelement(docx.oxml.ns.qn("w:lastRenderedPageBreak"), {}))
    doc = parse_docx(save(d), "rendered.docx")
    assert [(s.text, s.page) for s in doc.segments] == [("First page text", 1), ("Second page text", 2)]
    assert doc.meta["page_source"] == "rendered"


def test_docx_is_sniffed_by_content() -> None:
    data = memo_docx(page_breaks=False)
    assert is_docx(data)
    [doc] = ingest_bytes(data, "upload.bin")
    assert doc.kind == "docx"


def test_document_without_text_warns() -> None:
    doc = parse_docx(save(docx.Document()), "empty.docx")
    assert doc.segments == [] and doc.text == ""
    assert len(doc.warnings) == 1 and "no text" in doc.warnings[0]


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name in replace.keys() - set(src.namelist()):
            dst.writestr(name, replace[name])
    return out.getvalue()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: data[: len(data) // 2],  # truncated download
        lambda data: _rezip(data, {"word/document.xml": b"<w:document><unclosed"}),  # broken XML
        lambda data: _rezip(data, {"[Content_Types].xml": b"<Types/>"}),  # no main part declared
    ],
    ids=["truncated", "bad-xml", "no-content-types"],
)
def test_damaged_docx_is_a_clear_error(mangle) -> None:
    data = mangle(memo_docx(page_breaks=False))
    with pytest.raises(MalformedSourceError) as err:
        ingest(data, "memo.docx")
    assert "memo.docx" in str(err.value) and "Word document" in str(err.value)


def test_docx_bomb_is_refused_before_python_docx_inflates_it() -> None:
    bomb = _rezip(memo_docx(page_breaks=False), {"word/media/filler.bin": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(ArchiveError, match="zip bomb"):
        parse_docx(bomb, "bomb.docx")


def test_tracked_changes_and_line_breaks() -> None:
    d = docx.Document()
    p = d.add_paragraph("Price is ")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    p._p.append(
        docx.oxml.parse_xml(
            f'<w:ins xmlns:w="{w}" w:id="1" w:author="A"><w:r><w:t xml:space="preserve">$10</w:t></w:r></w:ins>'
        )
    )
    p._p.append(
        docx.oxml.parse_xml(f'<w:del xmlns:w="{w}" w:id="2" w:author="A"><w:r><w:delText>$12</w:delText></w:r></w:del>')
    )
    run = p.add_run(" per unit")
    run.add_break()  # a line break, not a page break
    run.add_text("net of tax")
    doc = parse_docx(save(d), "tracked.docx")
    assert [s.text for s in doc.segments] == ["Price is $10 per unit\nnet of tax"]
