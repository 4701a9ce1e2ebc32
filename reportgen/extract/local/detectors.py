"""Learned detectors of meeting action items and decisions: which sentences state one, with what confidence.

Cue words alone fill a podcast with "decisions". These detectors are logistic models trained on
the AMI meetings' fit fold (`reportgen.evals.ami_train`): a sentence is a positive when it is one
of the dialogue acts the annotators linked to an action or a decision. Since only text reaches
the engine (no dialogue-act types), the features are what a reader sees in and around it: its
words and word pairs, the words that open the sentence before and the reply after, whether the
speaker changed, where in the meeting it falls, its length, whether the speaker is the one
who talks most (in a design meeting, the chair), a few task shapes (a future with a role or
"you", near talk of next time), and what the cue rules (`cues.py`) read in
it. Each model ships as JSON (feature -> weight, a Platt calibration and the threshold chosen
out of fold inside the fit fold) and is scored here with dictionary look-ups: no scikit-learn
at run time, milliseconds for an hour.

`probabilities(index, kind)` is the calibrated probability per sentence (None for sentences too
short or empty to be items); the strategies keep those at or above the model's threshold. A
detector whose best out-of-fold precision is below `ami_train.MIN_PRECISION` ships *silent*
(threshold above 1): it finds nothing, and its probability is only the items' score.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import reportgen.extract.local.cues as C
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.sentences import Sentence
from reportgen.text import is_backchannel

MODEL_DIR = Path(__file__).with_name("models")
KINDS = ("action", "decision")
MODEL_VERSION = 2  # 2: the task shapes of `_task_features`
MIN_WORDS = 3  # "Um for user interface, technical functions" is an AMI action: shorter ones never are
CONTEXT_WORDS = 6  # how many words of the sentence before and the reply after are features

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Task shapes: a sentence that hands out or takes on work says what will happen ("gonna", "have to"), to
# whom (a role, "you") and sits near the talk of what happens next. Words alone learn these from AMI's
# 93 fit positives only one wording at a time; as conjunctions they raised the out-of-fold strict F1
# of action items from 0.246 to 0.264 (AUPR 0.222 -> 0.241; `ami_train`, 3 folds by series).
_FUTURE_RE = re.compile(r"\b(?:gonna|going to|will|'ll|have to|need to|should|must|got to|gotta)\b", re.IGNORECASE)
_ROLE_WORD_RE = re.compile(r"\b(?:designer|expert|manager|marketing|interface|industrial)\b", re.IGNORECASE)
_YOU_RE = re.compile(r"\byou(?:'ll|'re| are| will| have| need| should| can| could)?\b", re.IGNORECASE)
_NEXT_RE = re.compile(r"\b(?:next meeting|next time|individual work|before the next|for next|homework|e-?mail|send)\b",
                      re.IGNORECASE)
NEAR = 3  # sentences either side that count as near the talk of what happens next
_NUM_RE = re.compile(r"^\d")


def model_file(kind: str) -> Path:
    return MODEL_DIR / f"{kind}s.json"


def tokens(text: str) -> list[str]:
    """Lower-case words, numbers folded to one token, apostrophes kept ("i'll", "we're")."""
    return ["<num>" if _NUM_RE.match(w) else w for w in _TOKEN_RE.findall(text.lower().replace("\u2019", "'"))]


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    return sum(1 for e in edges if value >= e)


def sentence_features(sentences: list[Sentence], i: int, doc_pos: float, main_speaker: str | None,
                      toks: list[list[str]] | None = None, nexts: list[bool] | None = None) -> list[str]:
    """Features of sentence i (see the module doc); `doc_pos` is its position in its document, 0..1;
    `toks` the `tokens` of every sentence and `nexts` whether each talks of what happens next
    (`_NEXT_RE`), when the caller has them already."""
    s = sentences[i]

    def tok(k: int) -> list[str]:
        return toks[k] if toks is not None else tokens(sentences[k].text)

    words = tok(i)
    feats = ["w=" + w for w in dict.fromkeys(words)]
    feats += ["b=" + a + "|" + b for a, b in dict.fromkeys(zip(["<s>", *words], [*words, "</s>"], strict=True))]
    feats.append(f"len={_bucket(len(words), (4, 7, 12, 20, 35))}")
    feats.append(f"pos={_bucket(doc_pos, (0.1, 0.25, 0.5, 0.75, 0.9))}")
    if s.is_question:
        feats.append("q")
    feats += _cue_features(s.text)
    near = range(max(0, i - NEAR), min(len(sentences), i + NEAR + 1))
    feats += _task_features(s.text, any(nexts[k] if nexts is not None else bool(_NEXT_RE.search(sentences[k].text))
                                        for k in near if sentences[k].doc_index == s.doc_index))
    prev = sentences[i - 1] if i > 0 and sentences[i - 1].doc_index == s.doc_index else None
    nxt = sentences[i + 1] if i + 1 < len(sentences) and sentences[i + 1].doc_index == s.doc_index else None
    if prev is None or prev.speaker != s.speaker:
        feats.append("turn-start")
        if prev is not None:
            feats += ["p=" + w for w in dict.fromkeys(tok(i - 1)[:CONTEXT_WORDS])]
            if prev.is_question:
                feats.append("p-q")
    if nxt is not None and nxt.speaker != s.speaker:
        feats += ["n=" + w for w in dict.fromkeys(tok(i + 1)[:CONTEXT_WORDS])]
    if main_speaker is not None and s.speaker == main_speaker:
        feats.append("main-speaker")
    return feats


def _cue_features(text: str) -> list[str]:
    """What the hand-written cue rules read in a sentence, as features whose weights AMI decides: a request
    ("can you ...?") and an acceptance ("Sure, I can take that"). (The cue families' phrases, deadline
    phrases and `cues.commitment_subject` were tried: AMI gave the first two weights near zero, the third
    added nothing out of fold that the words do not say, and together they cost a fifth of the
    extraction's time budget.)"""
    out = []
    if C.is_request(text):
        out.append("req")
    if C.is_acceptance(text):
        out.append("acc")
    return out


def _task_features(text: str, near_next: bool) -> list[str]:
    """The task shapes (see `_FUTURE_RE`): future or obligation with a role or "you", and near "next time"."""
    out = ["x:near-next"] if near_next else []
    if _FUTURE_RE.search(text):
        if _ROLE_WORD_RE.search(text):
            out.append("x:role+fut")
        if _YOU_RE.search(text):
            out.append("x:you+fut")
        if near_next:
            out.append("x:fut+near-next")
    return out


def index_features(index: SourceIndex) -> list[list[str] | None]:
    """Features of every sentence of the index that may be an item (None for the others)."""
    by_doc: dict[int, list[int]] = {}
    for k, s in enumerate(index.sentences):
        by_doc.setdefault(s.doc_index, []).append(k)
    toks = [tokens(s.text) for s in index.sentences]
    nexts = [bool(_NEXT_RE.search(s.text)) for s in index.sentences]
    out: list[list[str] | None] = [None] * len(index.sentences)
    for di, ks in by_doc.items():
        n = max(len(ks) - 1, 1)
        for rank, k in enumerate(ks):
            s = index.sentences[k]
            if s.words < MIN_WORDS or is_backchannel(s.text):
                continue
            out[k] = sentence_features(index.sentences, k, rank / n, index.main_speaker.get(di), toks, nexts)
    return out


@dataclass(frozen=True)
class Detector:
    kind: str
    weights: dict[str, float]
    bias: float
    platt: tuple[float, float]  # calibrated probability = sigmoid(a * logit + b)
    threshold: float  # on the calibrated probability; above 1 when the detector was found not good enough to speak
    merge: bool = True  # one finding per run of found sentences by one speaker (`runs`), chosen out of fold

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Detector:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"detector model version {data.get('version')!r}, expected {MODEL_VERSION}")
        weights = data["weights"]
        if not isinstance(weights, dict):
            raise ValueError("detector weights must be an object of feature -> weight")
        a, b = data["platt"]
        return cls(kind=str(data["kind"]), weights=weights, bias=float(data["bias"]), platt=(float(a), float(b)),
                   threshold=float(data["threshold"]), merge=bool(data.get("merge", True)))

    def logit(self, feats: list[str]) -> float:
        g = self.weights.get
        return self.bias + sum(g(f, 0.0) for f in feats)

    def probability(self, feats: list[str]) -> float:
        a, b = self.platt
        z = a * self.logit(feats) + b
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@lru_cache(maxsize=4)
def load(kind: str, path: str | None = None) -> Detector:
    """Loaded once per process; the files ship inside the package."""
    if kind not in KINDS:
        raise ValueError(f"no detector for {kind!r}; there are {', '.join(KINDS)}")
    with open(path or model_file(kind), encoding="utf-8") as f:
        return Detector.from_json(json.load(f))


