"""The offline `local` engine: every section filled with sentences quoted verbatim from the sources.

It is what a first-time user sees when no LLM is configured, so it aims to be useful rather
than clever: it ranks sentences per section (BM25 over what the SOP says, plus the SOP's cue
phrases and the cue families in `cues.py`), fills fields with simple, explainable rules
(owner from the speaker or the person named, due dates from date phrases, figures with units)
and never invents: a scorecard stays *not rated* and a verdict undecided, with the evidence
listed. Quotes are exact spans of `Document.text`, so grounding locates every one exactly.
See docs/local-engine.md.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date

from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz

from reportgen.clock import clock
from reportgen.dates import due_date, meeting_date
from reportgen.drafts import DraftItem, DraftSection
from reportgen.extract import cues as C
from reportgen.extract.base import Run
from reportgen.extract.clauses import KINDS, clause_values, find_clauses
from reportgen.extract.figures import Figure, best_figure, find_figures, metric_name
from reportgen.extract.sentences import Sentence, split_sentences
from reportgen.extract.terms import content_tokens
from reportgen.extract.topics import find_topics
from reportgen.models import Document
from reportgen.sop import Criterion, FieldSpec, SectionSpec

DEFAULT_MAX_ITEMS = 10
SUMMARY_SENTENCES = 5
EVIDENCE_PER_CRITERION = 3
EVIDENCE_FLOOR = 0.75  # in an interview, evidence scoring under this share of the best is left out
_I_RE = re.compile(r"\bI\b")  # the candidate's own doing ("I stayed calm") rather than the scene ("we had an outage")
MIN_WORDS = 5  # shorter sentences are never items ("Sounds good.")
# Families whose language is specific enough that an item must show it (or an SOP cue).
_STRICT_FAMILIES = {"commitment", "decision", "question", "figure", "advice", "contrarian"}


def _timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return clock(seconds)


@dataclass
class SourceIndex:
    """Everything the engine precomputes once per run over all documents."""

    documents: list[Document]
    sentences: list[Sentence]
    toks: list[list[str]]
    candidates: list[int]  # indices of sentences that may become items
    bm25: BM25Okapi | None
    centrality: list[float]
    dates: list[date | None]
    main_speaker: dict[int, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, documents: list[Document], meeting: date | None = None) -> SourceIndex:
        """`meeting` is the report's date, for documents that carry no date of their own."""
        sentences = split_sentences(documents)
        toks = [content_tokens(s.text) for s in sentences]
        ends = [s.text.rstrip("\"')\u201d\u2019").endswith((".", "!", "?")) for s in sentences]
        punctuated = {s.doc_index for s, e in zip(sentences, ends, strict=True) if e}
        candidates = [
            i
            for i, s in enumerate(sentences)
            if s.words >= MIN_WORDS
            and not C.is_filler(s.text)
            # a short run without an ending in punctuated text is a false start ("N with regard to the")
            and (ends[i] or s.words >= 8 or s.doc_index not in punctuated)
        ]
        bm25 = BM25Okapi([toks[i] or ["\0"] for i in candidates]) if candidates else None
        dates = [meeting_date(d.meta.get("date")) or meeting for d in documents]
        index = cls(documents, sentences, toks, candidates, bm25, _centrality(sentences, toks), dates)
        for di in range(len(documents)):
            words: Counter[str] = Counter()
            for s in sentences:
                if s.doc_index == di and s.speaker:
                    words[s.speaker] += s.words
            index.main_speaker[di] = words.most_common(1)[0][0] if len(words) > 1 else None
        return index

    def relevance(self, query: str) -> tuple[list[float], list[int]]:
        """Per candidate: BM25 score normalised to [0, 1], and how many distinct query terms it shares."""
        q = list(dict.fromkeys(content_tokens(query)))
        if not q or self.bm25 is None:
            return [0.0] * len(self.candidates), [0] * len(self.candidates)
        raw = self.bm25.get_scores(q)
        top = max(float(raw.max()), 1e-9)
        qs = set(q)
        overlap = [len(qs.intersection(self.toks[i])) for i in self.candidates]
        return [max(0.0, float(r)) / top for r in raw], overlap

    def unique(self, s: Sentence) -> bool:
        """A quote that occurs twice in its document would be ambiguous to locate: skip it."""
        return self.documents[s.doc_index].text.count(s.text) == 1

    def neighbour(self, s: Sentence, step: int, *, other_speaker: bool | None = None, span: int = 3) -> Sentence | None:
        for k in range(1, span + 1):
            j = s.index + step * k
            if not 0 <= j < len(self.sentences):
                return None
            n = self.sentences[j]
            if n.doc_index != s.doc_index:
                return None
            if n.words < MIN_WORDS or C.is_filler(n.text):
                continue
            if other_speaker is None or (n.speaker != s.speaker) == other_speaker:
                return n
            if other_speaker is False:
                return None  # the speaker changed: the same speaker's next sentence is not near
        return None


