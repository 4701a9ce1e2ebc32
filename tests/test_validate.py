"""Validation of grounded reports: fields, dates, owners, evidence, duplicates, section status."""

from __future__ import annotations

import datetime as dt

import pytest

from reportgen.dates import resolve_date
from reportgen.grounding import Grounder
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document, Item, Report, Section
from reportgen.sop import SOP, FieldSpec, SectionSpec, builtin_sops
from reportgen.validate import check_fields, validate_report

WED = dt.date(2024, 3, 6)  # a Wednesday

LINES = [
    (0.0, "Jason Liu", "Thanks everyone. The goal today is to agree the launch plan."),
    (12.0, "Maria Santos", "I'll send the pricing deck to Priya by Friday."),
    (20.5, "Jason Liu", "Great. I will book the venue for the launch next week."),
    (31.0, "Maria Santos", "We decided to launch in Berlin first, and we ruled out Paris for now."),
    (44.0, "Jason Liu", "Can someone check the budget? I'll check the budget and update the forecast."),
    (58.0, "Maria Santos", "Priya will own the press release once the budget lands."),
]


def _doc(lines=LINES, name: str = "sync.vtt", meta: dict | None = None) -> Document:
    b = TextBuilder()
    for start, speaker, text in lines:
        b.add(text, start=start, end=start + 8, speaker=speaker)
    return finish(
        b,
        data=b.text.encode(),
        filename=name,
        kind="transcript",
        format="vtt",
        media_type="text/vtt",
        meta=meta,
    )


def _item(grounder: Grounder, fields: dict, *quotes: str) -> Item:
    return Item(fields=fields, citations=[grounder.ground(q) for q in quotes])


def _meeting_report(doc: Document) -> tuple[SOP, Report]:
    sop = builtin_sops()["meeting-action-items"]
    g = Grounder([doc])
    actions = [
        _item(
            g,
            {"task": "Send the pricing deck to Priya", "owner": "Maria", "due": "by Friday", "status": "Open"},
            "I'll send the pricing deck to Priya by Friday.",
        ),
        _item(
            g,
            {"task": "Send the pricing deck to Priya.", "owner": "Maria Santos", "due": None, "status": "open"},
            "send the pricing deck",
        ),
        _item(
            g,
            {"task": "Book the venue for the launch", "owner": "I", "due": "next week"},
            "I will book the venue for the launch next week.",
        ),
        _item(
            g,
            {"task": "Book the launch venue", "owner": "Jason", "due": None, "status": "open"},
            "book the venue for the launch next week",
        ),
        _item(
            g,
            {"task": "Check the budget", "owner": "Jason", "due": None, "status": "open"},
            "I'll check the budget and update the forecast.",
        ),
        _item(
            g,
            {"task": "Update the forecast", "owner": "jason liu", "due": None, "status": "pending"},
            "I'll check the budget and update the forecast.",
        ),
        _item(
            g,
            {"task": "Own the press release", "owner": "Priya", "due": "when the budget lands", "status": "open"},
            "Priya will own the press release once the budget lands.",
        ),
        _item(g, {"task": "Hire a DJ", "owner": "Zed", "due": None, "status": "open"}, "We will hire a DJ."),
    ]
    summary = _item(g, {"text": "The team agreed the launch plan."}, "The goal today is to agree the launch plan.")
    report = Report(
        sop_id=sop.id,
        sections=[
            Section(id="action_items", title="Action items", kind="table", items=actions),
            Section(id="summary", title="Summary", kind="prose", items=[summary]),
            Section(id="decisions", title="Decisions", kind="table", items=[]),
            Section(id="open_questions", title="Open questions", kind="list", status="failed", notes=["timeout"]),
        ],
    )
    return sop, report


def _codes(item: Item) -> set[str]:
    return {f.split(":", 1)[0] for f in item.flags}


def _section(report: Report, section_id: str) -> Section:
    return next(s for s in report.sections if s.id == section_id)


def _by_task(report: Report) -> dict[str, Item]:
    return {i.fields["task"]: i for i in _section(report, "action_items").items}


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("2024-03-20", "2024-03-20"),
        ("Friday", "2024-03-08"),
        ("by Friday", "2024-03-08"),
        ("on Wednesday", "2024-03-13"),  # a weekday means the next one after the meeting
        ("tomorrow", "2024-03-07"),
        ("today", "2024-03-06"),
        ("EOD", "2024-03-06"),
        ("end of the week", "2024-03-08"),
        ("next week", "2024-03-15"),
        ("by end of next week", "2024-03-15"),
        ("by end of month", "2024-03-31"),
        ("by the end of the month", "2024-03-31"),
        ("next month", "2024-04-30"),
        ("end of quarter", "2024-03-31"),
        ("in two weeks", "2024-03-20"),
        ("March 15", "2024-03-15"),
        ("March 3, 2025", "2025-03-03"),
        ("asap", None),
        ("when the budget lands", None),
        ("3", None),
        ("2024-02-30", None),
    ],
)
def test_resolve_date_against_the_meeting_date(phrase, expected):
    assert resolve_date(phrase, WED) == expected


