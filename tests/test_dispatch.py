"""The ingest dispatcher: sniffing by content, size limits, and clear errors for what we can't read."""

from __future__ import annotations

import io

import pytest

from reportgen.errors import EmptySourceError, IngestError, TooLargeError, UnsupportedFormatError
from reportgen.ingest import Limits, ingest, sniff


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, "JPEG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40, "legacy Office"),
        (b"ID3\x03\x00" + b"\0" * 40, "MP3"),
        (b"\0\0\0\x20ftypisom" + b"\0" * 40, "MP4"),
    ],
)
def test_binary_formats_are_refused_with_advice(head: bytes, what: str) -> None:
    with pytest.raises(UnsupportedFormatError) as e:
        ingest(head, filename="thing.txt")
    assert what in str(e.value)
    assert e.value.http_status == 415


def test_sniff_ignores_the_extension() -> None:
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n") == "text"


@pytest.mark.parametrize("data", [b"", b"   \n\t  \n"])
def test_empty_input_says_so(data: bytes) -> None:
    with pytest.raises(EmptySourceError, match="empty"):
        ingest(data, filename="empty.vtt")


def test_size_limit_applies_to_bytes_paths_and_streams(tmp_path) -> None:
    small = Limits(max_file_bytes=100)
    blob = b"Alice: hello there\n" * 20
    with pytest.raises(TooLargeError, match="limit"):
        ingest(blob, filename="big.txt", limits=small)
    p = tmp_path / "big.txt"
    p.write_bytes(blob)
    with pytest.raises(TooLargeError):
        ingest(p, limits=small)
    with pytest.raises(TooLargeError):
        ingest(io.BytesIO(blob), filename="big.txt", limits=small)


def test_missing_file_and_folder_are_clear(tmp_path) -> None:
    with pytest.raises(IngestError, match="not found"):
        ingest(tmp_path / "nope.vtt")
    with pytest.raises(IngestError, match="folder"):
        ingest(tmp_path)


def test_path_and_stream_sources_keep_the_filename(tmp_path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("We agreed to ship on Friday. Sam owns the release notes.\n", encoding="utf-8")
    [doc] = ingest(p)
    assert doc.filename == "notes.txt"
    with p.open("rb") as fh:
        [doc2] = ingest(fh)
    assert doc2.filename == "notes.txt"
    assert doc2.sha256 == doc.sha256 and doc2.id == doc.id
