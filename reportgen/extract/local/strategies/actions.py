"""Action items: one item per task, however many sentences it took to hand it out.

Which sentences are tasks is the learned detector's call (`detectors.py`, trained on AMI): the
cue rules propose and group ("Sam, can you...?" + "Sure, by Friday" is one task), and a task is
kept only when the detector's calibrated probability for one of its sentences reaches the
trained threshold; sentences the detector finds that no rule proposed become tasks of their own,
worded as a clean statement of the quote (`wording.Wording`), and so is a one-sentence rule task kept
on the detector's word alone (an explicit one keeps the rule's wording). Each item's `score` is that
probability, so the evals can rank by it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import reportgen.extract.local.cues as C
import reportgen.extract.local.detectors as D
from reportgen.dates import due_date
from reportgen.drafts import DraftItem
from reportgen.extract.local.fields import fill_item, main_text_field, owner_fields, task_of
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS, item_cap, pick, rank, section_query
from reportgen.extract.local.sentences import Sentence
from reportgen.extract.local.wording import Wording
from reportgen.sop import SectionSpec
from reportgen.text import terms


@dataclass
class _Task:
    item: DraftItem
    sentences: list[Sentence]
    kind: str  # how the first sentence commits: named | self | addressee | team | "" (see cues.commitment_subject)
    owner: str | None
    request: bool  # "Sam, can you ...?": waiting for the person asked to take it
    score: float


def _follows(a: Sentence, b: Sentence, within: int = 3) -> bool:
    return a.doc_index == b.doc_index and 0 < b.index - a.index <= within


def _is_iso(value: object) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def _task_words(index: SourceIndex, t: _Task) -> set[str]:
    said = set().union(*(index.toks[s.index] for s in t.sentences))
    written = {w for v in t.item.fields.values() if isinstance(v, str) for w in terms(v)}
    return (said | written) - _GENERIC_TASK_WORDS - _people_words(index, t.sentences[0].doc_index)


def _people_words(index: SourceIndex, di: int) -> set[str]:
    """Speakers' names: "Yusuf" in two requests to Yusuf says they are for the same person, not the same task."""
    return {w for label in index.documents[di].speakers for w in terms(label)}


_GENERIC_TASK_WORDS = frozenset(terms("need take make sure do done next launch week friday meeting team "
                                               "today tomorrow monday sync first"))  # fmt: skip


def _take_over(spec: SectionSpec, t: _Task, s: Sentence, index: SourceIndex) -> None:
    """`s` (someone saying "I'll ...") takes the task `t` that was asked for or needed: owner = who took it."""
    for name in owner_fields(spec):
        t.item.fields[name] = s.speaker
    t.owner = s.speaker
    t.request = False
    t.item.flags = [f for f in t.item.flags if not f.startswith("owner-guessed")]
    _absorb_date(spec, t, s, index)
    t.item.quotes.append(s.text)
    t.sentences.append(s)


def _absorb_date(spec: SectionSpec, t: _Task, s: Sentence, index: SourceIndex) -> None:
    for name, f in spec.fields.items():
        if f.type == "date" and not _is_iso(t.item.fields.get(name)):
            value, _ = due_date(s.text, index.dates[s.doc_index])
            if value is not None and (t.item.fields.get(name) is None or _is_iso(value)):
                t.item.fields[name] = value


