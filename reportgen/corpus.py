"""One report's sources, prepared once and handed to every stage that reads them.

The pipeline builds a `Corpus` per report and passes it explicitly (on the engines' `Run`):
the llm engine's context selection, the offline engine and grounding all read the same
segments, the same retrieval index and the same grounding index, and nothing is kept between
reports (no module-level caches keyed on content). What a stage derives from the sources for
its own use (context's prompt-line costs, say) is kept on the corpus with `memo`, so it too
lives exactly as long as the report.

`TermIndex` is the one word index: BM25 over term lists (`reportgen.text.terms`). The
corpus's `segments` index is one over every segment, and holds the segments' embeddings
(`reportgen.embeddings`, wordllama, when installed) computed once per report on first use;
`fuse` combines the two rankings; `smooth` spreads a ranking over neighbouring turns, for
answers that are a stretch of talk rather than a line. The offline engine builds a `TermIndex` over its candidate
sentences and borrows the segments' embeddings. Swapping the retrieval model is a change here.
Why fusion is reciprocal rank fusion with these weights: bench/retrieval.py, docs/eval.md.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from rank_bm25 import BM25Okapi

from reportgen.embeddings import embed
from reportgen.grounding import Grounder
from reportgen.models import Document, Segment
from reportgen.text import terms

T = TypeVar("T")
_EMPTY = "\0"  # the term of a text without any, so BM25 sees every document (and no query can match it)


class TermIndex:
    """BM25 (rank_bm25's Okapi) over texts given as term lists, scored per term and cached.

    rank_bm25 walks every text in Python for each query term, and the sections of a report ask
    for many of the same terms, so each term's scores are computed once; a query's score is
    their sum, in query order (the same floats rank_bm25 itself returns).
    """

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        self._n = len(texts)
        self._bm25 = BM25Okapi([list(t) or [_EMPTY] for t in texts]) if texts else None
        self._per_term: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return self._n

    def scores(self, query: Iterable[str]) -> np.ndarray:
        """Each text's score for the query terms; a repeated term counts again."""
        score = np.zeros(self._n)
        if self._bm25 is None:
            return score
        for term, n in Counter(query).items():
            per = self._per_term.get(term)
            if per is None:
                per = self._per_term[term] = np.asarray(self._bm25.get_scores([term]))
            score += n * per
        return score


@dataclass(frozen=True)
class Row:
    """One segment of the report's sources, with the document it belongs to."""

    doc_index: int  # 1-based, in the order the documents were given (the n of "D<n>" in prompts)
    document: Document
    segment: Segment


# How word scores and embedding similarity are fused, chosen on the AMI fit fold by
# `python bench/retrieval.py --tune` (mean recall@k / share sent at 5, 10 and 20% budgets):
# reciprocal rank fusion beat every weighted sum of scaled scores tried there.
FUSION = "rrf"  # "rrf" (reciprocal rank fusion) or "sum" (weighted sum of scores scaled to [0, 1])
RRF_K = 100  # rank offset: how far down a list still counts (tuned: 10, 30, 60 and 100 tried)
EMBED_WEIGHT = 0.4  # share of the fusion that is embedding similarity, against words (cues and BM25)


def unit(x: np.ndarray) -> np.ndarray:
    """Scores scaled to [0, 1] by their range (a constant score becomes all zero)."""
    if not len(x):
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x, dtype=float)


def _ranks(x: np.ndarray) -> np.ndarray:
    """0 for the best score; ties keep document order."""
    out = np.empty(len(x))
    out[np.argsort(-x, kind="stable")] = np.arange(len(x))
    return out


def fuse(words: np.ndarray, similarity: np.ndarray | None, *, fusion: str = FUSION, weight: float = EMBED_WEIGHT,
         k: int = RRF_K) -> np.ndarray:
    """Hybrid relevance from word scores and embedding similarity, scaled so the best is 1.

    Reciprocal rank fusion reads only each list's order, so a query whose word scores are all
    near zero cannot be swamped by the scale of the other. A segment with no word score at all
    keeps a word rank of the last place: it can still come up on meaning alone, never above a
    segment that has both. Without embeddings it is the word scores alone, and so it is when no
    segment scores on words: a query none of whose words or cues the sources say ("Scorecard")
    has nothing to anchor its meaning, and its nearest neighbours would be noise."""
    base = np.maximum(words, 0.0)
    if similarity is None or weight <= 0 or not len(base) or float(base.max()) <= 0:
        top = float(base.max(initial=0.0))
        return base / top if top > 0 else base
    if fusion == "sum":
        return unit((1 - weight) * unit(base) + weight * unit(similarity))
    word_rank = np.where(base > 0, _ranks(base), len(base))
    fused = (1 - weight) / (k + 1 + word_rank) + weight / (k + 1 + _ranks(similarity))
    return fused / float(fused.max())


