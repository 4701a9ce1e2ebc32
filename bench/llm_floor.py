"""The AMI validation fold cut to what a small local model can read on two CPU cores: the gold set behind
docs/llm.md's "The floor of the llm path" table.

    python -m reportgen.evals.convert ami ../shared/corpus/ami-dev ami-val.jsonl      # validation fold
    python bench/llm_floor.py ami-val.jsonl ami-floor.jsonl --shortest 3                # the cut
    reportgen eval --gold ami-floor.jsonl --engine local -o floor-local.json
    OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 REPORTGEN_MODEL=qwen2.5-coder-0.5b \\
        reportgen eval --gold ami-floor.jsonl --engine llm -o floor-llm.json
    reportgen eval --compare floor-local.json floor-llm.json

Two cuts, both chosen by size and never by outcome:

- `--shortest K`: the K meetings of the fold with the fewest words, whole. Nothing inside a meeting
  is cut, so every section stays exhaustive and its gold is the annotators' own.
- `--sections`: score only the named sections (each is one call per meeting, or more).
- `--turns N` (with `--first K`): the first K meetings in id order, each cut to its first N turns.
  A gold item is kept when all its evidence lines are among the kept turns; items with no evidence
  line, or with some beyond the cut, are dropped (the count is printed), since what they summarise
  may lie in the part cut away.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _words(case: dict[str, Any]) -> int:
    return sum(len(t["text"].split()) for s in case["sources"] for t in s["turns"])


def cut_turns(case: dict[str, Any], n: int) -> tuple[dict[str, Any], int]:
    """`case` with each source cut to its first `n` turns; returns it and the number of gold items dropped."""
    out = json.loads(json.dumps(case))
    dropped = 0
    for src in out["sources"]:
        src["turns"] = src["turns"][:n]
    for sec in out["sections"].values():
        kept = []
        for item in sec["items"]:
            lines = [t for e in item.get("evidence", []) for t in e.get("turns", [])]
            if lines and max(lines) < n:
                kept.append(item)
            else:
                dropped += 1
        sec["items"] = kept
    out["meta"] = {**out.get("meta", {}), "cut": f"first {n} turns", "turns": n}
    return out, dropped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path, help="the converted validation fold (JSONL)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--shortest", type=int, help="keep the K meetings with the fewest words, whole")
    ap.add_argument("--first", type=int, default=3, help="with --turns: the first K meetings in id order")
    ap.add_argument("--turns", type=int, help="cut each of the first K meetings to its first N turns")
    ap.add_argument("--sections", nargs="+", help="score only these sections (each costs a call per meeting)")
    args = ap.parse_args()
    cases = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    if (args.shortest is None) == (args.turns is None):
        ap.error("choose one cut: --shortest K, or --turns N (with --first K)")
    dropped = 0
    if args.shortest is not None:
        chosen = sorted(cases, key=lambda c: (_words(c), c["id"]))[: args.shortest]
        chosen.sort(key=lambda c: c["id"])
    else:
        chosen = []
        for case in sorted(cases, key=lambda c: c["id"])[: args.first]:
            cut, d = cut_turns(case, args.turns)
            chosen.append(cut)
            dropped += d
    for c in chosen:
        if args.sections:
            c["sections"] = {k: v for k, v in c["sections"].items() if k in args.sections}
    args.out.write_text("".join(json.dumps(c) + "\n" for c in chosen), encoding="utf-8")
    for c in chosen:
        items = {k: len(v["items"]) for k, v in c["sections"].items()}
        turns = sum(len(s["turns"]) for s in c["sources"])
        print(f"{c['id']}: {turns} turns, {_words(c)} words, gold {items}", file=sys.stderr)
    print(f"wrote {args.out}: {len(chosen)} of {len(cases)} meetings"
          + (f"; {dropped} gold items dropped (evidence beyond the cut, or none)" if dropped else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
