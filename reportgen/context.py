"""What each section's LLM call sees of the sources, and how they are written into the prompt.

Policy (docs/llm.md says the same to users):
- All sources fit the per-call budget: everything is sent, in document order.
- They don't, and the section collects many findings (kind list or table): the sources are
  split into consecutive parts that each fit (with a small overlap so a sentence cut at a
  boundary is seen whole once), every part is extracted, and the items are merged. Every
  segment is read by some call, unless the per-report token budget runs out first, which
  the section then says in a note naming the parts left unread.
- They don't, and the section summarises or judges (prose, scorecard, verdict): the segments
  most relevant to the section fill the budget and are sent in document order, with a note
  saying how much was left out. Relevance is the section's cue phrases matched as patterns
  (stems run on, rarer cues count more), the shapes its fields ask for (a date field finds
  "by Wednesday"), and BM25 on stemmed words of its title, instructions and field
  descriptions; that ranking is fused with the segments' embedding similarity to what the
  section asks (reciprocal rank fusion, `corpus.fuse`; words alone without wordllama). For a
  prose section both are first smoothed over neighbouring turns of each transcript
  (`corpus.smooth`): its answer is a stretch of talk, not a line. A
  reply inherits its question's relevance (the candidate's answer is the
  evidence, and brings the question along). Several queries take turns: the section, each
  scorecard criterion, each kind of finding a many-valued enum first field names (a
  contract memo's 'governing law' row), each document's opening (a small share: title, parties,
  date, the meeting's purpose) and an even spread over the sources (a small share, and the
  rest of the budget once the queries run dry), so no criterion, kind or subject is crowded
  out.
Segments are referred to as D<n>:S<id> so the model (and a reader of the ledger) can tell
where each line comes from; timestamps and pages are shown for context only: citations
take them from grounding, never from the model.

Everything here reads the report's `Corpus`: its segments, its retrieval index (BM25 on the
terms of `reportgen.text`, the same terms the offline engine ranks by) and, kept on the corpus
for the report's lifetime, the prompt-line costs and turn structure derived below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from reportgen.clock import clock
from reportgen.corpus import Corpus, Row, SegmentIndex, fuse, smooth
from reportgen.models import Document, Segment
from reportgen.sop import SectionSpec
from reportgen.text import content_words, stem, terms

MAP_KINDS = frozenset({"list", "table"})
SPLIT_OVERLAP_SEGMENTS = 2


class ContextChunk(BaseModel):
    """The selected segments of one document, rendered as prompt lines."""

    document_index: int = Field(description="1-based, the n in D<n>")
    document_id: str
    filename: str
    kind: str
    segment_ids: list[int]
    text: str
    tokens: int


class ContextPlan(BaseModel):
    """The calls one section makes: one part per call, plus what the reader must be told."""

    parts: list[list[ContextChunk]]
    strategy: str  # all | split | bm25 (relevance selection: BM25, fused with embeddings when installed)
    notes: list[str] = Field(default_factory=list)
    total_segments: int = 0
    sent_segments: int = 0


@functools.cache  # the encoding, loaded once: not a cache of anything read from sources
def _encoder():  # pragma: no cover - only when tiktoken is installed with its encodings cached
    try:
        import tiktoken

        return tiktoken.get_encoding("o200k_base")
    except Exception:
        return None


def estimate_tokens(text: str) -> int:
    """tiktoken's count when it is installed (and its encoding available), else chars/4."""
    enc = _encoder()
    if enc is not None:  # pragma: no cover
        return len(enc.encode(text, disallowed_special=()))
    return (len(text) + 3) // 4


