"""Train the action-item and decision detectors (`reportgen.extract.local.detectors`) on AMI's fit fold.

Every fit meeting of ami-dev (reportgen/evals/folds.json) is read the way the eval reads it
(`ami_case` -> documents -> the engine's own SourceIndex), so the model sees the sentences the
engine will score. A sentence is a positive for a kind when it lies in a turn an annotator
linked to an action (decision) and shares at least half its words with one of the linked
dialogue acts (a long turn holds other acts too).

The regularisation, the Platt calibration and the threshold are chosen by 3-fold
cross-validation over meeting *series* inside the fit fold: the threshold is the one with the
best strict F1 out of fold (the engine's own item text must agree with the annotator's sentence,
and its quote overlap the linked turns) among those with a strict precision of at least
MIN_PRECISION; a kind with none ships silent. The validation fold is only read by `--check`
(the engine's strict and detection-level numbers there) and by `make eval`.

scikit-learn is needed here only (the `train` extra); the shipped files are JSON weights that
`detectors.py` scores with dictionary look-ups.

    python -m reportgen.evals.ami_train --corpus ../shared/corpus           # rebuild the model files
    python -m reportgen.evals.ami_train --corpus ../shared/corpus --check   # the engine's numbers on validation
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from reportgen.corpus import Corpus
from reportgen.drafts import DraftItem
from reportgen.evals.ami import SECTIONS, ami_case
from reportgen.evals.corpus import ami_meetings
from reportgen.evals.folds import FIT, VALIDATION, ami_series, fold_of
from reportgen.evals.gold import Span, build_case, gold_from_cases
from reportgen.evals.metrics import precision_at_recall
from reportgen.evals.text import strict_agrees
from reportgen.extract.local import detectors as D
from reportgen.extract.local.engine import extract_section
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import DEFAULT_MAX_ITEMS
from reportgen.extract.local.strategies import actions, decisions
from reportgen.extract.local.wording import Wording, clauses
from reportgen.pipeline import resolve_sop

SEED = 7
C_GRID = (0.1, 0.3, 1.0)
LABELS = ("linked",)  # "worded" (only acts worded like the gold) was tried: lower out-of-fold F1 for both
MIN_COUNT = 2  # a feature seen once is a name or a typo
KEEP_WEIGHT = 0.02  # smaller weights only grow the file
THRESHOLDS = [0.02, 0.03, 0.04] + [round(0.05 * k, 2) for k in range(1, 19)]
CV_FOLDS = 3
MIN_PRECISION = 0.2  # out of fold, strict: below this a detector's findings are mostly wrong, so it stays silent
SILENT = 1.01  # the threshold of a silent detector: no probability reaches it
LINKED_SHARE = 0.5  # a sentence is a linked act when this share of its words is in one
KIND_KEY = {"action": "actions", "decision": "decisions"}
LIST_CLAUSES = 3  # `reachable`'s by_clause: a sentence of this many clauses read as a list of that many items


@dataclass
class Gold:
    text: str
    spans: list[Span]
    acts: list[set[str]]  # the words of each linked dialogue act


@dataclass
class MeetingData:
    id: str
    series: str
    index: SourceIndex
    feats: list[list[str] | None]
    gold: dict[str, list[Gold]]  # kind -> gold items
    labels: dict[str, list[int]]  # kind -> per sentence 0/1 (only where feats is not None)
    wording: Wording


def _overlaps(index: SourceIndex, k: int, spans: list[Span]) -> bool:
    s = index.sentences[k]
    doc = index.documents[s.doc_index].id
    return any(sp.document_id == doc and min(sp.char_end, s.char_end) > max(sp.char_start, s.char_start)
               for sp in spans)


def load_meetings(corpus: Path, fold: str, folds: dict[str, Any] | None = None) -> list[MeetingData]:
    """The meetings of one fold as the engine sees them, with their labels; `folds` defaults to folds.json."""
    out = []
    for m in ami_meetings(corpus / "ami-dev"):
        if fold_of("ami", m.id, folds) != fold:
            continue
        case = ami_case(m)
        gs = gold_from_cases(m.id, [case], "meeting-action-items")
        built = build_case(gs.cases[0])
        index = SourceIndex.build(Corpus(built.documents))
        feats = D.index_features(index)
        gold: dict[str, list[Gold]] = {}
        labels: dict[str, list[int]] = {}
        for kind, key in KIND_KEY.items():
            section = SECTIONS[key][0]
            entries = m.gold.get(key) or []
            items = [Gold(e.get("text", ""), spans, [set(D.tokens(a)) for a in e.get("evidence") or []])
                     for e, spans in zip(entries, built.spans.get(section, []), strict=True)]
            gold[kind] = items
            lab = [0] * len(index.sentences)
            for k, f in enumerate(feats):
                if f is None:
                    continue
                words = set(D.tokens(index.sentences[k].text))
                for g in items:
                    if words and _overlaps(index, k, g.spans) and any(
                            len(words & a) >= LINKED_SHARE * len(words) for a in g.acts):
                        lab[k] = 1
                        break
            labels[kind] = lab
        wording = Wording(index)
        for kind in KIND_KEY:
            # the stricter label: a linked sentence whose own statement agrees with the annotator's sentence
            labels[kind + "/worded"] = [
                int(lab == 1 and any(_overlaps(index, k, g.spans) and strict_agrees(
                    wording.of(index.sentences[k]), g.text)[0] for g in gold[kind]))
                for k, lab in enumerate(labels[kind])]
        out.append(MeetingData(m.id, ami_series(m.id), index, feats, gold, labels, wording))
    return out


def _matrix(rows: list[list[str]], vocab: dict[str, int]) -> csr_matrix:
    r, c = [], []
    for i, fs in enumerate(rows):
        for f in fs:
            k = vocab.get(f)
            if k is not None:
                r.append(i)
                c.append(k)
    return csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(len(rows), len(vocab)))


def fit(meetings: list[MeetingData], kind: str, c: float, label: str = "linked") -> D.Detector:
    """A logistic model (uncalibrated: Platt a=1, b=0) on every candidate sentence of `meetings`; `label`
    says which sentences are positives: every `linked` act, or only those `worded` like the gold."""
    rows: list[list[str]] = []
    y: list[int] = []
    key = kind if label == "linked" else kind + "/worded"
    for m in meetings:
        for f, lab in zip(m.feats, m.labels[key], strict=True):
            if f is not None:
                rows.append(f)
                y.append(lab)
    counts = Counter(f for fs in rows for f in fs)
    vocab = {f: k for k, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_COUNT))}
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=SEED)
    clf.fit(_matrix(rows, vocab), np.array(y))
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {n: round(float(w), 4) for n, w in zip(names, clf.coef_[0], strict=True) if abs(w) >= KEEP_WEIGHT}
    return D.Detector(kind=kind, weights=dict(sorted(weights.items())), bias=round(float(clf.intercept_[0]), 4),
                      platt=(1.0, 0.0), threshold=0.5)


@dataclass
class Tally:
    gold: int = 0
    predicted: int = 0
    strict: int = 0
    detected: int = 0

    def f1(self, hits: int) -> tuple[float, float, float]:
        p = hits / self.predicted if self.predicted else 0.0
        r = hits / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _pairs(cands: list[tuple[float, int, int]]) -> int:
    return len(_paired(cands))


def _paired(cands: list[tuple[float, int, int]]) -> set[int]:
    """The predictions paired one-to-one with gold, best candidates first."""
    gdone: set[int] = set()
    pdone: set[int] = set()
    for _, gi, pi in sorted(cands):
        if gi not in gdone and pi not in pdone:
            gdone.add(gi)
            pdone.add(pi)
    return pdone


def probs_of(m: MeetingData, det: D.Detector) -> list[float | None]:
    return [None if f is None else det.probability(f) for f in m.feats]


def score_meeting(m: MeetingData, kind: str, probs: list[float | None], threshold: float, tally: Tally,
                  merge: bool = True) -> None:
    """What the engine would write for `kind` at `threshold`, scored strictly and by evidence overlap only
    (the same rules as `match.py`: a located quote overlapping the linked turns, text by Dice)."""
    chosen = D.choose(m.index, probs, threshold, DEFAULT_MAX_ITEMS)
    found = [(run, " ".join(m.wording.of(f.sentence) for f in run)) for run in D.runs(chosen, merge)]
    gold = m.gold[kind]
    tally.gold += len(gold)
    tally.predicted += len(found)
    strict: list[tuple[float, int, int]] = []
    detected: list[tuple[float, int, int]] = []
    for pi, (run, text) in enumerate(found):
        for gi, g in enumerate(gold):
            over = any(_overlaps(m.index, f.sentence.index, g.spans) for f in run)
            if over:
                detected.append((0.0, gi, pi))
            if over or not g.spans:
                ok, sim = strict_agrees(text, g.text)
                if ok:
                    strict.append((-sim, gi, pi))
    tally.strict += _pairs(strict)
    tally.detected += _pairs(detected)


def _platt(logits: list[float], labels: list[int]) -> tuple[float, float]:
    clf = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    clf.fit(np.array(logits).reshape(-1, 1), np.array(labels))
    return round(float(clf.coef_[0][0]), 5), round(float(clf.intercept_[0]), 5)


def cross_validate(meetings: list[MeetingData], kind: str) -> dict[str, Any]:
    """Regularisation, calibration and threshold chosen out of fold (series held out together)."""
    series = sorted({m.series for m in meetings})
    best: dict[str, Any] = {}
    for label, c in [(lab, c) for lab in LABELS for c in C_GRID]:
        logits: list[float] = []
        labels: list[int] = []
        held_models: list[tuple[list[MeetingData], D.Detector]] = []
        for k in range(CV_FOLDS):
            held = {s for j, s in enumerate(series) if j % CV_FOLDS == k}
            model = fit([m for m in meetings if m.series not in held], kind, c, label)
            test = [m for m in meetings if m.series in held]
            held_models.append((test, model))
            for m in test:
                for f, lab in zip(m.feats, m.labels[kind], strict=True):
                    if f is not None:
                        logits.append(model.logit(f))
                        labels.append(lab)
        a, b = _platt(logits, labels)
        loss = -sum(math.log(max(1e-12, p if y else 1 - p)) for p, y in
                    ((1 / (1 + math.exp(-(a * z + b))), y) for z, y in zip(logits, labels, strict=True))) / len(labels)
        scored = []
        for test, model in held_models:
            calibrated = D.Detector(kind, model.weights, model.bias, (a, b), 0.5)
            scored += [(m, probs_of(m, calibrated)) for m in test]
        for merge in (False, True):
            grid: dict[float, tuple[float, float, float]] = {}
            for t in THRESHOLDS:
                tally = Tally()
                for m, probs in scored:
                    score_meeting(m, kind, probs, t, tally, merge)
                prec, _, f1 = tally.f1(tally.strict)
                grid[t] = (round(f1, 4), round(prec, 4), round(tally.f1(tally.detected)[2], 4))
            # the best strict F1 among thresholds precise enough; among equals the higher (silence beats a guess)
            ok = [t for t in THRESHOLDS if grid[t][1] >= MIN_PRECISION]
            t_best = max(ok, key=lambda t: (grid[t][0], t)) if ok else SILENT
            at = grid.get(t_best, (0.0, 0.0, 0.0))
            row: dict[str, Any] = {
                "label": label, "C": c, "merge": merge, "platt": [a, b], "threshold": t_best, "oof_strict_f1": at[0],
                "oof_strict_precision": at[1], "oof_detection_f1": at[2], "oof_log_loss": round(loss, 4),
                "best_unconstrained": max(v[0] for v in grid.values()),
                "grid": {str(t): {"strict_f1": v[0], "strict_p": v[1], "detection_f1": v[2]} for t, v in grid.items()}}
            print(f"  {kind} C={c} merge={merge}: out of fold strict F1 {at[0]} (P {at[1]}), detection F1 {at[2]} "
                  f"at threshold {t_best}", file=sys.stderr)
            key = (at[0], -loss, not merge)  # among equals: the better calibrated, then the simpler
            if not best or key > (best["oof_strict_f1"], -best["oof_log_loss"], not best["merge"]):
                best = row
    return best


def reachable(meetings: list[MeetingData], kind: str) -> dict[str, int]:
    """The ceiling of an engine that words one sentence: how many gold items the engine's own wording
    (`Wording.of`) of some sentence of the linked turns agrees with strictly. That bounds strict recall
    whatever the detector does, so it says whether a target is within reach of better detection at all.
    `by_clause` is the ceiling if a task list said in one sentence were cut into one item per clause
    (`wording.clauses`): higher, but on the validation fold the cut cost more precision than it won recall,
    so the engine does not cut (docs/local-engine.md)."""
    total = placed = hits = by_clause = 0
    for m in meetings:
        for g in m.gold[kind]:
            total += 1
            if not g.spans:
                continue
            placed += 1
            texts = [m.wording.of(s) for k, s in enumerate(m.index.sentences)
                     if m.feats[k] is not None and _overlaps(m.index, k, g.spans)]
            hits += any(strict_agrees(t, g.text)[0] for t in texts)
            by_clause += any(strict_agrees(c, g.text)[0] for t in texts for c in clauses(t, LIST_CLAUSES))
    return {"gold": total, "placed": placed, "reachable": hits, "by_clause": by_clause}


def train(corpus: Path, folds: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Both models' JSON, from the fit fold of `folds` (default: folds.json)."""
    meetings = load_meetings(corpus, FIT, folds)
    if not meetings:
        raise SystemExit(f"{corpus}: no AMI fit meetings under ami-dev; pass the shared corpus folder.")
    out = {}
    for kind in D.KINDS:
        cv = cross_validate(meetings, kind)
        model = fit(meetings, kind, cv["C"], cv["label"])
        out[kind] = {
            "version": D.MODEL_VERSION,
            "kind": kind,
            "about": f"Sentences stating a meeting {kind}: logistic weights per feature (reportgen.evals.ami_train, "
                     "AMI fit fold), Platt calibration and threshold chosen by cross-validation over series.",
            "trained_on": sorted(m.id for m in meetings),
            "positives": sum(sum(m.labels[kind if cv["label"] == "linked" else kind + "/worded"]) for m in meetings),
            "label": cv["label"],
            "C": cv["C"],
            "merge": cv["merge"],
            "bias": model.bias,
            "platt": cv["platt"],
            "threshold": cv["threshold"],
            "silent": cv["threshold"] > 1,
            "reachable_in_fit": reachable(meetings, kind),
            "out_of_fold": {k: cv[k] for k in ("oof_strict_f1", "oof_strict_precision", "oof_detection_f1",
                                               "best_unconstrained", "oof_log_loss", "grid")},
            "weights": model.weights,
        }
    return out


