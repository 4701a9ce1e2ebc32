"""PDF ingestion: text blocks with pages, passwords, scans (warnings and OCR), damaged files."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.errors import EncryptedPDFError, IngestError, MalformedSourceError
from reportgen.ingest import ingest, ingest_bytes
from reportgen.ingest.pdf import clean_page_text, parse_pdf, split_blocks
from reportgen.models import Document
from tests.fixtures_pdf import blank_pdf, encrypt, image_only_pdf, text_pdf, two_column_pdf
from tests.support import require_tool

PARAS = [
    [
        "1. Term. This Agreement begins on the Effective Date and continues for three years unless it is "
        "terminated earlier under Section 9. Either party may renew it for one further year by written notice "
        "given at least ninety days before the end of the term.",
        "2. Fees. The Customer shall pay the Supplier a monthly fee of twelve thousand five hundred dollars, "
        "invoiced in arrears and payable within thirty days of the invoice date, without set-off or deduction "
        "of any kind except as required by law.",
    ],
    [
        "3. Confidentiality. Each party shall keep the other party's confidential information secret and use "
        "it only to perform this Agreement. This obligation survives termination for five years and does not "
        "apply to information that is or becomes public through no fault of the receiving party.",
    ],
    [
        "4. Governing law. This Agreement is governed by the laws of the State of Delaware, and the courts of "
        "Wilmington have exclusive jurisdiction over any dispute arising out of or in connection with it, "
        "including any question about its existence or validity.",
        "5. Notices. Notices must be in writing and delivered by hand or by registered mail to the address of "
        "the receiving party stated above, and are effective on receipt.",
    ],
]


def squash(text: str) -> str:
    return " ".join(text.split())


def check_invariant(doc: Document) -> None:
    last_end = 0
    for i, seg in enumerate(doc.segments):
        assert seg.id == i
        assert doc.text[seg.char_start : seg.char_end] == seg.text
        assert seg.char_start >= last_end and seg.text.strip() == seg.text and seg.text
        last_end = seg.char_end


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    return text_pdf(PARAS)


def test_text_pdf_gives_one_segment_per_paragraph_with_its_page(contract_pdf: bytes) -> None:
    doc = parse_pdf(contract_pdf, "contract.pdf")
    check_invariant(doc)
    assert (doc.kind, doc.format, doc.media_type, doc.pages) == ("pdf", "pdf", "application/pdf", 3)
    assert doc.warnings == []
    found = {squash(s.text): s.page for s in doc.segments}
    expected = {squash(p): page for page, paras in enumerate(PARAS, start=1) for p in paras}
    assert found == expected
    assert "\r" not in doc.text
    # paragraphs keep their printed line breaks; segments and pages are separated by a blank line
    assert "\n" in doc.segments[0].text and doc.text.count("\n\n") == len(doc.segments) - 1


def test_ingest_sniffs_pdf_by_content_not_extension(contract_pdf: bytes, tmp_path) -> None:
    path = tmp_path / "contract.bin"
    path.write_bytes(contract_pdf)
    [doc] = ingest(path)
    assert doc.kind == "pdf" and doc.filename == "contract.bin" and len(doc.segments) == 5
    assert doc.id == parse_pdf(contract_pdf, "contract.bin").id  # stable per (name, content)


def test_heading_and_two_columns_split_into_blocks() -> None:
    paras = [
        "Whereas the parties wish to cooperate on the development of the product described in Schedule A, "
        f"and have agreed the terms set out below in this clause number {i} of the agreement between them."
        for i in range(6)
    ]
    doc = parse_pdf(two_column_pdf(paras), "cols.pdf")
    check_invariant(doc)
    assert sorted(squash(s.text) for s in doc.segments) == sorted(squash(p) for p in paras)
    headed = parse_pdf(text_pdf([["MASTER SERVICES AGREEMENT", *PARAS[0]]], heading_first=True), "h.pdf")
    assert [squash(s.text) for s in headed.segments] == ["MASTER SERVICES AGREEMENT", *map(squash, PARAS[0])]


def test_encrypted_pdf_names_the_password_option_and_opens_with_it(contract_pdf: bytes) -> None:
    locked = encrypt(contract_pdf, "s3cret", owner_password="owner-pw")
    with pytest.raises(EncryptedPDFError) as missing:
        parse_pdf(locked, "locked.pdf")
    message = str(missing.value)
    assert "locked.pdf" in message and "--password" in message and "password=" in message
    assert "form field" in message
    with pytest.raises(EncryptedPDFError, match="does not open"):
        ingest(locked, "locked.pdf", password="wrong")
    [doc] = ingest(locked, "locked.pdf", password="s3cret")
    check_invariant(doc)
    assert doc.pages == 3 and squash(PARAS[1][0]) in {squash(s.text) for s in doc.segments}
    assert parse_pdf(locked, "locked.pdf", password="owner-pw").text == doc.text


def test_image_only_pages_get_one_warning_each() -> None:
    data = image_only_pdf([["Scanned page one"], ["Scanned page two"]])
    doc = parse_pdf(data, "scan.pdf")
    assert doc.pages == 2 and doc.segments == [] and doc.text == ""
    assert len(doc.warnings) == 2
    for number, warning in enumerate(doc.warnings, start=1):
        assert warning.startswith(f"page {number} has no text layer") and "--ocr" in warning
        assert "tesseract-ocr" in warning
    assert doc.meta["pages_without_text"] == [1, 2]


def test_blank_pages_are_not_reported_as_scans_but_an_empty_document_says_so() -> None:
    doc = parse_pdf(blank_pdf(2), "blank.pdf")
    assert doc.pages == 2 and doc.segments == [] and "pages_without_text" not in doc.meta
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("no text could be read from any of its 2 page(s)")


def test_ocr_recognises_scanned_pages_with_their_page_numbers(contract_pdf: bytes) -> None:
    require_tool("tesseract", "tesseract-ocr")
    scan = image_only_pdf([["The supplier shall deliver", "the goods by Friday."], ["Payment is due in thirty days."]])
    doc = parse_pdf(scan, "scan.pdf", ocr=True)
    check_invariant(doc)
    words = squash(doc.text).lower()
    assert "supplier shall deliver" in words and "thirty days" in words
    assert {s.page for s in doc.segments} == {1, 2}
    assert [s.page for s in doc.segments if "thirty" in s.text.lower()] == [2]
    assert doc.meta["ocr_pages"] == [1, 2]
    assert len(doc.warnings) == 2 and all("OCR" in w for w in doc.warnings)
    # pages that have a text layer are never OCR'd
    assert parse_pdf(contract_pdf, "c.pdf", ocr=True).meta == {}


def test_ocr_without_tesseract_says_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tesseract on PATH
    doc = parse_pdf(image_only_pdf([["Scanned"]]), "scan.pdf", ocr=True)
    assert doc.segments == []
    assert len(doc.warnings) == 1 and "install tesseract-ocr" in doc.warnings[0]


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"this is not really a pdf\n" * 40,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF",
    ],
)
def test_damaged_pdf_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(MalformedSourceError, match="damaged or truncated"):
        ingest(data, "broken.pdf")


def test_truncated_pdf_is_an_error_or_its_readable_part(contract_pdf: bytes) -> None:
    # PDFium rebuilds what it can from a cut file; either way the user gets no traceback.
    for cut in (len(contract_pdf) // 4, len(contract_pdf) // 2, len(contract_pdf) - 20):
        try:
            docs = ingest(contract_pdf[:cut], "cut.pdf")
        except MalformedSourceError as exc:
            assert "cut.pdf" in str(exc)
        else:
            check_invariant(docs[0])


def test_pdfium_marker_characters_become_printed_text() -> None:
    raw = "The Licen\ufffesee shall pay\r\nwithin thirty days.\r\n\r\n\x01Next\u00a0block\r\n"
    assert clean_page_text(raw) == "The Licen-see shall pay\nwithin thirty days.\n\nNext block\n"
    assert split_blocks(raw) == ["The Licen-see shall pay\nwithin thirty days.", "Next block"]


def test_block_rules_on_pdfium_like_lines() -> None:
    full = "x" * 90
    page = "\r\n".join(
        [
            "ARTICLE 1",
            "DEFINITIONS",
            f"{full} the parties agree",
            f"{full} as follows.",
            "1.1 First clause starts here and wraps over",
            f"{full} end.",
            "(a) an item of the list;",
            "(b) another item.",
            f"{full} closing text",
            "Page 2 of 29",
        ]
    )
    blocks = split_blocks(page)
    assert blocks[0:2] == ["ARTICLE 1", "DEFINITIONS"]
    assert blocks[2] == f"{full} the parties agree\n{full} as follows."
    assert blocks[3].startswith("1.1 First clause") and blocks[3].endswith("end.")
    assert blocks[4:6] == ["(a) an item of the list;", "(b) another item."]
    # a long run of text is capped into several blocks
    long = "\r\n".join([f"{full} and so on" for _ in range(100)])
    assert max(len(b) for b in split_blocks(long)) <= 3200 and len(split_blocks(long)) > 1
    assert split_blocks("") == [] and split_blocks(" \r\n \r\n") == []


def test_parallel_threads_get_identical_results(contract_pdf: bytes) -> None:
    expected = parse_pdf(contract_pdf, "c.pdf")
    results: list[Document] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(parse_pdf(contract_pdf, "c.pdf"))
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 6
    assert all(r.text == expected.text and r.segments == expected.segments for r in results)


@settings(max_examples=60, deadline=None)
@given(tail=st.binary(max_size=2000))
def test_fuzz_pdf_headers_give_documents_or_ingest_errors(tail: bytes) -> None:
    try:
        docs = ingest_bytes(b"%PDF-1.5\n" + tail, "fuzz.pdf")
    except IngestError:
        return
    for doc in docs:
        check_invariant(doc)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fuzz_damaged_real_pdf(data: st.DataObject) -> None:
    original = _SMALL_PDF
    flips = data.draw(st.lists(st.tuples(st.integers(16, len(original) - 1), st.integers(0, 255)), max_size=20))
    cut = data.draw(st.integers(len(original) // 3, len(original)))
    mutated = bytearray(original)
    for pos, value in flips:
        mutated[pos] = value
    try:
        docs = ingest_bytes(bytes(mutated[:cut]), "mutated.pdf")
    except IngestError:
        return
    for doc in docs:
        check_invariant(doc)


_SMALL_PDF = text_pdf([PARAS[0]])
