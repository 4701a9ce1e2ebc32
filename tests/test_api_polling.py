"""The polling path: a status poll is one query that skips the report JSON, and the API key
cache honours revocations within its documented bound (`auth_cache_seconds`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, update

from reportgen.jobs.status_cache import STATUS_CACHE
from reportgen.store.keys import create_key, hash_key
from reportgen.store.tables import ApiKey, now
from tests.service_fixtures import api, client_on, meeting_bytes, settings_for, upload, wait_report


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request, tmp_path) -> Iterator:  # noqa: ANN001
    yield from client_on(request.param, tmp_path, open_when_no_keys=False)


def _key(client, tenant: str) -> tuple[dict, str]:  # noqa: ANN001
    with client.app.state.service.db.session() as s:
        _, key = create_key(s, tenant)
    return {"Authorization": f"Bearer {key}"}, key


def _revoke_elsewhere(client, key: str) -> None:  # noqa: ANN001
    """Revoke the way another process (the CLI, another server) would: a plain UPDATE, which this
    process's cache cannot hear about."""
    with client.app.state.service.db.engine.begin() as conn:
        conn.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(revoked_at=now()))


def _statements(client, path: str, headers: dict) -> list[str]:  # noqa: ANN001
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        # the engine is shared with the background threads (pre-render, job runner, lease beats): count only
        # what the request itself runs, or a pre-render finishing a moment late is counted as the poll's
        name = threading.current_thread().name
        if not name.startswith(("reportgen-", "lease-")):
            seen.append(statement)

    engine = client.app.state.service.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        r = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert r.status_code == 200, r.text
    return seen


def test_a_status_poll_is_one_query_without_the_report_json(client) -> None:  # noqa: ANN001
    h, _ = _key(client, "poller")
    doc = upload(client, {"call.txt": meeting_bytes(extra=20)}, headers=h).json()["documents"][0]["id"]
    rid = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                           "engine": "local"}, headers=h).json()["id"]
    done = wait_report(client, rid, headers=h)
    assert done["state"] == "succeeded"
    assert done["progress"]["stage"] == "finished" and done["progress"]["done"] == done["progress"]["total"]
    assert done["job"]["finished_at"] is not None
    # the finished job's PDF and DOCX are rendered in the background; let that settle so only the poll's
    # own statements are counted (the recorder sees every statement on the engine)
    deadline = time.monotonic() + 120
    def preparing() -> bool:
        formats = client.get(f"/v1/reports/{rid}/downloads", headers=h).json()["formats"]
        return any(v == "preparing" for v in formats.values())

    while preparing():
        assert time.monotonic() < deadline, "downloads still preparing after 120 s"
        time.sleep(0.2)

    STATUS_CACHE.clear()  # as after the cache's window: the poll reads the row
    statements = _statements(client, f"/v1/reports/{rid}", h)  # the key is cached by the polls above
    assert len(statements) == 1, statements
    assert "reports.data" not in statements[0] and "inputs" not in statements[0]
    assert _statements(client, f"/v1/reports/{rid}", h) == []  # within the window: from memory, no query

    listing = client.get("/v1/reports", headers=h).json()
    assert [r["id"] for r in listing] == [rid] and listing[0]["progress"] == done["progress"]
    other, _ = _key(client, "someone-else")
    assert client.get(f"/v1/reports/{rid}", headers=other).status_code == 404
    assert client.get("/v1/reports", headers=other).json() == []


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_bound(tmp_path) -> None:  # noqa: ANN001
    bound = 0.5
    with api(settings_for(tmp_path, open_when_no_keys=False, auth_cache_seconds=bound)) as c:
        h, key = _key(c, "acme")
        assert c.get("/v1/reports", headers=h).status_code == 200  # now cached
        _revoke_elsewhere(c, key)
        revoked_at = time.monotonic()
        while c.get("/v1/reports", headers=h).status_code == 200:
            assert time.monotonic() - revoked_at < bound + 2, "a revoked key was still served past the bound"
            time.sleep(0.05)
        assert c.get("/v1/reports", headers=h).status_code == 401