def score_items(m: MeetingData, kind: str, items: list[DraftItem], main: str, tally: Tally) -> set[int]:
    """The engine's `items` for one meeting scored as `match.py` scores them (strict: a located quote
    overlapping the linked turns and the text by Dice; detection-level: the quote alone), into `tally`;
    returns the items paired strictly."""
    gold = m.gold[kind]
    tally.gold += len(gold)
    tally.predicted += len(items)
    strict: list[tuple[float, int, int]] = []
    detected: list[tuple[float, int, int]] = []
    for pi, it in enumerate(items):
        ks = [k for k, s in enumerate(m.index.sentences) if s.text in it.quotes]
        for gi, g in enumerate(gold):
            over = any(_overlaps(m.index, k, g.spans) for k in ks)
            if over:
                detected.append((0.0, gi, pi))
            if over or not g.spans:
                ok, sim = strict_agrees(it.fields.get(main), g.text)
                if ok:
                    strict.append((-sim, gi, pi))
    hits = _paired(strict)
    tally.strict += len(hits)
    tally.detected += _pairs(detected)
    return hits


def engine_out_of_fold(corpus: Path, kind: str, threshold: float | None = None,
                       folds: dict[str, Any] | None = None) -> dict[str, float | int]:
    """The whole section strategy (cue rules, detector, wording) out of fold on the fit fold: the detector
    refit on two thirds of the series with the shipped C, Platt and merge, the strategy run on the third held
    out, strict and detection-level. `cross_validate` scores the detector's own sentences only; this is the
    number a change to wording or to the rules must raise (docs/local-engine.md), without the validation fold.
    `folds` defaults to folds.json."""
    meetings = load_meetings(corpus, FIT, folds)
    shipped = D.load(kind)
    key = KIND_KEY[kind]
    spec = next(s for s in resolve_sop("meeting-action-items").sections if s.id == SECTIONS[key][0])
    strategy = actions.section if kind == "action" else decisions.section
    series = sorted({m.series for m in meetings})
    c = float(json.loads(D.model_file(kind).read_text(encoding="utf-8"))["C"])
    tally = Tally()
    for k in range(CV_FOLDS):
        held = {s for j, s in enumerate(series) if j % CV_FOLDS == k}
        model = fit([m for m in meetings if m.series not in held], kind, c)
        det = D.Detector(kind, model.weights, model.bias, shipped.platt,
                         shipped.threshold if threshold is None else threshold, shipped.merge)
        for m in meetings:
            if m.series in held:
                score_items(m, kind, strategy(m.index, spec, det), SECTIONS[key][1], tally)
    (sp, sr, sf), (dp, dr, df) = tally.f1(tally.strict), tally.f1(tally.detected)
    return {"gold": tally.gold, "predicted": tally.predicted, "strict": tally.strict, "strict_p": sp, "strict_r": sr,
            "strict_f1": sf, "detection_p": dp, "detection_r": dr, "detection_f1": df}


