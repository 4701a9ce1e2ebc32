"""Summaries: the sentences a summary would be written from (why, what was decided, the main risk).

The offline engine writes no prose (strategies/passages.py offers these as passages to read).
"""

from __future__ import annotations

import re

import reportgen.extract.local.cues as C
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import Scored, length_factor, pick, section_query
from reportgen.sop import SectionSpec


def summary_picks(index: SourceIndex, spec: SectionSpec, di: int, fams: list[str], want: int) -> list[Scored]:
    """A meeting summary: why it was held, what was decided, the biggest risk, then what it was most about.

    Slots first (purpose near the start, up to two decisions, one serious risk), then the most central
    remaining sentences; never a question, a request or backchannel."""
    rel, overlap = index.relevance(section_query(spec))
    pats = C.cue_patterns(spec.cues)
    idxs = [(k, i) for k, i in enumerate(index.candidates) if index.sentences[i].doc_index == di]
    if not idxs:
        return []
    first, last = index.sentences[idxs[0][1]].index, index.sentences[idxs[-1][1]].index
    spoken = any(index.sentences[i].speaker for _, i in idxs)
    pool: list[tuple[Scored, set[str]]] = []
    for k, i in idxs:
        s = index.sentences[i]
        if s.is_question or C.is_request(s.text):
            continue
        slots = set()
        hits = C.family_hits(s.text, ["summary", "decision", "risk"])
        early = (s.index - first) <= 0.2 * max(1, last - first) + 2
        if "summary" in hits and early:
            slots.add("purpose")
        if spoken and "decision" in hits and not C.is_bare_agreement(s.text):
            slots.add("decision")
        if spoken and "risk" in hits and s.words >= 8 and not C.is_bare_agreement(s.text):
            slots.add("risk")
        cue = C.cue_count(s.text, pats) > 0
        score = (
            1.2 * index.centrality[i]
            + 0.6 * rel[k] * (overlap[k] >= 2)
            + 0.8 * cue
            + 0.5 * len(slots)
            + length_factor(s.words)
        )
        pool.append((Scored(score, s, sorted(slots)), slots))
    pool.sort(key=lambda x: (-x[0].score, x[0].sentence.index))
    chosen: list[Scored] = []
    serious = re.compile(r"\b(?:biggest|major|serious|critical|main|real|worr\w*|lose|losing|loss)\b", re.I)
    for slot, n in (("purpose", 1), ("decision", 1), ("risk", 1), ("decision", 2)):
        fits = [p for p in pool if slot in p[1]]
        if slot == "risk":  # the serious one: "we lose that revenue", "the biggest risk"
            fits.sort(key=lambda p: not serious.search(p[0].sentence.text))
        for c, _slots in [f for f in fits if f[0] not in chosen][: n - (slot == "decision" and n == 2)]:
            chosen.append(c)
    rest = [c for c, _ in pool if c not in chosen]
    out = pick(index, chosen[:want] + rest, want)
    return out

