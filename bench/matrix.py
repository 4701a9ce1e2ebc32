"""The batch matrix's cost beside the batch routes that read the same reports, on a real server.

    python bench/matrix.py ../shared/corpus/pdfs/cuad [--repeat 15] [--json out.json]

Builds the three-room CUAD batch of tests/matrix_cuad.py (nine contracts, offline engine) on a
`reportgen serve` of its own, then times, one request at a time and interleaved so that load on
the shared machine falls on every route alike, the median latency of:

- `GET /v1/batches/{id}`: the batch status (its query loads every room's report row too);
- `GET /v1/batches/{id}/download?format=json`: every report's JSON in one zip (the peer that reads
  and writes what the matrix reads);
- `GET /v1/batches/{id}/matrix?section=contract_terms` (JSON), `.csv` and `.xlsx`.

Each matrix figure is printed as a ratio to both peers from the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.matrix_cuad import build_batch, serving  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="the folder of CUAD PDFs (../shared/corpus/pdfs/cuad)")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with serving() as base:
        batch = build_batch(base, args.corpus)
        routes = {
            "status": f"/v1/batches/{batch}",
            "download_json": f"/v1/batches/{batch}/download?format=json",
            "matrix_json": f"/v1/batches/{batch}/matrix?section=contract_terms",
            "matrix_csv": f"/v1/batches/{batch}/matrix.csv?section=contract_terms",
            "matrix_xlsx": f"/v1/batches/{batch}/matrix.xlsx?section=contract_terms",
        }
        times: dict[str, list[float]] = {k: [] for k in routes}
        sizes: dict[str, int] = {}
        with httpx.Client(base_url=base, timeout=60) as c:
            for path in routes.values():  # warm: first renders, imports (openpyxl), caches
                c.get(path).raise_for_status()
            for _ in range(args.repeat):
                for name, path in routes.items():
                    t0 = time.perf_counter()
                    r = c.get(path)
                    times[name].append(time.perf_counter() - t0)
                    r.raise_for_status()
                    sizes[name] = len(r.content)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    out = {"batch_rooms": 3, "contracts": 9, "repeat": args.repeat, "median_ms": med, "bytes": sizes,
           "ratios": {k: {"vs_status": med[k] / med["status"], "vs_download_json": med[k] / med["download_json"]}
                      for k in ("matrix_json", "matrix_csv", "matrix_xlsx")}}
    print(f"{'route':<15} {'median ms':>10} {'bytes':>9} {'/ status':>9} {'/ zip json':>10}")
    for k in routes:
        ratios = f"{med[k] / med['status']:>9.2f} {med[k] / med['download_json']:>10.2f}"
        print(f"{k:<15} {med[k]:>10.1f} {sizes[k]:>9} {ratios}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
