"""Peak memory per request of the hostile uploads in issue 14, against a real `reportgen serve`.

    PYTHONPATH=$PWD python bench/memory_sweep.py [--scale 1.0] [--code PATH] [--out FILE]

Generates the hostile files itself (in a temporary folder, streamed so the generator stays
small), starts `python -m reportgen.cli serve` on a free loopback port with an empty SQLite
data dir, and sends each file as a client would. Before every request it resets the server
process's peak-RSS mark (`/proc/PID/clear_refs`, "5"), and after it reads `VmHWM`, so each
figure is that request's own peak. The peer every figure is read against is the same server's
peak for `GET /healthz`, measured in the same run.

`--code PATH` runs the server from another checkout (e.g. the main branch) to get the "before"
figures with the same files; `--scale` shrinks the files (0.25: a 37 MB-XML DOCX, a 50 MB text)
where the old code would take many GB. The zip's 1 GB member is not scaled: it is the attack.

Attacks: a DOCX of small size holding 150 MB of XML (accepted: 3.75 M characters); an 8 MB zip
with one 1 GB member at about 130x (under the 200x ratio cap); a 199 MB speaker-lines text;
the largest text the limits accept (~9.5 M characters in ~95 k segments); then reading that
document (`GET /v1/documents/{id}`) and listing (`GET /v1/documents?limit=1`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.procs import free_port, stop  # noqa: E402
from reportgen.testing.hostile import MB, docx_with_xml, speaker_text, zip_with_member  # noqa: E402


class Server:
    def __init__(self, code: Path, data_dir: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(code), "REPORTGEN_DATA_DIR": str(data_dir)}
        env.pop("DATABASE_URL", None)
        env.pop("REPORTGEN_BROKER_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(self.port)],
                                     env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError("the server did not start")

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def measure(self, method: str, path: str, **kw) -> dict:  # noqa: ANN003 - httpx's request arguments
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        before = self._status("VmRSS")
        t0 = time.monotonic()
        try:
            r = httpx.request(method, self.url + path, timeout=1800, **kw)
            status, size, body = r.status_code, len(r.content), r.content[:300]
        except httpx.HTTPError as exc:
            status, size, body = 0, 0, repr(exc).encode()
        seconds = time.monotonic() - t0
        alive = self.proc.poll() is None
        peak = self._status("VmHWM") if alive else 0
        return {"status": status, "seconds": round(seconds, 1), "peak_mb": round(peak / MB),
                "added_mb": round((peak - before) / MB), "after_mb": round(self._status("VmRSS") / MB) if alive else 0,
                "response_bytes": size, "body": body.decode(errors="replace"), "server_alive": alive}

    def stop(self) -> None:
        stop(self.proc, timeout=20)


def post_file(server: Server, path: Path, name: str) -> dict:
    with path.open("rb") as f:
        return server.measure("POST", "/v1/documents", files=[("files", (name, f))])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="shrink the DOCX and text attacks (0.25: a quarter)")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout to run the server from (default: this one)")
    ap.add_argument("--out", type=Path, help="write the results as JSON here too")
    ap.add_argument("--only", nargs="*", help="run only these attacks")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="memsweep-") as tmp:
        tmpdir = Path(tmp)
        files = {
            "docx_150mb_xml": (tmpdir / "big.docx", "big.docx",
                               lambda p: docx_with_xml(p, int(150 * MB * args.scale))),
            "zip_1gb_member": (tmpdir / "bomb.zip", "bomb.zip", lambda p: zip_with_member(p, 1000 * MB)),
            "text_199mb": (tmpdir / "long.txt", "long.txt", lambda p: speaker_text(p, int(199 * MB * args.scale))),
            "text_largest_accepted": (tmpdir / "max.txt", "max.txt",
                                      lambda p: speaker_text(p, 9_500_000, line_chars=100)),
        }
        results: dict[str, dict] = {}
        server = Server(args.code, tmpdir / "data")
        try:
            results["healthz (peer)"] = server.measure("GET", "/healthz")
            for name, (path, upload_name, make) in files.items():
                if args.only and name not in args.only:
                    continue
                t0 = time.monotonic()
                make(path)
                gen = time.monotonic() - t0
                res = post_file(server, path, upload_name)
                res["file_mb"] = round(path.stat().st_size / MB, 1)
                res["generated_s"] = round(gen, 1)
                results[name] = res
                print(f"{name}: {json.dumps({k: v for k, v in res.items() if k != 'body'})}", flush=True)
                path.unlink()
                if server.proc.poll() is not None:
                    break
            listed = httpx.get(server.url + "/v1/documents?limit=1000", timeout=600).json()
            biggest = max(listed, key=lambda d: d["segment_count"], default=None) if isinstance(listed, list) else None
            if biggest:
                results[f"GET /v1/documents/{{id}} ({biggest['segment_count']} segments)"] = server.measure(
                    "GET", f"/v1/documents/{biggest['id']}")
                results["GET /v1/documents?limit=1"] = server.measure("GET", "/v1/documents?limit=1")
        finally:
            server.stop()

    print(f"\nserver code: {args.code}  scale: {args.scale}")
    print(f"{'request':52} {'status':>6} {'secs':>7} {'peak MB':>8} {'+MB':>6} {'after MB':>8} {'resp bytes':>11}")
    for name, r in results.items():
        print(f"{name:52} {r['status']:>6} {r['seconds']:>7} {r['peak_mb']:>8} {r['added_mb']:>6} "
              f"{r['after_mb']:>8} {r['response_bytes']:>11}")
    for name, r in results.items():
        if r["status"] >= 400 or r["status"] == 0:
            print(f"  {name}: {r['body'][:200]}")
    if args.out:
        args.out.write_text(json.dumps({"code": str(args.code), "scale": args.scale, "results": results}, indent=2))


if __name__ == "__main__":
    main()
