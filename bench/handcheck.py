"""The 40-item hand check: five built-in SOPs on one podcast and one contract, items drawn at random.

    python bench/handcheck.py --corpus ../shared/corpus [--seed 12] [--n 40] > draw.json
    python bench/handcheck.py --corpus ../shared/corpus --source transcripts/latent-space-podcast.whisper.txt \
        --validation-contract 12 > draw.json      # a fresh CUAD validation contract, drawn with seed 12

Runs the offline engine (the full pipeline: extraction, grounding, validation) with each built-in SOP on
`transcripts/mlops-podcast.speakers.txt` and on CUAD validation contract ArmstrongFlooring's Intellectual
Property Agreement, each source alone as a user would; collects everything a reader is shown as content
(findings and passages to read, with their section and role) and draws `n` at random with a fixed seed. The
labels (useful+correct, correct-but-useless, wrong-for-section) are given by a person reading the source:
docs/handcheck.md holds the table. Also prints how many findings and passages each source got per SOP.
`--validation-contract SEED` adds a contract drawn from CUAD's validation fold (reportgen/evals/folds.json,
sorted by name) with `random.Random(SEED).choice`, leaving out the contracts earlier checks used (`USED`), so
the contract side of a check is blind.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.evals.folds import FOLDS_FILE  # noqa: E402
from reportgen.pipeline import generate  # noqa: E402

SOPS = ["meeting-action-items", "expert-call-notes", "advisory-memo", "interview-scorecard", "diligence-memo"]
CONTRACT = "ArmstrongFlooringInc_20190107_8-K_EX-10.2_11471795_EX-10.2_Intellectual Property Agreement.pdf"
USED = ("ArmstrongFlooringInc", "OASYSMOBILE,INC")  # contracts of earlier checks (docs/handcheck.md)
SOURCES = ["transcripts/mlops-podcast.speakers.txt", f"cuad-train/pdf/{CONTRACT}"]


def shown(corpus: Path, sources: list[str]) -> list[dict[str, str]]:
    out = []
    for src in sources:
        path = corpus / src
        if not path.is_file():
            raise SystemExit(f"{path} is missing: pass --corpus ../shared/corpus")
        for sop in SOPS:
            report = generate([path], sop, engine="local")
            for sec in report.sections:
                for it in sec.items:
                    text = "; ".join(f"{k}={v}" for k, v in it.fields.items() if v not in (None, "", []))
                    quote = " | ".join(c.quote for c in it.citations)
                    kind = "row (not rated)" if sec.is_slot(it) else "finding"
                    out.append({"source": path.name[:40], "sop": sop, "section": sec.id, "kind": kind,
                                "text": text, "quote": quote, "role": ""})
                for p in sec.passages:
                    out.append({"source": path.name[:40], "sop": sop, "section": sec.id,
                                "kind": "passage" + (f" ({p.criterion})" if p.criterion else ""),
                                "text": p.quote, "quote": p.quote, "role": p.role or ""})
                print(f"{path.name[:30]:30} {sop:22} {sec.id:20} findings {len(sec.items):2} "
                      f"passages {len(sec.passages):2}", file=sys.stderr)
    return out


def validation_contract(seed: int) -> str:
    """A CUAD validation-fold contract no earlier check used, drawn with a fixed seed: `cuad-train/pdf/<name>`."""
    names = sorted(json.loads(FOLDS_FILE.read_text(encoding="utf-8"))["cuad"]["validation"])
    fresh = [n for n in names if not n.startswith(USED)]
    return f"cuad-train/pdf/{random.Random(seed).choice(fresh)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--source", action="append", help="a source under the corpus instead of the two above (repeat)")
    ap.add_argument("--validation-contract", type=int, metavar="SEED",
                    help="add a CUAD validation contract no earlier check used, drawn with this seed")
    args = ap.parse_args(argv)
    sources = list(args.source or ([] if args.validation_contract is not None else SOURCES))
    if args.validation_contract is not None:
        sources.append(validation_contract(args.validation_contract))
    print(f"sources: {sources}", file=sys.stderr)
    everything = shown(args.corpus, sources)
    drawn = random.Random(args.seed).sample(everything, min(args.n, len(everything)))
    print(json.dumps({"shown": len(everything), "drawn": drawn}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
