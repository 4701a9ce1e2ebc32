"""sources -> Documents -> drafts -> grounded, validated Report: the one path every entry point takes.

The CLI, the Python API and (later) the job runner all call `agenerate`/`generate`, so a
report built from the web page and one built from a script are made the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reportgen.config import Settings, default_engine
from reportgen.corpus import Corpus
from reportgen.draftcheck import ReportChecker
from reportgen.drafts import DraftSection
from reportgen.errors import ExtractionError, ReportgenError
from reportgen.events import Event, OnEvent, Stage
from reportgen.extract.base import Extractor, Run
from reportgen.grounding import Grounder
from reportgen.ingest import ingest_many
from reportgen.ingest.pdfboxes import attach_boxes, bytes_from_sources
from reportgen.ledger import CallLog, ResponseCache
from reportgen.models import Document, DocumentRef, Report, ReportIssue, Section, Usage
from reportgen.sections import ground_draft
from reportgen.sop import SOP, get_sop, sop_from_model
from reportgen.validate import meeting_date_from, validate_report


def resolve_sop(sop: SOP | str | type[BaseModel], sop_dirs: Sequence[Path] = ()) -> SOP:
    """An SOP object, an id or YAML path, or a user's own Pydantic model."""
    if isinstance(sop, SOP):
        return sop
    if isinstance(sop, type) and issubclass(sop, BaseModel):
        return sop_from_model(sop)
    if isinstance(sop, str):
        return get_sop(sop, list(sop_dirs))
    raise TypeError(f"sop must be an SOP, an SOP id or path, or a Pydantic model class, not {type(sop).__name__}")


def make_engine(
    engine: str | Extractor | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    ledger: CallLog | None = None,
    cache: ResponseCache | None = None,
) -> Extractor:
    """`None` picks the llm engine when one is configured (OPENAI_API_KEY/OPENAI_BASE_URL), else local.

    `ledger` and `cache` are where the llm engine logs its calls and keeps answers (the CLI's
    SQLite file by default; the service passes its database's, shared by every worker).
    """
    if engine is not None and not isinstance(engine, str):
        return engine
    name = engine or default_engine()
    # Engines are imported when chosen: the llm engine pulls in openai and instructor, the local one numpy.
    if name == "local":
        from reportgen.extract.local import LocalExtractor

        return LocalExtractor()
    if name == "llm":
        from reportgen.extract.llm import LLMExtractor

        settings = settings or Settings.from_env()
        if model:
            settings = settings.model_copy(update={"model": model})
        return LLMExtractor(settings, ledger=ledger, cache=cache)
    raise ReportgenError(f"unknown engine {name!r}: use 'local' (offline) or 'llm' (an OpenAI-compatible API).")


def load_documents(
    sources: Sequence[str | Path | bytes | Document], *, password: str | None = None, ocr: bool = False
) -> list[Document]:
    docs: list[Document] = []
    # the files' PDFs are parsed on every core; the first unreadable source fails the call, as before
    parsed = iter(ingest_many([s for s in sources if not isinstance(s, Document)], password=password, ocr=ocr))
    for src in sources:
        if isinstance(src, Document):
            docs.append(src)
            continue
        outcome = next(parsed)
        if isinstance(outcome, ReportgenError):
            raise outcome
        docs.extend(outcome)
    seen: set[str] = set()
    unique = []
    for d in docs:  # the same file passed twice is read once
        if d.id not in seen:
            seen.add(d.id)
            unique.append(d)
    return unique


def _emit(on_event: OnEvent | None, stage: Stage, message: str, **kw: Any) -> None:
    if on_event is not None:
        on_event(Event(stage=stage, message=message, **kw))


def make_run(
    spec: SOP, documents: list[Document], meeting_date: date | None = None, *, grounder: Grounder | None = None
) -> Run:
    """The run every engine is given: one corpus (retrieval and grounding index) and checker for the whole report."""
    corpus = Corpus(documents, grounder)
    return Run(
        sop=spec,
        sections=list(spec.sections),
        documents=documents,
        checker=ReportChecker(corpus.grounder),
        corpus=corpus,
        meeting_date=meeting_date,
    )


async def extract_all(extractor: Extractor, run: Run, on_event: OnEvent | None = None) -> list[DraftSection]:
    """Every draft of a run in SOP order, for callers that want the engine's output without grounding."""
    drafts = {d.section_id: d async for d in extract_with_progress(extractor, run, on_event)}
    return [drafts[s.id] for s in run.sections if s.id in drafts]


async def extract_with_progress(
    extractor: Extractor, run: Run, on_event: OnEvent | None = None
) -> AsyncIterator[DraftSection]:
    """The engine's drafts as they finish, each announced as "section k of N extracted"."""
    total, done = len(run.sections), 0
    async for draft in extractor.extract(run):
        done += 1
        _emit(on_event, Stage.EXTRACTED,
              f"section {done} of {total} extracted" + (" (failed)" if draft.failed else ""),
              section_id=draft.section_id, done=done, total=total,
              data={**draft.progress, "items": len(draft.items), "passages": len(draft.passages),
                    "engine": extractor.name})
        yield draft


def _raise_if_all_failed(sections: Sequence[Section], engine: str) -> None:
    """A report none of whose sections could be filled is a failed run, not a report.

    Rendering it would show a title page with nothing on it ("0 of 0 ... located") under a
    finished job; so the run fails with the first section's reason: the CLI exits non-zero
    with it, the job's state is failed with it. One section that succeeds keeps the report,
    with the failed ones marked failed in it."""
    if not sections or any(s.status != "failed" for s in sections):
        return
    first = sections[0]
    reason = first.notes[0] if first.notes else "no reason given"
    raise ExtractionError(
        f"no section of the report could be filled: all {len(sections)} sections failed with the {engine} engine. "
        f"{first.title}: {reason}"
    )


