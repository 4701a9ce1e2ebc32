"""llm engine benchmark: wall time against the ideal, and a cached re-run that makes no calls.

The fake OpenAI-compatible server (reportgen.testing) answers every call after a fixed
latency, in its own process as a real endpoint would be. With S sections and concurrency C
the ideal wall time is latency x ceil(S / C) rounds; the engine's overhead (prompt building,
grounding, re-ask checks, ledger and cache writes, the openai client itself) is the excess
over that. Target: at most 1.3x. Then the same report again: every call must come from the
cache, so the server sees 0 calls.

    python bench/llm.py [--latency 0.3] [--sections 8] [--concurrency 4] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reportgen.config import Settings
from reportgen.extract.llm import LLMExtractor
from reportgen.pipeline import extract_all, make_run
from reportgen.testing import serve_fake_openai, serve_fake_openai_process
from reportgen.testing.samples import meeting_sop, transcript

TARGET = 1.3


def run(extractor: LLMExtractor, sop, docs) -> tuple[float, list]:
    t = time.perf_counter()
    drafts = asyncio.run(extract_all(extractor, make_run(sop, docs)))
    return time.perf_counter() - t, drafts


def extractor_ledger(settings: Settings) -> list:
    from reportgen.ledger import SqliteCallLog

    return [r for r in SqliteCallLog.in_dir(settings.data_dir).calls() if not r.cached]


async def bare_client(base_url: str, messages: list, concurrency: int) -> float:
    import openai

    client = openai.AsyncOpenAI(api_key="bench", base_url=base_url,
                                http_client=openai.DefaultAsyncHttpxClient(verify=False))
    sem = asyncio.Semaphore(concurrency)

    async def one(msgs: list) -> None:
        async with sem:
            await client.chat.completions.create(model="gpt-4o-mini", messages=msgs,
                                                 response_format={"type": "json_object"})

    t = time.perf_counter()
    await asyncio.gather(*(one(m) for m in messages))
    elapsed = time.perf_counter() - t
    await client.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--sections", type=int, default=8)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--mode", choices=["tools", "json_schema", "json"], default="tools")
    ap.add_argument("--in-process", action="store_true", help="run the fake server in this process (shares the GIL)")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs; the median wall time is reported")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    args = ap.parse_args(argv)

    docs = [transcript(extra=40)]
    sop = meeting_sop(args.sections)
    rounds = math.ceil(args.sections / args.concurrency)
    ideal = args.latency * rounds
    serve = serve_fake_openai if args.in_process else serve_fake_openai_process
    with tempfile.TemporaryDirectory() as tmp, serve(latency=args.latency) as server:
        def settings(data: str) -> Settings:
            return Settings(openai_base_url=str(server), model="gpt-4o-mini", llm_mode=args.mode,
                            max_concurrency=args.concurrency, data_dir=Path(tmp) / data, timeout=30)

        def calls() -> int:
            return server.calls if hasattr(server, "calls") else server.stats()["calls"]

        # Warm-up on a throwaway cache, not measured: imports, and the per-process compilation of
        # the SOP's response models, which a long-running service pays once, not per report.
        run(LLMExtractor(settings("warmup")), sop, docs)
        walls = []
        for i in range(args.repeat):  # each on a fresh (cold) cache; the median is the result
            before = calls()
            wall_i, drafts = run(LLMExtractor(settings(f"data{i}")), sop, docs)
            walls.append(wall_i)
            cold_calls = calls() - before
        wall = statistics.median(walls)
        # Peer: the bare openai client sending the same messages at the same concurrency, with no
        # engine around it: the floor this machine and transport allow.
        sent = [r.messages for r in extractor_ledger(settings(f"data{args.repeat - 1}"))]
        floors = [asyncio.run(bare_client(str(server), sent, args.concurrency)) for _ in range(args.repeat)]
        floor = statistics.median(floors)
        usage = drafts[0].usage
        for d in drafts[1:]:
            usage = usage.add(d.usage)
        before = calls()
        cached_wall, cached = run(LLMExtractor(settings(f"data{args.repeat - 1}")), sop, docs)
        cached_http = calls() - before
        cached_hits = sum(d.usage.cached_calls for d in cached)
        failed = [d.section_id for d in drafts if d.failed]

    ratio = wall / ideal
    result = {
        "sections": args.sections,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "mode": args.mode,
        "server": "in-process" if args.in_process else "subprocess",
        "rounds": rounds,
        "ideal_s": round(ideal, 3),
        "wall_s": round(wall, 3),
        "wall_runs_s": [round(w, 3) for w in walls],
        "ratio": round(ratio, 3),
        "bare_client_wall_s": round(floor, 3),
        "bare_client_ratio": round(floor / ideal, 3),
        "target_ratio": TARGET,
        "calls": cold_calls,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": usage.cost_usd,
        "failed_sections": failed,
        "cached_rerun_wall_s": round(cached_wall, 3),
        "cached_rerun_calls": cached_http,
        "cached_rerun_cache_hits": cached_hits,
    }
    print(f"llm engine, {args.sections} sections, concurrency {args.concurrency}, "
          f"latency {args.latency * 1000:.0f} ms, mode {args.mode}, server {result['server']}, "
          "warm process, cold cache")
    print(f"  wall {wall:.3f} s (median of {', '.join(f'{w:.3f}' for w in walls)}) vs ideal {ideal:.3f} s "
          f"({rounds} rounds): ratio {ratio:.2f}x "
          f"(target <= {TARGET}x) {'OK' if ratio <= TARGET else 'OVER'}")
    print(f"  peer: bare openai client, same {len(sent)} requests, same concurrency: {floor:.3f} s, "
          f"ratio {floor / ideal:.2f}x (engine overhead over it: {wall - floor:+.3f} s)")
    print(f"  calls {cold_calls}, tokens {usage.input_tokens} in / {usage.output_tokens} out, "
          f"cost ${usage.cost_usd:.5f}")
    print(f"  cached re-run: {cached_http} calls to the server, {cached_hits} cache hits, {cached_wall:.3f} s "
          f"{'OK' if cached_http == 0 else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ratio <= TARGET and cached_http == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
