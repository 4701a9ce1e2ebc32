"""Scorecards: one row per criterion, not rated (a reviewer rates), with the candidate's passages to read for it.

The offline engine cannot judge an answer against a rubric, so a row claims nothing: its evidence
is offered as passages (`DraftPassage.criterion`), never as the row's citations.
"""

from __future__ import annotations

import re
from collections import Counter

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem, DraftPassage, DraftSection
from reportgen.extract.local import roles
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import EVIDENCE_PER_CRITERION, MIN_LIFT, Scored, evidence
from reportgen.sop import Criterion, SectionSpec
from reportgen.text import terms


def _interviewer(index: SourceIndex, di: int, cast: roles.Roles) -> str | None:
    """The interviewer (`roles.py`: asks, talks less, opens the interview); without clear roles, the speaker who
    asks most questions or gives most prompts ("Tell me about ..."); None when there is no such speaker
    (a monologue, or two people asking as much as each other)."""
    if len(cast.hosts) == 1:
        return next(iter(cast.hosts))
    speakers = {s.speaker for s in index.sentences if s.doc_index == di and s.speaker}
    asks = Counter(s.speaker for s in index.sentences if s.doc_index == di and s.speaker and C.is_prompt(s.text))
    top = asks.most_common(2)
    if len(speakers) < 2 or not top or (len(top) > 1 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


def _prompt_score(text: str, crit: Criterion, crit_terms: set[str], prompts: list[re.Pattern[str]]) -> float:
    """How much an interviewer's question asks about a criterion: shared terms with its name and question,
    its cue phrases, and the usual way that competency is probed."""
    cues = sum(1 for p in C.cue_patterns(crit.cues) if p.search(text))
    return len(crit_terms.intersection(terms(text))) + cues + 1.5 * any(p.search(text) for p in prompts)


def _answers(index: SourceIndex, spec: SectionSpec, interviewers: dict[int, str | None]) -> dict[str, set[int]]:
    """Per criterion, the candidate's sentences answering the interviewer's questions about it: each question
    goes to the criterion it asks about most, and its answer runs to the interviewer's next question."""
    crits = [
        (c, set(terms(f"{c.id.replace('_', ' ')} {c.name} {c.question}")),
         C.competency_prompts(f"{c.id.replace('_', ' ')} {c.name}") or C.competency_prompts(c.question))
        for c in spec.criteria
    ]  # fmt: skip
    out: dict[str, set[int]] = {c.id: set() for c in spec.criteria}
    current: str | None = None
    for s in index.sentences:
        iv = interviewers.get(s.doc_index)
        if iv is None:
            current = None
            continue
        if s.speaker == iv:
            if C.is_prompt(s.text):
                scored = [(_prompt_score(s.text, c, words, prompts), c.id) for c, words, prompts in crits]
                best = max(scored, default=(0.0, None))
                current = best[1] if best[0] >= 1.0 else None
            continue
        if current is not None and s.speaker:
            out[current].add(s.index)
    return out


def section(index: SourceIndex, spec: SectionSpec, voice: roles.Voice | None = None) -> DraftSection:
    """One unrated row per criterion and, for each, the candidate's answers to the interviewer's questions
    about it as passages to read, weak ones included; never the interviewer's own words."""
    cast = roles.detect_all(index.sentences, len(index.documents))
    interviewers = {di: _interviewer(index, di, cast[di]) for di in range(len(index.documents))}
    answers = _answers(index, spec, interviewers)
    cue_sets = {c.id: C.cue_patterns(c.cues) for c in spec.criteria}
    side = voice.side if voice else "guest"
    items, passages = [], []
    for crit in spec.criteria:
        query = f"{crit.name} {crit.question} {' '.join(crit.cues)}"
        others = [p for cid, pats in cue_sets.items() if cid != crit.id for p in pats]
        picked = evidence(index, query, crit.cues, ["strength", "risk", "insight"], EVIDENCE_PER_CRITERION,
                           interviewers=interviewers, answers=answers[crit.id], others=others,
                          min_lift=MIN_LIFT)  # fmt: skip
        picked = [c for c in picked if cast[c.sentence.doc_index].allows(c.sentence, side)]
        items.append(_criterion_item(crit, picked))
        for c in picked:
            role = cast[c.sentence.doc_index].label(c.sentence, voice) if voice else None
            passages.append(DraftPassage(quote=c.sentence.text, criterion=crit.id, role=role))
    return DraftSection(section_id=spec.id, items=items, passages=passages)


def _criterion_item(crit: Criterion, picked: list[Scored]) -> DraftItem:
    if picked:
        these = f"the {len(picked)} passages" if len(picked) > 1 else "the passage"
        rationale = (
            f"Not rated: the offline engine does not judge answers against the rubric. Read {these} on "
            f"\u201c{crit.question}\u201d and rate it."
        )
    else:
        rationale = (
            f"Not rated: nothing in the sources bears on \u201c{crit.question}\u201d. "
            "Ask about it, or rate it from other evidence."
        )
    return DraftItem(fields={"criterion": crit.id, "name": crit.name, "rating": None, "band": None,
                             "rationale": rationale})  # fmt: skip
