"""The Host and same-origin checks (`reportgen.api.origins`) at the HTTP level, every case by its status.

The browser replays of the same attacks are in tests/test_web_origin.py; here the headers a
browser would send are written by hand, so each rule is seen on its own.
"""

from __future__ import annotations

import pytest

from reportgen.api.origins import cross_origin, host_allowed
from reportgen.store.config import ServiceSettings
from reportgen.store.keys import create_key
from tests.service_fixtures import api, settings_for, upload

TXT = {"call.txt": b"[00:00:05] Jason: We decided to move the invoices service in March.\n"}


@pytest.mark.parametrize(("host", "ok"), [
    ("localhost", True), ("localhost:8000", True), ("127.0.0.1:1", True), ("[::1]:8000", True), ("[::1]", True),
    ("evil.example", False), ("evil.example:8000", False), ("127.0.0.2:8000", False), ("localhost.evil.example", False),
    ("", False), ("[::1", False),
])
def test_loopback_names(host: str, ok: bool) -> None:
    assert host_allowed(host, frozenset({"localhost", "127.0.0.1", "[::1]"})) is ok


@pytest.mark.parametrize(("method", "headers", "refused"), [
    ("POST", {}, False),  # curl, a script: no browser headers at all
    ("GET", {"sec-fetch-site": "cross-site"}, False),  # reads are not writes
    ("POST", {"sec-fetch-site": "same-origin"}, False),
    ("POST", {"sec-fetch-site": "none"}, False),  # typed by the user
    ("POST", {"sec-fetch-site": "same-site"}, True),  # another port of this host
    ("POST", {"sec-fetch-site": "cross-site"}, True),
    ("POST", {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}, False),
    ("PATCH", {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:9000"}, True),
    ("POST", {"host": "127.0.0.1:8000", "origin": "null"}, True),  # a sandboxed frame or data: page
    ("POST", {"host": "reports.example.com", "origin": "https://reports.example.com"}, False),  # behind TLS
    ("POST", {"host": "reports.example.com:443", "origin": "https://reports.example.com"}, False),
    ("DELETE", {"host": "127.0.0.1:8000", "referer": "http://127.0.0.2:8000/x"}, True),
    ("POST", {"host": "127.0.0.1:8000", "referer": "http://127.0.0.1:8000/reports/1"}, False),
])
def test_cross_origin_rule(method: str, headers: dict[str, str], refused: bool) -> None:
    assert (cross_origin(method, headers) is not None) is refused


def test_keyless_answers_only_loopback_hosts(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path)) as c:
        assert c.get("/v1/documents").status_code == 200
        r = c.get("/v1/documents", headers={"Host": "evil.example:8000"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "host_not_allowed"
        assert "evil.example" in r.json()["error"]["message"]
        r = upload(c, TXT, headers={"Origin": "http://127.0.0.2:8000"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
        assert upload(c, TXT, headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
        r = c.post("/web/session", data={"key": "rgk_x", "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"},
                   follow_redirects=False)
        assert r.status_code == 403  # login CSRF
        assert c.get("/v1/documents").json() == []
        # the page's own requests and non-browser clients still write
        assert upload(c, TXT, headers={"Origin": "http://localhost"}).status_code == 201
        assert upload(c, TXT, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201
        assert upload(c, TXT).status_code == 201
        assert c.get("/v1/documents").headers["x-frame-options"] == "DENY"


def test_keys_bearer_from_anywhere_cookie_only_from_here(tmp_path) -> None:  # noqa: ANN001
    settings = settings_for(tmp_path, open_when_no_keys=False)
    with api(settings) as c:
        with c.app.state.service.db.session() as s:  # type: ignore[attr-defined]
            _, key = create_key(s, "acme")
        bearer = {"Authorization": f"Bearer {key}"}
        # any Host while REPORTGEN_ALLOWED_HOSTS is unset; a bearer key from another origin is no ambient credential
        assert c.get("/v1/documents", headers={**bearer, "Host": "reports.example.com"}).status_code == 200
        assert upload(c, TXT, headers={**bearer, "Origin": "http://elsewhere.example"}).status_code == 201
        c.cookies.set("reportgen_key", key)
        assert upload(c, TXT, headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
        assert upload(c, TXT, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201


def test_configured_host_list(tmp_path) -> None:  # noqa: ANN001
    settings = ServiceSettings.from_env({"REPORTGEN_ALLOWED_HOSTS": "reports.example.com, 127.0.0.1:8000"},
                                        data_dir=tmp_path, runner="thread", workers=0)
    assert settings.allowed_hosts == ("reports.example.com", "127.0.0.1:8000")
    with api(settings) as c:
        with c.app.state.service.db.session() as s:  # type: ignore[attr-defined]
            _, key = create_key(s, "acme")
        bearer = {"Authorization": f"Bearer {key}"}
        assert c.get("/v1/sops", headers={**bearer, "Host": "reports.example.com"}).status_code == 200
        assert c.get("/v1/sops", headers={**bearer, "Host": "127.0.0.1:8000"}).status_code == 200
        assert c.get("/v1/sops", headers={**bearer, "Host": "127.0.0.1:9000"}).status_code == 400  # the port counts
        r = c.get("/v1/sops", headers={**bearer, "Host": "evil.example"})
        assert r.status_code == 400 and "REPORTGEN_ALLOWED_HOSTS" in r.json()["error"]["message"]
    assert ServiceSettings.from_env({"REPORTGEN_ALLOWED_HOSTS": "*"}).allowed_hosts is None
