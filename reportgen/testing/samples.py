"""Small synthetic sources and SOPs for tests and benchmarks of the llm engine.

Built with `TextBuilder`/`finish`, so they depend on no parser, and generated rather than
copied so a test can ask for a transcript of any length.
"""

from __future__ import annotations

from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.sop import SOP, Criterion, FieldSpec, RubricBand, SectionSpec

MEETING_LINES = [
    ("Jason", "Thanks everyone for joining the planning meeting about the billing migration."),
    ("Priya", "We decided to move the invoices service to the new billing platform in March."),
    ("Jason", "I'll send the migration runbook to the whole team by Friday."),
    ("Marco", "The vendor quoted twelve thousand dollars per year for the support contract."),
    ("Priya", "I will follow up with legal about the data retention clause next week."),
    ("Marco", "Our main risk is that the old exports break for the finance team."),
    ("Jason", "We still need to find out who owns the reconciliation reports."),
    ("Priya", "Let's keep the weekly sync on Tuesdays until the cutover is done."),
]

FILLER_TOPICS = [
    "the dashboard latency numbers from last quarter",
    "the hiring plan for the platform team",
    "the office move and the new desk booking tool",
    "the customer survey results for the mobile app",
    "the quarterly security review and its findings",
    "the documentation backlog for the public API",
]


def transcript(lines: list[tuple[str, str]] | None = None, *, filename: str = "meeting.vtt", step: float = 7.0,
               extra: int = 0) -> Document:
    """A located transcript: the meeting lines, then `extra` lines of unrelated talk."""
    b = TextBuilder()
    rows = list(lines or MEETING_LINES)
    speakers = ["Jason", "Priya", "Marco"]
    for i in range(extra):
        topic = FILLER_TOPICS[i % len(FILLER_TOPICS)]
        rows.append((speakers[i % 3], f"Item {i + 1} on the list was {topic}, which we only touched on briefly."))
    for i, (speaker, text) in enumerate(rows):
        b.add(text, start=i * step, end=i * step + step - 0.5, speaker=speaker)
    data = "\n".join(f"{s}: {t}" for s, t in rows).encode()
    return finish(b, data=data, filename=filename, kind="transcript", format="speaker-lines", media_type="text/vtt")


def paged(pages: list[list[str]], *, filename: str = "memo.pdf") -> Document:
    b = TextBuilder()
    for n, paras in enumerate(pages, start=1):
        for p in paras:
            b.add(p, page=n, sep="\n\n")
    data = "\f".join("\n".join(p) for p in pages).encode()
    return finish(b, data=data, filename=filename, kind="pdf", format="pdf", media_type="application/pdf",
                  pages=len(pages))


def meeting_sop(sections: int = 3) -> SOP:
    """A meeting SOP: summary (prose), decisions and action items (tables), then as many
    extra list sections as asked for (the benchmark uses 8 sections in all)."""
    specs = [
        SectionSpec(id="summary", title="Summary", kind="prose", instructions="What the meeting was about.",
                    evidence="required"),
        SectionSpec(id="decisions", title="Decisions", kind="table", instructions="Every decision that was made.",
                    cues=["decided", "let's keep", "we'll go with"],
                    fields={"what": FieldSpec(type="text"), "decided_by": FieldSpec(type="person", required=False)}),
        SectionSpec(id="action_items", title="Action items", kind="table",
                    instructions="Every commitment someone made to do something after the meeting.",
                    cues=["I'll", "I will", "follow up", "by Friday"],
                    fields={
                        "task": FieldSpec(type="text"),
                        "owner": FieldSpec(type="person"),
                        "due": FieldSpec(type="date", required=False),
                        "status": FieldSpec(type="enum", values=["open", "done", "blocked"], default="open"),
                    }),
        SectionSpec(id="open_questions", title="Open questions", kind="list",
                    instructions="Questions raised and not answered.", cues=["need to find out", "who owns"]),
        SectionSpec(id="risks", title="Risks", kind="table", instructions="Risks and red flags mentioned.",
                    cues=["risk", "break"],
                    fields={"risk": FieldSpec(type="text"),
                            "severity": FieldSpec(type="enum", values=["low", "medium", "high"])}),
        SectionSpec(id="figures", title="Figures", kind="table", instructions="Every amount of money mentioned.",
                    cues=["dollars", "per year"],
                    fields={"metric": FieldSpec(type="text"), "figure": FieldSpec(type="money")}),
        SectionSpec(id="topics", title="Topics discussed", kind="list", instructions="The topics discussed."),
        SectionSpec(id="assessment", title="Meeting effectiveness", kind="scorecard",
                    instructions="How well the meeting ran.",
                    criteria=[
                        Criterion(id="clarity", name="Clarity", question="Were outcomes clear?",
                                  rubric=[RubricBand(value=v, label=lab) for v, lab in
                                          [(1, "poor"), (2, "fair"), (3, "good"), (4, "excellent")]]),
                        Criterion(id="ownership", name="Ownership", question="Did every task get an owner?",
                                  rubric=[RubricBand(value=v, label=lab) for v, lab in
                                          [(1, "poor"), (2, "fair"), (3, "good"), (4, "excellent")]]),
                    ]),
    ]
    extra = [
        SectionSpec(id=f"notes_{i}", title=f"Notes {i}", kind="list", instructions="Anything else of note.")
        for i in range(max(0, sections - len(specs)))
    ]
    return SOP(id="test-meeting", name="Test meeting", version=1, sections=(specs + extra)[:sections])
