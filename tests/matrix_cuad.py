"""Screenshot the matrix of a three-room batch built from the shared CUAD contracts (offline engine).

    python -m tests.matrix_cuad ../shared/corpus/pdfs/cuad [--out test-artifacts/web]

Starts `reportgen serve` on a free loopback port with a fresh data dir, uploads one zip with three
rooms of three real contracts each (read from the corpus, never copied into the repo), waits for the
batch, then writes the matrix page (contract terms, a row per room and a row per document) as PNGs
and the matrix as CSV and XLSX. Not a test: the corpus is outside the repository.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from reportgen.procs import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ROOMS = {
    "alpha": ["CerenceInc_20191002_8-K_EX-10.4_11827494_EX-10.4_Intellectual Property Agreement.pdf",
              "CardlyticsInc_20180112_S-1_EX-10.16_11002987_EX-10.16_Maintenance Agreement1.pdf",
              "LohaCompanyltd_20191209_F-1_EX-10.16_11917878_EX-10.16_Supply Agreement.pdf"],
    "bravo": ["BUFFALOWILDWINGSINC_06_05_1998-EX-10.3-FRANCHISE AGREEMENT.PDF",
              "EhaveInc_20190515_20-F_EX-4.44_11678816_EX-4.44_License Agreement_ Reseller Agreement.pdf",
              "FerroglobePlc_20150624_F-4A_EX-10.20_9154746_EX-10.20_Outsourcing Agreement.pdf"],
    "charlie": ["CoherusBiosciencesInc_20200227_10-K_EX-10.29_12021376_EX-10.29_Development Agreement.pdf",
                "PerformanceSportsBrandsInc_20110909_S-1_EX-10.10_7220214_EX-10.10_Endorsement Agreement.pdf",
                "XLITECHNOLOGIES,INC_12_11_2015-EX-10.1-Sponsorship Agreement.PDF"],
}


def rooms_zip(corpus: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for room, files in ROOMS.items():
            for name in files:
                zf.writestr(f"{room}/{name}", (corpus / name).read_bytes())
    return buf.getvalue()


@contextmanager
def serving() -> Iterator[str]:
    """`reportgen serve` on a free loopback port with a fresh data dir (the offline engine: no LLM settings)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTGEN_", "DATABASE_URL"))}
    with tempfile.TemporaryDirectory() as data:
        env.update(REPORTGEN_DATA_DIR=data, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_ready(base + "/healthz", proc):
                raise SystemExit("reportgen serve did not start")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def build_batch(base: str, corpus: Path) -> str:
    """Upload the three rooms and wait for every report; the batch id."""
    missing = [n for files in ROOMS.values() for n in files if not (corpus / n).is_file()]
    if missing:
        raise SystemExit(f"not in {corpus}: {', '.join(missing)} (the shared corpus: ../shared/corpus/pdfs/cuad)")
    t0 = time.monotonic()
    r = httpx.post(base + "/v1/batches/upload", files={"file": ("cuad-rooms.zip", rooms_zip(corpus))},
                   data={"sop": "diligence-memo", "engine": "local"}, timeout=600)
    r.raise_for_status()
    batch = r.json()["id"]
    while (state := httpx.get(f"{base}/v1/batches/{batch}").json()["state"]) in ("queued", "running"):
        time.sleep(1)
    print(f"batch {batch}: {state} in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="the folder of CUAD PDFs (../shared/corpus/pdfs/cuad)")
    ap.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "web")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with serving() as base:
        batch = build_batch(base, args.corpus)
        shoot(base, batch, args.out)


def shoot(base: str, batch: str, out: Path) -> None:
    query = "section=contract_terms"
    for fmt in ("csv", "xlsx"):
        (out / f"matrix-cuad.{fmt}").write_bytes(httpx.get(f"{base}/v1/batches/{batch}/matrix.{fmt}?{query}").content)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        pg = b.new_page(viewport={"width": 1600, "height": 1300})
        for name, q in (("matrix-cuad", query), ("matrix-cuad-documents", query + "&rows=documents")):
            pg.goto(f"{base}/batches/{batch}/matrix?{q}")
            pg.wait_for_selector("#matrix tbody tr[data-room]")
            pg.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        b.close()


if __name__ == "__main__":
    main()
