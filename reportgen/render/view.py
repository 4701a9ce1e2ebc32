"""The report as it reads: sections, rows and numbered source notes, built once for every format.

HTML, Markdown and DOCX all walk this view, so a citation has the same number, label and
warning everywhere, and the formats cannot drift apart. Building it is one linear pass.

Passages to read (`Section.passages`) are kept apart from findings in every format: they are
shown whole with their locator under "Passages to read" (a scorecard shows each criterion's
beside its unrated row), are not numbered as citations, and are never counted as findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote as url_quote

from reportgen.models import Citation, Document, DocumentRef, Item, Passage, Report, Section
from reportgen.render import labels

# Flag codes that mean "do not rely on this item" and are shown in red; the rest are amber.
SEVERE_FLAGS = frozenset({"unsupported", "no-evidence", "invalid-enum", "invalid-rating", "missing-field"})
UNSUPPORTED_BADGE = "UNSUPPORTED \u2013 quote not found in sources"
UNCITED_BADGE = "UNSUPPORTED \u2013 no quote cited"
SCORECARD_COLUMNS = [("name", "Criterion"), ("rating", "Rating"), ("rationale", "Rationale")]
PASSAGES_HEADING = "Passages to read"
PASSAGES_INTRO = ("Not findings: sentences quoted as found, the most relevant to this section, for a reader "
                  "to judge. Nothing here was concluded or checked against the section's question.")
# Keys that hold an item's main sentence, in preference order, for list and prose sections.
PRIMARY_KEYS = ("text", "task", "what", "summary", "insight", "risk", "question", "recommendation", "advice")


@dataclass(slots=True)
class Note:
    """One citation in reading order: `n` is its footnote/endnote number in every format."""

    n: int
    label: str
    quote: str
    located: bool
    status: str
    match: str
    source: str
    where: str  # the label with its filename, for footnotes and endnotes
    dir: str
    # PDF sources: "file.pdf#page=7", relative, so it opens the data-room file at the page when the report
    # sits beside the files; an evidence pack (render/evidence.py) turns it into a link to its own copy
    href: str = ""


@dataclass(slots=True)
class Read:
    """A passage to read: a located quote and where it is, never a finding (no number, no support)."""

    quote: str
    where: str  # the locator, as a citation's label: "12:04 · Speaker B", "contract.pdf p. 7"
    role: str  # who says it, when the engine could tell ("expert"), else ""
    dir: str

    @property
    def label(self) -> str:
        return f"{self.where} ({self.role})" if self.role else self.where


@dataclass(slots=True)
class Flag:
    code: str
    message: str
    severe: bool


@dataclass(slots=True)
class Row:
    """One item: its main sentence, the other fields as display text, its notes and warnings."""

    id: str
    primary: str
    primary_key: str | None
    cells: dict[str, str]
    extra: list[tuple[str, str]]
    notes: list[Note]
    flags: list[Flag]
    support: str
    badge: str | None
    dir: str
    criterion: str | None = None  # a scorecard row's criterion id
    passages: list[Read] = field(default_factory=list)  # a scorecard row's passages to read


@dataclass(slots=True)
class SectionView:
    id: str
    anchor: str
    number: int
    title: str
    kind: str
    status: str
    columns: list[tuple[str, str]]
    rows: list[Row]
    notes: list[str]
    passages: list[Read] = field(default_factory=list)  # passages to read not tied to a row

    @property
    def bare(self) -> bool:
        """Nothing to show at all: no rows and no passages."""
        return not self.rows and not self.passages


@dataclass(slots=True)
class SourceView:
    id: str
    filename: str
    kind: str
    format: str
    extent: str
    speakers: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ReportView:
    report: Report
    title: str
    date: str
    engine: str
    extractive: bool
    verification: dict[str, Any]
    sections: list[SectionView]
    sources: list[SourceView]
    issues: list[dict[str, str]]
    note_count: int


def build(report: Report, documents: list[Document] | None = None) -> ReportView:
    """Number every citation in reading order and pre-format every field (linear in the report's size)."""
    refs = list(report.documents) or [DocumentRef.of(d) for d in documents or []]
    names = {d.id: d.filename for d in refs}
    for d in documents or []:
        names.setdefault(d.id, d.filename)
    multi = len(names) > 1
    counter = [0]
    pdfs = frozenset(d.id for d in refs if d.kind == "pdf") | {d.id for d in documents or [] if d.kind == "pdf"}
    sections = [
        _section(s, i, report, names, multi, counter, pdfs) for i, s in enumerate(report.sections, start=1)
    ]
    full = {d.id: d for d in documents or []}
    sources = [_source(r, full.get(r.id)) for r in refs]
    return ReportView(
        report=report,
        title=report.sop_name or labels.heading(report.sop_id),
        date=_long_date(report.created_at),
        engine=report.engine + (f" \u00b7 {report.model}" if report.model else ""),
        extractive=report.extractive,
        verification=_verification(report),
        sections=sections,
        sources=sources,
        issues=[
            {
                "severity": i.severity,
                "code": i.code,
                "message": i.message,
                "where": _issue_where(i.section_id, report),
            }
            for i in report.issues
        ],
        note_count=counter[0],
    )


def _verification(report: Report) -> dict[str, Any]:
    """Add the located share as text that never rounds a shortfall up to 100%, and the headline."""
    ver = report.verification()
    share = ver["located_share"]
    ver["located_pct"] = "100%" if share >= 1 else f"{int(share * 100)}%"
    ver["headline"], ver["figure"], ver["figure_label"] = headline(ver, extractive=report.extractive)
    failed = [s.title for s in report.sections if s.status == "failed"]
    ver["partial"] = bool(failed)
    if failed:  # every format prints the headline first: a partial report says so before anything else
        ver["headline"] = (f"Partial report: {len(failed)} of {len(report.sections)} sections failed "
                           f"({', '.join(failed)}); " + ver["headline"])
    return ver


def headline(ver: dict[str, Any], *, extractive: bool) -> tuple[str, str, str]:
    """What the title page may claim: (sentence, big figure, its label), one rule for every format.

    An item counts as supported only when its quotes are located and its values agree with them.
    An extractive report's quotes are copied from the sources, so "located" is true by construction
    and says nothing about whether an item belongs in its section: it claims "quoted", never "supported".
    Passages to read are no findings: they are said apart and never counted in the figure.
    """
    n, bad = ver["items"], ver["items_inconsistent"]
    checked = f"values checked against the quotes: {bad} flagged" if bad else "values checked against the quotes"
    p, k = ver.get("passages", 0), ver.get("sections_with_passages", 0)
    read = (f"; {p} passage{'s' if p != 1 else ''} to read, not findings, in {k} section{'s' if k != 1 else ''} "
            "the engine does not fill" if k else f"; {p} passage{'s' if p != 1 else ''} to read" if p else "")
    if extractive:
        return (f"{n} finding{'s' if n != 1 else ''} quoted from the sources (chosen, not written; review them)"
                f"{read}; {checked}", str(n), "findings quoted from the sources")
    parts = [f"{ver['items_supported']} of {n} findings supported (quotes located, values consistent)"]
    if bad:
        parts.append(f"{bad} with values their quotes do not state")
    if ver["items_unsupported"]:
        parts.append(f"{ver['items_unsupported']} unsupported")
    return "; ".join(parts) + read, f"{ver['items_supported']} / {n}", "findings supported"


def _long_date(when: datetime) -> str:
    return f"{when.day} {when.strftime('%B %Y')}"


def _issue_where(section_id: str | None, report: Report) -> str:
    if not section_id:
        return ""
    for s in report.sections:
        if s.id == section_id:
            return s.title
    return section_id


def _section(
    s: Section, number: int, report: Report, names: dict[str, str], multi: bool, counter: list[int],
    pdfs: frozenset[str] = frozenset(),
) -> SectionView:
    # A reviewer's "reject" takes the item out of the deliverable; the section says how many went.
    kept = [item for item in s.items if item.review != "rejected"]
    rejected = len(s.items) - len(kept)
    rows = [_row(item, s, report, names, multi, counter, pdfs) for item in kept]
    on_rows = {r.criterion for r in rows if r.criterion is not None}
    by_row: dict[str | None, list[Read]] = {}
    loose: list[Read] = []
    for p in s.passages:
        (by_row.setdefault(p.criterion, []) if p.criterion in on_rows else loose).append(_read(p, names, multi))
    for row in rows:
        row.passages = by_row.get(row.criterion, [])
    notes = list(s.notes)
    if rejected:
        notes.append(f"{rejected} item{'s' if rejected > 1 else ''} rejected by a reviewer and left out.")
    if s.kind == "scorecard":
        columns = list(SCORECARD_COLUMNS)
    else:
        seen: dict[str, None] = {}
        for item in kept:
            for key in item.fields:
                seen.setdefault(key, None)
        columns = [(k, labels.heading(k)) for k in seen]
    return SectionView(
        id=s.id,
        anchor=f"sec-{number}",
        number=number,
        title=s.title,
        kind=s.kind if s.kind in ("prose", "list", "table", "scorecard", "verdict") else "list",
        status=s.status,
        columns=columns,
        rows=rows,
        notes=notes,
        passages=loose,
    )


def _read(p: Passage, names: dict[str, str], multi: bool) -> Read:
    filename = names.get(p.document_id or "")
    return Read(quote=p.quote, where=labels.citation_label(p, filename, multi), role=p.role or "",
                dir=labels.direction(p.quote))


def _primary_key(fields: dict[str, Any], kind: str) -> str | None:
    if kind == "scorecard":
        return "name" if "name" in fields else ("criterion" if "criterion" in fields else None)
    if kind == "verdict":
        return "verdict" if "verdict" in fields else next(iter(fields), None)
    for key in PRIMARY_KEYS:
        if isinstance(fields.get(key), str) and fields[key]:
            return key
    return next((k for k, v in fields.items() if isinstance(v, str) and v), next(iter(fields), None))


def _row(
    item: Item, section: Section, report: Report, names: dict[str, str], multi: bool, counter: list[int],
    pdfs: frozenset[str] = frozenset(),
) -> Row:
    fields = item.fields
    kind = section.kind
    cells = {k: labels.value(k, v) for k, v in fields.items()}
    if kind == "scorecard":
        cells["rating"] = labels.rating(fields.get("rating"), fields.get("band"))
        cells.setdefault("name", labels.value("criterion", fields.get("criterion")))
    key = _primary_key(fields, kind)
    primary = cells.get(key, labels.EM_DASH) if key else labels.EM_DASH
    if kind == "verdict":
        primary = primary[:1].upper() + primary[1:]  # "strong hire" is an enum value; the call reads "Strong hire"
    hidden = {key, "band", "criterion"} if kind == "scorecard" else {key}
    extra = [(labels.heading(k), cells[k]) for k in fields if k not in hidden]
    notes = []
    for c in item.citations:
        counter[0] += 1
        notes.append(_note(c, counter[0], names, multi, pdfs))
    support = item.support
    badge = {"unsupported": UNSUPPORTED_BADGE, "uncited": UNCITED_BADGE}.get(support)
    if section.is_slot(item):
        badge = None  # an unrated row claims nothing, so there is nothing for a quote to support
    if support == "partial":
        missing = sum(not c.located for c in item.citations)
        badge = f"PARTLY SUPPORTED \u2013 {missing} of {len(item.citations)} quotes not found in sources"
    flags = []
    for raw in item.flags:
        code, _, message = raw.partition(":")
        code, message = code.strip(), message.strip() or code.strip()
        if code == "extractive" and report.extractive:
            continue  # the title page and running header already say the whole report is extractive
        if code == "unsupported" and badge:
            continue  # the badge and the red citation already say it, in place
        flags.append(Flag(code=code, message=message, severe=code in SEVERE_FLAGS))
    if item.edited:
        edited = "changed by a reviewer; the quotes are the sources' own"
        flags.append(Flag(code="edited", message=edited, severe=False))
    return Row(
        id=item.id,
        primary=primary,
        primary_key=key,
        cells=cells,
        extra=extra,
        notes=notes,
        flags=flags,
        support=support,
        badge=badge,
        dir=labels.direction(primary),
        criterion=str(fields["criterion"]) if kind == "scorecard" and fields.get("criterion") else None,
    )


def _note(c: Citation, n: int, names: dict[str, str], multi: bool, pdfs: frozenset[str] = frozenset()) -> Note:
    filename = names.get(c.document_id or "")
    return Note(
        href=source_href(filename, c.page) if c.located and c.document_id in pdfs and filename else "",
        n=n,
        label=labels.citation_label(c, filename, multi),
        quote=c.quote,
        located=c.located,
        status=c.status,
        match=labels.match_note(c),
        source=labels.short_name(filename) if filename else "",
        where=labels.citation_label(c, filename, True) if c.located else labels.short_name(filename or "source"),
        dir=labels.direction(c.quote),
    )


def _source(ref: DocumentRef, doc: Document | None) -> SourceView:
    extent = []
    if ref.pages:
        extent.append(f"{ref.pages} page{'s' if ref.pages != 1 else ''}")
    if ref.duration:
        extent.append(labels.timestamp(ref.duration))
    return SourceView(
        id=ref.id,
        filename=ref.filename,
        kind=ref.kind,
        format=ref.format,
        extent=", ".join(extent) or labels.EM_DASH,
        speakers=", ".join(ref.speakers) or labels.EM_DASH,
        sha256=ref.sha256[:12],
        warnings=list(doc.warnings) if doc else [],
    )


def source_href(filename: str, page: int | None) -> str:
    """A relative link to a PDF source at its page: what a footnote points at (and what an evidence pack
    finds again in the rendered PDF to point it at the appendix instead)."""
    return url_quote(filename) + (f"#page={page}" if page else "")
