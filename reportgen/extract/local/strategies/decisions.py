"""Decisions: the sentences the learned decision detector finds, the cue rules' picks among them first.

The cue rules rank sentences by the SOP's decision language; the detector (`detectors.py`,
trained on AMI) decides which of them, and of any other sentence, state a decision: only those
whose calibrated probability reaches the trained threshold are items, worded as a clean
statement of the quote (`wording.statement`), with that probability as the item's `score`.
"""

from __future__ import annotations

import reportgen.extract.local.cues as C
import reportgen.extract.local.detectors as D
from reportgen.drafts import DraftItem
from reportgen.extract.local.fields import fill_item, main_text_field
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS, item_cap, pick, rank, section_query
from reportgen.extract.local.wording import speaker_roles, statement
from reportgen.sop import SectionSpec


def section(index: SourceIndex, spec: SectionSpec, detector: D.Detector | None = None) -> list[DraftItem]:
    """Decisions in source order, at most the section's cap, the most probable first when over it;
    `detector` is the shipped one unless a trainer passes its own."""
    det = detector or D.load("decision")
    probs = D.probabilities(index, "decision", det)
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    picked = pick(index, rank(index, spec, fams, section_query(spec), spec.cues), cap)
    chosen: dict[int, float] = {}
    for c in picked:
        p = probs[c.sentence.index]
        if p is not None and p >= det.threshold:
            chosen[c.sentence.index] = p
    for f in D.choose(index, probs, det.threshold, cap):
        chosen.setdefault(f.sentence.index, f.probability)
    best = sorted(chosen, key=lambda k: (-chosen[k], k))[:cap]
    roles = speaker_roles(index.sentences)
    main = main_text_field(spec)
    items: list[DraftItem] = []
    for k in sorted(best):
        s = index.sentences[k]
        item = fill_item(index, spec, fams, s)
        if main is not None:
            item.fields[main] = statement(s.text, roles.get((s.doc_index, s.speaker or "")))
        item.score = round(chosen[k], 4)
        items.append(item)
    return items
