"""The passages' relevance floor, calibrated and checked on QMSum: precision of offered passages vs random.

    python bench/passage_floor.py --corpus ../shared/corpus            # validation half, the chosen floor
    python bench/passage_floor.py --corpus ../shared/corpus --tune     # the grid, on the fit half only

Where the offline engine has no detector it offers passages to read (strategies/passages.py). Before
the floor it always offered up to five: the best-scoring sentences of a source, however loosely they
touched the section. The floor (`passages.MIN_LIFT`) offers a sentence only when its relevance stands
well above its document's background (`SourceIndex.lift`, in standard deviations), so a section
the source never touches says "nothing relevant found".

Labelled set: every QMSum meeting's topics and specific queries, each asked as a section of its own
meeting (a passage is relevant when it lies in the query's gold turns) and of a meeting of another
kind (AMI design vs ICSI research vs parliament: nothing there is relevant, the right answer is
silence). QMSum has no fit fold in folds.json, so its meetings are split here, by series, with the
same stable hash (`folds.bucket`, salt "passage-floor"); ES2006 and ES2009 are always validation.
Precision is over every passage offered (matched and mismatched queries pooled); the random peer
offers as many passages per query, drawn uniformly from the meeting's candidates (its expected
precision, computed exactly). Also printed: the share of matched queries that get any passage and
the share of mismatched ones that get none.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.corpus import Corpus  # noqa: E402
from reportgen.evals.folds import QMSUM_SERIES, bucket  # noqa: E402
from reportgen.evals.gold import build_case, gold_from_cases  # noqa: E402
from reportgen.extract.local.index import SourceIndex  # noqa: E402
from reportgen.extract.local.strategies import passages  # noqa: E402
from reportgen.sop import SectionSpec  # noqa: E402

SALT = "passage-floor"


def series(meeting: str) -> str:
    return meeting[:-1] if meeting[:2] in ("ES", "IS", "TS") else meeting


def group(meeting: str) -> str:
    """AMI design meetings, ICSI research meetings, or parliamentary committees."""
    if meeting[:2] in ("ES", "IS", "TS"):
        return "ami"
    return "icsi" if meeting.startswith("B") else "parliament"


def fold(meeting: str) -> str:
    s = series(meeting)
    return "validation" if s in QMSUM_SERIES or bucket(s, SALT) < 0.5 else "fit"


@dataclass
class Meeting:
    id: str
    index: SourceIndex
    queries: list[tuple[str, set[int]]]  # query text, gold sentence indices (into index.sentences)


def load(folder: Path, which: str) -> list[Meeting]:
    out = []
    for path in sorted(folder.glob("*.json")):
        if fold(path.stem) != which:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = [{"speaker": t.get("speaker") or None, "text": t.get("content") or ""}
                 for t in data["meeting_transcripts"]]
        case = {"id": path.stem, "sources": [{"filename": path.name, "turns": turns}], "sections": {}}
        gold = gold_from_cases("qmsum-floor", [case])
        built = build_case(gold.cases[0])
        doc = built.documents[0]
        seg_turn = {}
        cursor = 0
        # build_case keeps turn -> segment ids; recover them from the segments' order (blank turns have none)
        for t, turn in enumerate(turns):
            if turn["text"].strip():
                seg_turn[cursor] = t
                cursor += 1
        index = SourceIndex.build(Corpus([doc]))
        queries = []
        asked = [{"query": x["topic"], "relevant_text_span": x.get("relevant_text_span")} for x in data["topic_list"]]
        for q in asked + data.get("specific_query_list", []):
            spans = [(int(a), int(b)) for a, b in (s[:1] + s[-1:] for s in q.get("relevant_text_span") or [])]
            gold_turns = {t for a, b in spans for t in range(a, b + 1)}
            rel = {s.index for s in index.sentences if any(seg_turn.get(j) in gold_turns for j in s.segment_ids)}
            if rel:
                queries.append((q["query"], rel))
        out.append(Meeting(path.stem, index, queries))
    return out


def offered(index: SourceIndex, query: str, min_lift: float | None, cap: int) -> tuple[list[int], int]:
    """The passages a query gets as a section, and how many candidates it could have drawn from."""
    spec = SectionSpec(id="query", title=query, kind="list")
    old = (passages.MIN_LIFT, passages.MAX_PASSAGES)
    passages.MIN_LIFT, passages.MAX_PASSAGES = (min_lift if min_lift is not None else -1e9), cap
    try:
        found = passages.section(index, spec)
    finally:
        passages.MIN_LIFT, passages.MAX_PASSAGES = old
    by_text = {s.text: s.index for s in index.sentences}
    return [by_text[p.quote] for p in found.passages], len(index.candidates)


def evaluate(meetings: list[Meeting], min_lift: float | None, cap: int) -> dict[str, float]:
    hit = n = 0
    rand = 0.0
    matched_any = matched = mismatched_none = mismatched = 0
    for m in meetings:
        cands = set(m.index.candidates)
        others = [o for o in meetings if group(o.id) != group(m.id)]
        for qi, (query, rel) in enumerate(m.queries):
            got, _ = offered(m.index, query, min_lift, cap)
            hit += sum(i in rel for i in got)
            n += len(got)
            rand += len(got) * len(rel & cands) / max(1, len(cands))
            matched += 1
            matched_any += bool(got)
            if others:  # the same query asked of a meeting of another kind: nothing there is relevant
                o = others[(qi * 7 + len(m.id)) % len(others)]
                got, _ = offered(o.index, query, min_lift, cap)
                n += len(got)
                mismatched += 1
                mismatched_none += not got
    return {"passages": n, "precision": hit / n if n else 0.0, "random": rand / n if n else 0.0,
            "matched_answered": matched_any / max(1, matched),
            "mismatched_silent": mismatched_none / max(1, mismatched), "queries": matched}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--words", action="store_true", help="lift from BM25 alone (the peer of the hybrid lift)")
    ap.add_argument("--tune", action="store_true", help="print the grid on the fit half (choose the floor there)")
    args = ap.parse_args(argv)
    folder = args.corpus / "qmsum-val"
    if not folder.is_dir():
        print(f"{folder} is missing: pass --corpus ../shared/corpus", file=sys.stderr)
        return 2
    passages.SEMANTIC = not args.words
    which = "fit" if args.tune else "validation"
    meetings = load(folder, which)
    print(f"QMSum {which} half: {len(meetings)} meetings ({', '.join(m.id for m in meetings)})")
    print("| floor (lift, sd) | cap | queries | passages | precision | random | matched answered | mismatched silent |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    grid: list[tuple[float | None, int]] = [(None, 5)]
    grid += [(t, 3) for t in ((0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0) if args.tune else (passages.MIN_LIFT,))]
    for t, cap in grid:
        r = evaluate(meetings, t, cap)
        label = "none (before: 0.4 of the best)" if t is None else f"{t:.1f}"
        print(f"| {label} | {cap} | {r['queries']} | {r['passages']} | {r['precision']:.2f} | {r['random']:.2f} | "
              f"{r['matched_answered']:.0%} | {r['mismatched_silent']:.0%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
