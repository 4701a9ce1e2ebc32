"""Reviews become gold: a report reviewed through the API (accept, edit, reject, one left pending)
exports to the gold format, loads back through the gold loader, is scored by `reportgen eval`
with the rejected items as negatives, and its agreement table counts what the reviewers did.
The route is per tenant, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportgen.cli import app
from reportgen.errors import ReportgenError
from reportgen.evals.command import eval_command
from reportgen.evals.gold import build_case, load_gold
from reportgen.evals.reviews import (
    Judgement,
    ReviewedReport,
    agreement,
    dump_gold,
    format_agreement,
    gold_from_reviews,
    reviewed_from_file,
)
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Citation, DocumentRef, Item, Report, Section
from reportgen.pipeline import resolve_sop
from tests.service_fixtures import client_on, key_headers, upload, wait_report

SOP = "meeting-action-items"
EDITED_DUE = "2025-03-06"
TODAY = datetime.now(UTC).date().isoformat()  # a report's review date is its last edit, in UTC
# Offline, only action items are findings (decisions are passages to read, judged by nobody), so the
# review is of action items: four commitments, one of them an absence rather than a task.
LINES = [
    ("Jason", "Thanks everyone for joining the planning meeting about the billing migration."),
    ("Priya", "I will send the migration runbook to the team by Friday."),
    ("Marco", "The vendor quoted twelve thousand dollars per year for the support contract."),
    ("Jason", "I will be out of the office on Thursday for a dentist appointment."),
    ("Marco", "I will book the load test environment for Thursday."),
    ("Priya", "Our main risk is that the old exports break for the finance team."),
    ("Jason", "I will update the cutover checklist by Wednesday."),
    ("Marco", "Let's keep the weekly sync on Tuesdays until the cutover is done."),
]
# the reviewer's decision per action item, found by a word of its task
ACCEPT, REJECT, EDIT, PENDING = "runbook", "dentist", "load test", "checklist"


def meeting_bytes() -> bytes:
    return "\n".join(f"{who}: {said}" for who, said in LINES).encode()


def _action(items: list[dict], word: str) -> dict:
    (item,) = [i for i in items if word in i["fields"]["task"]]
    return item


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def reviewed(request, tmp_path_factory):  # noqa: ANN001, ANN201
    """Tenant alpha's report on the meeting above, its action items reviewed: the runbook accepted, the
    dentist appointment rejected (an absence, not a task), the load test's due date edited (and accepted),
    the checklist left pending. Tenant beta has a report on the same meeting, unreviewed."""
    for c in client_on(request.param, tmp_path_factory.mktemp(f"reviews-{request.param}")):
        a, b = key_headers(c, "alpha"), key_headers(c, "beta")
        ids = {}
        for who, headers in (("alpha", a), ("beta", b)):
            doc = upload(c, {"meeting.txt": meeting_bytes()}, headers=headers).json()["documents"][0]["id"]
            rep = c.post("/v1/reports", json={"sop": SOP, "document_ids": [doc], "engine": "local"},
                         headers=headers).json()["id"]
            assert wait_report(c, rep, headers=headers)["state"] == "succeeded"
            ids[who] = rep
        rep = ids["alpha"]
        before = c.get(f"/v1/reports/{rep}/result", headers=a).json()
        actions = {s["id"]: s["items"] for s in before["sections"]}["action_items"]
        assert len(actions) == 4, actions  # each commitment once, nothing else
        patches = [(ACCEPT, {"review": "accepted"}), (REJECT, {"review": "rejected"}),
                   (EDIT, {"fields": {"due": EDITED_DUE}, "review": "accepted"})]
        for word, body in patches:
            r = c.patch(f"/v1/reports/{rep}/items/{_action(actions, word)['id']}", json=body, headers=a)
            assert r.status_code == 200, r.text
        yield c, a, b, ids, before


def test_the_api_gives_each_tenant_its_own_reviews_as_gold(reviewed, tmp_path: Path) -> None:  # noqa: ANN001
    c, a, b, ids, before = reviewed
    r = c.get("/v1/reviews/gold", params={"sop": SOP}, headers=a)
    assert r.status_code == 200, r.text
    gold = r.json()
    assert [case["meta"]["report"] for case in gold["cases"]] == [ids["alpha"]]  # beta's report is not there
    actions = {s["id"]: s["items"] for s in before["sections"]}["action_items"]
    act = gold["cases"][0]["sections"]["action_items"]
    # accepted and edited items are the gold items, in the report's order; the rejected one is a negative
    assert [i["meta"]["item"] for i in act["items"]] == [_action(actions, w)["id"] for w in (ACCEPT, EDIT)]
    assert [i["meta"]["review"] for i in act["items"]] == ["accepted", "edited"]
    assert act["items"][0]["fields"] == {k: _action(actions, ACCEPT)["fields"][k] for k in ("task", "owner", "due",
                                                                                            "status")}
    edited = _action(actions, EDIT)["fields"]
    assert edited["due"] != EDITED_DUE  # the engine said "Thursday" ...
    assert act["items"][1]["fields"] == {**edited, "due": EDITED_DUE}  # ... the edited value is the gold value
    assert [i["fields"]["task"] for i in act["negatives"]] == [_action(actions, REJECT)["fields"]["task"]]
    assert [i["meta"]["review"] for i in act["negatives"]] == ["rejected"]
    assert act["exhaustive"] is False  # the checklist is pending: precision there is a lower bound
    assert gold["cases"][0]["meta"]["pending"] == {"action_items": 1}
    assert set(gold["cases"][0]["sections"]) == {"action_items"}  # nothing judged elsewhere: no gold
    # beta reviewed nothing: 404, never alpha's reviews; an unknown SOP is a 422, no auth a 401
    r = c.get("/v1/reviews/gold", params={"sop": SOP}, headers=b)
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_reviews"
    assert ids["alpha"] not in r.text
    assert c.get("/v1/reviews/gold", params={"sop": "no-such-sop"}, headers=a).status_code == 422
    assert c.get("/v1/reviews/gold", params={"sop": SOP}).status_code == 401
    r = c.get("/v1/reviews/agreement", params={"sop": SOP, "by": "day"}, headers=a)
    assert r.status_code == 200, r.text
    rows = {(row["section"], row["period"]): row for row in r.json()["rows"]}
    assert set(rows) == {("action_items", TODAY), ("action_items", "all")}
    keys = ("reports", "judged", "accepted", "edited", "rejected", "pending", "agreed", "kept")
    for row in rows.values():  # one day of reviews: that day and the total agree
        assert [row[k] for k in keys] == [1, 3, 1, 1, 1, 1, 0.333, 0.667]
    assert c.get("/v1/reviews/agreement", params={"sop": SOP}, headers=b).status_code == 404
    assert c.get("/v1/reviews/agreement", params={"sop": SOP, "by": "year"}, headers=a).status_code == 422
    y = c.get("/v1/reviews/gold", params={"sop": SOP, "format": "yaml"}, headers=a)
    assert y.status_code == 200 and y.headers["content-type"].startswith("application/yaml")
    path = tmp_path / "reviews.yaml"
    path.write_text(y.text, encoding="utf-8")
    loaded = load_gold(path)
    assert loaded.sop == SOP and len(loaded.cases) == 1


def test_exported_gold_round_trips_with_the_review_citations_as_spans(reviewed, tmp_path: Path) -> None:  # noqa: ANN001
    c, a, _, ids, before = reviewed
    path = tmp_path / "reviews.json"
    path.write_text(c.get("/v1/reviews/gold", params={"sop": SOP}, headers=a).text, encoding="utf-8")
    built = build_case(load_gold(path).cases[0], tmp_path)
    assert built.unresolved == []
    doc = built.documents[0]
    actions = {s["id"]: s["items"] for s in before["sections"]}["action_items"]
    # the gold evidence covers exactly the turns the reviewed items cited, and says what they quoted
    for got, word in ((built.spans["action_items"][0], ACCEPT), (built.spans["action_items"][1], EDIT),
                      (built.negative_spans["action_items"][0], REJECT)):
        item = _action(actions, word)
        cited = {sid for cit in item["citations"] for sid in cit["segment_ids"]}
        assert cited and {sid for sp in got for sid in sp.segment_ids} == cited
        assert all(cit["quote"] in doc.text[sp.char_start:sp.char_end] for sp in got for cit in item["citations"])


def test_eval_scores_a_review_gold_set_with_rejected_items_and_agreement(reviewed, tmp_path: Path) -> None:  # noqa: ANN001
    c, a, _, _, _ = reviewed
    path = tmp_path / "reviews.yaml"
    path.write_text(c.get("/v1/reviews/gold", params={"sop": SOP, "format": "yaml"}, headers=a).text,
                    encoding="utf-8")
    lines: list[str] = []
    data = json.loads(eval_command(path, None, seeds=2, echo=lines.append))
    sections = {s["section"]: s for s in data["sections"]}
    # the same engine on the same source makes the same items: the accepted and the edited action pair
    # (strictly: same place, same words; the edit changed the due date, not the task); the rejected one
    # comes back and is counted as such, the pending one pairs nothing judged
    assert set(sections) == {"action_items"}
    assert sections["action_items"]["matched"] == 2
    (rejected,) = data["reviews"]["rejected"]
    assert rejected == {**rejected, "section": "action_items", "negatives": 1, "predicted": 4, "accepted": 2,
                        "rejected_again": 1, "unjudged": 1, "negatives_found": 1, "judged_precision": 0.667}
    assert rejected["random_accepted"] is not None  # the baseline ran beside it
    rows = {(r["section"], r["period"]): r for r in data["reviews"]["agreement"]["rows"]}
    total = rows[("action_items", "all")]
    assert [total[k] for k in ("accepted", "edited", "rejected", "pending", "agreed", "kept")] == [
        1, 1, 1, 1, 0.333, 0.667]
    text = "\n".join(lines)
    assert "rejected again" in text and "Reviewer agreement" in text


def test_cli_exports_from_the_store_and_from_a_report_file(reviewed, tmp_path: Path) -> None:  # noqa: ANN001
    c, a, _, ids, _ = reviewed
    settings = c.app.state.service.settings
    env = {"REPORTGEN_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url}
    out = tmp_path / "store.yaml"
    res = CliRunner().invoke(app, ["gold", "export", "--from-reviews", "--sop", SOP, "--tenant", "alpha", "-o",
                                   str(out), "--by", "day"], env=env)
    assert res.exit_code == 0, res.output
    assert "Reviewer agreement" in res.output and TODAY in res.output
    from_store = load_gold(out)
    # the same review from the downloaded JSON and its source file gives the same gold items
    report = tmp_path / "report.json"
    report.write_text(c.get(f"/v1/reports/{ids['alpha']}.json", headers=a).text, encoding="utf-8")
    source = tmp_path / "meeting.txt"
    source.write_bytes(meeting_bytes())
    out2 = tmp_path / "file.yaml"
    res = CliRunner().invoke(app, ["gold", "export", "--from-reviews", "--sop", SOP, "--report", str(report),
                                   "--source", str(source), "--reviewed-on", "2026-01-05", "-o", str(out2)])
    assert res.exit_code == 0, res.output
    from_file = load_gold(out2)
    out3 = tmp_path / "file.jsonl"  # one case a line, each naming its SOP
    res = CliRunner().invoke(app, ["gold", "export", "--from-reviews", "--sop", SOP, "--report", str(report),
                                   "--source", str(source), "-o", str(out3)])
    assert res.exit_code == 0, res.output
    assert [c.sop for c in load_gold(out3).cases] == [SOP]
    assert set(from_store.cases[0].sections) == set(from_file.cases[0].sections) == {"action_items"}
    a_sec, b_sec = from_store.cases[0].sections["action_items"], from_file.cases[0].sections["action_items"]
    assert [i.fields["due"] for i in a_sec.items if i.meta["review"] == "edited"] == [EDITED_DUE]
    assert [i.fields for i in a_sec.items] == [i.fields for i in b_sec.items]
    assert [i.evidence for i in a_sec.items] == [i.evidence for i in b_sec.items]
    assert len(a_sec.negatives) == 1 and [i.evidence for i in a_sec.negatives] == [i.evidence for i in b_sec.negatives]
    assert a_sec.exhaustive is False and b_sec.exhaustive is False
    assert from_file.cases[0].meta["reviewed_at"] == "2026-01-05"
    # the pending item judged too (in the downloaded file): now every item was, and the section says so
    data = json.loads(report.read_text(encoding="utf-8"))
    (acts,) = [s for s in data["sections"] if s["id"] == "action_items"]
    (waiting,) = [i for i in acts["items"] if i["review"] == "pending" and not i["edited"]]
    assert PENDING in waiting["fields"]["task"]
    waiting["review"] = "accepted"
    judged = tmp_path / "all-judged.json"
    judged.write_text(json.dumps(data), encoding="utf-8")
    out4 = tmp_path / "all-judged.yaml"
    res = CliRunner().invoke(app, ["gold", "export", "--from-reviews", "--sop", SOP, "--report", str(judged),
                                   "--source", str(source), "-o", str(out4)])
    assert res.exit_code == 0, res.output
    whole = load_gold(out4).cases[0]
    assert whole.sections["action_items"].exhaustive is True and whole.meta["pending"] == {"action_items": 0}
    assert [i.meta["review"] for i in whole.sections["action_items"].items] == ["accepted", "edited", "accepted"]
    bad = CliRunner().invoke(app, ["gold", "export", "--from-reviews", "--sop", SOP, "--report", str(report)])
    # the missing source is named (`main` prints it as one `error:` line)
    assert isinstance(bad.exception, ReportgenError) and "'meeting.txt'" in str(bad.exception)


def test_agreement_counts_per_section_and_week() -> None:
    mon, next_mon = date(2026, 11, 16), date(2026, 11, 23)
    judged = [Judgement("r1", "decisions", "accepted", mon), Judgement("r1", "decisions", "rejected", mon),
              Judgement("r2", "decisions", "accepted", next_mon), Judgement("r2", "decisions", "edited", next_mon),
              Judgement("r2", "decisions", "pending", next_mon), Judgement("r2", "risks", "rejected", next_mon)]
    table = agreement(judged, "week")
    rows = {(r["section"], r["period"]): r for r in table["rows"]}
    assert [k for k in rows] == [("decisions", "2026-W47"), ("decisions", "2026-W48"), ("decisions", "all"),
                                 ("risks", "2026-W48"), ("risks", "all")]
    w47, w48, total = rows[("decisions", "2026-W47")], rows[("decisions", "2026-W48")], rows[("decisions", "all")]
    assert (w47["judged"], w47["agreed"], w47["kept"]) == (2, 0.5, 0.5)
    assert (w48["judged"], w48["pending"], w48["agreed"], w48["kept"]) == (2, 1, 0.5, 1.0)
    assert (total["reports"], total["accepted"], total["edited"], total["rejected"]) == (2, 2, 1, 1)
    assert rows[("risks", "all")]["agreed"] == 0.0
    by_day = agreement(judged, "day")
    assert {r["period"] for r in by_day["rows"]} == {"2026-11-16", "2026-11-23", "all"}
    assert "2026-W48" in format_agreement(table)


def test_a_report_file_without_its_source_or_not_a_report_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('{"not": "a report"}', encoding="utf-8")
    with pytest.raises(ReportgenError, match="not a report JSON"):
        reviewed_from_file(bad, [])
    with pytest.raises(ReportgenError, match="not found"):
        reviewed_from_file(tmp_path / "missing.json", [])


def _cite(doc, quote: str) -> Citation:  # noqa: ANN001 - a Document
    start = doc.text.index(quote)
    segs = [s.id for s in doc.segments if s.char_start < start + len(quote) and start < s.char_end]
    return Citation(document_id=doc.id, quote=quote, char_start=start, char_end=start + len(quote), status="exact",
                    score=1.0, segment_ids=segs)


def test_paged_sources_keep_char_spans_and_plain_text_falls_back_to_quotes(tmp_path: Path) -> None:
    """A PDF's pages rebuild its text exactly, so evidence is the cited char span; a text file whose
    layout the inline source does not keep is cited by the located quote, placed again on load."""
    pdf = TextBuilder()
    for page, paras in enumerate([["MASTER SERVICES AGREEMENT", "This Agreement is governed by the laws of Delaware."],
                                  ["Either party may terminate for convenience on 30 days notice."]], start=1):
        for para in paras:
            pdf.add(para, page=page, sep="\n\n")
    pdf_doc = finish(pdf, data=b"pdf", filename="msa.pdf", kind="pdf", format="pdf", media_type="application/pdf",
                     pages=2)
    txt = TextBuilder()
    txt.gap("Notes\n=====\n")
    txt.add("Assignment needs the other party's consent.", sep="")
    txt_doc = finish(txt, data=b"txt", filename="notes.md", kind="text", format="markdown", media_type="text/plain")
    law = Item(fields={"clause": "governing law", "summary": "Delaware", "document": "msa.pdf"}, review="accepted",
               citations=[_cite(pdf_doc, "governed by the laws of Delaware")])
    term = Item(fields={"clause": "termination", "summary": "30 days", "document": "msa.pdf"}, review="rejected",
                citations=[_cite(pdf_doc, "terminate for convenience on 30 days notice")])
    assign = Item(fields={"clause": "assignment", "summary": "Consent needed", "document": "notes.md"}, edited=True,
                  citations=[_cite(txt_doc, "needs the other party's consent")])
    report = Report(sop_id="diligence-memo", documents=[DocumentRef.of(pdf_doc), DocumentRef.of(txt_doc)],
                    sections=[Section(id="contract_terms", title="Contract terms", kind="table",
                                      items=[law, term, assign])])
    sop = resolve_sop("diligence-memo")
    gold = gold_from_reviews([ReviewedReport(report, {pdf_doc.id: pdf_doc, txt_doc.id: txt_doc}, date(2026, 11, 2))],
                             sop)
    sec = gold["cases"][0]["sections"]["contract_terms"]
    assert [e for i in sec["items"] for e in i["evidence"]] == [
        {"source": 0, "span": [law.citations[0].char_start, law.citations[0].char_end]},
        {"source": 1, "quote": "needs the other party's consent"}]
    assert sec["negatives"][0]["evidence"][0]["source"] == 0 and sec["exhaustive"] is True
    path = tmp_path / "g.yaml"
    path.write_text(dump_gold(gold, path), encoding="utf-8")
    built = build_case(load_gold(path).cases[0], tmp_path)
    assert built.unresolved == []
    rebuilt_txt = built.documents[1]
    (span,) = built.spans["contract_terms"][1]
    assert rebuilt_txt.text[span.char_start:span.char_end] == "needs the other party's consent"
    with pytest.raises(ReportgenError, match="no reviewed reports"):
        gold_from_reviews([ReviewedReport(report.model_copy(update={"sections": []}), {}, date(2026, 11, 2))], sop)
