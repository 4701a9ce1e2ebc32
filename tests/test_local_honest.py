"""Honest sections: findings only from measured detectors on the kind of source they were measured on,
passages only when clearly about the section, and silence with a reason where the SOP does not fit."""

from __future__ import annotations

import asyncio

import numpy as np

from reportgen import embeddings
from reportgen.corpus import Corpus
from reportgen.drafts import DraftSection
from reportgen.extract.local import LocalExtractor, roles
from reportgen.extract.local.engine import MEASURED, MIN_STRICT_F1, is_conversation, is_show, unfit, vouched
from reportgen.extract.local.genre import is_agreement, is_judgement
from reportgen.extract.local.index import MIN_BACKGROUND, SourceIndex, _loo_z
from reportgen.extract.local.ranking import similarity
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.pipeline import extract_all, make_run
from reportgen.sop import SOP, FieldSpec, SectionSpec, builtin_sops
from tests.test_local_engine import transcript

# Sixty varied sentences of a product meeting that never mention money, hiring or the law.
_SUBJECTS = ["the search page", "the login flow", "the export button", "the mobile layout", "the dark theme",
             "the onboarding tour", "the settings screen", "the sync job", "the upload dialog", "the help centre"]
_VERBS = ["feels slow on older phones", "needs clearer labels", "confuses first-time users", "looks fine in the demo",
          "broke twice in testing", "should move to the sidebar"]  # fmt: skip


def long_meeting(extra: list[tuple[str, str]] = ()) -> Document:  # type: ignore[assignment]
    turns = [(("Ana", "Ben", "Chloe")[k % 3], f"I think {_SUBJECTS[k % 10]} {_VERBS[(k // 10) % 6]} this sprint.")
             for k in range(60)]
    return transcript(turns[:30] + list(extra) + turns[30:])


def run(sop: SOP, docs: list[Document]) -> list[DraftSection]:
    return asyncio.run(extract_all(LocalExtractor(), make_run(sop, docs)))


def pdf_like(text: str) -> Document:
    b = TextBuilder()
    for para in text.split("\n\n"):
        b.add(para, page=1, sep="\n\n")
    return finish(b, data=text.encode(), filename="agreement.pdf", kind="pdf", format="pdf",
                  media_type="application/pdf", pages=1)  # fmt: skip


AGREEMENT = ("This Supply Agreement is made between Acme Corp and Beta Ltd.\n\n"
             "The Supplier shall deliver the goods within 30 days of each order.\n\n"
             "This Agreement is governed by the laws of the State of New York.")  # fmt: skip


def test_findings_need_a_measured_strict_f1_above_the_bar():
    assert vouched("contract terms") and vouched("commitment") and not vouched("decision")
    assert all((m.f1 >= MIN_STRICT_F1) == vouched(k) for k, m in MEASURED.items())


def test_a_section_clearly_about_one_moment_gets_it_and_one_about_nothing_here_gets_nothing():
    doc = long_meeting([("Ben", "The pricing for the enterprise tier should rise to €40 per seat per month.")])
    assert len(SourceIndex.build(Corpus([doc])).candidates) >= MIN_BACKGROUND
    pricing = SectionSpec(id="pricing", title="Pricing", kind="list", instructions="Enterprise tier pricing per seat.")
    hiring = SectionSpec(id="hiring", title="Hiring plan", kind="list", instructions="Recruiters, salaries, offers.")
    got, none = run(SOP(id="t", name="t", sections=[pricing, hiring]), [doc])
    assert [p.quote for p in got.passages] == [
        "The pricing for the enterprise tier should rise to €40 per seat per month."]
    assert none.passages == [] and none.items == [] and "nothing in the sources" in none.notes[0]


def test_a_sop_for_conversations_reads_no_pdf():
    sop = builtin_sops()["meeting-action-items"]
    sections = run(sop, [pdf_like(AGREEMENT)])
    assert all(s.items == [] and s.passages == [] for s in sections)
    assert all("is written for" in s.notes[0] for s in sections)