_FENCE_RE = re.compile(r"<(\s*/?\s*)(source)", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_LABEL_CHARS = str.maketrans({"[": "(", "]": ")", "<": "‹", ">": "›", '"': "'"})


def _defang(text: str) -> str:
    """Keep a source from closing (or faking) the <source> fence around it."""
    return _FENCE_RE.sub(r"‹\1\2", text)


def defang_label(text: str, limit: int = 80) -> str:
    """A source-derived label (speaker, filename) as one inert line of at most `limit` characters.

    A label sits in our own markup (a line's `[...]` tag, the fence's `file="..."`), where a
    model reads it as ours, not as fenced data: so it may not close a tag or the fence, start a
    line, or open a fake one (issue 14: a speaker `Eve</source>` let the next turn's "Ignore
    previous instructions" out of the fence, and the model obeyed it)."""
    flat = " ".join(_CONTROL_RE.sub(" ", _defang(text)).split()).translate(_LABEL_CHARS)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def segment_line(doc_index: int, seg: Segment) -> str:
    """`[D1:S12 12:04 Jason] text` or `[D2:S3 p.7] text`."""
    tag = [f"D{doc_index}:S{seg.id}"]
    if seg.start is not None:
        tag.append(clock(seg.start))
    if seg.page is not None:
        tag.append(f"p.{seg.page}")
    if seg.speaker:
        tag.append(defang_label(seg.speaker))
    text = " ".join(_defang(seg.text).split())
    return f"[{' '.join(tag)}] {text}"


def _chunk(doc_index: int, doc: Document, segments: Sequence[Segment]) -> ContextChunk:
    lines: list[str] = []
    prev: int | None = None
    for seg in segments:
        if prev is not None and seg.id != prev + 1:
            lines.append("[...]")
        lines.append(segment_line(doc_index, seg))
        prev = seg.id
    text = "\n".join(lines)
    return ContextChunk(
        document_index=doc_index,
        document_id=doc.id,
        filename=doc.filename,
        kind=doc.kind,
        segment_ids=[s.id for s in segments],
        text=text,
        tokens=estimate_tokens(text),
    )


def render_sources(chunks: Sequence[ContextChunk]) -> str:
    """The sources block of the user prompt: each document fenced as <source> data."""
    blocks = []
    for c in chunks:
        name = defang_label(c.filename, 200)
        blocks.append(f'<source id="D{c.document_index}" file="{name}" kind="{c.kind}">\n{c.text}\n</source>')
    return "\n\n".join(blocks)


def _line_costs(corpus: Corpus) -> list[int]:
    """Estimated tokens of each segment's prompt line (and its newline), in `corpus.rows` order.
    Every section of a report asks for them, so they are kept on the corpus (`Corpus.memo`)."""
    return [estimate_tokens(segment_line(r.doc_index, r.segment)) + 1 for r in corpus.rows]


def _group(rows: Iterable[Row]) -> list[ContextChunk]:
    by_doc: dict[int, tuple[Document, list[Segment]]] = {}
    for r in rows:
        by_doc.setdefault(r.doc_index, (r.document, []))[1].append(r.segment)
    return [_chunk(i, doc, segs) for i, (doc, segs) in sorted(by_doc.items())]


def section_queries(spec: SectionSpec) -> list[list[str]]:
    """BM25 word queries for a section: one for the section, plus one per scorecard criterion.
    (Selection itself uses richer queries, `_facets`: these stay for callers that want words.)"""
    base = " ".join([spec.title, spec.instructions, *spec.cues, *(f.description for f in spec.fields.values())])
    queries = [content_words(base)]
    for c in spec.criteria:
        queries.append(content_words(" ".join([c.name, c.question, *c.cues, *(b.description for b in c.rubric)])))
    return [q for q in queries if q] or [content_words(spec.id.replace("_", " "))]


# -- what a section looks for -------------------------------------------------------------------

CUE_WEIGHT = 1.0  # a segment saying the section's cue phrases (rarer ones count more), against ...
BM25_WEIGHT = 0.6  # ... one sharing the words of its title, instructions and field descriptions
RELEVANCE_FLOOR = 0.2  # of a query's best score: fainter matches are no better than the even spread
ANSWER_SHARE = 0.7  # the reply to a question is nearly as relevant as the question ...
QUESTION_KEEP = 0.5  # ... which keeps half its own, so the reply comes first and brings it along
OPENING_SEGMENTS = 6  # of each document: offered in turn with the queries ...
OPENING_SHARE = 0.1  # ... within this share of the budget, ...
OPENING_BOOST = 1.0  # ... and a query's matches among them count double
COVERAGE_SHARE = 0.15  # of the budget, for segments spread evenly over the sources ...
SPREAD_MIN_TERMS = 3  # ... that say something ("Yeah." and "Mm-hmm." tell a reader nothing on their own)
# A prose section's answer in a transcript is a stretch of the conversation (a QMSum topic spans
# a median 18% of its meeting), so its relevance is smoothed over neighbouring turns: a Gaussian
# whose width is this share of the transcript's turns. Chosen on the QMSum fit half
# (bench/retrieval.py --tune: 0.01-0.05 tried); pinpoint sections (action items, decisions) lose
# by it on AMI fit, so they are not smoothed.
STRETCH_SCALE = 0.025
STRETCH_KINDS = frozenset({"prose"})
_KIND_MIN = 4  # values of an enum first field, for it to name kinds of finding that each deserve evidence
_GENERIC_VALUES = frozenset({"other", "others", "none", "unknown", "n/a", "na", "misc", "miscellaneous"})

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# Expressions a field or a kind of finding asks for, found by their shape rather than by a word
# of the query: a due date is said as "by Wednesday" or "11/4/10", never as "date".
CONCEPTS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        rf"\b(?:{_WEEKDAY}|{_MONTH}\s+\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?{_MONTH}|"
        r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|(?:19|20)\d\d\b|tomorrow|tonight|today|"
        r"(?:next|this|last)\s+(?:week|month|quarter|year)|end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|year))"
    ),
    "money": re.compile(
        r"(?:[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand|hundred)?\s?"
        r"(?:dollars|euros|pounds|usd|eur|gbp)\b)"
    ),
    "number": re.compile(r"\b\d[\d,.]*\s?(?:%|percent|per\s?cent|million|billion|thousand|k\b|m\b)"),
}
_CONCEPT_OF_FIELD = {"date": "date", "money": "money", "number": "number"}  # field type -> concept
_CONCEPT_WORDS = {"date": "date dates deadline deadlines", "number": "percent",
                  "money": "amount amounts price prices cost costs fee fees payment payments"}
