"""Optical character recognition for PDF pages that have no text layer (scans, photos).

We call the `tesseract` command (Debian: `apt-get install tesseract-ocr`) through a pipe
rather than a Python binding: it is the same engine, needs no extra Python dependency,
and a crash or hang in it cannot take our process down (there is a timeout per page).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from reportgen.errors import OCRFailed

# Rendering resolution for OCR: tesseract is most accurate around 300 dpi.
OCR_DPI = 300
# A dense page takes a few seconds; a page that takes longer than this is stuck.
OCR_TIMEOUT_SECONDS = 180.0
INSTALL_HINT = "install tesseract-ocr (Debian/Ubuntu: apt-get install tesseract-ocr)"


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_png(png: bytes, *, lang: str | None = None, timeout: float = OCR_TIMEOUT_SECONDS) -> str:
    """Recognise the text of one PNG image; paragraphs come back separated by blank lines.

    `lang` is a tesseract language code such as "eng" or "ara+eng"; by default the
    REPORTGEN_OCR_LANG environment variable, else tesseract's own default (English).
    """
    exe = tesseract_path()
    if exe is None:
        raise OCRFailed(f"tesseract is not on PATH; {INSTALL_HINT}.")
    cmd = [exe, "stdin", "stdout", "--dpi", str(OCR_DPI), "-c", "page_separator="]
    lang = lang or os.environ.get("REPORTGEN_OCR_LANG")
    if lang:
        cmd += ["-l", lang]
    try:
        proc = subprocess.run(cmd, input=png, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OCRFailed(f"tesseract took longer than {timeout:.0f} s on a page and was stopped.") from exc
    except OSError as exc:
        raise OCRFailed(f"tesseract could not be started ({exc}); {INSTALL_HINT}.") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OCRFailed(f"tesseract failed: {detail[-1] if detail else 'exit status ' + str(proc.returncode)}.")
    return proc.stdout.decode("utf-8", "replace")