def test_detectors_run_only_on_the_kind_of_source_they_were_measured_on():
    actions = SectionSpec(id="action_items", title="Action items", kind="table",
                          fields={"task": FieldSpec(type="text"), "owner": FieldSpec(type="person"),
                                  "due": FieldSpec(type="date", required=False)})  # fmt: skip
    terms = builtin_sops()["diligence-memo"].section("contract_terms")
    sop = SOP(id="t", name="t", sections=[actions, terms])
    contract = pdf_like(AGREEMENT)
    call = transcript([("Ana", "I'll send the supply agreement to legal by Friday."), ("Ben", "Thanks, Ana.")])
    assert not is_conversation(contract) and is_conversation(call)
    assert "No conversation" in (unfit(actions, sop, [contract]) or "")
    assert "No agreement" in (unfit(terms, sop, [call]) or "")
    assert unfit(actions, sop, [call]) is None and unfit(terms, sop, [contract]) is None
    on_pdf, terms_on_call = run(sop, [contract])[0], run(sop, [call])[1]
    assert on_pdf.items == [] and terms_on_call.items == []


def test_an_experts_words_need_a_conversation():
    sop = builtin_sops()["expert-call-notes"]  # suits pdf too: an expert call may come as a PDF transcript
    sections = run(sop, [pdf_like(AGREEMENT)])
    assert all(s.items == [] and s.passages == [] and "No conversation" in s.notes[0] for s in sections)


def test_leave_one_out_lift_lets_a_standout_in_a_short_list_stand_out():
    x = np.array([0.0] * 9 + [5.0])
    plain = (x - x.mean()) / x.std()
    assert plain[-1] == 3.0  # a plain z-score of 1 in 10 can never exceed 3
    assert _loo_z(x)[-1] >= 10.0 and _loo_z(np.zeros(5)).tolist() == [0.0] * 5


def test_a_design_meeting_chair_is_no_host():
    turns = []
    for k in range(12):
        turns += [("Project Manager", f"Where are we with part {k}, and what does it cost?"),
                  ("Designer", f"Part {k} is nearly done and the case costs about {k + 2} euros."),
                  ("Marketing", f"Users asked for part {k} in the survey, is it ready for testing?"),
                  ("Interface", f"I mocked up the screens for part {k} and they look fine.")]
    index = SourceIndex.build(Corpus([transcript(turns)]))
    (r,) = roles.detect_all(index.sentences, 1)
    assert not r.known, r.why


def test_a_committee_member_welcomed_by_the_chair_still_asks_and_is_no_witness():
    turns = [("Chair", "Welcome to the committee session. I'm pleased to welcome Angela Burns, substituting today."),
             ("Chair", "Our witness is David Blaney. Could you start by describing the reserves?")]
    for k in range(8):
        turns += [("Angela Burns", f"Can I ask about the reserves in year {k}, and why did they fall?"),
                  ("David Blaney", f"In year {k} the reserves fell because pension costs rose and recruitment was "
                                   f"weaker than planned across the sector, which we reported to the board.")]
    index = SourceIndex.build(Corpus([transcript(turns)]))
    (r,) = roles.detect_all(index.sentences, 1)
    assert "Angela Burns" not in r.guests and "David Blaney" in r.guests
    assert roles._same_person("Jason Liu", "Jason") and not roles._same_person("David Blaney", "Hefin David AM")


def test_a_podcast_is_neither_a_meeting_nor_a_hiring_interview():
    show = transcript([("Host", "Welcome to the Data Engineering podcast, today with Maya Chen."),
                       ("Maya", "Thanks for having me. I'll send you the slides from my talk by Friday.")])
    meeting = transcript([("Ana", "Okay, the sprint review."), ("Ben", "I'll send you the slides by Friday.")])
    assert is_show(show) and not is_show(meeting)
    actions = builtin_sops()["meeting-action-items"].section("action_items")
    scorecard = builtin_sops()["interview-scorecard"]
    assert "podcast or show" in (unfit(actions, None, [show]) or "") and unfit(actions, None, [meeting]) is None
    assert "no candidate" in (unfit(scorecard.section("strengths"), scorecard, [show], scorecard.instructions) or "")


