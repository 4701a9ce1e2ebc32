"""sources -> Documents -> drafts -> grounded, validated Report: the one path every entry point takes.

The CLI, the Python API and (later) the job runner all call `agenerate`/`generate`, so a
report built from the web page and one built from a script are made the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reportgen.errors import ExtractionError, ReportgenError
from reportgen.extract.base import DraftSection, Event, Extractor, OnEvent
from reportgen.models import Document, DocumentRef, Report, ReportIssue, Section, Usage
from reportgen.sop import SOP


def resolve_sop(sop: SOP | str | type[BaseModel], sop_dirs: Sequence[Path] = ()) -> SOP:
    """An SOP object, an id or YAML path, or a user's own Pydantic model."""
    if isinstance(sop, SOP):
        return sop
    if isinstance(sop, type) and issubclass(sop, BaseModel):
        from reportgen.sopschema import sop_from_model

        return sop_from_model(sop)
    if isinstance(sop, str):
        from reportgen.sop import get_sop

        return get_sop(sop, list(sop_dirs))
    raise TypeError(f"sop must be an SOP, an SOP id or path, or a Pydantic model class, not {type(sop).__name__}")


def make_engine(engine: str | Extractor | None = None, **options: Any) -> Extractor:
    """`None` picks the llm engine when one is configured (OPENAI_API_KEY/OPENAI_BASE_URL), else local."""
    if engine is not None and not isinstance(engine, str):
        return engine
    from reportgen.config import Settings, default_engine

    name = engine or default_engine()
    if name == "local":
        from reportgen.extract.local import LocalExtractor

        return LocalExtractor()
    if name == "llm":
        from reportgen.extract.llm import LLMExtractor

        settings = options.pop("settings", None) or Settings.from_env()
        if options.get("model"):
            settings = settings.model_copy(update={"model": options["model"]})
        return LLMExtractor(settings)
    raise ReportgenError(f"unknown engine {name!r}: use 'local' (offline) or 'llm' (an OpenAI-compatible API).")


def load_documents(
    sources: Sequence[str | Path | bytes | Document], *, password: str | None = None, ocr: bool = False
) -> list[Document]:
    from reportgen.ingest import ingest

    docs: list[Document] = []
    for src in sources:
        if isinstance(src, Document):
            docs.append(src)
        else:
            docs.extend(ingest(src, password=password, ocr=ocr))
    seen: set[str] = set()
    unique = []
    for d in docs:  # the same file passed twice is read once
        if d.id not in seen:
            seen.add(d.id)
            unique.append(d)
    return unique


def _emit(on_event: OnEvent | None, stage: str, message: str, **kw: Any) -> None:
    if on_event is not None:
        on_event(Event(stage=stage, message=message, **kw))


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
) -> Report:
    """Build a grounded, validated report. Async twin of `generate`."""
    from reportgen.grounding import Grounder, ground_draft
    from reportgen.validate import meeting_date_from, validate_report

    t0 = time.perf_counter()
    spec = resolve_sop(sop, sop_dirs)
    documents = load_documents(sources, password=password, ocr=ocr)
    if not documents:
        raise ReportgenError("no sources: pass at least one transcript or document.")
    _emit(
        on_event,
        "parsed",
        f"parsed {len(documents)} source(s), {sum(len(d.segments) for d in documents)} segments",
        data={"documents": [d.filename for d in documents]},
    )
    when = meeting_date or meeting_date_from(documents)  # the same reading validation uses
    if when is not None:  # engines resolve "by Friday" against the meeting date they find on the document
        for d in documents:
            d.meta.setdefault("date", when.isoformat())
    extractor = make_engine(engine, model=model)
    grounder = Grounder(documents)  # built before extraction: finished sections are grounded as they arrive
    specs = {s.id: s for s in spec.sections}
    grounded: dict[str, Section] = {}

    def ground(draft: DraftSection) -> Section:
        sec_spec = specs[draft.section_id]
        if draft.failed:
            return Section(id=sec_spec.id, title=sec_spec.title, kind=sec_spec.kind, status="failed",
                           notes=[draft.failed])
        section = ground_draft(draft, sec_spec, documents, grounder)
        section.notes = list(dict.fromkeys([*section.notes, *draft.notes]))
        return section

    def preview(ev: Event) -> None:
        """Forward engine events, turning a finished draft into a grounded "section" event.

        Only grounded sections leave here (the raw draft is stripped), so a client watching
        progress never sees an unlocated quote presented as found.
        """
        raw = ev.data.get("draft")
        if raw is None:
            on_event(ev)
            return
        on_event(ev.model_copy(update={"data": {k: v for k, v in ev.data.items() if k != "draft"}}))
        draft = DraftSection.model_validate(raw)
        if draft.section_id not in specs:
            return
        section = grounded[draft.section_id] = ground(draft)
        cited = {c.document_id for i in section.items for c in i.citations if c.document_id}
        located = sum(c.located for i in section.items for c in i.citations)
        cites = sum(len(i.citations) for i in section.items)
        n = len(section.items)
        on_event(Event(
            stage="section",
            message=f"{section.title}: {n} item{'' if n == 1 else 's'}, {located}/{cites} quotes located (preview)",
            section_id=section.id,
            done=ev.done,
            total=ev.total,
            data={"section": section.model_dump(mode="json"), "done": ev.done, "total": ev.total,
                  "documents": [DocumentRef.of(d).model_dump(mode="json") for d in documents if d.id in cited]},
        ))

    drafts: list[DraftSection] = await extractor.extract(
        spec, spec.sections, documents, preview if on_event is not None else None
    )
    by_id = {d.section_id: d for d in drafts}

    sections: list[Section] = []
    issues: list[ReportIssue] = []
    usage = Usage()
    for sec_spec in spec.sections:
        draft = by_id.get(sec_spec.id) or DraftSection(
            section_id=sec_spec.id, failed="the engine returned nothing for this section"
        )
        usage = usage.add(draft.usage)
        if draft.failed:
            issues.append(
                ReportIssue(severity="error", code="section-failed", message=draft.failed, section_id=sec_spec.id)
            )
        sections.append(grounded.get(sec_spec.id) or ground(draft))
    for note in getattr(extractor, "run_notes", []) or []:
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
        model=getattr(extractor, "model", None),
        extractive=extractor.name == "local",
        issues=issues,
    )
    validate_report(spec, report, documents, meeting_date=when)
    usage.seconds = round(time.perf_counter() - t0, 3)
    report.usage = usage
    v = report.verification()
    _emit(
        on_event,
        "validated",
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
