"""Service benchmark: real `reportgen serve` (uvicorn) on 127.0.0.1, driven by httpx.

    python bench/api.py [--rooms 20] [--clients 100] [--polls 20] [--upload-mb 200] [--json out.json]
                        [--loadgen-procs 2] [--client aiohttp|httpx] [--only poll]

1. Batch throughput: one zip holding `--rooms` data rooms (a folder per company, two
   generated meeting transcripts each) through POST /v1/batches/upload on the local engine,
   timed from the POST until every room's report is done, with 1 in-process worker and
   with 2 (fresh data directory each). Reports rooms/minute and the 2-vs-1 ratio.
2. Status polling: `--clients` concurrent clients each GET /v1/reports/{id} `--polls`
   times against the server while idle after the batch; latency p50/p99 and requests/s.
   Measured four ways, because the load generator is Python too and shares the two CPUs:
   keyless (the loopback default) and with an API key (the real path, through the key
   cache); with the clients in this process and spread over `--loadgen-procs` separate
   processes; and with those processes pinned to the last CPU while the server (and its
   worker processes) is pinned to the others, so server and load do not compete for a core.
   The keyed in-process and separate-process runs are each followed by the same pollers
   sending back the ETag they hold (If-None-Match), so the 304 path sits beside the 200 one.
3. Upload memory: the server's peak RSS (server and its worker processes, sampled every
   20 ms) while it receives and unpacks a zip of `--upload-mb` MB, and of a quarter of that,
   so "bounded, not proportional" is a comparison, not a claim. The zip's bulk is 1 MB
   incompressible image members (sniffed and skipped: this measures transport and the zip
   path, not PDF parsing) plus ten transcripts that are parsed and stored.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import aiohttp
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.procs import free_port  # noqa: E402
from tests.service_fixtures import meeting_bytes  # noqa: E402 - generated sources shared with the tests


class Server:
    def __init__(self, data_dir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "REPORTGEN_DATA_DIR": str(data_dir), "REPORTGEN_WORKERS": str(workers),
               "REPORTGEN_TENANT_CONCURRENCY": "8", "REPORTGEN_MAX_UPLOAD_BYTES": str(2 * 1024**3)}
        for var in ("DATABASE_URL", "REPORTGEN_BROKER_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
            env.pop(var, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reportgen.cli", "serve", "--port", str(self.port)], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("reportgen serve did not start")

    def cpu(self) -> float:
        """CPU seconds of the server and its processes (job workers, fork server) so far."""
        try:
            p = psutil.Process(self.proc.pid)
            return sum(sum(x.cpu_times()[:2]) for x in [p, *p.children(recursive=True)])
        except psutil.Error:
            return 0.0

    def wait_warm(self, timeout: float = 60.0) -> float:
        """Wait until the server's processes stop using CPU (its job workers have started and warmed up),
        so a batch measures a running server, not its start; returns the seconds waited."""
        t0 = time.perf_counter()
        last = self.cpu()
        while time.perf_counter() - t0 < timeout:
            time.sleep(0.5)
            cur = self.cpu()
            if cur - last < 0.05:
                break
            last = cur
        return time.perf_counter() - t0

    def rss(self) -> int:
        try:
            p = psutil.Process(self.proc.pid)
            return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)])
        except psutil.Error:
            return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


FLOOR_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
body = open(sys.argv[2], "rb").read()

async def status(request):
    return Response(body, media_type="application/json", headers={"ETag": '"floor"', "Cache-Control": "no-cache"})

uvicorn.run(Starlette(routes=[Route("/v1/reports/{report_id}", status)]), host="127.0.0.1", port=int(sys.argv[1]),
            access_log=False, log_level="warning")
"""


class Floor(Server):
    """The floor for a status poll: bare Starlette on the same uvicorn (uvloop, httptools, no access log), one
    route answering a real status body from memory, no auth, no database. What any Python server pays per
    request on this machine, measured by the same pollers in the same run."""

    def __init__(self, body_file: Path) -> None:  # noqa: D107 - Server's fields, another process
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(self.port), str(body_file)], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/v1/reports/x", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the bare Starlette floor did not start")


