"""Quote boxes on the PDF page (reportgen.ingest.pdfboxes) checked against poppler's word boxes."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from reportgen.grounding import Grounder
from reportgen.ingest import ingest_bytes
from reportgen.ingest.pdf import clean_page_text
from reportgen.ingest.pdfboxes import _merge, attach_boxes, bytes_from_sources, clean_with_index
from reportgen.models import Citation
from tests.fixtures_pdf import two_column_pdf
from tests.pagefixtures import bare, bbox_words, contract_pdf, find_run, words_in

QUOTES = [
    "Either party may terminate this Agreement for convenience upon ninety (90) days prior written notice",
    "In the event of a change of control of Beta Logistics LLC, Acme Holdings Inc. may terminate",
    "shall be governed by and construed in accordance with the laws of the State of New York.",
]


def test_clean_with_index_is_clean_page_text_with_offsets() -> None:
    raw = "Hy\ufffephen\r\nnext\x02line\rA\u00a0B\ufeffC\x0cD\x01E\r\n\r\n  tail "
    text, idx = clean_with_index(raw)
    assert text == clean_page_text(raw)
    assert len(idx) == len(text)
    for ch, i in zip(text, idx, strict=True):  # each kept character came from its index, or is its replacement
        assert raw[i] == ch or (raw[i], ch) in {("\ufffe", "-"), ("\x02", "-"), ("\r", "\n"), ("\x0c", "\n"),
                                               ("\u00a0", " ")}


@pytest.fixture(scope="module")
def located(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    data = contract_pdf()
    path = tmp_path_factory.mktemp("boxes") / "contract.pdf"
    path.write_bytes(data)
    doc = ingest_bytes(data, "contract.pdf")[0]
    grounder = Grounder([doc])
    cites = [grounder.ground(q) for q in QUOTES]
    assert attach_boxes(cites, [doc], lambda d: data) == len(QUOTES)
    return path, doc, cites


def test_boxes_cover_the_quote_and_nothing_else(located) -> None:  # noqa: ANN001
    path, doc, cites = located
    pages = bbox_words(path)
    for c in cites:
        assert c.boxes and {b.page for b in c.boxes} == {c.page}
        words = pages[c.page - 1]
        quote_words = doc.text[c.char_start : c.char_end].split()
        start = find_run(words, quote_words)
        assert start >= 0, f"poppler does not see {quote_words} on page {c.page}"
        rects = [(b.x0, b.y0, b.x1, b.y1) for b in c.boxes]
        assert words_in(words, rects) == [bare(w) for w in quote_words]  # every quote word boxed, no other word
        for b in c.boxes:  # page size as poppler reads it
            assert abs(b.w - 595.28) < 0.5 and abs(b.h - 841.89) < 0.5


def test_a_quote_over_a_line_end_gets_one_box_per_line(located) -> None:  # noqa: ANN001
    _, doc, cites = located
    lines = doc.text[cites[0].char_start : cites[0].char_end].count("\n") + 1
    assert lines >= 2, "the fixture should wrap this quote"
    assert len(cites[0].boxes) == lines
    tops = [b.y0 for b in cites[0].boxes]
    assert tops == sorted(tops)


def test_two_columns_are_boxed_apart(tmp_path) -> None:  # noqa: ANN001
    # the left column is filled to its foot, so the clause starts there and runs on at the top of the right one
    left = " ".join(f"Filler clause {i} says nothing." for i in range(80))
    right = ("The Supplier warrants that the goods conform to the specification for twelve months after delivery "
             "and will repair or replace any goods that fail within that period at its own cost. ") * 2
    data = two_column_pdf([left, right])
    doc = ingest_bytes(data, "cols.pdf")[0]
    quote = "The Supplier warrants that the goods conform to the specification for twelve months after delivery"
    c = Grounder([doc]).ground(quote)
    attach_boxes([c], [doc], lambda d: data)
    assert c.boxes
    mid = c.boxes[0].w / 2
    assert all(b.x1 <= mid or b.x0 >= mid for b in c.boxes)  # no box across the gutter
    assert {b.x0 < mid for b in c.boxes} == {True, False}  # the fixture puts the quote in both columns
    path = tmp_path / "cols.pdf"
    path.write_bytes(data)
    words = bbox_words(path)[c.page - 1]
    boxed = words_in(words, [(b.x0, b.y0, b.x1, b.y1) for b in c.boxes if b.page == c.page])
    assert boxed == quote.split()


def test_no_boxes_without_the_bytes_or_for_unlocated_quotes(located) -> None:  # noqa: ANN001
    _, doc, _ = located
    lost = Grounder([doc]).ground(QUOTES[1])
    missing = Citation(quote="not in the contract at all", document_id=doc.id)
    assert attach_boxes([lost, missing], [doc], lambda d: None) == 0
    assert lost.boxes == [] and missing.boxes == []


def test_bytes_from_sources_finds_files_and_zip_members(tmp_path) -> None:  # noqa: ANN001
    data = contract_pdf()
    (tmp_path / "a.pdf").write_bytes(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("room/b.pdf", data + b"\n%extra")
    (tmp_path / "room.zip").write_bytes(buf.getvalue())
    docs = ingest_bytes(data, "a.pdf") + ingest_bytes(buf.getvalue(), "room.zip")
    get = bytes_from_sources([tmp_path / "a.pdf", tmp_path / "room.zip"])
    assert get(docs[0]) == data
    assert get(docs[1]) == data + b"\n%extra"


def test_merge_splits_lines_and_gutters() -> None:
    chars = [(10, 100, 15, 110), (15, 100, 20, 110), (200, 100, 205, 110), (10, 85, 15, 95)]
    assert _merge(chars) == [(10, 100, 20, 110), (200, 100, 205, 110), (10, 85, 15, 95)]


def test_clean_with_index_agrees_on_random_pages() -> None:
    rng = random.Random(7)
    alphabet = "ab \n\r\ufffe\x02\x0c\u00a0\ufeff\x01\x1f\x7f\t-"
    for _ in range(300):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        text, idx = clean_with_index(raw)
        assert text == clean_page_text(raw) and len(idx) == len(text) and idx == sorted(idx)
