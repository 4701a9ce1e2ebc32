"""Zips of a data room: folder paths kept, unsafe archives refused, unreadable members skipped."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.errors import ArchiveError, IngestError, UnsupportedFormatError
from reportgen.ingest import Limits, expand_zip, ingest, ingest_bytes
from reportgen.ingest.archive import UnsafeArchiveError, is_docx
from reportgen.models import Document
from tests.fixtures_pdf import encrypt, image_only_pdf, text_pdf

PDF = text_pdf([["The licence fee is payable quarterly in advance."], ["Either party may terminate on notice."]])


def docx_bytes(text: str) -> bytes:
    d = docx.Document()
    d.add_heading("Board minutes", level=1)
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            if name.endswith("/"):
                zf.writestr(zipfile.ZipInfo(name), b"")
            else:
                zf.writestr(name, data)
    return out.getvalue()


def check_invariant(docs: list[Document]) -> None:
    for doc in docs:
        for seg in doc.segments:
            assert doc.text[seg.char_start : seg.char_end] == seg.text


def test_data_room_keeps_folder_paths() -> None:
    data = make_zip(
        {
            "room/": b"",
            "room/legal/": b"",
            "room/legal/licence.pdf": PDF,
            "room/board/minutes.docx": docx_bytes("The board approved the budget."),
            "room/./board//scan.pdf": image_only_pdf([["scanned"]]),
        }
    )
    docs = ingest(data, "room.zip")
    check_invariant(docs)
    assert [d.filename for d in docs] == ["room/legal/licence.pdf", "room/board/minutes.docx", "room/board/scan.pdf"]
    assert [d.kind for d in docs] == ["pdf", "docx", "pdf"]
    assert docs[0].pages == 2 and docs[0].warnings == []  # nothing skipped
    assert "no text layer" in docs[2].warnings[0]  # a member's own warnings stay on it
    assert len({d.id for d in docs}) == 3


def test_text_member_goes_through_the_text_parser() -> None:
    docs = ingest(make_zip({"calls/expert.txt": b"Jane: Margins are 30%.\nBob: Noted.\n", "a.pdf": PDF}), "r.zip")
    check_invariant(docs)
    assert [d.filename for d in docs] == ["calls/expert.txt", "a.pdf"]
    assert "Margins are 30%" in docs[0].text


def test_unsupported_and_unreadable_members_are_skipped_and_reported() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    data = make_zip(
        {
            "ok.pdf": PDF,
            "photo.png": png,
            "empty.txt": b"",
            "locked.pdf": encrypt(PDF, "pw"),
            "__MACOSX/._ok.pdf": b"\0\x05\x16\x07junk",
            ".DS_Store": b"\0\0\0\1Bud1",
            "sub/Thumbs.db": b"\xd0\xcf\x11\xe0junk",
        }
    )
    docs = ingest(data, "mixed.zip")
    assert [d.filename for d in docs] == ["ok.pdf"]
    warnings = docs[0].warnings
    assert any(w.startswith("skipped photo.png: this is a PNG image") for w in warnings)
    assert any(w.startswith("skipped empty.txt: the file is empty") for w in warnings)
    assert any(w.startswith("skipped locked.pdf: the PDF is encrypted") and "--password" in w for w in warnings)
    assert any("3 system file(s)" in w for w in warnings)
    assert len(warnings) == 4
    # the password opens encrypted PDFs inside the zip as well
    assert [d.filename for d in ingest(data, "mixed.zip", password="pw")] == ["ok.pdf", "locked.pdf"]


def test_nothing_readable_is_an_error_listing_why() -> None:
    with pytest.raises(ArchiveError) as err:
        ingest(make_zip({"a.png": b"\x89PNG\r\n\x1a\n....", "b.txt": b"   "}), "junk.zip")
    message = str(err.value)
    assert message.startswith("junk.zip: nothing in this zip could be read")
    assert "skipped a.png" in message and "skipped b.txt" in message
    with pytest.raises(ArchiveError, match="no files"):
        ingest(make_zip({"empty/": b""}), "dirs.zip")


@pytest.mark.parametrize("name", ["../evil.pdf", "a/../../evil.pdf", "/etc/evil.pdf", "C:/evil.pdf", "..\\evil.pdf"])
def test_path_traversal_is_refused(name: str) -> None:
    with pytest.raises(UnsafeArchiveError, match="path traversal") as err:
        ingest(make_zip({"ok.pdf": PDF, name: PDF}), "room.zip")
    assert "room.zip" in str(err.value)


def test_symlink_member_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.pdf", PDF)
        link = zipfile.ZipInfo("passwords.pdf")
        link.create_system = 3
        link.external_attr = (0o120777 << 16) | 0
        zf.writestr(link, "/etc/shadow")
    with pytest.raises(ArchiveError, match="symbolic link"):
        ingest(out.getvalue(), "room.zip")


def test_ratio_bomb_is_refused() -> None:
    bomb = make_zip({"ok.pdf": PDF, "zeros.txt": b"\0" * (8 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ArchiveError, match="zip bomb"):
        ingest(bomb, "bomb.zip")


def _patch_sizes(data: bytes, declared: int) -> bytes:
    """Rewrite the first member's uncompressed size in both headers: a zip that lies."""
    buf = bytearray(data)
    struct.pack_into("<I", buf, 22, declared)  # local file header
    central = buf.find(b"PK\x01\x02")
    struct.pack_into("<I", buf, central + 24, declared)
    return bytes(buf)


