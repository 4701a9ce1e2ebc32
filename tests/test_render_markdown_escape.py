"""The Markdown output shown by a CommonMark viewer that allows raw HTML (issue 14).

Source text, speaker names, filenames, quotes and flags are copied into the Markdown; before
the fix one report fired 207 script alerts in such a viewer. Rendered with markdown-it-py
(`html=True`, tables on), no tag, attribute or link from a source may survive: the hostile
strings must show as the text they are.
"""

from __future__ import annotations

from html.parser import HTMLParser

import markdown_it

from reportgen.models import Citation, DocumentRef, Item, Report, ReportIssue, Section
from reportgen.render.markdown import render_markdown
from tests.render_samples import sample_report

HOSTILE = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    "[click me](javascript:alert('x3'))",
    "![pic](javascript:alert('x4'))",
    "<a href=\"javascript:alert('x5')\">link</a>",
    "<javascript:alert('x6')>",
    "<https://evil.example/x7>",
    "[ref][evil] and [evil]: javascript:alert('x8')",
    "<iframe src=//evil.example></iframe>",
    "`code` **bold** _em_ | pipe | &lt;b&gt; &#60;script&#62;",
]
BAD = "<svg onload=alert('x9')>"
SPEAKER = "Eve<script>alert('x10')</script>"
FILE = DocumentRef(id="doc_evil", filename="<img src=x onerror=alert('x11')>.vtt", kind="transcript",
                   format="vtt", sha256="ab" * 32, duration=60.0, speakers=[SPEAKER, "[x](javascript:alert('x12'))"])
SAFE_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "table", "thead", "tbody", "tr", "th", "td",
             "blockquote", "code", "hr", "br", "sup", "pre"}


def hostile_report() -> Report:
    base = sample_report()
    cite = Citation(document_id=FILE.id, quote=HOSTILE[0] + " " + HOSTILE[2], char_start=0, char_end=10,
                    status="exact", score=1.0, start=5.0, end=9.0, speaker=SPEAKER, segment_ids=[1])
    sections = [
        Section(id="summary", title="Summary " + BAD, kind="prose", notes=[HOSTILE[1]],
                items=[Item(fields={"text": t}, citations=[cite]) for t in HOSTILE]),
        Section(id="decisions", title="Decisions", kind="table", items=[
            Item(fields={"what": t, "decided_by": SPEAKER}, citations=[cite], flags=[f"owner-unknown: {t}"])
            for t in HOSTILE]),
        Section(id="risks", title="Risks", kind="list", items=[
            Item(fields={"risk": t, "severity": "high", "mitigation": HOSTILE[4]}, citations=[cite])
            for t in HOSTILE]),
        Section(id="recommendation", title="Recommendation", kind="verdict", items=[
            Item(fields={"verdict": HOSTILE[0], "rationale": HOSTILE[2]}, citations=[cite])]),
    ]
    return base.model_copy(update={
        "documents": [FILE], "sections": sections,
        "issues": [ReportIssue(severity="warning", code="x", section_id="summary", message=t) for t in HOSTILE]})


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def viewer_html(md: str) -> str:
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def test_no_html_or_link_from_sources_survives_a_commonmark_viewer() -> None:
    html = viewer_html(render_markdown(hostile_report()))
    parsed = Tags()
    parsed.feed(html)
    unsafe = [(t, a) for t, a in parsed.tags if t not in SAFE_TAGS or a]
    assert unsafe == [], unsafe[:5]
    text = "".join(parsed.text)
    for s in (*HOSTILE[:7], SPEAKER, FILE.filename):  # shown as the text they are
        assert s.replace("&lt;b&gt;", "") in text or s in text, s


def test_the_sample_report_still_reads_as_markdown() -> None:
    md = render_markdown(sample_report())
    html = viewer_html(md)
    assert "<table>" in html and "<strong>" in html and "<h2>" in html
    assert "$12.5M in FY2024" in html and "María José" in html
