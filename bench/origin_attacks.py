"""The browser-origin attacks of issue 14 as raw HTTP, against `reportgen serve` from two checkouts.

Usage: python bench/origin_attacks.py [--before /path/to/old/checkout] [--after .]

Each checkout's `reportgen serve` runs on a free loopback port with its own data folder; each
attack sends the headers Chromium sends for it (tests/test_web_origin.py replays the same
attacks in a real browser) and the table prints the status each server answered and what it
stored, side by side. Loopback only; bounded: one request per attack.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.procs import free_port, stop, wait_ready  # noqa: E402

CALL = b"[00:00:05] Jason: We decided to move the invoices service to the new billing platform in March.\n"


def _env(checkout: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTGEN_", "DATABASE_URL"))}
    env.update({"PYTHONPATH": str(checkout), "REPORTGEN_DATA_DIR": str(data), "REPORTGEN_WORKERS": "0"})
    return env


@contextmanager
def serve(checkout: Path, data: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)], cwd=checkout,
                            env=_env(checkout, data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_ready(base + "/healthz", proc):
            raise SystemExit(f"reportgen serve from {checkout} did not start")
        yield base
    finally:
        stop(proc)


def create_key(checkout: Path, data: Path, tenant: str) -> str:
    args = [sys.executable, "-m", "reportgen.cli", "keys", "create", "--tenant", tenant]
    env = _env(checkout, data)
    out = subprocess.run(args + ["--new-database"], cwd=checkout, env=env, capture_output=True, text=True)
    if out.returncode != 0:  # a checkout from before --new-database existed
        out = subprocess.run(args, cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("acme/call.txt", CALL)
    return buf.getvalue()


def _port_of(base: str) -> str:
    return base.rsplit(":", 1)[1]


Attack = Callable[[str, dict[str, str]], str]


def keyless_upload(base: str, _: dict[str, str]) -> str:
    r = httpx.post(base + "/v1/documents", files=[("files", ("call.txt", CALL))],
                   headers={"Origin": "http://attacker.example:9999", "Sec-Fetch-Site": "cross-site"})
    stored = len(httpx.get(base + "/v1/documents").json())
    return f"{r.status_code}, {stored} stored"


def keyless_batch(base: str, _: dict[str, str]) -> str:
    r = httpx.post(base + "/v1/batches/upload", files=[("file", ("rooms.zip", _zip()))],
                   data={"sop": "meeting-action-items"},
                   headers={"Origin": "http://attacker.example:9999", "Sec-Fetch-Site": "cross-site"})
    return f"{r.status_code}, {len(httpx.get(base + '/v1/batches').json())} batches"


def rebinding_read(base: str, _: dict[str, str]) -> str:
    r = httpx.get(base + "/v1/documents", headers={"Host": f"evil.example:{_port_of(base)}"})
    return f"{r.status_code}" + (", list read" if r.status_code == 200 else "")


def same_site_upload(base: str, keys: dict[str, str]) -> str:
    r = httpx.post(base + "/v1/documents", files=[("files", ("call.txt", CALL))],
                   cookies={"reportgen_key": keys["victim"]},
                   headers={"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"})
    stored = len(httpx.get(base + "/v1/documents", headers={"Authorization": f"Bearer {keys['victim']}"}).json())
    return f"{r.status_code}, {stored} stored"


def login_csrf(base: str, keys: dict[str, str]) -> str:
    r = httpx.post(base + "/web/session", data={"key": keys["mallory"], "next": "/"},
                   headers={"Origin": "http://attacker.example:9999", "Sec-Fetch-Site": "cross-site"})
    planted = "reportgen_key" in r.cookies
    return f"{r.status_code}, " + ("cookie planted" if planted else "no cookie")


def framing(base: str, _: dict[str, str]) -> str:
    h = httpx.get(base + "/").headers
    csp = "frame-ancestors 'none'" in h.get("content-security-policy", "")
    return f"XFO={h.get('x-frame-options', '-')}, CSP frame-ancestors={'none' if csp else '-'}"


def bearer_from_script(base: str, keys: dict[str, str]) -> str:
    r = httpx.post(base + "/v1/documents", files=[("files", ("call2.txt", CALL))],
                   headers={"Authorization": f"Bearer {keys['victim']}"})
    return str(r.status_code)


KEYLESS: list[tuple[str, Attack]] = [
    ("keyless: cross-site upload", keyless_upload),
    ("keyless: cross-site batch", keyless_batch),
    ("keyless: DNS rebinding read", rebinding_read),
    ("pages: framing headers", framing),
]
KEYED: list[tuple[str, Attack]] = [
    ("cookie: same-site other-port upload", same_site_upload),
    ("cookie: cross-site login CSRF", login_csrf),
    ("bearer key from a script (must work)", bearer_from_script),
]


def run(checkout: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with serve(checkout, Path(tmp) / "keyless") as base:
            for name, attack in KEYLESS:
                out[name] = attack(base, {})
        data = Path(tmp) / "keyed"
        data.mkdir()
        keys = {t: create_key(checkout, data, t) for t in ("victim", "mallory")}
        with serve(checkout, data) as base:
            for name, attack in KEYED:
                out[name] = attack(base, keys)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="a checkout without the guard (e.g. main)")
    ap.add_argument("--after", type=Path, default=Path(__file__).resolve().parent.parent)
    args = ap.parse_args()
    cols = [("before", args.before), ("after", args.after)] if args.before else [("after", args.after)]
    results = {label: run(path.resolve()) for label, path in cols}
    names = [n for n, _ in KEYLESS + KEYED]
    width = max(map(len, names))
    print(f"{'attack':<{width}}  " + "  ".join(f"{label:<34}" for label, _ in cols))
    for n in names:
        print(f"{n:<{width}}  " + "  ".join(f"{results[label][n]:<34}" for label, _ in cols))


if __name__ == "__main__":
    main()
