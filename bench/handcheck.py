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

    python bench/handcheck.py --corpus ../shared/corpus --pool 40 --contract-seed 12 --seed 12 --n 40 > draw.json

`--pool MIN` pools both podcasts and as many CUAD validation contracts as are needed for the pool to hold at
least MIN shown items, because one honest contract shows at most a handful (its contract terms) and a podcast
two or three passages. The contracts come in the order of `random.Random(CONTRACT_SEED).shuffle` over the
fresh validation contracts (sorted by name, `POOL_USED` left out), so the same seed gives the same contracts; after
an engine change `--contracts K` pins the first K of that order, so a re-run reads the same sources even if
the counts move. The draw ranks every item by a hash of the seed and the item's place (source, SOP, section,
kind, clause or criterion, its rank among those): the same seed draws the same places again, so a re-run
after an engine change shows what became of each drawn item. Each drawn item gets a random peer: a sentence
of the same source (the engine's own sentence split) drawn with a seed made of `--seed` and the item's place,
to be labelled for the same section as a baseline. The pool's composition (per source, per SOP and section,
findings vs passages) is printed and kept in the JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.evals.folds import FOLDS_FILE  # noqa: E402
from reportgen.extract.local.sentences import split_sentences  # noqa: E402
from reportgen.pipeline import generate, load_documents  # noqa: E402

SOPS = ["meeting-action-items", "expert-call-notes", "advisory-memo", "interview-scorecard", "diligence-memo"]
CONTRACT = "ArmstrongFlooringInc_20190107_8-K_EX-10.2_11471795_EX-10.2_Intellectual Property Agreement.pdf"
USED = ("ArmstrongFlooringInc", "OASYSMOBILE,INC")  # contracts of earlier checks (docs/handcheck.md)
# --validation-contract keeps USED as it was, so `--validation-contract 12` still draws ORBSATCORP (branch hand's
# check); the pool leaves out every contract a check has used, that one too.
POOL_USED = (*USED, "ORBSATCORP",
             # the seven of the pooled check (--contract-seed 12), so a check with another seed stays blind
             "AudibleInc", "ClickstreamCorp", "INKTOMICORP", "MorganStanleyDirectLendingFund",
             "RevolutionMedicinesInc", "RgcResourcesInc", "XACCT Technologies",
             # the eight of the hand5 check (--contract-seed 20), so a check with another seed stays blind
             "MARSHALLHOLDINGSINTERNATIONAL", "GluMobileInc", "MPLXLP", "IbioInc", "HOLIDAYRVSUPERSTORESINC",
             "Sonos, Inc.", "GRIDIRONBIONUTRIENTS", "MEETGROUP",
             # the nine of the hand6 check (--contract-seed 31), so a check with another seed stays blind
             "EuromediaHoldingsCorp", "QuantumGroupIncFl", "NETGEAR,INC", "TcPipelinesLp", "ATENTOSA",
             "ADMA BioManufacturing", "ULTRAGENYXPHARMACEUTICALINC", "MANUFACTURERSSERVICESLTD", "REWALKROBOTICSLTD")
SOURCES = ["transcripts/mlops-podcast.speakers.txt", f"cuad-train/pdf/{CONTRACT}"]
PODCASTS = ["transcripts/latent-space-podcast.whisper.txt", "transcripts/mlops-podcast.speakers.txt"]


def shown(corpus: Path, sources: list[str]) -> list[dict[str, str]]:
    out = []
    for src in sources:
        path = corpus / src
        if not path.is_file():
            raise SystemExit(f"{path} is missing: pass --corpus ../shared/corpus")
        for sop in SOPS:
            report = generate([path], sop, engine="local")
            for sec in report.sections:
                seen: dict[str, int] = {}
                for it in sec.items:
                    text = "; ".join(f"{k}={v}" for k, v in it.fields.items() if v not in (None, "", []))
                    quote = " | ".join(c.quote for c in it.citations)
                    kind = "row (not rated)" if sec.is_slot(it) else "finding"
                    key = str(it.fields.get("clause") or it.fields.get("criterion") or "")
                    out.append({"source": path.name[:40], "sop": sop, "section": sec.id, "kind": kind,
                                "text": text, "quote": quote, "role": "",
                                "place": _place(src, sop, sec.id, kind, key, seen),
                                "page": ",".join(str(c.page) for c in it.citations if c.page is not None)})
                for p in sec.passages:
                    kind = "passage" + (f" ({p.criterion})" if p.criterion else "")
                    out.append({"source": path.name[:40], "sop": sop, "section": sec.id, "kind": kind,
                                "text": p.quote, "quote": p.quote, "role": p.role or "",
                                "place": _place(src, sop, sec.id, "passage", p.criterion or "", seen),
                                "page": "" if p.page is None else str(p.page)})
                print(f"{path.name[:30]:30} {sop:22} {sec.id:20} findings {len(sec.items):2} "
                      f"passages {len(sec.passages):2}", file=sys.stderr)
    return out


