"""The offline engine's entry point: which strategy fills a section, and the run over every section.

A section is filled by the strategy in `STRATEGIES` for its kind (prose, scorecard, verdict);
a list or table by the one for what its items are: contract clauses (an enum field naming
them), else the first of its cue families (`cues.families_for`, in table order) that has a row,
else the ranked sentences of `items`. Adding a strategy is a module in `strategies/` and a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem, DraftSection
from reportgen.extract.base import Run
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.strategies import (
    actions,
    contract,
    items,
    prose,
    questions,
    scorecard,
    topics,
    verdict,
)
from reportgen.sop import SectionSpec

Strategy = Callable[[SourceIndex, SectionSpec], list[DraftItem]]

STRATEGIES: dict[str, Strategy] = {
    # by the section's kind
    "prose": prose.section,
    "scorecard": scorecard.section,
    "verdict": verdict.section,
    # lists and tables, by what their items are: contract clauses, then cue families in this order
    "contract terms": contract.section,
    "commitment": actions.section,
    "question": questions.section,
    # decisions, figures, advice and contrarian views are ranked sentences, even in a section that also
    # names topics ("decisions by topic")
    "decision": items.section,
    "figure": items.section,
    "advice": items.section,
    "contrarian": items.section,
    "topic": topics.section,
    "items": items.section,
}


def strategy_key(spec: SectionSpec) -> str:
    """The row of `STRATEGIES` that fills this section (see the module doc)."""
    if spec.kind in STRATEGIES:
        return spec.kind
    if contract.clause_field(spec) is not None:
        return "contract terms"
    fams = C.families_for(spec)
    return next((key for key in STRATEGIES if key in fams), "items")


def extract_section(index: SourceIndex, spec: SectionSpec) -> DraftSection:
    """One section, synchronously: the engine's whole behaviour for one SectionSpec."""
    found = STRATEGIES[strategy_key(spec)](index, spec)
    notes = []  # the report says it is extractive once (Report.extractive); a note here must say something specific
    if not found:
        hint = f" (cues: {', '.join(spec.cues[:6])})" if spec.cues else ""
        what = "commitment" if "commitment" in C.families_for(spec) else "sentence"
        notes.append(f"No {what} in the sources matched this section{hint}; it may not have come up.")
    return DraftSection(section_id=spec.id, items=found, notes=notes)


class LocalExtractor:
    """The offline engine: no network, no model, deterministic for the same sources and SOP."""

    name = "local"
    model: str | None = None

    extractive = True
    notes: list[str] = []  # nothing to say about a run as a whole: the report says it is extractive

    async def extract(self, run: Run) -> AsyncIterator[DraftSection]:
        index = SourceIndex.build(run.corpus, run.meeting_date)
        for spec in run.sections:
            try:
                yield extract_section(index, spec)
            except Exception as exc:  # a bug here must cost one section, not the report; it is shown, not hidden
                yield DraftSection(section_id=spec.id, failed=f"the offline engine failed on this section: {exc!r}")
            await asyncio.sleep(0)  # let a server's event loop breathe between sections
