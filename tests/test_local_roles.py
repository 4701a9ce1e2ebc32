"""Who is speaking (reportgen/extract/local/roles.py), on conversations written here: the host or interviewer
is found from questions, share of talk and the opening; the expert's sections never quote them."""

from __future__ import annotations

import asyncio

import pytest

from reportgen.corpus import Corpus
from reportgen.drafts import DraftSection
from reportgen.extract.local import LocalExtractor, roles
from reportgen.extract.local.index import SourceIndex
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.pipeline import extract_all, make_run
from reportgen.sop import SOP, SectionSpec, builtin_sops
from tests.test_local_engine import offers_only_passages, run, transcript

PODCAST = [
    ("Speaker A", "Hi everyone, and welcome to the Data Engineering podcast. I am your host, Dean, and today I have "
                  "with me Maya Chen."),
    ("Speaker A", "Maya is a data platform consultant who works with hospitals on their analytics stacks. "
                  "Before that, she was a staff engineer at Flatiron Health for six years."),
    ("Speaker B", "Thanks for having me, Dean."),
    ("Speaker A", "What's the key thing hospitals get wrong about their data warehouses, in your experience?"),
    ("Speaker B", "In my experience the key thing is that they buy a warehouse before they have anyone who owns "
                  "the data models. The reality is that ownership matters more than the vendor, and every "
                  "migration I have seen stall was missing an owner."),
    ("Speaker A", "Honestly, the reality is everyone says the cloud warehouse is the whole answer these days."),
    ("Speaker B", "I disagree with that framing completely. Most hospitals I worked with spent about 30 percent of "
                  "the budget on the warehouse and the rest on people, and that split was right."),
    ("Speaker A", "And how do you price a project like that?"),
    ("Speaker B", "Typically we charge a fixed fee of about 200 thousand dollars for the first phase, which "
                  "takes four months, and customers care about that predictability more than the rate."),
    ("Speaker A", "That's great. Thanks, Maya."),
]


def doc_of(turns: list[tuple[str, str]]) -> Document:
    return transcript(turns, name="podcast.txt")


def roles_of(doc: Document) -> roles.Roles:
    index = SourceIndex.build(Corpus([doc]))
    (r,) = roles.detect_all(index.sentences, 1)
    return r


def test_host_and_guest_from_questions_talk_and_the_opening():
    r = roles_of(doc_of(PODCAST))
    assert r.hosts == {"Speaker A"} and r.guests == {"Speaker B"} and r.known
    assert r.names == {"Speaker A": "Dean", "Speaker B": "Maya Chen"}
    assert "lean" in r.why


def test_labels_that_are_names_and_an_interview():
    turns = [("Interviewer", "Tell me about a time you had to debug a production outage."),
             ("Dana", "Last year our payments service went down and I led the incident response for two days."),
             ("Interviewer", "How do you explain trade-offs to stakeholders?"),
             ("Dana", "I draw the options on one page and explain the cost and risk of each in plain language.")]
    r = roles_of(doc_of(turns))
    assert r.hosts == {"Interviewer"} and r.guests == {"Dana"}


def test_a_meeting_of_equals_has_no_roles():
    turns = [("Ana", "Should we move the launch to May?"), ("Ben", "I think May works if QA signs off this week."),
             ("Ben", "Can finance live with a later invoice run?"), ("Ana", "Yes, finance told me they can wait."),
             ("Cleo", "What about the marketing assets?"), ("Ana", "They are ready, I checked them on Monday."),
             ("Ana", "Who tells the sales team?"), ("Cleo", "I will tell them at the Thursday stand-up.")]
    assert not roles_of(doc_of(turns)).known


def test_without_labels_nothing_is_the_guests_and_voiced_sections_say_why():
    # filtering questions and introductions out of an unlabelled transcript still let the host's statements
    # through as the expert's: without roles, no line is quoted as either side's
    b = TextBuilder()
    t = 0.0
    lines = ["Welcome to the Latent Signals podcast.", "We're back in the studio with Jason Park.",
             "Welcome, Jason.", "Jason, you are extremely famous in the retrieval world.",
             "So you started a data science club at Waterloo, right before you spent five years at Stitch Fix.",
             "What do you think people get wrong about retrieval?",
             "I think most teams never look at the queries their users actually type."]  # fmt: skip
    for line in lines:
        b.add(line, start=t, end=t + 3)
        t += 4
    doc = finish(b, data=b.text.encode(), filename="w.txt", kind="transcript", format="whisper",
                 media_type="text/plain")  # fmt: skip
    index = SourceIndex.build(Corpus([doc]))
    (r,) = roles.detect_all(index.sentences, 1)
    assert not r.labelled and not r.known and "Jason Park" in r.guest_names
    assert not any(r.allows(s, "guest") or r.allows(s, "host") for s in index.sentences)
    assert all(r.allows(s, None) for s in index.sentences)
    spec = SectionSpec(id="views", title="The expert's views", kind="list", cues=["I think"])
    (views,) = run_sop([spec], "Cite the expert's answers.", doc)
    assert views.passages == [] and "cannot be told" in views.notes[0]