def _centrality(sentences: list[Sentence], toks: list[list[str]]) -> list[float]:
    """How much a sentence is about what its document is about (frequent, not ubiquitous terms)."""
    out = [0.0] * len(sentences)
    by_doc: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        by_doc.setdefault(s.doc_index, []).append(i)
    for idxs in by_doc.values():
        df: Counter[str] = Counter()
        for i in idxs:
            df.update(set(toks[i]))
        n = len(idxs)
        weight = {t: math.log1p(c) for t, c in df.items() if c >= 2 and c <= max(3, 0.25 * n)}
        raw = [sum(weight.get(t, 0.0) for t in set(toks[i])) / (math.sqrt(len(toks[i])) + 1.0) for i in idxs]
        top = max(raw, default=0.0) or 1.0
        for i, r in zip(idxs, raw, strict=True):
            out[i] = r / top
    return out


def _length_factor(words: int) -> float:
    if words < 6:
        return -0.5
    if words > 60:
        return -0.4
    return 0.1 if 8 <= words <= 35 else 0.0


def _section_query(spec: SectionSpec) -> str:
    parts = [spec.title, spec.id.replace("_", " "), spec.instructions, " ".join(spec.cues)]
    parts += [f"{n} {f.description}" for n, f in spec.fields.items()]
    parts += [f"{c.name} {c.question} {' '.join(c.cues)}" for c in spec.criteria]
    return " ".join(parts)


@dataclass
class Scored:
    score: float
    sentence: Sentence
    hits: list[str]


def _rank(index: SourceIndex, spec: SectionSpec, fams: list[str], query: str, cues: list[str]) -> list[Scored]:
    """Candidates for a section, best first; only sentences that show some reason to be there."""
    rel, overlap = index.relevance(query)
    pats = C.cue_patterns(cues)
    strict = bool(_STRICT_FAMILIES.intersection(fams))
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
        cue_n = sum(1 for p in pats if p.search(s.text))
        fam_score = (1.5 if hits else 0.0) + 0.25 * max(0, len(hits) - 1)
        related = rel[k] >= 0.4 and overlap[k] >= 2
        eligible = cue_n > 0 or bool(hits) or (related and not strict)
        if not eligible:
            continue
        score = 1.2 * rel[k] + 1.0 * min(cue_n, 2) + fam_score + _length_factor(s.words) + 0.3 * index.centrality[i]
        out.append(Scored(score, s, hits))
    out.sort(key=lambda x: (-x.score, x.sentence.index))
    return out


def _pick(index: SourceIndex, ranked: list[Scored], cap: int, *, spread: bool = False) -> list[Scored]:
    """Top `cap`, no near-duplicates, no ambiguous quotes; `spread` takes the best of each stretch of a source."""
    chosen: list[Scored] = []
    seen: list[str] = []

    def take(c: Scored) -> bool:
        norm = " ".join(C.tokens(c.sentence.text))
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


# --- field filling -------------------------------------------------------------------------------------------

_AUX_TEXT = {
    "rationale", "reason", "reasoning", "why", "mitigation", "mitigations", "source", "source_note", "sources",
    "note", "notes", "context", "problem", "situation", "question_asked", "when", "time", "timestamp", "document",
    "speaker", "said_by", "evidence", "status", "comment", "comments", "metric", "kpi", "name", "label",
}  # fmt: skip
_OWNER_NAMES = {"owner", "assignee", "responsible", "who", "assigned_to", "owner_name", "by"}