_CONCEPT_OF_TERM = {stem(w): c for c, ws in _CONCEPT_WORDS.items() for w in ws.split()}  # a kind's name -> concept


def _cue_regex(cue: str) -> re.Pattern[str] | None:
    """A cue phrase as a pattern over lowercased text: its words in order, any spacing or
    apostrophe style, and a last word of 5+ letters may go on ('terminat' finds 'termination',
    'renew' 'renewal'), since SOP cues are often written as stems."""
    words = re.findall(r"[\w'’-]+", cue.lower())
    if not words:
        return None
    parts = [re.sub(r"['’]", "['’]", re.escape(w)) for w in words]
    tail = r"\w*" if len(words[-1]) >= 5 and words[-1].isalpha() else r"(?![\w'’])"
    # No look-behind for the start of a word: SegmentIndex.hits checks it, since a pattern that
    # starts with a literal lets `re` search some 20 times faster.
    return re.compile(r"[\s,.-]+".join(parts) + tail)


def _concepts(terms: Iterable[str], field_types: Iterable[str] = ()) -> tuple[str, ...]:
    found = {_CONCEPT_OF_FIELD[t] for t in field_types if t in _CONCEPT_OF_FIELD}
    found |= {_CONCEPT_OF_TERM[t] for t in terms if t in _CONCEPT_OF_TERM}
    return tuple(sorted(found))


def facet_text(spec: SectionSpec) -> str:
    """What the section asks, in words: the text embedded for its main facet."""
    return " ".join([spec.title, spec.instructions, *spec.cues, *(f.description for f in spec.fields.values())])


@dataclass(frozen=True)
class _Facet:
    """One thing a section looks for: the section as a whole, one scorecard criterion, or one
    kind of finding its enum field names (a contract memo's 'governing law' row)."""

    terms: tuple[str, ...]  # BM25 query
    cues: tuple[str, ...]  # phrases, matched as patterns
    concepts: tuple[str, ...] = ()  # CONCEPTS
    text: str = ""  # what it asks, in words: embedded for the semantic half of retrieval
    stretch: bool = False  # its answer is a stretch of a conversation, not a line (STRETCH_KINDS)