def rooms_zip(rooms: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(rooms):
            name = f"company-{i:02d}"
            zf.writestr(f"dataroom/{name}/call-1.txt", meeting_bytes(extra=300 + 7 * i, company=name))
            zf.writestr(f"dataroom/{name}/call-2.txt", meeting_bytes(extra=150 + 3 * i, company=name + " board"))
    return buf.getvalue()


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat: what every process used."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz


def run_batch(workers: int, zip_bytes: bytes, tmp: Path, tag: str = "") -> dict:
    server = Server(tmp / f"batch-{workers}{tag}", workers)
    try:
        warm_s = server.wait_warm()
        with httpx.Client(base_url=server.base, timeout=600) as c:
            cpu0, (busy0, all0) = server.cpu(), machine_busy()
            t0 = time.perf_counter()
            r = c.post("/v1/batches/upload", files={"file": ("rooms.zip", zip_bytes)},
                       data={"sop": "meeting-action-items", "engine": "local"})
            r.raise_for_status()
            batch = r.json()
            uploaded = time.perf_counter() - t0
            while batch["state"] in ("queued", "running"):
                time.sleep(0.2)
                batch = c.get(f"/v1/batches/{batch['id']}").json()
            total = time.perf_counter() - t0
            cpu = server.cpu() - cpu0
            busy1, all1 = machine_busy()
        cores = os.cpu_count() or 1
        # other processes' share of the machine meanwhile: a second worker can only use a core nobody else does
        others = (busy1 - busy0 - cpu) / (all1 - all0) * cores if all1 > all0 else None
        return {"workers": workers, "cpu_s": round(cpu, 2), "cores_used": round(cpu / total, 2),
                "others_cores": None if others is None else round(max(0.0, others), 2),
                "warm_s": round(warm_s, 1), "rooms": len(batch["reports"]), "state": batch["state"],
                "counts": batch["counts"], "upload_s": round(uploaded, 2), "total_s": round(total, 2),
                "rooms_per_min": round(60 * len(batch["reports"]) / total, 1),
                "report_ids": [x["report_id"] for x in batch["reports"]], "server": server}
    except BaseException:
        server.stop()
        raise


async def _poll(base: str, report_ids: list[str], clients: int, polls: int, headers: dict, first: int = 0,
                client: str = "aiohttp", conditional: bool = False) -> tuple[list[float], list[str], float, float, int]:
    """Latencies (s) of `clients` concurrent pollers, their errors, the wall-clock start and end (epoch s),
    and how many answers were 304s.

    `conditional`: each poller sends back the ETag it last got (If-None-Match), as a client that
    polls politely does, so an unchanged status comes back as a bodiless 304.

    aiohttp by default: httpx's async pool spends several ms of CPU per request at 100
    connections, so with httpx the load generator, not the server, sets the numbers
    (`--client httpx` shows it).
    """
    latencies: list[float] = []
    not_modified = 0
    tags: dict[str, str] = {}  # path -> the ETag last seen (shared: pollers of one report see one status)
    errors: list[str] = []  # counted, not fatal: an overloaded client's dropped keep-alive is a result too
    if client == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        session = httpx.AsyncClient(base_url=base, timeout=60, limits=limits, headers=headers)

        async def get(path: str) -> int:
            r = await session.get(path, headers={"If-None-Match": tags[path]} if path in tags else None)
            if r.status_code != 304:
                r.raise_for_status()
            if conditional and "etag" in r.headers:
                tags[path] = r.headers["etag"]
            return r.status_code
    else:
        session = aiohttp.ClientSession(base, headers=headers, connector=aiohttp.TCPConnector(limit=clients),
                                        timeout=aiohttp.ClientTimeout(total=60))

        async def get(path: str) -> int:
            async with session.get(path, headers={"If-None-Match": tags[path]} if path in tags else None) as r:
                await r.read()
                r.raise_for_status()
                if conditional and "etag" in r.headers:
                    tags[path] = r.headers["etag"]
                return r.status

    async with session:
        async def poller(i: int) -> None:
            nonlocal not_modified
            rid = report_ids[i % len(report_ids)]
            for _ in range(polls):
                t = time.perf_counter()
                try:
                    code = await get(f"/v1/reports/{rid}")
                except (TimeoutError, httpx.HTTPError, aiohttp.ClientError, OSError) as e:
                    errors.append(f"{type(e).__name__}: {e}")
                    continue
                latencies.append(time.perf_counter() - t)
                not_modified += code == 304

        # connect and warm the key cache outside the timing; a conditional run learns every report's tag here
        for rid in report_ids if conditional else report_ids[:1]:
            await get(f"/v1/reports/{rid}")
        t0 = time.time()
        await asyncio.gather(*(poller(first + i) for i in range(clients)))
        t1 = time.time()
    return latencies, errors, t0, t1, not_modified


def _summary(latencies: list[float], errors: list[str], t0: float, t1: float, clients: int,
             not_modified: int = 0) -> dict:
    qs = statistics.quantiles(latencies, n=100)
    return {"clients": clients, "requests": len(latencies), "not_modified": not_modified, "errors": len(errors),
            "first_error": next(iter(errors), None), "p50_ms": round(qs[49] * 1000, 1),
            "p99_ms": round(qs[98] * 1000, 1), "requests_per_s": round(len(latencies) / (t1 - t0), 1)}


async def poll_latency(base: str, report_ids: list[str], clients: int, polls: int, headers: dict | None = None,
                       client: str = "aiohttp", conditional: bool = False) -> dict:
    """All clients on this process's event loop (as a single-process client library would)."""
    lat, errors, t0, t1, n304 = await _poll(base, report_ids, clients, polls, headers or {}, client=client,
                                            conditional=conditional)
    return _summary(lat, errors, t0, t1, clients, n304)


def _poll_proc(args: tuple) -> tuple[list[float], list[str], float, float, int]:
    base, report_ids, clients, polls, headers, first, cpus, client, conditional = args
    if cpus:
        os.sched_setaffinity(0, cpus)
    return asyncio.run(_poll(base, report_ids, clients, polls, headers, first, client, conditional))


def poll_latency_procs(base: str, report_ids: list[str], clients: int, polls: int, procs: int,
                       headers: dict | None = None, cpus: set[int] | None = None, client: str = "aiohttp",
                       conditional: bool = False) -> dict:
    """The same clients spread over `procs` separate processes (optionally pinned to `cpus`)."""
    import multiprocessing

    share = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    jobs = [(base, report_ids, n, polls, headers or {}, sum(share[:i]), cpus, client, conditional)
            for i, n in enumerate(share) if n]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        parts = pool.map(_poll_proc, jobs)
    latencies = [x for p in parts for x in p[0]]
    errors = [x for p in parts for x in p[1]]
    return _summary(latencies, errors, min(p[2] for p in parts), max(p[3] for p in parts), clients,
                    sum(p[4] for p in parts)) | {"processes": procs}


def pin(server: Server, cpus: set[int]) -> None:
    """Pin the server and its worker processes (used only when measuring with a pinned load generator)."""
    p = psutil.Process(server.proc.pid)
    for proc in [p, *p.children(recursive=True)]:
        try:
            proc.cpu_affinity(sorted(cpus))
        except psutil.Error:
            pass


def api_key(data_dir: Path, tenant: str = "bench") -> str:
    """A key made the way `reportgen keys create` makes one, in the server's database."""
    from reportgen.store.config import ServiceSettings
    from reportgen.store.db import open_database
    from reportgen.store.keys import create_key

    db = open_database(ServiceSettings(data_dir=data_dir))
    with db.session() as s:
        _, key = create_key(s, tenant)
    return key


def poll_all(server: Server, data_dir: Path, report_ids: list[str], args: argparse.Namespace) -> dict:
    """Status polling measured the four ways the module docstring lists; prints one line each."""
    out: dict = {}

    api = psutil.Process(server.proc.pid)

    def show(name: str, measure: Callable[[], dict], proc: psutil.Process = api) -> None:
        # The server's own CPU time per request is the work a poll costs, whatever else the machine runs;
        # the load average says how much else that was.
        cpu0 = sum(proc.cpu_times()[:2])
        poll = measure()
        poll["server_cpu_ms_per_request"] = round(
            1000 * (sum(proc.cpu_times()[:2]) - cpu0) / max(poll["requests"], 1), 2)
        poll["load_average_1min"] = round(os.getloadavg()[0], 1)
        out[name] = poll
        print(f"status polls ({name}), {poll['clients']} concurrent clients: p50 {poll['p50_ms']} ms, "
              f"p99 {poll['p99_ms']} ms ({poll['requests_per_s']} req/s; {poll['not_modified']} were 304; server CPU "
              f"{poll['server_cpu_ms_per_request']} ms/request; load average {poll['load_average_1min']}"
              + (f"; {poll['errors']} failed, e.g. {poll['first_error']}" if poll["errors"] else "") + ")")

    cl = args.client
    show("keyless, clients in the bench process",
         lambda: asyncio.run(poll_latency(server.base, report_ids, args.clients, args.polls, client=cl)))
    # Reports belong to the tenant that made them; the keyed pollers ask as that tenant through a new key.
    key = api_key(data_dir, "local")
    headers = {"Authorization": f"Bearer {key}"}
    show("API key, clients in the bench process",
         lambda: asyncio.run(poll_latency(server.base, report_ids, args.clients, args.polls, headers, cl)))
    # The same pollers sending back the ETag they hold (If-None-Match): unchanged statuses come back as 304s.
    show("API key, If-None-Match (304), clients in the bench process",
         lambda: asyncio.run(poll_latency(server.base, report_ids, args.clients, args.polls, headers, cl, True)))
    # The floor, polled the same way right after: bare Starlette answering the same body from memory.
    body_file = data_dir / "status-body.json"
    body_file.write_bytes(httpx.get(f"{server.base}/v1/reports/{report_ids[0]}", headers=headers).content)
    floor = Floor(body_file)
    try:
        show("bare Starlette floor, clients in the bench process",
             lambda: asyncio.run(poll_latency(floor.base, report_ids, args.clients, args.polls, client=cl)),
             psutil.Process(floor.proc.pid))
    finally:
        floor.stop()
    show(f"API key, clients in {args.loadgen_procs} separate processes",
         lambda: poll_latency_procs(server.base, report_ids, args.clients, args.polls, args.loadgen_procs, headers,
                                    client=cl))
    show(f"API key, If-None-Match (304), clients in {args.loadgen_procs} separate processes",
         lambda: poll_latency_procs(server.base, report_ids, args.clients, args.polls, args.loadgen_procs, headers,
                                    client=cl, conditional=True))
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2:
        pin(server, set(cpus[:-1]))
        show(f"API key, server pinned to CPU {','.join(map(str, cpus[:-1]))}, "
             f"{args.loadgen_procs} client processes on CPU {cpus[-1]}",
             lambda: poll_latency_procs(server.base, report_ids, args.clients, args.polls, args.loadgen_procs,
                                        headers, {cpus[-1]}, cl))
        pin(server, set(cpus))
    return out


def big_zip(path: Path, megabytes: int) -> int:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10):
            zf.writestr(f"room/transcripts/call-{i}.txt", meeting_bytes(extra=200, company=f"c{i}"))
        for i in range(megabytes):
            zf.writestr(f"room/scans/page-{i:04d}.png", b"\x89PNG\r\n\x1a\n" + os.urandom(1024 * 1024 - 8))
    return path.stat().st_size


