"""Browser-origin attacks replayed in headless Chromium against a real `reportgen serve` (issue 14).

Each test serves an attacker's page from a second origin (127.0.0.2, or another port of
127.0.0.1 for "same-site") and lets the victim's browser run it. Chromium is started with
`--host-resolver-rules`, so `evil.example` resolves to the victim's 127.0.0.1 (what DNS
rebinding achieves) and `attacker.example` to the attacker's 127.0.0.2, with no DNS server.

What each attack tried, and what must now happen (the server's answer is read from
Playwright's network log, the server's state through the API):

* keyless mode, cross-site page: upload a document and start a batch -> 403, nothing stored;
* keyless mode, DNS rebinding (`Host: evil.example`): read the document list -> 400;
* cookie mode, page on another port of the same host (same-site, so the SameSite=Strict
  cookie is sent): upload -> 403, nothing stored;
* a cross-site page auto-submitting a form to `/web/session` with the attacker's key (login
  CSRF) -> 403, no cookie planted;
* a cross-site page framing the upload page -> the frame is refused (CSP frame-ancestors,
  X-Frame-Options).

Bearer-key calls from a non-browser (no Origin, no Sec-Fetch-Site) keep working.
"""

from __future__ import annotations

import base64
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.test_web_browser import ROOT, TRANSCRIPT, chromium, free_port, serve

ATTACKER_IP = "127.0.0.2"


@contextmanager
def attacker_site(host: str, html: str) -> Iterator[int]:
    """A plain HTTP server on `host` that answers every GET with the attacker's page."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    srv = http.server.ThreadingHTTPServer((host, port), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield port
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(f"--host-resolver-rules=MAP evil.example 127.0.0.1, MAP attacker.example {ATTACKER_IP}") as b:
        yield b


def _reports_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTGEN_", "DATABASE_URL"))}
    env.update({"REPORTGEN_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)})
    return env


def create_key(data: Path, tenant: str) -> str:
    out = subprocess.run([sys.executable, "-m", "reportgen.cli", "keys", "create", "--tenant", tenant,
                          "--new-database"],
                         env=_reports_env(data), cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def keyless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("origin-keyless")
    with serve(tmp_path_factory, REPORTGEN_DATA_DIR=str(data), REPORTGEN_WORKERS="0") as base:
        yield base


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A loopback server with keys: (base URL, the victim's key, the attacker's key)."""
    data = tmp_path_factory.mktemp("origin-keyed")
    victim, attacker = create_key(data, "victim"), create_key(data, "mallory")
    with serve(tmp_path_factory, REPORTGEN_DATA_DIR=str(data), REPORTGEN_WORKERS="0") as base:
        yield base, victim, attacker


def room_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("acme/call.txt", TRANSCRIPT)
    return buf.getvalue()


def upload_script(target: str, *, batch: bool) -> str:
    """The attacker's page: `no-cors` POSTs (multipart is a "simple" request, so no preflight stops it)."""
    zip_b64 = base64.b64encode(room_zip()).decode()
    txt_b64 = base64.b64encode(TRANSCRIPT).decode()
    return f"""<!doctype html><title>cute cats</title><script>
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    (async () => {{
      const up = new FormData();
      up.append("files", new Blob([bytes("{txt_b64}")], {{type: "text/plain"}}), "stolen-call.txt");
      await fetch("{target}/v1/documents", {{method: "POST", body: up, mode: "no-cors", credentials: "include"}})
        .catch(() => null);
      if ({json.dumps(batch)}) {{
        const b = new FormData();
        b.append("file", new Blob([bytes("{zip_b64}")], {{type: "application/zip"}}), "rooms.zip");
        b.append("sop", "meeting-action-items");
        await fetch("{target}/v1/batches/upload", {{method: "POST", body: b, mode: "no-cors", credentials: "include"}})
          .catch(() => null);
      }}
      document.title = "done";
    }})();
    </script>"""