def _facets(spec: SectionSpec) -> list[_Facet]:
    """The queries that take turns filling the budget, so no criterion or kind of finding is crowded out."""
    base = facet_text(spec)
    words = tuple(terms(base))
    stretch = spec.kind in STRETCH_KINDS
    facets = [_Facet(words, tuple(spec.cues), _concepts((), [f.type for f in spec.fields.values()]), base, stretch)]
    for c in spec.criteria:
        text = " ".join([c.name, c.question, *c.cues, *(b.description for b in c.rubric)])
        facets.append(_Facet(tuple(terms(text)), tuple(c.cues), (), text))
    first = next(iter(spec.fields.values()), None)  # the item's key: a contract memo's `clause`
    if spec.kind in MAP_KINDS and first is not None and first.type == "enum" and len(first.values or []) >= _KIND_MIN:
        # Not a later enum: a severity or a status is a property of a finding, not a kind to look for.
        for value in first.values or []:
            if value.lower() in _GENERIC_VALUES:
                continue
            kind = tuple(terms(value))
            related = [c for c in spec.cues if set(kind) & set(terms(c))]  # 'renew' for 'term and renewal'
            facets.append(_Facet(kind, (value, *related), _concepts(kind), " ".join([value, *related])))
    facets = [f for f in facets if f.terms or f.cues]
    name = spec.id.replace("_", " ")
    return facets or [_Facet(tuple(terms(name)), (), (), name, stretch)]


# -- the turn structure of the sources, derived once per report ----------------------------------


@dataclass(frozen=True)
class _Turns:
    """What selection reads of the segments besides their words (kept on the corpus: `Corpus.memo`)."""

    question: np.ndarray  # the segment ends with a question mark ...
    answered: np.ndarray  # ... and the next segment is another speaker's, in the same document
    opening: np.ndarray  # among the first OPENING_SEGMENTS of its document
    spread: list[int]  # segments that say something, in an order spread evenly over the sources ...
    spread_empty: list[int]  # ... and those that don't ("Yeah."), sent only when nothing else is left
    transcripts: list[tuple[int, int]]  # [start, end) rows of each transcript document

    @staticmethod
    def of(corpus: Corpus) -> _Turns:
        idx = corpus.segments
        rows, n = idx.rows, len(idx)
        order = sorted(range(n), key=_spread)
        return _Turns(
            question=np.array([t.rstrip(" \"'”)").endswith("?") for t in idx.lowered], dtype=bool),
            answered=np.array(
                [k + 1 < n and rows[k + 1].doc_index == rows[k].doc_index
                 and rows[k + 1].segment.speaker != rows[k].segment.speaker for k in range(n)],
                dtype=bool,
            ),
            opening=np.isin(np.arange(n), _opening(rows)),
            spread=[k for k in order if len(idx.terms[k]) >= SPREAD_MIN_TERMS],
            spread_empty=[k for k in order if len(idx.terms[k]) < SPREAD_MIN_TERMS],
            transcripts=_transcripts(rows),
        )


def _transcripts(rows: Sequence[Row]) -> list[tuple[int, int]]:
    """The [start, end) positions of each transcript document's segments (rows are in document order)."""
    spans: dict[int, list[int]] = {}
    for k, r in enumerate(rows):
        if r.document.kind == "transcript":
            spans.setdefault(r.doc_index, [k, k])[1] = k + 1
    return [(a, b) for a, b in spans.values()]


def _opening(rows: Sequence[Row]) -> list[int]:
    """The first segments of each document, taken across the documents in turn."""
    firsts: dict[int, list[int]] = {}
    for k, r in enumerate(rows):
        if len(firsts.setdefault(r.doc_index, [])) < OPENING_SEGMENTS:
            firsts[r.doc_index].append(k)
    return [ks[i] for i in range(OPENING_SEGMENTS) for ks in firsts.values() if i < len(ks)]


def _unit(x: np.ndarray) -> np.ndarray:
    top = float(x.max(initial=0.0))
    return x / top if top > 0 else x


