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
    import resource, sys, zipfile
    from pathlib import Path
    from reportgen.errors import TooLargeError
    from reportgen.ingest import ingest
    from reportgen.testing.hostile import MB, docx_with_xml, speaker_text, zip_with_member

    tmp = Path(sys.argv[1])

    docx_with_xml(tmp / "big.docx", 45 * MB)
    zip_with_member(tmp / "bomb.zip", 260 * MB)
    with zipfile.ZipFile(tmp / "bomb.zip", "a") as zf:
        zf.writestr("room/notes.txt", b"Jason: We decided to ship in March.")
    speaker_text(tmp / "max.txt", 9_500_000, line_chars=100)
    speaker_text(tmp / "long.txt", 199 * MB, line_chars=40)

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
