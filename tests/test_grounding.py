"""Grounding: every status, the safeguards against wrong places, and the draft-to-section step."""

from __future__ import annotations

import pytest

from reportgen.clock import clock
from reportgen.drafts import DraftItem, DraftSection
from reportgen.errors import ReportgenError
from reportgen.grounding import (
    Grounder,
    format_locator,
    ground,
    normalise,
)
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Citation, Document
from reportgen.sections import ground_draft
from reportgen.sop import SectionSpec


def transcript(lines: list[tuple[float, str, str]], name: str = "call.txt") -> Document:
    b = TextBuilder()
    for start, speaker, text in lines:
        b.add(text, start=start, end=start + 4.5, speaker=speaker)
    return finish(b, data=name.encode() + b.text.encode(), filename=name, kind="transcript", format="test",
                  media_type="text/plain")  # fmt: skip


def paged(pages: list[str], name: str = "contract.pdf") -> Document:
    b = TextBuilder()
    for n, text in enumerate(pages, 1):
        for para in text.split("\n\n"):
            b.add(para, page=n, sep="\n\n")
    return finish(b, data=b.text.encode(), filename=name, kind="pdf", format="pdf", media_type="application/pdf",
                  pages=len(pages))  # fmt: skip


CALL = transcript(
    [
        (0.0, "Dean", "Hey everyone, um, welcome to the show."),
        (5.0, "Dean", "So we're going to talk about retrieval"),
        (9.0, "Dean", "augmented generation today, and why it matters."),
        (724.0, "Jason", "Honestly the biggest risk is that churn doubles after the price increase."),
        (3700.0, "Jason", "We will ship the product on Friday, no matter what."),
        (3710.0, "Dean", "We will ship the product on Monday, no matter what."),
        (3720.0, "Jason", "Yes."),
        (3723.0, "Dean", "Yes."),
        (3730.0, "Jason", "I'll send the revised budget to finance by the end of next week."),
        (3800.0, "Dean", "[Music] The café’s Wi‑Fi — it’s “free” … apparently."),
    ]
)


def span(doc: Document, c: Citation) -> str:
    assert c.char_start is not None and c.char_end is not None
    return doc.text[c.char_start : c.char_end]


@pytest.fixture(scope="module")
def g() -> Grounder:
    return Grounder([CALL])


def test_exact_match_gives_offsets_segment_time_and_speaker(g: Grounder) -> None:
    c = g.ground("the biggest risk is that churn doubles")
    assert (c.status, c.score) == ("exact", 1.0)
    assert span(CALL, c) == "the biggest risk is that churn doubles"
    assert c.document_id == CALL.id
    assert c.segment_ids == [3] and c.start == 724.0 and c.end == 728.5 and c.speaker == "Jason"
    assert format_locator(c, CALL.filename, multi_doc=False) == "12:04 \u00b7 Jason"


@pytest.mark.parametrize(
    "quote",
    [
        "THE BIGGEST RISK is that churn doubles",  # case
        "the   biggest\nrisk is that\tchurn doubles",  # whitespace and line breaks
        "the biggest risk, is that churn doubles!",  # punctuation
        "the biggest risk is, um, that uh churn you know doubles",  # fillers added
        "Hey everyone, welcome to the show",  # filler removed
        "the cafe's wi-fi, it's \"free\"... apparently",  # Unicode: accents, curly quotes, dashes, ellipsis
        "The café’s Wi‑Fi — it’s “free” apparently",  # noise token [Music] left out
    ],
)
def test_normalised_match_ignores_form_but_keeps_words(g: Grounder, quote: str) -> None:
    c = g.ground(quote)
    assert c.status in ("normalized", "exact") and c.score == 1.0
    assert normalise(span(CALL, c)) == normalise(quote)


def test_quote_across_caption_lines_lists_every_segment(g: Grounder) -> None:
    c = g.ground("we're going to talk about retrieval augmented generation today")
    assert c.located and c.segment_ids == [1, 2]
    assert (c.start, c.end) == (5.0, 13.5)
    assert span(CALL, c).startswith("we're going") and span(CALL, c).endswith("generation today")


