"""Status polls from memory: a change made elsewhere shows within the window, one made here at once, and the
window never crosses tenants or apps."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

from reportgen.jobs.status_cache import STATUS_CACHE, StatusCache
from reportgen.store.tables import Job
from tests.service_fixtures import api, meeting_bytes, settings_for, upload, wait_report


def _finished(c) -> str:  # noqa: ANN001
    doc = upload(c, {"call.txt": meeting_bytes(extra=5)}).json()["documents"][0]["id"]
    rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                      "engine": "local"}).json()["id"]
    assert wait_report(c, rid)["state"] == "succeeded"
    return rid


def _elsewhere(c, rid: str, attempts: int) -> None:  # noqa: ANN001
    """What a Celery worker or another HTTP process does: a plain UPDATE this process cannot hear about."""
    with c.app.state.service.db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.report_id == rid).values(attempts=attempts))


def test_a_change_made_elsewhere_shows_within_the_window(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(STATUS_CACHE, "ttl", 0.5)
    with api(settings_for(tmp_path)) as c:
        rid = _finished(c)
        before = c.get(f"/v1/reports/{rid}")
        _elsewhere(c, rid, 7)
        changed_at = time.monotonic()
        while (r := c.get(f"/v1/reports/{rid}")).json()["job"]["attempts"] != 7:
            assert r.headers["etag"] == before.headers["etag"]  # a stale body keeps its own row's tag
            assert time.monotonic() - changed_at < 0.5 + 2, "a status stayed stale past the window"
            time.sleep(0.05)
        assert r.headers["etag"] != before.headers["etag"]
        assert c.get(f"/v1/reports/{rid}", headers={"If-None-Match": before.headers["etag"]}).status_code == 200


def test_with_the_window_at_zero_every_poll_reads_the_row(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(STATUS_CACHE, "ttl", 0.0)
    with api(settings_for(tmp_path)) as c:
        rid = _finished(c)
        assert c.get(f"/v1/reports/{rid}").json()["job"]["attempts"] == 1
        _elsewhere(c, rid, 5)
        assert c.get(f"/v1/reports/{rid}").json()["job"]["attempts"] == 5


def test_the_cache_is_per_app_and_tenant_and_bounded() -> None:
    cache = StatusCache(ttl=60)
    cache.put(1, "t1", "rep_a", '"x"', b"{}")
    assert cache.get(1, "t1", "rep_a") is not None
    assert cache.get(2, "t1", "rep_a") is None and cache.get(1, "t2", "rep_a") is None
    cache.invalidate("rep_a")
    assert cache.get(1, "t1", "rep_a") is None
    expired = StatusCache(ttl=0.01)
    expired.put(1, "t1", "rep_b", '"y"', b"{}")
    time.sleep(0.03)
    assert expired.get(1, "t1", "rep_b") is None
