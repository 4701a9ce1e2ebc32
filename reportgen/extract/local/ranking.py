"""How the offline engine scores and picks sentences for a section: the weights live here.

A sentence earns its place by BM25 relevance to what the SOP says about the section, the SOP's
own cue phrases, the language of the section's cue families (`cues.py`), its length and how
central it is to its document; `pick` then drops near-duplicates and quotes that could not be
located unambiguously. `evidence` does the same for a scorecard criterion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

import reportgen.extract.local.cues as C
from reportgen.corpus import fuse
from reportgen.extract.local.fields import timestamp
from reportgen.extract.local.figures import best_figure
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.sentences import Sentence
from reportgen.sop import SectionSpec
from reportgen.text import words

DEFAULT_MAX_ITEMS = 10
EVIDENCE_PER_CRITERION = 3
# A passage must stand this far above its document's background relevance to the section (standard
# deviations of `SourceIndex.lift`); chosen on QMSum's fit half by bench/passage_floor.py.
MIN_LIFT = 3.0
EVIDENCE_FLOOR = 0.75  # in an interview, evidence scoring under this share of the best is left out
_I_RE = re.compile(r"\bI\b")  # the candidate's own doing ("I stayed calm") rather than the scene ("we had an outage")
# Families whose language is specific enough that an item must show it (or an SOP cue).
STRICT_FAMILIES = {"commitment", "decision", "question", "figure", "advice", "contrarian"}


def item_cap(spec: SectionSpec, default: int) -> int:
    return spec.max_items if spec.max_items and spec.max_items > 0 else default


def length_factor(words: int) -> float:
    if words < 6:
        return -0.5
    if words > 60:
        return -0.4
    return 0.1 if 8 <= words <= 35 else 0.0


def section_query(spec: SectionSpec) -> str:
    parts = [spec.title, spec.id.replace("_", " "), spec.instructions, " ".join(spec.cues)]
    parts += [f"{n} {f.description}" for n, f in spec.fields.items()]
    parts += [f"{c.name} {c.question} {' '.join(c.cues)}" for c in spec.criteria]
    return " ".join(parts)


@dataclass
class Scored:
    score: float
    sentence: Sentence
    hits: list[str]
    lift: float = 0.0  # relevance above the document's background, in standard deviations (`SourceIndex.lift`)


def similarity(index: SourceIndex, query: str) -> np.ndarray | None:
    """Per candidate: the embedding similarity of its segment to the query (a sentence shares its
    turn's or paragraph's, the best of them if it spans several), from the report's segment
    index, embedded once per report; where the report embeds no segments (contracts: retrieval reads them
    by words, docs/eval.md) the candidates' own embeddings; None without wordllama."""
    seg = index.segments
    sim = seg.similarity(query) if seg is not None and query.strip() else None
    if seg is None or sim is None:
        return index.sentence_similarity(query) if query.strip() else None
    where = {(r.document.id, r.segment.id): k for k, r in enumerate(seg.rows)}
    out = np.full(len(index.candidates), float(sim.min(initial=0.0)))
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        found = [sim[where[(s.document_id, j)]] for j in s.segment_ids if (s.document_id, j) in where]
        if found:
            out[k] = max(found)
    return out


def rank(index: SourceIndex, spec: SectionSpec, fams: list[str], query: str, cues: list[str], *,
         semantic: bool = False) -> list[Scored]:
    """Candidates for a section, best first; only sentences that show some reason to be there.

    `semantic` fuses BM25 with embedding similarity (`corpus.fuse`) in the relevance term of the
    score; which sentences are eligible stays decided by words and cues. Passages ask for it,
    where bench/retrieval.py measured it better; the detectors' callers keep BM25."""
    rel, overlap = index.relevance(query)
    sim = similarity(index, query) if semantic and rel else None
    if sim is not None:
        rel = fuse(np.asarray(rel), sim).tolist()
    lift = index.lift(query, sim)
    pats = C.cue_patterns(cues)
    strict = bool(STRICT_FAMILIES.intersection(fams))
    wants_figure = "figure" in fams and any(f.type in ("money", "number") for f in spec.fields.values())
    out: list[Scored] = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        if "commitment" in fams and s.is_question and not C.is_request(s.text):
            continue  # "are we go for March 14?" asks; only "Sam, can you ...?" hands out a task
        if "decision" in fams and (s.is_question or C.is_bare_agreement(s.text)):
            continue  # "Agreed, that's the biggest risk" agrees with a statement; it decides nothing
        hits = C.family_hits(s.text, fams)
        if wants_figure:
            fig = best_figure(s.text)
            if fig is None:
                continue
            if fig.strong:
                hits.append("figure-strong")
        cue_n = C.cue_count(s.text, pats)
        fam_score = (1.5 if hits else 0.0) + 0.25 * max(0, len(hits) - 1)
        related = rel[k] >= 0.4 and overlap[k] >= 2
        eligible = cue_n > 0 or bool(hits) or (related and not strict)
        if not eligible:
            continue
        score = 1.2 * rel[k] + 1.0 * min(cue_n, 2) + fam_score + length_factor(s.words) + 0.3 * index.centrality[i]
        out.append(Scored(score, s, hits, lift[k]))
    out.sort(key=lambda x: (-x.score, x.sentence.index))
    return out