def _relevance(idx: SegmentIndex, turns: _Turns, facet: _Facet) -> np.ndarray:
    """How much each segment is about the facet: its cue phrases and concepts (weighted by BM25's
    idf, so a cue every paragraph says counts for little) plus BM25 on its words."""
    n = len(idx)
    cue = np.zeros(n)
    patterns = [_cue_regex(c) for c in facet.cues] + [CONCEPTS[c] for c in facet.concepts]
    for rx in patterns:
        if rx is None:
            continue
        hits = idx.hits(rx)
        df = float(hits.sum())
        if df:
            cue += hits * np.log(1 + (n - df + 0.5) / (df + 0.5))
    words = _unit(idx.bm25.scores(facet.terms))
    score = CUE_WEIGHT * _unit(cue) + BM25_WEIGHT * words
    # An answer is about what its question asked: after "What happened when it went wrong?" the
    # next speaker's reply is the evidence, though it may share no word with the query.
    asks = np.flatnonzero(turns.question & turns.answered)
    score[asks + 1] = np.maximum(score[asks + 1], ANSWER_SHARE * score[asks])
    score[asks] *= QUESTION_KEEP
    # What a document says in its opening lines (who the parties are, when it was signed, what
    # the meeting is for) holds for the whole of it.
    score[turns.opening] *= 1 + OPENING_BOOST
    return score


def relevance(idx: SegmentIndex, turns: _Turns, facet: _Facet) -> np.ndarray:
    """The words' relevance (`_relevance`) fused with the segments' embedding similarity to what the
    facet asks (`corpus.fuse`, reciprocal rank fusion), so "I'll send the minutes round" comes up
    for action items though it shares no word with the section. Measured on AMI and QMSum with
    bench/retrieval.py (docs/eval.md); words alone when wordllama is not installed. For a section
    whose answer is a stretch of talk (`_Facet.stretch`), both are first smoothed over neighbouring
    turns of each transcript (`smooth`)."""
    words = _relevance(idx, turns, facet)
    sim = idx.similarity(facet.text) if facet.text else None
    if facet.stretch and turns.transcripts:
        words = smooth(words, turns.transcripts, STRETCH_SCALE)
        sim = None if sim is None else smooth(sim, turns.transcripts, STRETCH_SCALE)
    return fuse(words, sim)


def _companions(turns: _Turns, k: int) -> list[int]:
    """Turns that complete segment k: the answer to the question it asks, the question it answers."""
    out = []
    if turns.question[k] and turns.answered[k]:
        out.append(k + 1)
    if k > 0 and turns.question[k - 1] and turns.answered[k - 1]:
        out.append(k - 1)
    return out


def _spread(i: int) -> float:
    """Van der Corput order: 0, 1/2, 1/4, 3/4, ... so any prefix is spread over the whole range."""
    x, denom = 0.0, 1.0
    i += 1
    while i:
        denom *= 2
        x += (i & 1) / denom
        i >>= 1
    return x