def _main_text_field(spec: SectionSpec) -> str | None:
    texts = [n for n, f in spec.fields.items() if f.type == "text"]
    main = [n for n in texts if n not in _AUX_TEXT]
    return (main or texts or [None])[0]


def _speaker_label(index: SourceIndex, s: Sentence, name: str) -> str:
    """A name said in the sources, written as that person's speaker label when one matches."""
    for label in index.documents[s.doc_index].speakers:
        first = label.split()[0].lower()
        if first == name.split()[0].lower() or label.lower() == name.lower():
            return label
    return name


def _owner(index: SourceIndex, s: Sentence) -> tuple[str | None, list[str]]:
    kind = C.commitment_subject(s.text)
    if kind == "named":
        return _speaker_label(index, s, C.named_person(s.text) or ""), []
    if kind == "self":
        return s.speaker, []
    if kind == "addressee":
        reply = index.neighbour(s, 1, other_speaker=True, span=2)
        if reply is not None and reply.speaker:
            return reply.speaker, [f"owner-guessed: asked of the next speaker, {reply.speaker}; check who took it"]
        return None, []
    if s.speaker:
        return s.speaker, [f"owner-guessed: a commitment by the group, attributed to {s.speaker} who said it"]
    return None, []


def _task(index: SourceIndex, s: Sentence) -> tuple[str, Sentence | None]:
    """The task of a commitment, with the sentence that names what a bare "it" refers to (quoted too).

    "We need to update it before launch" says nothing alone; the noun comes from the sentence just before
    ("the status page still points at the old billing system"). Without one the whole sentence is kept.
    """
    task = C.task_text(s.text)
    if C.pronoun_object(task) is None:
        return task, None
    prev = index.neighbour(s, -1, span=2)
    resolved = C.resolve_pronoun(task, prev.text) if prev is not None else None
    if resolved is not None and prev is not None and index.unique(prev):
        return resolved, prev
    return C.clean(s.text).rstrip("."), None


def _severity(values: list[str], text: str) -> str | None:
    low = text.lower()
    want = (
        "high"
        if re.search(r"\b(?:major|serious|critical|biggest|big|huge|red flag|lawsuit|fraud|existential|severe)\b", low)
        else "low"
        if re.search(r"\b(?:minor|small|slight|little|manageable)\b", low)
        else "medium"
    )
    for v in values:
        if want in v.lower():
            return v
    return None


def _enum(name: str, f: FieldSpec, text: str) -> str | None:
    values = f.values or []
    if f.default in values:
        return f.default
    if name == "status" and "open" in values:
        return "open"
    if name in ("severity", "impact", "priority", "likelihood"):
        sev = _severity(values, text)
        if sev:
            return sev
    stoks = set(content_tokens(text))
    best = max(values, key=lambda v: len(stoks.intersection(content_tokens(v.replace("_", " ")))), default=None)
    if best is not None and stoks.intersection(content_tokens(best.replace("_", " "))):
        return best
    return None


_BECAUSE_RE = re.compile(r"\b(?:because|since|so that|the reason (?:is|being)|given that)\b\s*(.+)", re.IGNORECASE)
_MITIGATION_RE = re.compile(r"\b(?:mitigat\w*|address\w*|hedge|protect\w*|plan to|we can|we could|workaround|offset)\b",
                            re.IGNORECASE)  # fmt: skip


def _locator(index: SourceIndex, s: Sentence) -> str:
    doc = index.documents[s.doc_index]
    seg = next((g for g in doc.segments if g.id in s.segment_ids), None)
    where = []
    if seg is not None and seg.page is not None:
        where.append(f"p. {seg.page}")
    ts = _timestamp(s.start)
    if ts:
        where.append(ts)
    if s.speaker:
        where.append(s.speaker)
    return f"{doc.filename}" + (f" ({', '.join(where)})" if where else "")