def test_fuzzy_match_tolerates_asr_errors_and_reports_its_score(g: Grounder) -> None:
    c = g.ground("I'll send the revised budget to finance buy the end of next weak")
    assert c.status == "fuzzy" and 0.9 <= c.score < 1.0
    assert c.segment_ids == [8] and c.speaker == "Jason"
    # the span is trimmed to whole words of the source
    assert not CALL.text[c.char_start - 1].isalnum() and not CALL.text[c.char_end].isalnum()
    assert span(CALL, c).endswith("next week")


def test_unrelated_quote_is_unsupported(g: Grounder) -> None:
    c = g.ground("our competitors have launched a cheaper product in Germany this spring")
    assert c.status == "unsupported" and c.char_start is None and c.segment_ids == [] and c.score == 0.0
    assert format_locator(c, CALL.filename, multi_doc=False) == "not located"


def test_short_quote_repeated_is_ambiguous_not_guessed(g: Grounder) -> None:
    m = g.locate("Yes.")
    assert m.citation.status == "unsupported" and m.reason == "ambiguous" and m.occurrences == 2


def test_short_quote_is_never_fuzzy(g: Grounder) -> None:
    m = g.locate("welcome to the shop")
    assert m.citation.status == "unsupported" and m.reason == "too-short"


def test_near_duplicates_resolve_only_on_the_words_that_differ(g: Grounder) -> None:
    friday = g.ground("we'll ship the product on friday no matter what")
    assert friday.located and friday.speaker == "Jason" and "Friday" in span(CALL, friday)
    monday = g.ground("We will ship the product on monday, no matter what!")
    assert monday.located and monday.speaker == "Dean"
    # the quote names neither day: both places are equally plausible, so neither is cited
    assert g.ground("we will ship the product on sunday no matter what").status == "unsupported"


def test_invented_phrase_glued_to_a_real_one_is_unsupported(g: Grounder) -> None:
    c = g.ground("our board strongly believes that churn doubles after the price increase")
    assert c.status == "unsupported"


def test_weak_best_match_is_unsupported_never_wrong(g: Grounder) -> None:
    for quote in [
        "the biggest opportunity is that revenue triples before the price cut",
        "send the budget to legal at the start of this month please",
        "so we are going to talk about fine tuning and why it fails",
    ]:
        assert g.ground(quote).status == "unsupported", quote


def test_ellipsis_locates_the_parts_in_order(g: Grounder) -> None:
    c = g.ground("the biggest risk \u2026 after the price increase")
    assert c.status == "normalized" and span(CALL, c).startswith("the biggest risk")
    assert span(CALL, c).endswith("price increase")
    assert g.ground("after the price increase ... the biggest risk").status == "unsupported"


def test_long_repeated_quote_cites_the_first_occurrence_and_says_so() -> None:
    line = "we agreed to freeze hiring until the audit is complete"
    doc = transcript([(10, "A", line + "."), (20, "B", "Something else entirely."), (30, "C", line + ".")])
    m = Grounder([doc]).locate(line)
    assert m.citation.status == "exact" and m.citation.speaker == "A" and m.occurrences == 2


def test_exact_match_never_cuts_a_word() -> None:
    doc = transcript([(0, "A", "We discussed the yesterday plan and yes-men.")])
    c = Grounder([doc]).ground("the yes")
    assert c.status == "unsupported"


def test_multi_document_scope_and_pages() -> None:
    pdf = paged(["Master Services Agreement\n\nThe term is three years.", "Either party may terminate on notice."])
    g = Grounder([CALL, pdf])
    c = g.ground("either party may terminate on notice")
    assert c.document_id == pdf.id and c.page == 2 and c.start is None
    assert format_locator(c, pdf.filename, multi_doc=True) == "contract.pdf p. 2"
    assert g.ground("either party may terminate on notice", document_id=CALL.id).status == "unsupported"
    t = g.ground("the biggest risk is that churn doubles", document_id=CALL.id)
    assert format_locator(t, CALL.filename, multi_doc=True) == "call.txt 12:04 \u00b7 Jason"
    with pytest.raises(ReportgenError, match="no source with id"):
        g.ground("anything", document_id="doc_missing")