def pick(index: SourceIndex, ranked: list[Scored], cap: int, *, spread: bool = False) -> list[Scored]:
    """Top `cap`, no near-duplicates, no ambiguous quotes; `spread` takes the best of each stretch of a source."""
    chosen: list[Scored] = []
    seen: list[str] = []

    def take(c: Scored) -> bool:
        norm = " ".join(words(c.sentence.text))
        if any(fuzz.ratio(norm, o) >= 88 for o in seen) or not index.unique(c.sentence):
            return False
        chosen.append(c)
        seen.append(norm)
        return True

    if spread and ranked:
        n = len(index.sentences)
        windows: dict[int, list[Scored]] = {}
        for c in ranked:
            windows.setdefault(c.sentence.index * cap // max(n, 1), []).append(c)
        for w in sorted(windows):
            for c in windows[w]:
                if take(c):
                    break
    for c in ranked:
        if len(chosen) >= cap:
            break
        if c not in chosen:
            take(c)
    chosen = sorted(chosen, key=lambda c: -c.score)[:cap]
    return sorted(chosen, key=lambda c: c.sentence.index)


def evidence(
    index: SourceIndex,
    query: str,
    cues: list[str],
    fams: list[str],
    cap: int,
    *,
    interviewers: dict[int, str | None] | None = None,
    answers: set[int] | None = None,
    others: list[re.Pattern[str]] | None = None,
    min_lift: float | None = None,
) -> list[Scored]:
    """Sentences that bear on a scorecard criterion. In an interview only the candidate's words count
    (never the interviewer's questions); the answer to the question about the criterion comes first, weak
    answers included ("I'm not sure how I'd break it down"), and a sentence that is plainly about another
    criterion (its cues, none of ours) counts less here. With `min_lift`, a sentence that is not an answer
    to the criterion's question must stand that far above its document's background (`SourceIndex.lift`)."""
    rel, overlap = index.relevance(query)
    lift = index.lift(query, similarity(index, query)) if min_lift is not None else [0.0] * len(rel)
    pats = C.cue_patterns(cues)
    interviewers, answers, others = interviewers or {}, answers or set(), others or []
    out = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        iv = interviewers.get(s.doc_index)
        if iv is not None and s.speaker == iv:
            continue
        cue_n = C.cue_count(s.text, pats)
        answer = s.index in answers
        if not (cue_n or answer or (rel[k] >= 0.4 and overlap[k] >= 2)):
            continue
        if min_lift is not None and not answer and lift[k] < min_lift:
            continue
        hits = C.family_hits(s.text, fams)
        speaker_bonus = 0.3 if iv is None and s.speaker and s.speaker == index.main_speaker.get(s.doc_index) else 0.0
        score = 1.5 * rel[k] + 0.8 * min(cue_n, 2) + 0.4 * bool(hits) + length_factor(s.words) + speaker_bonus
        if answer:
            score += 1.0 + 0.5 * C.is_hedge(s.text) + 0.3 * bool(_I_RE.search(s.text))
        if not cue_n and any(p.search(s.text) for p in others):
            score -= 0.8
        out.append(Scored(score, s, hits, lift[k]))
    out.sort(key=lambda x: (-x.score, x.sentence.index))
    if interviewers and out:
        out = [c for c in out if c.score >= EVIDENCE_FLOOR * out[0].score]
    return pick(index, out, cap)


def describe(index: SourceIndex, picked: list[Scored]) -> str:
    parts = []
    for c in picked:
        s = c.sentence
        words = C.clean(s.text).split()
        gist = " ".join(words[:14]) + ("..." if len(words) > 14 else "")
        who = " ".join(x for x in (s.speaker, timestamp(s.start)) if x)
        parts.append(f'{who + ": " if who else ""}"{gist}"')
    return "; ".join(parts)
