"""The declared parts of the API: named operations, the SSE route documented as a stream of typed
stages, every schema reference resolvable, and api/ + web/ importing one way at module level."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from reportgen.api import create_app
from reportgen.api.events import sse_block, stage_of
from reportgen.events import Stage
from reportgen.store.tables import EventRow

ROOT = Path(__file__).resolve().parent.parent
# Imported inside a function on purpose: Celery loads only when a broker is configured.
DEFERRED = {"reportgen.jobs.celery_app"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app().openapi()


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_has_a_readable_unique_id(spec: dict) -> None:
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)), ids
    bad = [i for i in ids if not re.fullmatch(r"[a-z]+(_[a-z]+)+", i) or i.endswith(("_get", "_post", "_patch"))]
    assert not bad, f"operation ids that read like FastAPI's defaults: {bad}"
    assert spec["paths"]["/v1/reports/{report_id}"]["get"]["operationId"] == "get_report_status"


def test_events_are_documented_as_an_event_stream_of_stages(spec: dict) -> None:
    op = spec["paths"]["/v1/reports/{report_id}/events"]["get"]
    assert "requestBody" not in op
    ok = op["responses"]["200"]["content"]
    assert list(ok) == ["text/event-stream"]
    item = ok["text/event-stream"]["itemSchema"]
    assert item["properties"]["event"]["enum"] == [*(s.value for s in Stage), "end"]
    data = item["properties"]["data"]["contentSchema"]
    assert data["properties"]["stage"] == {"$ref": "#/components/schemas/Stage"}
    assert spec["components"]["schemas"]["Stage"]["enum"] == [s.value for s in Stage]
    for code in ("401", "404"):
        assert list(op["responses"][code]["content"]) == ["application/json"]


def test_report_status_progress_names_a_stage(spec: dict) -> None:
    stage = spec["components"]["schemas"]["Progress"]["properties"]["stage"]
    assert {"$ref": "#/components/schemas/Stage"} in stage["anyOf"]


def test_every_schema_reference_resolves(spec: dict) -> None:
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(spec).replace("'", '"')))
    assert refs and refs <= set(spec["components"]["schemas"]), refs - set(spec["components"]["schemas"])


def test_older_stage_names_reach_clients_as_todays() -> None:
    assert stage_of("extract") is Stage.EXTRACTED and stage_of("section") is Stage.SECTION
    assert stage_of("no-such-stage") is None and stage_of(None) is None
    row = EventRow(id=7, report_id="rep_x", tenant_id="t", stage="extract", message="section 1 of 2 extracted",
                   done=1, total=2, created_at=0.0)
    block = sse_block(row)
    assert block.startswith("id: 7\nevent: extracted\ndata: ") and '"stage": "extracted"' in block


def _modules() -> dict[str, Path]:
    out = {}
    for folder in ("api", "web"):
        for path in (ROOT / "reportgen" / folder).glob("*.py"):
            name = f"reportgen.{folder}" + ("" if path.stem == "__init__" else f".{path.stem}")
            out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """Own-package modules imported at module level, and those imported inside functions.

    `from reportgen.api import reports` imports the module `reportgen.api.reports`, not the package
    body again (which is already running when a submodule is imported this way).
    """
    top: set[str] = set()
    local: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reportgen"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(modules)
            names = subs or {node.module}
        elif isinstance(node, ast.Import):
            names = {a.name for a in node.names if a.name.startswith("reportgen")}
        else:
            continue
        (top if node.col_offset == 0 else local).update(names)
    return top, local


def test_api_and_web_import_one_way_at_module_level() -> None:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        top, local = _imports(path, modules)
        assert local <= DEFERRED, (name, local)
        graph[name] = {m for m in top if m in modules and m != name}
    done: set[str] = set()

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, " -> ".join((*stack, node))
        if node in done:
            return
        for nxt in graph[node]:
            visit(nxt, (*stack, node))
        done.add(node)

    for name in graph:
        visit(name, ())
