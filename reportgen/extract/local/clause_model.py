"""The learned contract-clause classifier: which sentence of an agreement is its assignment clause, its
liability cap, its governing law, scored with a calibrated probability per clause kind.

Hand-written clause patterns tuned on 14 contracts fell on others ("Prices quoted are exclusive of
travel" read as exclusivity). This model is trained on CUAD's 408 expert-labelled contracts as our
own PDF ingest reads them (`reportgen/evals/cuad_train.py`, `make train-cuad`): one L1 logistic
model per kind over the unit's words, word pairs, the heading it sits under and where it sits,
calibrated (Platt) on out-of-fold scores, with a threshold per kind chosen by cross-validation on
the fit fold. The shipped file holds only the non-zero weights; scoring is dictionary look-ups and
one numpy sum, so the package needs no scikit-learn at run time.
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

from reportgen.errors import ConfigError
from reportgen.extract.local.clause_values import non_exclusive_only
from reportgen.extract.local.clauses import DATE_RE, Unit

MODEL_FILE = Path(__file__).with_name("models") / "cuad_clauses.json"
MODEL_VERSION = 3  # 2: preamble words, date and defined-name flags; 3: termination and exclusivity cues

_TOKEN = re.compile(r"[a-z]+(?:['\u2019][a-z]+)?|\d+(?:[.,]\d+)*|[$%\u00a7]")
_NUM = re.compile(r"^\d")


def _tokens(text: str) -> list[str]:
    return ["<num>" if _NUM.match(t) else t for t in _TOKEN.findall(text.lower())]


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    for k, e in enumerate(edges):
        if n <= e:
            return k
    return len(edges)


_PREAMBLE = 12
_PREAMBLE_WORDS = frozenset({"between", "among", "by", "and", "dated", "effective", "made", "entered", "into", "as",
                             "of", "this", "agreement", "day", "inc", "corporation", "llc", "ltd", "company",
                             "<num>", "hereinafter", "party", "parties"})  # fmt: skip
_ALIAS_RE = re.compile(r"\(\s*(?:the\s+|hereinafter\s+)?[\"\u201c][^\"\u201d]{1,40}[\"\u201d]")


_TERMINATE = re.compile(r"\b(?:terminat|cancel)\w*", re.IGNORECASE)
# Termination for convenience: an end a party may choose without a breach ("for any reason", "upon sixty (60)
# days' written notice"); single words cannot say it, their co-occurrence in one sentence can.
_AT_WILL = re.compile(r"\bconvenience\b|\bwithout\s+cause\b|\bfor\s+(?:any|no)\s+reason\b|\bat\s+any\s+time\b|"
                      r"\bnon-?cause\b|\bsole\s+(?:and\s+absolute\s+)?discretion\b|\bat\s+will\b", re.IGNORECASE)
_NOTICE_DAYS = re.compile(r"\b(?:\d+|\w+\s*\(\d+\))\s*(?:calendar\s+|business\s+)?(?:days?|months?)['\u2019]?\s+"
                          r"(?:prior\s+|advance\s+|written\s+|notice)", re.IGNORECASE)
_BREACH = re.compile(r"\bbreach|\bdefault|\binsolven|\bbankrupt", re.IGNORECASE)
# What is terminated may be something else than the agreement: an insurance policy's coverage ("will not modify
# or terminate any coverage without thirty (30) days' prior written notice"). Of the fit fold's 121 sentences
# that name insurance, a policy or coverage beside "terminate" or "cancel", none is labelled Termination For
# Convenience (of its 136 labelled units with "terminate" or "cancel").
INSURANCE = re.compile(r"\binsur\w*|\bcoverages?\b|\bpolic(?:y|ies)\b", re.IGNORECASE)


def _cues(text: str) -> set[str]:
    """Co-occurrence cues a bag of words misses: a termination at a party's choice (with or without a notice
    period, and whether a breach is named), and a non-exclusive grant (which CUAD does not call exclusivity)."""
    out = set()
    if _TERMINATE.search(text):
        will, notice, breach = bool(_AT_WILL.search(text)), bool(_NOTICE_DAYS.search(text)), bool(_BREACH.search(text))
        if will:
            out.add("c:terminate_at_will")
        if notice:
            out.add("c:terminate_on_notice")
        if (will or notice) and not breach:
            out.add("c:terminate_no_breach")
    if non_exclusive_only(text):
        out.add("c:non_exclusive")
    elif re.search(r"\bexclusiv", text, re.IGNORECASE):
        out.add("c:exclusive")
    return out


def unit_features(unit: Unit, position: int, total: int) -> list[str]:
    """The features of one unit: its words and word pairs, its heading's words, where it sits in the
    agreement (the preamble names parties and date; signature blocks do not), and its shape."""
    words = _tokens(unit.text[:1500])
    feats = {f"w:{w}" for w in words}
    feats.update(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    for h in {unit.heading or "", unit.section_heading or ""}:
        feats.update(f"h:{w}" for w in _tokens(h) if w != "<num>")
    if not unit.heading and not unit.section_heading:
        feats.add("h:<none>")
    feats.add(f"i:{_bucket(position, (0, 1, 2, 4, 8, 16, 32, 64, 128))}")
    feats.add(f"r:{min(9, int(10 * position / max(1, total)))}")
    feats.add(f"n:{_bucket(len(words), (4, 8, 15, 30, 60, 100))}")
    if position < _PREAMBLE:  # the preamble's words mean parties and date; the same words later mean little
        feats.update(f"p:{w}" for w in words[:40] if w in _PREAMBLE_WORDS)
    text = unit.text[:1500]
    if DATE_RE.search(text):
        feats.add("s:date")
    if _ALIAS_RE.search(text):
        feats.add("s:alias")
    feats.update(_cues(text))
    if unit.first:
        feats.add("s:first")
    if unit.definition:
        feats.add("s:definition")
    if unit.skip:
        feats.add("s:skip")
    return sorted(feats)


@dataclass
class KindModel:
    """One clause kind's calibrated linear model and its decision threshold."""

    bias: float
    platt_a: float
    platt_b: float
    threshold: float