def test_convenience_ground_and_empty_quotes() -> None:
    assert ground("the biggest risk is that churn doubles", [CALL]).status == "exact"
    assert ground("   ", [CALL]).status == "unsupported"
    assert ground("... !!", [CALL]).status == "unsupported"
    assert ground("anything at all here", []).status == "unsupported"


def test_timestamps_and_locators() -> None:
    assert clock(724.9) == "12:04"
    assert clock(3723) == "1:02:03"
    assert clock(5) == "00:05"
    c = Citation(quote="x", status="exact", score=1.0, char_start=0, char_end=1, start=3723.0, speaker="Jason")
    assert format_locator(c, "call.txt", multi_doc=False) == "1:02:03 \u00b7 Jason"
    p = Citation(quote="x", status="fuzzy", score=0.95, char_start=0, char_end=1, page=7)
    assert format_locator(p, "contract.pdf", multi_doc=False) == "contract.pdf p. 7"
    s = Citation(quote="x", status="exact", score=1.0, char_start=0, char_end=1, speaker="Speaker B", segment_ids=[3])
    assert format_locator(s, "pod.txt", multi_doc=False) == "Speaker B"
    plain = Citation(quote="x", status="exact", score=1.0, char_start=0, char_end=1, segment_ids=[3])
    assert format_locator(plain, "notes.txt", multi_doc=True) == "notes.txt \u00b6 4"


def test_ground_draft_builds_a_section_with_flags() -> None:
    spec = SectionSpec(id="risks", title="Risks", kind="table")
    draft = DraftSection(
        section_id="risks",
        items=[
            DraftItem(
                fields={"risk": "churn"},
                quotes=[
                    "the biggest risk is that churn doubles",
                    "the biggest risk is that churn doubles",  # duplicate quote
                    "THE BIGGEST RISK IS THAT CHURN DOUBLES",  # same place, another form
                    "our churn was catastrophic in every single region last year",
                ],
                flags=["owner-unknown: no owner named"],
            ),
            DraftItem(fields={"risk": "yes"}, quotes=["Yes."]),
        ],
        notes=["one call"],
    )
    section = ground_draft(draft, spec, [CALL])
    assert (section.id, section.title, section.kind, section.status, section.notes) == (
        "risks", "Risks", "table", "ok", ["one call"],
    )  # fmt: skip
    first, second = section.items
    assert first.fields == {"risk": "churn"}
    assert [c.status for c in first.citations] == ["exact", "unsupported"]
    assert first.flags[0] == "owner-unknown: no owner named"
    assert first.flags[1] == (
        'unsupported: quote not found in the sources: "our churn was catastrophic in every single region last year"'
    )
    assert first.support == "partial"
    assert second.support == "unsupported" and second.flags[0].startswith("unsupported: quote matches 2 places")


def test_ground_draft_failed_and_empty_sections() -> None:
    spec = SectionSpec(id="decisions", title="Decisions", kind="list")
    failed = ground_draft(DraftSection(section_id="decisions", failed="model timed out"), spec, [CALL])
    assert failed.status == "failed" and failed.items == [] and "model timed out" in failed.notes[0]
    assert ground_draft(DraftSection(section_id="decisions"), spec, [CALL]).status == "empty"


def test_long_quotes_are_clipped_in_flags() -> None:
    spec = SectionSpec(id="s", title="S")
    q = "word " * 40
    section = ground_draft(DraftSection(section_id="s", items=[DraftItem(quotes=[q])]), spec, [CALL])
    flag = section.items[0].flags[0]
    assert flag.startswith('unsupported: quote not found in the sources: "word word')
    assert len(flag) < 140 and flag.endswith('\u2026"')
