"""Report -> Markdown for pipelines and wikis: headings, pipe tables, quotes as [^n] footnotes."""

from __future__ import annotations

from reportgen.models import Document, Report
from reportgen.render import view
from reportgen.render.view import PASSAGES_HEADING, PASSAGES_INTRO, Read, Row, SectionView

DASH = "\u2014"


def _cell(text: str) -> str:
    """Pipe-table cells cannot hold pipes or line breaks."""
    return " ".join(text.replace("|", "\\|").split())


def _inline(text: str) -> str:
    return " ".join(text.split())


def _refs(row: Row) -> str:
    return "".join(f"[^{n.n}]" for n in row.notes)


def _marks(row: Row) -> str:
    parts = [f"**{row.badge}**"] if row.badge else []
    parts += [f"{'**' if f.severe else '_'}{f.code}: {f.message}{'**' if f.severe else '_'}" for f in row.flags]
    return (" \u2014 " + "; ".join(_inline(p) for p in parts)) if parts else ""


def _extras(row: Row) -> str:
    return "".join(f"; {k}: {_inline(v)}" for k, v in row.extra)


def _read(p: Read) -> str:
    return f"\u201c{_inline(p.quote)}\u201d \u2014 {p.label}"


def _passages(s: SectionView, out: list[str]) -> None:
    """Passages to read, apart from the findings and never footnoted: they are not citations of anything."""
    by_row = [(row.primary, row.passages) for row in s.rows if row.passages]
    if not s.passages and not by_row:
        return
    out += [f"**{PASSAGES_HEADING}** \u2014 _{PASSAGES_INTRO}_", ""]
    for name, ps in by_row:
        out += [f"- _{_inline(name)}:_", *(f"  - {_read(p)}" for p in ps)]
    out += [f"- {_read(p)}" for p in s.passages]
    out.append("")


def _section(s: SectionView, out: list[str]) -> None:
    out += [f"## {s.number}. {s.title}", ""]
    out += [f"> {note}" for note in s.notes] + ([""] if s.notes else [])
    if s.bare:
        out += ["_Nothing in the sources addresses this section._" if s.status != "failed"
                else "_This section could not be completed._", ""]
        return
    _rows(s, out)
    _passages(s, out)


def _rows(s: SectionView, out: list[str]) -> None:
    if not s.rows:
        return
    if s.kind in ("table", "scorecard"):
        columns = [("name", "Criterion"), ("rating", "Rating"), ("rationale", "Rationale")] \
            if s.kind == "scorecard" else s.columns
        out.append("| " + " | ".join(_cell(h) for _, h in columns) + " | Sources |")
        out.append("|" + "---|" * (len(columns) + 1))
        for row in s.rows:
            cells = [_cell(row.cells.get(k, "\u2014")) for k, _ in columns]
            cells[0] += _cell(_marks(row))
            out.append("| " + " | ".join(cells) + f" | {_refs(row) or DASH} |")
        out.append("")
    elif s.kind == "verdict":
        for row in s.rows:
            out.append(f"> **{_inline(row.primary)}**{_refs(row)}{_marks(row)}")
            out += [">", *(f"> **{k}:** {_inline(v)}" for k, v in row.extra)]
            out.append("")
    elif s.kind == "prose":
        for row in s.rows:
            out += [f"{_inline(row.primary)}{_refs(row)}{_extras(row)}{_marks(row)}", ""]
    else:
        out += [f"- {_inline(row.primary)}{_refs(row)}{_extras(row)}{_marks(row)}" for row in s.rows]
        out.append("")


def render_markdown(report: Report, *, documents: list[Document] | None = None) -> str:
    """GitHub-flavoured Markdown; every quote is a footnote, unsupported ones say so in bold."""
    v = view.build(report, documents)
    ver = v.verification
    out = [f"# {v.title}", ""]
    if v.extractive:
        out += ["> **Extractive draft.** Produced by the offline engine, which selects sentences from the sources "
                "rather than writing conclusions. Review before relying on it.", ""]
    out += [
        f"- **Sources:** {', '.join(s.filename for s in v.sources) or DASH}",
        f"- **Date:** {v.date}",
        f"- **Engine:** {v.engine}",
        f"- **Template:** {report.sop_id} (version {report.sop_version})",
        f"- **Verification:** {ver['headline']}; "
        f"{ver['citations']} quotations, {ver['located_pct']} located in the sources",
        "",
    ]
    for s in v.sections:
        _section(s, out)
    out += ["## Issues raised", ""]
    out += [f"- **{i['severity']}** {_inline(i['message'])}" + (f" ({i['where']})" if i["where"] else "")
            for i in v.issues] or ["_No issues were raised while building this report._"]
    out += ["", "## Sources", "", "| File | Type | Length | Speakers | SHA-256 |", "|---|---|---|---|---|"]
    out += [f"| {_cell(s.filename)} | {s.kind} ({s.format}) | {s.extent} | {_cell(s.speakers)} | `{s.sha256}` |"
            for s in v.sources]
    out.append("")
    for s in v.sections:
        for row in s.rows:
            for n in row.notes:
                match = f" ({n.match})" if n.match else ""
                out.append(f"[^{n.n}]: {n.where} \u2014 \u201c{_inline(n.quote)}\u201d{match}")
    out.append("")
    return "\n".join(out)
