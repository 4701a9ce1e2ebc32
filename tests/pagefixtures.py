"""A small contract PDF and `pdftotext -bbox` words, shared by the page-box, page-route, evidence and browser tests.

The words come from poppler, a second PDF reader independent of PDFium: a box that lands on the
quote by poppler's reckoning is on the quote, not merely where our own reader put it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures_pdf import text_pdf
from tests.support import require

CLAUSES = [
    "MASTER SERVICES AGREEMENT between Acme Holdings Inc. and Beta Logistics LLC.",
    "1. Term. This Agreement shall commence on the Effective Date and continue for a period of three (3) years "
    "unless terminated earlier.",
    "2. Termination. Either party may terminate this Agreement for convenience upon ninety (90) days prior written "
    "notice to the other party.",
    "3. Change of Control. In the event of a change of control of Beta Logistics LLC, Acme Holdings Inc. may "
    "terminate this Agreement immediately.",
    "4. Limitation of Liability. In no event shall either party's aggregate liability exceed the fees paid in the "
    "twelve (12) months preceding the claim.",
    "5. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of the State "
    "of New York.",
    "6. Assignment. Neither party may assign this Agreement without the prior written consent of the other party, "
    "which shall not be unreasonably withheld.",
]


def contract_pdf() -> bytes:
    """Two pages of justified clauses (reportlab wraps them, so quotes run over line ends)."""
    return text_pdf([CLAUSES[:4], CLAUSES[4:]])


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def bbox_words(path: Path) -> list[list[Word]]:
    """Every page's words with their boxes (points, top-left origin) from `pdftotext -bbox`."""
    require(shutil.which("pdftotext") is not None, "pdftotext (apt-get install poppler-utils)")
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for m in _PAGE.finditer(out):
        pages.append([Word(html.unescape(t), float(a), float(b), float(c), float(d))
                      for a, b, c, d, t in _WORD.findall(m.group(3))])
    return pages




def bare(word: str) -> str:
    """A word without the punctuation around it: poppler keeps "LLC," whole, a quote may end at "LLC"."""
    return word.strip(".,;:()\"'“”‘’")


def find_run(words: list[Word], needle: list[str]) -> int:
    """Index of the first word of `needle` (a list of words) in `words`; -1 when absent (punctuation aside)."""
    texts = [bare(w.text) for w in words]
    needle = [bare(n) for n in needle]
    for i in range(len(texts) - len(needle) + 1):
        if texts[i : i + len(needle)] == needle:
            return i
    return -1


def inside(point: tuple[float, float], rect: tuple[float, float, float, float], slack: float = 0.5) -> bool:
    x, y = point
    x0, y0, x1, y1 = rect
    return x0 - slack <= x <= x1 + slack and y0 - slack <= y <= y1 + slack


def words_in(words: list[Word], rects: list[tuple[float, float, float, float]]) -> list[str]:
    """The words whose centre lies in one of the rectangles, in reading order, punctuation aside."""
    return [bare(w.text) for w in words if any(inside(w.center, r) for r in rects)]
