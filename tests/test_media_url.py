"""A transcript's recording (`media_url`): set at upload, changed and removed with PATCH, refused when it is
not a plain http(s) URL, scoped to the tenant (SQLite and PostgreSQL); and in headless Chromium the report
page plays it from a citation's time (a WAV made here, served from a loopback http.server).
Screenshot: test-artifacts/web/media-play-from.png."""

from __future__ import annotations

import functools
import http.server
import io
import re
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reportgen.procs import free_port
from reportgen.testing.samples import MEETING_LINES
from tests.service_fixtures import client_on, key_headers, upload

MEDIA = "https://media.example.com/calls/acme-2026-03-02.mp3"
STEP = 4.0  # seconds between cues of the test transcript


def vtt_bytes() -> bytes:
    """The shared meeting lines as WebVTT cues STEP seconds apart, so citations carry real start times."""
    def clock(t: float) -> str:
        return f"00:{int(t) // 60:02d}:{int(t) % 60:02d}.000"
    cues = [f"{clock(i * STEP)} --> {clock(i * STEP + STEP - 0.5)}\n<v {who}>{line}"
            for i, (who, line) in enumerate(MEETING_LINES)]
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):  # noqa: ANN001, ANN201
    for c in client_on(request.param, tmp_path_factory.mktemp(f"media-{request.param}"), open_when_no_keys=False):
        yield c, key_headers(c, "alpha"), key_headers(c, "beta")


def test_set_at_upload_for_transcripts_only_and_returned_everywhere(world) -> None:  # noqa: ANN001
    c, a, _ = world
    r = upload(c, {"call.vtt": vtt_bytes(), "notes.txt": b"Plain notes about the call."}, headers=a,
               media_url=MEDIA)
    assert r.status_code == 201, r.text
    call, notes = r.json()["documents"]
    assert (call["kind"], call["media_url"]) == ("transcript", MEDIA)
    assert notes["media_url"] is None and any("media_url ignored" in w for w in notes["warnings"])
    assert c.get(f"/v1/documents/{call['id']}", params={"text": "false"}, headers=a).json()["media_url"] == MEDIA
    listed = {d["id"]: d["media_url"] for d in c.get("/v1/documents", headers=a).json()}
    assert listed[call["id"]] == MEDIA and listed[notes["id"]] is None
    again = upload(c, {"call.vtt": vtt_bytes()}, headers=a, media_url=MEDIA + "?v=2").json()["documents"][0]
    assert again["id"] == call["id"] and again["media_url"] == MEDIA + "?v=2"  # the same file: updated in place
    same = upload(c, {"call.vtt": vtt_bytes()}, headers=a).json()["documents"][0]
    assert same["media_url"] == MEDIA + "?v=2"  # an upload without the field leaves it as it was


def test_an_upload_without_a_transcript_refuses_media_url(world) -> None:  # noqa: ANN001
    c, a, _ = world
    r = upload(c, {"only-notes.txt": b"Nothing timed here."}, headers=a, media_url=MEDIA)
    assert r.status_code == 422 and r.json()["error"]["code"] == "media_url_without_transcript", r.text
    assert "only-notes.txt" not in {d["filename"] for d in c.get("/v1/documents", headers=a).json()}


def test_patch_sets_changes_and_clears(world) -> None:  # noqa: ANN001
    c, a, _ = world
    doc = upload(c, {"later.vtt": vtt_bytes()}, headers=a).json()["documents"][0]
    assert doc["media_url"] is None
    url = "http://127.0.0.1:8000/later.wav"
    r = c.patch(f"/v1/documents/{doc['id']}", json={"media_url": url}, headers=a)
    assert r.status_code == 200 and r.json()["media_url"] == url, r.text
    assert c.get(f"/v1/documents/{doc['id']}", params={"text": "false"}, headers=a).json()["media_url"] == url
    full = c.get(f"/v1/documents/{doc['id']}", headers=a).json()
    assert full["segment_count"] == len(MEETING_LINES) and len(full["segments"]) == len(MEETING_LINES)  # body intact
    r = c.patch(f"/v1/documents/{doc['id']}", json={"media_url": None}, headers=a)
    assert r.status_code == 200 and r.json()["media_url"] is None
    listed = {d["id"]: d["media_url"] for d in c.get("/v1/documents", headers=a).json()}
    assert listed[doc["id"]] is None


@pytest.mark.parametrize(("url", "says"), [
    ("javascript:alert(1)", "http:// or https://"),
    ("JaVaScRiPt:alert(document.cookie)", "http:// or https://"),
    ("data:audio/wav;base64,UklGRg==", "http:// or https://"),
    ("ftp://media.example.com/call.mp3", "http:// or https://"),
    ("media.example.com/call.mp3", "http:// or https://"),
    ("https://user:secret@media.example.com/call.mp3", "user name or password"),
    ("https://token@media.example.com/call.mp3", "user name or password"),
    ("https://media.example.com/" + "a" * 2000, "at most 2000"),
    ("https:///call.mp3", "no host"),
    ("https://media.example.com:99999/call.mp3", "invalid host or port"),
    ("https://media.example.com/a call.mp3", "spaces or control"),
    ("https:\\\\evil.example\\call.mp3", "backslash"),
])
def test_bad_urls_are_422_with_the_reason(world, url: str, says: str) -> None:  # noqa: ANN001
    c, a, _ = world
    doc = upload(c, {"bad.vtt": vtt_bytes()}, headers=a).json()["documents"][0]
    r = c.patch(f"/v1/documents/{doc['id']}", json={"media_url": url}, headers=a)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_media_url", r.text
    assert says in r.json()["error"]["message"]
    r = upload(c, {"bad-upload.vtt": vtt_bytes()}, headers=a, media_url=url)
    assert r.status_code == 422 and says in r.json()["error"]["message"], r.text
    assert c.get(f"/v1/documents/{doc['id']}", params={"text": "false"}, headers=a).json()["media_url"] is None


