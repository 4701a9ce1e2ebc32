"""The one protocol engines implement, and the run they are given.

An engine reads a `Run` and yields one `DraftSection` per section as each is ready; the
pipeline grounds, checks and emits each as it arrives. Nothing flows back: an engine never
sees grounded sections, never mutates the caller's Documents, and learns the meeting date and
how to check a quote from the run, not from the documents' metadata or its own grounder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from reportgen.corpus import Corpus
from reportgen.drafts import DraftSection
from reportgen.events import OnEvent
from reportgen.models import Document
from reportgen.sop import SOP, SectionSpec


class DraftChecker(Protocol):
    """What the report's grounding and validation find wrong in a draft, as re-ask messages.

    The pipeline builds one per report (one grounding index for every engine and every
    section); the llm engine feeds the messages back to the model.
    """

    def problems(self, spec: SectionSpec, draft: DraftSection) -> list[str]: ...


@dataclass
class Run:
    """Everything an engine needs for one report. Read-only for engines."""

    sop: SOP
    sections: list[SectionSpec]
    documents: list[Document]
    checker: DraftChecker
    corpus: Corpus  # the documents prepared once for the report: segments, retrieval index, grounding index
    meeting_date: date | None = None  # the date relative dates ("by Friday") resolve against
    token_budget: int | None = None  # the report's cap on LLM tokens (None: the engine's setting)
    run_id: str | None = None
    on_event: OnEvent | None = None  # progress while a section runs (Stage.WORKING), for slow engines


class Extractor(Protocol):
    """An engine. Its traits are declared, never guessed from its name."""

    name: str
    model: str | None
    extractive: bool  # True: every item is a verbatim passage chosen from the sources (no model wrote it)
    notes: list[str]  # remarks about the last run for the report's issues (e.g. an unknown price)

    def extract(self, run: Run) -> AsyncIterator[DraftSection]: ...
