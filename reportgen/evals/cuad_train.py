"""Train the contract-clause classifier (`reportgen/extract/local/clause_model.py`) from CUAD's fit fold.

Each fit contract of `cuad-train/` (reportgen/evals/folds.json) is read by our own PDF ingest, cut
into the units the engine cites (`clauses.contract_units`), and each unit labelled with the clause
kinds whose CUAD clause text it overlaps (CUAD gives text, not offsets: the texts are placed as the
eval places them, `gold._locate_quote`). Per kind, an L1 logistic model is fitted; its out-of-fold
scores (5 folds by contract) fit the Platt calibration and choose the threshold: per contract the
best-scoring unit becomes a row when its probability reaches the threshold, and the threshold kept
is the one with the best out-of-fold F1 of rows that would pass the strict eval (the row's citation
overlaps the gold and its text agrees, `strategies/contract.row_text`). The validation fold is left
to `make eval`.

scikit-learn is needed here only (the `train` extra); the result is a JSON file of weights.

    python -m reportgen.evals.cuad_train --corpus ../shared/corpus [--cache /tmp/cuad-cache/docs]
        [--keep-c]           each kind's C as the last full grid chose it (KEPT_C): a third of the time
        [--oof oof.npz]      the out-of-fold probabilities, for error analysis on the fit fold

The validation rows alone: `python -m reportgen.evals.cuad --corpus ../shared/corpus` (reportgen/evals/cuad.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from reportgen.evals.corpus import Contract, cuad_contracts
from reportgen.evals.cuad import CUAD_CLAUSES, DATE_CATEGORIES, clause_texts, date_evidence
from reportgen.evals.folds import FIT, VALIDATION, fold_of, load_folds
from reportgen.evals.gold import _locate_quote
from reportgen.evals.metrics import precision_at_recall
from reportgen.evals.text import text_agrees
from reportgen.extract.local.clause_model import MODEL_FILE, MODEL_VERSION, load_model, unit_features
from reportgen.extract.local.clauses import KINDS, Unit, contract_units
from reportgen.extract.local.strategies.contract import pick_unit, row_text
from reportgen.grounding import Grounder
from reportgen.ingest import ingest
from reportgen.models import Document

SEED = 13
C_GRID = (0.25, 0.5, 1.0)  # regularisation per kind, chosen on out-of-fold rows inside the fit fold
# `--keep-c`: each kind's C as the last full grid search on the fit fold chose it (a third of the training time)
KEPT_C = {"agreement dates": 0.5, "assignment": 0.25, "change of control": 1.0, "exclusivity": 0.25,
          "governing law": 1.0, "liability cap": 0.5, "parties": 0.25, "term and renewal": 0.25, "termination": 1.0}
MIN_COUNT = 3  # a feature seen in fewer units is a name or a typo: it would only memorise
KEEP_WEIGHT = 0.01
CV_FOLDS = 5
THRESHOLDS = [round(0.05 * k, 2) for k in range(1, 20)]


@dataclass
class Labelled:
    """One contract as training data: its units, each unit's kinds, and what a row must say per kind."""

    name: str
    doc: Document
    units: list[Unit]
    kinds: list[set[str]]
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    accept: dict[str, list[str]] = field(default_factory=dict)


def load_document(c: Contract, cache: Path | None) -> Document:
    """Our own ingest of the contract's PDF (cached as JSON when `cache` is given: ingest is the slow part)."""
    if cache is None:
        return ingest(c.pdf)[0]
    key = hashlib.sha256(str(c.pdf.resolve()).encode()).hexdigest()[:20]
    path = cache / f"{key}.json"
    if path.is_file():
        return Document.model_validate_json(path.read_text(encoding="utf-8"))
    doc = ingest(c.pdf)[0]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.model_dump_json(), encoding="utf-8")
    return doc


def _answer(row: dict[str, str], cat: str) -> str:
    for key in (f"{cat}-Answer", f"{cat}- Answer"):
        if key in row:
            return (row.get(key) or "").strip()
    return ""