def test_patch_refuses_non_transcripts_unknown_fields_and_other_tenants(world) -> None:  # noqa: ANN001
    c, a, b = world
    notes = upload(c, {"memo.txt": b"A memo with no times."}, headers=a).json()["documents"][0]
    r = c.patch(f"/v1/documents/{notes['id']}", json={"media_url": MEDIA}, headers=a)
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_a_transcript", r.text
    call = upload(c, {"mine.vtt": vtt_bytes()}, headers=a, media_url=MEDIA).json()["documents"][0]
    assert c.patch(f"/v1/documents/{call['id']}", json={"url": MEDIA}, headers=a).status_code == 422
    r = c.patch(f"/v1/documents/{call['id']}", json={"media_url": "https://evil.example/x.mp3"}, headers=b)
    assert r.status_code == 404, r.text
    assert c.get(f"/v1/documents/{call['id']}", headers=b).status_code == 404
    assert c.get(f"/v1/documents/{call['id']}", params={"text": "false"}, headers=a).json()["media_url"] == MEDIA


# ---------------------------------------------------------------------------------------------------------
# The report page, in Chromium
# ---------------------------------------------------------------------------------------------------------

def wav_bytes(seconds: float = 40.0, rate: int = 8000) -> bytes:
    """Mono 8-bit silence: enough for the player to seek into, small enough to make here (320 KB)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(b"\x80" * int(seconds * rate))
    return buf.getvalue()


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """http.server plus single byte ranges (`Range: bytes=a-b`): without them a browser cannot seek in a
    recording, and every real media host (S3, a CDN, nginx) answers them."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # noqa: ANN201 - a file object or None, as the base class
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not m or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        first = int(m[1]) if m[1] else max(0, len(data) - int(m[2] or 0))
        last = min(int(m[2]), len(data) - 1) if m[1] and m[2] else len(data) - 1
        if first >= len(data) or first > last:
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return io.BytesIO(data[first:last + 1])


@pytest.fixture(scope="module")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain http.server on a free loopback port: a media host that is not the report server."""
    root = tmp_path_factory.mktemp("media-root")
    (root / "call.wav").write_bytes(wav_bytes())

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                          functools.partial(RangeHandler, directory=str(root)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/call.wav"
    finally:
        srv.shutdown()
        srv.server_close()


def test_report_page_plays_the_recording_from_the_citation(tmp_path_factory: pytest.TempPathFactory,
                                                          media_server: str) -> None:
    from playwright.sync_api import expect

    from tests.test_web_browser import SHOTS, chromium, serve

    with serve(tmp_path_factory) as base:
        r = httpx.post(base + "/v1/documents", files=[("files", ("call.vtt", vtt_bytes()))],
                       data={"media_url": media_server}, timeout=60)
        assert r.status_code == 201 and r.json()["documents"][0]["media_url"] == media_server, r.text
        doc = r.json()["documents"][0]["id"]
        rep = httpx.post(base + "/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                                     "engine": "local"}, timeout=60).json()["id"]
        deadline = time.monotonic() + 120
        while (st := httpx.get(f"{base}/v1/reports/{rep}").json())["state"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, "the report did not finish in 120 s"
            time.sleep(0.3)
        assert st["state"] == "succeeded", st
        result = httpx.get(f"{base}/v1/reports/{rep}/result").json()
        timed = [c for s in result["sections"] for i in s["items"] for c in i["citations"]
                 if c.get("start") and c["start"] >= STEP]
        assert timed, "the report has no citation with a start time past the first cue"
        cite = timed[0]

        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium("--autoplay-policy=no-user-gesture-required") as b:
            ctx = b.new_context(viewport={"width": 1366, "height": 900})
            pg = ctx.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(f"{base}/reports/{rep}")
            chip = pg.locator("button.chip", has_text=re.compile(re.escape(_clock(cite["start"])))).first
            chip.click()
            play = pg.get_by_role("button", name=re.compile(r"^Play from "))
            expect(play).to_have_text(f"Play from {_clock(cite['start'])}")
            player = pg.locator("#viewer .media-player audio")
            expect(player).to_have_attribute("src", media_server)
            play.focus()
            pg.keyboard.press("Enter")  # keyboard accessible: a real <button>
            pg.wait_for_function("() => { const m = document.querySelector('#viewer .media-player audio');"
                                 " return m && m.readyState >= 1 && !m.seeking && m.currentTime > 0; }")
            t, paused = pg.evaluate("() => { const m = document.querySelector('#viewer .media-player audio');"
                                    " return [m.currentTime, m.paused]; }")
            assert abs(t - cite["start"]) <= 0.5 or (not paused and cite["start"] <= t <= cite["start"] + 1.5), (
                t, paused, cite["start"])
            pg.screenshot(path=str(SHOTS / "media-play-from.png"))
            pg.keyboard.press("Escape")  # closing the viewer stops the recording
            pg.wait_for_function("() => document.querySelector('#viewer .media-player audio').paused")
            ctx.close()
            assert not errors, f"JavaScript errors on the page: {errors}"


def _clock(t: float) -> str:
    """As the page writes times (common.js fmtClock): m:ss under an hour."""
    s = int(t)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


