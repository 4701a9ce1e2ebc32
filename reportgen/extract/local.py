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
from dataclasses import dataclass, field
from datetime import date

from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz

from reportgen.extract import cues as C
from reportgen.extract.base import DraftItem, DraftSection, Event, OnEvent
from reportgen.extract.dates import due_date, meeting_date
from reportgen.extract.figures import Figure, best_figure, find_figures, metric_name
from reportgen.extract.sentences import Sentence, split_sentences
from reportgen.models import Document
from reportgen.sop import SOP, Criterion, FieldSpec, SectionSpec

EXTRACTIVE_NOTE = (
    "extractive: selected from the sources by the offline engine (no LLM); "
    "every item quotes the sources verbatim, but check it before use"
)
DEFAULT_MAX_ITEMS = 10
SUMMARY_SENTENCES = 5
EVIDENCE_PER_CRITERION = 3
MIN_WORDS = 5  # shorter sentences are never items ("Sounds good.")
# Families whose language is specific enough that an item must show it (or an SOP cue).
_STRICT_FAMILIES = {"commitment", "decision", "question", "figure", "advice", "contrarian"}

_STOPWORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before being below between both "
    "but by can could did do does doing down during each few for from further had has have having he her here hers "
    "him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our "
    "ours out over own same she should so some such than that the their them then there these they this those "
    "through to too under until up very was we were what when where which while who whom why will with would you "
    "your yours yeah okay ok um uh like know mean really think going get got also well right oh thing things lot "
    "kind sort gonna wanna want one say said see go let us i'm it's that's don't i'll we'll you're we're they're "
    "there's can't didn't doesn't isn't wasn't i've i'd every each".split()
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "ly", "s")


def _stem(tok: str) -> str:
    tok = tok.replace("\u2019", "'")
    for suf in _SUFFIXES:
        if len(tok) > len(suf) + 3 and tok.endswith(suf):
            return tok[: -len(suf)]
    return tok


def content_tokens(text: str) -> list[str]:
    return [_stem(t) for t in C.tokens(text) if t not in _STOPWORDS and len(t) > 1]


def _timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:d}:{s % 60:02d}"


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
    def build(cls, documents: list[Document]) -> SourceIndex:
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
        dates = [meeting_date(d.meta.get("date")) for d in documents]
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
        hits = C.family_hits(s.text, fams)
        if "question" in fams and s.is_question and s.words >= 5 and "question" not in hits:
            if not C.is_request(s.text):
                hits.append("question")
        if "commitment" in hits and s.is_question and not re.search(r"\b(?:can|could|would) you\b", s.text, re.I):
            hits.remove("commitment")  # "should we...?" asks, it does not commit
        if wants_figure:
            fig = best_figure(s.text)
            if fig is None:
                continue
            if fig.strong:
                hits.append("figure-strong")
        cue_n = sum(1 for p in pats if p.search(s.text))
        fam_score = (1.5 if hits else 0.0) + 0.25 * max(0, len(hits) - 1)
        if "question" in hits and s.is_question:
            answer = index.neighbour(s, 1, other_speaker=True, span=1)
            if answer is not None and answer.words >= 6:
                fam_score -= 0.8  # asked and answered: not an open question
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
                value = C.task_text(s.text) if commitment else C.clean(s.text)
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
    ranked = _rank(index, spec, fams, _section_query(spec), spec.cues)
    picked = _pick(index, ranked, _cap(spec, DEFAULT_MAX_ITEMS), spread="topic" in fams)
    figures = any(f.type in ("money", "number") for f in spec.fields.values())
    by_sentence: dict[int, DraftItem] = {}
    items: list[DraftItem] = []
    for c in picked:
        s = c.sentence
        if "commitment" in fams and C.is_acceptance(s.text):
            # "Sure, I can take that": the task is the request just before; the owner is whoever accepted.
            req = index.neighbour(s, -1, other_speaker=True, span=2)
            if req is None:
                continue
            item = by_sentence.get(req.index)
            if item is None:
                item = _fill(index, spec, fams, req)
                items.append(item)
                by_sentence[req.index] = item
            for name in _owner_fields(spec):
                item.fields[name] = s.speaker
            item.flags = [f for f in item.flags if not f.startswith("owner-guessed")]
            item.quotes.append(s.text)
            continue
        if s.index in by_sentence:
            continue
        if figures:
            found = sorted(find_figures(s.text), key=lambda f: not f.strong)[:3]
            for fig in sorted(found, key=lambda f: f.start):
                items.append(_fill(index, spec, fams, s, fig))
            by_sentence[s.index] = items[-1]
            continue
        item = _fill(index, spec, fams, s)
        items.append(item)
        by_sentence[s.index] = item
    return items


