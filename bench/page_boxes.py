"""Quote boxes on the page: are they on the quote (by poppler's reckoning), and what do they cost?

    python bench/page_boxes.py [--corpus ../shared/corpus] [--contracts 20] [--json results.json]

Data: CUAD's validation fold (reportgen/evals/folds.json; nothing here was tuned on any fold),
the first `--contracts` contracts by name. Quotes: CUAD's expert clause texts for each contract
(master_clauses.csv), grounded in the PDF as any quote is; only located ones can have boxes.

Quality, strict: a quote's boxes agree when the words whose centre lies in a box, as
`pdftotext -bbox` (poppler, not PDFium) reads the page, are exactly the located span's words
(punctuation at word ends aside), in the same order, no word missing and none extra; also
reported: the same words in any order (the two readers order some table cells differently).
Random baseline: the boxes of another located quote on the same page scored against this quote's
words (a box that is merely somewhere on the page with text); 0 when the page has no other quote.

Speed: `attach_boxes` for all of a contract's located quotes against ingesting the same PDF
(`ingest_bytes`, the peer, same bytes in memory, same run, median of `--reps`).
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reportgen.grounding import Grounder  # noqa: E402
from reportgen.ingest import ingest_bytes  # noqa: E402
from reportgen.ingest.pdfboxes import attach_boxes  # noqa: E402
from reportgen.models import Citation  # noqa: E402

_PAGE = re.compile(r'<page width="[\d.]+" height="[\d.]+">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_ESC = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def bare(word: str) -> str:
    """A word without the punctuation around it (any non-word character, e.g. U+037E for ";")."""
    for k, v in _ESC.items():
        word = word.replace(k, v)
    return _EDGES.sub("", word)


def poppler_pages(path: Path) -> list[list[tuple[str, float, float]]]:
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [[(bare(t), (float(a) + float(c)) / 2, (float(b) + float(d)) / 2) for a, b, c, d, t in _WORD.findall(m)]
            for m in _PAGE.findall(out)]


def boxed_words(words: list[tuple[str, float, float]], c: Citation, page: int) -> list[str]:
    rects = [(b.x0, b.y0, b.x1, b.y1) for b in c.boxes if b.page == page]
    return [w for w, x, y in words if w and any(x0 - .5 <= x <= x1 + .5 and y0 - .5 <= y <= y1 + .5
                                                for x0, y0, x1, y1 in rects)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--contracts", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    folds = json.loads((REPO / "reportgen" / "evals" / "folds.json").read_text())["cuad"]["validation"]
    root = args.corpus / "cuad-train"
    clauses: dict[str, list[str]] = {}
    with open(root / "master_clauses.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts = []
            for key, value in row.items():
                if key and not key.endswith("Answer") and key not in ("Filename",) and value and value != "[]":
                    try:
                        parsed = ast.literal_eval(value)
                    except (ValueError, SyntaxError):
                        continue
                    texts += [t for t in parsed if isinstance(t, str)] if isinstance(parsed, list) else []
            clauses[Path(row["Filename"]).stem] = [t for t in texts if len(t.split()) >= 4]
    names = sorted(folds)[: args.contracts]
    rng = random.Random(16)
    totals = {"quotes": 0, "located": 0, "with_boxes": 0, "agree": 0, "baseline_agree": 0, "scored": 0,
              "same_words": 0, "baseline_same_words": 0}
    t_boxes: list[float] = []
    t_ingest: list[float] = []
    for name in names:
        path = root / "pdf" / name
        if not path.exists():
            continue
        data = path.read_bytes()
        ingest_times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            doc = ingest_bytes(data, name)[0]
            ingest_times.append(time.perf_counter() - t0)
        quotes = clauses.get(Path(name).stem, [])
        g = Grounder([doc])
        cites = [g.ground(q) for q in quotes]
        located = [c for c in cites if c.located]
        box_times = []
        for _ in range(args.reps):
            for c in located:
                c.boxes = []
            t0 = time.perf_counter()
            attach_boxes(located, [doc], lambda d, data=data: data)
            box_times.append(time.perf_counter() - t0)
        t_ingest.append(statistics.median(ingest_times))
        t_boxes.append(statistics.median(box_times))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            Path(tmp.name).write_bytes(data)
            pages = poppler_pages(Path(tmp.name))
        totals["quotes"] += len(quotes)
        totals["located"] += len(located)
        for c in located:
            if not c.boxes:
                continue
            totals["with_boxes"] += 1
            page = c.boxes[0].page
            if len({b.page for b in c.boxes}) > 1 or page > len(pages):
                continue  # scored on one page only
            want = [w for w in (bare(x) for x in doc.text[c.char_start or 0 : c.char_end or 0].split()) if w]
            totals["scored"] += 1
            got = boxed_words(pages[page - 1], c, page)
            totals["agree"] += got == want
            totals["same_words"] += sorted(got) == sorted(want)
            others = [o for o in located if o is not c and o.boxes and {b.page for b in o.boxes} == {page}
                      and (o.char_start, o.char_end) != (c.char_start, c.char_end)]
            if others:
                base = boxed_words(pages[page - 1], rng.choice(others), page)
                totals["baseline_agree"] += base == want
                totals["baseline_same_words"] += sorted(base) == sorted(want)
    s = totals["scored"] or 1
    result = {
        **totals,
        "contracts": len(t_ingest),
        "boxes_share_of_located": round(totals["with_boxes"] / (totals["located"] or 1), 4),
        "agreement": round(totals["agree"] / s, 4),
        "baseline_agreement": round(totals["baseline_agree"] / s, 4),
        "same_words": round(totals["same_words"] / s, 4),
        "baseline_same_words": round(totals["baseline_same_words"] / s, 4),
        "seconds_boxes": round(sum(t_boxes), 3),
        "seconds_ingest": round(sum(t_ingest), 3),
        "boxes_vs_ingest": round(sum(t_boxes) / (sum(t_ingest) or 1), 3),
    }
    print(f"CUAD validation fold, {result['contracts']} contracts, {totals['quotes']} expert clauses, "
          f"{totals['located']} located")
    print(f"  located quotes with boxes: {result['boxes_share_of_located']:.1%}")
    print(f"  boxes exactly on the quote's words (poppler): {result['agreement']:.1%} of {totals['scored']} "
          f"(random baseline, another quote's boxes on the page: {result['baseline_agreement']:.1%})")
    print(f"  the same words in any order (poppler and PDFium read some tables in different orders): "
          f"{result['same_words']:.1%} (random baseline {result['baseline_same_words']:.1%})")
    print(f"  time: boxes {result['seconds_boxes']}s vs ingest {result['seconds_ingest']}s "
          f"= {result['boxes_vs_ingest']}x of ingest")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
