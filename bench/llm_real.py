"""The llm engine against a real server, per request mode: calls, re-asks, tokens, wall time, and how its
quotes were located. The numbers behind docs/llm.md's "A small local model" table.

    python bench/llm_real.py --url http://127.0.0.1:8088/v1 --model qwen2.5-coder-0.5b \\
        --source ../shared/corpus/transcripts/latent-space-podcast.whisper.txt --minutes 3 --json out.json

Each mode runs with an empty cache, then once more from the cache (which must make 0 calls). A
mode the server refuses falls back (json_schema -> tools -> json), and the row says so.

`--cite id verbatim` runs every mode twice: with the prompt that asks for each quote as its line's
id and words (the engine's default, reportgen.extract.citing), and with the older prompt that asks
for the words alone. The "items located" column is the comparison: items with at least one quote
found in the sources. `--sections` keeps a few of the SOP's sections, to fit a CPU budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.config import Settings  # noqa: E402
from reportgen.extract.llm import LLMExtractor  # noqa: E402
from reportgen.ingest import ingest  # noqa: E402
from reportgen.models import Document, Report  # noqa: E402
from reportgen.pipeline import agenerate, resolve_sop  # noqa: E402
from reportgen.sop import SOP  # noqa: E402
from reportgen.testing.samples import meeting_sop, transcript  # noqa: E402

_STAMP = re.compile(r"^\s*\[?(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,]\d+)?")


def cut_minutes(path: Path, minutes: float, out_dir: Path) -> Path:
    """The source's lines up to the first timestamp at or past `minutes` (a timed transcript cut short)."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _STAMP.match(line)
        if m:
            seconds = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
            if seconds >= minutes * 60:
                break
        kept.append(line)
    out = out_dir / f"{path.stem}.first{minutes:g}min{path.suffix}"
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


def run_mode(
    args: argparse.Namespace, docs: list[Document], sop: SOP, mode: str, cite: str, data_dir: Path
) -> dict[str, Any]:
    settings = Settings(openai_base_url=args.url, model=args.model, llm_mode=mode, data_dir=data_dir,
                        max_reasks=args.reasks, max_concurrency=1, context_window=args.ctx,
                        max_output_tokens=args.max_output, timeout=args.timeout, max_retries=1)
    row: dict[str, Any] = {"mode": mode, "cite": cite}
    for label in ("first", "cached"):
        engine = LLMExtractor(settings)
        engine.cite = cite
        t0 = time.perf_counter()
        try:
            report: Report | None = asyncio.run(agenerate(docs, sop, engine=engine))
            error = None
        except Exception as e:  # noqa: BLE001 - a failed run is a result here
            report, error = None, f"{type(e).__name__}: {e}"
        wall = round(time.perf_counter() - t0, 1)
        calls = engine.ledger.calls(engine.last_run_id or "")
        if label == "cached":
            row["cached_wall_s"] = wall
            row["cached_http_calls"] = sum(1 for c in calls if not c.cached)
            continue
        row.update({
            "wall_s": wall,
            "error": error,
            "http_calls": sum(1 for c in calls if not c.cached),
            "refused": sum(1 for c in calls if c.error and "refused" in c.error),
            "failed_calls": sum(1 for c in calls if c.error and "refused" not in c.error),
            "reasks": sum(1 for c in calls if c.reask > 0),
            "input_tokens": sum(c.input_tokens for c in calls),
            "output_tokens": sum(c.output_tokens for c in calls),
            "answered_in": dict(engine.last_modes),
            "quotes_resolved": dict(engine.last_quotes),
            "gen_tokens_per_s": _gen_speed(calls),
        })
        if report is not None:
            v = report.verification()
            row.update({
                "sections": {s.id: s.status for s in report.sections},
                "items": v["items"],
                "items_located": sum(any(c.located for c in i.citations)
                                     for s in report.sections for i in s.findings()),
                "items_supported": v["items_supported"],
                "citations": v["citations"],
                "by_status": v["by_status"],
                "support": dict(Counter(i.support for s in report.sections for i in s.items)),
                "notes": [i.message for i in report.issues if i.code == "engine-note"],
            })
    return row


def _gen_speed(calls: list[Any]) -> float | None:
    """Output tokens per second of wall time over answered calls (prompt reading included: what a user waits)."""
    answered = [c for c in calls if not c.cached and not c.error and c.latency_s]
    secs = sum(c.latency_s for c in answered)
    return round(sum(c.output_tokens for c in answered) / secs, 2) if secs else None


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| mode | quotes asked as | answered in | HTTP calls | refused | re-asks | tokens in/out | wall | items | "
            "items located | exact | normalized | fuzzy | unsupported | quotes by id | cached re-run |")
    out = [head, "|" + "---|" * 16]
    for r in rows:
        bs = r.get("by_status", {})
        q = r.get("quotes_resolved", {})
        by_id = sum(v for k, v in q.items() if k != "verbatim")
        out.append(
            f"| {r['mode']} | {'id + words' if r['cite'] == 'id' else 'words'} | "
            f"{', '.join(r.get('answered_in', {})) or '-'} | {r['http_calls']} | {r['refused']} | "
            f"{r['reasks']} | {r['input_tokens']}/{r['output_tokens']} | {r['wall_s']:.0f} s | {r.get('items', '-')} | "
            f"{r.get('items_located', '-')} | "
            f"{bs.get('exact', 0)} | {bs.get('normalized', 0)} | {bs.get('fuzzy', 0)} | {bs.get('unsupported', 0)} | "
            f"{by_id} of {sum(q.values())} | {r['cached_http_calls']} calls, {r['cached_wall_s']:.1f} s |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--source", type=Path, help="a transcript; without it, the real-server test's eight-line one")
    ap.add_argument("--minutes", type=float, default=3.0, help="cut a timed transcript to its first N minutes")
    ap.add_argument("--sop", default="meeting-action-items")
    ap.add_argument("--sections", nargs="+", help="only these sections of the SOP (ids)")
    ap.add_argument("--modes", nargs="+", default=["json_schema", "tools", "json"])
    ap.add_argument("--cite", nargs="+", default=["id"], choices=["id", "verbatim"],
                    help="how quotes are asked for: line id + words (the default prompt), words alone")
    ap.add_argument("--ctx", type=int, default=8192)
    ap.add_argument("--max-output", type=int, default=512)
    ap.add_argument("--reasks", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.source is None:
            docs = [transcript()]
        else:
            source = cut_minutes(args.source, args.minutes, Path(tmp)) if args.minutes else args.source
            docs = ingest(source)
        print(f"{docs[0].filename}: {sum(len(d.segments) for d in docs)} segments", file=sys.stderr)
        # Without --source: the real-server test's transcript and SOP (tests/test_llm_real.py), so a row
        # here compares with that test's rows.
        sop = resolve_sop(args.sop) if args.source else SOP(
            id="real-llm", name="Real LLM check", version=1, sections=meeting_sop(3).sections[1:3])
        if args.sections:
            unknown = set(args.sections) - {s.id for s in sop.sections}
            if unknown:
                ap.error(f"no section(s) {', '.join(sorted(unknown))} in {sop.id}: {[s.id for s in sop.sections]}")
            sop = sop.model_copy(update={"sections": [s for s in sop.sections if s.id in args.sections]})
        rows = []
        for cite in args.cite:
            for mode in args.modes:
                rows.append(run_mode(args, docs, sop, mode, cite, Path(tmp) / f"{mode}-{cite}"))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
