"""The offline engine's entry point: which strategy fills a section, and the run over every section.

The table `STRATEGIES` lists the ways of filling a section; `MEASURED` says which of them may write
findings: only those whose detector has a strict F1 on real gold of at least `MIN_STRICT_F1`
(docs/local-engine.md gives the numbers), and only on the kind of source it was measured on
(`unfit`: action items in meetings, contract terms in agreements; an SOP that does not suit the
sources, a section quoting an expert where nobody speaks, a judgement, or a section open to every
speaker on a podcast or to every sentence of an agreement gets a note and nothing else: `genre.py`). Every
other section gets passages to read (`strategies/passages.py`): no findings, at most three quotes
clearly about the section. Prose goes to passages (a verdict to a note), a scorecard keeps its unrated rows
with passages beside them; a list or table goes to `contract terms` when an enum field names
contract clauses, else to the first of its cue families (`cues.families_for`) that has a row, in
table order (`commitment` only when a person field owns each task), else to passages. Adding a
detector is a module in `strategies/`, a row, and its numbers in `MEASURED` once its eval says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem, DraftSection
from reportgen.extract.base import Run
from reportgen.extract.local import roles
from reportgen.extract.local.genre import (
    AGREEMENT_NOTE,
    JUDGEMENT_NOTE,
    SHOW_NOTE,
    is_agreement,
    is_conversation,
    is_judgement,
    is_show,
)
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.strategies import actions, contract, decisions, passages, scorecard
from reportgen.models import Document
from reportgen.sop import SOP, SectionSpec

Strategy = Callable[[SourceIndex, SectionSpec], list[DraftItem] | DraftSection]

STRATEGIES: dict[str, Strategy] = {
    # findings: detectors with a measured quality
    "contract terms": contract.section,  # CUAD clause kinds
    "commitment": actions.section,  # action items: learned detector (AMI) + cue rules grouping tasks
    "decision": decisions.section,  # decisions: learned detector (AMI) over the cue rules' picks; not vouched
    # no findings: passages to read (no gold, or measured no better than chance: topics, QMSum strict F1 0.03)
    "scorecard": scorecard.section,  # one unrated row per criterion, its passages beside it
    "passages": passages.section,  # prose, verdicts, insights, contrarian views, advice, figures, topics...
}


@dataclass(frozen=True)
class Measured:
    """A findings strategy's strict F1 on real gold (validation fold, `make eval`), beside random, and the
    kind of source it was measured on: its findings are vouched for there and nowhere else."""

    f1: float
    random: float
    on: str
    sources: Literal["conversation", "document"]


# The numbers docs/local-engine.md gives; a strategy writes findings only when its F1 clears MIN_STRICT_F1
# (and twice random). Below that its sections get passages to read. Update a row when its eval moves.
MEASURED: dict[str, Measured] = {
    "contract terms": Measured(0.78, 0.00, "CUAD validation fold (100 contracts)", "document"),
    "commitment": Measured(0.29, 0.00, "AMI validation fold (24 meetings)", "conversation"),
    "decision": Measured(0.03, 0.00, "AMI validation fold (24 meetings); QMSum 0.00", "conversation"),
}
MIN_STRICT_F1 = 0.2


def vouched(key: str) -> bool:
    """Does this strategy write findings? Only with a measured strict F1 on real gold clearly above chance."""
    m = MEASURED.get(key)
    return m is not None and m.f1 >= MIN_STRICT_F1 and m.f1 >= 2 * m.random


# Strategies that quote only the side the SOP asks for (`roles.voice`: the expert, the candidate); they are
# given it as their third argument.
VOICED = frozenset({"scorecard", "passages"})


def strategy_key(spec: SectionSpec) -> str:
    """The row of `STRATEGIES` that fills this section (see the module doc): a findings row only when
    `vouched`, else passages."""
    key = detector_key(spec)
    return key if key not in MEASURED or vouched(key) else "passages"


def detector_key(spec: SectionSpec) -> str:
    """The row whose detector this section asks for, measured well enough or not."""
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


def unfit(spec: SectionSpec, sop: SOP | None, documents: list[Document], sop_instructions: str = "") -> str | None:
    """Why this section cannot be filled from these sources at all, or None. Passages offered where the
    SOP does not fit the source (a diligence memo's financials from a podcast, an expert's views from a
    contract) were most of the wrong items of the hand check; silence with a reason beats them."""
    if not documents:
        return None
    kinds = sorted({d.kind for d in documents})
    if sop is not None and sop.suits and not set(kinds) & set(sop.suits):
        return (f"{sop.name} is written for {', '.join(sop.suits)} sources and the sources are {', '.join(kinds)}: "
                "the offline engine does not read them for it.")
    if is_judgement(spec):
        return JUDGEMENT_NOTE
    talk = [is_conversation(d) for d in documents]
    key = detector_key(spec)
    m = MEASURED.get(key)
    if m is not None and m.sources == "document" and all(talk):
        return f"No agreement among the sources: {key} are read from documents ({m.on}), not conversations."
    meetings = [t and not is_show(d) for t, d in zip(talk, documents, strict=True)]
    if m is not None and m.sources == "conversation" and not any(meetings):
        what = {"commitment": "action items", "decision": "decisions"}.get(key, key)
        why = "No meeting among the sources (a podcast or show is not one)" if any(talk) else \
            "No conversation among the sources"
        return f"{why}: {what} are read from meetings ({m.on})."
    v = roles.voice(spec, sop_instructions)
    if v is not None and not any(talk):
        who = v.guest if v.side == "guest" else v.host
        return f"No conversation among the sources, so no {who}'s words to quote."
    if v is not None and v.guest == "candidate" and not any(meetings):
        return "The conversations are a podcast or show, not an interview: there is no candidate to assess."
    if strategy_key(spec) == "passages" and all(is_agreement(d) for d in documents):
        return AGREEMENT_NOTE
    if v is None and all(is_show(d) for d in documents):
        return SHOW_NOTE
    return None


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
            why = unfit(spec, run.sop, run.documents, run.sop.instructions)
            if why is not None:
                yield DraftSection(section_id=spec.id, notes=[why])
                continue
            try:
                yield extract_section(index, spec, run.sop.instructions)
            except Exception as exc:  # a bug here must cost one section, not the report; it is shown, not hidden
                yield DraftSection(section_id=spec.id, failed=f"the offline engine failed on this section: {exc!r}")
            await asyncio.sleep(0)  # let a server's event loop breathe between sections