def label(c: Contract, doc: Document) -> Labelled:
    """Units and their kinds: a unit is a kind's when at least a third of it (or 40 characters) lies in
    one of the kind's placed clause texts, or it holds one whole (a date, a party's name). A labelled date
    stated more than once labels its first occurrence only (labelling every one taught the model incidental
    mentions: out-of-fold F1 0.80 against 0.81), while a row quoting any of them passes, as in the eval."""
    units = contract_units(doc, 0)
    grounder = Grounder([doc])
    spans: dict[str, list[tuple[int, int]]] = {}  # where a row may quote (what the eval accepts)
    first: dict[str, list[tuple[int, int]]] = {}  # the labelled units: each text at its first occurrence
    accept: dict[str, list[str]] = {}
    for cat, kind in CUAD_CLAUSES.items():
        texts = clause_texts(c.row.get(cat, ""))
        if not texts:
            continue
        answer = _answer(c.row, cat)
        value = bool(answer) and answer.lower() not in ("yes", "no") and "[]" not in answer
        accept.setdefault(kind, []).extend([answer] if value else texts)
        for t in texts:
            place = _locate_quote(t, doc, grounder)
            if place is not None:
                first.setdefault(kind, []).append(place)
            placed = date_evidence(doc.text, t) if cat in DATE_CATEGORIES else []
            if placed and "span" in placed[0]:  # a date stated more than once: a row may quote any (as the eval)
                spans.setdefault(kind, []).extend((p["span"][0], p["span"][1]) for p in placed)
            elif place is not None:
                spans.setdefault(kind, []).append(place)
    kinds: list[set[str]] = []
    for u in units:
        got = set()
        for kind, ss in first.items():
            for a, b in ss:
                ov = min(b, u.end) - max(a, u.start)
                if ov > 0 and (ov >= 40 or ov >= (u.end - u.start) / 3 or ov == b - a):
                    got.add(kind)
                    break
        kinds.append(got)
    return Labelled(c.name, doc, units, kinds, spans, accept)


def row_passes(item: Labelled, kind: str, k: int) -> bool:
    """Whether unit k, made a row, would pair in the strict eval: it overlaps the gold and its text agrees."""
    spans = item.spans.get(kind)
    if not spans:
        return False
    text, quote = row_text(kind, item.doc, item.units, k)
    if text is None or quote is None:
        return False
    a, b = quote
    if not any(min(b, y) > max(a, x) for x, y in spans):
        return False
    return text_agrees(text, item.accept.get(kind, []))[0]


def matrix(items: list[Labelled], vocab: dict[str, int] | None = None) -> tuple[csr_matrix, dict[str, int]]:
    feats = [unit_features(u, k, len(it.units)) for it in items for k, u in enumerate(it.units)]
    if vocab is None:
        counts = Counter(f for fs in feats for f in fs)
        vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    rows, cols = [], []
    for r, fs in enumerate(feats):
        for f in fs:
            j = vocab.get(f)
            if j is not None:
                rows.append(r)
                cols.append(j)
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(feats), len(vocab)))
    return x, vocab


def _fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=c, random_state=SEED, max_iter=300)
    return model.fit(x, y)