@pytest.mark.parametrize(
    ("sop", "expected"),
    [
        ("expert-call-notes", {"vantage_point": "guest", "key_insights": "guest", "data_points": "guest",
                               "contrarian_views": "guest", "follow_ups": "guest"}),
        ("interview-scorecard", {"competencies": "guest", "strengths": "guest", "concerns": "guest",
                                 "recommendation": "guest"}),
        ("advisory-memo", {"context": "host", "advice": "guest", "warnings": "guest", "next_steps": None}),
        ("meeting-action-items", {"summary": None, "decisions": None, "action_items": None, "open_questions": None,
                                  "topics": None}),
    ],
)  # fmt: skip
def test_whose_words_each_builtin_section_quotes(sop: str, expected: dict[str, str | None]):
    spec = builtin_sops()[sop]
    got = {}
    for s in spec.sections:
        v = roles.voice(s, spec.instructions)
        got[s.id] = v.side if v else None
    assert got == expected
    names = {roles.voice(s, spec.instructions).guest for s in spec.sections if roles.voice(s, spec.instructions)}
    assert names <= {"expert", "candidate", "adviser"}


def test_diligence_memo_mentions_expert_calls_but_cites_no_side():
    spec = builtin_sops()["diligence-memo"]
    assert all(roles.voice(s, spec.instructions) is None for s in spec.sections)


def test_expert_call_passages_are_the_experts_words_never_the_hosts():
    doc = doc_of(PODCAST)
    sop = builtin_sops()["expert-call-notes"]
    sections = {s.section_id: s for s in run_sop(sop.sections, sop.instructions, doc)}
    host_lines = [text for who, text in PODCAST if who == "Speaker A"]
    for sid in ("key_insights", "data_points", "contrarian_views"):
        quotes = offers_only_passages(sections[sid], doc)
        assert not any(q in h for q in quotes for h in host_lines), (sid, quotes)
        assert {p.role for p in sections[sid].passages} == {"expert, Maya Chen"}
        assert "the interviewer's are left out" in sections[sid].notes[0]
    insights = " ".join(p.quote for p in sections["key_insights"].passages)
    assert "ownership matters more than the vendor" in insights
    assert "everyone says the cloud warehouse" not in insights  # the host's line, though it carries the cues
    assert any("I disagree with that framing" in p.quote for p in sections["contrarian_views"].passages)


def test_vantage_point_opens_with_the_hosts_introduction_of_the_expert():
    doc = doc_of(PODCAST)
    sop = builtin_sops()["expert-call-notes"]
    (vantage,) = run_sop([sop.section("vantage_point")], sop.instructions, doc)
    first = vantage.passages[0]
    assert first.quote.startswith("Before that, she was a staff engineer at Flatiron Health")
    assert first.role == "interviewer, introducing the expert"
    assert "introduction" in vantage.notes[0]
    assert all(p.role != "interviewer" for p in vantage.passages)  # only introductions, never the host's views


def run_sop(sections: list[SectionSpec], instructions: str, doc: Document) -> list[DraftSection]:
    sop = SOP(id="t", name="test", instructions=instructions, sections=sections)
    return asyncio.run(extract_all(LocalExtractor(), make_run(sop, [doc])))


def test_the_sop_level_instruction_sets_the_voice_when_the_section_names_no_side():
    # the same talk as an expert call, not a show: on a show a section quoting nobody in particular reads nothing
    call = [(who, text.replace("welcome to the Data Engineering podcast", "thanks for taking this call"))
            for who, text in PODCAST]  # fmt: skip
    doc = doc_of(call)
    plain = SectionSpec(id="claims", title="Claims", kind="list", cues=["the reality is", "honestly"])
    (anyone,) = run([plain], [doc])
    (on_show,) = run([plain], [doc_of(PODCAST)])
    assert on_show.passages == [] and "podcast or show" in on_show.notes[0]
    (expert,) = run_sop([plain], "Cite the expert's answers, not the interviewer's questions.", doc)
    assert any("everyone says the cloud warehouse" in p.quote for p in anyone.passages)
    assert not any("everyone says the cloud warehouse" in p.quote for p in expert.passages)
