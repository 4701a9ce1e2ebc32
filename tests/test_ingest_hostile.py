"""Hostile and odd inputs of issue 14: every upload within the limits is parsed in bounded memory,
control characters never reach an output that cannot hold them, and a fake or textless PDF says so."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from reportgen.errors import MalformedSourceError, TooLargeError, UnsafeArchiveError
from reportgen.ingest import Limits, ingest, ingest_bytes
from reportgen.ingest.archive import iter_members
from reportgen.ingest.build import TextBuilder
from reportgen.ingest.docx import parse_docx
from reportgen.models import Document
from reportgen.render import render_docx, render_html, render_markdown
from tests.fixtures_pdf import blank_pdf

CONTROLS = "\x0b\x01\x1b[31m\x08\x0c\x7f"


def body_docx(body_xml: str) -> bytes:
    """A real python-docx package whose document.xml body is replaced by `body_xml`."""
    out = io.BytesIO()
    docx.Document().save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    xml = src.read("word/document.xml").decode()
    head = xml[: xml.index("<w:body>") + len("<w:body>")]
    tail = xml[xml.index("</w:body>"):]
    rezipped = io.BytesIO()
    with zipfile.ZipFile(rezipped, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = (head + body_xml + tail).encode() if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return rezipped.getvalue()


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


# --- document limits -------------------------------------------------------------------------

def test_text_past_the_character_limit_is_a_413_before_it_is_decoded() -> None:
    limits = Limits(max_document_chars=1000)
    with pytest.raises(TooLargeError, match="million characters") as err:
        ingest_bytes(b"word " * 1000, "long.txt", limits=limits)  # 5000 bytes > 4 bytes x 1000 chars
    assert err.value.http_status == 413 and "long.txt" in str(err.value) and "Split it" in str(err.value)
    with pytest.raises(TooLargeError, match="million characters"):
        ingest_bytes(b"word " * 600, "long.txt", limits=limits)  # 3000 chars once decoded


def test_segments_are_bounded_in_the_builder_that_every_parser_uses() -> None:
    builder = TextBuilder(Limits(max_document_segments=10))
    for i in range(10):
        builder.add(f"line {i}")
    with pytest.raises(TooLargeError, match="more than 10 passages"):
        builder.add("one too many")


def test_a_zip_member_over_the_per_file_limit_is_skipped_before_it_is_inflated() -> None:
    limits = Limits(max_file_bytes=1024 * 1024)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        words = [f"w{n}" for n in range(5000)]
        rng = random.Random(0)
        zf.writestr("room/big.txt", " ".join(rng.choice(words) for _ in range(400_000)).encode())
        zf.writestr("room/small.txt", b"Jason: We decided to ship the billing migration in March.")
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        members = list(iter_members(zf, len(buf.getvalue()), limits, "room.zip"))
    big = next(m for m in members if m.path == "room/big.txt")
    assert big.data is None and "per-file limit" in (big.skipped or "")
    docs = ingest(buf.getvalue(), "room.zip", limits=limits)
    assert [d.filename for d in docs] == ["room/small.txt"]
    assert any("skipped room/big.txt" in w and "per-file limit" in w for w in docs[0].warnings)


# --- DOCX streamed -------------------------------------------------------------------------

def test_docx_with_more_text_than_a_document_may_hold_is_a_413() -> None:
    data = body_docx("".join(para(f"Paragraph {i} of a very long report.") for i in range(2000)))
    with pytest.raises(TooLargeError, match="million characters"):
        parse_docx(data, "long.docx", Limits(max_document_chars=10_000))
    assert len(parse_docx(data, "long.docx").segments) == 2000  # the same file under the default limits


def test_docx_part_inflating_past_the_per_file_limit_is_a_413_while_streaming() -> None:
    data = body_docx("".join(para("x" * 1000) for _ in range(3000)))  # ~3 MB of XML
    with pytest.raises(TooLargeError, match="per-file limit"):
        parse_docx(data, "big.docx", Limits(max_file_bytes=1024 * 1024, max_zip_ratio=10_000))


def test_docx_with_one_giant_paragraph_is_a_413_not_a_tree_in_memory() -> None:
    runs = "".join(f"<w:r><w:t>{i}</w:t></w:r>" for i in range(50_000))  # 1.3 MB of XML in one paragraph
    data = body_docx(para("Before.") + f"<w:p>{runs}</w:p>")
    with pytest.raises(TooLargeError, match="the limit for one block"):
        parse_docx(data, "giant.docx", Limits(max_docx_block_bytes=256 * 1024))
    assert parse_docx(data, "giant.docx").segments[1].text == "".join(str(i) for i in range(50_000))


def test_docx_stream_reads_tables_row_by_row_and_keeps_body_order() -> None:
    row = "<w:tr><w:tc>{0}</w:tc><w:tc>{1}</w:tc></w:tr>"
    table = "<w:tbl>" + row.format(para("Year"), para("Revenue")) + row.format(para("2024"), para("$15M")) + "</w:tbl>"
    doc = parse_docx(body_docx(para("Before") + table + para("After")), "t.docx")
    assert [s.text for s in doc.segments] == ["Before", "Year | Revenue", "2024 | $15M", "After"]
    assert doc.text == "Before\n\nYear | Revenue\n2024 | $15M\n\nAfter"


def test_docx_entities_are_not_expanded() -> None:
    data = body_docx(para("safe"))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    evil = xml.replace("<w:document", '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document', 1)
    evil = evil.replace("safe", "&x;")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = evil.split("?>", 1)[-1].encode() if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, payload)
    try:
        doc = parse_docx(out.getvalue(), "xxe.docx")
    except MalformedSourceError:
        return  # refusing the file is as good as not expanding it
    assert "root:" not in doc.text


# --- control characters ----------------------------------------------------------------------

def test_text_ingest_normalises_control_characters_like_the_pdf_path() -> None:
    raw = (f"Jason: We ship{CONTROLS[0]}in March.\nPriya: Budget\x01\x1b[31m\x08\x7f is fine.\x0cJason: Page two.\n"
           "Jason: Agreed.\n")
    doc = ingest_bytes(raw.encode(), "call.txt")[0]
    assert not any(ch in doc.text for ch in "\x0b\x01\x1b\x08\x0c\x7f")
    assert "We ship\nin March." in doc.text and "Budget is fine.\nJason: Page two." in doc.text
    for seg in doc.segments:
        assert doc.text[seg.char_start:seg.char_end] == seg.text


def _controlled_document() -> Document:
    """A document as stored before ingest normalised controls: renderers must still cope."""
    lines = [("Jason", f"I will send the runbook{CONTROLS} by Friday."),
             ("Priya", "We decided to move invoices to the new platform in March.\x0b Done."),
             ("Marco\x01", "The vendor quoted twelve thousand dollars per year.")]
    builder = TextBuilder()
    for speaker, text in lines:
        builder.add(f"{speaker}: {text}", speaker=speaker)
    return Document(id="doc_ctrl", filename="ctrl\x1b.txt", media_type="text/plain", sha256="0" * 64,
                    kind="transcript", format="speaker-lines", text=builder.text, segments=builder.segments)


def test_renderers_never_fail_on_control_characters(tmp_path: Path) -> None:
    from reportgen.pipeline import generate

    doc = _controlled_document()
    report = generate([doc], "meeting-action-items", engine="local")
    assert "\x0b" in report.model_dump_json(exclude_none=True).encode().decode("unicode_escape")
    out = render_docx(report, tmp_path / "r.docx", documents=[doc])
    body = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "runbook" in body and "\x0b" not in body
    assert "runbook" in render_markdown(report, documents=[doc])
    assert "runbook" in render_html(report, documents=[doc])


def test_cli_generate_docx_from_a_transcript_with_control_characters(tmp_path: Path) -> None:
    src = tmp_path / "call.txt"
    src.write_bytes(b"Jason: I will send the runbook by Friday.\x0b Then we ship.\n"
                     b"Priya: We decided\x01 to launch on March 14.\x1b[0m\n"
                     b"Marco: The vendor quoted\x08 twelve thousand dollars.\n")
    out = tmp_path / "x.docx"
    r = subprocess.run([sys.executable, "-m", "reportgen.cli", "generate", str(src), "--sop", "meeting-action-items",
                        "--engine", "local", "-q", "-o", str(out)], capture_output=True, text=True, timeout=300,
                       cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and out.is_file()
    assert "runbook" in "\n".join(p.text for p in docx.Document(str(out)).paragraphs)


# --- PDF: fakes and scans ----------------------------------------------------------------------

def test_a_pdf_name_without_a_pdf_header_is_refused_not_read_as_text() -> None:
    fake = b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nxref\n0 3\ntrailer << /Root 1 0 R >>\n"
    with pytest.raises(MalformedSourceError, match="%PDF-") as err:
        ingest(fake, "contract.pdf")
    assert err.value.http_status == 422 and "contract.pdf" in str(err.value)
    assert ingest(b"Plain notes about the contract renewal.", "notes.txt")[0].format == "plain"


def test_a_pdf_without_any_text_warns_instead_of_an_empty_document_in_silence() -> None:
    doc = ingest(blank_pdf(2), "scan.pdf")[0]
    assert doc.segments == []
    assert any("no text could be read" in w and "--ocr" in w for w in doc.warnings), doc.warnings


def test_unsafe_archive_still_refuses_the_whole_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.txt", b"x")
    with pytest.raises(UnsafeArchiveError):
        ingest(buf.getvalue(), "evil.zip")
