"""Decisions: what the cue rules pick (explicit decision language), and what the learned detector finds.

The cue rules pick sentences that say a decision in so many words ("we decided", "let's go
with"; `ranking.STRICT_FAMILIES`); the detector (`detectors.py`, trained on AMI) adds any other
sentence whose calibrated probability reaches its trained threshold. Every item is worded as a
clean statement of its quote (`wording.statement`) and carries the detector's probability as
its `score`. The shipped decision detector is silent (its out-of-fold precision on AMI was below
`ami_train.MIN_PRECISION`, docs/local-engine.md), so today it only scores the rules' picks.
"""

from __future__ import annotations

import reportgen.extract.local.cues as C
import reportgen.extract.local.detectors as D
from reportgen.drafts import DraftItem
from reportgen.extract.local.fields import fill_item, main_text_field
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS, item_cap, pick, rank, section_query
from reportgen.extract.local.wording import Wording
from reportgen.sop import SectionSpec


def section(index: SourceIndex, spec: SectionSpec, detector: D.Detector | None = None) -> list[DraftItem]:
    """Decisions in source order, at most the section's cap (the rules' picks first, then the most
    probable); `detector` is the shipped one unless a trainer passes its own."""
    det = detector or D.load("decision")
    probs = D.probabilities(index, "decision", det)
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    picked = pick(index, rank(index, spec, fams, section_query(spec), spec.cues), cap)
    # each finding: its sentences and probability; the rules' picks first, then the detector's runs
    found: list[tuple[list[int], float]] = [([c.sentence.index], probs[c.sentence.index] or 0.0) for c in picked]
    ruled = {c.sentence.index for c in picked}
    extra = [f for f in D.choose(index, probs, det.threshold, cap) if f.sentence.index not in ruled]
    found += [([f.sentence.index for f in run], max(f.probability for f in run)) for run in D.runs(extra, det.merge)]
    best = found[: len(picked)] + sorted(found[len(picked) :], key=lambda x: (-x[1], x[0]))
    wording = Wording(index)
    main = main_text_field(spec)
    items: list[DraftItem] = []
    for ks, p in sorted(best[:cap]):
        s = index.sentences[ks[0]]
        item = fill_item(index, spec, fams, s)
        if main is not None:
            item.fields[main] = " ".join(wording.of(index.sentences[k]) for k in ks)
        item.quotes = list(dict.fromkeys([*item.quotes, *(index.sentences[k].text for k in ks)]))
        item.score = round(p, 4)
        items.append(item)
    return items
