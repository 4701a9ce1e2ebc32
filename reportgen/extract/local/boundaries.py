"""Where sentences end in text that has no punctuation (auto-captions, unpunctuated ASR).

A quote that starts and ends mid-sentence reads as noise, and fixed word windows cut
exactly there. Three kinds of evidence say where a sentence ends instead:

- the words around each gap between two words ("so" / "okay" start sentences, "right"
  / "yeah" end them): a logistic model over word and word-pair features, trained on
  punctuated meeting transcripts with their punctuation stripped (`boundary_train.py`),
  shipped as JSON and scored here with plain dictionary look-ups;
- a capital letter after the gap, when the text is cased at all (a lower-case caption
  file gets no such feature, and the model was trained on both kinds);
- caption cue edges and the pauses between cues. How much a cue edge means depends on the
  tool that cut the cues (Whisper ends a cue at nearly every sentence end, YouTube's
  auto-captions at fixed lengths), so it is not a trained weight: each document's own
  likelihood ratio is estimated by a few rounds of EM against the word model's scores.

Decoding keeps the strongest gaps above the trained threshold at least `min_words` apart
and cuts any sentence still longer than `max_words` at its strongest gap, so a quote is
never longer than the fixed windows were.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).with_name("models") / "boundaries.json"
MODEL_VERSION = 1

# Cue classes for the per-document EM: no cue edge, an edge without a pause, an edge after a pause.
NO_CUE, CUE, PAUSE = 0, 1, 2
PAUSE_SECONDS = 0.5

_EDGE_PUNCT = "\"'()[]{}.,;:!?\u2026\u201c\u201d\u2018\u2019-\u2013\u2014*_<>"
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'll", "i'd", "i\u2019m", "i\u2019ve", "i\u2019ll", "i\u2019d"})
_NUM_RE = re.compile(r"^\d[\d.,:]*$")


def norm(token: str) -> str:
    """The feature form of a token: lower case, edge punctuation off, numbers folded together."""
    w = token.strip(_EDGE_PUNCT).lower()
    if not w:
        return "<p>"
    return "<num>" if _NUM_RE.match(w) else w


def is_cased(tokens: list[str]) -> bool:
    """Mixed case carries sentence starts; all-lower or ALL-CAPS captions carry none."""
    letters = [t for t in tokens[:5000] if t[:1].isalpha()]
    if len(letters) < 20:
        return False
    upper = sum(1 for t in letters if t[0].isupper())
    return 0.02 <= upper / len(letters) <= 0.6


def gap_features(words: list[str], tokens: list[str], i: int, cased: bool) -> list[str]:
    """Features of the gap after word i (`words` normalised, `tokens` as written)."""
    n = len(words)
    p1 = words[i]
    p2 = words[i - 1] if i >= 1 else "<s>"
    n1 = words[i + 1] if i + 1 < n else "</s>"
    n2 = words[i + 2] if i + 2 < n else "</s>"
    feats = ["p1=" + p1, "n1=" + n1, "p2=" + p2 + "|" + p1, "n2=" + n1 + "|" + n2, "pn=" + p1 + "|" + n1,
             "pp=" + p2, "nn=" + n2]
    if p1 == n1:
        feats.append("rep")  # "the the": a restart, rarely a sentence end
    if cased and i + 1 < n:
        nxt = tokens[i + 1]
        if nxt[:1].isupper() and n1 not in _FIRST_PERSON:
            feats.append("cap")
            feats.append("cap|n1=" + n1)
    return feats


@dataclass(frozen=True)
class BoundaryModel:
    weights: dict[str, float]
    bias: float
    threshold: float
    min_words: int
    max_words: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BoundaryModel:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"boundary model version {data.get('version')!r}, expected {MODEL_VERSION}")
        weights = data["weights"]
        if not isinstance(weights, dict):
            raise ValueError("boundary model weights must be an object of feature -> weight")
        return cls(
            weights=weights,  # JSON numbers are floats already; converting 10^5 of them costs real time
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            min_words=int(data["min_words"]),
            max_words=int(data["max_words"]),
        )

    def logits(self, tokens: list[str], cased: bool | None = None) -> list[float]:
        """The word model's log-odds of a sentence end after each token (the last one included).

        The sum of the weights of `gap_features`, computed with the single-word weights
        looked up once per distinct word: an hour of captions is scored in milliseconds.
        """
        memo: dict[str, str] = {}
        words = [memo.get(t) or memo.setdefault(t, norm(t)) for t in tokens]
        if cased is None:
            cased = is_cased(tokens)
        g = self.weights.get
        padded = ["<s>", *words, "</s>", "</s>"]
        vocab = set(padded)
        p1w = {v: g("p1=" + v, 0.0) for v in vocab}
        n1w = {v: g("n1=" + v, 0.0) for v in vocab}
        ppw = {v: g("pp=" + v, 0.0) for v in vocab}
        nnw = {v: g("nn=" + v, 0.0) for v in vocab}
        rep, cap = g("rep", 0.0), g("cap", 0.0)
        n = len(words)
        out = []
        for i in range(n):
            p2, p1, n1, n2 = padded[i], padded[i + 1], padded[i + 2], padded[i + 3]
            x = (self.bias + p1w[p1] + n1w[n1] + ppw[p2] + nnw[n2] + g("p2=" + p2 + "|" + p1, 0.0)
                 + g("n2=" + n1 + "|" + n2, 0.0) + g("pn=" + p1 + "|" + n1, 0.0))
            if p1 == n1:
                x += rep
            if cased and i + 1 < n and tokens[i + 1][:1].isupper() and n1 not in _FIRST_PERSON:
                x += cap + g("cap|n1=" + n1, 0.0)
            out.append(x)
        return out


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> BoundaryModel:
    """Loaded once per process; the file ships inside the package."""
    with open(path or MODEL_FILE, encoding="utf-8") as f:
        return BoundaryModel.from_json(json.load(f))


def adapt_to_cues(logits: list[float], cues: list[int], rounds: int = 3) -> list[float]:
    """Add each cue class's log likelihood ratio, estimated on this document by EM.

    `cues[i]` is the class of the gap after word i (NO_CUE, CUE or PAUSE). Where every gap
    has the same class there is nothing to learn and the logits come back unchanged.
    """
    if len(set(cues)) < 2:
        return list(logits)
    x = np.asarray(logits, dtype=np.float64)
    c = np.asarray(cues, dtype=np.int64)
    k = int(c.max()) + 1
    shift = np.zeros(k)
    post = 1.0 / (1.0 + np.exp(-x))
    for _ in range(rounds):
        pos = np.bincount(c, weights=post, minlength=k) + 1.0  # add-one smoothing
        neg = np.bincount(c, weights=1.0 - post, minlength=k) + 1.0
        shift = np.log((pos / pos.sum()) / (neg / neg.sum()))
        post = 1.0 / (1.0 + np.exp(-(x + shift[c])))
    out: list[float] = (x + shift[c]).tolist()
    return out


def decode(logits: list[float], threshold: float, min_words: int, max_words: int,
           hard: frozenset[int] = frozenset()) -> list[int]:
    """Word indices after which a sentence ends (the last word always does).

    Strongest gaps first, each kept if above the threshold and at least `min_words` from
    every end already kept; `hard` ends (turn marks) are kept unconditionally. Then any
    sentence longer than `max_words` is cut at its strongest gap.
    """
    n = len(logits)
    if n == 0:
        return []
    cut = math.log(threshold / (1.0 - threshold))
    ends = set(hard) | {n - 1}
    taken = sorted(ends)
    order = sorted((i for i in range(n - 1) if logits[i] >= cut and i not in ends), key=lambda i: -logits[i])
    for i in order:
        if _far_enough(taken, i, min_words):
            ends.add(i)
            _insort(taken, i)
    out: list[int] = []
    prev = -1
    for e in sorted(ends):
        out.extend(_cap_length(logits, prev + 1, e, max_words, min_words))
        prev = e
    return out


def _far_enough(taken: list[int], i: int, min_words: int) -> bool:
    """True when a sentence ending after word i leaves at least `min_words` on both sides."""
    lo, hi = 0, len(taken)
    while lo < hi:
        mid = (lo + hi) // 2
        if taken[mid] < i:
            lo = mid + 1
        else:
            hi = mid
    before = taken[lo - 1] if lo > 0 else -1
    after = taken[lo] if lo < len(taken) else None
    if i - before < min_words:
        return False
    return after is None or after - i >= min_words


def _insort(taken: list[int], i: int) -> None:
    lo, hi = 0, len(taken)
    while lo < hi:
        mid = (lo + hi) // 2
        if taken[mid] < i:
            lo = mid + 1
        else:
            hi = mid
    taken.insert(lo, i)


def _cap_length(logits: list[float], a: int, e: int, max_words: int, min_words: int) -> list[int]:
    """Ends for words a..e (inclusive), cutting at the strongest gap while longer than `max_words`."""
    if e - a + 1 <= max_words:
        return [e]
    margin = min(min_words, max(1, (e - a) // 4))
    lo, hi = a + margin - 1, e - margin
    if hi < lo:
        lo, hi = a, e - 1
    best = max(range(lo, hi + 1), key=lambda i: logits[i])
    return _cap_length(logits, a, best, max_words, min_words) + _cap_length(logits, best + 1, e, max_words, min_words)


def predict_ends(tokens: list[str], cues: list[int] | None = None, hard: frozenset[int] = frozenset(),
                 model: BoundaryModel | None = None, cased: bool | None = None) -> list[int]:
    """Sentence ends (word indices) for unpunctuated tokens, with cue classes when the source has cues.

    `cased` is best decided on the whole document (a short span says little); None decides on `tokens`.
    """
    m = model or load_model()
    logits = m.logits(tokens, cased)
    if cues is not None:
        logits = adapt_to_cues(logits, cues)
    return decode(logits, m.threshold, m.min_words, m.max_words, hard)