def section(index: SourceIndex, spec: SectionSpec, detector: D.Detector | None = None) -> list[DraftItem]:
    """Commitments grouped into tasks, kept when the detector says so (see the module doc); `detector`
    is the shipped one unless a trainer passes its own."""
    det = detector or D.load("action")
    probs = D.probabilities(index, "action", det)
    tasks = _rule_tasks(index, spec)
    wording = Wording(index)
    roles = wording.roles
    main = main_text_field(spec)
    kept: list[_Task] = []
    taken: set[int] = set()
    for t in tasks:
        taken.update(s.index for s in t.sentences)
        p = max((probs[s.index] or 0.0 for s in t.sentences), default=0.0)
        explicit = _explicit(spec, t)
        if p >= det.threshold or explicit:
            t.score = p
            t.item.score = round(p, 4)
            if not explicit and main is not None and len(t.sentences) == 1:
                t.item.fields[main] = wording.of(t.sentences[0])  # kept on the detector's word: worded as its own
            else:
                _name_role(t, roles, main)
            kept.append(t)
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    new = [f for f in D.choose(index, probs, det.threshold, cap) if f.sentence.index not in taken]
    for run in D.runs(new, det.merge):
        s = run[0].sentence
        item = fill_item(index, spec, fams, s)
        if main is not None:
            item.fields[main] = " ".join(wording.of(f.sentence) for f in run)
        item.quotes = list(dict.fromkeys([*item.quotes, *(f.sentence.text for f in run)]))
        p = max(f.probability for f in run)
        item.score = round(p, 4)
        kept.append(_Task(item, [f.sentence for f in run], C.commitment_subject(s.text), s.speaker, False, p))
    best = sorted(kept, key=lambda t: (-t.score, t.sentences[0].index))[:cap]
    return [t.item for t in sorted(best, key=lambda t: t.sentences[0].index)]


def _explicit(spec: SectionSpec, t: _Task) -> bool:
    """A task nobody could read otherwise: one for a person named, "I" with a deadline ("I'll send it by
    Wednesday"), or a request or a need someone else took on. AMI's design meetings hardly ever say these,
    so the detector never learned them; kept whatever it says (its probability is still the item's score)."""
    if t.kind == "named":
        return True  # "Marco will draft the press release", "Could you check the leave requests, Yusuf?"
    dated = any(f.type == "date" and t.item.fields.get(n) for n, f in spec.fields.items())
    taken = len({s.speaker for s in t.sentences}) > 1 and t.owner is not None  # "we need to..." + "Let me"
    return not t.request and (taken or dated and t.kind in ("self", "addressee"))


def _name_role(t: _Task, roles: dict[tuple[int, str], str], main: str | None) -> None:
    """"I'll look at the buttons" by the speaker who said "I'm the industrial designer" is the industrial
    designer's task: the task names them as the meeting did."""
    s = t.sentences[0]
    role = roles.get((s.doc_index, s.speaker or ""))
    value = t.item.fields.get(main) if main is not None else None
    if role and t.kind == "self" and isinstance(value, str) and value and main is not None:
        t.item.fields[main] = f"The {role} will {value[:1].lower()}{value[1:]}"