def test_lying_sizes_do_not_get_past_the_caps() -> None:
    liar = _patch_sizes(make_zip({"zeros.txt": b"\0" * (4 * 1024 * 1024)}), 1000)
    # declares 1000 bytes, so passes the declared checks; reading stops at the declared size and
    # the damaged member is reported rather than inflated
    with pytest.raises(ArchiveError, match="damaged") as err:
        ingest(liar, "liar.zip")
    assert "zip bomb" not in str(err.value)


def test_total_size_and_member_count_limits() -> None:
    members = {f"f{i}.txt": os.urandom(6000) for i in range(4)}
    data = make_zip(members, compression=zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="over the"):
        ingest(data, "big.zip", limits=Limits(max_zip_total_bytes=20_000))
    with pytest.raises(ArchiveError, match="4 entries, over the limit of 3"):
        ingest(data, "many.zip", limits=Limits(max_zip_members=3))


def test_two_levels_are_read_and_three_are_refused() -> None:
    inner = make_zip({"nda.pdf": PDF})
    two = make_zip({"legal/old.zip": inner, "memo.docx": docx_bytes("Keep the NDA.")})
    docs = ingest(two, "room.zip")
    assert [d.filename for d in docs] == ["legal/old/nda.pdf", "memo.docx"]
    three = make_zip({"archive/two.zip": two})
    with pytest.raises(UnsafeArchiveError, match="nested more than 2 deep"):
        ingest(three, "room.zip")
    # the limit is configurable
    deep = ingest(three, "room.zip", limits=Limits(max_zip_depth=3))
    assert [d.filename for d in deep] == ["archive/two/legal/old/nda.pdf", "archive/two/memo.docx"]


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x14\0garbage" * 20, b"PK\x05\x06" + b"\0" * 10],
    ids=["garbage", "truncated-end-record"],
)
def test_broken_zip_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(ArchiveError, match="damaged or incomplete"):
        ingest(data, "broken.zip")


def test_stored_zip_starting_with_a_pdf_is_still_a_zip() -> None:
    # an uncompressed member puts "%PDF-" within the zip's first kilobyte; the PK signature wins
    docs = ingest(make_zip({"a.pdf": PDF, "b.pdf": PDF}, compression=zipfile.ZIP_STORED), "stored.zip")
    assert [d.filename for d in docs] == ["a.pdf", "b.pdf"]


def test_truncated_zip_is_refused_or_reports_damage() -> None:
    data = make_zip({"a.pdf": PDF, "b.pdf": PDF})
    with pytest.raises(ArchiveError, match="damaged"):
        ingest(data[: len(data) - 30], "cut.zip")


def test_encrypted_member_is_refused() -> None:
    buf = bytearray(make_zip({"secret.pdf": PDF}))
    buf[6] |= 0x1  # general purpose flag bit 0 (encrypted), local header ...
    central = buf.find(b"PK\x01\x02")
    buf[central + 8] |= 0x1  # ... and central directory
    with pytest.raises(ArchiveError, match="password-protected"):
        ingest(bytes(buf), "locked.zip")


def test_office_packages_are_not_data_rooms() -> None:
    xlsx = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert not is_docx(xlsx)
    with pytest.raises(UnsupportedFormatError, match="Excel"):
        ingest(xlsx, "model.xlsx")
    odt = make_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    with pytest.raises(UnsupportedFormatError, match="OpenDocument"):
        ingest(odt, "memo.odt")


def test_expand_zip_contract_defaults() -> None:
    docs = expand_zip(make_zip({"a.pdf": PDF}), "r.zip")
    assert [d.filename for d in docs] == ["a.pdf"]


@settings(max_examples=60, deadline=None)
@given(tail=st.binary(max_size=1500))
def test_fuzz_pk_headers_give_documents_or_ingest_errors(tail: bytes) -> None:
    try:
        docs = ingest_bytes(b"PK\x03\x04" + tail, "fuzz.zip")
    except IngestError:
        return
    check_invariant(docs)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fuzz_damaged_real_zip(data: st.DataObject) -> None:
    original = _SMALL_ZIP
    flips = data.draw(st.lists(st.tuples(st.integers(4, len(original) - 1), st.integers(0, 255)), max_size=12))
    mutated = bytearray(original)
    for pos, value in flips:
        mutated[pos] = value
    try:
        docs = ingest_bytes(bytes(mutated), "mutated.zip")
    except IngestError:
        return
    check_invariant(docs)


_SMALL_ZIP = make_zip({"a/b.pdf": text_pdf([["Short contract text."]]), "c.txt": b"Ann: hello there.\n"})