def test_the_floor_reads_meaning_on_a_contract_too():
    # the report embeds no segments of a contract (retrieval reads it by words); the floor embeds its sentences
    index = SourceIndex.build(Corpus([pdf_like(AGREEMENT)]))
    sim = similarity(index, "which law governs the agreement")
    if embeddings.embed(["x"]) is None:
        assert sim is None  # without wordllama the floor reads words alone
        return
    assert sim is not None and sim.shape == (len(index.candidates),)
    best = index.sentences[index.candidates[int(np.argmax(sim))]].text
    assert "governed by the laws" in best


def test_a_judgement_is_never_a_quoted_passage():
    memo = builtin_sops()["diligence-memo"]
    verdict = memo.section("recommendation")
    meeting = long_meeting([("Ben", "My recommendation is that we invest, the pricing for the enterprise tier works.")])
    assert is_judgement(verdict) and "asks for a judgement" in (unfit(verdict, memo, [meeting]) or "")
    (sec,) = run(SOP(id="t", name="t", sections=[verdict]), [meeting])
    assert sec.items == [] and sec.passages == [] and "asks for a judgement" in sec.notes[0]
    overall = SectionSpec(id="overall", title="Overall assessment", kind="prose")
    advice = SectionSpec(id="recs", title="Recommendations", kind="list")  # advice given: the sources hold it
    assert is_judgement(overall) and not is_judgement(advice)


def test_a_show_gets_no_passages_where_the_section_quotes_nobody_in_particular():
    memo = builtin_sops()["diligence-memo"]
    financials = memo.section("financials")
    money = ("Ben", "At my last job the ranking system made 50 million dollars in annual revenue and cash.")

    def talk(opening: str) -> Document:
        turns = [(("Ana", "Ben", "Chloe")[k % 3], f"I think {_SUBJECTS[k % 10]} {_VERBS[(k // 10) % 6]} this sprint.")
                 for k in range(60)]  # fmt: skip
        return transcript([("Host", opening)] + turns[:30] + [money] + turns[30:])

    show, call = talk("Welcome to the Data Engineering podcast."), talk("Thanks for taking this call.")
    assert is_show(show) and not is_show(call)
    assert "podcast or show" in (unfit(financials, memo, [show], memo.instructions) or "")
    assert unfit(financials, memo, [call], memo.instructions) is None
    sop = SOP(id="t", name="t", sections=[financials])
    # the same sentence is offered from a call, and left out of a show even beside a document that is not one
    note = pdf_like("CFO note on the year.\n\nRevenue was 12 million dollars in FY2023 and cash was 3 million.")
    (from_call,) = run(sop, [call])
    (mixed,) = run(sop, [show, note])
    assert any("50 million" in p.quote for p in from_call.passages)
    assert [p.quote for p in mixed.passages] == ["Revenue was 12 million dollars in FY2023 and cash was 3 million."]


def test_an_agreement_is_read_for_its_terms_and_offers_no_passages():
    memo = builtin_sops()["diligence-memo"]
    contract = pdf_like(AGREEMENT + "\n\nThe Supplier's revenue from the goods shall not exceed 2 million dollars.")
    note = pdf_like("CFO note on the year.\n\nRevenue was 12 million dollars in FY2023 and cash was 3 million.")
    assert is_agreement(contract) and not is_agreement(note)
    financials = memo.section("financials")
    assert "agreements" in (unfit(financials, memo, [contract], memo.instructions) or "")
    assert unfit(memo.section("contract_terms"), memo, [contract], memo.instructions) is None
    (both,) = run(SOP(id="t", name="t", sections=[financials]), [contract, note])
    assert [p.quote for p in both.passages] == ["Revenue was 12 million dollars in FY2023 and cash was 3 million."]