def test_resolve_date_without_a_meeting_date_only_takes_absolute_dates():
    assert resolve_date("Friday", None) is None
    assert resolve_date("next week", None) is None
    assert resolve_date("March 15", None) is None  # no year: depends on when it was said
    assert resolve_date("March 3, 2025", None) == "2025-03-03"
    assert resolve_date("2024-12-01", None) == "2024-12-01"


# --- the report --------------------------------------------------------------------------------------


def test_validate_meeting_report_end_to_end():
    doc = _doc()
    sop, report = _meeting_report(doc)
    validate_report(sop, report, [doc], meeting_date=WED)

    tasks = _by_task(report)
    deck = tasks["Send the pricing deck to Priya"]
    assert "Send the pricing deck to Priya." not in tasks  # same text modulo punctuation: merged
    assert "duplicate-merged" in _codes(deck) and len(deck.citations) == 2
    assert deck.fields["due"] == "2024-03-08" and deck.fields["status"] == "open"
    assert not (_codes(deck) - {"duplicate-merged"})

    venue = tasks["Book the venue for the launch"]
    assert "owner-unknown" in _codes(venue) and venue.fields["due"] == "2024-03-15"
    assert "Book the launch venue" not in tasks  # similar wording over the same quote: merged
    assert "duplicate-merged" in _codes(venue)
    assert venue.fields["status"] == "open"  # default filled

    assert _codes(tasks["Check the budget"]) == set()  # first name of a speaker
    forecast = tasks["Update the forecast"]  # same quote, different task: kept apart
    assert _codes(forecast) == {"invalid-enum"}
    assert any("allowed values: open, done, blocked" in f for f in forecast.flags)

    press = tasks["Own the press release"]  # Priya is named in the transcript, not a speaker
    assert _codes(press) == {"date-unresolved"} and press.fields["due"] == "when the budget lands"
    assert _codes(tasks["Hire a DJ"]) == {"owner-unknown", "no-evidence"}

    status = {s.id: s.status for s in report.sections}
    assert status == {
        "summary": "ok",
        "decisions": "empty",
        "action_items": "ok",
        "open_questions": "failed",
        "topics": "empty",
    }
    assert [s.id for s in report.sections] == [s.id for s in sop.sections]
    issue_codes = {(i.code, i.section_id) for i in report.issues}
    assert ("section-empty", "decisions") in issue_codes
    assert ("section-empty", "topics") in issue_codes  # absent from the engine's output: added, empty
    assert ("section-failed", "open_questions") in issue_codes
    assert ("owner-unknown", "action_items") in issue_codes
    assert all(i.message.startswith(sop.section(i.section_id).title) for i in report.issues if i.section_id)

    # Idempotent: validating again changes nothing.
    before = report.model_dump(mode="json")
    validate_report(sop, report, [doc], meeting_date=WED)
    assert report.model_dump(mode="json") == before


def test_owner_rules_and_meeting_date_from_document_meta():
    doc = _doc(meta={"date": "2024-03-06T10:00:00"})
    sop, report = _meeting_report(doc)
    validate_report(sop, report, [doc])  # no meeting date passed: taken from the document
    assert _by_task(report)["Book the venue for the launch"].fields["due"] == "2024-03-15"

    spec = sop.section("action_items")
    fields = {"task": "x", "owner": "me", "status": "open"}
    assert check_fields(spec, fields)[0].startswith("owner-unknown: 'owner' is 'me'")
    assert check_fields(spec, {**fields, "owner": "Ann"}, people=["Ann Lee"]) == []
    assert check_fields(spec, {**fields, "owner": "Dr. Lee"}, people=["Ann Lee"]) == []
    problems = check_fields(spec, {**fields, "owner": "Bob"}, people=["Ann Lee", "SPEAKER_01"])
    assert problems == [
        "owner-unknown: 'owner' is 'Bob', who is neither a speaker nor named in the sources. "
        "Speakers: Ann Lee, SPEAKER_01."
    ]


def test_date_unresolved_without_any_meeting_date():
    doc = _doc()
    sop, report = _meeting_report(doc)
    validate_report(sop, report, [doc])
    deck = _by_task(report)["Send the pricing deck to Priya"]
    assert deck.fields["due"] == "by Friday"
    assert any(f.startswith("date-unresolved:") and "meeting date is unknown" in f for f in deck.flags)