def _place(src: str, sop: str, section: str, kind: str, key: str, seen: dict[str, int]) -> str:
    """Where an item sits, not what it says, so a re-run after an engine change finds the same place again."""
    slot = f"{kind}:{key}"
    seen[slot] = seen.get(slot, 0) + 1
    return f"{src}|{sop}|{section}|{slot}|{seen[slot]}"


def _fresh_contracts(used: tuple[str, ...]) -> list[str]:
    names = sorted(json.loads(FOLDS_FILE.read_text(encoding="utf-8"))["cuad"]["validation"])
    return [n for n in names if not n.startswith(used)]


def validation_contract(seed: int) -> str:
    """A CUAD validation-fold contract no earlier check used, drawn with a fixed seed: `cuad-train/pdf/<name>`."""
    return f"cuad-train/pdf/{random.Random(seed).choice(_fresh_contracts(USED))}"


def pooled(corpus: Path, minimum: int, contract_seed: int,
           contracts: int | None) -> tuple[list[str], list[dict[str, str]]]:
    """Both podcasts, then fresh validation contracts in a seeded order until `minimum` items (or `contracts` of them).

    Contracts are run only after they are drawn and nothing is tuned on them, so the contract side stays blind.
    """
    order = _fresh_contracts(POOL_USED)
    random.Random(contract_seed).shuffle(order)
    sources, items = list(PODCASTS), shown(corpus, PODCASTS)
    for name in order:
        if (len(items) >= minimum) if contracts is None else (len(sources) - len(PODCASTS) >= contracts):
            break
        sources.append(f"cuad-train/pdf/{name}")
        items += shown(corpus, sources[-1:])
    return sources, items


def draw(items: list[dict[str, str]], n: int, seed: int) -> list[dict[str, str]]:
    """The `n` items whose places rank first under a hash seeded with `seed`: same seed, same places."""
    def rank(it: dict[str, str]) -> str:
        return hashlib.sha256(f"{seed}|{it['place']}".encode()).hexdigest()
    return sorted(items, key=rank)[:n]


def add_peers(corpus: Path, drawn: list[dict[str, str]], seed: int) -> None:
    """Give each drawn item a random sentence of its own source, to be labelled for the same section (a baseline)."""
    sentences: dict[str, list[str]] = {}
    for it in drawn:
        src = it["place"].split("|", 1)[0]
        if src not in sentences:
            sentences[src] = [s.text for s in split_sentences(load_documents([corpus / src]))]
        it["peer"] = random.Random(f"{seed}|{it['place']}").choice(sentences[src])


def composition(items: list[dict[str, str]]) -> dict[str, dict[str, int]]:
    """How many items each source, SOP/section and kind (finding, passage, row) put in the pool."""
    out: dict[str, dict[str, int]] = {"source": {}, "sop/section": {}, "kind": {}}
    for it in items:
        for facet, value in (("source", it["source"]), ("sop/section", f"{it['sop']}/{it['section']}"),
                             ("kind", it["kind"].split(" (")[0])):
            out[facet][value] = out[facet].get(value, 0) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--source", action="append", help="a source under the corpus instead of the two above (repeat)")
    ap.add_argument("--validation-contract", type=int, metavar="SEED",
                    help="add a CUAD validation contract no earlier check used, drawn with this seed")
    ap.add_argument("--pool", type=int, metavar="MIN",
                    help="pool both podcasts and fresh CUAD validation contracts until MIN items are shown")
    ap.add_argument("--contract-seed", type=int, default=12, help="the order the pool's contracts are drawn in")
    ap.add_argument("--contracts", type=int, metavar="K", help="with --pool: exactly the first K contracts")
    args = ap.parse_args(argv)
    if args.pool is not None:
        sources, pool = pooled(args.corpus, args.pool, args.contract_seed, args.contracts)
        drawn = draw(pool, args.n, args.seed)
        add_peers(args.corpus, drawn, args.seed)
        comp = composition(pool)
        print(f"sources: {sources}", file=sys.stderr)
        for facet, counts in comp.items():
            print(f"pool by {facet}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
        print(json.dumps({"command": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "sources": sources, "shown": len(pool), "pool": comp, "drawn": drawn,
                          "everything": pool},
                         indent=1, ensure_ascii=False))
        return 0
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
