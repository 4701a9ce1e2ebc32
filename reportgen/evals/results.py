"""What an eval run writes: the numbers per section, and one outcome per gold and per predicted item.

The per-item outcomes are there to be read: a gold item that was missed, with where its evidence
is, and a predicted item that matched nothing (a false positive), with what it cited. `reportgen
eval --show RESULT.json` prints them; `--compare` judges engines item by item on them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from reportgen.errors import ReportgenError
from reportgen.evals.metrics import SectionScore

RESULT_SCHEMA = "reportgen-eval/2"


class Cited(BaseModel):
    """Where an item's evidence is, as a reader looks it up: segment ids (transcript turns), char span, a clip."""

    document: str = ""
    char_start: int | None = None
    char_end: int | None = None
    segments: list[int] = Field(default_factory=list)
    quote: str = ""


class ItemOutcome(BaseModel):
    """What happened to one gold item: the unit `--compare` judges engines on."""

    id: str
    case: str
    section: str
    matched: bool
    how: str | None = None  # strict: span | text; lenient: span | field; criterion | verdict
    similarity: float | None = None
    kind: str | None = None
    fields: dict[str, bool] = Field(default_factory=dict)
    gold_text: str = ""
    pred_text: str = ""
    pred_index: int | None = None  # into the case's predicted items of this section
    evidence: list[Cited] = Field(default_factory=list)


class PredOutcome(BaseModel):
    """One predicted item; `gold` is None for a false positive (or an item the gold does not list)."""

    case: str
    section: str
    index: int
    gold: str | None = None
    kind: str | None = None
    text: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    cited: list[Cited] = Field(default_factory=list)


class CaseOutcome(BaseModel):
    id: str
    seconds: float = 0.0
    cost_usd: float = 0.0
    calls: int = 0
    cached_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    failed: str | None = None
    unresolved: list[str] = Field(default_factory=list)
    extra: dict[str, list[str]] = Field(default_factory=dict)  # predicted items no gold item matched


class EvalRun(BaseModel):
    schema_: str = Field(RESULT_SCHEMA, alias="schema")
    label: str
    engine: str
    model: str | None = None
    prompt: str | None = None
    mode: str = "strict"  # strict | lenient: how items were paired (match.py)
    seeds: int = 0  # random-baseline seeds
    gold_name: str
    gold_path: str | None = None
    gold_digest: str = ""
    sop_id: str
    sop_version: int | str = 1
    budget_share: float = 0.2
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sections: list[SectionScore] = Field(default_factory=list)
    overall: SectionScore | None = None
    cost: dict[str, Any] = Field(default_factory=dict)
    cases: list[CaseOutcome] = Field(default_factory=list)
    items: list[ItemOutcome] = Field(default_factory=list)
    predictions: list[PredOutcome] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


def load_run(path: str | Path) -> EvalRun:
    """A result written by `reportgen eval --json-out`; a clear error for anything else."""
    p = Path(path)
    if not p.is_file():
        raise ReportgenError(f"eval result not found: {p}. Write one with `reportgen eval --gold ... --json-out {p}`.")
    try:
        run = EvalRun.model_validate_json(p.read_bytes())
    except ValueError:
        raise ReportgenError(f"{p}: not an eval result written by `reportgen eval --json-out`.") from None
    if run.schema_ != RESULT_SCHEMA:
        raise ReportgenError(f"{p}: eval result schema {run.schema_!r}, expected {RESULT_SCHEMA!r}; re-run the eval.")
    return run