def run_page(browser, url: str, *, cookies: list[dict] | None = None, wait_title: str | None = "done"):  # noqa: ANN001, ANN201
    """Open `url` in a fresh context; return {url: status} of every response the page got."""
    ctx = browser.new_context()
    if cookies:
        ctx.add_cookies(cookies)
    pg = ctx.new_page()
    statuses: dict[str, int] = {}
    pg.on("response", lambda r: statuses.__setitem__(r.url, r.status))
    pg.goto(url)
    if wait_title:
        pg.wait_for_function(f"document.title === {json.dumps(wait_title)}", timeout=30_000)
    return ctx, pg, statuses


def test_keyless_cross_site_upload_and_batch_are_refused(browser, keyless: str) -> None:  # noqa: ANN001
    with attacker_site(ATTACKER_IP, upload_script(keyless, batch=True)) as port:
        ctx, _, statuses = run_page(browser, f"http://attacker.example:{port}/")
        ctx.close()
    assert statuses[keyless + "/v1/documents"] == 403, statuses
    assert statuses[keyless + "/v1/batches/upload"] == 403, statuses
    assert httpx.get(keyless + "/v1/documents").json() == []
    assert httpx.get(keyless + "/v1/batches").json() == []


def test_keyless_dns_rebinding_host_is_refused(browser, keyless: str) -> None:  # noqa: ANN001
    port = keyless.rsplit(":", 1)[1]
    ctx = browser.new_context()
    pg = ctx.new_page()
    resp = pg.goto(f"http://evil.example:{port}/v1/documents")
    status, text = resp.status, pg.content()
    ctx.close()
    assert status == 400 and "evil.example" in text
    # the real names of this machine still work, from a browser too
    for host in ("127.0.0.1", "localhost"):
        assert httpx.get(f"http://{host}:{port}/v1/documents").status_code == 200


def test_cookie_mode_same_site_other_port_upload_is_refused(browser, keyed) -> None:  # noqa: ANN001
    base, victim, _ = keyed
    cookie = {"name": "reportgen_key", "value": victim, "url": base, "httpOnly": True, "sameSite": "Strict"}
    with attacker_site("127.0.0.1", upload_script(base, batch=False)) as port:
        ctx, _, statuses = run_page(browser, f"http://127.0.0.1:{port}/", cookies=[cookie])
        ctx.close()
    assert statuses[base + "/v1/documents"] == 403, statuses
    auth = {"Authorization": f"Bearer {victim}"}
    assert httpx.get(base + "/v1/documents", headers=auth).json() == []
    # a bearer-key client (no browser, no Origin) still uploads
    r = httpx.post(base + "/v1/documents", headers=auth, files=[("files", ("call.txt", TRANSCRIPT))])
    assert r.status_code == 201, r.text


def test_cross_site_login_form_plants_no_cookie(browser, keyed) -> None:  # noqa: ANN001
    base, _, attacker_key = keyed
    html = f"""<!doctype html><title>win a prize</title><body onload="document.forms[0].submit()">
    <form method="post" action="{base}/web/session"><input name="key" value="{attacker_key}">
    <input name="next" value="/"></form></body>"""
    with attacker_site(ATTACKER_IP, html) as port:
        ctx = browser.new_context()
        pg = ctx.new_page()
        statuses: dict[str, int] = {}
        pg.on("response", lambda r: statuses.__setitem__(r.url, r.status))
        pg.goto(f"http://attacker.example:{port}/")
        pg.wait_for_load_state("load")
        pg.wait_for_timeout(500)
        cookies = [c for c in ctx.cookies(base) if c["name"] == "reportgen_key"]
        ctx.close()
    assert statuses.get(base + "/web/session") == 403, statuses
    assert cookies == []


def test_pages_cannot_be_framed(browser, keyless: str) -> None:  # noqa: ANN001
    html = f"""<!doctype html><title>frame</title><iframe id="f" src="{keyless}/" width=800 height=600
    onload="setTimeout(() => document.title = 'done', 300)"></iframe>"""
    with attacker_site(ATTACKER_IP, html) as port:
        ctx, pg, statuses = run_page(browser, f"http://attacker.example:{port}/")
        framed = [f for f in pg.frames if f is not pg.main_frame]
        shown = [f.query_selector("header.topbar") is not None for f in framed]
        ctx.close()
    assert statuses.get(keyless + "/") == 200  # the page was fetched, then refused its frame
    assert framed and not any(shown)
    headers = httpx.get(keyless + "/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