@dataclass
class ClauseModel:
    kinds: list[str]
    index: dict[str, int]  # feature -> row of `weights`
    weights: np.ndarray  # features x kinds
    models: list[KindModel]
    meta: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClauseModel:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"clause model version {data.get('version')!r}, expected {MODEL_VERSION}: "
                             "rebuild it with `make train-cuad`")
        kinds = list(data["kinds"])
        feats: dict[str, int] = {}
        rows: list[tuple[int, int, float]] = []
        for k, kind in enumerate(kinds):
            for f, w in data["models"][kind]["weights"].items():
                rows.append((feats.setdefault(f, len(feats)), k, float(w)))
        weights = np.zeros((len(feats) + 1, len(kinds)))  # the last row: features the model never saw
        for r, k, w in rows:
            weights[r, k] = w
        models = [KindModel(float(data["models"][k]["bias"]), float(data["models"][k]["platt_a"]),
                            float(data["models"][k]["platt_b"]), float(data["models"][k]["threshold"]))
                  for k in kinds]  # fmt: skip
        return cls(kinds, feats, weights, models, data.get("meta", {}))

    def margins(self, features: list[list[str]]) -> np.ndarray:
        """Raw linear scores, units x kinds."""
        unseen = len(self.index)
        rows = [self.index.get(f, unseen) for fs in features for f in fs]
        owner = np.repeat(np.arange(len(features)), [len(fs) for fs in features])
        out = np.zeros((len(features), len(self.kinds)))
        if rows:
            np.add.at(out, owner, self.weights[np.asarray(rows)])
        return out + np.array([m.bias for m in self.models])

    def probabilities(self, units: list[Unit]) -> np.ndarray:
        """Calibrated P(unit is the kind's clause), units x kinds."""
        feats = [unit_features(u, k, len(units)) for k, u in enumerate(units)]
        z = self.margins(feats)
        a = np.array([m.platt_a for m in self.models])
        b = np.array([m.platt_b for m in self.models])
        return 1.0 / (1.0 + np.exp(-(a * z + b)))

    def threshold(self, kind: str) -> float:
        return self.models[self.kinds.index(kind)].threshold


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_FILE) -> ClauseModel:
    """The shipped model. A missing file is an error, not a quiet fall-back: the rules the model replaced
    scored strict F1 0.33 on CUAD's validation fold, and a diligence memo built on them would not say so."""
    if not path.is_file():
        raise ConfigError(f"contract clause model {path} is missing: reinstall reportgen, or rebuild it "
                             "with `make train-cuad`")
    return ClauseModel.from_json(json.loads(path.read_text(encoding="utf-8")))
