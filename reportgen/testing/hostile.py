"""Hostile uploads of the sizes issue 14 measured, written streamed so the generator stays small: one
definition for the memory sweep (bench/memory_sweep.py) and the memory-bound test that asserts it.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx

MB = 1024 * 1024


def docx_with_xml(path: Path, xml_bytes: int) -> None:
    """A real DOCX whose body is `xml_bytes` of markup-heavy paragraphs (40 formatted runs each)."""
    base = io.BytesIO()
    docx.Document().save(base)
    src = zipfile.ZipFile(io.BytesIO(base.getvalue()))
    xml = src.read("word/document.xml").decode()
    head = xml[: xml.index("<w:body>") + len("<w:body>")].encode()
    tail = xml[xml.index("</w:body>"):].encode()
    run = ('<w:r><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/><w:sz w:val="22"/></w:rPr>'
           '<w:t xml:space="preserve">{} </w:t></w:r>')
    rng = random.Random(1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(head)
                written = 0
                while written < xml_bytes:
                    block = ("<w:p>" + "".join(run.format(f"w{rng.randrange(100)}") for _ in range(40))
                             + "</w:p>").encode()
                    out.write(block)
                    written += len(block)
                out.write(tail)


def zip_with_member(path: Path, member_bytes: int) -> None:
    """One member of `member_bytes`, mostly zeros with 6 KB of noise per MB: about 130x compression."""
    rng = random.Random(2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("room/huge.txt", "w", force_zip64=True) as out:
        for _ in range(member_bytes // MB):
            block = bytearray(MB)
            at = rng.randrange(MB - 6144)
            block[at:at + 6144] = rng.randbytes(6144)
            out.write(block)


def speaker_text(path: Path, size: int, *, line_chars: int = 40) -> None:
    """Speaker lines of `line_chars` characters each (one segment per line)."""
    speakers = ["Jason", "Priya", "Marco"]
    with path.open("wb") as out:
        written, i = 0, 0
        while written < size:
            line = (f"{speakers[i % 3]}: item {i} on the list was agreed".ljust(line_chars - 1, ".") + "\n").encode()
            out.write(line)
            written += len(line)
            i += 1
