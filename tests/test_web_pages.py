"""The web app without a browser: pages render, every form control has a label, assets are served,
the public API gives the pages what they show, and the sign-in cookie stands in for the Bearer header."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reportgen.events import Stage
from reportgen.store.keys import create_key
from tests.service_fixtures import api, meeting_bytes, settings_for, upload, wait_report

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/reports", "/reports/rep_000000000000", "/batches/bat_000000000000"]


class Controls(HTMLParser):
    """Collects form controls and what labels them (label[for], a wrapping label, aria-label(ledby))."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.assets: list[str] = []
        self._in_label = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append({**a, "_wrapped": "1" if self._in_label else ""})
        if tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1


def parse(html: str) -> Controls:
    p = Controls()
    p.feed(html)
    return p


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_labelled_controls(tmp_path: Path, path: str) -> None:
    with api(settings_for(tmp_path)) as client:
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = parse(r.text)
        assert page.lang == "en" and "main" in page.ids
        unlabelled = [c for c in page.controls if not (c.get("id") in page.label_for or c["_wrapped"]
                                                       or c.get("aria-label") or c.get("aria-labelledby"))]
        assert not unlabelled, f"{path}: form controls without a label: {unlabelled}"
        assert page.assets
        for asset in page.assets:
            a = client.get(asset)
            assert a.status_code == 200 and a.content, asset


def test_upload_page_has_its_controls(tmp_path: Path) -> None:
    with api(settings_for(tmp_path)) as client:
        page = parse(client.get("/").text)
    ids = {c.get("id") for c in page.controls}
    assert {"file-input", "engine", "meeting-date", "signin-key"} <= ids
    assert any(c.get("type") == "file" and "multiple" in c for c in page.controls)


def test_page_data_comes_from_the_public_api(tmp_path: Path) -> None:
    """What the pages read: /v1/info, the SOPs in full, and report statuses with their summary."""
    with api(settings_for(tmp_path)) as client:
        info = client.get("/v1/info").json()
        assert info["default"] in info["available"] and info["max_file_bytes"] > 0
        listed = client.get("/v1/sops").json()
        assert all(sec["kind"] and "instructions" in sec for s in listed for sec in s["sections"])
        sops = [client.get(f"/v1/sops/{s['id']}").json() for s in listed]
        assert [s["id"] for s in sops] == [s["id"] for s in listed]
        scorecard = next(s for s in sops if any(sec["kind"] == "scorecard" for sec in s["sections"]))
        crit = next(sec for sec in scorecard["sections"] if sec["kind"] == "scorecard")["criteria"][0]
        assert crit["rubric"] and {"value", "label"} <= set(crit["rubric"][0])
        actions = next(s for s in sops if s["id"] == "meeting-action-items")
        assert any(f.get("type") == "person" for sec in actions["sections"] for f in sec["fields"].values())
        missing = client.get("/v1/sops/no-such-sop")
        assert missing.status_code == 404 and "meeting-action-items" in missing.json()["error"]["message"]

        doc = upload(client, {"call.txt": meeting_bytes()}).json()["documents"][0]
        rep = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc["id"]]}).json()
        wait_report(client, rep["id"])
        assert client.get("/v1/reports").json()[0]["summary"] is None  # a plain list stays as cheap as a poll
        rows = client.get("/v1/reports", params={"summary": "true"}).json()
        assert [r["id"] for r in rows] == [rep["id"]]
        summary = rows[0]["summary"]
        assert summary["sources"] == ["call.txt"] and summary["sop_name"] == "Meeting action items"
        v = client.get(f"/v1/reports/{rep['id']}/result").json()
        assert summary["verification"]["items"] == sum(len(s["items"]) for s in v["sections"])
        assert client.get(f"/v1/reports/{rep['id']}").json()["progress"]["stage"] == "finished"

        batch = client.post("/v1/batches", json={"sop": "meeting-action-items",
                                                 "rooms": [{"name": "acme", "document_ids": [doc["id"]]}]}).json()
        only = client.get("/v1/reports", params={"batch_id": batch["id"], "summary": "true"}).json()
        assert [r["room"] for r in only] == ["acme"] and only[0]["summary"]["sources"] == ["call.txt"]
        assert client.get("/v1/reports", params={"batch_id": "bat_nope"}).status_code == 404
        assert client.get("/v1/web/sops").status_code == 404  # the private routes are gone


def test_report_page_listens_for_every_stage(tmp_path: Path) -> None:
    """The page subscribes to the stages the server names (an EventSource drops unnamed ones)."""
    with api(settings_for(tmp_path)) as client:
        html = client.get("/reports/rep_000000000000").text
    [stages] = re.findall(r'data-stages="([^"]*)"', html)
    assert stages.split() == [s.value for s in Stage]
    assert "const STAGES = [" not in (ROOT / "web" / "static" / "report.js").read_text()


def test_sign_in_cookie_authorises_api_calls(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with api(settings) as client:
        with client.app.state.service.db.session() as s:
            _, key = create_key(s, "acme")
        r = client.get("/v1/reports")
        assert r.status_code == 401 and "API key" in r.json()["error"]["message"]
        bad = client.post("/web/session", data={"key": "rgk_00000000_" + "x" * 40, "next": "/reports"},
                          follow_redirects=False)
        assert bad.status_code == 303 and bad.headers["location"] == "/reports?signin=invalid"
        assert "reportgen_key" not in bad.headers.get("set-cookie", "")
        off_site = client.post("/web/session", data={"key": key, "next": "//evil.example/"}, follow_redirects=False)
        assert off_site.headers["location"] == "/"
        cookie = off_site.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert client.get("/v1/reports").status_code == 200  # the client kept the cookie
        assert client.get("/v1/reports", headers={"Authorization": "Bearer wrong"}).status_code == 401
        client.post("/web/session/end", follow_redirects=False)
        client.cookies.clear()
        assert client.get("/v1/reports").status_code == 401
