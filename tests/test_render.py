"""Renderer tests that need no system tools: labels, HTML, Markdown, JSON, DOCX, templates, scale."""

from __future__ import annotations

import html as htmllib
import re

import docx
import pytest

from reportgen.models import Citation, Report
from reportgen.render import RenderError, labels, render_docx, render_html, render_markdown, view, write
from tests.render_samples import INTERNATIONAL, report_for_sop, sample_report


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


def _texts(report: Report) -> tuple[list[str], list[str], list[str]]:
    titles = [s.title for s in report.sections]
    primaries = [row.primary for s in view.build(report).sections for row in s.rows]
    assert "Proceed with conditions" in primaries
    quotes = [c.quote for c in report.citations()]
    return titles, primaries, quotes


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "00:00"), (724.9, "12:04"), (3599, "59:59"), (3600, "1:00:00"), (3723, "1:02:03")]
)
def test_timestamps_switch_to_hours_past_an_hour(seconds: float, text: str) -> None:
    assert labels.timestamp(seconds) == text


def test_citation_labels_name_the_file_when_it_disambiguates() -> None:
    spoken = Citation(quote="q", status="exact", start=724.0, speaker="Jason")
    paged = Citation(quote="q", status="exact", page=7)
    assert labels.citation_label(spoken, "call.vtt", False) == "12:04 \u00b7 Jason"
    assert labels.citation_label(spoken, "calls/call.vtt", True) == "call.vtt 12:04 \u00b7 Jason"
    assert labels.citation_label(paged, "contract.pdf", True) == "contract.pdf p. 7"
    assert labels.citation_label(paged, "data/contract.pdf", False) == "contract.pdf p. 7"
    assert not labels.citation_label(Citation(quote="q"), "contract.pdf", True).startswith("contract")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ({"value": 12_500_000, "unit": "USD", "period": "FY2024", "text": "$12.5M in FY2024"}, "$12.5M (FY2024)"),
        ({"value": 850_000, "unit": "EUR", "period": None, "text": "850k euros"}, "\u20ac850K"),
        ({"value": 71.5, "unit": "%", "period": "Q3", "text": "71.5%"}, "71.5% (Q3)"),
        ({"value": 40, "unit": "stores", "period": None, "text": "forty stores"}, "40 stores"),
        ({"value": None, "unit": None, "period": "2025", "text": "about a third"}, "about a third (2025)"),
        ({"value": None, "unit": None, "period": None, "text": ""}, "\u2014"),
    ],
)
def test_money_and_numbers_read_like_an_analyst_wrote_them(raw: dict, text: str) -> None:
    assert labels.value("figure", raw) == text


def test_field_values_ratings_dates_and_blanks() -> None:
    assert labels.rating(3, "Strong") == "3 \u2013 Strong"
    assert labels.rating(None, None) == "Not rated"
    assert labels.value("due", "2026-03-14") == "14 Mar 2026"
    assert labels.value("due", "end of next week") == "end of next week"
    assert labels.value("owner", None) == "\u2014"
    assert labels.value("done", True) == "Yes"
    assert labels.value("tags", ["a", "b"]) == "a, b"
    assert labels.direction("\u0645\u0631\u062d\u0628\u0627 hello") == "rtl"
    assert labels.direction("hello \u05e9\u05dc\u05d5\u05dd") == "ltr"


def test_html_shows_every_section_item_and_quote(report: Report) -> None:
    page = htmllib.unescape(render_html(report))
    titles, primaries, quotes = _texts(report)
    for text in titles + primaries + quotes + INTERNATIONAL:
        assert text in page, text
    assert "$12.5M (FY2024)" in page
    assert "[acme-mgmt-call.vtt 35:02 \u00b7 Jason]" in page  # multi-document labels carry the file name
    assert "[Acme MSA 2024.pdf p. 7]" in page
    assert "1:05:50" in page  # past an hour


