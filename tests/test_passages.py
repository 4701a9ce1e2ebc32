"""Passages to read: located like citations, never findings. Grounding keeps only located ones; the header,
verification and evals count findings only; every output shows passages apart, unnumbered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx

from reportgen import embeddings
from reportgen.corpus import Corpus
from reportgen.drafts import DraftPassage, DraftSection
from reportgen.evals import run_eval
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import rank, section_query, similarity
from reportgen.grounding import Grounder
from reportgen.models import Citation, DocumentRef, Item, Passage, Report, Section
from reportgen.render import render_docx, render_html, render_json, render_markdown, view
from reportgen.sections import ground_draft
from reportgen.sop import SectionSpec
from tests.support import require
from tests.test_local_engine import transcript

CALL = DocumentRef(id="doc_call", filename="call.vtt", kind="transcript", format="vtt", sha256="ab" * 32)
SAID = "Typically we charge a fixed fee of about 200 thousand dollars for the first phase."


def test_grounding_locates_passages_and_leaves_out_what_it_cannot_find():
    doc = transcript([("Host", "What do you charge?"), ("Maya", SAID)])
    spec = SectionSpec(id="key_insights", title="Key insights", kind="list")
    draft = DraftSection(section_id="key_insights", notes=["No findings: ..."], passages=[
        DraftPassage(quote=SAID, role="expert"), DraftPassage(quote=SAID, role="expert"),  # the same span once
        DraftPassage(quote="A sentence nobody said in this call at all, anywhere."),
    ])
    section = ground_draft(draft, spec, [doc], Grounder([doc]))
    assert section.items == [] and section.status == "ok"  # passages alone are something to show
    (p,) = section.passages
    assert p.located and p.status == "exact" and p.quote == SAID
    assert (p.start, p.speaker, p.role) == (8.0, "Maya", "expert")
    assert doc.text[p.char_start : p.char_end] == SAID
    assert section.notes == ["No findings: ...", "1 passage to read could not be located in the sources and was "
                             "left out."]  # fmt: skip


def passage(quote: str, criterion: str | None = None, role: str | None = None) -> Passage:
    return Passage(document_id=CALL.id, quote=quote, status="exact", score=1.0, start=724.0, speaker="Maya",
                   char_start=0, char_end=len(quote), criterion=criterion, role=role)  # fmt: skip


def report() -> Report:
    cited = Citation(document_id=CALL.id, quote="I'll send the deck by Friday.", status="exact", score=1.0,
                     start=30.0, speaker="Sam", char_start=0, char_end=29)  # fmt: skip
    return Report(
        sop_id="expert-call-notes", sop_name="Expert call notes", documents=[CALL], extractive=True,
        created_at=datetime(2026, 3, 9, tzinfo=UTC),
        sections=[
            Section(id="actions", title="Action items", kind="table",
                    items=[Item(fields={"task": "Send the deck", "owner": "Sam"}, citations=[cited])]),
            Section(id="key_insights", title="Key insights", kind="table", notes=["No findings: no detector."],
                    passages=[passage(SAID, role="expert"), passage("Ownership matters more than the vendor.")]),
            Section(id="competencies", title="Competencies", kind="scorecard",
                    items=[Item(fields={"criterion": "composure", "name": "Composure", "rating": None, "band": None,
                                        "rationale": "Not rated: read the passages."})],
                    passages=[passage("I stayed calm and rolled back first.", criterion="composure")]),
            Section(id="verdict", title="Recommendation", kind="verdict"),
        ],
    )  # fmt: skip


def test_passages_and_unrated_slots_are_not_findings():
    v = report().verification()
    assert v["items"] == 1 and v["citations"] == 1  # the action item only
    assert v["items_unsupported"] == 0  # the unrated, unquoted criterion is a slot, not an uncited finding
    assert v["passages"] == 3 and v["sections_with_passages"] == 2
    headline, figure, label = view.headline(v, extractive=True)
    assert figure == "1" and label == "findings quoted from the sources"
    assert "3 passages to read, not findings, in 2 sections" in headline


def test_every_output_shows_passages_apart_and_unnumbered(tmp_path: Path):
    rep = report()
    page = render_html(rep)
    assert page.count('class="passages-block"') == 1  # key insights; the criterion's sits in its row
    assert "To read:" in page and "I stayed calm and rolled back first." in page
    assert "12:04 · Maya (expert)" in page
    assert page.count('id="note-') == 1  # only the finding's quote is an endnote
    assert "Nothing in the sources addresses this section." in page  # the verdict: nothing at all
    md = render_markdown(rep)
    assert md.count("[^") == 2  # one footnote reference and its definition: the finding's
    assert f"- \u201c{SAID}\u201d \u2014 12:04 · Maya (expert)" in md
    assert "- _Composure:_\n  - \u201cI stayed calm and rolled back first.\u201d" in md
    assert view.PASSAGES_HEADING in md and "UNSUPPORTED" not in md
    text = "\n".join(p.text for p in docx.Document(str(render_docx(rep, tmp_path / "r.docx"))).paragraphs)
    assert view.PASSAGES_HEADING.upper() in text and SAID in text
    assert text.count("[1]") == 1  # the quotations appendix holds the finding only
    assert '"passages"' in render_json(rep) and '"criterion": "composure"' in render_json(rep)


def test_evals_count_only_items(tmp_path: Path):
    """Passages are never predictions: a topics section the engine answers with passages predicts nothing."""
    gold = tmp_path / "g.yaml"
    gold.write_text(
        "sop: meeting-action-items\ncases:\n- id: c\n"
        "  sources: [{turns: [{speaker: Ana, text: 'Moving on to hiring, we have two offers out this week.'},"
        " {speaker: Ben, text: 'Let us talk about the budget for the offsite in May next.'},"
        " {speaker: Ana, text: 'Next topic is the office move, which slipped to August this year.'}]}]\n"
        "  sections:\n    topics:\n      items:\n"
        "      - {fields: {text: Hiring}, evidence: ['Moving on to hiring, we have two offers out this week.']}\n"
    )
    run = run_eval(gold, engine="local", seeds=0)
    (sec,) = [s for s in run.sections if s.section == "topics"]
    assert sec.predicted == 0 and sec.matched == 0 and sec.gold == 1


def test_semantic_ranking_reorders_but_never_admits_by_meaning_alone():
    """rank(semantic=True), measured and not used by passages (docs/local-engine.md): each sentence takes its
    segment's similarity, and eligibility stays with words, cues and families."""
    require(embeddings.available(), "wordllama (pip install 'reportgen[embeddings]')")
    doc = transcript([
        ("Ana", "The pricing model charges a fixed fee for the first phase of work."),
        ("Ben", "Our pricing has a fixed fee, then a monthly retainer for support."),
        ("Ana", "The weather in Lisbon was lovely all week long, we had fun."),
        ("Ben", "Clients pay twenty thousand up front and the rest on delivery."),
    ])
    index = SourceIndex.build(Corpus([doc]))
    spec = SectionSpec(id="pricing", title="Pricing and fees", kind="list", instructions="How the firm charges fees.")
    sim = similarity(index, section_query(spec))
    assert sim is not None and sim.shape == (len(index.candidates),)
    weather = next(k for k, i in enumerate(index.candidates) if "Lisbon" in index.sentences[i].text)
    assert sim[weather] < sim.max()
    words = rank(index, spec, [], section_query(spec), spec.cues)
    fused = rank(index, spec, [], section_query(spec), spec.cues, semantic=True)
    assert {c.sentence.index for c in fused} == {c.sentence.index for c in words}  # the same eligible sentences
    assert all("Lisbon" not in c.sentence.text for c in fused)
    assert Corpus([doc], semantic=False).segments.similarity("fees") is None