def select_context(spec: SectionSpec, corpus: Corpus, budget_tokens: int) -> list[ContextChunk]:
    """Everything when it fits; otherwise the segments most relevant to this section, its queries
    (and each document's opening, and an even spread) taking turns until the budget is full,
    returned in document order."""
    rows, cost = corpus.rows, corpus.memo(_line_costs)
    if sum(cost) <= budget_tokens:
        return _group(rows)
    idx, turns = corpus.segments, corpus.memo(_Turns.of)
    rankings: list[list[int]] = []
    caps: list[float] = []
    for facet in _facets(spec):
        scores = relevance(idx, turns, facet)
        floor = max(RELEVANCE_FLOOR * float(scores.max(initial=0.0)), 1e-9)
        rankings.append([int(k) for k in np.argsort(-scores, kind="stable") if scores[k] >= floor])
        caps.append(budget_tokens)
    # Each document's opening says what it is (title, parties, date, the meeting's purpose).
    rankings.append(_opening(rows))
    caps.append(OPENING_SHARE * budget_tokens)
    # A share of the budget goes to segments spread evenly over the sources, so a summary sees
    # the whole conversation and one subject cannot take all of it; once the queries have
    # nothing left that fits, the rest of the budget is filled the same way.
    rankings += [turns.spread, turns.spread + turns.spread_empty]
    caps += [COVERAGE_SHARE * budget_tokens, budget_tokens]

    chosen: set[int] = set()
    used = 0
    spent = [0] * len(rankings)
    cursors = [0] * len(rankings)
    full = [False] * len(rankings)
    last = len(rankings) - 1
    while not all(full):
        for qi, ranking in enumerate(rankings):
            if full[qi] or (qi == last and not all(full[:-1])):
                continue
            # Skip what is taken or does not fit: room only shrinks, so it never will.
            room = min(budget_tokens - used, caps[qi] - spent[qi])
            while cursors[qi] < len(ranking) and (
                ranking[cursors[qi]] in chosen or cost[ranking[cursors[qi]]] > room
            ):
                cursors[qi] += 1
            if cursors[qi] >= len(ranking):
                full[qi] = True
                continue
            for j in [ranking[cursors[qi]], *_companions(turns, ranking[cursors[qi]])]:
                if j not in chosen and used + cost[j] <= budget_tokens:
                    chosen.add(j)
                    used += cost[j]
                    spent[qi] += cost[j]
    return _group(rows[k] for k in sorted(chosen))


def split_for_budget(corpus: Corpus, budget_tokens: int) -> list[list[ContextChunk]]:
    """Consecutive parts that each fit `budget_tokens` and together cover every segment.

    Parts overlap by a couple of segments so a statement cut at a boundary is whole in one of
    them; a single segment larger than the budget still gets a part of its own (sent whole:
    truncating it would hide the part that was cut).
    """
    rows, cost = corpus.rows, corpus.memo(_line_costs)
    parts: list[list[ContextChunk]] = []
    start = 0
    while start < len(rows):
        used, end = 0, start
        while end < len(rows) and (end == start or used + cost[end] <= budget_tokens):
            used += cost[end]
            end += 1
        parts.append(_group(rows[start:end]))
        if end >= len(rows):
            break
        start = max(end - SPLIT_OVERLAP_SEGMENTS, start + 1)
    return parts


def plan_context(spec: SectionSpec, corpus: Corpus, budget_tokens: int) -> ContextPlan:
    """Decide, for one section, which calls to make and what each one sees (see module doc)."""
    rows = corpus.rows
    total = len(rows)
    if sum(corpus.memo(_line_costs)) <= budget_tokens:
        return ContextPlan(parts=[_group(rows)], strategy="all", total_segments=total, sent_segments=total)
    if spec.kind in MAP_KINDS:
        parts = split_for_budget(corpus, budget_tokens)
        return ContextPlan(
            parts=parts,
            strategy="split",
            total_segments=total,
            sent_segments=total,
            notes=[
                f"context: the sources exceed the per-call budget of {budget_tokens} tokens, so they were read in "
                f"{len(parts)} consecutive parts and the items merged"
            ],
        )
    chunks = select_context(spec, corpus, budget_tokens)
    sent = sum(len(c.segment_ids) for c in chunks)
    dropped = total - sent
    notes = []
    how = "BM25 and embeddings" if corpus.segments.embeddings is not None else "BM25"
    if dropped:
        notes.append(
            f"context: the sources exceed the per-call budget of {budget_tokens} tokens; this section was written "
            f"from the {sent} of {total} segments most relevant to it ({how}), {dropped} were not sent. "
            "Raise REPORTGEN_CONTEXT_TOKENS to send more."
        )
    return ContextPlan(parts=[chunks], strategy="bm25", notes=notes, total_segments=total, sent_segments=sent)


def recall_at_k(
    selected_segment_ids: Sequence[Hashable], gold_segment_ids: Iterable[Hashable], k: int | None = None
) -> float:
    """Share of gold segments among the first k selected (all selected when k is None); 1.0 for no gold."""
    gold = set(gold_segment_ids)
    if not gold:
        return 1.0
    chosen = set(selected_segment_ids[:k] if k is not None else selected_segment_ids)
    return len(gold & chosen) / len(gold)
