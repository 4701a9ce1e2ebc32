"""Honest job states (issue 14): a report some of whose sections failed finishes as a partial report,
said in its last event and as `partial` in the API status; one whose every section failed is failed."""

from __future__ import annotations

from sqlmodel import col, select

from reportgen.jobs.claims import PARTIAL
from reportgen.jobs.run import execute_job
from reportgen.store.db import Database
from reportgen.store.documents import save_document
from reportgen.store.keys import get_or_create_tenant
from reportgen.store.reports import create_report, report_statuses
from reportgen.store.tables import EventRow, Job
from reportgen.testing import Fault, serve_fake_openai
from reportgen.testing.samples import transcript
from tests.service_fixtures import settings_for


def test_a_job_with_some_sections_failed_is_a_partial_report(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from reportgen.api.reports import status_out

    db = Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    with db.session() as s:
        t = get_or_create_tenant(s, "acme")
        row = save_document(s, t.id, transcript(), blob_sha256=None, size=0)
        _, job = create_report(s, t.id, sop_id="meeting-action-items", document_ids=[row.id], engine="llm",
                               options={}, max_attempts=1)
        s.commit()
    with serve_fake_openai(faults=[Fault("server_error", match="Section: Decisions")]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("REPORTGEN_MAX_RETRIES", "0")
        assert execute_job(job.id, db=db, settings=settings_for(tmp_path)) == "succeeded"
    with db.session() as s:
        done = s.get(Job, job.id)
        last = s.exec(select(EventRow).where(EventRow.report_id == done.report_id)
                      .order_by(col(EventRow.id).desc())).first()
        assert last is not None and last.message.startswith(PARTIAL) and "Decisions" in last.message
        assert last.data["partial"] is True and last.data["failed_sections"] == ["decisions"]
        status = status_out(report_statuses(s, done.tenant_id, report_id=done.report_id)[0])
    assert status.state == "succeeded" and status.partial and "1 of" in status.progress.message
    db.dispose()


def test_every_output_of_a_partial_report_says_partial_first(tmp_path) -> None:  # noqa: ANN001
    import docx

    from reportgen.render import render_docx, render_html, render_markdown
    from tests.render_samples import sample_report

    report = sample_report()
    failed = report.sections[1]
    report.sections[1] = failed.model_copy(update={"status": "failed"})
    titles = [s.title for s in report.sections if s.status == "failed"]
    assert failed.title in titles
    expected = f"Partial report: {len(titles)} of {len(report.sections)} sections failed ({', '.join(titles)})"
    assert expected in render_markdown(report)
    assert expected in render_html(report)
    body = "\n".join(p.text for p in docx.Document(str(render_docx(report, tmp_path / "r.docx"))).paragraphs)
    body += "\n".join(c.text for t in docx.Document(str(tmp_path / "r.docx")).tables for r in t.rows for c in r.cells)
    assert expected in body
