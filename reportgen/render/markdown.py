"""Report -> Markdown for pipelines and wikis: headings, pipe tables, quotes as [^n] footnotes.

Every value that came from a source or a model (text, quotes, speakers, filenames, flags) goes
through `_inline`, which backslash-escapes the characters that make HTML, links, images, code
and emphasis in CommonMark: a viewer that allows raw HTML shows a source's `<script>` as text
(issue 14: one report fired 207 alerts before). Only the markup written here is live.
"""

from __future__ import annotations

import re

from reportgen.models import Document, Report
from reportgen.render import view
from reportgen.render.view import PASSAGES_HEADING, PASSAGES_INTRO, Read, Row, SectionView

DASH = "\u2014"


# `\` first in the class is the backslash itself; `&` too, so `&lt;script&gt;` stays that text.
_MARKUP_RE = re.compile(r"([\\`*_\[\]<>|~&#])")


def _inline(text: str) -> str:
    """One line of literal text: whitespace collapsed, every markup character escaped."""
    return _MARKUP_RE.sub(r"\\\1", " ".join(str(text).split()))


def _cell(text: str) -> str:
    """Pipe-table cells cannot hold pipes or line breaks; `_inline` escapes both away."""
    return _inline(text)


def _refs(row: Row) -> str:
    return "".join(f"[^{n.n}]" for n in row.notes)


def _marks(row: Row) -> str:
    parts = [f"**{_inline(row.badge)}**"] if row.badge else []
    parts += [f"{'**' if f.severe else '_'}{_inline(f.code)}: {_inline(f.message)}{'**' if f.severe else '_'}"
              for f in row.flags]
    return (" \u2014 " + "; ".join(parts)) if parts else ""


def _extras(row: Row) -> str:
    return "".join(f"; {_inline(k)}: {_inline(v)}" for k, v in row.extra)


def _read(p: Read) -> str:
    return f"\u201c{_inline(p.quote)}\u201d \u2014 {_inline(p.label)}"


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
    out += [f"## {s.number}. {_inline(s.title)}", ""]
    out += [f"> {_inline(note)}" for note in s.notes] + ([""] if s.notes else [])
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
            out += [">", *(f"> **{_inline(k)}:** {_inline(v)}" for k, v in row.extra)]
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
    out = [f"# {_inline(v.title)}", ""]
    if v.extractive:
        out += ["> **Extractive draft.** Produced by the offline engine, which selects sentences from the sources "
                "rather than writing conclusions. Review before relying on it.", ""]
    out += [
        f"- **Sources:** {', '.join(_inline(s.filename) for s in v.sources) or DASH}",
        f"- **Date:** {_inline(v.date)}",
        f"- **Engine:** {_inline(v.engine)}",
        f"- **Template:** {_inline(report.sop_id)} (version {report.sop_version})",
        f"- **Verification:** {ver['headline']}; "
        f"{ver['citations']} quotations, {ver['located_pct']} located in the sources",
        "",
    ]
    for s in v.sections:
        _section(s, out)
    out += ["## Issues raised", ""]
    out += [f"- **{i['severity']}** {_inline(i['message'])}" + (f" ({_inline(i['where'])})" if i["where"] else "")
            for i in v.issues] or ["_No issues were raised while building this report._"]
    out += ["", "## Sources", "", "| File | Type | Length | Speakers | SHA-256 |", "|---|---|---|---|---|"]
    out += [f"| {_cell(s.filename)} | {_cell(s.kind)} ({_cell(s.format)}) | {_cell(s.extent)} | {_cell(s.speakers)} "
            f"| `{s.sha256}` |"
            for s in v.sources]
    out.append("")
    for s in v.sections:
        for row in s.rows:
            for n in row.notes:
                match = f" ({_inline(n.match)})" if n.match else ""
                # a PDF source's page as a link (view.Note.href: percent-encoded, so no markup in it)
                where = f"[{_inline(n.where)}]({n.href})" if n.href else _inline(n.where)
                out.append(f"[^{n.n}]: {where} \u2014 \u201c{_inline(n.quote)}\u201d{match}")
    out.append("")
    return "\n".join(out)
