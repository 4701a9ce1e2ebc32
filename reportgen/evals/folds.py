"""Fit and validation folds of the labelled corpora: tune on `fit`, report on `validation`, never both.

The split is decided by rule, written once to folds.json beside this module, and read from
there by every tool (converters, `make eval`, anyone tuning), so nobody re-derives it:

- AMI by **meeting series** (ES2002a-d are one design team; a, b, c, d must not straddle
  folds, or the validation meetings share speakers, product and phrasing with the tuned ones).
  A series is in validation when the hash of its id falls under AMI_VALIDATION_SHARE. The
  series QMSum's validation split also holds (ES2006, ES2009) are always validation, so
  tuning on AMI fit never touches meetings the QMSum numbers are reported on.
- CUAD by **contract**: validation when the hash of its file name (the "(1)" of a duplicate
  download stripped) falls under CUAD_VALIDATION_SHARE. Contracts with identical text share
  the fold of the first of them (the two ADUROBIOTECH files are one contract). The contracts of
  `pdfs/cuad` (master_clauses.subset.csv) are always fit: the clause classifier was tuned on them.

    python -m reportgen.evals.folds ../shared/corpus     # rewrite folds.json from the corpus
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.corpus import ami_meetings, cuad_contracts

FOLDS_FILE = Path(__file__).with_name("folds.json")
AMI_VALIDATION_SHARE = 0.3
CUAD_VALIDATION_SHARE = 0.25
QMSUM_SERIES = ("ES2006", "ES2009")  # AMI series in QMSum's validation split
FIT, VALIDATION = "fit", "validation"

_SERIES = re.compile(r"^([A-Z]{2}\d{4})[a-z]?$")
_COPY = re.compile(r"\s*\(\d+\)$")


def ami_series(meeting: str) -> str:
    """ES2002a -> ES2002; an id without the series shape is its own series."""
    m = _SERIES.match(meeting)
    return m.group(1) if m else meeting


def cuad_key(filename: str) -> str:
    """A contract's identity for the split: the file name without extension or a "(1)" copy mark, casefolded."""
    return _COPY.sub("", Path(filename).stem).casefold()


def bucket(key: str, salt: str) -> float:
    """A stable number in [0, 1) for `key`: the same on every machine and Python version."""
    return int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:12], 16) / 16**12


def assign_ami(meetings: list[str], share: float = AMI_VALIDATION_SHARE) -> dict[str, str]:
    """Meeting id -> fold, whole series at a time."""
    out = {}
    for m in meetings:
        s = ami_series(m)
        out[m] = VALIDATION if s in QMSUM_SERIES or bucket(s, "ami") < share else FIT
    return out


def assign_cuad(filenames: list[str], texts: dict[str, str] | None = None, tuned: set[str] | None = None,
                share: float = CUAD_VALIDATION_SHARE) -> dict[str, str]:
    """Contract file name -> fold. `texts` (file name -> contract text) joins identical contracts;
    `tuned` names contracts the project already tuned on, which are fit whatever their hash."""
    tuned_keys = {cuad_key(t) for t in tuned or set()}
    first_of: dict[str, str] = {}  # text digest -> the first file name holding that text
    out: dict[str, str] = {}
    for name in sorted(filenames):
        key = cuad_key(name)
        if texts is not None and name in texts:
            digest = hashlib.sha256(" ".join(texts[name].split()).encode()).hexdigest()
            key = cuad_key(first_of.setdefault(digest, name))
        out[name] = FIT if key in tuned_keys else VALIDATION if bucket(key, "cuad") < share else FIT
    # a duplicate of a tuned contract is tuned too
    for name in out:
        if cuad_key(name) in tuned_keys:
            out[name] = FIT
    return out


def build_folds(corpus: Path) -> dict[str, Any]:
    """The folds of everything in the corpus, by the rules above."""
    meetings = [m.id for m in ami_meetings(corpus / "ami-dev")]
    ami = assign_ami(meetings)
    contracts = cuad_contracts(corpus / "cuad-train")
    texts = {c.name: c.txt.read_text(encoding="utf-8", errors="replace") for c in contracts if c.txt is not None}
    tuned: set[str] = set()
    subset = corpus / "pdfs" / "cuad" / "master_clauses.subset.csv"
    if subset.is_file():
        with subset.open(encoding="utf-8", newline="") as fh:
            tuned = {r["pdf_file"] for r in csv.DictReader(fh) if r.get("pdf_file")}
    cuad = assign_cuad([c.name for c in contracts], texts, tuned)
    tuned_keys = {cuad_key(t) for t in tuned}

    def series(fold: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m, f in ami.items():
            if f == fold:
                out.setdefault(ami_series(m), []).append(m)
        return out

    return {
        "about": "Fit/validation folds (reportgen/evals/folds.py has the rules). Tune on fit; report on validation.",
        "ami": {"unit": "meeting series", "validation_share": AMI_VALIDATION_SHARE,
                "always_validation": list(QMSUM_SERIES), "validation": series(VALIDATION), "fit": series(FIT)},
        "cuad": {"unit": "contract", "validation_share": CUAD_VALIDATION_SHARE,
                 "always_fit": sorted(n for n in cuad if cuad_key(n) in tuned_keys),
                 "validation": sorted(n for n, f in cuad.items() if f == VALIDATION),
                 "fit": sorted(n for n, f in cuad.items() if f == FIT)},
    }


def load_folds(path: Path = FOLDS_FILE) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReportgenError(f"{path}: cannot read the folds ({e}); regenerate with python -m reportgen.evals.folds "
                             "CORPUS.") from None
    return data


def fold_of(dataset: str, name: str, folds: dict[str, Any] | None = None) -> str | None:
    """`fit`, `validation`, or None for something the folds do not list (new data: decide before using it)."""
    f = folds if folds is not None else load_folds()
    d = f.get(dataset, {})
    for fold in (VALIDATION, FIT):
        listed = d.get(fold, [])
        members = [m for ms in listed.values() for m in ms] if isinstance(listed, dict) else listed
        if name in members:
            return fold
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.folds", description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="the shared corpus folder (with ami-dev/ and cuad-train/)")
    ap.add_argument("--out", type=Path, default=FOLDS_FILE)
    args = ap.parse_args(argv)
    try:
        data = build_folds(args.corpus)
    except ReportgenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    a, c = data["ami"], data["cuad"]
    print(f"wrote {args.out}: AMI {sum(map(len, a['validation'].values()))} validation meetings "
          f"({', '.join(a['validation'])}), {sum(map(len, a['fit'].values()))} fit; CUAD {len(c['validation'])} "
          f"validation contracts, {len(c['fit'])} fit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
