"""Every benchmark in one run, summarised as ONE table of ratios against the peers measured in that run.

    python bench/run_all.py [--corpus ../shared/corpus] [--quick] [--only ingest,llm] [--json bench.json]

Each bench/*.py script runs in its own process (as `make bench` always did) with `--json`,
and its numbers are read back from that file, so a script stays usable on its own. The
table compares ours with the peer timed in the same run: bare PDFium and pypdf (PDF text),
naive exact and naive fuzzy matching (grounding), the ideal critical path and the bare
openai client (llm engine), WeasyPrint and LibreOffice (DOCX -> PDF) for the Typst PDF, and
one worker against two (batch API). A ratio is always ours/peer, for times and rates alike. A row has a target (and an
ok/MISS) only where the script itself enforces one; the other rows inform. Scripts that
need the shared corpus are skipped, with a note, when it is not there. Exit status: 1 if
any script failed or missed its target.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.evals.table import format_table  # noqa: E402

Row = dict[str, Any]

# name -> (needs the corpus, extra args, extra args with --quick)
BENCHES: dict[str, tuple[bool, list[str], list[str]]] = {
    "ingest": (True, [], ["--reps", "2"]),
    "grounding": (True, [], ["--quotes", "500", "--naive-fuzzy-sample", "100"]),
    "llm": (False, [], ["--repeat", "1"]),
    "render": (False, [], ["--items", "60", "--repeat", "1"]),
    "api": (False, ["--batch-reps", "2"], ["--rooms", "6", "--clients", "20", "--polls", "5", "--upload-mb", "40"]),
    "offline": (True, [], ["--runs", "3"]),
    "cli": (True, [], ["--reps", "1"]),
}


def _get(data: Any, *path: Any) -> Any:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _row(bench: str, measure: str, ours: Any, peer: Any, ratio: float | None, unit: str = "",
         target: str = "", ok: bool | None = None, peer_name: str = "") -> Row:
    return {"bench": bench, "measure": measure, "ours": ours, "peer": peer, "peer_name": peer_name, "unit": unit,
            "ratio": None if ratio is None else round(ratio, 3), "target": target, "ok": ok}


def _div(a: Any, b: Any) -> float | None:
    try:
        return float(a) / float(b) if a is not None and b not in (None, 0) else None
    except (TypeError, ValueError):
        return None


def rows_ingest(d: dict) -> list[Row]:
    out = []
    for group in ("contracts", "robustness"):
        g = _get(d, "pdf", group) or {}
        if not g:
            continue
        slow = _div(g.get("ours_s"), g.get("pdfium_s"))
        out.append(_row("ingest", f"PDF text, {group} ({g.get('pages')} pages): time", g.get("ours_s"),
                        g.get("pdfium_s"), slow, "s", "<= 1.3", None if slow is None else slow <= 1.3, "bare PDFium"))
        fast = _div(g.get("ours_s"), g.get("pypdf_s"))
        out.append(_row("ingest", f"PDF text, {group}: time", g.get("ours_s"), g.get("pypdf_s"), fast, "s",
                        "<= 0.2", None if fast is None else fast <= 0.2, "pypdf"))
    room = d.get("room_pool") or {}
    if room:
        sp = room.get("speedup")
        pool_s, seq_s = room.get("pool_s"), room.get("sequential_s")
        out.append(_row("ingest", f"data room, {room.get('files')} PDFs on {room.get('workers')} processes: wall",
                        pool_s, seq_s, _div(pool_s, seq_s), "s", "<= 0.556 (1.8x)",
                        None if sp is None else sp >= 1.8 and bool(room.get("identical")),
                        "one after another (1 process)"))
        if room.get("ceiling_speedup"):
            out.append(_row("ingest", f"data room on {room.get('workers')} processes: speedup", round(sp or 0, 2),
                            round(room["ceiling_speedup"], 2), _div(sp, room["ceiling_speedup"]), "x", "", None,
                            "pure CPU work in the same pool (the machine's ceiling now)"))
    for name, t in (_get(d, "transcripts") or {}).items():
        out.append(_row("ingest", f"transcripts {name}: MB/s", round(t.get("mb_per_s", 0), 2), None, None, "MB/s"))
    hour = d.get("whisper_hour") or {}
    if hour:
        ms = hour.get("ours_ms")
        out.append(_row("ingest", f"whisper-style 1 h transcript ({hour.get('kb', 0):.0f} KB) parse", ms,
                        hour.get("previous_ms"), _div(ms, hour.get("previous_ms")), "ms", "<= 20 ms",
                        None if ms is None else ms <= 20 and bool(hour.get("identical")),
                        "previous code (model_construct, noise scan, str.translate)"))
        if hour.get("ours_cpu_ms") is not None:
            cms = hour["ours_cpu_ms"]
            out.append(_row("ingest", "whisper-style 1 h transcript parse, CPU ms (median)", round(cms, 1),
                            round(hour["previous_cpu_ms"], 1), _div(cms, hour["previous_cpu_ms"]), "ms", "<= 20 ms",
                            cms <= 20 and bool(hour.get("identical")), "previous code, CPU ms (median)"))
    sweep = _get(d, "sweep") or []
    if sweep:
        crashed = sum(1 for s in sweep if s.get("outcome") == "CRASH" or s.get("invariant") is False)
        out.append(_row("ingest", f"corpus sweep: crashes of {len(sweep)} runs", crashed, None, None, "",
                        "0", crashed == 0))
    return out


def rows_grounding(d: dict) -> list[Row]:
    out = []
    for peer, p in (_get(d, "peers") or {}).items():
        ratio = _div(d.get("recall"), p.get("recall"))
        out.append(_row("grounding", "recall on ASR-perturbed quotes", d.get("recall"), p.get("recall"), ratio, "",
                        "", None, peer))
        out.append(_row("grounding", "wrong-location rate", d.get("wrong_rate"), p.get("wrong_rate"),
                        _div(d.get("wrong_rate"), p.get("wrong_rate")), "", "ours 0", d.get("wrong", 1) == 0, peer))
        out.append(_row("grounding", "throughput", d.get("quotes_per_s"), p.get("quotes_per_s"),
                        _div(d.get("quotes_per_s"), p.get("quotes_per_s")), "quotes/s", "", None, peer))
    ex = d.get("exact_150kb") or {}
    if ex:
        rate = ex.get("ours_quotes_per_s")
        out.append(_row("grounding", f"verbatim quotes, {ex.get('chars', 0) / 1e3:.0f} KB source", rate,
                        ex.get("tokenise_first_quotes_per_s"), _div(rate, ex.get("tokenise_first_quotes_per_s")),
                        "quotes/s", ">= 10,000", None if rate is None else rate >= 10_000 and bool(ex.get("identical")),
                        "tokenise-first (previous order)"))
        cpu_rate = ex.get("ours_quotes_per_cpu_s")
        if cpu_rate is not None:
            peer = ex.get("tokenise_first_quotes_per_cpu_s")
            out.append(_row("grounding", "verbatim quotes per CPU second", cpu_rate, peer, _div(cpu_rate, peer),
                            "quotes/s", ">= 10,000", cpu_rate >= 10_000 and bool(ex.get("identical")),
                            "tokenise-first (previous order)"))
    return out


def rows_llm(d: dict) -> list[Row]:
    target = d.get("target_ratio", 1.3)
    return [
        _row("llm", f"{d.get('sections')} sections, wall time", d.get("wall_s"), d.get("ideal_s"), d.get("ratio"), "s",
             f"<= {target}", None if d.get("ratio") is None else d["ratio"] <= target, "ideal critical path"),
        _row("llm", "bare openai client, wall time", d.get("bare_client_wall_s"), d.get("ideal_s"),
             d.get("bare_client_ratio"), "s", "", None, "ideal critical path"),
        _row("llm", "engine vs bare client, wall time", d.get("wall_s"), d.get("bare_client_wall_s"),
             _div(d.get("wall_s"), d.get("bare_client_wall_s")), "s", "", None, "bare openai client"),
        _row("llm", "cached re-run: calls to the server", d.get("cached_rerun_calls"), d.get("calls"),
             _div(d.get("cached_rerun_calls"), d.get("calls")), "calls", "0", d.get("cached_rerun_calls") == 0,
             "cold run"),
    ]


def rows_render(d: dict) -> list[Row]:
    lo = d.get("lo_docx_to_pdf_s")
    weasy = d.get("pdf_weasyprint_s", d.get("pdf_s"))
    typst, cpu = d.get("pdf_typst_s"), d.get("pdf_typst_cpu_s")
    out = []
    if typst is not None:
        pages = d.get("pdf_typst_pages")
        out += [
            _row("render", f"PDF of {pages} pages, Typst (default)", typst, weasy, _div(typst, weasy), "s", "", None,
                 "WeasyPrint, same report"),
            _row("render", f"PDF of {pages} pages, Typst (default)", typst, lo, _div(typst, lo), "s", "", None,
                 "LibreOffice DOCX->PDF"),
            # The target is 2 s for a 30-page report; CPU seconds, since a shared machine's load moves wall.
            _row("render", "PDF, Typst, CPU seconds", cpu, d.get("pdf_weasyprint_cpu_s"),
                 _div(cpu, d.get("pdf_weasyprint_cpu_s")), "s", "<= 2 s", None if cpu is None else cpu <= 2,
                 "WeasyPrint CPU seconds"),
            _row("render", "fresh process + one PDF, Typst", d.get("pdf_typst_fresh_process_s"),
                 d.get("pdf_weasyprint_fresh_process_s"),
                 _div(d.get("pdf_typst_fresh_process_s"), d.get("pdf_weasyprint_fresh_process_s")), "s", "", None,
                 "the same with WeasyPrint"),
        ]
    out += [
        _row("render", f"PDF of {d.get('pdf_weasyprint_pages', d.get('pdf_pages'))} pages, WeasyPrint", weasy, lo,
             _div(weasy, lo), "s", "", None, "LibreOffice DOCX->PDF"),
        _row("render", "DOCX, python-docx", d.get("docx_s"), lo, _div(d.get("docx_s"), lo), "s", "", None,
             "LibreOffice DOCX->PDF"),
    ]
    sr = d.get("scale_ratio")
    out.append(_row("render", "HTML+MD+DOCX at 4x the items", d.get("scale_500_s"), d.get("scale_125_s"), sr, "s",
                    "< 8", None if sr is None else sr < 8, "1x the items"))
    return out


def rows_api(d: dict) -> list[Row]:
    out = []
    batch = d.get("batch") or []
    if len(batch) >= 2:
        med = d.get("batch_median_s") or {"1": batch[0].get("total_s"), "2": batch[1].get("total_s")}
        r = _div(med.get("2"), med.get("1"))
        # how much of the machine other processes took meanwhile: a second worker needs a free core
        others = max((b.get("others_cores") or 0 for b in batch), default=0)
        out.append(_row("api", f"batch of {batch[0].get('rooms')} rooms, wall time, 2 workers "
                               f"(others used up to {others} cores)", med.get("2"),
                        med.get("1"), r, "s", "", None, "1 worker"))
        cpu = {w: sorted(b["cpu_s"] for b in batch if b.get("workers") == w and b.get("cpu_s") is not None)
               for w in (1, 2)}
        if cpu[1] and cpu[2]:  # what a second worker costs, whatever share of the machine the run got
            c1, c2 = cpu[1][len(cpu[1]) // 2], cpu[2][len(cpu[2]) // 2]
            out.append(_row("api", f"batch of {batch[0].get('rooms')} rooms, CPU seconds, 2 workers", c2, c1,
                            _div(c2, c1), "s", "", None, "1 worker"))
    polls = d.get("status_poll") if isinstance(d.get("status_poll"), dict) else {}
    if "p99_ms" in polls:  # an older api.py wrote one measurement, not one per way of polling
        polls = {"clients in the bench process": polls}
    for name, p in polls.items():
        if isinstance(p, dict) and "p99_ms" in p:
            out.append(_row("api", f"status poll p99, {name}", p.get("p99_ms"), p.get("p50_ms"),
                            _div(p.get("p99_ms"), p.get("p50_ms")), "ms", "", None, "its p50"))
            plain = polls.get(name.replace("If-None-Match (304), ", ""))
            if "If-None-Match" in name and isinstance(plain, dict):  # the 304 path beside the 200 path, same run
                out.append(_row("api", f"status poll p99, 304 vs 200, {name.replace('If-None-Match (304), ', '')}",
                                p.get("p99_ms"), plain.get("p99_ms"), _div(p.get("p99_ms"), plain.get("p99_ms")),
                                "ms", "", None, "the same pollers without If-None-Match (200)"))
                cpu, cpu200 = p.get("server_cpu_ms_per_request"), plain.get("server_cpu_ms_per_request")
                out.append(_row("api", f"status poll server CPU/request, 304 vs 200, "
                                       f"{name.replace('If-None-Match (304), ', '')}", cpu, cpu200, _div(cpu, cpu200),
                                "ms", "", None, "the same pollers without If-None-Match (200)"))
    floor = polls.get("bare Starlette floor, clients in the bench process")
    ours = polls.get("API key, clients in the bench process")
    if isinstance(floor, dict) and isinstance(ours, dict):  # the status route against what any Python server pays
        p99 = ours.get("p99_ms")
        out.append(_row("api", f"status poll p99, {ours.get('clients')} clients, API key", p99, floor.get("p99_ms"),
                        _div(p99, floor.get("p99_ms")), "ms", "<= 50 ms", None if p99 is None else p99 <= 50,
                        "bare Starlette, same body from memory"))
        cpu, fcpu = ours.get("server_cpu_ms_per_request"), floor.get("server_cpu_ms_per_request")
        out.append(_row("api", "status poll server CPU/request, API key", cpu, fcpu, _div(cpu, fcpu), "ms", "",
                        None, "bare Starlette, same body from memory"))
    up = d.get("upload") or []
    if len(up) >= 2:
        r = _div(up[1].get("rss_peak_mb"), up[0].get("rss_peak_mb"))
        out.append(_row("api", f"upload peak RSS, {up[1].get('zip_mb')} MB zip", up[1].get("rss_peak_mb"),
                        up[0].get("rss_peak_mb"), r, "MB", "", None, f"{up[0].get('zip_mb')} MB zip"))
    return out


def rows_offline(d: dict) -> list[Row]:
    return [_row("offline", f"offline engine, 1 h transcript, {r['sop']}: CPU", r["engine_cpu_s"], r["bm25_cpu_s"],
                 r["ratio"], "s", f"<= {d.get('budget_s')} s", r["ok"], "BM25 ranking of every section")
            for r in d.get("rows") or []]


def rows_cli(d: dict) -> list[Row]:
    what = {"transcript": "1 h transcript -> JSON+DOCX+PDF, whole CLI",
            "room": f"{d.get('contracts')}-contract room -> diligence memo JSON+DOCX+PDF, whole CLI"}
    out = []
    for r in d.get("rows") or []:
        out.append(_row("cli", f"{what.get(r['name'], r['name'])}: wall", r["ours_wall_s"], r["json_only_wall_s"],
                        _div(r["ours_wall_s"], r["json_only_wall_s"]), "s", f"<= {r['target_s']:g} s", r["ok"],
                        "the same command, JSON only"))
        out.append(_row("cli", f"{what.get(r['name'], r['name'])}: CPU", r["ours_cpu_s"], r["json_only_cpu_s"],
                        _div(r["ours_cpu_s"], r["json_only_cpu_s"]), "s", "", None, "the same command, JSON only"))
    return out


EXTRACT: dict[str, Callable[[dict], list[Row]]] = {
    "ingest": rows_ingest, "grounding": rows_grounding, "llm": rows_llm, "render": rows_render, "api": rows_api,
    "offline": rows_offline, "cli": rows_cli,
}


def run_bench(name: str, corpus: Path | None, quick: bool, out_dir: Path, timeout: float) -> dict[str, Any]:
    needs_corpus, args, quick_args = BENCHES[name]
    script = ROOT / "bench" / f"{name}.py"
    if needs_corpus and corpus is None:
        return {"status": "skipped", "note": "needs the shared corpus: pass --corpus ../shared/corpus"}
    json_path = out_dir / f"{name}.json"
    cmd = [sys.executable, str(script), *args, *(quick_args if quick else []), "--json", str(json_path)]
    if needs_corpus:
        cmd += ["--corpus", str(corpus)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "note": f"timed out after {timeout:.0f} s", "seconds": timeout}
    seconds = round(time.perf_counter() - t0, 1)
    data = json.loads(json_path.read_text()) if json_path.is_file() else None
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-4:])
    status = "ok" if proc.returncode == 0 else ("missed-target" if data is not None else "failed")
    return {"status": status, "rc": proc.returncode, "seconds": seconds, "command": " ".join(cmd[1:]),
            "output": proc.stdout, "tail": tail, "results": data}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, help="the shared corpus (ingest and grounding need it)")
    ap.add_argument("--quick", action="store_true", help="smaller runs of each benchmark (minutes, not many)")
    ap.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark script")
    ap.add_argument("--json", type=Path, help="write the table and every script's results here")
    ap.add_argument("--verbose", "-v", action="store_true", help="print each script's own output too")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    corpus = args.corpus
    if corpus is not None and not corpus.is_dir():
        print(f"error: no corpus at {corpus}; pass --corpus PATH to the shared corpus, or leave it out to skip "
              "the benchmarks that need it.", file=sys.stderr)
        return 2
    runs: dict[str, dict[str, Any]] = {}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        for name in names:
            print(f"== bench/{name}.py", flush=True)
            r = run_bench(name, corpus, args.quick, Path(tmp), args.timeout)
            runs[name] = r
            if args.verbose and r.get("output"):
                print(r["output"].rstrip())
            print(f"   {r['status']}" + (f" in {r['seconds']} s" if "seconds" in r else "")
                  + (f": {r['note']}" if r.get("note") else ""), flush=True)
            if r["status"] == "failed" and r.get("tail"):
                print("   " + r["tail"].replace("\n", "\n   "))
            if r.get("results"):
                rows += EXTRACT[name](r["results"])
    table = format_table(
        ["bench", "measure", "ours", "peer", "ratio", "target", "ok", "peer is"],
        [[r["bench"], r["measure"], r["ours"], r["peer"], r["ratio"], r["target"],
          "" if r["ok"] is None else ("ok" if r["ok"] else "MISS"), r["peer_name"]] for r in rows],
        digits=3,
    )
    print()
    print(table)
    bad = [n for n, r in runs.items() if r["status"] in ("failed", "missed-target")]
    skipped = [n for n, r in runs.items() if r["status"] == "skipped"]
    if skipped:
        print(f"\nskipped (no corpus): {', '.join(skipped)}")
    if bad:
        print("\nnot ok: " + ", ".join(f"{n} ({runs[n]['status']})" for n in bad))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        slim = {n: {k: v for k, v in r.items() if k != "output"} for n, r in runs.items()}
        args.json.write_text(json.dumps({"rows": rows, "benches": slim, "quick": args.quick}, indent=2))
        print(f"wrote {args.json}")
    return 1 if bad or any(r["ok"] is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