def _platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(margins.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def choose_threshold(items: list[Labelled], kind: str, probs: list[np.ndarray]) -> tuple[float, dict[str, Any]]:
    """The threshold with the best out-of-fold F1 of rows that would pass the strict eval, each row picked
    as the engine picks it (`strategies/contract.pick_unit`)."""
    gold = sum(1 for it in items if it.spans.get(kind))
    best: tuple[float, float, dict[str, Any]] = (-1.0, 0.5, {})
    passes: dict[tuple[int, int], bool] = {}
    for t in THRESHOLDS:
        pred = hit = 0
        for i, (it, p) in enumerate(zip(items, probs, strict=True)):
            k = pick_unit(kind, it.doc, it.units, p, t) if len(p) else None
            if k is None:
                continue
            pred += 1
            if (i, k) not in passes:
                passes[(i, k)] = row_passes(it, kind, k)
            hit += passes[(i, k)]
        prec, rec = hit / pred if pred else 0.0, hit / gold if gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best[0]:
            best = (f1, t, {"gold": gold, "pred": pred, "matched": hit, "f1": round(f1, 3)})
    return best[1], best[2]


def train(items: list[Labelled], echo: Any = print, oof_out: dict[str, np.ndarray] | None = None,
          keep_c: bool = False) -> dict[str, Any]:
    """The model file's content; `oof_out` receives each kind's out-of-fold probabilities (error analysis
    on the fit fold sees what a held-out contract would get, not what the model memorised)."""
    x, vocab = matrix(items)
    names = sorted(vocab, key=vocab.__getitem__)
    owner = np.concatenate([np.full(len(it.units), i) for i, it in enumerate(items)])
    starts = np.cumsum([0] + [len(it.units) for it in items])
    out: dict[str, Any] = {"version": MODEL_VERSION, "kinds": list(KINDS), "models": {}, "meta": {}}
    for kind in KINDS:
        y = np.array([kind in ks for it in items for ks in it.kinds], dtype=int)
        best: tuple[float, float, float, float, float, dict[str, Any]] | None = None
        for c in (KEPT_C[kind],) if keep_c else C_GRID:
            oof = np.zeros(len(y))
            for tr, te in GroupKFold(n_splits=CV_FOLDS).split(x, y, owner):
                oof[te] = _fit(x[tr], y[tr], c).decision_function(x[te])
            a, b = _platt(oof, y)
            prob = 1.0 / (1.0 + np.exp(-(a * oof + b)))
            threshold, cv = choose_threshold(items, kind, [prob[starts[i]:starts[i + 1]] for i in range(len(items))])
            if best is None or cv.get("f1", 0) > best[0]:
                best = (cv.get("f1", 0), c, a, b, threshold, {**cv, "C": c})
                if oof_out is not None:
                    oof_out[kind] = prob
        assert best is not None
        _, c, a, b, threshold, cv = best
        model = _fit(x, y, c)
        w = model.coef_[0]
        weights = {names[j]: round(float(w[j]), 4) for j in np.flatnonzero(np.abs(w) >= KEEP_WEIGHT)}
        out["models"][kind] = {"bias": float(model.intercept_[0]), "platt_a": a, "platt_b": b,
                               "threshold": threshold, "weights": weights}
        out["meta"][kind] = {"positives": int(y.sum()), "units": len(y), "features": len(weights), "cv": cv}
        echo(f"{kind}: {int(y.sum())} positive units, {len(weights)} weights, threshold {threshold}, "
             f"out-of-fold rows {cv}")
    return out


def ranking_check(items: list[Labelled], model: Any) -> dict[str, dict[str, Any]]:
    """Per kind, precision at 80% recall of the model's *ranking*: every contract's best unit for the kind,
    threshold or not, ranked by probability (the engine's own rows stop at the threshold, so their recall
    never reaches 80%). A row counts when it would pair in the strict eval (`row_passes`)."""
    out: dict[str, dict[str, Any]] = {}
    probs = [model.probabilities(it.units) for it in items]
    for j, kind in enumerate(model.kinds):
        scored: list[tuple[float, bool]] = []
        gold = sum(1 for it in items if it.spans.get(kind))
        for it, p in zip(items, probs, strict=True):
            k = pick_unit(kind, it.doc, it.units, p[:, j], 0.0) if len(it.units) else None
            if k is not None:
                scored.append((float(p[k, j]), row_passes(it, kind, k)))
        at, top, aupr = precision_at_recall(scored, gold)
        out[kind] = {"gold": gold, "p_at_80r": at, "max_recall": top, "aupr": aupr}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.cuad_train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (../shared/corpus)")
    ap.add_argument("--cache", type=Path, default=None, help="keep ingested contracts here (outside the repo)")
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--check", action="store_true",
                    help="no training: the shipped model's ranking P@80%%R per kind on the validation fold")
    ap.add_argument("--keep-c", action="store_true", help="each kind's C as last chosen (KEPT_C), no grid")
    ap.add_argument("--oof", type=Path, default=None, help="also write the out-of-fold probabilities (.npz)")
    args = ap.parse_args(argv)
    folder = args.corpus / "cuad-train"
    if not (folder / "master_clauses.csv").is_file():
        print(f"error: {folder}/master_clauses.csv not found; pass the shared corpus folder.", file=sys.stderr)
        return 2
    folds = load_folds()
    if args.check:
        held = [c for c in cuad_contracts(folder) if fold_of("cuad", c.name, folds) == VALIDATION]
        for kind, r in ranking_check([label(c, load_document(c, args.cache)) for c in held], load_model()).items():
            print(f"{kind:18} gold {r['gold']:3}  P@80%R {r['p_at_80r']}  recall tops at {r['max_recall']}  "
                  f"AUPR {r['aupr']}")
        return 0
    contracts = [c for c in cuad_contracts(folder) if fold_of("cuad", c.name, folds) == FIT]
    items = []
    for k, c in enumerate(contracts):
        items.append(label(c, load_document(c, args.cache)))
        if k % 50 == 0:
            print(f"{k}/{len(contracts)} contracts read", flush=True)
    oof: dict[str, np.ndarray] = {}
    data = train(items, oof_out=oof, keep_c=args.keep_c)
    if args.oof is not None:
        arrays: dict[str, Any] = {k.replace(" ", "_"): v for k, v in oof.items()}
        np.savez(args.oof, names=np.array([it.name for it in items]), **arrays)
    data["meta"]["trained_on"] = f"CUAD cuad-train fit fold, {len(items)} contracts"
    args.out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
