"""The API side of issue 14 on SQLite and PostgreSQL: a document's segments are paged, a listing never
loads document bodies, oversized and fake uploads get a clear 4xx, and a 500 closes its connection."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn
from sqlalchemy import event, text

from reportgen.api import create_app
from reportgen.procs import free_port
from tests.service_fixtures import (
    client_on,
    make_zip,
    postgres_available,
    postgres_schema,
    settings_for,
    upload,
    wait_report,
)
from tests.support import require


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request, tmp_path_factory):  # noqa: ANN001, ANN201
    yield from client_on(request.param, tmp_path_factory.mktemp(f"limits-{request.param}"))


def long_transcript(lines: int) -> bytes:
    speakers = ["Jason", "Priya", "Marco"]
    return "\n".join(f"{speakers[i % 3]}: point {i} of the plan was agreed." for i in range(lines)).encode()


def test_a_documents_segments_come_a_page_at_a_time(client) -> None:  # noqa: ANN001
    r = upload(client, {"long.txt": long_transcript(2500)})
    assert r.status_code == 201, r.text
    doc = r.json()["documents"][0]
    assert doc["segment_count"] == 2500
    pages, url = [], f"/v1/documents/{doc['id']}?limit=1000"
    while url:
        page = client.get(url).json()
        pages.append(page)
        url = page["links"].get("next")
    assert [len(p["segments"]) for p in pages] == [1000, 1000, 500]
    assert [p["offset"] for p in pages] == [0, 1000, 2000]
    segments = [s for p in pages for s in p["segments"]]
    assert [s["id"] for s in segments] == list(range(2500))
    full = pages[0]["text"]
    assert all(full[s["char_start"]:s["char_end"]] == s["text"] for s in segments)
    assert pages[1]["text"] == full  # the text is the whole document's on every page (offsets index into it)
    lean = client.get(f"/v1/documents/{doc['id']}?offset=2499&limit=5&text=false").json()
    assert lean["text"] == "" and [s["id"] for s in lean["segments"]] == [2499] and "next" not in lean["links"]
    assert client.get(f"/v1/documents/{doc['id']}?limit=100000").status_code == 422  # a page is at most 10,000


def test_listing_never_selects_the_document_json(client) -> None:  # noqa: ANN001
    z = make_zip({"room/a.txt": long_transcript(50), "room/pic.png": b"\x89PNG\r\n\x1a\n" + b"0" * 100})
    doc = upload(client, {"room.zip": z}).json()["documents"][0]
    engine = client.app.state.service.db.engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = client.get("/v1/documents?limit=1").json()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert listed[0]["id"] == doc["id"] and any("skipped room/pic.png" in w for w in listed[0]["warnings"])
    selects = [s for s in statements if "FROM documents" in s]
    assert selects and not any("documents.document," in s or "documents.document " in s for s in selects), selects

    # A row stored before the warnings column (NULL there) still lists its warnings, from its JSON.
    with client.app.state.service.db.session() as s:
        s.connection().execute(text("UPDATE documents SET warnings = NULL WHERE id = :id"), {"id": doc["id"]})
        s.commit()
    again = client.get("/v1/documents?limit=1").json()
    assert again[0]["warnings"] == listed[0]["warnings"]


def test_an_oversized_text_upload_is_a_413_read_from_its_size(client) -> None:  # noqa: ANN001
    data = b"Jason: fine.\n" * (40_000_000 // 13 + 1)  # over 4 bytes x 10 M characters
    r = upload(client, {"huge.txt": data})
    assert r.status_code == 413, r.text
    message = r.json()["error"]["message"]
    assert "huge.txt" in message and "10 million characters" in message and "Split it" in message


def test_a_fake_pdf_upload_is_a_422_that_names_the_header(client) -> None:  # noqa: ANN001
    r = upload(client, {"deck.pdf": b"<html><body>Access denied</body></html>"})
    assert r.status_code == 422, r.text
    assert "%PDF-" in r.json()["error"]["message"]


def test_docx_downloads_of_a_transcript_with_control_characters(client) -> None:  # noqa: ANN001
    import io
    import zipfile

    import docx

    raw = (b"Jason: I will send the migration runbook\x0b to the whole team by Friday.\n"
           b"Priya: We decided\x01 to move the invoices service in March.\x1b[0m\n"
           b"Marco: The vendor quoted\x08 twelve thousand dollars per year.\n")
    doc = upload(client, {"ctrl.txt": raw}).json()["documents"][0]
    detail = client.get(f"/v1/documents/{doc['id']}").json()
    assert not any(ch in detail["text"] for ch in "\x0b\x01\x1b\x08")
    r = client.post("/v1/batches", json={"sop": "meeting-action-items", "engine": "local",
                                         "rooms": [{"name": "ctrl", "document_ids": [doc["id"]]}]})
    assert r.status_code == 202, r.text
    rid = r.json()["reports"][0]["report_id"]
    assert wait_report(client, rid)["state"] == "succeeded"
    one = client.get(f"/v1/reports/{rid}.docx")
    assert one.status_code == 200, one.text  # was a 500
    assert "runbook" in "\n".join(p.text for p in docx.Document(io.BytesIO(one.content)).paragraphs)
    batch = client.get(f"/v1/batches/{r.json()['id']}/download?format=docx")
    assert batch.status_code == 200, batch.text
    assert any(n.endswith(".docx") for n in zipfile.ZipFile(io.BytesIO(batch.content)).namelist())


def test_after_a_500_the_server_closes_the_connection_and_the_next_request_works(tmp_path) -> None:  # noqa: ANN001
    app = create_app(settings_for(tmp_path))

    def boom() -> None:
        raise RuntimeError("an unexpected bug")

    app.add_api_route("/v1/test-boom", boom, include_in_schema=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            for _ in range(5):
                r = c.get("/v1/test-boom")
                assert r.status_code == 500 and r.headers.get("connection") == "close"
                assert "this is a bug" in r.json()["error"]["message"]
                assert c.get("/healthz").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0003_copies_stored_warnings_into_their_column(backend: str, tmp_path) -> None:  # noqa: ANN001
    import contextlib
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from reportgen.store.db import migrations_dir

    if backend == "postgresql":
        require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
        ctx = postgres_schema()
    else:
        ctx = contextlib.nullcontext(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with ctx as url:
        engine = create_engine(url)
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations_dir()))

        def upgrade(to: str) -> None:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, to)

        upgrade("0002")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'acme', 0)"))
            conn.execute(text(
                "INSERT INTO documents (id, tenant_id, filename, kind, format, media_type, sha256, size, segments, "
                "chars, document, created_at) VALUES ('doc_old', 't1', 'a.txt', 'text', 'plain', 'text/plain', "
                "'0', 0, 0, 0, :doc, 0)"), {"doc": json.dumps({"text": "", "segments": [], "warnings": ["w1", "w2"]})})
        upgrade("head")
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT warnings FROM documents WHERE id = 'doc_old'")).scalar()
        engine.dispose()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == ["w1", "w2"]
