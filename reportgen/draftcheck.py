"""One checker per report: what grounding and validation would flag in a draft, said as re-asks.

The llm engine asks it after each answer, so a model is told exactly what the report would
flag (an unlocated quote, an invalid field) while it can still fix it. It reuses the report's
one grounding index, so the engine and the final grounding cannot disagree on a quote.
"""

from __future__ import annotations

from reportgen.drafts import DraftSection
from reportgen.grounding import Grounder
from reportgen.sop import SectionSpec
from reportgen.validate import check_fields


class ReportChecker:
    def __init__(self, grounder: Grounder) -> None:
        self.grounder = grounder

    def problems(self, spec: SectionSpec, draft: DraftSection) -> list[str]:
        problems: list[str] = []
        for i, item in enumerate(draft.items, start=1):
            if spec.evidence == "required" and not [q for q in item.quotes if q.strip()]:
                problems.append(f"item {i} has no quote; add a verbatim quote that supports it")
            for q in item.quotes:
                if q.strip() and not self.grounder.ground(q).located:
                    problems.append(f'item {i}: quote not found in the sources: "{q}"')
            problems.extend(f"item {i}: {p}" for p in check_fields(spec, item.fields))
        return problems