def test_unsupported_items_are_flagged_never_styled_as_verified(report: Report) -> None:
    page = render_html(report)
    ver = report.verification()
    assert page.count(view.UNSUPPORTED_BADGE) >= 1
    assert page.count('class="cite bad"') == ver["by_status"]["unsupported"]
    assert "PARTLY SUPPORTED" in page and view.UNCITED_BADGE in page
    assert "date-unresolved" in page and "owner-unknown" in page and "no-evidence" in page
    assert f"{ver['items_supported']} / {ver['items']}" in page
    assert ver["located_share"] < 1 and '<div class="big">87%</div>' in page  # 14 of 16, rounded down


def test_extractive_drafts_say_so_and_drop_the_per_item_noise() -> None:
    local = sample_report(extractive=True)
    local.sections[0].items[0].flags.append("extractive: drafted by the local engine")
    page = render_html(local)
    assert "Extractive draft" in page and "extractive: drafted" not in page
    assert "Extractive draft" not in render_html(sample_report())
    assert "Extractive draft" in render_markdown(local)


def test_sop_override_and_user_template_folder(report: Report, tmp_path) -> None:
    assert "Investment committee memorandum" in render_html(report)  # templates/sops/diligence-memo.html
    other = report.model_copy(update={"sop_id": "no-such-sop"})
    assert "Investment committee memorandum" not in render_html(other)
    (tmp_path / "sops").mkdir()
    (tmp_path / "sops" / "diligence-memo.html").write_text(
        '{% extends "report.html" %}{% block kicker %}Project Falcon, partner review{% endblock %}'
    )
    (tmp_path / "report.css").write_text("body { color: #123456; }")
    assert "Project Falcon, partner review" in render_html(report, template_dir=tmp_path)
    assert "#123456" in render_html(other, template_dir=tmp_path)


def test_template_and_path_errors_say_what_to_do(report: Report, tmp_path) -> None:
    (tmp_path / "report.html").write_text("{% block oops %}")
    with pytest.raises(RenderError, match="line 1"):
        render_html(report.model_copy(update={"sop_id": "x"}), template_dir=tmp_path)
    with pytest.raises(RenderError, match="does not exist"):
        render_html(report, template_dir=tmp_path / "missing")
    with pytest.raises(RenderError, match=r"\.docx"):
        write(report, tmp_path / "out.rtf")
    with pytest.raises(RenderError, match="does not exist"):
        write(report, tmp_path / "nope" / "out.md")
    bad = tmp_path / "ref.docx"
    bad.write_text("not a zip")
    with pytest.raises(RenderError, match="not a readable .docx"):
        render_docx(report, tmp_path / "out.docx", reference_docx=bad)


def test_markdown_footnotes_tables_and_headings(report: Report) -> None:
    md = render_markdown(report)
    titles, primaries, quotes = _texts(report)
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", md))
    defs = re.findall(r"^\[\^(\d+)\]: (.*)$", md, flags=re.M)
    assert len(defs) == len(report.citations()) == len(refs)
    assert {n for n, _ in defs} == refs
    for title in titles:
        assert re.search(rf"^## \d+\. {re.escape(title)}$", md, flags=re.M), title
    for quote in quotes:
        assert any(quote in body for _, body in defs), quote
    assert "| Task | Owner | Due | Status | Sources |" in md
    assert sum(line.startswith("| ") for line in md.splitlines()) >= 3 + 3 + 2 + 2 + 4  # header rows + item rows
    assert "**UNSUPPORTED" in md


def test_json_round_trips(report: Report, tmp_path) -> None:
    out = write(report, tmp_path / "r.json")
    assert Report.model_validate_json(out.read_text()) == report


