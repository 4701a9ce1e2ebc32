"""What the offline engine reads of a report's sources, prepared once per run for every section.

Sentences (exact spans of `Document.text`), their terms (`reportgen.text.terms`, the terms
context selection uses too), which of them may become items, a BM25 index over those
(`reportgen.corpus.TermIndex`), how central each is to its document, and each document's date.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from reportgen.corpus import Corpus, SegmentIndex, TermIndex
from reportgen.dates import meeting_date
from reportgen.embeddings import embed
from reportgen.extract.local.sentences import Sentence, split_sentences
from reportgen.models import Document
from reportgen.text import is_backchannel, terms

MIN_WORDS = 5
LIFT_BOTH = True  # a passage's lift is the lower of its words' and its meaning's (bench/passage_floor.py)
MIN_BACKGROUND = 40  # candidates a document needs before "above its background" means anything
LOO_CAP = 10.0  # a lift when every other sentence scores the same  # shorter sentences are never items ("Sounds good.")


@dataclass
class SourceIndex:
    """Everything the engine precomputes once per run over all documents."""

    documents: list[Document]
    sentences: list[Sentence]
    toks: list[list[str]]  # each sentence's terms
    candidates: list[int]  # indices of sentences that may become items
    bm25: TermIndex  # over the candidates, in their order
    centrality: list[float]
    dates: list[date | None]
    main_speaker: dict[int, str | None] = field(default_factory=dict)
    segments: SegmentIndex | None = None  # the report's segment index, whose embeddings passages rank by
    _embedded: np.ndarray | None = field(default=None, repr=False)  # candidates' embeddings, where segments have none

    @classmethod
    def build(cls, corpus: Corpus, meeting: date | None = None) -> SourceIndex:
        """`meeting` is the report's date, for documents that carry no date of their own."""
        documents = corpus.documents
        sentences = split_sentences(documents)
        toks = [terms(s.text) for s in sentences]
        ends = [s.text.rstrip("\"')\u201d\u2019").endswith((".", "!", "?")) for s in sentences]
        punctuated = {s.doc_index for s, e in zip(sentences, ends, strict=True) if e}
        candidates = [
            i
            for i, s in enumerate(sentences)
            if s.words >= MIN_WORDS
            and not is_backchannel(s.text)
            # a short run without an ending in punctuated text is a false start ("N with regard to the")
            and (ends[i] or s.words >= 8 or s.doc_index not in punctuated)
        ]
        bm25 = TermIndex([toks[i] for i in candidates])
        dates = [meeting_date(d.meta.get("date")) or meeting for d in documents]
        index = cls(documents, sentences, toks, candidates, bm25, _centrality(sentences, toks), dates,
                    segments=corpus.segments)
        for di in range(len(documents)):
            words: Counter[str] = Counter()
            for s in sentences:
                if s.doc_index == di and s.speaker:
                    words[s.speaker] += s.words
            index.main_speaker[di] = words.most_common(1)[0][0] if len(words) > 1 else None
        return index

    def relevance(self, query: str) -> tuple[list[float], list[int]]:
        """Per candidate: BM25 score normalised to [0, 1], and how many distinct query terms it shares."""
        q = list(dict.fromkeys(terms(query)))
        if not q or not self.candidates:
            return [0.0] * len(self.candidates), [0] * len(self.candidates)
        raw = self.bm25.scores(q)
        top = max(float(raw.max()), 1e-9)
        qs = set(q)
        overlap = [len(qs.intersection(self.toks[i])) for i in self.candidates]
        return [max(0.0, float(r)) / top for r in raw], overlap

    def lift(self, query: str, similarity: np.ndarray | None = None) -> list[float]:
        """Per candidate: how far its relevance to `query` stands above its own document's background,
        in standard deviations of the others' (BM25, and embedding similarity when given: the lower of the
        two, so both words and meaning must agree). Relevance scaled
        to the best sentence always offers something, even from a source that never touches the
        section; this says whether anything is clearly about it (the passages' floor)."""
        q = list(dict.fromkeys(terms(query)))
        if not self.candidates:
            return []
        raw = self.bm25.scores(q) if q else np.zeros(len(self.candidates))
        signals = [np.asarray(raw, dtype=float)]
        if similarity is not None:
            signals.append(np.asarray(similarity, dtype=float))
        docs = np.asarray([self.sentences[i].doc_index for i in self.candidates])
        zs = []
        for sig in signals:
            z = np.zeros(len(self.candidates))
            for di in np.unique(docs):
                m = docs == di
                # too few sentences to be a background (a 10-line note about one thing): no floor there
                z[m] = _loo_z(sig[m]) if m.sum() >= MIN_BACKGROUND else LOO_CAP
            zs.append(z)
        out = np.minimum.reduce(zs) if LIFT_BOTH else np.mean(zs, axis=0)
        return out.tolist()

    def sentence_similarity(self, query: str) -> np.ndarray | None:
        """Cosine similarity of each candidate to `query`, from the candidates' own embeddings (made on first
        use, once per run); None without wordllama. The relevance floor needs meaning as well as words:
        on QMSum words alone offered passages at precision 0.28 against 0.40 with both (random 0.13)."""
        if self._embedded is None:
            self._embedded = embed([self.sentences[i].text for i in self.candidates])
            if self._embedded is None:
                return None
        q = embed([query])
        return None if q is None else self._embedded @ q[0]

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
            if n.words < MIN_WORDS or is_backchannel(n.text):
                continue
            if other_speaker is None or (n.speaker != s.speaker) == other_speaker:
                return n
            if other_speaker is False:
                return None  # the speaker changed: the same speaker's next sentence is not near
        return None


def _loo_z(x: np.ndarray) -> np.ndarray:
    """Each value against the mean and spread of the *other* values: in a short document a plain z-score
    cannot exceed sqrt(n) (a 10-sentence note could never stand out by 3), leaving each value out can."""
    n = len(x)
    if n < 3:
        return np.zeros(n)
    s, q = float(x.sum()), float((x * x).sum())
    mean = (s - x) / (n - 1)
    var = np.maximum((q - x * x) / (n - 1) - mean * mean, 0.0)
    sd = np.sqrt(var)
    return np.where(sd > 1e-9, (x - mean) / np.maximum(sd, 1e-9), np.where(x > mean + 1e-9, LOO_CAP, 0.0)).clip(
        -LOO_CAP, LOO_CAP)


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
