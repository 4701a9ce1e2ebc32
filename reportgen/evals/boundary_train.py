"""Train the sentence-boundary model for unpunctuated captions from AMI's punctuated transcripts.

Every dialogue act of the AMI fit fold (reportgen/evals/folds.json) is read in order, its
punctuation stripped; a gap is positive when the word before it ended a sentence (. ? !) or
the speaker's turn. Each meeting is used twice, as written and lower-cased, so the model
works on YouTube's lower-case captions and still uses a capital when there is one.
The decision threshold and the shortest sentence are chosen by 3-fold cross-validation
over meeting series inside the fit fold; the validation fold is left to `boundary_eval`.

scikit-learn is needed here only (the `train` extra); the result is a JSON file of feature
weights that `reportgen.extract.local.boundaries` scores with dictionary look-ups.

    python -m reportgen.evals.boundary_train --corpus ../shared/corpus
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from reportgen.evals.boundary_eval import Score, Stream, ami_streams, lowered
from reportgen.evals.folds import FIT
from reportgen.extract.local.boundaries import (
    MODEL_FILE,
    MODEL_VERSION,
    BoundaryModel,
    decode,
    gap_features,
    is_cased,
    norm,
)
from reportgen.extract.local.sentences import WINDOW_WORDS

SEED = 13
C = 0.5
MIN_COUNT = 3  # a feature seen once or twice is a name or a typo: it would only memorise
KEEP_WEIGHT = 0.08  # smaller weights rarely change a decision and only grow the file
THRESHOLDS = [round(0.25 + 0.05 * k, 2) for k in range(11)]
MIN_WORDS = [1, 2, 3, 4]
CV_FOLDS = 3


def examples(streams: list[Stream]) -> tuple[list[list[str]], list[int]]:
    """Feature lists and labels for every gap, each stream as written and lower-cased."""
    feats: list[list[str]] = []
    labels: list[int] = []
    for s in streams:
        for tokens in (s.tokens, lowered(s.tokens)):
            words = [norm(t) for t in tokens]
            cased = is_cased(tokens)
            for i in range(len(tokens) - 1):
                feats.append(gap_features(words, tokens, i, cased))
                labels.append(int(i in s.gold))
    return feats, labels


def fit(streams: list[Stream], threshold: float = 0.5, min_words: int = 1) -> BoundaryModel:
    feats, labels = examples(streams)
    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: k for k, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    rows, cols = [], []
    for r, fs in enumerate(feats):
        for f in fs:
            k = vocab.get(f)
            if k is not None:
                rows.append(r)
                cols.append(k)
    x = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(feats), len(vocab)))
    clf = LogisticRegression(C=C, max_iter=2000, solver="liblinear", random_state=SEED)
    clf.fit(x, np.array(labels))
    names = sorted(vocab, key=vocab.__getitem__)
    coef = clf.coef_[0]
    weights = {n: round(float(w), 3) for n, w in zip(names, coef, strict=True) if abs(w) >= KEEP_WEIGHT}
    return BoundaryModel(weights=weights, bias=round(float(clf.intercept_[0]), 4), threshold=threshold,
                         min_words=min_words, max_words=WINDOW_WORDS)


def choose_decoding(streams: list[Stream]) -> tuple[float, int, dict[str, float]]:
    """Threshold and shortest sentence with the best mean F1 (cased and lower-case) out of fold."""
    groups = sorted({s.group for s in streams})
    logits: list[tuple[Stream, list[float], list[float]]] = []
    for k in range(CV_FOLDS):
        held = {g for j, g in enumerate(groups) if j % CV_FOLDS == k}
        model = fit([s for s in streams if s.group not in held])
        for s in streams:
            if s.group in held:
                logits.append((s, model.logits(s.tokens), model.logits(lowered(s.tokens))))
    best: tuple[float, float, int] = (-1.0, 0.5, 1)
    grid: dict[str, float] = {}
    for t in THRESHOLDS:
        for mw in MIN_WORDS:
            cased, lower = Score(), Score()
            for s, lc, ll in logits:
                n = len(s.tokens)
                cased.add(decode(lc, t, mw, WINDOW_WORDS), s.gold, n)
                lower.add(decode(ll, t, mw, WINDOW_WORDS), s.gold, n)
            f = (cased.row()[2] + lower.row()[2]) / 2
            grid[f"t={t} min={mw}"] = round(f, 4)
            if f > best[0]:
                best = (f, t, mw)
    return best[1], best[2], grid


def train(corpus: Path) -> tuple[dict[str, Any], dict[str, float]]:
    streams = ami_streams(corpus, FIT)
    if not streams:
        raise SystemExit(f"{corpus}: no AMI fit meetings under ami-dev/das; pass the shared corpus folder.")
    threshold, min_words, grid = choose_decoding(streams)
    model = fit(streams, threshold, min_words)
    data = {
        "version": MODEL_VERSION,
        "about": "Sentence ends in unpunctuated text: logistic weights per gap feature "
                 "(reportgen.evals.boundary_train, AMI fit fold).",
        "trained_on": sorted(s.name for s in streams),
        "bias": model.bias,
        "threshold": threshold,
        "min_words": min_words,
        "max_words": model.max_words,
        "weights": dict(sorted(model.weights.items())),
    }
    return data, grid


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (with ami-dev/)")
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    args = ap.parse_args(argv)
    if not (args.corpus / "ami-dev" / "das").is_dir():
        print(f"{args.corpus}: no ami-dev/das here; pass the shared corpus folder.", file=sys.stderr)
        return 2
    data, grid = train(args.corpus)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    top = sorted(grid.items(), key=lambda kv: -kv[1])[:5]
    print(f"{args.out}: {len(data['weights'])} weights, threshold {data['threshold']}, "
          f"min_words {data['min_words']}; best out-of-fold mean F1: {top}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
