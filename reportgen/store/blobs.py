"""Content-addressed bytes in the database: sources as uploaded and rendered outputs.

Storing blobs in the database (split in 1 MB chunks) means a worker on another machine
needs nothing but `DATABASE_URL` to read a source or write an output, and the same bytes
uploaded twice (by any tenant) are stored once. Blobs are immutable and written in their
own transaction, so a blob that outlives a failed request is only unreferenced, never wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from reportgen.errors import BlobMissingError
from reportgen.store.db import Database
from reportgen.store.tables import Blob, BlobChunk

CHUNK = 1024 * 1024


def _chunks(source: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for i in range(0, len(view), CHUNK):
            yield bytes(view[i : i + CHUNK])
        return
    while block := source.read(CHUNK):
        yield block


def hash_source(source: bytes | BinaryIO) -> tuple[str, int]:
    """SHA-256 and size, reading a file in chunks (and rewinding it after)."""
    h, size = hashlib.sha256(), 0
    for block in _chunks(source):
        h.update(block)
        size += len(block)
    if not isinstance(source, (bytes, bytearray, memoryview)):
        source.seek(0)
    return h.hexdigest(), size


def put_blob(db: Database, source: bytes | BinaryIO, sha256: str | None = None) -> str:
    """Store bytes (or a seekable file, streamed) once; returns their SHA-256."""
    if sha256 is None:
        sha256, size = hash_source(source)
    else:
        size = len(source) if isinstance(source, (bytes, bytearray)) else hash_source(source)[1]
    with db.session() as s:
        if s.get(Blob, sha256) is not None:
            return sha256
        # Two writers may store the same bytes at once (a download renders the revision the background
        # pre-render is also rendering): whichever commits second finds the row taken at any flush or at
        # the commit, and the content is the same, so it has nothing left to do.
        try:
            count = 0
            s.add(Blob(sha256=sha256, size=size, chunks=0))
            s.flush()
            for count, block in enumerate(_chunks(source), start=1):
                s.add(BlobChunk(sha256=sha256, seq=count - 1, data=block))
                if count % 16 == 0:
                    s.flush()
                    s.expunge_all()
            blob = s.get(Blob, sha256)
            assert blob is not None
            blob.chunks = count
            s.commit()
        except IntegrityError:
            s.rollback()
    return sha256


def iter_blob(db: Database, sha256: str) -> Iterator[bytes]:
    """The blob's bytes chunk by chunk, one chunk in memory at a time."""
    with db.session() as s:
        blob = s.get(Blob, sha256)
        if blob is None:
            raise BlobMissingError(f"stored content {sha256[:12]} is missing from the database.")
        n = blob.chunks
    for seq in range(n):
        with db.session() as s:
            chunk = s.exec(select(BlobChunk.data).where(BlobChunk.sha256 == sha256, BlobChunk.seq == seq)).first()
        if chunk is None:
            raise BlobMissingError(f"stored content {sha256[:12]} is incomplete (chunk {seq} of {n}).")
        yield chunk


def read_blob(db: Database, sha256: str) -> bytes:
    return b"".join(iter_blob(db, sha256))