def _fill(index: SourceIndex, spec: SectionSpec, fams: list[str], s: Sentence, fig: Figure | None = None) -> DraftItem:
    """One table/list item from one sentence, fields in SOP order, extra quotes for context fields."""
    if not spec.fields:
        return DraftItem(fields={"text": C.clean(s.text)}, quotes=[s.text])
    quotes = [s.text]
    flags: list[str] = []
    fields: dict[str, object] = {}
    main = _main_text_field(spec)
    commitment = "commitment" in fams
    base = index.dates[s.doc_index]
    fig = fig or best_figure(s.text)
    for name, f in spec.fields.items():
        value: object = None
        lname = name.lower()
        if f.type == "text":
            if name == main and lname not in _AUX_TEXT:
                value = C.clean(s.text)
                if commitment:
                    value, context = _task(index, s)
                    if context is not None:
                        quotes.insert(0, context.text)
            elif lname in ("rationale", "reason", "reasoning", "why"):
                m = _BECAUSE_RE.search(s.text)
                nxt = index.neighbour(s, 1, other_speaker=False, span=1)
                if m and len(m.group(1).split()) >= 3:
                    value = C.clean(m.group(1))
                elif nxt is not None:
                    value = C.clean(nxt.text)
                    quotes.append(nxt.text)
            elif lname in ("problem", "context", "situation", "question_asked"):
                prev = index.neighbour(s, -1, other_speaker=True, span=3)
                if prev is not None:
                    value = C.clean(prev.text)
                    quotes.insert(0, prev.text)
            elif lname in ("mitigation", "mitigations"):
                nxt = index.neighbour(s, 1, other_speaker=None, span=2)
                if nxt is not None and _MITIGATION_RE.search(nxt.text):
                    value = C.clean(nxt.text)
                    quotes.append(nxt.text)
            elif lname in ("source", "source_note", "sources", "document", "evidence", "note", "notes"):
                value = _locator(index, s)
            elif lname in ("when", "time", "timestamp"):
                value = _timestamp(s.start) or _locator(index, s)
            elif lname in ("speaker", "said_by"):
                value = s.speaker
            elif lname in ("metric", "kpi", "name", "label"):
                value = metric_name(s.text, fig) or C.clean(s.text)
            elif name == main or f.required:
                value = C.clean(s.text)
        elif f.type == "person":
            if commitment and (lname in _OWNER_NAMES or "owner" in lname):
                value, more = _owner(index, s)
                flags += more
            else:
                value = s.speaker
        elif f.type == "date":
            value, _ = due_date(s.text, base)
        elif f.type in ("money", "number"):
            value = fig.as_field() if fig else None
        elif f.type == "enum":
            value = _enum(lname, f, s.text)
        elif f.type == "boolean":
            value = f.default if isinstance(f.default, bool) else None
        elif f.type == "list":
            value = list(f.default) if isinstance(f.default, list) else []
        elif f.type == "rating":
            value = None  # never inferred (see docs/local-engine.md)
        if value is None and f.default is not None and f.type not in ("rating",):
            value = f.default
        fields[name] = value
    return DraftItem(fields=fields, quotes=list(dict.fromkeys(quotes)), flags=flags)


# --- sections by kind ----------------------------------------------------------------------------------------


def _cap(spec: SectionSpec, default: int) -> int:
    return spec.max_items if spec.max_items and spec.max_items > 0 else default


def _owner_fields(spec: SectionSpec) -> list[str]:
    return [n for n, f in spec.fields.items() if f.type == "person" and (n in _OWNER_NAMES or "owner" in n)]


def _list_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    fams = C.families_for(spec)
    cap = _cap(spec, DEFAULT_MAX_ITEMS)
    clause = _clause_field(spec)
    if clause is not None:
        return _clause_section(index, spec, *clause)
    if "commitment" in fams:
        return _action_section(index, spec, fams, cap)
    if "question" in fams:
        return _question_section(index, spec, fams, cap)
    if "topic" in fams and not _STRICT_FAMILIES.intersection(fams):
        return _topic_section(index, spec, cap)
    ranked = _rank(index, spec, fams, _section_query(spec), spec.cues)
    picked = _pick(index, ranked, cap)
    figures = any(f.type in ("money", "number") for f in spec.fields.values())
    items: list[DraftItem] = []
    for c in picked:
        s = c.sentence
        if figures:
            found = sorted(find_figures(s.text), key=lambda f: not f.strong)[:3]
            items.extend(_fill(index, spec, fams, s, fig) for fig in sorted(found, key=lambda f: f.start))
            continue
        items.append(_fill(index, spec, fams, s))
    return items


