"""Reviews as gold, end to end on real meetings: the table in docs/eval.md ("Reviews as gold").

    python bench/review_gold.py --corpus ../shared/corpus --out /tmp/gold-review [--json run.json]

Not a speed benchmark (run_all.py does not run it): it uploads nine AMI meetings of the
validation fold to a fresh local store through the REST API, makes `meeting-action-items`
reports with the offline engine, applies one reviewer's recorded decisions on every item
(accept, edit, reject: PATCH /v1/reports/{id}/items/{item_id}, as the review page does),
exports the reviewed reports as a gold set (`reportgen gold export --from-reviews`) and scores
the engine on it (`reportgen eval --gold`). Each decision was made by reading the item's quote
in its transcript; the items are checked by a hash of their text first, so if the engine
changes what it writes, the script stops instead of applying old decisions to new items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from reportgen.api import create_app
from reportgen.evals.command import eval_command, export_reviews_command
from reportgen.evals.review_store import reviewed_reports, tenant_id_by_name
from reportgen.store.config import ServiceSettings
from reportgen.store.db import open_database

SOP = "meeting-action-items"
ACCEPT: dict[str, Any] = {"review": "accepted"}
REJECT: dict[str, Any] = {"review": "rejected"}


def edit(**fields: str) -> dict[str, Any]:
    return {"fields": fields, "review": "accepted"}


# meeting -> section -> (sha256[:8] of the engine's text, the decision), in the report's order.
# Owners are speaker labels, told apart by the meetings' own introductions (ES2002: A industrial
# designer, B project manager, C interface designer, D marketing; ES2006: A ID, B marketing, C PM,
# D UI; ES2007: A PM, B Catherine ID, C Gabriel UI, D marketing). Dues are what was said. An item
# that merges two people's tasks is cut to its first (the SOP asks for one item per task).
# ES2002c, ES2002d and ES2009d: the engine finds no action item there, so nothing to judge.
NEXT = "next meeting, in thirty minutes"
LUNCH = "in the thirty minutes after lunch"
REVIEW: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {
    "ES2002a": {"action_items": [
        ("bf5af944", edit(owner="Speaker A", due=NEXT)),
        ("4a38e2fa", edit(task="Work on the technical functions: what the remote will actually do",
                          owner="Speaker C", due=NEXT))]},
    "ES2002b": {"action_items": [
        ("74c51921", edit(owner="Speaker A", due=LUNCH)),
        ("54162b0b", edit(task="Think about the user interface", owner="Speaker C", due=LUNCH))]},
    "ES2002c": {},
    "ES2002d": {},
    "ES2006a": {"action_items": [
        ("16c6212c", REJECT),
        ("397444ca", edit(task="Look at the working design", owner="Speaker A", due=NEXT)),
        ("a016383a", edit(task="Look at the technical functions design", owner="Speaker D", due=NEXT))]},
    "ES2006b": {"action_items": [
        ("7888384d", edit(task="Complete the questionnaire and summary sent by email", owner="Everyone",
                          due="before the lunch break")),
        ("581f4a77", REJECT),
        ("859375ec", edit(owner="Speaker A", due="next meeting"))]},
    "ES2006c": {"action_items": [
        ("b4b71c62", edit(owner="Speaker A", due=NEXT)),
        ("f2a38f8a", edit(task="Work on the user interface design", owner="Speaker D", due=NEXT)),
        ("afdb7401", edit(owner="Speaker A and Speaker D", due=NEXT))]},
    "ES2007c": {"action_items": [
        ("b9ee0969", edit(owner="Speaker C", due="next meeting")),
        ("f9ed1d93", edit(task="Work together on the look and feel and the user interface design",
                          owner="Speaker B and Speaker C", due="next meeting")),
        ("d9704f66", edit(owner="Speaker D", due="next meeting"))]},
    "ES2009d": {},
}


def _text_hash(item: dict[str, Any]) -> str:
    text = item["fields"].get("what") or item["fields"].get("task")
    return hashlib.sha256(str(text).encode()).hexdigest()[:8]


def _wait(c: TestClient, rid: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while (st := c.get(f"/v1/reports/{rid}").json())["state"] not in ("succeeded", "failed"):
        if time.monotonic() > deadline:
            sys.exit(f"report {rid} did not finish in {timeout:.0f}s")
        time.sleep(0.2)
    if st["state"] == "failed":
        sys.exit(f"report {rid} failed: {st['error']}")


def review(corpus: Path, settings: ServiceSettings) -> None:
    transcripts = corpus / "ami-dev" / "transcripts"
    app = create_app(settings)
    with TestClient(app, base_url="http://localhost") as c:  # keyless loopback: the tenant `local`
        for meeting, sections in REVIEW.items():
            data = (transcripts / f"{meeting}.txt").read_bytes()
            doc = c.post("/v1/documents", files=[("files", (f"{meeting}.txt", data))]).json()["documents"][0]["id"]
            rid = c.post("/v1/reports", json={"sop": SOP, "document_ids": [doc], "engine": "local"}).json()["id"]
            _wait(c, rid)
            report = c.get(f"/v1/reports/{rid}/result").json()
            for sec in report["sections"]:
                decisions = sections.get(sec["id"], [])
                found = [_text_hash(i) for i in sec["items"]]
                if found != [h for h, _ in decisions]:
                    sys.exit(f"{meeting} {sec['id']}: the engine's items changed ({found} != "
                             f"{[h for h, _ in decisions]}); review them again before measuring.")
                for item, (_, body) in zip(sec["items"], decisions, strict=True):
                    r = c.patch(f"/v1/reports/{rid}/items/{item['id']}", json=body)
                    if r.status_code != 200:
                        sys.exit(f"PATCH {item['id']}: {r.status_code} {r.text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="a new folder: the store, reviews.yaml, run.json")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the eval result here")
    args = ap.parse_args()
    if (args.out / "reportgen.sqlite3").exists():
        sys.exit(f"{args.out} already holds a store: pass a new folder")
    args.out.mkdir(parents=True, exist_ok=True)
    settings = ServiceSettings(data_dir=args.out, runner="thread", workers=1, open_when_no_keys=True)
    review(args.corpus, settings)
    with open_database(settings).session() as s:
        found, _ = reviewed_reports(s, tenant_id_by_name(s, "local"), SOP)
    gold = args.out / "reviews.yaml"
    export_reviews_command(found, SOP, gold)
    text = eval_command(gold, None, seeds=args.seeds, json_out=args.out / "run.json")
    if args.json:
        args.json.write_text(json.dumps(json.loads(text)["reviews"], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