def test_check_fields_messages_for_reasking():
    spec = SectionSpec(
        id="figures",
        title="Figures",
        kind="table",
        fields={
            "metric": FieldSpec(type="text"),
            "figure": FieldSpec(type="money"),
            "flag": FieldSpec(type="boolean", required=False),
            "when": FieldSpec(type="date", required=False),
            "tags": FieldSpec(type="list", items="enum", values=["a", "b"], required=False),
        },
    )
    ok = {"metric": "ARR", "figure": {"value": 1e6, "unit": "USD", "period": "2024", "text": "$1M"}}
    assert check_fields(spec, ok) == []
    assert check_fields(spec, {**ok, "when": "next week"}) == []  # a phrase as said is allowed
    bad = check_fields(
        spec,
        {"metric": "", "figure": {"value": "lots", "text": "lots"}, "flag": "yes", "when": "2024-13-01", "tags": ["c"]},
    )
    codes = [p.split(":", 1)[0] for p in bad]
    assert codes == ["missing-field", "invalid-value", "invalid-value", "invalid-value", "invalid-enum"]
    assert "'figure'.value must be a number or null" in bad[1]
    assert "'tags[0]' is 'c'; allowed values: a, b" in bad[4]
    assert check_fields(spec, {**ok, "figure": 1000000})[0].startswith("invalid-value: 'figure' must be a money object")


def test_scorecard_completion_ratings_and_evidence():
    sop = builtin_sops()["interview-scorecard"]
    lines = [
        (0.0, "Interviewer", "Tell me about a hard bug."),
        (5.0, "Candidate", "I broke it down by bisecting the releases, then I tested the edge cases."),
        (15.0, "Candidate", "I led the migration and I owned the rollback plan."),
    ]
    doc = _doc(lines, "interview.vtt")
    g = Grounder([doc])
    card = Section(
        id="competencies",
        title="Competencies",
        kind="scorecard",
        items=[
            _item(
                g,
                {"criterion": "ownership", "rating": "3", "rationale": "Owned the rollback."},
                "I led the migration and I owned the rollback plan.",
            ),
            _item(
                g,
                {"criterion": "problem_solving", "rating": 7, "rationale": "Bisected."},
                "I broke it down by bisecting the releases",
            ),
            _item(g, {"criterion": "communication", "rating": 2, "rationale": "Clear."}),
        ],
    )
    verdict = Section(
        id="recommendation",
        title="Recommendation",
        kind="verdict",
        items=[
            _item(g, {"verdict": "Strong Hire", "rationale": "Good."}, "I led the migration"),
            _item(g, {"verdict": "hire", "rationale": "Also good."}, "I owned the rollback plan"),
        ],
    )
    report = Report(sop_id=sop.id, sections=[card, verdict])
    validate_report(sop, report, [doc])
    items = _section(report, "competencies").items
    assert [i.fields["criterion"] for i in items] == [c.id for c in sop.section("competencies").criteria]
    by = {i.fields["criterion"]: i for i in items}
    assert by["ownership"].fields["rating"] == 3 and by["ownership"].fields["band"] == "Strong"
    assert by["ownership"].fields["name"] == "Ownership and leadership" and not by["ownership"].flags
    assert _codes(by["problem_solving"]) == {"invalid-rating"}
    assert _codes(by["communication"]) == {"no-evidence"}  # rated with no quote at all
    assert by["composure"].fields["rating"] is None and _codes(by["composure"]) == {"no-evidence"}
    assert "not rated" in by["composure"].flags[0]
    rec = _section(report, "recommendation")
    assert rec.items[0].fields["verdict"] == "strong hire"  # spelling normalised to the SOP's value
    assert any(i.code == "too-many-items" and i.section_id == "recommendation" for i in report.issues)


def test_scorecard_with_no_candidate_is_not_padded_with_unrated_rows():
    """A scorecard the engine left empty (no candidate in a podcast or a contract) gets no row per
    criterion: the section says it is empty instead of listing every criterion as not rated."""
    sop = builtin_sops()["interview-scorecard"]
    doc = _doc([(0.0, "Host", "Welcome to the show."), (4.0, "Guest", "Thanks for having me.")], "show.vtt")
    card = Section(id="competencies", title="Competencies", kind="scorecard", notes=["No candidate: a podcast."])
    report = Report(sop_id=sop.id, sections=[card])
    validate_report(sop, report, [doc])
    section = _section(report, "competencies")
    assert section.items == [] and section.status == "empty"
    assert section.notes == ["No candidate: a podcast."]


def test_validation_resolves_every_item_of_a_large_report():
    lines = [(float(n), f"Speaker {n % 4}", f"Number {n}: I'll take care of task {n} by Friday.") for n in range(600)]
    doc = _doc(lines, "long.vtt")
    g = Grounder([doc])
    sop = builtin_sops()["meeting-action-items"]
    items = [
        _item(
            g,
            {"task": f"Take care of task {n}", "owner": f"Speaker {n % 4}", "due": "Friday", "status": "open"},
            f"I'll take care of task {n} by Friday.",
        )
        for n in range(300)
    ]
    report = Report(sop_id=sop.id, sections=[Section(id="action_items", title="Action items", items=items)])
    validate_report(sop, report, [doc], meeting_date=WED)
    kept = _section(report, "action_items").items
    assert len(kept) == 300 and all(i.fields["due"] == "2024-03-08" for i in kept)
