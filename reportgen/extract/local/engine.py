"""The offline engine's entry point: which strategy fills a section, and the run over every section.

The table `STRATEGIES` says which sections get findings: only those with a detector whose quality
is measured on real gold (docs/local-engine.md gives the numbers). Every other section gets
passages to read (`strategies/passages.py`): no findings, the few most relevant quotes. Prose and
verdicts go to passages, a scorecard keeps its unrated rows with passages beside them; a list or
table goes to `contract terms` when an enum field names contract clauses, else to the first of its
cue families (`cues.families_for`) that has a row, in table order (`commitment` only when a person
field owns each task), else to passages. Adding a detector is a module in `strategies/` and a row,
once its eval says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem, DraftSection
from reportgen.extract.base import Run
from reportgen.extract.local import roles
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.strategies import actions, contract, decisions, passages, scorecard
from reportgen.sop import SectionSpec

Strategy = Callable[[SourceIndex, SectionSpec], list[DraftItem] | DraftSection]

STRATEGIES: dict[str, Strategy] = {
    # findings: detectors with a measured quality
    "contract terms": contract.section,  # CUAD clause kinds
    "commitment": actions.section,  # action items: learned detector (AMI) + cue rules grouping tasks
    "decision": decisions.section,  # decisions: learned detector (AMI) over the cue rules' picks
    # no findings: passages to read (no gold, or measured no better than chance: topics, QMSum strict F1 0.03)
    "scorecard": scorecard.section,  # one unrated row per criterion, its passages beside it
    "passages": passages.section,  # prose, verdicts, insights, contrarian views, advice, figures, topics...
}
# Strategies that quote only the side the SOP asks for (`roles.voice`: the expert, the candidate); they are
# given it as their third argument.
VOICED = frozenset({"scorecard", "passages"})


def strategy_key(spec: SectionSpec) -> str:
    """The row of `STRATEGIES` that fills this section (see the module doc)."""
    if spec.kind == "scorecard":
        return "scorecard"
    if spec.kind in ("prose", "verdict"):
        return "passages"
    if contract.clause_field(spec) is not None:
        return "contract terms"
    # A commitment section without a person to own each task (follow-ups, questions to ask) is not action items.
    tasks = any(f.type == "person" for f in spec.fields.values())
    fams = [f for f in C.families_for(spec) if f != "commitment" or tasks]
    return next((key for key in STRATEGIES if key in fams), "passages")


def extract_section(index: SourceIndex, spec: SectionSpec, sop_instructions: str = "") -> DraftSection:
    """One section, synchronously: the engine's whole behaviour for one SectionSpec. `sop_instructions`
    (the SOP's own) say whose words to quote when the section does not ("cite the expert's answers")."""
    key = strategy_key(spec)
    if key in VOICED:
        voiced = cast(Callable[..., Any], STRATEGIES[key])
        found = voiced(index, spec, roles.voice(spec, sop_instructions))
    else:
        found = STRATEGIES[key](index, spec)
    if isinstance(found, DraftSection):
        return found.model_copy(update={"section_id": spec.id})
    notes = []  # the report says it is extractive once (Report.extractive); a note here must say something specific
    if not found:
        hint = f" (cues: {', '.join(spec.cues[:6])})" if spec.cues else ""
        what = "commitment" if key == "commitment" else "sentence"
        notes.append(f"No {what} in the sources matched this section{hint}; it may not have come up.")
    return DraftSection(section_id=spec.id, items=found, notes=notes)


class LocalExtractor:
    """The offline engine: no network, no LLM, deterministic for the same sources and SOP."""

    name = "local"
    model: str | None = None

    extractive = True
    notes: list[str] = []  # nothing to say about a run as a whole: the report says it is extractive

    async def extract(self, run: Run) -> AsyncIterator[DraftSection]:
        index = SourceIndex.build(run.corpus, run.meeting_date)
        for spec in run.sections:
            try:
                yield extract_section(index, spec, run.sop.instructions)
            except Exception as exc:  # a bug here must cost one section, not the report; it is shown, not hidden
                yield DraftSection(section_id=spec.id, failed=f"the offline engine failed on this section: {exc!r}")
            await asyncio.sleep(0)  # let a server's event loop breathe between sections