def _prose_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    fams = C.families_for(spec) or ["summary"]
    ranked = _rank(index, spec, fams, _section_query(spec), spec.cues)
    generic = {"summary", "topic"}.issuperset(fams) and not spec.cues
    if generic:
        # A whole-meeting summary: what the sources are most about, spread over their length.
        boost = {x.sentence.index: x.score for x in ranked}
        ranked = [
            Scored(
                1.5 * index.centrality[i] + _length_factor(index.sentences[i].words) + max(0.0, boost.get(i, 0.0)),
                index.sentences[i],
                [],
            )
            for i in index.candidates
        ]
        ranked.sort(key=lambda x: (-x.score, x.sentence.index))
    picked = _pick(index, ranked, _cap(spec, SUMMARY_SENTENCES), spread=generic)
    items = []
    for di in dict.fromkeys(c.sentence.doc_index for c in picked):
        mine = [c.sentence for c in picked if c.sentence.doc_index == di]
        items.append(DraftItem(fields={"text": " ".join(C.clean(s.text) for s in mine)}, quotes=[s.text for s in mine]))
    return items


def _evidence(index: SourceIndex, query: str, cues: list[str], fams: list[str], cap: int) -> list[Scored]:
    rel, overlap = index.relevance(query)
    pats = C.cue_patterns(cues)
    out = []
    for k, i in enumerate(index.candidates):
        s = index.sentences[i]
        cue_n = sum(1 for p in pats if p.search(s.text))
        if not (cue_n or (rel[k] >= 0.4 and overlap[k] >= 2)):
            continue
        hits = C.family_hits(s.text, fams)
        speaker_bonus = 0.3 if s.speaker and s.speaker == index.main_speaker.get(s.doc_index) else 0.0
        score = 1.5 * rel[k] + 0.8 * min(cue_n, 2) + 0.4 * bool(hits) + _length_factor(s.words) + speaker_bonus
        out.append(Scored(score, s, hits))
    out.sort(key=lambda x: (-x.score, x.sentence.index))
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


def _scorecard_section(index: SourceIndex, spec: SectionSpec) -> list[DraftItem]:
    items = []
    for crit in spec.criteria:
        query = f"{crit.name} {crit.question} {' '.join(crit.cues)}"
        picked = _evidence(index, query, crit.cues, ["strength", "risk", "insight"], EVIDENCE_PER_CRITERION)
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
    notes = [EXTRACTIVE_NOTE]
    if not items:
        hint = f" (cues: {', '.join(spec.cues[:6])})" if spec.cues else ""
        notes.append(f"No sentence in the sources matched this section{hint}; it may not have come up.")
    return DraftSection(section_id=spec.id, items=items, notes=notes)


class LocalExtractor:
    """The offline engine: no network, no model, deterministic for the same sources and SOP."""

    name = "local"
    model: str | None = None

    async def extract(
        self, sop: SOP, sections: list[SectionSpec], documents: list[Document], on_event: OnEvent | None = None
    ) -> list[DraftSection]:
        index = SourceIndex.build(list(documents))
        out: list[DraftSection] = []
        total = len(sections)
        for k, spec in enumerate(sections, 1):
            try:
                draft = extract_section(index, spec)
            except Exception as exc:  # a bug here must cost one section, not the report; it is shown, not hidden
                draft = DraftSection(section_id=spec.id, failed=f"the offline engine failed on this section: {exc!r}")
            out.append(draft)
            if on_event is not None:
                on_event(
                    Event(
                        stage="extract",
                        message=f"section {k} of {total} extracted",
                        section_id=spec.id,
                        done=k,
                        total=total,
                        data={"items": len(draft.items), "engine": self.name},
                    )
                )
            await asyncio.sleep(0)  # let a server's event loop breathe between sections
        return out
