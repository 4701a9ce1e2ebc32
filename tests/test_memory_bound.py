"""The memory bound of docs/security.md, asserted: hostile uploads are parsed (or refused) by a process
whose address space is capped with RLIMIT_AS at its size after imports plus BUDGET_MB.

The attacks are those of issue 14 at sizes where the old code needed several times the budget: a
DOCX holding 30 MB of XML (python-docx built a ~1 GB tree for it), a zip with a 260 MB member at
about 130x (inflated whole before the per-file limit was checked), the largest text the limits
accept, and a 199 MB text file (read, decoded and cut into 2.4 M segments before).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BUDGET_MB = 400

SCRIPT = textwrap.dedent('''
    import io, random, resource, sys, zipfile
    from pathlib import Path
    import docx
    from reportgen.errors import ArchiveError, TooLargeError
    from reportgen.ingest import ingest

    tmp = Path(sys.argv[1])
    MB = 1024 * 1024

    def make_docx(path, xml_bytes):
        base = io.BytesIO()
        docx.Document().save(base)
        src = zipfile.ZipFile(io.BytesIO(base.getvalue()))
        xml = src.read("word/document.xml").decode()
        head = xml[: xml.index("<w:body>") + 8].encode()
        tail = xml[xml.index("</w:body>"):].encode()
        run = '<w:r><w:rPr><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">w{} </w:t></w:r>'
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
                        block = ("<w:p>" + "".join(run.format(rng.randrange(100)) for _ in range(40))
                                 + "</w:p>").encode()
                        out.write(block)
                        written += len(block)
                    out.write(tail)

    def make_zip(path, member_bytes):
        rng = random.Random(2)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \\
                zf.open("room/huge.txt", "w", force_zip64=True) as out:
            for _ in range(member_bytes // MB):
                block = bytearray(MB)
                at = rng.randrange(MB - 6144)
                block[at:at + 6144] = rng.randbytes(6144)
                out.write(block)
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("room/notes.txt", b"Jason: We decided to ship in March.")

    def make_text(path, size, line_chars):
        with path.open("wb") as out:
            written = i = 0
            while written < size:
                line = (f"{['Jason', 'Priya', 'Marco'][i % 3]}: point {i} was agreed".ljust(line_chars, ".")
                        + "\\n").encode()
                out.write(line)
                written += len(line)
                i += 1

    make_docx(tmp / "big.docx", 45 * MB)
    make_zip(tmp / "bomb.zip", 260 * MB)
    make_text(tmp / "max.txt", 9_500_000, 99)
    make_text(tmp / "long.txt", 199 * MB, 40)

    status = dict(l.split(":", 1) for l in Path("/proc/self/status").read_text().splitlines() if ":" in l)
    vm = int(status["VmSize"].split()[0]) * 1024
    budget = int(sys.argv[2]) * MB
    resource.setrlimit(resource.RLIMIT_AS, (vm + budget, resource.getrlimit(resource.RLIMIT_AS)[1]))

    doc = ingest(tmp / "big.docx")[0]
    assert len(doc.text) > 1_000_000, len(doc.text)
    docs = ingest(tmp / "bomb.zip")
    assert [d.filename for d in docs] == ["room/notes.txt"], [d.filename for d in docs]
    assert "per-file limit" in docs[0].warnings[0], docs[0].warnings
    doc = ingest(tmp / "max.txt")[0]
    assert len(doc.segments) > 90_000, len(doc.segments)
    try:
        ingest(tmp / "long.txt")
        raise AssertionError("a 199 MB text was accepted")
    except TooLargeError as exc:
        assert "10 million characters" in str(exc)
    print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "MB")
''')


def test_hostile_uploads_stay_within_the_documented_memory_bound(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(BUDGET_MB)], capture_output=True,
                       text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("peak"), r.stdout
