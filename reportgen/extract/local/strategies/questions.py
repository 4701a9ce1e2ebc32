"""Open questions: said to be open, or asked and never answered."""

from __future__ import annotations

import re

import reportgen.extract.local.cues as C
from reportgen.drafts import DraftItem
from reportgen.extract.local.fields import fill_item, main_text_field
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS, Scored, item_cap, length_factor, pick, section_query
from reportgen.extract.local.sentences import Sentence
from reportgen.sop import SectionSpec
from reportgen.text import is_backchannel


def _reply(index: SourceIndex, s: Sentence, span: int = 4) -> Sentence | None:
    """The first thing someone else said after `s` (any length: "Go ahead." answers a question)."""
    for j in range(s.index + 1, min(len(index.sentences), s.index + 1 + span)):
        n = index.sentences[j]
        if n.doc_index != s.doc_index:
            return None
        if s.speaker is None or n.speaker != s.speaker:
            return n
    return None


_TAG_QUESTION_RE = re.compile(
    r"(?:,\s*|\b)(?:right|yeah|okay|isn['\u2019]t it|aren['\u2019]t they|don['\u2019]t you think|wouldn['\u2019]t you|"
    r"no|eh|huh)\s*\?$",
    re.IGNORECASE,
)
_WH_RE = re.compile(r"^(?:\W*\w+,\s*)?(?:who|what|when|where|why|how|which)\b", re.IGNORECASE)


def _answered(index: SourceIndex, s: Sentence) -> bool:
    """A reply answers a question unless it says nobody knows; "Yeah." answers a yes/no question only."""
    reply = _reply(index, s)
    if reply is None:
        return False
    if s.speaker is None:
        return not reply.is_question
    if is_backchannel(reply.text):
        return not _WH_RE.search(C.clean(s.text))
    return not C.is_non_answer(reply.text)


def section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """Questions explicitly left open ("one open question is", "we still don't know", "nobody has asked") and
    questions nobody answered; a question asked and answered in the next turn is not open."""
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    rel, _ = index.relevance(section_query(spec))
    pats = C.cue_patterns(spec.cues)
    scored: list[Scored] = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        if C.is_request(s.text):
            continue  # "Priya, can you check the logs?" is a task
        explicit = bool(C.family_hits(s.text, ["question"]))
        cue = C.cue_count(s.text, pats) > 0
        if s.is_question:
            if _answered(index, s) or _TAG_QUESTION_RE.search(s.text):
                continue  # answered, or "..., right?" which checks rather than asks
            score = 1.5 + (1.0 if explicit or cue else 0.0)
        elif explicit:
            score = 2.5
        elif cue and not C.is_non_answer(s.text):
            score = 1.0
        else:
            continue
        scored.append(Scored(score + 0.5 * rel[k] + length_factor(s.words), s, ["question"]))
    scored.sort(key=lambda x: (-x.score, x.sentence.index))
    picked = pick(index, scored, cap * 2)
    groups: list[list[Sentence]] = []
    for c in picked:
        s = c.sentence
        last = groups[-1][-1] if groups else None
        # "One open question is X. Does anyone know?" / "I don't know. Nobody has asked finance yet." is one item
        if last is not None and last.doc_index == s.doc_index and s.index - last.index <= 3:
            groups[-1].append(s)
        else:
            groups.append([s])
    groups = groups[:cap]
    main = main_text_field(spec) or "text"
    items = []
    for g in groups:
        if spec.fields:
            item = fill_item(index, spec, fams, g[0])
            item.quotes = list(dict.fromkeys(item.quotes + [s.text for s in g[1:]]))
        else:
            item = DraftItem(fields={main: C.clean(g[0].text)}, quotes=[s.text for s in g])
        items.append(item)
    return items