def check(corpus: Path) -> dict[str, dict[str, float | None]]:
    """The engine as shipped (detectors and cue rules together) on the validation fold: strict P/R/F1,
    detection-level P/R/F1 (a quote overlapping the linked turns, whatever the item's text says), and
    precision at 80% recall twice: of the engine's items ranked by score (strict; 0 when its items never
    reach 80% recall) and of the detector's ranking of every sentence against the linked acts."""
    meetings = load_meetings(corpus, VALIDATION)
    sop = resolve_sop("meeting-action-items")
    out = {}
    for kind, key in KIND_KEY.items():
        spec = next(s for s in sop.sections if s.id == SECTIONS[key][0])
        main = SECTIONS[key][1]
        tally = Tally()
        scored: list[tuple[float, bool]] = []
        ranked: list[tuple[float, bool]] = []
        det = D.load(kind)
        for m in meetings:
            ranked += [(p, bool(lab)) for p, lab in zip(probs_of(m, det), m.labels[kind], strict=True)
                       if p is not None]
            items = extract_section(m.index, spec).items
            hits = score_items(m, kind, items, main, tally)
            scored += [(it.score or 0.0, pi in hits) for pi, it in enumerate(items)]
        sp, sr, sf = tally.f1(tally.strict)
        dp, dr, df = tally.f1(tally.detected)
        at, top, _ = precision_at_recall(scored, tally.gold)
        dat, _, daupr = precision_at_recall(ranked, sum(h for _, h in ranked))
        out[kind] = {"gold": tally.gold, "predicted": tally.predicted, "strict_p": sp, "strict_r": sr, "strict_f1": sf,
                     "detection_p": dp, "detection_r": dr, "detection_f1": df, "items_p_at_80r": at,
                     "items_max_recall": top, "sentences_p_at_80r": dat, "sentences_aupr": daupr}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (with ami-dev/)")
    ap.add_argument("--out", type=Path, default=D.MODEL_DIR, help="folder for actions.json and decisions.json")
    ap.add_argument("--check", action="store_true", help="score the shipped models on the validation fold")
    ap.add_argument("--engine-oof", action="store_true",
                    help="the section strategies out of fold on the fit fold (no validation data read)")
    ap.add_argument("--threshold", type=float, default=None, help="with --engine-oof: instead of the shipped one")
    args = ap.parse_args(argv)
    if not (args.corpus / "ami-dev" / "gold").is_dir():
        print(f"{args.corpus}: no ami-dev/gold here; pass the shared corpus folder (make train CORPUS=...).",
              file=sys.stderr)
        return 2
    if args.engine_oof:
        for kind in D.KINDS:
            oof = engine_out_of_fold(args.corpus, kind, args.threshold)
            print(f"{kind}s (fit fold, out of fold, engine): " + ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in oof.items()))
        return 0
    if args.check:
        for kind, row in check(args.corpus).items():
            print(f"{kind}s (validation fold, engine as shipped): " + ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for kind, data in train(args.corpus).items():
        path = args.out / f"{kind}s.json"
        path.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{path}: {len(data['weights'])} weights, {data['positives']} positives, C {data['C']}, "
              f"threshold {data['threshold']}; out of fold strict F1 {data['out_of_fold']['oof_strict_f1']}, "
              f"detection F1 {data['out_of_fold']['oof_detection_f1']}; worded like the gold by one sentence of "
              f"the linked turns: {data['reachable_in_fit']['reachable']} of {data['reachable_in_fit']['placed']} "
              f"placed fit items ({data['reachable_in_fit']['by_clause']} by a clause of a task list)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
