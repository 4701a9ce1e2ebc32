"""The data-room matrix: one table section of every room of a batch, side by side.

An investor's first question about a batch ("which of these companies has a change-of-control
clause, an uncapped liability, a term under two years?") needs every report opened. The matrix
answers it on one screen: a row per room (or per source document), a column per value of the
section's first field (the contract-terms `clause` kinds, the financial `metric`s), and in each
cell the next field's value (`summary`, `figure`) with its citations and a flag saying how far
to trust it. Rows come from the stored reports, so reviewers' edits show and rejected items do
not (they are not findings).

The CSV and XLSX exports carry the same cells. A spreadsheet evaluates a cell that starts with
`=`, `+`, `-`, `@`, tab or CR as a formula, and report values are quoted from documents nobody
vetted, so in the CSV every such cell gets a `'` in front; in the XLSX every cell is typed as
text, which a spreadsheet never evaluates.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from reportgen.api.auth import current_tenant
from reportgen.api.errors import ApiError
from reportgen.api.outputs import safe_name
from reportgen.api.schemas import error_responses
from reportgen.api.service import Service, get_service
from reportgen.models import Citation, Item, Report
from reportgen.render.labels import citation_label, heading, short_name, value
from reportgen.sop import SOP, find_sops
from reportgen.store.reports import get_batch, report_model
from reportgen.store.tables import Tenant

# Mounted under /v1/batches by `reportgen.api.batches` (it is part of that resource).
router = APIRouter(tags=["batches"])
ERRORS = error_responses(401, 404, 422)

Flag = Literal["supported", "flagged", "unsupported", "not found", "pending", "failed"]
RowsBy = Literal["rooms", "documents"]
MAX_COLUMNS = 40  # free-text keys (metrics) by default: the most frequent this many
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MatrixCitation(BaseModel):
    label: str = Field(examples=["msa.pdf p. 7"], description="where the quote is, as every output labels it")
    quote: str
    status: str = Field(examples=["exact"], description="exact, normalized, fuzzy or unsupported")
    document_id: str | None = None
    page: int | None = None
    href: str = Field(examples=["/reports/rep_0c1d2e3f4a5b#cite-itm_8e0e6cb980a4-0"],
                      description="the report page with this quote open in its source viewer")


class MatrixEntry(BaseModel):
    """One item of the section that falls in this cell (several agreements can each have a liability cap)."""

    item_id: str
    value: str = Field(examples=["Liability capped at fees paid in the prior 12 months"])
    details: dict[str, str] = Field(default_factory=dict, description="the item's other fields, as display text")
    support: str = Field(examples=["supported"], description="the item's support, as in the report JSON")
    flags: list[str] = Field(default_factory=list, description="validation flags, `code: message`")
    review: str = "pending"
    edited: bool = False
    citations: list[MatrixCitation] = Field(default_factory=list)


class MatrixCell(BaseModel):
    flag: Flag = Field(description="unsupported: a quote of an item was not found; flagged: validation flagged an "
                                   "item; not found: the room's report has no such row; pending/failed: the room's "
                                   "report (or this section of it) is not finished / failed")
    value: str = Field("", description="the entries' values joined by ` | `")
    number: float | None = Field(None, description="the first entry's figure as a number (money and number "
                                                   "fields), to sort by: `$3M` before `$12.5M`")
    entries: list[MatrixEntry] = Field(default_factory=list)


class MatrixRow(BaseModel):
    room: str
    report_id: str
    state: str = Field(description="the room's job state: queued, running, succeeded or failed")
    error: str | None = None
    document_id: str | None = Field(None, description="with rows=documents: the source of this row")
    document: str | None = Field(None, description="with rows=documents: its file name")
    href: str = Field(description="the room's report page")
    cells: list[MatrixCell] = Field(description="one per column, in the order of `columns`")


class MatrixColumn(BaseModel):
    id: str = Field(examples=["change of control"], description="what to pass in `fields`")
    label: str = Field(examples=["Change of control"])
    found: int = Field(description="how many rooms have at least one entry in this column")


class Matrix(BaseModel):
    batch_id: str
    sop: str
    section: str = Field(examples=["contract_terms"])
    section_title: str = Field(examples=["Key contract terms"])
    key_field: str = Field(examples=["clause"], description="the field whose values are the columns")
    value_field: str | None = Field(examples=["summary"], description="the field shown in the cells")
    rows_by: RowsBy
    sections: list[dict[str, str]] = Field(description="every table section of the SOP ({id, title}): the choices")
    available: list[MatrixColumn] = Field(description="every column this section can show (fields to choose from)")
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    links: dict[str, str]


@dataclass
class Room:
    name: str
    report_id: str
    state: str
    error: str | None
    report: Report | None


def _norm(text: str) -> str:
    """Free-text keys written differently by different rooms ("Gross margin", "gross margin.") are one column."""
    return re.sub(r"\s+", " ", text).strip().strip(".:;").casefold()


def _key_text(item: Item, key: str) -> str:
    raw = item.fields.get(key)
    return value(key, raw) if raw not in (None, "", [], {}) else ""


def _table_sections(sop: SOP | None, rooms: list[Room]) -> list[tuple[str, str, list[str], list[str] | None]]:
    """(id, title, field names, enum values of the first field) of each table section; from the reports
    when the SOP is gone, so an old batch still has its matrix."""
    if sop is not None:
        out = []
        for sec in sop.sections:
            if sec.kind == "table" and sec.fields:
                names = list(sec.fields)
                first = sec.fields[names[0]]
                out.append((sec.id, sec.title, names, list(first.values) if first.type == "enum" and first.values
                            else None))
        return out
    seen: dict[str, tuple[str, str, list[str], list[str] | None]] = {}
    for room in rooms:
        for rsec in room.report.sections if room.report else []:
            if rsec.kind == "table" and rsec.id not in seen and rsec.items:
                seen[rsec.id] = (rsec.id, rsec.title, list(rsec.items[0].fields), None)
    return list(seen.values())


def _pick_section(tables: list, section: str | None) -> tuple[str, str, list[str], list[str] | None]:
    if not tables:
        raise ApiError(422, "this batch's SOP has no table section, so there is nothing to put in a matrix.",
                       "unknown_section")
    if not section:
        return tables[0]
    for t in tables:
        if t[0] == section:
            return t
    raise ApiError(422, f"unknown section {section!r}: the matrix shows a table section of the batch's SOP, "
                        f"one of {', '.join(t[0] for t in tables)}.", "unknown_section")


def _entries(room: Room, section_id: str) -> list[Item]:
    if room.report is None:
        return []
    for sec in room.report.sections:
        if sec.id == section_id:
            return sec.findings()
    return []


def _columns(keys: list[str], enum: list[str] | None, rooms: list[Room], section_id: str
             ) -> list[tuple[str, str]]:
    """(normalised id, label) of every column this section can show: the enum's values in the SOP's order, or
    the free-text keys found in the finished rooms, most rooms first."""
    if enum is not None:
        return [(_norm(v), heading(v)) for v in enum]
    rooms_with: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for room in rooms:
        seen = set()
        for item in _entries(room, section_id):
            text = _key_text(item, keys[0])
            if text:
                seen.add(_norm(text))
                spelled.setdefault(_norm(text), Counter())[text] += 1
        rooms_with.update(seen)
    order = sorted(rooms_with, key=lambda k: (-rooms_with[k], k))
    return [(k, spelled[k].most_common(1)[0][0]) for k in order]


def _chosen(fields: list[str], available: list[tuple[str, str]], key: str) -> list[tuple[str, str]]:
    wanted = [f for part in fields for f in (p.strip() for p in part.split(",")) if f]
    if not wanted:  # none asked for (`fields=` empty too): the default
        return available[:MAX_COLUMNS]
    by_id = dict(available)
    unknown = [f for f in wanted if _norm(f) not in by_id]
    if unknown:
        some = ", ".join(cid for cid, _ in available[:20]) or "none yet"
        raise ApiError(422, f"unknown field {unknown[0]!r} for the matrix: its columns are values of `{key}` "
                            f"({some}{' …' if len(available) > 20 else ''}).", "unknown_field")
    return list(dict.fromkeys((_norm(f), by_id[_norm(f)]) for f in wanted))


def _citation(c: Citation, idx: int, item: Item, room: Room, names: dict[str, str]) -> MatrixCitation:
    name = names.get(c.document_id or "")
    return MatrixCitation(label=citation_label(c, name, True) if c.located else "quote not found", quote=c.quote,
                          status=c.status, document_id=c.document_id, page=c.page,
                          href=f"/reports/{room.report_id}#cite-{item.id}-{idx}")


def _entry(item: Item, fields: list[str], room: Room, names: dict[str, str]) -> MatrixEntry:
    main = fields[1] if len(fields) > 1 else fields[0]
    details = {heading(k): value(k, v) for k, v in item.fields.items()
               if k not in (fields[0], main) and v not in (None, "", [], {})}
    return MatrixEntry(item_id=item.id, value=value(main, item.fields.get(main)), details=details,
                       support=item.support, flags=item.flags, review=item.review, edited=item.edited,
                       citations=[_citation(c, i, item, room, names) for i, c in enumerate(item.citations)])


def _flag(items: list[Item]) -> Flag:
    if not items:
        return "not found"
    if any(i.support in ("partial", "unsupported", "uncited") for i in items):
        return "unsupported"
    if any(i.flags or i.support == "inconsistent" for i in items):
        return "flagged"
    return "supported"


def _number(item: Item, field: str) -> float | None:
    raw = item.fields.get(field)
    if isinstance(raw, dict):
        raw = raw.get("value")
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None


def _cell(items: list[Item], fields: list[str], room: Room, names: dict[str, str]) -> MatrixCell:
    if room.report is None:
        return MatrixCell(flag="failed" if room.state == "failed" else "pending")
    entries = [_entry(i, fields, room, names) for i in items]
    number = _number(items[0], fields[1] if len(fields) > 1 else fields[0]) if items else None
    return MatrixCell(flag=_flag(items), value=" | ".join(e.value for e in entries), number=number, entries=entries)


def _section_failed(room: Room, section_id: str) -> bool:
    """A section whose extraction failed says nothing about what the room lacks: its cells say failed."""
    return room.report is not None and any(s.id == section_id and s.status == "failed" for s in room.report.sections)


def _doc_of(item: Item) -> str | None:
    """The source an item comes from: its first located quote's, else its first quote's."""
    for c in item.citations:
        if c.located and c.document_id:
            return c.document_id
    return item.citations[0].document_id if item.citations else None


def build_matrix(batch_id: str, sop_id: str, sop: SOP | None, rooms: list[Room], *, section: str | None,
                 fields: list[str], rows_by: RowsBy = "rooms") -> Matrix:
    """The matrix of one table section; 422 with the choices for an unknown section or field."""
    tables = _table_sections(sop, rooms)
    sec_id, sec_title, keys, enum = _pick_section(tables, section)
    available = _columns(keys, enum, rooms, sec_id)
    chosen = _chosen(fields, available, keys[0])
    rows: list[MatrixRow] = []
    for room in rooms:
        names = {d.id: short_name(d.filename) for d in room.report.documents} if room.report else {}
        groups: list[tuple[str | None, list[Item]]] = [(None, _entries(room, sec_id))]
        if rows_by == "documents" and room.report is not None:
            items = groups[0][1]
            groups = [(d.id, [i for i in items if _doc_of(i) == d.id]) for d in room.report.documents]
            stray = [i for i in items if _doc_of(i) not in names]
            if stray:
                groups.append((None, stray))
        for doc_id, items in groups:
            by_key: dict[str, list[Item]] = {}
            for item in items:
                by_key.setdefault(_norm(_key_text(item, keys[0])), []).append(item)
            cells = [_cell(by_key.get(cid, []), keys, room, names) for cid, _ in chosen]
            if _section_failed(room, sec_id):
                cells = [MatrixCell(flag="failed") for _ in chosen]
            rows.append(MatrixRow(room=room.name, report_id=room.report_id, state=room.state, error=room.error,
                                  document_id=doc_id, document=names.get(doc_id or "") if rows_by == "documents"
                                  and room.report else None, href=f"/reports/{room.report_id}", cells=cells))
    rooms_with: Counter[str] = Counter()
    for room in rooms:
        rooms_with.update({_norm(_key_text(i, keys[0])) for i in _entries(room, sec_id)})
    picked = {"fields": ",".join(cid for cid, _ in chosen)} if any(f.strip(" ,") for f in fields) else {}
    query = urlencode({"section": sec_id, "rows": rows_by, **picked})
    return Matrix(
        batch_id=batch_id, sop=sop_id, section=sec_id, section_title=sec_title, key_field=keys[0],
        value_field=keys[1] if len(keys) > 1 else None, rows_by=rows_by,
        sections=[{"id": t[0], "title": t[1]} for t in tables],
        available=[MatrixColumn(id=cid, label=label, found=rooms_with[cid]) for cid, label in available],
        columns=[MatrixColumn(id=cid, label=label, found=rooms_with[cid]) for cid, label in chosen], rows=rows,
        links={f: f"/v1/batches/{batch_id}/matrix{ext}?{query}" for f, ext in
               (("self", ""), ("csv", ".csv"), ("xlsx", ".xlsx"))},
    )


# --- exports --------------------------------------------------------------------------------------


def csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (`=HYPERLINK(...)` quoted from a contract) reads as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def table(m: Matrix, base_url: str) -> list[list[str]]:
    """Header plus one line per row: room, [document], report link, then value, flag and sources per column."""
    head = ["Room", *(["Document"] if m.rows_by == "documents" else []), "Report"]
    for col in m.columns:
        head += [col.label, f"{col.label} · flag", f"{col.label} · source"]
    out = [head]
    for row in m.rows:
        line = [row.room, *([row.document or ""] if m.rows_by == "documents" else []), base_url + row.href]
        for cell in row.cells:
            sources = "; ".join(c.label for e in cell.entries for c in e.citations)
            line += [cell.value, cell.flag, sources]
        out.append(line)
    return out


def to_csv(m: Matrix, base_url: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    for line in table(m, base_url):
        w.writerow([csv_safe(x) for x in line])
    return ("\ufeff" + buf.getvalue()).encode()  # the BOM makes Excel read UTF-8


def to_xlsx(m: Matrix, base_url: str) -> bytes:
    """Every cell typed as text (never a formula); a value cell links to its first quote in the report page."""
    from openpyxl import Workbook  # the server extra; loaded only when someone exports
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = m.section[:31]
    lead = 3 if m.rows_by == "documents" else 2
    fills = {"unsupported": "F8D7DA", "flagged": "FFF3CD", "not found": "EEEEEE"}
    for r, line in enumerate(table(m, base_url), start=1):
        for c, text in enumerate(line, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)  # control characters PDFs carry; XML has none
            cell.data_type = "s"
            if r == 1:
                cell.font = Font(bold=True)
                continue
            k, part = divmod(c - lead - 1, 3)
            if c > lead and part == 0:
                mc = m.rows[r - 2].cells[k]
                cites = [x for e in mc.entries for x in e.citations]
                if cites:
                    cell.hyperlink = base_url + cites[0].href
                if mc.flag in fills:
                    cell.fill = PatternFill("solid", fgColor=fills[mc.flag])
    ws.freeze_panes = ws.cell(row=2, column=lead + 1)
    for c in range(1, ws.max_column + 1):  # value, flag, sources: wide, narrow, medium
        part = (c - lead - 1) % 3 if c > lead else -1
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = {0: 48, 1: 12, 2: 24}.get(part, 18)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- routes ---------------------------------------------------------------------------------------


def _load(service: Service, tenant_id: str, batch_id: str) -> tuple[str, SOP | None, list[Room]]:
    with service.db.session() as s:
        batch, rows = get_batch(s, tenant_id, batch_id)
        rooms = [Room(name=r.room or r.id, report_id=r.id, state=j.state,
                      error=j.error if j.state == "failed" else None,
                      report=report_model(r) if j.state == "succeeded" else None) for r, j in rows]
    return batch.sop_id, find_sops().get(batch.sop_id), rooms


SectionQ = Query(None, max_length=200, description="a table section of the batch's SOP (default: its first)",
                 examples=["contract_terms"])
FieldsQ = Query([], description="columns: values of the section's first field, comma-separated or repeated "
                                "(default: all enum values, or the 40 most frequent free-text ones)",
                examples=["change of control,liability cap,term and renewal"])
RowsQ = Query("rooms", description="a row per room, or per source document of each room")


def _matrix(batch_id: str, section: str | None, fields: list[str], rows: RowsBy, tenant_id: str,
            service: Service) -> Matrix:
    if sum(len(f) for f in fields) > 10_000:
        raise ApiError(422, "`fields` is too long: name at most a few hundred columns.", "unknown_field")
    sop_id, sop, rooms = _load(service, tenant_id, batch_id)
    return build_matrix(batch_id, sop_id, sop, rooms, section=section, fields=fields, rows_by=rows)


def _export(m: Matrix, request: Request, fmt: str) -> Response:
    if not any(r.state == "succeeded" for r in m.rows):
        raise ApiError(409, f"no report of batch {m.batch_id} has finished yet; poll GET /v1/batches/{{id}} "
                            "until some have.", "not_ready")
    base = str(request.base_url).rstrip("/")
    body, media = (to_csv(m, base), "text/csv; charset=utf-8") if fmt == "csv" else (to_xlsx(m, base), XLSX_TYPE)
    name = safe_name(f"{m.batch_id}-{m.section}")
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/{batch_id}/matrix", response_model=Matrix, responses=ERRORS, operation_id="get_batch_matrix",
            summary="One table section across the batch's rooms: a row per room, a column per clause or metric")
def matrix_json(batch_id: str, section: str | None = SectionQ, fields: list[str] = FieldsQ, rows: RowsBy = RowsQ,
                tenant: Tenant = Depends(current_tenant), service: Service = Depends(get_service)) -> Matrix:
    return _matrix(batch_id, section, fields, rows, tenant.id, service)


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {**error_responses(401, 404, 409, 422)}


@router.get("/{batch_id}/matrix.csv", responses={**EXPORT_RESPONSES, 200: {"content": {"text/csv": {}}}},
            operation_id="export_batch_matrix_csv", summary="The matrix as CSV (formula-like cells escaped)")
def matrix_csv(batch_id: str, request: Request, section: str | None = SectionQ, fields: list[str] = FieldsQ,
               rows: RowsBy = RowsQ, tenant: Tenant = Depends(current_tenant),
               service: Service = Depends(get_service)) -> Response:
    return _export(_matrix(batch_id, section, fields, rows, tenant.id, service), request, "csv")


@router.get("/{batch_id}/matrix.xlsx", responses={**EXPORT_RESPONSES, 200: {"content": {XLSX_TYPE: {}}}},
            operation_id="export_batch_matrix_xlsx", summary="The matrix as an Excel workbook (cells typed as text)")
def matrix_xlsx(batch_id: str, request: Request, section: str | None = SectionQ, fields: list[str] = FieldsQ,
                rows: RowsBy = RowsQ, tenant: Tenant = Depends(current_tenant),
                service: Service = Depends(get_service)) -> Response:
    return _export(_matrix(batch_id, section, fields, rows, tenant.id, service), request, "xlsx")
