"""Passages to read: what the offline engine offers where it has no detector it can vouch for.

A key insight, a contrarian view, a verdict or a summary needs judgement that sentence ranking
does not have: measured on real gold it was wrong for its section far more often than right.
There the engine writes no findings. It offers the few sentences most worth reading for the
section (at most `MAX_PASSAGES`), each quoted whole so grounding locates it, best first, and
only in the voice the SOP asks for (`roles.py`: the expert's answers, not the interviewer's
questions); or it says that nothing relevant was found. Which sections come here is the table
in `engine.py`; the numbers behind it are in docs/local-engine.md.
"""

from __future__ import annotations

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftPassage, DraftSection
from reportgen.extract.local import roles
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import EVIDENCE_PER_CRITERION, Scored, evidence, pick, rank, section_query
from reportgen.extract.local.roles import Roles, Side, Voice
from reportgen.extract.local.strategies import prose, questions, topics
from reportgen.sop import SectionSpec

MAX_PASSAGES = 5
MAX_INTRODUCTIONS = 2  # a host's lines introducing the guest, in a section about the guest's background
RELATIVE_FLOOR = 0.4  # a passage scoring under this share of the best is not worth a reader's time


def section(index: SourceIndex, spec: SectionSpec, voice: Voice | None = None) -> DraftSection:
    """The section's passages to read, best first, and a note saying what they are (or that none was found)."""
    cast = roles.detect_all(index.sentences, len(index.documents))
    side = voice.side if voice else None
    fams = C.families_for(spec)
    picked = _choose(index, spec, fams, cast, voice)
    passages = [DraftPassage(quote=c.sentence.text, role=cast[c.sentence.doc_index].label(
        c.sentence, voice, introducing="introduction" in c.hits)) for c in picked]
    return DraftSection(section_id=spec.id, passages=passages, notes=[_note(passages, cast, voice, side)])


def hands_out_tasks(spec: SectionSpec) -> bool:
    """A commitment section with a person to own each task is action items; follow-ups and questions to ask
    are not, and the language of commitment ("I'm going to Mexico next weekend") says nothing about them."""
    return any(f.type == "person" for f in spec.fields.values())


def _choose(index: SourceIndex, spec: SectionSpec, fams: list[str], cast: list[Roles],
            voice: Voice | None) -> list[Scored]:  # fmt: skip
    side = voice.side if voice else None
    if "topic" in fams:
        return _topic_openers(index)
    if "question" in fams:
        return _open_questions(index, spec, cast, side)
    if spec.kind == "prose" and "summary" in fams:
        return _summary(index, spec, fams)
    if spec.kind == "verdict":
        hosts: dict[int, str | None] = {di: next(iter(r.hosts)) for di, r in enumerate(cast) if len(r.hosts) == 1}
        found = evidence(index, section_query(spec), spec.cues, fams, EVIDENCE_PER_CRITERION, interviewers=hosts)
        return [c for c in found if cast[c.sentence.doc_index].allows(c.sentence, side)]
    if not hands_out_tasks(spec):
        fams = [f for f in fams if f != "commitment"]
    ranked = rank(index, spec, fams, section_query(spec), spec.cues)
    first = _introductions(index, cast) if side == "guest" and "background" in fams else []
    taken = {c.sentence.index for c in first}
    allowed = [c for c in ranked
               if c.sentence.index not in taken and cast[c.sentence.doc_index].allows(c.sentence, side)]  # fmt: skip
    if allowed:
        allowed = [c for c in allowed if c.score >= RELATIVE_FLOOR * allowed[0].score]
    rest = sorted(pick(index, allowed, MAX_PASSAGES - len(first)), key=lambda c: (-c.score, c.sentence.index))
    return first + rest


def _introductions(index: SourceIndex, cast: list[Roles]) -> list[Scored]:
    """Who the guest is is often best said by the host at the start ("Before that, he was a machine learning
    engineer at Stitch Fix"): the opening's most telling lines about the guest come first, at most
    `MAX_INTRODUCTIONS`, before the guest's own account of their background."""
    found = []
    for i in index.candidates:
        s = index.sentences[i]
        strength = cast[s.doc_index].introduces_guest(s)
        if strength:
            found.append(Scored(float(strength), s, ["introduction"]))
    found.sort(key=lambda c: (-c.score, c.sentence.index))
    return sorted(pick(index, found, MAX_INTRODUCTIONS), key=lambda c: (-c.score, c.sentence.index))


def _topic_openers(index: SourceIndex) -> list[Scored]:
    """Where each stretch of the conversation starts (strategies/topics.py), spread over the documents."""
    out: list[Scored] = []
    docs = range(len(index.documents))
    per_doc = max(1, MAX_PASSAGES // max(1, len(index.documents)))
    cands = set(index.candidates)
    for di in docs:
        idxs = [s.index for s in index.sentences if s.doc_index == di]
        found = topics.find_topics(index.sentences, index.toks, idxs, cands, cap=max(per_doc, topics.MIN_TOPICS))
        openers = [index.sentences[t.sentence] for t in found]
        out += [Scored(1.0, s, ["topic"]) for s in openers if index.unique(s)]
    return out[:MAX_PASSAGES]


def _open_questions(index: SourceIndex, spec: SectionSpec, cast: list[Roles], side: Side | None) -> list[Scored]:
    """Questions left open and questions nobody answered (strategies/questions.py), one sentence each."""
    by_text = {s.text: s for s in index.sentences}
    out: list[Scored] = []
    for item in questions.section(index, spec):
        s = by_text.get(item.quotes[0]) if item.quotes else None
        if s is not None and (side != "host" or cast[s.doc_index].allows(s, side)):
            out.append(Scored(1.0, s, ["question"]))
    return out[:MAX_PASSAGES]


def _summary(index: SourceIndex, spec: SectionSpec, fams: list[str]) -> list[Scored]:
    """What a summary would be written from: why the meeting was held, what was decided, the main risk,
    then its most central sentences (strategies/prose.py), over every document."""
    docs = sorted({index.sentences[i].doc_index for i in index.candidates})
    per_doc = max(1, MAX_PASSAGES // max(1, len(docs)))
    out: list[Scored] = []
    for di in docs:
        out += prose.summary_picks(index, spec, di, fams, per_doc)
    return out[:MAX_PASSAGES]


def _note(passages: list[DraftPassage], cast: list[Roles], voice: Voice | None, side: Side | None) -> str:
    """Why the section holds no findings, and whose words its passages are; the renderers say what passages are."""
    if not passages:
        return ("No findings: the offline engine has no detector of measured quality for this section, and "
                "nothing in the sources reads as relevant to it.")
    who = ""
    if side is not None and voice is not None:
        wanted = voice.guest if side == "guest" else voice.host
        if any(r.known for r in cast):
            others = voice.host if side == "guest" else voice.guest
            intro = f" (and the {others}'s introduction of them)" if any(
                p.role and "introducing" in p.role for p in passages) else ""
            who = f" Passages are the {wanted}'s words{intro}; the {others}'s are left out."
        elif side == "guest":
            who = (f" The speakers could not be told apart, so questions and introductions are left out, but a "
                   f"passage may still be the {voice.host}'s words rather than the {wanted}'s.")
    return f"No findings: the offline engine has no detector of measured quality for this section.{who}"
