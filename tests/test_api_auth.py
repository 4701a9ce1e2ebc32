"""API keys, tenant isolation (tenant A gets 404 for every object of tenant B), the keyless local default,
and upload size limits."""

from __future__ import annotations

import pytest

from reportgen.store.keys import revoke_key
from tests.service_fixtures import api, key_headers, make_zip, meeting_bytes, settings_for, upload, wait_report


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # noqa: ANN201
    """Tenant A with a document, a finished report, feedback and a batch; tenant B with a key and nothing else."""
    with api(settings_for(tmp_path_factory.mktemp("auth"), open_when_no_keys=False)) as c:
        a, b = key_headers(c, "alpha"), key_headers(c, "beta")
        doc = upload(c, {"m.txt": meeting_bytes()}, headers=a).json()["documents"][0]["id"]
        rep = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc], "engine": "local"},
                     headers=a).json()["id"]
        wait_report(c, rep, headers=a)
        result = c.get(f"/v1/reports/{rep}/result", headers=a).json()
        item = next(s for s in result["sections"] if s["id"] == "action_items")["items"][0]["id"]
        c.post(f"/v1/reports/{rep}/feedback", json={"section_id": result["sections"][0]["id"], "vote": "up"},
               headers=a)
        batch = c.post("/v1/batches", json={"sop": "meeting-action-items", "engine": "local",
                                            "rooms": [{"name": "r", "document_ids": [doc]}]}, headers=a).json()["id"]
        wait_report(c, c.get(f"/v1/batches/{batch}", headers=a).json()["reports"][0]["report_id"], headers=a)
        yield c, a, b, {"doc": doc, "rep": rep, "item": item, "batch": batch}


def test_requests_without_a_valid_key_get_401(world) -> None:  # noqa: ANN001
    c, a, _, ids = world
    for path in ("/v1/documents", "/v1/reports", "/v1/sops", f"/v1/reports/{ids['rep']}"):
        r = c.get(path)
        assert r.status_code == 401 and "reportgen keys create" in r.json()["error"]["message"]
        assert r.headers["www-authenticate"] == "Bearer"
        assert c.get(path, headers={"Authorization": "Bearer rgk_00000000_not-a-real-key-at-all-xx"}).status_code == 401
        assert c.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    assert c.get("/v1/documents", headers=a).status_code == 200


def test_tenant_b_gets_404_for_every_object_of_tenant_a(world) -> None:  # noqa: ANN001
    c, a, b, ids = world
    doc, rep, item, batch = ids["doc"], ids["rep"], ids["item"], ids["batch"]
    gets = [f"/v1/documents/{doc}", f"/v1/reports/{rep}", f"/v1/reports/{rep}/result", f"/v1/reports/{rep}/events",
            f"/v1/reports/{rep}.pdf", f"/v1/reports/{rep}/download?format=md", f"/v1/reports/{rep}/feedback",
            f"/v1/reports/{rep}/llm-calls", f"/v1/batches/{batch}", f"/v1/batches/{batch}/download?format=md"]
    for path in gets:
        assert c.get(path, headers=a).status_code == 200, path  # the owner sees it
        r = c.get(path, headers=b)
        assert r.status_code == 404, (path, r.status_code)
        assert r.json()["error"]["code"] == "not_found" and "alpha" not in r.text
    writes = [
        ("patch", f"/v1/reports/{rep}/items/{item}", {"review": "rejected"}),
        ("post", f"/v1/reports/{rep}/feedback", {"section_id": "summary", "vote": "down"}),
        ("post", "/v1/reports", {"sop": "meeting-action-items", "document_ids": [doc]}),
        ("post", "/v1/batches", {"sop": "meeting-action-items", "rooms": [{"name": "x", "document_ids": [doc]}]}),
    ]
    for method, path, body in writes:
        r = getattr(c, method)(path, json=body, headers=b)
        assert r.status_code == 404, (path, r.status_code, r.text)
    for path in ("/v1/documents", "/v1/reports", "/v1/batches"):
        assert c.get(path, headers=b).json() == []
    sections = c.get(f"/v1/reports/{rep}/result", headers=a).json()["sections"]
    assert next(s for s in sections if s["id"] == "action_items")["items"][0]["review"] == "pending"


def test_idempotency_keys_are_per_tenant(world) -> None:  # noqa: ANN001
    c, a, b, _ = world
    h = {"Idempotency-Key": "same-key"}
    ra = upload(c, {"x.txt": meeting_bytes(company="X")}, headers={**a, **h})
    rb = upload(c, {"x.txt": meeting_bytes(company="X")}, headers={**b, **h})
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["documents"][0]["id"] != rb.json()["documents"][0]["id"]


def test_revoked_key_gets_401(world) -> None:  # noqa: ANN001
    c, *_ = world
    h = key_headers(c, "gamma")
    assert c.get("/v1/documents", headers=h).status_code == 200
    with c.app.state.service.db.session() as s:
        revoke_key(s, h["Authorization"].split("_")[1])
    assert c.get("/v1/documents", headers=h).status_code == 401


def test_keyless_local_default_only_until_the_first_key(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path, open_when_no_keys=True)) as c:
        assert c.get("/v1/documents").status_code == 200  # a fresh install on loopback: the implicit local tenant
        h = key_headers(c, "team")
        assert c.get("/v1/documents").status_code == 401
        assert c.get("/v1/documents", headers=h).status_code == 200
    with api(settings_for(tmp_path / "public", open_when_no_keys=False)) as c:
        assert c.get("/v1/documents").status_code == 401  # bound beyond loopback: never keyless


def test_uploads_over_the_limit_get_413_while_streaming(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path, max_upload_bytes=64 * 1024)) as c:
        r = upload(c, {"big.txt": meeting_bytes(extra=1500)})
        assert r.status_code == 413 and "limit" in r.json()["error"]["message"]

        big = make_zip({"a.txt": meeting_bytes(extra=1500)}, compression=0)

        def chunks():  # noqa: ANN202 - no Content-Length: the limit must hold while the body streams
            boundary = b"--xyz\r\n"
            yield boundary + b'Content-Disposition: form-data; name="files"; filename="a.zip"\r\n\r\n'
            for i in range(0, len(big), 8192):
                yield big[i:i + 8192]
            yield b"\r\n--xyz--\r\n"

        r = c.post("/v1/documents", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        assert upload(c, {"small.txt": meeting_bytes()}).status_code == 201