def test_docx_headings_tables_and_endnotes(report: Report, tmp_path) -> None:
    out = render_docx(report, tmp_path / "r.docx")
    doc = docx.Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h.split("  ", 1)[1] for h in headings[: len(report.sections)]] == [s.title for s in report.sections]
    assert headings[-3:] == ["Issues raised", "Sources", "Quotations"]
    tables = {t.rows[0].cells[0].text: t for t in doc.tables}
    actions = tables["Task"]
    assert [c.text for c in actions.rows[0].cells] == ["Task", "Owner", "Due", "Status", "Sources"]
    assert len(actions.rows) == 4 and actions.rows[1].cells[2].text == "14 Mar 2026"
    assert [c.text for c in tables["Criterion"].rows[0].cells] == ["Criterion", "Rating", "Rationale", "Evidence"]
    assert tables["Criterion"].rows[1].cells[1].text == "3 \u2013 Strong"
    body = "\n".join(p.text for p in doc.paragraphs) + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    for quote in (c.quote for c in report.citations()):
        assert quote in body
    endnotes = [p.text for p in doc.paragraphs if re.match(r"\[\d+\] ", p.text)]
    assert len(endnotes) == len(report.citations())
    red = [r for p in doc.paragraphs for r in p.runs if r.font.color and r.font.color.rgb == (0xB4, 0x23, 0x18)]
    assert any("UNSUPPORTED" in r.text for r in red)
    assert any("Verification" in c.text for t in doc.tables for r in t.rows for c in r.cells)


def test_docx_uses_the_reference_documents_styles(report: Report, tmp_path) -> None:
    from docx.shared import Pt, RGBColor

    ref = docx.Document()
    ref.styles["Heading 1"].font.name = "Georgia"
    ref.styles["Heading 1"].font.color.rgb = RGBColor(0x80, 0x00, 0x20)
    ref.styles["Normal"].font.size = Pt(12)
    ref.add_paragraph("Boilerplate the reference carried")
    ref.sections[0].header.paragraphs[0].text = "ACME PARTNERS"
    ref.styles.element.remove(ref.styles["List Bullet"].element)  # a reference missing a style we use
    ref.save(str(tmp_path / "ref.docx"))
    out = render_docx(report, tmp_path / "r.docx", reference_docx=tmp_path / "ref.docx")
    doc = docx.Document(str(out))
    assert doc.styles["Heading 1"].font.name == "Georgia"
    assert doc.styles["Heading 1"].font.color.rgb == RGBColor(0x80, 0x00, 0x20)
    assert doc.sections[0].header.paragraphs[0].text == "ACME PARTNERS"
    assert all("Boilerplate" not in p.text for p in doc.paragraphs)
    assert any(p.style.name == "List Bullet" for p in doc.paragraphs)


def test_every_builtin_sop_renders_from_both_engines(tmp_path) -> None:
    from reportgen.sop import builtin_sops

    sops = builtin_sops()
    assert sops
    for sop in sops.values():
        for engine in ("llm", "local"):
            rep = report_for_sop(sop, engine=engine)
            page = htmllib.unescape(render_html(rep))
            assert all(s.title in page for s in sop.sections)
            assert ("Extractive draft" in page) == (engine == "local")
            md = render_markdown(rep)
            assert md.count("[^") >= 2 * len(rep.citations())
            doc = docx.Document(str(render_docx(rep, tmp_path / f"{sop.id}-{engine}.docx")))
            assert sum(p.style.name == "Heading 1" for p in doc.paragraphs) == len(sop.sections) + 3
            assert Report.model_validate_json(write(rep, tmp_path / f"{sop.id}-{engine}.json").read_text()) == rep


def test_reviewer_decisions_reach_every_format(tmp_path) -> None:
    """Rejected items leave the deliverable (and its numbers); edited items say so."""
    from reportgen.models import Item, Report, Section

    keep = Item(fields={"task": "Ship the migration guide"}, edited=True)
    drop = Item(fields={"task": "REJECTED-TASK-7731"}, review="rejected")
    report = Report(
        sop_id="meeting-action-items",
        sections=[Section(id="action_items", title="Action items", kind="table", items=[keep, drop])],
    )
    md = render_markdown(report)
    html = render_html(report)
    assert "REJECTED-TASK-7731" not in md and "REJECTED-TASK-7731" not in html
    assert "1 item rejected by a reviewer" in md
    assert "changed by a reviewer" in md and "changed by a reviewer" in html
    assert report.verification()["items"] == 1
    doc = docx.Document(str(render_docx(report, tmp_path / "r.docx")))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "REJECTED-TASK-7731" not in text and "changed by a reviewer" in text