def _rule_tasks(index: SourceIndex, spec: SectionSpec) -> list[_Task]:
    """Commitments grouped into tasks: a request and its acceptance, a need and whoever takes it, and a
    speaker's claim followed by its details ("I can take the guide. I'll have a draft by Wednesday.") are
    one task each, with every quote kept."""
    fams = C.families_for(spec)
    cap = item_cap(spec, DEFAULT_MAX_ITEMS)
    ranked = rank(index, spec, fams, section_query(spec), spec.cues)
    picked = pick(index, ranked, cap * 2)
    main = main_text_field(spec)
    tasks: list[_Task] = []
    by_sentence: dict[int, _Task] = {}

    def new_task(s: Sentence, score: float) -> _Task:
        item = fill_item(index, spec, fams, s)
        owner = next((item.fields.get(n) for n in owner_fields(spec)), s.speaker)
        t = _Task(item, [s], C.commitment_subject(s.text), owner, C.is_request(s.text), score)
        tasks.append(t)
        by_sentence[s.index] = t
        return t

    for c in picked:
        s = c.sentence
        if s.index in by_sentence:
            continue
        if C.is_acceptance(s.text):
            # "Sure, I can take that": the task is the request just before; the owner is whoever accepted.
            req = index.neighbour(s, -1, other_speaker=True, span=2)
            if req is None:
                continue
            t = by_sentence.get(req.index) or new_task(req, c.score)
            _take_over(spec, t, s, index)
            by_sentence[s.index] = t
            continue
        kind = C.commitment_subject(s.text)
        near = [t for t in tasks if _follows(t.sentences[-1], s)]
        prev = near[-1] if near else None
        words = set(index.toks[s.index]) - _GENERIC_TASK_WORDS - _people_words(index, s.doc_index)
        if prev is not None and kind == "self" and s.speaker and s.speaker != prev.sentences[0].speaker:
            asked = prev.request and prev.owner in (s.speaker, None)
            needed = prev.kind == "team" and bool(words & _task_words(index, prev))
            if asked or needed:
                _take_over(spec, prev, s, index)  # "Sam, can you...?" / "we need to..." + "Yes, I'll ..."
                prev.score = max(prev.score, c.score)
                by_sentence[s.index] = prev
                continue
        if (
            prev is not None
            and kind == "self"
            and prev.kind == "self"
            and prev.sentences[-1].speaker == s.speaker
            and s.index - prev.sentences[-1].index == 1
            and (words & _task_words(index, prev) or prev.sentences[-1].words <= 6)
            and main is not None
        ):
            # "I can take the guide. I'll have a first draft to Daniel by next Wednesday." is one task.
            more, _ = task_of(index, s)
            prev.item.fields[main] = f"{prev.item.fields[main]}; {more[:1].lower()}{more[1:]}"
            _absorb_date(spec, prev, s, index)
            prev.item.quotes.append(s.text)
            prev.sentences.append(s)
            prev.score = max(prev.score, c.score)
            by_sentence[s.index] = prev
            continue
        t = new_task(s, c.score)
        if prev is not None and prev.owner is not None and prev.owner == t.owner and words & _task_words(index, prev):
            # The same person's task said twice nearby ("we need to train the team" / "Sam, can you ... training")
            # is one item; the more explicit wording (a request or "I'll") names it.
            tasks.remove(t)
            keep_new = prev.kind == "team" and kind != "team"
            if keep_new and main is not None:
                prev.item.fields[main] = t.item.fields[main]
                prev.item.flags = [f for f in prev.item.flags if not f.startswith("owner-guessed")]
                prev.kind, prev.request = kind, t.request
            _absorb_date(spec, prev, s, index)
            prev.item.quotes.append(s.text)
            prev.sentences.append(s)
            prev.score = max(prev.score, c.score)
            by_sentence[s.index] = prev
    for t in tasks:
        if t.request:
            _short_reply(index, spec, t)
    return tasks


def _short_reply(index: SourceIndex, spec: SectionSpec, t: _Task) -> None:
    """A request still waiting for its taker ("Could you also check the invoices, Yusuf?") is taken by the next
    speaker's yes when that is the person asked, however short the yes ("Will do, by Thursday.", "On it."),
    and its deadline is the one said with the yes. Such replies are too short to be ranked, so look directly."""
    req = t.sentences[-1]
    for j in range(req.index + 1, min(req.index + 4, len(index.sentences))):
        s = index.sentences[j]
        if s.doc_index != req.doc_index:
            return
        if s.speaker == req.speaker or not s.speaker:
            continue
        if t.owner not in (None, s.speaker) and t.kind != "addressee":
            return  # someone else answered the request made to a named person
        if not (C.is_short_acceptance(s.text) or C.commitment_subject(s.text) == "self"):
            return
        for name in owner_fields(spec):
            t.item.fields[name] = s.speaker
        t.owner, t.request = s.speaker, False
        t.item.flags = [f for f in t.item.flags if not f.startswith("owner-guessed")]
        _absorb_date(spec, t, s, index)
        if index.unique(s):  # "Sure." said five times cannot be located: keep only the request's quote
            t.item.quotes.append(s.text)
            t.sentences.append(s)
        return
