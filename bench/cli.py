"""Whole-CLI wall and CPU time where a user waits at the terminal, each beside the same command writing JSON only.

    python bench/cli.py --corpus ../shared/corpus [--reps 3] [--json out.json]

Two commands, each a fresh `python -m reportgen.cli generate ... -q` (imports, ingest, engine, grounding,
rendering, writing; everything a user waits for), timed from spawn to exit, with CPU seconds of the process
and its children (the ingest pool, Typst's threads) from `resource.getrusage`:

* a 1 h transcript (`transcripts/latent-space-podcast.whisper.txt`, expert-call-notes) to JSON + DOCX + PDF,
  target <= 3 s (issue 15);
* a 14-contract room (`pdfs/cuad/*`, diligence-memo) to JSON + DOCX + PDF, target <= 10 s.

The peer is the same command with `-o x.json` only, run interleaved in the same run, so the ratio is what the
DOCX and PDF add. Median of `--reps`. The load average is recorded beside each, since a shared machine's load
moves wall time; CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPT = "transcripts/latent-space-podcast.whisper.txt"
TARGETS = {"transcript": 3.0, "room": 10.0}


def run(args: list[str], out_dir: Path, formats: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the command and its children) of one fresh CLI run."""
    outs = [a for f in formats for a in ("-o", str(out_dir / f"report.{f}"))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reportgen.cli", "generate", *args, *outs, "-q"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"reportgen generate failed:\n{proc.stderr[-2000:]}")
    missing = [f for f in formats if not (out_dir / f"report.{f}").is_file()]
    if missing:
        raise SystemExit(f"no report.{missing[0]} written")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(name: str, args: list[str], reps: int, tmp: Path) -> dict:
    times: dict[str, list[tuple[float, float]]] = {"all": [], "json": []}
    loads = [os.getloadavg()[0]]
    for rep in range(reps):
        for key in (("all", "json") if rep % 2 == 0 else ("json", "all")):
            out = tmp / f"{name}-{key}-{rep}"
            out.mkdir()
            times[key].append(run(args, out, ["json", "docx", "pdf"] if key == "all" else ["json"]))
    loads.append(os.getloadavg()[0])
    row = {"name": name, "reps": reps, "target_s": TARGETS[name], "load_average_1min": [round(x, 1) for x in loads]}
    for key, label in (("all", "ours"), ("json", "json_only")):
        row[f"{label}_wall_s"] = round(statistics.median(t[0] for t in times[key]), 2)
        row[f"{label}_cpu_s"] = round(statistics.median(t[1] for t in times[key]), 2)
    row["ok"] = row["ours_wall_s"] <= TARGETS[name]
    print(f"{name}: JSON+DOCX+PDF {row['ours_wall_s']} s wall, {row['ours_cpu_s']} s CPU; JSON only "
          f"{row['json_only_wall_s']} s wall, {row['json_only_cpu_s']} s CPU (target {TARGETS[name]} s wall: "
          f"{'ok' if row['ok'] else 'MISS'}; load average {loads[0]:.1f} -> {loads[1]:.1f})", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    transcript = args.corpus / TRANSCRIPT
    contracts = sorted(p for p in (args.corpus / "pdfs" / "cuad").glob("*") if p.suffix.lower() == ".pdf")
    if not transcript.is_file() or not contracts:
        print(f"{transcript} or pdfs/cuad/*.pdf is missing: pass --corpus ../shared/corpus", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-cli-") as tmp:
        rows.append(measure("transcript", [str(transcript), "--sop", "expert-call-notes", "--engine", "local"],
                            args.reps, Path(tmp)))
        rows.append(measure("room", [*map(str, contracts), "--sop", "diligence-memo", "--engine", "local"],
                            args.reps, Path(tmp)))
    out = {"rows": rows, "contracts": len(contracts)}
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