# The features of the last index scored: both sections of one report share them.
_LAST: list[tuple[SourceIndex, list[list[str] | None]]] = []


def _features(index: SourceIndex) -> list[list[str] | None]:
    if _LAST and _LAST[0][0] is index:
        return _LAST[0][1]
    feats = index_features(index)
    _LAST[:] = [(index, feats)]
    return feats


def probabilities(index: SourceIndex, kind: str, detector: Detector | None = None) -> list[float | None]:
    """The calibrated probability that each sentence states a `kind` (None: too short to be an item)."""
    d = detector or load(kind)
    return [None if f is None else d.probability(f) for f in _features(index)]


@dataclass(frozen=True)
class Found:
    sentence: Sentence
    probability: float


def detect(index: SourceIndex, kind: str, cap: int, detector: Detector | None = None) -> list[Found]:
    """The sentences stating a `kind` at or above the detector's threshold, at most `cap` (the most
    probable), in source order."""
    d = detector or load(kind)
    return choose(index, probabilities(index, kind, d), d.threshold, cap)


def choose(index: SourceIndex, probs: list[float | None], threshold: float, cap: int) -> list[Found]:
    """The sentences at or above `threshold`, at most `cap`, in source order. A quote said twice in its
    document cannot be located, so it is left out."""
    found = [Found(index.sentences[k], p) for k, p in enumerate(probs) if p is not None and p >= threshold]
    best: list[Found] = []
    for f in sorted(found, key=lambda f: (-f.probability, f.sentence.index)):
        if len(best) >= cap:
            break
        if index.unique(f.sentence):  # counted only for those taken: it reads the whole document
            best.append(f)
    return sorted(best, key=lambda f: f.sentence.index)


def runs(found: list[Found], merge: bool = True) -> list[list[Found]]:
    """Found sentences said one after another by the same speaker, as one finding each: AMI's annotators
    link "Um and uh marketing executive," and "you'll be thinking about what requirements it has" to
    one action, and two items for it would be one right and one wrong."""
    if not merge:
        return [[f] for f in found]
    out: list[list[Found]] = []
    for f in found:
        last = out[-1][-1].sentence if out else None
        s = f.sentence
        same = last is not None and (s.doc_index, s.speaker) == (last.doc_index, last.speaker)
        if same and last is not None and s.index - last.index == 1:
            out[-1].append(f)
        else:
            out.append([f])
    return out