# --- contract clauses: one row per clause kind per agreement ----------------------------------------------------

_DOC_FIELDS = {"document", "agreement", "source", "file", "filename", "contract", "where", "reference", "location"}


def _clause_field(spec: SectionSpec) -> tuple[str, dict[str, str]] | None:
    """The enum field that names contract clauses (its values cover at least three clause kinds), if any."""
    for name, f in spec.fields.items():
        if f.type == "enum" and f.values:
            kinds = clause_values(list(f.values))
            if len(kinds) >= 3:
                return name, kinds
    return None


def _clause_section(index: SourceIndex, spec: SectionSpec, field_name: str, kinds: dict[str, str]) -> list[DraftItem]:
    """Contract terms: the clause classifier's best sentence per clause kind per document (clauses.py), with the
    clause named by the SOP's own enum value, the sentence as summary and the file (and clause number) as document.
    Without an explicit `max_items` every agreement gets its rows: a data room has many."""
    main = _main_text_field(spec)
    order = {k: i for i, k in enumerate(KINDS)}
    hits = find_clauses(index.documents, [k for k in KINDS if k in kinds])
    hits.sort(key=lambda h: (h.doc_index, order[h.kind], h.unit.start))
    items: list[DraftItem] = []
    for h in hits:
        doc = index.documents[h.doc_index]
        number = re.sub(r"^(?:section|article|clause|paragraph|\u00a7)\s*", "", h.unit.number or "", flags=re.I)
        where = f"{doc.filename} \u00a7 {number}" if re.match(r"\d", number) else doc.filename
        fields: dict[str, object] = {}
        for name, f in spec.fields.items():
            value: object = None
            if name == field_name:
                value = kinds[h.kind]
            elif name == main:
                value = " ".join(h.unit.text.split())
            elif f.type == "text" and name.lower() in _DOC_FIELDS:
                value = where
            elif f.default is not None and f.type != "rating":
                value = f.default
            fields[name] = value
        items.append(DraftItem(fields=fields, quotes=[h.unit.text]))
    return items[: spec.max_items] if spec.max_items and spec.max_items > 0 else items


# --- action items: one item per task, however many sentences it took to hand it out ---------------------------


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
    written = {w for v in t.item.fields.values() if isinstance(v, str) for w in content_tokens(v)}
    return (said | written) - _GENERIC_TASK_WORDS - _people_words(index, t.sentences[0].doc_index)


def _people_words(index: SourceIndex, di: int) -> set[str]:
    """Speakers' names: "Yusuf" in two requests to Yusuf says they are for the same person, not the same task."""
    return {w for label in index.documents[di].speakers for w in content_tokens(label)}


_GENERIC_TASK_WORDS = frozenset(content_tokens("need take make sure do done next launch week friday meeting team "
                                               "today tomorrow monday sync first"))  # fmt: skip


def _take_over(spec: SectionSpec, t: _Task, s: Sentence, index: SourceIndex) -> None:
    """`s` (someone saying "I'll ...") takes the task `t` that was asked for or needed: owner = who took it."""
    for name in _owner_fields(spec):
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