def test_with_no_cache_a_revoked_key_is_refused_on_the_next_request(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path, open_when_no_keys=False, auth_cache_seconds=0)) as c:
        h, key = _key(c, "acme")
        assert c.get("/v1/reports", headers=h).status_code == 200
        _revoke_elsewhere(c, key)
        assert c.get("/v1/reports", headers=h).status_code == 401


def test_keyless_mode_ends_within_the_bound_when_a_key_is_created_elsewhere(tmp_path) -> None:  # noqa: ANN001
    bound = 0.5
    with api(settings_for(tmp_path, open_when_no_keys=True, auth_cache_seconds=bound)) as c:
        assert c.get("/v1/reports").status_code == 200  # the implicit local tenant, now cached
        with c.app.state.service.db.engine.begin() as conn:  # a key made by another process
            conn.execute(ApiKey.__table__.insert().values(
                id="key_elsewhere", tenant_id="local", prefix="0badc0de", key_hash=hash_key("x"), label="",
                created_at=now()))
        made_at = time.monotonic()
        while c.get("/v1/reports").status_code == 200:
            assert time.monotonic() - made_at < bound + 2, "keyless requests still served past the bound"
            time.sleep(0.05)
        assert c.get("/v1/reports").status_code == 401


def test_unknown_keys_are_never_cached(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path, open_when_no_keys=False)) as c:
        h, _ = _key(c, "acme")
        wrong = {"Authorization": h["Authorization"][:-2] + "zz"}
        assert c.get("/v1/reports", headers=wrong).status_code == 401
        assert c.get("/v1/reports", headers=h).status_code == 200
        assert c.get("/v1/reports", headers=wrong).status_code == 401


def test_a_poll_with_the_current_etag_gets_a_bodiless_304_until_the_status_changes(client) -> None:  # noqa: ANN001
    h, _ = _key(client, "etags")
    doc = upload(client, {"call.txt": meeting_bytes(extra=5)}, headers=h).json()["documents"][0]["id"]
    rid = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                           "engine": "local"}, headers=h).json()["id"]
    early = client.get(f"/v1/reports/{rid}", headers=h).headers["etag"]
    done = wait_report(client, rid, headers=h)
    assert done["state"] == "succeeded"
    first = client.get(f"/v1/reports/{rid}", headers=h)
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('"') and tag != early  # strong, and it moved with the job
    assert client.get(f"/v1/reports/{rid}", headers=h).headers["etag"] == tag  # the same status, the same tag

    for sent in (tag, f"W/{tag}", f'"stale", {tag}', "*"):
        r = client.get(f"/v1/reports/{rid}", headers={**h, "If-None-Match": sent})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == tag, sent
    assert client.get(f"/v1/reports/{rid}", headers={**h, "If-None-Match": early}).json() == first.json()

    # an edit bumps the revision: the old tag now gets the new status in full, under a new tag
    report = client.get(f"/v1/reports/{rid}/result", headers=h).json()
    item = next(i for s in report["sections"] for i in s["items"] if i["fields"])
    field = next(iter(item["fields"]))
    assert client.patch(f"/v1/reports/{rid}/items/{item['id']}", json={"fields": {field: "edited"}},
                        headers=h).status_code == 200
    changed = client.get(f"/v1/reports/{rid}", headers={**h, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.json()["revision"] == first.json()["revision"] + 1
    assert changed.headers["etag"] != tag
    assert client.get(f"/v1/reports/{rid}", headers={**h, "If-None-Match": changed.headers["etag"]}).status_code == 304

    # another tenant holding the tag learns nothing: 404, not 304
    other, _ = _key(client, "etags-other")
    assert client.get(f"/v1/reports/{rid}", headers={**other, "If-None-Match": changed.headers["etag"]}
                      ).status_code == 404
