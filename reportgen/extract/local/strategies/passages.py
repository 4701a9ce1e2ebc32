"""Passages to read: what the offline engine offers where it has no detector it can vouch for.

A key insight, a contrarian view or a summary needs judgement that sentence ranking does not
have: measured on real gold it was wrong for its section far more often than right. There the
engine writes no findings. A verdict or recommendation is the judgement itself, so it gets no
passages either (`genre.is_judgement`); no passage comes from an agreement (`genre.is_agreement`:
the clause model reads it), and a section quoting nobody in particular reads no podcast or show
(`genre.is_show`). It offers the few sentences most worth reading for the
section (at most `MAX_PASSAGES`), each quoted whole so grounding locates it, best first, and
only in the voice the SOP asks for (`roles.py`: the expert's answers, not the interviewer's
questions); or it says that nothing relevant was found. Which sections come here is the table
in `engine.py`; the numbers behind it are in docs/local-engine.md.
"""

from __future__ import annotations

import reportgen.extract.local.cues as C
import reportgen.extract.local.ranking as R
from reportgen.drafts import DraftPassage, DraftSection
from reportgen.extract.local import roles
from reportgen.extract.local.genre import JUDGEMENT_NOTE, is_agreement, is_judgement, is_show
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import Scored, pick, rank, section_query, similarity
from reportgen.extract.local.roles import Roles, Side, Voice
from reportgen.extract.local.strategies import prose, questions
from reportgen.sop import SectionSpec

MAX_PASSAGES = 3  # fewer, better: a reader checks three quotes, not ten
MIN_LIFT = R.MIN_LIFT
SEMANTIC = True  # lift from BM25 and embeddings: better on the fit half (0.55 vs 0.49 at 3.5 sd)
TOPICS_NOTE = ("Nothing offered: the offline engine's topic segmentation (strategies/topics.py) matched QMSum's "
               "topics no better than random sentences (strict F1 0.03, lenient 0.59 vs random 0.54).")
MAX_INTRODUCTIONS = 2  # a host's lines introducing the guest, in a section about the guest's background
RELATIVE_FLOOR = 0.4  # a passage scoring under this share of the best is not worth a reader's time


def section(index: SourceIndex, spec: SectionSpec, voice: Voice | None = None) -> DraftSection:
    """The section's passages to read, best first, and a note saying what they are (or that none was found)."""
    cast = roles.detect_all(index.sentences, len(index.documents))
    side = voice.side if voice else None
    fams = C.families_for(spec)
    if "topic" in fams:
        return DraftSection(section_id=spec.id, notes=[TOPICS_NOTE])
    if is_judgement(spec):
        return DraftSection(section_id=spec.id, notes=[JUDGEMENT_NOTE])
    # never an agreement's clauses (the CUAD model reads those), nor, where no side is asked for, a show's host and
    # guest alike: their talk is not about a subject under review (genre.py)
    skip = {di for di, d in enumerate(index.documents) if is_agreement(d) or (side is None and is_show(d))}
    picked = _choose(index, spec, fams, cast, voice, skip)
    passages = [DraftPassage(quote=c.sentence.text, role=cast[c.sentence.doc_index].label(
        c.sentence, voice, introducing="introduction" in c.hits)) for c in picked]
    return DraftSection(section_id=spec.id, passages=passages, notes=[_note(passages, cast, voice, side)])


def hands_out_tasks(spec: SectionSpec) -> bool:
    """A commitment section with a person to own each task is action items; follow-ups and questions to ask
    are not, and the language of commitment ("I'm going to Mexico next weekend") says nothing about them."""
    return any(f.type == "person" for f in spec.fields.values())


def _choose(index: SourceIndex, spec: SectionSpec, fams: list[str], cast: list[Roles],
            voice: Voice | None, skip: set[int]) -> list[Scored]:  # fmt: skip
    """The passages, from documents not in `skip`: left out before the cap, so a data room's deck still gets its
    places when its agreements rank higher."""
    side = voice.side if voice else None
    if "question" in fams:
        return [c for c in _lifted(index, spec, _open_questions(index, spec, cast, side))
                if c.sentence.doc_index not in skip]
    if spec.kind == "prose" and "summary" in fams:
        return [c for c in _lifted(index, spec, _summary(index, spec, fams)) if c.sentence.doc_index not in skip]
    if not hands_out_tasks(spec):
        fams = [f for f in fams if f != "commitment"]
    ranked = rank(index, spec, fams, section_query(spec), spec.cues, semantic=SEMANTIC)
    first = _introductions(index, cast) if side == "guest" and "background" in fams and any(
        r.known for r in cast) else []
    taken = {c.sentence.index for c in first}
    # a question asserts nothing: it is never a passage outside a questions section
    allowed = [c for c in ranked if c.sentence.index not in taken and c.lift >= MIN_LIFT
               and c.sentence.doc_index not in skip
               and not c.sentence.is_question and cast[c.sentence.doc_index].allows(c.sentence, side)]  # fmt: skip
    if allowed:
        allowed = [c for c in allowed if c.score >= RELATIVE_FLOOR * allowed[0].score]
    rest = sorted(pick(index, allowed, MAX_PASSAGES - len(first)), key=lambda c: (-c.score, c.sentence.index))
    return first + rest


def _lifted(index: SourceIndex, spec: SectionSpec, found: list[Scored]) -> list[Scored]:
    """Open questions and summary picks that are also clearly about the section (`MIN_LIFT`): a podcast's
    "I don't know what I think about that" says "I don't know" but leaves nothing open for a reader."""
    if not found:
        return found
    query = section_query(spec)
    lift = index.lift(query, similarity(index, query) if SEMANTIC else None)
    at = {i: k for k, i in enumerate(index.candidates)}
    return [c for c in found if c.sentence.index in at and lift[at[c.sentence.index]] >= MIN_LIFT]


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


def _open_questions(index: SourceIndex, spec: SectionSpec, cast: list[Roles], side: Side | None) -> list[Scored]:
    """Questions left open and questions nobody answered (strategies/questions.py), one sentence each."""
    by_text = {s.text: s for s in index.sentences}
    out: list[Scored] = []
    for item in questions.section(index, spec):
        s = by_text.get(item.quotes[0]) if item.quotes else None
        # only what is said to be open ("we still don't know", "TBD"): a question nobody answered is, in a
        # podcast or an interview, mostly rhetorical ("Who cares if I can write a rap lyric?")
        if s is None or s.is_question or not C.family_hits(s.text, ["question"]):
            continue
        if side != "host" or cast[s.doc_index].allows(s, side):
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
    if not passages and side is not None and voice is not None and not any(r.known for r in cast):
        wanted, others = (voice.guest, voice.host) if side == "guest" else (voice.host, voice.guest)
        return (f"Nothing offered: this section quotes the {wanted}, and without speaker labels (or with no clear "
                f"{voice.host} and {voice.guest}) the {wanted}'s words cannot be told from the {others}'s.")
    if not passages:
        return ("No findings: the offline engine has no detector of measured quality for this section, and "
                "nothing in the sources reads as clearly relevant to it.")
    who = ""
    if side is not None and voice is not None:
        wanted = voice.guest if side == "guest" else voice.host
        if any(r.known for r in cast):
            others = voice.host if side == "guest" else voice.guest
            intro = f" (and the {others}'s introduction of them)" if any(
                p.role and "introducing" in p.role for p in passages) else ""
            who = f" Passages are the {wanted}'s words{intro}; the {others}'s are left out."
        else:
            who = f" Passages are the {wanted}'s words only."
    return f"No findings: the offline engine has no detector of measured quality for this section.{who}"
