"""The offline `local` engine on meetings, interviews and diligence calls built here, with real components."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest

from reportgen.corpus import Corpus
from reportgen.drafts import DraftItem, DraftSection
from reportgen.events import Event
from reportgen.extract.local import LocalExtractor
from reportgen.extract.local.engine import MEASURED, MIN_STRICT_F1, STRATEGIES, detector_key, strategy_key, vouched
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.strategies import items as items_strategy
from reportgen.extract.local.strategies.topics import find_topics
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.pipeline import extract_all, make_run
from reportgen.sop import SOP, Criterion, FieldSpec, RubricBand, SectionSpec, builtin_sops
from reportgen.text import terms


def transcript(turns: list[tuple[str, str]], *, date: str | None = None, name: str = "call.vtt") -> Document:
    b = TextBuilder()
    t = 0.0
    for speaker, text in turns:
        b.add(text, start=t, end=t + 6.0, speaker=speaker)
        t += 8.0
    meta = {"date": date} if date else {}
    return finish(b, data=b.text.encode(), filename=name, kind="transcript", format="vtt", media_type="text/vtt",
                  meta=meta)  # fmt: skip


def run(sections: list[SectionSpec], docs: list[Document], events: list[Event] | None = None) -> list[DraftSection]:
    sop = SOP(id="t", name="test", sections=sections)
    on_event = events.append if events is not None else None
    return asyncio.run(extract_all(LocalExtractor(), make_run(sop, docs), on_event))


MEETING = [
    ("Sarah", "Okay, let's get started, the goal today is to finalise the launch plan for the mobile app."),
    ("Tom", "Yeah."),
    ("Tom", "So the beta had 1,200 users and thirty-day retention was about 40% which is better than we hoped."),
    ("Sarah", "That's great. We decided to launch on iOS first and do Android in the autumn."),
    ("Priya", "I'm worried the payment integration isn't ready, that's a real risk for the launch date."),
    ("Sarah", "Agreed, let's go with the Stripe fallback if the bank API slips again."),
    ("Sarah", "I'll send the deck to the board by Friday."),
    ("Tom", "Priya, can you check the crash reports before Monday?"),
    ("Priya", "Sure, I can take that."),
    ("Tom", "What about pricing for the premium tier?"),
    ("Sarah", "We still don't know whether enterprise customers will pay per seat."),
    ("Tom", "Marco will draft the press release by the end of next week."),
    ("Sarah", "Okay, thanks everyone."),
]

ACTIONS = SectionSpec(
    id="action_items",
    title="Action items",
    kind="table",
    instructions="Every commitment someone made to do something after the meeting.",
    cues=["I'll", "I will", "can you", "follow up", "by Friday"],
    fields={
        "task": FieldSpec(type="text"),
        "owner": FieldSpec(type="person"),
        "due": FieldSpec(type="date", required=False),
        "status": FieldSpec(type="enum", values=["open", "done", "blocked"], default="open"),
    },
)
DECISIONS = SectionSpec(
    id="decisions",
    title="Decisions",
    kind="table",
    fields={"what": FieldSpec(type="text"), "decided_by": FieldSpec(type="person")},
)


def read(section: DraftSection) -> list[str]:
    """The passages a section offers to read (sections without a measured detector: no items)."""
    return [p.quote for p in section.passages]


def offers_only_passages(section: DraftSection, doc: Document) -> list[str]:
    assert section.items == [], [i.fields for i in section.items]
    quotes = read(section)
    assert 1 <= len(quotes) <= 5 and all(doc.text.count(q) == 1 for q in quotes), quotes
    assert section.notes and section.notes[0].startswith("No findings")
    return quotes


def by_task(section: DraftSection, words: str):
    found = [i for i in section.items if words.lower() in i.fields["task"].lower()]
    assert found, f"no action item about {words!r} in {[i.fields['task'] for i in section.items]}"
    return found[0]


def test_action_items_owner_due_and_exact_quotes():
    doc = transcript(MEETING, date="2024-03-06")  # a Wednesday
    (actions,) = run([ACTIONS], [doc])
    deck = by_task(actions, "deck")
    assert deck.fields["owner"] == "Sarah"
    assert deck.fields["due"] == "2024-03-08"  # "by Friday" after a Wednesday meeting
    assert deck.fields["status"] == "open"
    assert deck.fields["task"].startswith("Send the deck")
    crash = by_task(actions, "crash reports")
    assert crash.fields["owner"] == "Priya"  # named and then accepted by Priya
    assert crash.fields["due"] == "2024-03-11"
    assert "Sure, I can take that." in crash.quotes
    press = by_task(actions, "press release")
    assert press.fields["owner"] == "Marco"  # the person named, though Tom said it
    assert press.fields["due"] == "2024-03-15"
    for item in actions.items:
        assert item.quotes and all(q in doc.text for q in item.quotes)
    assert not any("take that" in i.fields["task"].lower() for i in actions.items)
    assert actions.notes == []  # the report is marked extractive once; no boilerplate per section


def test_due_kept_as_said_without_meeting_date():
    doc = transcript(MEETING)
    (actions,) = run([ACTIONS], [doc])
    assert by_task(actions, "deck").fields["due"] == "Friday"
    assert by_task(actions, "press release").fields["due"] == "the end of next week"


def test_decisions_are_passages_until_their_detector_is_measured_above_the_bar():
    # AMI strict F1 0.03 (random 0.00), QMSum 0.00: below MIN_STRICT_F1, so the cue rules' picks are offered
    # to read, never written as findings
    assert not vouched("decision") and MEASURED["decision"].f1 < MIN_STRICT_F1
    doc = transcript(MEETING)
    (decisions,) = run([DECISIONS], [doc])
    quotes = offers_only_passages(decisions, doc)
    assert any("launch on iOS first" in q for q in quotes)
    assert not any("payment integration" in q for q in quotes)


def test_open_questions_skip_requests_and_fillers():
    doc = transcript(MEETING)
    (qs,) = run([SectionSpec(id="open_questions", title="Open questions", kind="list")], [doc])
    texts = offers_only_passages(qs, doc)
    assert any("enterprise customers will pay per seat" in t for t in texts)
    assert not any("crash reports" in t for t in texts)  # a request, not a question
    assert not any(t.lower().startswith(("yeah", "okay")) for t in texts)


DILIGENCE = [
    ("Analyst", "Can you walk me through the numbers for last year?"),
    ("CFO", "Sure, we closed FY2023 at $12.5M ARR, up from $8M the year before."),
    ("CFO", "Gross margin is around 72% and net revenue retention is 118%."),
    ("Analyst", "And the valuation in the last round?"),
    ("CFO", "The round was priced at roughly 9x forward revenue."),
    ("CFO", "Our biggest concern is customer concentration, the top three customers are 45% of revenue."),
    ("CFO", "There is also a pending lawsuit from a former distributor which is a red flag for some investors."),
    ("Analyst", "That's helpful, thanks."),
]

FINANCIALS = SectionSpec(
    id="financials",
    title="Financials",
    kind="table",
    instructions="Figures with unit, period and source.",
    fields={
        "metric": FieldSpec(type="text"),
        "figure": FieldSpec(type="money"),
        "period": FieldSpec(type="text", required=False),
        "source": FieldSpec(type="text", required=False),
    },
)
RISKS = SectionSpec(
    id="risks",
    title="Risks and red flags",
    kind="table",
    fields={"risk": FieldSpec(type="text"), "severity": FieldSpec(type="enum", values=["low", "medium", "high"])},
)


def items_of(spec: SectionSpec, doc: Document) -> DraftSection:
    """The ranked-sentence strategy itself (the row a figures or risks section gets once a detector is measured;
    the engine offers such sections only passages today)."""
    index = SourceIndex.build(Corpus([doc]))
    return DraftSection(section_id=spec.id, items=items_strategy.section(index, spec))


def test_figures_parsed_with_units_and_periods():
    doc = transcript(DILIGENCE, name="cfo-call.vtt")
    fin = items_of(FINANCIALS, doc)
    figs = {i.fields["figure"]["text"]: i.fields for i in fin.items}
    arr = next(f for t, f in figs.items() if t.startswith("$12.5M"))
    assert arr["figure"]["value"] == 12_500_000 and arr["figure"]["unit"] == "USD"
    assert arr["figure"]["period"] == "FY2023" or "FY2023" in arr["figure"]["text"] or arr["metric"] == "ARR"
    margin = next(f for t, f in figs.items() if t.startswith("around 72%"))  # the hedge stays with the figure
    assert margin["figure"]["unit"] == "%" and margin["figure"]["value"] == 72
    assert margin["metric"].lower() == "gross margin"
    multiple = next(f for t, f in figs.items() if t.startswith("roughly 9x"))
    assert multiple["figure"]["unit"] == "x" and multiple["figure"]["value"] == 9
    assert all("cfo-call.vtt" in i.fields["source"] for i in fin.items)
    assert all(i.quotes and all(q in doc.text for q in i.quotes) for i in fin.items)


def test_risks_with_severity():
    doc = transcript(DILIGENCE)
    risks = items_of(RISKS, doc)
    texts = {i.fields["risk"]: i.fields["severity"] for i in risks.items}
    concentration = next(s for t, s in texts.items() if "concentration" in t)
    lawsuit = next(s for t, s in texts.items() if "lawsuit" in t)
    assert concentration == "high" and lawsuit == "high"  # "biggest", "red flag"


def test_figures_and_risks_are_passages_to_read_in_the_engine():
    doc = transcript(DILIGENCE, name="cfo-call.vtt")
    fin, risks = run([FINANCIALS, RISKS], [doc])
    figures = offers_only_passages(fin, doc)
    assert len(figures) <= 3 and all(re.search(r"\d", q) for q in figures)
    assert any("customer concentration" in q for q in offers_only_passages(risks, doc))


INTERVIEW = [
    ("Interviewer", "Tell me about a time you had to debug a production outage under pressure."),
    ("Dana", "Last year our payments service went down during Black Friday and I led the incident response."),
    ("Dana", "I stayed calm, split the team into two tracks and we traced the outage to a bad cache configuration."),
    ("Dana", "Afterwards I wrote the postmortem and we added load tests so it could not happen again."),
    ("Interviewer", "How do you explain technical trade-offs to non-technical stakeholders?"),
    ("Dana", "I usually draw the options on one page and explain the cost and risk of each in plain language."),
    ("Interviewer", "Great, thanks Dana."),
]
SCORECARD = SectionSpec(
    id="competencies",
    title="Competencies",
    kind="scorecard",
    criteria=[
        Criterion(
            id="composure",
            name="Composure under pressure",
            question="How does the candidate behave during an outage or under pressure?",
            cues=["under pressure", "stayed calm", "outage"],
            rubric=[RubricBand(value=v, label=str(v)) for v in (1, 2, 3, 4)],
        ),
        Criterion(
            id="communication",
            name="Communication",
            question="Does the candidate explain trade-offs clearly to stakeholders?",
            cues=["explain", "stakeholders"],
            rubric=[RubricBand(value=v, label=str(v)) for v in (1, 2, 3, 4)],
        ),
        Criterion(
            id="finance",
            name="Accounting",
            question="Can they close the quarterly books under IFRS?",
            cues=["IFRS", "ledger"],
        ),  # fmt: skip
    ],
)
VERDICT = SectionSpec(
    id="recommendation",
    title="Recommendation",
    kind="verdict",
    fields={
        "verdict": FieldSpec(type="enum", values=["strong hire", "hire", "no hire", "strong no hire"]),
        "rationale": FieldSpec(type="text"),
    },
)


def evidence_by_criterion(card: DraftSection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i.fields["criterion"]: [] for i in card.items}
    for p in card.passages:
        out[p.criterion].append(p.quote)
    return out


def test_scorecard_not_rated_with_passages_to_read():
    doc = transcript(INTERVIEW)
    (card, verdict) = run([SCORECARD, VERDICT], [doc])
    assert [i.fields["criterion"] for i in card.items] == ["composure", "communication", "finance"]
    for item in card.items:
        assert item.fields["rating"] is None and item.fields["band"] is None
        assert "Not rated" in item.fields["rationale"]
        assert item.quotes == []  # the evidence is offered to read, not cited as the row's support
    quotes = evidence_by_criterion(card)
    assert any("stayed calm" in q for q in quotes["composure"])
    assert all(q in doc.text for q in quotes["composure"] + quotes["communication"])
    assert any("plain language" in q for q in quotes["communication"])
    assert quotes["finance"] == [] and "nothing in the sources" in card.items[2].fields["rationale"]
    assert {p.role for p in card.passages} == {None}  # a scorecard SOP without "candidate" names no side
    # the engine never decides a verdict, and a quoted sentence is not one: no item, no passage, a note saying why
    assert verdict.items == [] and verdict.passages == [] and "asks for a judgement" in verdict.notes[0]


def test_verdict_is_never_decided_offline():
    spec = VERDICT.model_copy(
        update={
            "fields": {
                "verdict": FieldSpec(type="enum", values=["invest", "pass", "not assessed"]),
                "rationale": FieldSpec(),
            }
        }  # fmt: skip
    )
    (v,) = run([spec], [transcript(DILIGENCE)])
    assert v.items == []


def test_custom_section_with_unusual_cues():
    turns = [
        ("Host", "Welcome back to the kitchen show, today we are baking sourdough."),
        ("Chef", "The starter needs to be fed twelve hours before you mix the dough."),
        ("Chef", "Honestly the hydration is where most people go wrong, they add too much water."),
        ("Host", "Interesting."),
        ("Chef", "Bake it at 250 degrees with the lid on for the first twenty minutes."),
        ("Chef", "My grandmother always scored the loaf with a razor blade, never a knife."),
    ]
    spec = SectionSpec(
        id="baking_steps",
        title="Baking steps",
        kind="list",
        instructions="Each step of the recipe.",
        cues=["starter", "bake it", "scored the loaf"],
    )
    doc = transcript(turns)
    (sec,) = run([spec], [doc])
    texts = " | ".join(offers_only_passages(sec, doc))
    assert "starter" in texts and "250 degrees" in texts and "razor blade" in texts
    assert "Interesting" not in texts


def test_prose_is_never_written_offline():
    doc = transcript(MEETING * 1)
    spec = SectionSpec(id="summary", title="Summary", kind="prose", max_items=3)
    (summary,) = run([spec], [doc])
    quotes = offers_only_passages(summary, doc)
    assert not any(q.endswith("?") for q in quotes)


def test_every_item_quoted_events_and_cap():
    doc = transcript(MEETING + DILIGENCE, date="2024-03-06")
    events: list[Event] = []
    sections = [ACTIONS.model_copy(update={"max_items": 1}), DECISIONS, FINANCIALS, RISKS]
    out = run(sections, [doc], events)
    assert [e.message for e in events] == [f"section {k} of 4 extracted" for k in range(1, 5)]
    assert [e.section_id for e in events] == [s.id for s in sections]
    assert len(out[0].items) == 1
    for sec in out:
        assert sec.failed is None and (sec.items or sec.passages)
        for item in sec.items:
            assert item.quotes, item
            assert all(doc.text.count(q) == 1 for q in item.quotes)
        assert all(doc.text.count(q) == 1 for q in read(sec))


def test_quotes_skip_noise_and_speaker_labels_across_caption_lines():
    b = TextBuilder()
    b.add("[Music]", start=0, end=1)
    b.add("So I'll send the updated contract to", start=1, end=3, speaker="Alex")
    b.add("legal by tomorrow.", start=3, end=4, speaker="Alex")
    b.gap("\nJamie: ")
    b.add("Great, we decided to sign with Acme.", start=5, end=7, speaker="Jamie", sep="")
    doc = finish(b, data=b.text.encode(), filename="x.txt", kind="transcript", format="t", media_type="text/plain",
                 meta={"date": "2024-05-01"})  # fmt: skip
    actions, decisions = run([ACTIONS, DECISIONS], [doc])
    (item,) = actions.items
    assert item.quotes == ["So I'll send the updated contract to\nlegal by tomorrow."]
    assert item.fields["owner"] == "Alex" and item.fields["due"] == "2024-05-02"
    assert [p.quote for p in decisions.passages] == ["Great, we decided to sign with Acme."]


def test_empty_sources_give_empty_sections_with_a_note():
    doc = transcript([("A", "Yeah."), ("B", "Okay.")])
    (actions,) = run([ACTIONS], [doc])
    assert actions.items == [] and any("No commitment" in n for n in actions.notes)


def test_hour_long_meeting_caps_each_section():
    turns = []
    speakers = ["Sarah", "Tom", "Priya", "Marco"]
    tasks = ["send the revised budget to finance", "book the venue for the offsite", "email the auditors about Q3",
             "fix the login bug on Android", "draft the hiring plan", "review Marco's pricing model",
             "call the landlord about the lease", "update the investor FAQ", "migrate the billing database",
             "schedule user interviews", "renew the SSL certificates", "write the onboarding guide"]  # fmt: skip
    for k in range(900):  # about an hour of turns
        who = speakers[k % 4]
        turns.append((who, f"On item {k} we reviewed the roadmap and the budget for region {k % 17} in some detail."))
        if k % 75 == 0:
            turns.append((who, f"I'll {tasks[k // 75]} by Friday."))
    doc = transcript(turns, date="2024-03-06")
    sections = [ACTIONS, DECISIONS, FINANCIALS, RISKS, SectionSpec(id="summary", title="Summary", kind="prose")]
    out = run(sections, [doc])
    assert len(out[0].items) == 10  # the default cap


@pytest.mark.parametrize("kind", ["list", "table", "prose", "scorecard", "verdict"])
def test_every_kind_survives_empty_documents(kind):
    b = TextBuilder()
    doc = finish(b, data=b"x", filename="e.txt", kind="text", format="plain", media_type="text/plain")
    spec = SectionSpec(id="s", title="Anything", kind=kind, criteria=SCORECARD.criteria if kind == "scorecard" else [])
    (sec,) = run([spec], [doc])
    assert sec.failed is None
    assert all(not i.quotes for i in sec.items)


# --- quality pass: defects seen on the bundled sample, on a different meeting written here ----------------------

SYNC = [
    ("Lena", "Okay, let's begin. This is the monthly release review for the Atlas mobile app."),
    ("Lena", "I want to leave with a go or no-go on the April release and an owner for each open item."),
    ("Omar", "Sure. Quick update from the platform team first?"),
    ("Lena", "Go ahead."),
    ("Omar", "The sync engine is done. We fixed 30 of the 34 crash bugs, and the remaining four are offline edits "
             "getting lost on older Android phones."),  # fmt: skip
    ("Kate", "That worries me. About 8% of our users are on those phones, and if edits vanish we lose their trust."),
    ("Omar", "Agreed, that's the biggest risk on the board. I'll patch the offline queue and add crash alerts by "
             "Thursday."),  # fmt: skip
    ("Lena", "Thanks. Kate, what did the pilot schools say about the new pricing?"),
    ("Kate", "Mostly happy. Nine of the twelve pilot schools said they would renew at $4,000 a year, and the rest "
             "asked about onboarding, not cost."),  # fmt: skip
    ("Lena", "So onboarding is the real blocker."),
    ("Kate", "Exactly, we need an onboarding checklist before the release."),
    ("Lena", "Then we decided: we ship a printed onboarding checklist for April and the video course moves to June."),
    ("Kate", "I can take the checklist. I'll have a first version to Omar by next Tuesday for review."),
    ("Omar", "Fine by me."),
    ("Lena", "Ben, can you brief the help desk and write the new support macros?"),
    ("Ben", "Yes, I'll send the macros to the help desk by the 18th and brief them the week after."),
    ("Lena", "Good. One open question is whether legal approves storing student names on the device. "
             "Does anyone know where that stands?"),  # fmt: skip
    ("Kate", "I don't know. Nobody has asked legal yet, as far as I know."),
    ("Lena", "Then I'll follow up with legal this week and report back next time."),
    ("Omar", "One more thing: the privacy notice still mentions the old sync server. We need to update it before "
             "release."),  # fmt: skip
    ("Ben", "Let me handle the privacy notice, that's on support anyway."),
    ("Lena", "Great. So, decision time. With the queue patch by Thursday and the checklist in review next week, "
             "are we go for April 9?"),  # fmt: skip
    ("Omar", "Go from platform, as long as the patch lands."),
    ("Kate", "Go from product."),
    ("Lena", "Then it's agreed: we release on April 9, conditional on the queue patch. Thanks, everyone."),
]
SUMMARY = SectionSpec(
    id="summary", title="Summary", kind="prose", max_items=3, cues=["the goal today", "to recap", "where we landed"]
)
OPEN = SectionSpec(
    id="open_questions",
    title="Open questions",
    kind="list",
    cues=["I don't know", "not sure", "open question", "TBD", "depends on", "any idea"],
)
TOPICS = SectionSpec(id="topics", title="Topics discussed", kind="list", cues=["next topic", "moving on", "about the"])
DECISIONS_WITH_CUES = DECISIONS.model_copy(update={"cues": ["we decided", "let's go with", "agreed", "sign off"]})
ACTIONS_WITH_CUES = ACTIONS.model_copy(update={"cues": ACTIONS.cues + ["can you", "next week", "we need to"]})


def sync_sections(*specs: SectionSpec) -> tuple[Document, list[DraftSection]]:
    doc = transcript(SYNC, date="2026-03-02", name="release-review.vtt")  # a Monday
    return doc, run(list(specs), [doc])


def test_summary_states_purpose_decisions_and_risk_in_order():
    doc, (summary,) = sync_sections(SUMMARY)
    quotes = offers_only_passages(summary, doc)
    assert len(quotes) == 3  # fewer, better: at most three passages
    joined = " ".join(quotes)
    assert "release review for the Atlas mobile app" in joined or "go or no-go" in joined  # why it was held
    assert "we ship a printed onboarding checklist" in joined or "we release on April 9" in joined  # an outcome
    assert "we lose their trust" in joined or "biggest risk" in joined  # the big risk
    assert not any(q.endswith("?") for q in quotes)


def test_decisions_commit_to_a_course_of_action_not_agreement():
    _, (decisions,) = sync_sections(DECISIONS_WITH_CUES)
    whats = [p.quote for p in decisions.passages]
    assert not any("biggest risk" in w for w in whats)  # "Agreed, that's the biggest risk" decides nothing
    assert any("printed onboarding checklist" in w for w in whats)
    assert any("we release on April 9" in w for w in whats)
    assert not any(w.rstrip().endswith("?") for w in whats)


def test_action_items_pair_requests_merge_claims_and_skip_questions():
    doc, (actions,) = sync_sections(ACTIONS_WITH_CUES)
    tasks = [i.fields["task"] for i in actions.items]
    assert not any("are we go" in t.lower() for t in tasks)  # a question is never a commitment
    macros = [i for i in actions.items if any("support macros" in q for q in i.quotes)]
    assert len(macros) == 1  # request + "Yes, I'll ..." is one item
    (macros,) = macros
    assert macros.fields["owner"] == "Ben" and macros.fields["due"] == "2026-03-18"  # "by the 18th"
    assert any(q.startswith("Yes, I'll send the macros") for q in macros.quotes)
    assert not any(t.startswith("Send the macros") for t in tasks)
    checklist = [i for i in actions.items if any("I can take the checklist." == q for q in i.quotes)]
    assert len(checklist) == 1 and len([t for t in tasks if "first version" in t]) == 1
    (checklist,) = checklist
    assert checklist.fields["owner"] == "Kate" and checklist.fields["due"] == "2026-03-10"  # next Tuesday
    assert "checklist" in checklist.fields["task"] and "first version" in checklist.fields["task"]
    notice = by_task(actions, "privacy notice")
    assert notice.fields["task"] == "Update the privacy notice before release"  # not "Update it before release"
    assert notice.fields["owner"] == "Ben" and not notice.flags  # Ben took what Omar said was needed
    legal = by_task(actions, "legal")
    assert legal.fields["task"].startswith("Follow up with legal") and legal.fields["due"] == "2026-03-06"
    assert not any(t.lower().startswith(("then i", "i'll", "we need")) for t in tasks)
    for item in actions.items:
        assert all(doc.text.count(q) == 1 for q in item.quotes)


@pytest.mark.parametrize(
    "said, due",
    [
        ("by the 20th", "2026-03-20"),
        ("this week", "2026-03-06"),
        ("next week", "2026-03-13"),
        ("by end of month", "2026-03-31"),
        ("in two weeks", "2026-03-16"),
        ("on the 3rd", "2026-03-03"),
        ("by the 1st", "2026-04-01"),
        ("on March 3rd", "2026-03-03"),
        ("by 3/14", "2026-03-14"),
        ("3/14", "2026-03-14"),
    ],
)
def test_due_dates_resolve_against_the_meeting_date(said, due):
    from reportgen.dates import due_date

    assert due_date(f"I'll send the draft {said}.", date(2026, 3, 2))[0] == due


@pytest.mark.parametrize("said", ["We offer 24/7 support.", "It's a 50/50 split.", "Revenue grew in the 3rd quarter."])
def test_non_dates_stay_non_dates(said):
    from reportgen.dates import due_date

    assert due_date(said, date(2026, 3, 2)) == (None, None)


def test_open_questions_are_the_unanswered_ones():
    doc, (qs,) = sync_sections(OPEN)
    quotes = offers_only_passages(qs, doc)
    assert not any("Quick update from the platform team" in q for q in quotes)  # answered: "Go ahead."
    assert not any("pilot schools say" in q for q in quotes)  # answered at length
    assert not any("fixed 30 of the 34" in q for q in quotes)
    assert len(quotes) == 1 and "legal approves" in quotes[0]  # one passage per open question


def test_an_unanswered_question_is_not_offered_as_open():
    # unanswered questions in podcasts and interviews were mostly rhetorical ("Who cares if I can write a rap
    # lyric?"): only what is said to be open is offered
    turns = [
        ("Ana", "Who owns the vendor contract renewal after Joe leaves?"),
        ("Ben", "Hmm."),
        ("Ana", "Okay, moving on to hiring, we have two offers out and both look likely to accept."),
        ("Ben", "Great, the second candidate starts in May."),
    ]
    doc = transcript(turns)
    (qs,) = run([OPEN], [doc])
    assert qs.passages == [] and qs.items == [] and len(qs.notes) == 1


def test_topics_offer_nothing_offline_since_segmentation_is_at_chance():
    _, (topics,) = sync_sections(TOPICS)
    assert topics.items == [] and topics.passages == [] and "no better than random" in topics.notes[0]


def test_topic_segmentation_finds_where_the_meeting_moves_on():
    # strategies/topics.py is kept (and measured by make eval); the engine no longer offers its openers
    doc, _ = sync_sections(TOPICS)
    index = SourceIndex.build(Corpus([doc]))
    idxs = [s.index for s in index.sentences]
    found = find_topics(index.sentences, index.toks, idxs, set(index.candidates), cap=7)
    quotes = [index.sentences[t.sentence].text for t in found]
    assert len(quotes) >= 3
    assert [doc.text.index(q) for q in quotes] == sorted(doc.text.index(q) for q in quotes)
    said = " ".join(quotes).lower()
    for subject in ("pricing", "privacy notice", "legal"):
        assert subject in said, (subject, quotes)
    assert not any(q.startswith(("I'll", "Then I'll")) for q in quotes)  # a topic, not an action


def test_sections_carry_no_boilerplate_note():
    _, sections = sync_sections(SUMMARY, DECISIONS_WITH_CUES, ACTIONS_WITH_CUES, OPEN, TOPICS)
    assert all(s.notes == [] for s in sections if s.items)
    assert all(len(s.notes) == 1 for s in sections if not s.items)  # says why there are only passages


# --- a request accepted in a short reply; scorecard evidence from the candidate's answers ------------------------

WARD = [
    ("Manager", "The winter rota is short two nurses on weekend nights in December."),
    ("Greta", "I can ask the bank staff if anyone wants extra weekend shifts this month."),
]


@pytest.mark.parametrize(
    "request_, reply, owner, due",
    [
        ("Could you also check the annual leave requests, Yusuf?", "Will do, by Thursday.", "Yusuf", "2024-03-07"),
        ("Yusuf, could you check the annual leave requests?", "Sure.", "Yusuf", None),
        ("Can you check the annual leave requests, Yusuf?", "On it, first thing tomorrow.", "Yusuf", "2024-03-07"),
        ("Yusuf, can you check the annual leave requests?", "I can do that, end of next week.", "Yusuf", "2024-03-15"),
        ("Could you check the annual leave requests?", "Yes, I'll do it by Friday.", "Yusuf", "2024-03-08"),
    ],
)
def test_request_taken_by_a_short_yes_with_its_deadline(request_, reply, owner, due):
    doc = transcript([*WARD, ("Manager", request_), ("Yusuf", reply)], date="2024-03-06")  # a Wednesday
    (actions,) = run([ACTIONS], [doc])
    leave = [i for i in actions.items if "annual leave" in i.fields["task"]]
    assert len(leave) == 1, [i.fields for i in actions.items]
    (leave,) = leave
    assert leave.fields["task"] == "Check the annual leave requests"  # from the request, not the reply
    assert leave.fields["owner"] == owner and leave.fields["due"] == due
    assert not any(f.startswith("owner-guessed") for f in leave.flags)
    assert all(doc.text.count(q) == 1 for q in leave.quotes)


def test_a_yes_from_someone_else_does_not_take_a_named_request():
    asked = ("Manager", "Could you also check the annual leave requests, Yusuf?")
    turns = [*WARD, asked, ("Greta", "Will do, by Thursday.")]
    doc = transcript(turns, date="2024-03-06")
    (actions,) = run([ACTIONS], [doc])
    leave = by_task(actions, "annual leave")
    assert leave.fields["owner"] == "Yusuf" and leave.fields["due"] is None


PROBLEM_SOLVING = Criterion(
    id="problem_solving",
    name="Problem solving",
    question="How does the candidate break down an unfamiliar problem, weigh options and check their answer?",
    cues=["I broke it down", "the trade-off", "I considered", "the root cause"],
)
OWNERSHIP = Criterion(
    id="ownership",
    name="Ownership and leadership",
    question="Does the candidate take responsibility for outcomes and drive work without being asked?",
    cues=["I owned", "I led", "my mistake", "the team"],
)
COMPOSURE = Criterion(
    id="composure",
    name="Composure under pressure",
    question="How does the candidate handle pressure, setbacks and challenge?",
    cues=["under pressure", "it went wrong", "pushback", "I stayed"],
)
WEAK_INTERVIEW = [
    ("Maya", "Walk me through how you would size the market for electric cargo bikes."),
    ("Jon", "Um, I think it's big, maybe a billion. "
            "I'm not sure how I'd break it down, I'd have to look up some reports."),
    ("Maya", "What if a client pushes back under pressure and says a billion is far too high?"),
    ("Jon", "Well, that's just the number I had in mind, I don't know, it's hard to say without data."),
    ("Maya", "Tell me about a project you led."),
    ("Jon", "We did a pricing project at my last job, the team handled most of it and I wasn't involved at the end."),
]


def test_scorecard_evidence_is_the_candidates_answer_weak_ones_included():
    doc = transcript(WEAK_INTERVIEW, name="interview.txt")
    spec = SectionSpec(id="competencies", title="Competencies", kind="scorecard",
                       criteria=[PROBLEM_SOLVING, OWNERSHIP, COMPOSURE])  # fmt: skip
    (card,) = run([spec], [doc])
    quotes = evidence_by_criterion(card)
    # The interviewer (who asks most) is never quoted, even when a question uses a cue ("under pressure").
    asked = [text for who, text in WEAK_INTERVIEW if who == "Maya"]
    assert not any(q in a for qs in quotes.values() for q in qs for a in asked)
    assert "I'm not sure how I'd break it down, I'd have to look up some reports." in quotes["problem_solving"]
    assert any("hard to say without data" in q for q in quotes["composure"])
    assert any("I wasn't involved" in q for q in quotes["ownership"])
    for item in card.items:
        assert item.fields["rating"] is None and item.fields["band"] is None  # not rated: by design
        assert not item.flags and "nothing in the sources" not in item.fields["rationale"]
    assert all(doc.text.count(q) == 1 for q in read(card))


def test_scorecard_prefers_the_answer_to_the_question_about_the_criterion():
    turns = [
        ("Interviewer", "Tell me about a hard problem you solved recently."),
        ("Ana", "Our nightly billing jobs kept timing out and nobody knew why."),
        ("Ana", "I considered two options, an index or a summary table, and tested both against production data."),
        ("Interviewer", "What happened when it went wrong in production?"),
        ("Ana", "I stayed calm, rolled back first, and wrote the incident review the next morning."),
        ("Ana", "It was my mistake, I had skipped the dry run, so I added a dry run step to the pipeline."),
    ]
    doc = transcript(turns)
    spec = SectionSpec(id="competencies", title="Competencies", kind="scorecard",
                       criteria=[PROBLEM_SOLVING, OWNERSHIP, COMPOSURE])  # fmt: skip
    (card,) = run([spec], [doc])
    quotes = evidence_by_criterion(card)
    assert quotes["problem_solving"][0].startswith("I considered two options")
    assert all(not q.startswith(("I stayed", "It was my mistake")) for q in quotes["problem_solving"])
    assert any(q.startswith("I stayed calm") for q in quotes["composure"])
    assert any(q.startswith("It was my mistake") for q in quotes["ownership"])  # its cue, though asked as composure
    assert not any(q.startswith("It was my mistake") for q in quotes["composure"])


# -- the strategy table ------------------------------------------------------------------------------------------


def test_each_builtin_section_goes_to_the_strategy_its_kind_or_family_names():
    keys = {sid: {s.id: strategy_key(s) for s in sop.sections} for sid, sop in builtin_sops().items()}
    # Findings only where a detector's quality is measured on real gold (docs/local-engine.md); passages elsewhere.
    findings = {sid: {k for k, v in sections.items() if v != "passages"} for sid, sections in keys.items()}
    assert findings == {
        "meeting-action-items": {"action_items"},  # decisions: AMI 0.03, below MIN_STRICT_F1
        "diligence-memo": {"contract_terms"},
        "interview-scorecard": {"competencies"},  # unrated rows, their evidence as passages
        "expert-call-notes": set(),
        "advisory-memo": {"next_steps"},  # commitments with an owner: the action-item detector
    }
    assert keys["meeting-action-items"] == {"summary": "passages", "decisions": "passages",
                                            "action_items": "commitment", "open_questions": "passages",
                                            "topics": "passages"}  # fmt: skip
    assert keys["diligence-memo"]["contract_terms"] == "contract terms"
    assert keys["interview-scorecard"]["competencies"] == "scorecard"
    # a decision section that also names topics is ranked, not cut into topics
    both = SectionSpec(id="decisions_by_topic", title="Decisions by topic", kind="list")
    assert detector_key(both) == "decision" and strategy_key(both) == "passages"


def test_a_new_strategy_is_one_row(monkeypatch):
    risks = SectionSpec(id="risks", title="Risks", kind="list", cues=["risk"])
    assert strategy_key(risks) == "passages"

    def first_risk(index, spec):
        s = next(index.sentences[i] for i in index.candidates if "risk" in index.sentences[i].text)
        return [DraftItem(fields={"text": "a risk"}, quotes=[s.text])]

    monkeypatch.setitem(STRATEGIES, "risk", first_risk)
    assert strategy_key(risks) == "risk"
    [section] = run([risks], [transcript(MEETING)])
    assert [i.fields for i in section.items] == [{"text": "a risk"}]


def test_the_engine_reads_the_terms_context_selection_reads():
    doc = transcript(MEETING)
    corpus = Corpus([doc])
    index = SourceIndex.build(corpus)
    assert all(index.toks[s.index] == terms(s.text) for s in index.sentences)
    assert corpus.segments.terms == [terms(seg.text) for seg in doc.segments]
    assert terms("We launched the meetings") == terms("launch meeting") == ["launch", "meet"]


def test_a_task_handed_to_a_role_gets_no_owner_rather_than_the_chair_who_said_it():
    """"The industrial designer will ..." said by the chair is not the chair's task: the owner stays empty
    (and the validator says it is missing) instead of naming the speaker, who was wrong in every reviewed case."""
    doc = transcript([*WARD, ("Manager", "The industrial designer will work on the working design of the remote "
                                         "before the next meeting.")], date="2024-03-06")
    (actions,) = run([ACTIONS], [doc])
    design = [i for i in actions.items if "working design" in i.fields["task"]]
    assert len(design) == 1, [i.fields for i in actions.items]
    assert design[0].fields["owner"] is None
    assert not any(f.startswith("owner-guessed") for f in design[0].flags)
