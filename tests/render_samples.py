"""Reports built in code for the renderer tests: every section kind, two transcripts and a PDF,
unsupported and partly supported items, flags, and text in several scripts.

`INTERNATIONAL` lists the strings whose glyphs must survive into the PDF text layer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reportgen.models import Citation, DocumentRef, Item, Report, ReportIssue, Section

CALL = DocumentRef(id="doc_call", filename="calls/acme-mgmt-call.vtt", kind="transcript", format="vtt",
                   sha256="3f9a" * 16, duration=4211.0, speakers=["Jason", "María José", "李明", "فاطمة"])
MSA = DocumentRef(id="doc_msa", filename="dataroom/Acme MSA 2024.pdf", kind="pdf", format="pdf",
                  sha256="be71" * 16, pages=14)
DECK = DocumentRef(id="doc_deck", filename="dataroom/board-deck-q3.pdf", kind="pdf", format="pdf",
                   sha256="0c2d" * 16, pages=22)

INTERNATIONAL = [
    "Café Society façade: naïve résumé for Zoë",
    "北京和上海的客户续约率很高",
    "مرحبا بالعالم",
    "שלום עולם",
    "Growth 🚀 and 👍 from the team",
]


def said(quote: str, start: float, speaker: str, doc: DocumentRef = CALL, status: str = "exact") -> Citation:
    return Citation(document_id=doc.id, quote=quote, char_start=int(start * 10), char_end=int(start * 10) + len(quote),
                    status=status, score=1.0 if status == "exact" else 0.91, start=start, end=start + 6,
                    speaker=speaker, segment_ids=[int(start)])


def page(quote: str, number: int, doc: DocumentRef = MSA, status: str = "exact") -> Citation:
    return Citation(document_id=doc.id, quote=quote, char_start=number * 1000, char_end=number * 1000 + len(quote),
                    status=status, score=1.0, page=number)


def missing(quote: str, doc: DocumentRef = CALL) -> Citation:
    return Citation(document_id=doc.id, quote=quote, status="unsupported", score=0.0)


def sample_report(*, extractive: bool = False) -> Report:
    """A diligence-style report touching every renderer path."""
    sections = [
        Section(id="summary", title="Executive summary", kind="prose", items=[
            Item(fields={"text": "Acme renewed its two largest customers and expects revenue of $12.5M in FY2024."},
                 citations=[said("we renewed both of the big ones last month", 754.0, "Jason"),
                            page("Total revenue for FY2024 is projected at $12.5 million.", 3, DECK)]),
            Item(fields={"text": INTERNATIONAL[0] + "; " + INTERNATIONAL[1]},
                 citations=[said(INTERNATIONAL[1], 3725.0, "李明", status="fuzzy")]),
        ]),
        Section(id="decisions", title="Decisions", kind="table", items=[
            Item(fields={"what": "Move the pilot to the Lyon site", "decided_by": "María José"},
                 citations=[said("let's move the pilot to Lyon", 1302.5, "María José")]),
            Item(fields={"what": "Freeze hiring until Q2", "decided_by": None},
                 citations=[said("hiring is frozen until Q2", 1410.0, "Jason", status="normalized")],
                 flags=["owner-unknown: no speaker or named person made this decision"]),
        ]),
        Section(id="action_items", title="Action items", kind="table", items=[
            Item(fields={"task": "Send the revised MSA to legal", "owner": "Jason", "due": "2026-03-14",
                         "status": "open"},
                 citations=[said("I'll send the revised MSA to legal by Friday", 2102.0, "Jason")]),
            Item(fields={"task": "Share churn cohort data", "owner": "فاطمة", "due": "end of next week",
                         "status": "blocked"},
                 citations=[said(INTERNATIONAL[2] + " cohort data next week", 2230.0, "فاطمة")],
                 flags=["date-unresolved: 'end of next week' could not be resolved to a date"]),
            Item(fields={"task": "Book the customer reference calls", "owner": "Jason", "due": None, "status": "open"},
                 citations=[missing("I will personally book all twelve reference calls tomorrow")],
                 flags=['unsupported: quote not found in the sources: "I will personally book all twelve"']),
        ]),
        Section(id="financials", title="Financials", kind="table", items=[
            Item(fields={"metric": "Revenue", "figure": {"value": 12500000, "unit": "USD", "period": "FY2024",
                                                         "text": "$12.5M in FY2024"}, "source_note": "Board deck"},
                 citations=[page("Total revenue for FY2024 is projected at $12.5 million.", 3, DECK)]),
            Item(fields={"metric": "Gross margin", "figure": {"value": 71.5, "unit": "%", "period": "Q3",
                                                              "text": "71.5% in Q3"}, "source_note": None},
                 citations=[page("Gross margin reached 71.5% in the third quarter.", 9, DECK),
                            missing("margin will exceed 80% next year", DECK)]),
        ]),
        Section(id="risks", title="Risks and red flags", kind="list", items=[
            Item(fields={"risk": "Change of control terminates the MSA", "severity": "high",
                         "mitigation": "Negotiate a consent waiver before signing"},
                 citations=[page("Either party may terminate this Agreement upon a Change of Control.", 7)]),
            Item(fields={"risk": "Hebrew-language contract addendum (" + INTERNATIONAL[3] + ") not reviewed",
                         "severity": "medium", "mitigation": None},
                 citations=[page(INTERNATIONAL[3], 13)]),
            Item(fields={"risk": "Key-person dependency on the CTO", "severity": "medium", "mitigation": "Retention"},
                 citations=[], flags=["no-evidence: evidence is required but no quote was located"]),
        ]),
        Section(id="team", title="Team assessment", kind="scorecard", items=[
            Item(fields={"criterion": "execution", "name": "Execution", "rating": 3, "band": "Strong",
                         "rationale": "Shipped two releases on time. " + INTERNATIONAL[4]},
                 citations=[said("we shipped both releases on the date we promised", 1805.0, "Jason")]),
            Item(fields={"criterion": "hiring", "name": "Hiring", "rating": None, "band": None,
                         "rationale": "Not discussed in the sources."}, citations=[]),
        ]),
        Section(id="open_questions", title="Open questions for management", kind="list", items=[]),
        Section(id="market", title="Market", kind="list", status="failed",
                notes=["The engine returned no usable answer for this section after 3 attempts."]),
        Section(id="recommendation", title="Recommendation", kind="verdict", items=[
            Item(fields={"verdict": "proceed with conditions", "rationale": "Strong retention, but the "
                         "change-of-control clause must be waived before signing."},
                 citations=[said("honestly the retention numbers speak for themselves", 3950.0, "María José"),
                            page("Either party may terminate this Agreement upon a Change of Control.", 7)]),
        ]),
    ]
    return Report(
        id="rep_sample00001", sop_id="diligence-memo", sop_name="Diligence memo", sop_version=2,
        documents=[CALL, MSA, DECK], sections=sections, engine="local" if extractive else "llm",
        model=None if extractive else "gpt-4o-mini", extractive=extractive,
        issues=[ReportIssue(severity="warning", code="section-empty", section_id="open_questions",
                            message="Required section 'Open questions for management' has no items."),
                ReportIssue(severity="error", code="section-failed", section_id="market",
                            message="Section 'Market' failed: the engine gave no usable answer.")],
        created_at=datetime(2026, 3, 9, 15, 30, tzinfo=UTC),
    )


def large_report(items: int = 500, cites_per_item: int = 4) -> Report:
    """A big report for scaling checks: `items` table/list items, `cites_per_item` citations each."""
    sections = []
    per_section = 50
    for s in range(0, items, per_section):
        kind = ("table", "list", "prose")[(s // per_section) % 3]
        rows = []
        for i in range(s, min(s + per_section, items)):
            cites = [said(f"quote {i}-{k}: we expect the {k}th milestone to land in week {i % 52}", 60.0 * i + k,
                          ("Jason", "María José")[k % 2]) for k in range(cites_per_item)]
            fields = {"task": f"Follow-up item {i}: confirm the figures behind milestone {i % 17}",
                      "owner": "Jason", "due": "2026-04-01", "status": "open"} if kind == "table" else \
                {"text": f"Finding {i}: the customer base grew in region {i % 9} with churn under {i % 7}%."}
            rows.append(Item(fields=fields, citations=cites))
        sections.append(Section(id=f"s{s}", title=f"Section {s // per_section + 1}", kind=kind, items=rows))
    return Report(sop_id="meeting-action-items", sop_name="Meeting action items", documents=[CALL],
                  sections=sections, engine="llm", model="gpt-4o-mini")


def _field_value(name: str, spec, i: int):  # spec: reportgen.sop.FieldSpec
    kind = spec.type
    if kind in ("number", "money"):
        return {"value": 1_250_000.0 * (i + 1), "unit": "USD" if kind == "money" else None, "period": "FY2025",
                "text": f"{1.25 * (i + 1)}M in FY2025"}
    if kind == "enum":
        return (spec.values or ["other"])[i % len(spec.values or ["other"])]
    if kind == "date":
        return "2026-04-0" + str(1 + i % 9) if i % 2 == 0 else "end of next week"
    if kind == "boolean":
        return i % 2 == 0
    if kind == "list":
        return [f"{name} element {i}", "second élément"]
    if kind == "rating":
        return (spec.rubric or [None])[0].value if spec.rubric else None
    if kind == "person":
        return ("Jason", "María José", "李明")[i % 3]
    return f"{name.replace('_', ' ').capitalize()} finding {i}: renewal at Zoë's café in 北京"


def report_for_sop(sop, *, engine: str, per_section: int = 3) -> Report:
    """A report shaped exactly as the SOP declares, as either engine would return it."""
    sections = []
    for spec in sop.sections:
        items = []
        if spec.kind == "scorecard":
            for k, crit in enumerate(spec.criteria):
                band = crit.rubric[k % len(crit.rubric)] if crit.rubric and k % 3 else None
                items.append(Item(fields={"criterion": crit.id, "name": crit.name,
                                          "rating": band.value if band else None, "band": band.label if band else None,
                                          "rationale": f"Evidence on {crit.name.lower()}."},
                                  citations=[said(f"about {crit.id}, I handled it myself", 300.0 + 60 * k, "Jason")]))
        else:
            count = 1 if spec.kind == "verdict" else per_section
            for i in range(count):
                fields = {n: _field_value(n, f, i) for n, f in spec.fields.items()} or \
                    {"text": f"{spec.title} point {i}: we expect growth of {10 + i}% next year."}
                cites = [said(f"{spec.id} quote {i}", 90.0 * i + 5, "María José"), page(f"{spec.id} page {i}", i + 1)]
                if i == 2:
                    cites.append(missing(f"{spec.id} invented quote"))
                flags = ["extractive: drafted by the local engine"] if engine == "local" else []
                items.append(Item(fields=fields, citations=cites, flags=flags))
        sections.append(Section(id=spec.id, title=spec.title, kind=spec.kind, items=items))
    return Report(sop_id=sop.id, sop_name=sop.name, sop_version=sop.version, documents=[CALL, MSA],
                  sections=sections, engine=engine, model="gpt-4o-mini" if engine == "llm" else None,
                  extractive=engine == "local")
