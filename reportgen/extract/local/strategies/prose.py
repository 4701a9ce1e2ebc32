"""Prose: one paragraph per document of its most telling sentences, in source order."""

from __future__ import annotations

import re

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import STRICT_FAMILIES, Scored, item_cap, length_factor, pick, rank, section_query
from reportgen.sop import SectionSpec

SUMMARY_SENTENCES = 5


def _summary_picks(index: SourceIndex, spec: SectionSpec, di: int, fams: list[str], want: int) -> list[Scored]:
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
        cue = any(p.search(s.text) for p in pats)
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


def section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """One paragraph per document (at most `max_items` paragraphs) of 3-5 sentences in source order."""
    fams = C.families_for(spec) or ["summary"]
    items = []
    docs = sorted({index.sentences[i].doc_index for i in index.candidates})
    for di in docs[: item_cap(spec, len(docs) or 1)]:
        n = sum(1 for i in index.candidates if index.sentences[i].doc_index == di)
        want = max(min(3, n), min(SUMMARY_SENTENCES, n // 6))
        if "summary" in fams or not STRICT_FAMILIES.intersection(fams) and not set(fams) - {"summary", "topic"}:
            picked = _summary_picks(index, spec, di, fams, want)
        else:
            ranked = rank(index, spec, fams, section_query(spec), spec.cues)
            ranked = [c for c in ranked if c.sentence.doc_index == di]
            picked = pick(index, ranked, want)
        if picked:
            mine = [c.sentence for c in picked]
            text = " ".join(C.clean(s.text) for s in mine)
            items.append(DraftItem(fields={"text": text}, quotes=[s.text for s in mine]))
    return items
