"""Every citation says where it is: text files by line and paragraph, in every output's label."""

from __future__ import annotations

from reportgen.grounding import Grounder, format_locator
from reportgen.ingest import ingest_bytes
from reportgen.models import Citation
from reportgen.render.labels import citation_label

NOTES = b"Intro.\n\nThe price is $20 per seat.\nIt renews every year.\n"


def test_text_files_are_cited_by_line_and_paragraph() -> None:
    (doc,) = ingest_bytes(NOTES, "notes.txt")
    c = Grounder([doc]).locate("It renews every year.").citation
    assert (c.line, c.paragraph) == (4, 2)
    assert format_locator(c, "notes.txt", multi_doc=False) == "\u00b6 2, line 4"
    assert format_locator(c, "notes.txt", multi_doc=True) == "notes.txt line 4"
    assert format_locator(c.model_copy(update={"paragraph": None}), None, multi_doc=False) == "line 4"


def test_a_quote_inside_a_segment_gets_its_own_line() -> None:
    (doc,) = ingest_bytes(NOTES, "notes.txt")
    c = Grounder([doc]).locate("The price is $20 per seat.").citation
    assert c.line == 3


def test_render_labels_use_the_line_and_shorten_zip_paths() -> None:
    c = Citation(document_id="d", quote="q", status="exact", segment_ids=[3], line=12, paragraph=4)
    assert citation_label(c, "room/notes.txt", multi_doc=False) == "\u00b6 4, line 12"
    assert citation_label(c, "room/notes.txt", multi_doc=True) == "notes.txt line 12"


def test_old_reports_without_lines_still_read_as_before() -> None:
    c = Citation(document_id="d", quote="q", status="exact", segment_ids=[3])
    assert format_locator(c, "notes.txt", multi_doc=True) == "notes.txt \u00b6 4"
