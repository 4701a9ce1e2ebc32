"""What each section's LLM call sees of the sources, and how they are written into the prompt.

Policy (docs/llm.md says the same to users):
- All sources fit the per-call budget: everything is sent, in document order.
- They don't, and the section collects many findings (kind list or table): the sources are
  split into consecutive parts that each fit (with a small overlap so a sentence cut at a
  boundary is seen whole once), every part is extracted, and the items are merged. Every
  segment is read by some call, unless the per-report token budget runs out first, which
  the section then says in a note naming the parts left unread.
- They don't, and the section summarises or judges (prose, scorecard, verdict): BM25 over
  the segments with the section's title, instructions and cues (a scorecard adds one query
  per criterion, taken in turn so each criterion gets evidence) fills the budget, and the
  chosen segments are sent in document order. The section gets a note saying how much was
  left out.
Segments are referred to as D<n>:S<id> so the model (and a reader of the ledger) can tell
where each line comes from; timestamps and pages are shown for context only: citations
take them from grounding, never from the model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterable, Sequence

from pydantic import BaseModel, Field
from rank_bm25 import BM25Okapi

from reportgen.models import Document, Segment
from reportgen.sop import SectionSpec

MAP_KINDS = frozenset({"list", "table"})
SPLIT_OVERLAP_SEGMENTS = 2
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been it its this that these those "
    "i you he she we they me him her us them my your our their what which who whom when where why how all any "
    "each every some such no not only so than too very can will just do does did done have has had should would "
    "could may might must shall about into over under again further then once here there".split()
)


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
    strategy: str  # all | split | bm25
    notes: list[str] = Field(default_factory=list)
    total_segments: int = 0
    sent_segments: int = 0


@functools.cache
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


def _clock(seconds: float) -> str:
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def _defang(text: str) -> str:
    """Keep a source from closing (or faking) the <source> fence around it."""
    return re.sub(r"<(/?)(source)", r"‹\1\2", text, flags=re.IGNORECASE)


def segment_line(doc_index: int, seg: Segment) -> str:
    """`[D1:S12 12:04 Jason] text` or `[D2:S3 p.7] text`."""
    tag = [f"D{doc_index}:S{seg.id}"]
    if seg.start is not None:
        tag.append(_clock(seg.start))
    if seg.page is not None:
        tag.append(f"p.{seg.page}")
    if seg.speaker:
        tag.append(seg.speaker.replace("]", ")"))
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
        name = c.filename.replace('"', "'")
        blocks.append(f'<source id="D{c.document_index}" file="{name}" kind="{c.kind}">\n{c.text}\n</source>')
    return "\n\n".join(blocks)


_ROWS_CACHE: dict[tuple, list[tuple[int, Document, Segment, int]]] = {}


def _doc_segments(documents: Sequence[Document]) -> list[tuple[int, Document, Segment, int]]:
    """(doc index, doc, segment, estimated tokens of its line) for every segment, in document order.

    Every section of a report asks for the same rows, so the last set is kept (keyed on content).
    """
    key = tuple((d.id, d.sha256, len(d.text), len(d.segments)) for d in documents)
    if key in _ROWS_CACHE:
        return _ROWS_CACHE[key]
    out = []
    for i, doc in enumerate(documents, start=1):
        for seg in doc.segments:
            out.append((i, doc, seg, estimate_tokens(segment_line(i, seg)) + 1))
    _ROWS_CACHE.clear()
    _ROWS_CACHE[key] = out
    return out


def _group(rows: Iterable[tuple[int, Document, Segment, int]]) -> list[ContextChunk]:
    by_doc: dict[int, tuple[Document, list[Segment]]] = {}
    for i, doc, seg, _ in rows:
        by_doc.setdefault(i, (doc, []))[1].append(seg)
    return [_chunk(i, doc, segs) for i, (doc, segs) in sorted(by_doc.items())]


def _words(text: str) -> list[str]:
    return [w for w in _WORD_RE.findall(text.lower()) if w not in _STOPWORDS]


def section_queries(spec: SectionSpec) -> list[list[str]]:
    """BM25 queries for a section: one for the section, plus one per scorecard criterion."""
    base = " ".join([spec.title, spec.instructions, *spec.cues, *(f.description for f in spec.fields.values())])
    queries = [_words(base)]
    for c in spec.criteria:
        queries.append(_words(" ".join([c.name, c.question, *c.cues, *(b.description for b in c.rubric)])))
    return [q for q in queries if q] or [_words(spec.id.replace("_", " "))]


def _spread(i: int) -> float:
    """Van der Corput order: 0, 1/2, 1/4, 3/4, ... so any prefix is spread over the whole range."""
    x, denom = 0.0, 1.0
    i += 1
    while i:
        denom *= 2
        x += (i & 1) / denom
        i >>= 1
    return x


def select_context(spec: SectionSpec, documents: Sequence[Document], budget_tokens: int) -> list[ContextChunk]:
    """Everything when it fits; otherwise the segments BM25 ranks highest for this section,
    taken from each query in turn until the budget is full, returned in document order."""
    rows = _doc_segments(documents)
    if sum(r[3] for r in rows) <= budget_tokens:
        return _group(rows)
    bm25 = BM25Okapi([_words(r[2].text) or ["\u2205"] for r in rows])
    rankings = []
    relevant: set[int] = set()
    for q in section_queries(spec):
        scores = bm25.get_scores(q)
        ranked = [k for k in sorted(range(len(rows)), key=lambda k, s=scores: (-s[k], k)) if scores[k] > 0]
        rankings.append(ranked)
        relevant.update(ranked)
    # Segments no query matches come last, spread evenly over the sources rather than from the
    # start, so that a summary still sees the whole conversation when the budget allows.
    rest = [k for k in range(len(rows)) if k not in relevant]
    rankings.append([rest[i] for i in sorted(range(len(rest)), key=_spread)])
    chosen: set[int] = set()
    used = 0
    cursors = [0] * len(rankings)
    full = [False] * len(rankings)
    while not all(full):
        for qi, ranking in enumerate(rankings):
            if full[qi] or (qi == len(rankings) - 1 and not all(full[:-1])):
                continue  # unmatched segments only once the queries have had their turn
            while cursors[qi] < len(ranking) and ranking[cursors[qi]] in chosen:
                cursors[qi] += 1
            if cursors[qi] >= len(ranking):
                full[qi] = True
                continue
            k = ranking[cursors[qi]]
            if used + rows[k][3] > budget_tokens:
                full[qi] = True  # the next best does not fit; stop this query (keep ranks honest)
                continue
            chosen.add(k)
            used += rows[k][3]
    return _group(rows[k] for k in sorted(chosen))


def split_for_budget(documents: Sequence[Document], budget_tokens: int) -> list[list[ContextChunk]]:
    """Consecutive parts that each fit `budget_tokens` and together cover every segment.

    Parts overlap by a couple of segments so a statement cut at a boundary is whole in one of
    them; a single segment larger than the budget still gets a part of its own (sent whole:
    truncating it would hide the part that was cut).
    """
    rows = _doc_segments(documents)
    parts: list[list[ContextChunk]] = []
    start = 0
    while start < len(rows):
        used, end = 0, start
        while end < len(rows) and (end == start or used + rows[end][3] <= budget_tokens):
            used += rows[end][3]
            end += 1
        parts.append(_group(rows[start:end]))
        if end >= len(rows):
            break
        start = max(end - SPLIT_OVERLAP_SEGMENTS, start + 1)
    return parts


def plan_context(spec: SectionSpec, documents: Sequence[Document], budget_tokens: int) -> ContextPlan:
    """Decide, for one section, which calls to make and what each one sees (see module doc)."""
    rows = _doc_segments(documents)
    total = len(rows)
    if sum(r[3] for r in rows) <= budget_tokens:
        return ContextPlan(parts=[_group(rows)], strategy="all", total_segments=total, sent_segments=total)
    if spec.kind in MAP_KINDS:
        parts = split_for_budget(documents, budget_tokens)
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
    chunks = select_context(spec, documents, budget_tokens)
    sent = sum(len(c.segment_ids) for c in chunks)
    dropped = total - sent
    notes = []
    if dropped:
        notes.append(
            f"context: the sources exceed the per-call budget of {budget_tokens} tokens; this section was written "
            f"from the {sent} of {total} segments most relevant to it (BM25), {dropped} were not sent. "
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
