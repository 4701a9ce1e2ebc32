"""Two `run_all.py --json` results side by side as one Markdown table (a quiet run and a loaded one).

    python bench/two_runs.py QUIET.json LOADED.json [--rows cli,api,ingest] > table.md

Rows are matched by bench, measure and peer; each run shows ours / peer and the ratio (ours/peer, as in
run_all), then the target and whether each run met it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return str(x)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--names", default="quiet-ish,loaded", help="column names for the two runs")
    ap.add_argument("--rows", help="only these benches (comma-separated)")
    args = ap.parse_args(argv)
    runs = [json.loads(p.read_text())["rows"] for p in (args.first, args.second)]
    keep = set(args.rows.split(",")) if args.rows else None
    names = args.names.split(",")
    order: list[tuple[str, str, str]] = []
    by: list[dict[tuple[str, str, str], dict]] = [{}, {}]
    for i, rows in enumerate(runs):
        for r in rows:
            key = (r["bench"], r["measure"], r["peer_name"])
            if keep is not None and r["bench"] not in keep:
                continue
            by[i][key] = r
            if key not in order:
                order.append(key)
    print(f"| measure | peer | {names[0]} ours / peer | ratio | {names[1]} ours / peer | ratio | target | "
          f"met ({names[0]} / {names[1]}) |")
    print("|---|---|---|---|---|---|---|---|")
    for key in order:
        a, b = by[0].get(key, {}), by[1].get(key, {})
        target = a.get("target") or b.get("target") or ""
        met = " / ".join("–" if r.get("ok") is None else ("ok" if r["ok"] else "miss") for r in (a, b))
        print(f"| {key[0]}: {key[1]} | {key[2]} | {_fmt(a.get('ours'))} / {_fmt(a.get('peer'))} | "
              f"{_fmt(a.get('ratio'))} | {_fmt(b.get('ours'))} / {_fmt(b.get('peer'))} | {_fmt(b.get('ratio'))} | "
              f"{target} | {met if target else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
