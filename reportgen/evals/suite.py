"""`make eval`: every gold set, strict, with random baselines, in one markdown table and one JSON.

    python -m reportgen.evals.suite --corpus ../shared/corpus [--out .reportgen] [--seeds 5] [--max-cases N]

Gold sets: the hand-made ones in evals/ (development sets: the engine was written against
them), QMSum's validation split, and the *validation* folds of AMI and CUAD (folds.json).
Nothing is reported on a fit fold. Each set's full result (per-item outcomes included) is
written beside the table, for `reportgen eval --show`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.ami import convert_ami
from reportgen.evals.convert import convert_qmsum
from reportgen.evals.cuad import convert_cuad
from reportgen.evals.folds import FOLDS_FILE, bucket, load_folds
from reportgen.evals.gold import GoldSet, gold_from_cases, load_gold
from reportgen.evals.results import EvalRun
from reportgen.evals.runner import DEFAULT_SEEDS, run_eval
from reportgen.evals.suite_report import ANCHORS, format_markdown

SUITE_SCHEMA = "reportgen-eval-suite/1"
REPO_EVALS = Path(__file__).resolve().parents[2] / "evals"


@dataclass
class GoldRun:
    """One gold set as the suite runs it, and what the table must say about it."""

    key: str
    name: str
    fold: str
    load: Callable[[], GoldSet]
    note: str = ""
    total: int = 0
    subsample: int | None = None
    run: EvalRun | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_corpus(corpus: Path) -> None:
    """Fail before any work, naming what is missing and how to point at it."""
    if not corpus.is_dir():
        raise ReportgenError(f"corpus not found at {corpus}: pass the shared corpus folder, e.g. "
                             "`make eval CORPUS=/path/to/shared/corpus` or `--corpus PATH`.")
    missing = [p for p in ("qmsum-val", "ami-dev/gold", "ami-dev/transcripts", "cuad-train/master_clauses.csv",
                           "cuad-train/pdf") if not (corpus / p).exists()]
    if missing:
        raise ReportgenError(f"{corpus} is not the shared corpus (missing: {', '.join(missing)}); see "
                             "../shared/corpus/README.md for its layout.")


def subsample(gs: GoldSet, n: int | None) -> GoldSet:
    """The first `n` cases in the order of a hash of their ids: the same cases every run, not the first files."""
    if n is None or len(gs.cases) <= n:
        return gs
    keep = sorted(gs.cases, key=lambda c: bucket(c.id, "subsample"))[:n]
    order = {c.id: k for k, c in enumerate(gs.cases)}
    keep.sort(key=lambda c: order[c.id])
    return gs.model_copy(update={"cases": keep, "digest": f"{gs.digest}-sub{n}"})


def gold_runs(corpus: Path, folds: dict[str, Any]) -> list[GoldRun]:
    runs: list[GoldRun] = []
    for name, path in (("hand-made meetings", REPO_EVALS / "meetings.yaml"),
                       ("hand-made interviews", REPO_EVALS / "interviews.yaml")):
        if path.is_file():
            runs.append(GoldRun(key=path.stem, name=name, fold="development", load=partial(load_gold, path),
                                note="written with the engine: a regression check, not a validation number"))
    runs.append(GoldRun(
        key="qmsum-val", name="QMSum", fold="validation split",
        load=lambda: gold_from_cases("QMSum validation", list(convert_qmsum(corpus / "qmsum-val")),
                                     "meeting-action-items"),
        note="QMSum's own validation split, on hand while the engine was written (its test split is measured apart); "
             "decisions are a sample of each meeting's, so their precision is a lower bound"))
    runs.append(GoldRun(
        key="ami-val", name="AMI", fold="validation fold",
        load=lambda: gold_from_cases("AMI validation fold", list(convert_ami(corpus / "ami-dev", folds=folds)),
                                     "meeting-action-items"),
        note="abstractive summary sentences; meeting series held out (folds.json)"))
    runs.append(GoldRun(
        key="cuad-val", name="CUAD", fold="validation fold",
        load=lambda: gold_from_cases("CUAD validation fold", list(convert_cuad(corpus / "cuad-train", folds=folds)),
                                     "diligence-memo"),
        note="contracts held out by hash of file name; the 13 contracts the clause classifier was tuned on are in fit"))
    return runs


def run_suite(corpus: Path, out: Path, *, engine: str = "local", seeds: int = DEFAULT_SEEDS,
              max_cases: int | None = None, folds: dict[str, Any] | None = None,
              echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every gold set and write eval.md, eval.json and eval/<set>.json under `out`; `folds`
    defaults to the package's folds.json (tests pass their own for a corpus they made)."""
    check_corpus(corpus)
    folds = folds if folds is not None else load_folds()
    runs = gold_runs(corpus, folds)
    (out / "eval").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for g in runs:
        gs = g.load()
        g.total = len(gs.cases)
        if g.fold not in ("development",) and max_cases is not None and g.total > max_cases:
            gs = subsample(gs, max_cases)
            g.subsample = len(gs.cases)
        echo(f"{g.name} ({g.fold}): {len(gs.cases)} cases ...")
        t = time.perf_counter()
        g.run = run_eval(gs, engine=engine, seeds=seeds, label=engine)
        g.extra["seconds"] = round(time.perf_counter() - t, 1)
        path = out / "eval" / f"{g.key}.json"
        path.write_text(g.run.model_dump_json(indent=1, by_alias=True), encoding="utf-8")
        g.extra["result"] = str(path)
    meta = {
        "schema": SUITE_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "seeds": seeds,
        "corpus": str(corpus),
        "folds": FOLDS_FILE.name,
        "folds_digest": hashlib.sha256(json.dumps(folds, sort_keys=True).encode()).hexdigest()[:16],
        "max_cases": max_cases,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    summary = {
        **meta,
        "anchors": ANCHORS,
        "sets": [{
            "key": g.key, "name": g.name, "fold": g.fold, "note": g.note, "cases": len(g.run.cases) if g.run else 0,
            "total_cases": g.total, "subsample": g.subsample, "gold_digest": g.run.gold_digest if g.run else "",
            "mode": g.run.mode if g.run else "strict", **g.extra,
            "sections": [s.model_dump() for s in (g.run.sections if g.run else [])],
        } for g in runs],
    }
    markdown = format_markdown(summary)
    (out / "eval.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    (out / "eval.md").write_text(markdown, encoding="utf-8")
    echo(markdown)
    echo(f"wrote {out / 'eval.md'} and {out / 'eval.json'}; per-item outcomes: reportgen eval --show "
         f"{out / 'eval'}/<set>.json")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.suite", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (../shared/corpus)")
    ap.add_argument("--out", type=Path, default=Path(".reportgen"), help="where eval.md, eval.json and eval/ go")
    ap.add_argument("--engine", default="local", choices=["local", "llm"])
    ap.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="random-baseline seeds")
    ap.add_argument("--max-cases", type=int, default=None,
                    help="subsample each corpus set to N cases (by hash of case id; the table says so)")
    args = ap.parse_args(argv)
    try:
        run_suite(args.corpus, args.out, engine=args.engine, seeds=args.seeds, max_cases=args.max_cases)
    except ReportgenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
