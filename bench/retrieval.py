"""Retrieval benchmark: recall@k of BM25, embeddings and their fusion, beside random selection.

    python bench/retrieval.py --corpus ../shared/corpus [--fold validation] [--tune] [--json out.json]

Query sets, each query with the transcript segments its gold says hold the answer:

- **QMSum topics** (`qmsum-val`, one half: `qmsum_fold`): a topic's text ("Industrial designer's
  presentation") and its `relevant_text_span` turns.
- **QMSum queries**: each `specific_query_list` question and its relevant turns.
- **CUAD contract_terms** (`cuad-train`, one fold; context part only): the diligence memo's
  section, every labelled clause's segments as gold.
- **AMI action items / decisions** (`ami-dev`, one fold of reportgen/evals/folds.json): the
  query is what the llm engine asks for that section of the meeting-action-items SOP (the
  section's facet: its title, instructions, cues and field descriptions, `context._facets`),
  and the gold is every `evidence_turns` line of the meeting's actions (decisions).

Each method scores every segment; the top k = share x segments are selected, for shares of
5, 10 and 20%. recall@k is the share of a query's gold segments selected (mean over queries);
ratio = recall@k / share sent. Random selection's expected recall is the share itself (ratio
1.0), printed as the baseline. Methods:

- `bm25`: BM25 over the query's terms (`reportgen.text.terms`), as `reportgen.corpus.TermIndex`.
- `lexical` (AMI only): what `context.select_context` ranks by today for the section: cue
  phrases, concept patterns and BM25, answers inheriting their question's score.
- `emb`: cosine of wordllama embeddings of the query and the segment.
- `hybrid`: `reportgen.corpus.fuse` of lexical (bm25 for QMSum) and emb, as retrieval uses it
  (rule and weights in corpus.py).
- `stretch`: hybrid with both halves first smoothed over neighbouring turns (`corpus.smooth`,
  `context.STRETCH_SCALE`), as `select_context` ranks a prose section of a transcript. Every
  QMSum query is asked as a prose section; the AMI rows show why pinpoint sections are not
  smoothed.
- `oracle`: the gold first, the ceiling at that budget (a QMSum topic's span is often longer
  than 5% of the meeting, so no method reaches recall 1 there).

`--tune` grid-searches the fusion rule, weight and RRF offset on the AMI **fit** fold, and the
smoothing scale on the QMSum **fit** half (AMI fit shown beside it), and prints the best;
corpus.py's and context.py's constants come from such a run. QMSum has no fit fold of its own,
so its validation split is halved by a stable hash of the meeting's file name (`qmsum_fold`);
`--fold` picks the half with AMI's fold. The whole of it was seen during development, so even
its validation half is not held out in the strict sense.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import reportgen.context as context
import reportgen.extract.local.cues as C
from reportgen import embeddings
from reportgen.context import _facets, _line_costs, _relevance, _Turns, facet_text, select_context
from reportgen.corpus import Corpus, TermIndex, fuse, smooth
from reportgen.evals.ami import convert_ami
from reportgen.evals.convert import convert_qmsum
from reportgen.evals.cuad import convert_cuad
from reportgen.evals.folds import QMSUM_SERIES, bucket
from reportgen.evals.gold import build_case, gold_from_cases
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.ranking import rank, section_query
from reportgen.pipeline import resolve_sop
from reportgen.sop import SectionSpec
from reportgen.text import terms

SHARES = (0.05, 0.10, 0.20)
QMSUM_VALIDATION_SHARE = 0.5


def qmsum_fold(filename: str) -> str:
    """QMSum's validation split, halved so something can be tuned on it: a meeting is in the
    `validation` half when the stable hash of its file name (reportgen.evals.folds.bucket, salt
    "qmsum") falls under 0.5, or when it belongs to an AMI series of AMI's validation fold
    (ES2006, ES2009), so tuning on the `fit` half never touches a meeting AMI's numbers are
    reported on; the rest is `fit`. Both halves were seen during development."""
    if filename.startswith(QMSUM_SERIES) or bucket(filename, "qmsum") < QMSUM_VALIDATION_SHARE:
        return "validation"
    return "fit"


@dataclass
class Query:
    corpus: Corpus
    text: str  # what is embedded
    bm25: np.ndarray  # BM25 scores
    lexical: np.ndarray  # what select_context ranks by (AMI); BM25 for text queries
    gold: set[int]  # row positions
    spec: SectionSpec  # the section select_context is asked for (a QMSum query: a prose section titled by it)


def _positions(corpus: Corpus) -> dict[tuple[str, int], int]:
    return {(r.document.id, r.segment.id): k for k, r in enumerate(corpus.rows)}


def _gold_rows(corpus: Corpus, spans) -> set[int]:
    where = _positions(corpus)
    return {where[(sp.document_id, sid)] for sp in spans for sid in sp.segment_ids if (sp.document_id, sid) in where}


def qmsum_sets(folder: Path, fold: str) -> dict[str, list[Query]]:
    topics: list[Query] = []
    queries: list[Query] = []
    for path in sorted(folder.glob("*.json")):
        if qmsum_fold(path.name) != fold:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = [{"speaker": t.get("speaker") or None, "text": t.get("content") or ""}
                 for t in data["meeting_transcripts"]]
        n = len(turns)

        def ev(spans, n=n):
            out = []
            for s in spans or []:
                a, b = int(s[0]), int(s[-1])
                if 0 <= a <= b and a < n:
                    out.append({"turns": [a, min(b, n - 1)]})
            return out

        items = {
            "topics": [{"fields": {"text": t["topic"]}, "evidence": ev(t.get("relevant_text_span"))}
                       for t in data.get("topic_list", []) if t.get("topic")],
            "queries": [{"fields": {"text": q["query"]}, "evidence": ev(q.get("relevant_text_span"))}
                        for q in data.get("specific_query_list", []) if q.get("query")],
        }
        case = {"id": path.stem, "sources": [{"filename": path.name, "turns": turns}],
                "sections": {k: {"items": v} for k, v in items.items() if v}}
        gold = gold_from_cases("qmsum", [case])
        built = build_case(gold.cases[0])
        corpus = Corpus(built.documents)
        idx = corpus.segments
        for sid, out in (("topics", topics), ("queries", queries)):
            sec = built.case.sections.get(sid)
            if sec is None:
                continue
            for item, spans in zip(sec.items, built.spans[sid], strict=True):
                g = _gold_rows(corpus, spans)
                if not g:
                    continue
                text = str(item.fields["text"])
                s = idx.bm25.scores(terms(text))
                out.append(Query(corpus, text, s, s, g, SectionSpec(id="q", title=text, kind="prose")))
    return {"QMSum topics": topics, "QMSum queries": queries}


def ami_sets(folder: Path, fold: str) -> dict[str, list[Query]]:
    sop = resolve_sop("meeting-action-items")
    specs = {s.id: s for s in sop.sections}
    out: dict[str, list[Query]] = {"AMI action_items": [], "AMI decisions": []}
    gold = gold_from_cases("ami", list(convert_ami(folder, fold)))
    for case in gold.cases:
        built = build_case(case)
        corpus = Corpus(built.documents)
        idx, turns = corpus.segments, corpus.memo(_Turns.of)
        for sid in ("action_items", "decisions"):
            g = set().union(*[_gold_rows(corpus, spans) for spans in built.spans.get(sid, [])] or [set()])
            if not g:
                continue
            spec = specs[sid]
            facet = _facets(spec)[0]
            text = facet_text(spec)
            out[f"AMI {sid}"].append(Query(corpus, text, idx.bm25.scores(facet.terms),
                                           _relevance(idx, turns, facet), g, spec))
    return out


def cuad_sets(folder: Path, fold: str) -> dict[str, list[Query]]:
    """CUAD contracts for the context part only: the diligence memo's contract_terms section, whose
    many clause kinds take turns in select_context (a single ranking would misstate it)."""
    spec = resolve_sop("diligence-memo").section("contract_terms")
    out: list[Query] = []
    gold = gold_from_cases("cuad", list(convert_cuad(folder, fold)))
    for case in gold.cases:
        built = build_case(case)
        corpus = Corpus(built.documents)
        g = set().union(*[_gold_rows(corpus, spans) for spans in built.spans.get("contract_terms", [])] or [set()])
        if g:
            zero = np.zeros(len(corpus.rows))
            out.append(Query(corpus, facet_text(spec), zero, zero, g, spec))
    return {"CUAD contract_terms": out}


def _emb(q: Query) -> np.ndarray:
    seg = q.corpus.segments.embeddings
    qv = embeddings.embed([q.text])
    if seg is None or qv is None:
        raise SystemExit("wordllama is not installed: pip install 'reportgen[embeddings]'")
    return seg @ qv[0]


def recall(scores: np.ndarray, gold: set[int], share: float) -> tuple[float, float]:
    n = len(scores)
    k = max(1, math.ceil(share * n))
    top = set(np.argsort(-scores, kind="stable")[:k].tolist())
    return len(top & gold) / len(gold), k / n


def oracle(q: Query) -> np.ndarray:
    """The gold segments first: the most any method could reach at each budget."""
    return np.isin(np.arange(len(q.corpus.rows)), list(q.gold)).astype(float)


def stretched(q: Query, scale: float = context.STRETCH_SCALE) -> np.ndarray:
    """Hybrid with both halves smoothed over neighbouring turns first, as `context.relevance` ranks
    a prose section of a transcript (every query here is on one transcript)."""
    spans = [(0, len(q.corpus.rows))]
    return fuse(smooth(q.lexical, spans, scale), smooth(_emb(q), spans, scale))


def methods() -> dict[str, Callable[[Query], np.ndarray]]:
    return {
        "bm25": lambda q: q.bm25,
        "lexical": lambda q: q.lexical,
        "emb": _emb,
        "hybrid": lambda q: fuse(q.lexical, _emb(q)),
        "stretch": stretched,
        "oracle": oracle,
    }


def table(sets: dict[str, list[Query]], ms: dict[str, Callable[[Query], np.ndarray]]) -> dict:
    res: dict = {}
    for name, qs in sets.items():
        if not qs:
            continue
        res[name] = {"queries": len(qs), "segments": int(np.mean([len(q.corpus.rows) for q in qs])), "rows": {}}
        for m, f in ms.items():
            if m == "lexical" and not name.startswith("AMI") and m in ms and len(ms) > 1:
                continue
            scores = [f(q) for q in qs]
            row = {}
            for share in SHARES:
                rs = [recall(s, q.gold, share) for s, q in zip(scores, qs, strict=True)]
                rec = float(np.mean([r for r, _ in rs]))
                sent = float(np.mean([s for _, s in rs]))
                row[f"{share:.2f}"] = {"recall": rec, "sent": sent, "ratio": rec / sent}
            res[name]["rows"][m] = row
    return res


@contextlib.contextmanager
def stretch(on: bool) -> Iterator[None]:
    """select_context with (the default) or without smoothing prose sections over neighbouring turns."""
    kinds = context.STRETCH_KINDS
    context.STRETCH_KINDS = kinds if on else frozenset()
    try:
        yield
    finally:
        context.STRETCH_KINDS = kinds


MODES = {"words": (False, False), "hybrid": (True, False), "words+stretch": (False, True),
         "hybrid+stretch": (True, True)}  # name -> (semantic, stretch); the last is what is wired in


def system(sets: dict[str, list[Query]]) -> None:
    """`select_context` itself (round-robin facets, openings, even spread) under a token budget of
    each share, words alone and hybrid, each without and with stretch smoothing (which touches only
    prose sections: the QMSum rows), on the same queries: what the llm engine really sends."""
    print("\n## select_context under a token budget (recall / segments sent (ratio))\n")
    print("| set | budget | " + " | ".join(MODES) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in MODES) + " |")
    corpora: dict[tuple[int, bool], Corpus] = {}  # one per meeting and mode, as a report keeps its corpus
    for name, qs in sets.items():
        for share in SHARES:
            cells = []
            for semantic, stretch_on in MODES.values():
                recs, sents = [], []
                for q in qs:
                    corpus = corpora.get((id(q.corpus), semantic))
                    if corpus is None:
                        corpus = corpora[(id(q.corpus), semantic)] = Corpus(q.corpus.documents, semantic=semantic)
                    if semantic:  # the embeddings computed once per meeting, as a report's corpus keeps them
                        corpus.segments.__dict__["embeddings"] = q.corpus.segments.embeddings
                    budget = max(50, int(sum(corpus.memo(_line_costs)) * share))
                    where = {(r.document.id, r.segment.id): k for k, r in enumerate(corpus.rows)}
                    with stretch(stretch_on):
                        chunks = select_context(q.spec, corpus, budget)
                    chosen = {where[(c.document_id, sid)] for c in chunks for sid in c.segment_ids}
                    recs.append(len(chosen & q.gold) / len(q.gold))
                    sents.append(len(chosen) / len(corpus.rows))
                rec, sent = float(np.mean(recs)), float(np.mean(sents))
                cells.append(f"{rec:.3f} / {sent:.3f} ({rec / sent:.1f}x)")
            print(f"| {name} | {int(share * 100)}% | " + " | ".join(cells) + " |")


def offline(sets: dict[str, list[Query]]) -> None:
    """The offline engine's sentence ranking (`ranking.rank`, as passages call it): its sentences in
    rank order, read as the segments they sit in, up to each share; BM25 against hybrid."""
    print("\n## offline ranking (ranking.rank): words alone vs hybrid (recall, segments sent, ratio)\n")
    print("| set | budget | words: recall / sent (x) | hybrid: recall / sent (x) |")
    print("| --- | ---: | ---: | ---: |")
    built: dict[int, SourceIndex] = {}
    for name, qs in sets.items():
        orders: dict[bool, list[list[int]]] = {False: [], True: []}
        for q in qs:
            index = built.get(id(q.corpus))
            if index is None:
                index = built[id(q.corpus)] = SourceIndex.build(q.corpus)
            where = _positions(q.corpus)
            for semantic in (False, True):
                ranked = rank(index, q.spec, C.families_for(q.spec), section_query(q.spec), q.spec.cues,
                              semantic=semantic)
                seen: dict[int, None] = {}
                for c in ranked:
                    for j in c.sentence.segment_ids:
                        seen.setdefault(where[(c.sentence.document_id, j)], None)
                orders[semantic].append(list(seen))
        for share in SHARES:
            cells = []
            for semantic in (False, True):
                recs, sents = [], []
                for q, order in zip(qs, orders[semantic], strict=True):
                    k = max(1, math.ceil(share * len(q.corpus.rows)))
                    top = set(order[:k])
                    recs.append(len(top & q.gold) / len(q.gold))
                    sents.append(len(top) / len(q.corpus.rows))
                rec, sent = float(np.mean(recs)), float(np.mean(sents))
                cells.append(f"{rec:.3f} / {sent:.3f} ({rec / max(sent, 1e-9):.1f}x)")
            print(f"| {name} | {int(share * 100)}% | {cells[0]} | {cells[1]} |")


def eval_column(corpus_dir: Path, fold: str) -> None:
    """The retrieval column of `reportgen eval` (runner.py: select_context for each gold section of
    the SOP, a 20% token budget, recall pooled over gold segments, share sent averaged), words
    alone against hybrid, for the three corpus gold sets; and the ceiling: the lift of a selection
    of the same size that took gold segments first (pooled gold that covers most of a meeting, as
    QMSum's topics do, caps the lift near 1.0x whatever is selected). Every section here is a list
    or a table, so stretch smoothing (prose only) does not change this column."""
    print(f"\n## `reportgen eval` retrieval column, 20% token budget ({fold} fold): words alone vs hybrid\n")
    print("| gold set | section | gold share | words: recall@k / sent (lift) | hybrid: recall@k / sent (lift) "
          "| ceiling (hybrid's size) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    qmsum = [c for c in convert_qmsum(corpus_dir / "qmsum-val") if qmsum_fold(c["sources"][0]["filename"]) == fold]
    sources = {"QMSum": qmsum,
               "AMI": list(convert_ami(corpus_dir / "ami-dev", fold)),
               "CUAD": list(convert_cuad(corpus_dir / "cuad-train", fold))}
    for name, cases in sources.items():
        gold = gold_from_cases(name, cases)
        sop = resolve_sop(gold.cases[0].sop or "meeting-action-items")
        tallies: dict[tuple[str, bool], list[float]] = {}
        for case in gold.cases:
            built = build_case(case)
            shared = Corpus(built.documents)
            for sid, per_item in built.spans.items():
                want = {(sp.document_id, i) for spans in per_item for sp in spans for i in sp.segment_ids}
                if not want:
                    continue
                for semantic in (False, True):
                    corpus = Corpus(built.documents, semantic=semantic)
                    if semantic:
                        corpus.segments.__dict__["embeddings"] = shared.segments.embeddings
                    budget = max(50, int(sum(corpus.memo(_line_costs)) * 0.2))
                    chosen = {(c.document_id, i) for c in select_context(sop.section(sid), corpus, budget)
                              for i in c.segment_ids}
                    t = tallies.setdefault((sid, semantic), [0.0] * 6)
                    t[0] += len(want & chosen)
                    t[1] += len(want)
                    t[2] += len(chosen) / len(corpus.rows)
                    t[3] += 1
                    t[4] += min(len(want), len(chosen))  # the oracle's hits at the same size
                    t[5] += len(want) / len(corpus.rows)
        for sid in sorted({k[0] for k in tallies}):
            cells = []
            for semantic in (False, True):
                hit, n, sent, cases_n, best, gold_share = tallies[(sid, semantic)]
                rec, share = hit / n, sent / cases_n
                cells.append(f"{rec:.1%} / {share:.1%} ({rec / share:.1f}x)")
            ceiling = best / n / share
            print(f"| {name} | {sid} | {gold_share / cases_n:.1%} | {cells[0]} | {cells[1]} | {ceiling:.1f}x |")


def show(res: dict, title: str) -> None:
    print(f"\n## {title}\n")
    head = " | ".join(f"R@{int(s * 100)}% (x)" for s in SHARES)
    print(f"| set | queries | segs | method | {head} |")
    print("| --- | ---: | ---: | --- | " + " | ".join("---:" for _ in SHARES) + " |")
    for name, r in res.items():
        rand = " | ".join(f"{r['rows']['bm25'][f'{s:.2f}']['sent']:.3f} (1.0x)" for s in SHARES)
        print(f"| {name} | {r['queries']} | {r['segments']} | random | {rand} |")
        for m, row in r["rows"].items():
            cells = " | ".join(f"{row[f'{s:.2f}']['recall']:.3f} ({row[f'{s:.2f}']['ratio']:.1f}x)" for s in SHARES)
            print(f"| | | | {m} | {cells} |")


def _fused(q: Query, *, fusion: str, weight: float, k: int) -> np.ndarray:
    return fuse(q.lexical, _emb(q), fusion=fusion, weight=weight, k=k)


def tune(sets: dict[str, list[Query]]) -> None:
    """Fusion rule, weight and RRF offset by mean ratio over the AMI sets and shares (fit fold only)."""
    print("\n## tuning on AMI fit (mean recall/share over both sets and the three shares)\n")
    grid = [("sum", w, 0) for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
    grid += [("rrf", w, k) for k in (10, 30, 60, 100) for w in (0.3, 0.4, 0.5, 0.6, 0.7)]
    best = None
    for fusion, weight, k in [("words", 0.0, 0), *grid]:
        r = table(sets, {"hybrid": functools.partial(_fused, fusion=fusion, weight=weight, k=k)})
        ratios = {name: float(np.mean([x["rows"]["hybrid"][f"{s:.2f}"]["ratio"] for s in SHARES]))
                  for name, x in r.items()}
        score = float(np.mean(list(ratios.values())))
        per_set = "  ".join(f"{n} {v:.2f}" for n, v in ratios.items())
        print(f"{fusion} weight {weight:.1f} k {k}: {score:.3f}  {per_set}")
        if best is None or score > best[0]:
            best = (score, fusion, weight, k)
    assert best is not None
    print(f"\nbest: {best[1]} weight {best[2]} k {best[3]} (mean ratio {best[0]:.3f})")


def tune_stretch(sets: dict[str, list[Query]]) -> None:
    """The smoothing scale (`context.STRETCH_SCALE`) by mean ratio over the QMSum fit half's topics and
    queries and the three shares; the AMI fit rows show why pinpoint sections are not smoothed."""
    print("\n## stretch smoothing scale (mean recall/share over the three shares; fit data only)\n")
    best = None
    for scale in (0.0, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05):
        f = functools.partial(stretched, scale=scale) if scale else (lambda q: fuse(q.lexical, _emb(q)))
        r = table(sets, {"hybrid": f})
        ratios = {name: float(np.mean([x["rows"]["hybrid"][f"{s:.2f}"]["ratio"] for s in SHARES]))
                  for name, x in r.items()}
        score = float(np.mean([v for n, v in ratios.items() if n.startswith("QMSum")]))
        print(f"scale {scale:.3f}: QMSum {score:.3f}  " + "  ".join(f"{n} {v:.2f}" for n, v in ratios.items()))
        if best is None or score > best[0]:
            best = (score, scale)
    assert best is not None
    print(f"\nbest on QMSum fit: scale {best[1]} (mean ratio {best[0]:.3f})")


def timing(folder: Path) -> None:
    """CPU seconds of context selection for the longest QMSum meeting, words alone against hybrid
    (embedding every segment included), in the same run; and embedding alone against BM25's index."""
    def turn_count(p: Path) -> int:
        return len(json.loads(p.read_text(encoding="utf-8"))["meeting_transcripts"])

    path = max(folder.glob("*.json"), key=turn_count)
    data = json.loads(path.read_text(encoding="utf-8"))
    turns = [{"speaker": t.get("speaker") or None, "text": t.get("content") or ""}
             for t in data["meeting_transcripts"]]
    built = build_case(gold_from_cases("t", [{"id": "t", "sources": [{"filename": path.name, "turns": turns}],
                                             "sections": {}}]).cases[0])
    sop = resolve_sop("meeting-action-items")
    embeddings.embed(["warm up"])  # the model loads once per process, not per report
    out: dict[str, float] = {}
    for mode, (semantic, stretch_on) in MODES.items():
        corpus = Corpus(built.documents, semantic=semantic)
        t0 = time.process_time()
        budget = int(sum(corpus.memo(_line_costs)) * 0.2)
        with stretch(stretch_on):
            for spec in sop.sections:
                select_context(spec, corpus, budget)
        out[mode] = time.process_time() - t0
    texts = [str(t["text"]) for t in turns]
    t0 = time.process_time()
    embeddings.embed(texts)
    t1 = time.process_time()
    TermIndex([terms(t) for t in texts]).scores(["remote", "design"])
    t2 = time.process_time()
    print(f"\ntiming, CPU s ({path.name}, {len(texts)} turns): select_context for the 5 sections of "
          "meeting-action-items at 20%: " + ", ".join(f"{m} {v:.3f}" for m, v in out.items())
          + f"; embedding the turns {t1 - t0:.3f} against BM25 index+query "
          f"{t2 - t1:.3f} ({(t1 - t0) / max(t2 - t1, 1e-9):.1f}x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    ap.add_argument("--fold", default="validation", choices=["validation", "fit"], help="AMI fold")
    ap.add_argument("--tune", action="store_true", help="grid-search fusion on the AMI fit fold")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--only", choices=["ranking", "context", "offline", "eval"], help="run one part only")
    args = ap.parse_args(argv)
    qm, ami = args.corpus / "qmsum-val", args.corpus / "ami-dev"
    if not qm.is_dir() or not ami.is_dir():
        print(f"error: {args.corpus} has no qmsum-val/ or ami-dev/; pass --corpus ../shared/corpus", file=sys.stderr)
        return 2
    if not embeddings.available():
        print("error: wordllama is not installed: pip install 'reportgen[embeddings]'", file=sys.stderr)
        return 2
    if args.tune:
        tune(ami_sets(ami, "fit"))
        tune_stretch({**ami_sets(ami, "fit"), **qmsum_sets(qm, "fit")})
        return 0
    sets = {**ami_sets(ami, args.fold), **qmsum_sets(qm, args.fold)}
    if args.only in (None, "ranking"):
        res = table(sets, methods())
        show(res, f"recall@k (AMI {args.fold} fold; QMSum {args.fold} half, seen in development)")
        if args.json:
            args.json.write_text(json.dumps(res, indent=1))
    if args.only in (None, "context"):
        cuad = args.corpus / "cuad-train"
        system({**sets, **(cuad_sets(cuad, args.fold) if cuad.is_dir() else {})})
    if args.only in (None, "offline"):
        offline(sets)
    if args.only in (None, "eval") and (args.corpus / "cuad-train").is_dir():
        eval_column(args.corpus, args.fold)
    if args.only is None:
        timing(qm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