def smooth(x: np.ndarray, spans: Iterable[tuple[int, int]], scale: float) -> np.ndarray:
    """`x` averaged over neighbouring positions within each span (a Gaussian of width `scale` x the
    span's length, renormalised at its ends so the first and last turns are not penalised); positions
    outside every span are left as they are. Words and meaning find the centre of a stretch of talk,
    the few turns that name its subject; the turns around them are its extent."""
    out = np.asarray(x, dtype=float).copy()
    for a, b in spans:
        sigma = scale * (b - a)
        if sigma < 0.5 or b - a < 2:
            continue
        reach = min(int(3 * sigma) + 1, (b - a - 1) // 2)  # a kernel no longer than the span
        kernel = np.exp(-0.5 * (np.arange(-reach, reach + 1) / sigma) ** 2)
        part = out[a:b]
        out[a:b] = np.convolve(part, kernel, mode="same") / np.convolve(np.ones(b - a), kernel, mode="same")
    return out


class SegmentIndex:
    """Every segment of the sources, as retrieval sees it: lowercased text, terms, BM25, pattern hits,
    and (when wordllama is installed) embeddings."""

    def __init__(self, rows: list[Row], semantic: bool = True) -> None:
        self.rows = rows
        self.semantic = semantic
        self.lowered = [" ".join(r.segment.text.lower().split()) for r in rows]
        self.terms = [terms(t) for t in self.lowered]
        self.bm25 = TermIndex(self.terms)
        # Every segment's lowercased text, one per line, so a pattern is searched once, not per segment.
        self._text = "\n".join(self.lowered)
        self._starts: list[int] = []
        pos = 0
        for t in self.lowered:
            self._starts.append(pos)
            pos += len(t) + 1
        self._hits: dict[tuple[str, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def spoken(self) -> bool:
        """Every source is a transcript: what embeddings were measured to help with."""
        return bool(self.rows) and all(r.document.kind == "transcript" for r in self.rows)

    @cached_property
    def embeddings(self) -> np.ndarray | None:
        """Each segment's unit embedding (rows order), or None without wordllama, with `semantic` off,
        or when a source is not a transcript; built on first use, so a report whose sources fit every
        call never pays for it. Contracts are left to words: on CUAD's fit fold fusing meaning in
        lowered the clause segments selected (50% -> 45% at a 20% budget; bench/retrieval.py), every
        paragraph of a contract being close in meaning to every clause kind."""
        if not self.semantic or not self.spoken:
            return None
        return embed([r.segment.text for r in self.rows])

    def similarity(self, text: str) -> np.ndarray | None:
        """Cosine similarity of each segment to `text`, or None without wordllama."""
        seg = self.embeddings
        query = embed([text]) if seg is not None else None
        return None if seg is None or query is None else seg @ query[0]

    def hits(self, pattern: re.Pattern[str]) -> np.ndarray:
        """1.0 for each segment where `pattern` (a compiled regex over lowercased text) matches at the
        start of a word, else 0.0; cached per pattern, since sections share many.

        The start of a word is checked here rather than by a look-behind in the pattern: a pattern
        that starts with a literal lets `re` search some 20 times faster.
        """
        key = (pattern.pattern, pattern.flags)
        found = self._hits.get(key)
        if found is None:
            found = np.zeros(len(self.rows))
            text = self._text
            for m in pattern.finditer(text):
                at = m.start()
                if at and (text[at - 1].isalnum() or text[at - 1] in "_'\u2019"):
                    continue  # inside a word: "ill" in "still"
                found[bisect.bisect_right(self._starts, at) - 1] = 1.0
            self._hits[key] = found
        return found


class Corpus:
    """A report's documents with what every stage reads of them, each built on first use."""

    def __init__(self, documents: Sequence[Document], grounder: Grounder | None = None, *,
                 semantic: bool = True) -> None:
        """`semantic=False` ranks by words alone even when wordllama is installed (the benchmark's peer)."""
        self.documents = list(documents)
        self.semantic = semantic
        self._given_grounder = grounder
        self._memo: dict[Callable[[Corpus], Any], Any] = {}

    @cached_property
    def grounder(self) -> Grounder:
        """The grounding index: where each quote of the report is located."""
        return self._given_grounder or Grounder(self.documents)

    @cached_property
    def rows(self) -> list[Row]:
        """Every segment, in document order."""
        return [Row(i, doc, seg) for i, doc in enumerate(self.documents, start=1) for seg in doc.segments]

    @cached_property
    def segments(self) -> SegmentIndex:
        """The retrieval index over every segment."""
        return SegmentIndex(self.rows, self.semantic)

    def memo(self, build: Callable[[Corpus], T]) -> T:
        """`build(self)`, computed once per corpus: what a stage derives from the sources for its own use."""
        if build not in self._memo:
            self._memo[build] = build(self)
        value: T = self._memo[build]
        return value
