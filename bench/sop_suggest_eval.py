"""How often the upload page's SOP suggestion (`reportgen.sop.suggest`) is the right one, on the
validation folds of the shared corpus (reportgen/evals/folds.json), beside the baselines.

Usage: python bench/sop_suggest_eval.py [--corpus ../shared/corpus]

Labels: an AMI meeting should get "Meeting action items"; a CUAD contract (read as a PDF's
text) "Diligence memo". Nothing was tuned on these: the cue lists are the SOPs' own and the
thresholds were set before this ran. Baselines: a uniform random pick (1 / number of SOPs), and
what the page did before (the first SOP by name, preselected). Also counted: how often the
clearly wrong pairing (an interview scorecard for a contract) gets a warning, and how often the
right SOP wrongly gets one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reportgen.sop import find_sops
from reportgen.sop.suggest import SAMPLE_CHARS, rank_sops

ROOT = Path(__file__).resolve().parent.parent


def cases(corpus: Path, split: str = "validation") -> list[tuple[str, str, str, str]]:
    """(name, kind, text, expected SOP id) for every unit of `split` found in the corpus."""
    folds = json.loads((ROOT / "reportgen" / "evals" / "folds.json").read_text())
    out = []
    for meetings in folds["ami"][split].values():
        for m in meetings:
            path = corpus / "ami-dev" / "transcripts" / f"{m}.txt"
            if path.exists():
                out.append((m, "transcript", path.read_text(errors="replace")[:SAMPLE_CHARS], "meeting-action-items"))
    for name in folds["cuad"][split]:
        path = corpus / "cuad-train" / "txt" / (Path(name).stem + ".txt")
        if path.exists():
            out.append((name, "pdf", path.read_text(errors="replace")[:SAMPLE_CHARS], "diligence-memo"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--split", choices=["validation", "fit"], default="validation",
                    help="report on validation (default); look at fit only when changing the suggester")
    ap.add_argument("--show", action="store_true", help="print each wrong suggestion (fit split only)")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus}: pass --corpus PATH (see ../shared/corpus/README.md)")
    sops = list(find_sops().values())
    first_by_name = sorted(sops, key=lambda s: s.name)[0].id
    rows = cases(args.corpus, args.split)
    by_label: dict[str, list[tuple[bool, bool, bool]]] = {}
    for _, kind, text, expected in rows:  # noqa: B007 - the name is printed with --show
        fits = rank_sops(sops, [(kind, text)])
        top = next((f.sop_id for f in fits if f.suggested), None)
        right_warned = next(f for f in fits if f.sop_id == expected).warning is not None
        scorecard_warned = next(f for f in fits if f.sop_id == "interview-scorecard").warning is not None
        by_label.setdefault(expected, []).append((top == expected, right_warned, scorecard_warned))
        if args.show and args.split == "fit" and top != expected:
            print("  wrong:", _, "->", top, [(f.sop_id, f.score, f.cues_found) for f in fits[:3]])
    print(f"{len(rows)} {args.split} sources, {len(sops)} SOPs; random pick = {1 / len(sops):.0%}, "
          f"old preselection ({first_by_name}) = {sum(e == first_by_name for *_, e in rows) / max(len(rows), 1):.0%}")
    print(f"{'expected SOP':<22} {'n':>4} {'top-1 right':>12} {'right SOP warned':>17} {'scorecard warned':>17}")
    for label, res in sorted(by_label.items()):
        n = len(res)
        print(f"{label:<22} {n:>4} {sum(r[0] for r in res) / n:>12.0%} {sum(r[1] for r in res) / n:>17.0%} "
              f"{sum(r[2] for r in res) / n:>17.0%}")
    allres = [r for res in by_label.values() for r in res]
    print(f"{'all':<22} {len(allres):>4} {sum(r[0] for r in allres) / max(len(allres), 1):>12.0%}")


if __name__ == "__main__":
    main()