async def agenerate(
    sources: Sequence[str | Path | bytes | Document],
    sop: SOP | str | type[BaseModel],
    *,
    engine: str | Extractor | None = None,
    model: str | None = None,
    password: str | None = None,
    ocr: bool = False,
    meeting_date: date | None = None,
    sop_dirs: Sequence[Path] = (),
    on_event: OnEvent | None = None,
    pdf_bytes: Callable[[Document], bytes | None] | None = None,
) -> Report:
    """Build a grounded, validated report. Async twin of `generate`.

    `pdf_bytes` gives a PDF source's original bytes, for the boxes of its quotes on the page; by
    default they are read again from `sources` (paths, bytes, zips)."""
    t0 = time.perf_counter()
    spec = resolve_sop(sop, sop_dirs)
    documents = load_documents(sources, password=password, ocr=ocr)
    if not documents:
        raise ReportgenError("no sources: pass at least one transcript or document.")
    _emit(
        on_event,
        Stage.PARSED,
        f"parsed {len(documents)} source(s), {sum(len(d.segments) for d in documents)} segments",
        data={"documents": [d.filename for d in documents]},
    )
    extractor = make_engine(engine, model=model)
    grounder = Grounder(documents)  # one index for the engine's checks and for grounding each finished section
    run = make_run(spec, documents, meeting_date or meeting_date_from(documents), grounder=grounder)
    run.on_event = on_event
    specs = {s.id: s for s in spec.sections}
    grounded: dict[str, Section] = {}
    usage = Usage()
    issues: list[ReportIssue] = []

    def ground(draft: DraftSection) -> Section:
        sec_spec = specs[draft.section_id]
        if draft.failed:
            issues.append(ReportIssue(severity="error", code="section-failed", message=draft.failed,
                                      section_id=sec_spec.id))
            return Section(id=sec_spec.id, title=sec_spec.title, kind=sec_spec.kind, status="failed",
                           notes=[draft.failed])
        section = ground_draft(draft, sec_spec, documents, grounder)
        section.notes = list(dict.fromkeys([*section.notes, *draft.notes]))
        return section

    total = len(spec.sections)
    async for draft in extract_with_progress(extractor, run, on_event):
        if draft.section_id not in specs or draft.section_id in grounded:
            continue
        usage = usage.add(draft.usage)
        section = grounded[draft.section_id] = ground(draft)
        if on_event is None:
            continue
        done = len(grounded)
        # Only grounded sections leave here, so a client watching progress never sees an unlocated
        # quote presented as found.
        cited = {c.document_id for i in section.items for c in i.citations if c.document_id}
        cited |= {p.document_id for p in section.passages if p.document_id}
        located = sum(c.located for i in section.items for c in i.citations)
        cites = sum(len(i.citations) for i in section.items)
        n, p = len(section.items), len(section.passages)
        read = f", {p} passage{'' if p == 1 else 's'} to read" if p else ""
        _emit(on_event, Stage.SECTION,
              f"{section.title}: {n} item{'' if n == 1 else 's'}{read}, {located}/{cites} quotes located (preview)",
              section_id=section.id, done=done, total=total,
              data={"section": section.model_dump(mode="json"), "done": done, "total": total,
                    "documents": [DocumentRef.of(d).model_dump(mode="json") for d in documents if d.id in cited]})

    sections: list[Section] = []
    for sec_spec in spec.sections:
        if sec_spec.id not in grounded:
            grounded[sec_spec.id] = ground(
                DraftSection(section_id=sec_spec.id, failed="the engine returned nothing for this section")
            )
        sections.append(grounded[sec_spec.id])
    _raise_if_all_failed(sections, extractor.name)
    # section-failed issues in SOP order, whatever order the engine finished sections in
    order = {s.id: k for k, s in enumerate(spec.sections)}
    issues.sort(key=lambda i: order.get(i.section_id or "", 0))
    for note in extractor.notes:
        issues.append(ReportIssue(severity="info", code="engine-note", message=note))
    for d in documents:
        for w in d.warnings:
            issues.append(ReportIssue(severity="info", code="source-warning", message=f"{d.filename}: {w}"))

    report = Report(
        sop_id=spec.id,
        sop_name=spec.name,
        sop_version=spec.version,
        documents=[DocumentRef.of(d) for d in documents],
        sections=sections,
        engine=extractor.name,
        model=extractor.model,
        extractive=extractor.extractive,
        issues=issues,
    )
    validate_report(spec, report, documents, meeting_date=run.meeting_date)
    # page boxes (hook from the "page" helper): PDF quotes marked on the page, from the original bytes
    attach_boxes([*report.citations(), *(p for s in report.sections for p in s.passages)], documents,
                 pdf_bytes or bytes_from_sources(sources))
    usage.seconds = round(time.perf_counter() - t0, 3)
    report.usage = usage
    v = report.verification()
    _emit(
        on_event,
        Stage.VALIDATED,
        f"validated: {v['items']} items, {v['citations_located']}/{v['citations']} citations located",
        data=v,
    )
    return report


def generate(
    sources: Sequence[str | Path | bytes | Document],
    sop: SOP | str | type[BaseModel],
    **kwargs: Any,
) -> Report:
    """Build a grounded, validated report (see `agenerate` for the options)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(agenerate(sources, sop, **kwargs))
    raise ExtractionError("generate() was called inside a running event loop; use `await agenerate(...)` there.")