def _action_section(index: SourceIndex, spec: SectionSpec, fams: list[str], cap: int) -> list[DraftItem]:
    """Commitments grouped into tasks: a request and its acceptance, a need and whoever takes it, and a
    speaker's claim followed by its details ("I can take the guide. I'll have a draft by Wednesday.") are
    one task each, with every quote kept."""
    ranked = _rank(index, spec, fams, _section_query(spec), spec.cues)
    picked = _pick(index, ranked, cap * 2)
    main = _main_text_field(spec)
    tasks: list[_Task] = []
    by_sentence: dict[int, _Task] = {}

    def new_task(s: Sentence, score: float) -> _Task:
        item = _fill(index, spec, fams, s)
        owner = next((item.fields.get(n) for n in _owner_fields(spec)), s.speaker)
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
            more, _ = _task(index, s)
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
    best = sorted(tasks, key=lambda t: -t.score)[:cap]
    return [t.item for t in sorted(best, key=lambda t: t.sentences[0].index)]


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
        for name in _owner_fields(spec):
            t.item.fields[name] = s.speaker
        t.owner, t.request = s.speaker, False
        t.item.flags = [f for f in t.item.flags if not f.startswith("owner-guessed")]
        _absorb_date(spec, t, s, index)
        if index.unique(s):  # "Sure." said five times cannot be located: keep only the request's quote
            t.item.quotes.append(s.text)
            t.sentences.append(s)
        return


# --- open questions: said to be open, or asked and never answered ----------------------------------------------


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
    if C.is_filler(reply.text):
        return not _WH_RE.search(C.clean(s.text))
    return not C.is_non_answer(reply.text)


def _question_section(index: SourceIndex, spec: SectionSpec, fams: list[str], cap: int) -> list[DraftItem]:
    """Questions explicitly left open ("one open question is", "we still don't know", "nobody has asked") and
    questions nobody answered; a question asked and answered in the next turn is not open."""
    rel, _ = index.relevance(_section_query(spec))
    pats = C.cue_patterns(spec.cues)
    scored: list[Scored] = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        if C.is_request(s.text):
            continue  # "Priya, can you check the logs?" is a task
        explicit = bool(C.family_hits(s.text, ["question"]))
        cue = any(p.search(s.text) for p in pats)
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
        scored.append(Scored(score + 0.5 * rel[k] + _length_factor(s.words), s, ["question"]))
    scored.sort(key=lambda x: (-x.score, x.sentence.index))
    picked = _pick(index, scored, cap * 2)
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
    main = _main_text_field(spec) or "text"
    items = []
    for g in groups:
        if spec.fields:
            item = _fill(index, spec, fams, g[0])
            item.quotes = list(dict.fromkeys(item.quotes + [s.text for s in g[1:]]))
        else:
            item = DraftItem(fields={main: C.clean(g[0].text)}, quotes=[s.text for s in g])
        items.append(item)
    return items


# --- topics: where the conversation moves on ---------------------------------------------------------------


def _topic_section(index: SourceIndex, spec: SectionSpec, cap: int) -> list[DraftItem]:
    main = _main_text_field(spec) or "text"
    items = []
    for di in range(len(index.documents)):
        idxs = [s.index for s in index.sentences if s.doc_index == di]
        if not idxs:
            continue
        for topic in find_topics(index.sentences, index.toks, idxs, set(index.candidates), cap=min(cap, 7)):
            s = index.sentences[topic.sentence]
            if not index.unique(s):
                continue
            fields: dict[str, object] = {n: None for n in spec.fields} if spec.fields else {}
            fields[main] = topic.label
            items.append(DraftItem(fields=fields, quotes=[s.text]))
    return items[:cap]


# --- prose ---------------------------------------------------------------------------------------------------


def _summary_picks(index: SourceIndex, spec: SectionSpec, di: int, fams: list[str], want: int) -> list[Scored]:
    """A meeting summary: why it was held, what was decided, the biggest risk, then what it was most about.

    Slots first (purpose near the start, up to two decisions, one serious risk), then the most central
    remaining sentences; never a question, a request or backchannel."""
    rel, overlap = index.relevance(_section_query(spec))
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
            + _length_factor(s.words)
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
    out = _pick(index, chosen[:want] + rest, want)
    return out


