"""The package's shape, checked: data flows one way, no cycles, no module too big to hold in one's head.

Layers, lowest first; a module may import its own layer and the layers below it, never above.
A function-local import may only defer a heavy optional dependency (named in DEFERRED) or an
engine chosen at run time, never the package's own modules to dodge a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"
MAX_LINES = 600

LAYERS: list[tuple[str, ...]] = [
    ("errors", "models", "events", "clock", "resources", "meaning", "values", "dates", "text", "embeddings", "procs"),
    ("config", "drafts", "sop", "sopschema"),
    ("ingest",),
    ("grounding", "validate", "draftcheck", "corpus", "sections"),
    ("context",),
    ("extract", "ledger"),
    ("pipeline",),
    ("render",),
    ("store", "evals", "testing"),
    ("jobs",),
    ("api", "web"),
    ("cli",),
]
# Function-local imports of the package's own modules allowed, each for a stated reason.
DEFERRED = {
    ("reportgen.pipeline", "reportgen.extract.local"): "the offline engine loads numpy and its models when chosen",
    ("reportgen.pipeline", "reportgen.extract.llm"): "the llm engine loads openai and instructor when chosen",
    ("reportgen.api.app", "reportgen.jobs.celery_app"): "Celery (the celery extra) loads only when a broker is set",
    ("reportgen.jobs.inprocess", "reportgen.jobs.warm"): "the job workers' warm-up (pipeline, model), in workers only",
    ("reportgen.jobs.celery_app", "reportgen.jobs.warm"): "the same warm-up, in `reportgen worker` only, not the API",
    ("reportgen.cli.service", "reportgen.api"): "FastAPI (the server extra), for `serve` only",
    ("reportgen.cli.service", "reportgen.jobs.celery_app"): "Celery (the celery extra), for `worker` only",
    ("reportgen.cli.service", "reportgen.store.db"): "SQLAlchemy (the server extra), for `keys` only",
    ("reportgen.cli.service", "reportgen.store.keys"): "SQLModel (the server extra), for `keys` only",
    ("reportgen.cli.evals", "reportgen.evals.review_store"): "SQLModel (the server extra), for `gold export` from "
    "the store only",
    ("reportgen.cli.reports", "reportgen.extract.llama_server"): "httpx and the server launcher, for --model-path "
    "only",
    ("reportgen.cli.evals", "reportgen.evals.command"): "the gold-set scoring stack, for `eval` and `gold export` "
    "only (every other verb started a fifth of a second slower with it)",
    ("reportgen.cli.evals", "reportgen.evals.reviews"): "the gold-set stack, for `gold export` only",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py: add it where it belongs")


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(top-level imports, function-local imports) of the package's own modules."""
    tree = ast.parse(path.read_text())
    top: set[str] = set()
    local: set[str] = set()

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("reportgen"):
                names = {child.module} | {f"{child.module}.{a.name}" for a in child.names}
                (local if nested else top).update(names)
            elif isinstance(child, ast.Import):
                names = {a.name for a in child.names if a.name.startswith("reportgen")}
                (local if nested else top).update(names)
            visit(child, nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return top, local


MODULES = _modules()


def _own(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it along a seam (limit {MAX_LINES})"


def test_imports_flow_down_the_layers() -> None:
    upward = []
    for module, path in MODULES.items():
        if module == "reportgen":
            continue
        top, local = _imports(path)
        for target in _own(top | local):
            if target != "reportgen" and _layer(target) > _layer(module):
                upward.append(f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})")
    assert not upward, "imports that run back up the layers:\n" + "\n".join(sorted(upward))


def test_no_function_local_imports_of_own_modules_without_a_reason() -> None:
    found = []
    for module, path in MODULES.items():
        _, local = _imports(path)
        for target in _own(local):
            if (module, target) not in DEFERRED and not any(
                target.startswith(parent + ".") and (module, parent) in DEFERRED for parent in MODULES
            ):
                found.append(f"{module} imports {target} inside a function")
    assert not found, "\n".join(sorted(found))


def test_no_import_cycles() -> None:
    graph = {m: {t for t in _own(_imports(p)[0]) if t != m} for m, p in MODULES.items()}
    # a package's __init__ re-exporting its submodules is not a cycle through them
    for m in graph:
        graph[m] = {t for t in graph[m] if not (m.startswith(t + ".") and t != "reportgen")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (cycle := dfs(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := dfs(m)):
            pytest.fail("import cycle: " + " -> ".join(cycle))
