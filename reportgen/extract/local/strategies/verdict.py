"""Verdicts: one undecided item listing the most relevant statements; the offline engine never decides."""

from __future__ import annotations

import re

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import EVIDENCE_PER_CRITERION, describe, evidence, section_query
from reportgen.sop import SectionSpec

_UNDECIDED_RE = re.compile(r"not[ _-]?(?:assessed|rated|decided)|undecided|insufficient|n/?a|unknown|pending|tbd|"
                           r"unclear|no[ _-]?decision", re.IGNORECASE)  # fmt: skip


def section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """One item: an undecided value where the SOP offers one, and a rationale naming the evidence, which is cited."""
    fams = C.families_for(spec)
    picked = evidence(index, section_query(spec), spec.cues, fams, EVIDENCE_PER_CRITERION)
    fields: dict[str, object] = {}
    for name, f in spec.fields.items():
        if f.type == "enum":
            fields[name] = next((v for v in f.values or [] if _UNDECIDED_RE.search(v)), None)
        elif f.type == "text":
            shown = f" The most relevant statements: {describe(index, picked)}." if picked else ""
            fields[name] = (
                f"extractive draft: the offline engine does not decide \u201c{spec.title}\u201d; a human must.{shown}"
            )
        elif f.type == "rating":
            fields[name] = None
        else:
            fields[name] = f.default
    if not spec.fields:
        fields = {"verdict": None, "rationale": "extractive draft: not decided by the offline engine; a human must."}
    return [DraftItem(fields=fields, quotes=[c.sentence.text for c in picked])]