def upload_rss(server: Server, zip_path: Path) -> dict:
    base_rss = server.rss()
    peak = base_rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss())
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    with open(zip_path, "rb") as fh, httpx.Client(base_url=server.base, timeout=900) as c:
        r = c.post("/v1/documents", files={"files": (zip_path.name, fh, "application/zip")})
    seconds = time.perf_counter() - t0
    done.set()
    t.join()
    r.raise_for_status()
    return {"zip_mb": round(zip_path.stat().st_size / 1e6, 1), "documents": len(r.json()["documents"]),
            "seconds": round(seconds, 2), "rss_before_mb": round(base_rss / 1e6, 1),
            "rss_peak_mb": round(peak / 1e6, 1), "rss_growth_mb": round((peak - base_rss) / 1e6, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, default=20)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--polls", type=int, default=20)
    ap.add_argument("--upload-mb", type=int, default=200)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--batch-reps", type=int, default=1, help="pairs of 1- and 2-worker batches, alternating order")
    ap.add_argument("--loadgen-procs", type=int, default=2, help="processes for the separate-process pollers")
    ap.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp", help="the pollers' HTTP client")
    ap.add_argument("--only", choices=("all", "poll"), default="all",
                    help="poll: only the 2-worker batch (to have reports) and the status polling")
    args = ap.parse_args()

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-api-") as tmpdir:
        tmp = Path(tmpdir)
        rooms = rooms_zip(args.rooms)
        runs = []
        # 1 then 2 workers, and with --batch-reps N, N such pairs in alternating order (1,2 / 2,1 / ...):
        # other processes on the machine come and go, so a pair is only fair when both arms share them.
        if args.only == "all":
            order = [w for i in range(args.batch_reps) for w in ((1, 2) if i % 2 == 0 else (2, 1))]
        else:
            order = [2]
        last_two = max(i for i, w in enumerate(order) if w == 2)
        for i, workers in enumerate(order):
            run = run_batch(workers, rooms, tmp, tag=f"-{i}")
            server = run.pop("server")
            runs.append(run)
            print(f"batch of {run['rooms']} rooms, {workers} worker(s): {run['total_s']} s "
                  f"({run['rooms_per_min']} rooms/min, upload {run['upload_s']} s, {run['state']}; "
                  f"{run['cpu_s']} s CPU, {run['cores_used']} cores busy, other processes {run['others_cores']} cores)")
            if i == last_two:
                try:
                    results["status_poll"] = poll_all(server, tmp / f"batch-2-{i}", run["report_ids"], args)
                finally:
                    server.stop()
            server.stop()
        if args.only == "poll":
            if args.json:
                args.json.write_text(json.dumps(results, indent=2))
            return
        one = statistics.median(r["total_s"] for r in runs if r["workers"] == 1)
        two = statistics.median(r["total_s"] for r in runs if r["workers"] == 2)
        ratio = round(one / two, 2)
        print(f"throughput 2 workers / 1 worker: {ratio}x (median of {args.batch_reps} run(s) each)")
        results["batch"] = [{k: v for k, v in r.items() if k != "report_ids"} for r in runs]
        results["batch_median_s"] = {"1": one, "2": two}
        results["batch_throughput_ratio_2_vs_1"] = ratio

        uploads = []
        server = Server(tmp / "upload", 0)
        try:
            for mb in (max(1, args.upload_mb // 4), args.upload_mb):
                path = tmp / f"upload-{mb}.zip"
                big_zip(path, mb)
                u = upload_rss(server, path)
                path.unlink()
                uploads.append(u)
                print(f"upload of a {u['zip_mb']} MB zip: peak RSS {u['rss_peak_mb']} MB "
                      f"(+{u['rss_growth_mb']} MB over {u['rss_before_mb']} MB) in {u['seconds']} s")
        finally:
            server.stop()
        results["upload"] = uploads
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