def _prose_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    """One paragraph per document (at most `max_items` paragraphs) of 3-5 sentences in source order."""
    fams = C.families_for(spec) or ["summary"]
    items = []
    docs = sorted({index.sentences[i].doc_index for i in index.candidates})
    for di in docs[: _cap(spec, len(docs) or 1)]:
        n = sum(1 for i in index.candidates if index.sentences[i].doc_index == di)
        want = max(min(3, n), min(SUMMARY_SENTENCES, n // 6))
        if "summary" in fams or not _STRICT_FAMILIES.intersection(fams) and not set(fams) - {"summary", "topic"}:
            picked = _summary_picks(index, spec, di, fams, want)
        else:
            ranked = _rank(index, spec, fams, _section_query(spec), spec.cues)
            ranked = [c for c in ranked if c.sentence.doc_index == di]
            picked = _pick(index, ranked, want)
        if picked:
            mine = [c.sentence for c in picked]
            text = " ".join(C.clean(s.text) for s in mine)
            items.append(DraftItem(fields={"text": text}, quotes=[s.text for s in mine]))
    return items


def _evidence(
    index: SourceIndex,
    query: str,
    cues: list[str],
    fams: list[str],
    cap: int,
    *,
    interviewers: dict[int, str | None] | None = None,
    answers: set[int] | None = None,
    others: list[re.Pattern[str]] | None = None,
) -> list[Scored]:
    """Sentences that bear on a criterion (or a verdict). In an interview only the candidate's words count
    (never the interviewer's questions); the answer to the question about the criterion comes first, weak
    answers included ("I'm not sure how I'd break it down"), and a sentence that is plainly about another
    criterion (its cues, none of ours) counts less here."""
    rel, overlap = index.relevance(query)
    pats = C.cue_patterns(cues)
    interviewers, answers, others = interviewers or {}, answers or set(), others or []
    out = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        iv = interviewers.get(s.doc_index)
        if iv is not None and s.speaker == iv:
            continue
        cue_n = sum(1 for p in pats if p.search(s.text))
        answer = s.index in answers
        if not (cue_n or answer or (rel[k] >= 0.4 and overlap[k] >= 2)):
            continue
        hits = C.family_hits(s.text, fams)
        speaker_bonus = 0.3 if iv is None and s.speaker and s.speaker == index.main_speaker.get(s.doc_index) else 0.0
        score = 1.5 * rel[k] + 0.8 * min(cue_n, 2) + 0.4 * bool(hits) + _length_factor(s.words) + speaker_bonus
        if answer:
            score += 1.0 + 0.5 * C.is_hedge(s.text) + 0.3 * bool(_I_RE.search(s.text))
        if not cue_n and any(p.search(s.text) for p in others):
            score -= 0.8
        out.append(Scored(score, s, hits))
    out.sort(key=lambda x: (-x.score, x.sentence.index))
    if interviewers and out:
        out = [c for c in out if c.score >= EVIDENCE_FLOOR * out[0].score]
    return _pick(index, out, cap)


def _describe(index: SourceIndex, picked: list[Scored]) -> str:
    parts = []
    for c in picked:
        s = c.sentence
        words = C.clean(s.text).split()
        gist = " ".join(words[:14]) + ("..." if len(words) > 14 else "")
        who = " ".join(x for x in (s.speaker, _timestamp(s.start)) if x)
        parts.append(f'{who + ": " if who else ""}"{gist}"')
    return "; ".join(parts)


def _interviewer(index: SourceIndex, di: int) -> str | None:
    """The speaker who asks most questions (or gives most prompts: "Tell me about ..."); None when there is no
    clear one (a monologue, or two people asking as much as each other)."""
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
    return len(crit_terms.intersection(content_tokens(text))) + cues + 1.5 * any(p.search(text) for p in prompts)


def _answers(index: SourceIndex, spec: SectionSpec, interviewers: dict[int, str | None]) -> dict[str, set[int]]:
    """Per criterion, the candidate's sentences answering the interviewer's questions about it: each question
    goes to the criterion it asks about most, and its answer runs to the interviewer's next question."""
    crits = [
        (c, set(content_tokens(f"{c.id.replace('_', ' ')} {c.name} {c.question}")),
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
                scored = [(_prompt_score(s.text, c, terms, prompts), c.id) for c, terms, prompts in crits]
                best = max(scored, default=(0.0, None))
                current = best[1] if best[0] >= 1.0 else None
            continue
        if current is not None and s.speaker:
            out[current].add(s.index)
    return out


def _scorecard_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    interviewers = {di: _interviewer(index, di) for di in range(len(index.documents))}
    answers = _answers(index, spec, interviewers)
    cue_sets = {c.id: C.cue_patterns(c.cues) for c in spec.criteria}
    items = []
    for crit in spec.criteria:
        query = f"{crit.name} {crit.question} {' '.join(crit.cues)}"
        others = [p for cid, pats in cue_sets.items() if cid != crit.id for p in pats]
        picked = _evidence(index, query, crit.cues, ["strength", "risk", "insight"], EVIDENCE_PER_CRITERION,
                           interviewers=interviewers, answers=answers[crit.id], others=others)  # fmt: skip
        items.append(_criterion_item(index, crit, picked))
    return items


def _criterion_item(index: SourceIndex, crit: Criterion, picked: list[Scored]) -> DraftItem:
    if picked:
        rationale = (
            f"Not rated: the offline engine does not judge against the rubric; a reviewer must rate it. "
            f"Evidence on \u201c{crit.question}\u201d: {_describe(index, picked)}."
        )
    else:
        rationale = (
            f"Not rated: nothing in the sources bears on \u201c{crit.question}\u201d. "
            "Ask about it, or rate it from other evidence."
        )
    return DraftItem(
        fields={"criterion": crit.id, "name": crit.name, "rating": None, "band": None, "rationale": rationale},
        quotes=[c.sentence.text for c in picked],
        flags=[] if picked else ["no-evidence: the offline engine found no passage for this criterion"],
    )


_UNDECIDED_RE = re.compile(r"not[ _-]?(?:assessed|rated|decided)|undecided|insufficient|n/?a|unknown|pending|tbd|"
                           r"unclear|no[ _-]?decision", re.IGNORECASE)  # fmt: skip


def _verdict_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    fams = C.families_for(spec)
    picked = _evidence(index, _section_query(spec), spec.cues, fams, EVIDENCE_PER_CRITERION)
    fields: dict[str, object] = {}
    for name, f in spec.fields.items():
        if f.type == "enum":
            fields[name] = next((v for v in f.values or [] if _UNDECIDED_RE.search(v)), None)
        elif f.type == "text":
            shown = f" The most relevant statements: {_describe(index, picked)}." if picked else ""
            fields[name] = (
                f"extractive draft: the offline engine does not decide \u201c{spec.title}\u201d; a human must.{shown}"
            )
        elif f.type == "rating":
            fields[name] = None
        else:
            fields[name] = f.default
    if not spec.fields:
        fields = {"verdict": None, "rationale": "extractive draft: not decided by the offline engine; a human must."}
    return [DraftItem(fields=fields, quotes=[c.sentence.text for c in picked])]


def extract_section(index: SourceIndex, spec: SectionSpec) -> DraftSection:
    """One section, synchronously: the engine's whole behaviour for one SectionSpec."""
    if spec.kind == "scorecard":
        items = _scorecard_section(index, spec)
    elif spec.kind == "verdict":
        items = _verdict_section(index, spec)
    elif spec.kind == "prose":
        items = _prose_section(index, spec)
    else:
        items = _list_section(index, spec)
    notes = []  # the report says it is extractive once (Report.extractive); a note here must say something specific
    if not items:
        hint = f" (cues: {', '.join(spec.cues[:6])})" if spec.cues else ""
        what = "commitment" if "commitment" in C.families_for(spec) else "sentence"
        notes.append(f"No {what} in the sources matched this section{hint}; it may not have come up.")
    return DraftSection(section_id=spec.id, items=items, notes=notes)


class LocalExtractor:
    """The offline engine: no network, no model, deterministic for the same sources and SOP."""

    name = "local"
    model: str | None = None

    extractive = True
    notes: list[str] = []  # nothing to say about a run as a whole: the report says it is extractive

    async def extract(self, run: Run) -> AsyncIterator[DraftSection]:
        index = SourceIndex.build(list(run.documents), run.meeting_date)
        for spec in run.sections:
            try:
                yield extract_section(index, spec)
            except Exception as exc:  # a bug here must cost one section, not the report; it is shown, not hidden
                yield DraftSection(section_id=spec.id, failed=f"the offline engine failed on this section: {exc!r}")
            await asyncio.sleep(0)  # let a server's event loop breathe between sections
