"""Run an engine over a gold set and score it: the numbers behind `reportgen eval`.

Each case's report is built by the same `reportgen.pipeline.generate` users call, on an SOP
cut down to the sections that case has gold for (so an llm run pays only for what is
scored). In the same pass every section is scored by both pairing rules (strict first unless
asked otherwise) and against the random-segment baseline (baseline.py) over `seeds` seeds.
Retrieval is measured separately, on the BM25 selection of `reportgen.context`, under a budget
that is a share of the sources so that selection has to happen.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportgen.context import estimate_tokens, segment_line, select_context
from reportgen.corpus import Corpus
from reportgen.errors import ReportgenError
from reportgen.evals.baseline import random_items, seed_label
from reportgen.evals.gold import BuiltCase, GoldError, GoldSection, GoldSet, Span, build_case, load_gold
from reportgen.evals.match import Pair, item_spans, kind_of, main_text_field, match_items
from reportgen.evals.metrics import SectionTally, overall
from reportgen.evals.results import CaseOutcome, Cited, EvalRun, ItemOutcome, PredOutcome
from reportgen.extract.base import Extractor
from reportgen.extract.prompts import SYSTEM_PROMPT
from reportgen.models import Document, Item, Report
from reportgen.pipeline import generate, make_engine, resolve_sop
from reportgen.sop import SOP, SectionSpec

DEFAULT_BUDGET_SHARE = 0.2
DEFAULT_SEEDS = 5


def _clip(text: Any, n: int = 160) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def prompt_id() -> str:
    """A short hash of the llm engine's system prompt: two runs with different prompts compare as such."""
    return hashlib.sha256(SYSTEM_PROMPT.encode()).hexdigest()[:8]


def _selected(spec, corpus: Corpus, share: float) -> tuple[set[tuple[str, int]], int]:
    documents = corpus.documents
    total = sum(estimate_tokens(segment_line(i, s)) + 1 for i, d in enumerate(documents, 1) for s in d.segments)
    budget = max(50, int(total * share))
    chunks = select_context(spec, corpus, budget)
    return {(c.document_id, sid) for c in chunks for sid in c.segment_ids}, sum(len(d.segments) for d in documents)


def resolve_run_sop(gold: GoldSet, sop: SOP | str | None) -> SOP:

    chosen = sop or gold.sop or next((c.sop for c in gold.cases if c.sop), None)
    if chosen is None:
        raise GoldError(f"{gold.path}: no SOP given: pass --sop ID, or put `sop:` in the gold set.")
    spec = resolve_sop(chosen)
    known = {s.id: s for s in spec.sections}
    for c in gold.cases:
        missing = sorted(set(c.sections) - set(known))
        if missing:
            raise GoldError(
                f"case {c.id}: section(s) {', '.join(missing)} are not in SOP {spec.id!r} "
                f"(its sections: {', '.join(known)}). Pass the SOP this gold set was made for."
            )
        for sid, sec in c.sections.items():
            allowed = _item_fields(known[sid])
            for item in sec.items:
                extra = sorted(set(item.fields) - allowed)
                if extra:  # a typo, or an unquoted comma in a YAML flow mapping ({what: a, b})
                    raise GoldError(
                        f"{gold.path}: case {c.id}, item {item.id}: field(s) {', '.join(map(repr, extra))} are not "
                        f"fields of section {sid!r} (its fields: {', '.join(sorted(allowed))}). In YAML, quote "
                        "values that contain a comma."
                    )
    return spec


def _item_fields(spec) -> set[str]:
    """The field names an item of this section can carry (the shared item conventions)."""
    if spec.kind == "scorecard":
        return {"criterion", "name", "rating", "band", "rationale"}
    return set(spec.fields) or {"text"}


def _cited(spans: list[Span], docs: dict[str, Document]) -> list[Cited]:
    out = []
    for sp in spans:
        doc = docs.get(sp.document_id)
        out.append(Cited(document=doc.filename if doc else sp.document_id, char_start=sp.char_start,
                         char_end=sp.char_end, segments=sp.segment_ids,
                         quote=_clip(doc.text[sp.char_start:sp.char_end], 200) if doc else ""))
    return out


def _score_section(
    tally: SectionTally, spec: SectionSpec, case_id: str, gold: GoldSection, gold_spans: list[list[Span]],
    pred: list[Item], built: BuiltCase | None, lenient: bool,
) -> list[Pair]:
    """Both pairing rules and the baseline for one section of one case; returns the primary pairs."""
    pairs = match_items(spec, gold.items, gold_spans, pred, lenient=lenient)
    tally.add_case(gold_spans, pred, pairs, gold.exhaustive)
    tally.add_alt(match_items(spec, gold.items, gold_spans, pred, lenient=not lenient))
    pred_kinds = [kind_of(spec, p.fields) for p in pred]
    tally.add_kinds([kind_of(spec, g.fields) for g in gold.items], pred, pred_kinds, pairs)
    if built is not None:
        for k in range(tally.seeds):
            rand = random_items(spec, built.documents, pred, seed_label(case_id, spec.id, k))
            tally.add_baseline(k, len(rand), match_items(spec, gold.items, gold_spans, rand, lenient=lenient),
                               match_items(spec, gold.items, gold_spans, rand, lenient=not lenient),
                               [kind_of(spec, r.fields) for r in rand])
    return pairs


def run_eval(
    gold: GoldSet | str | Path,
    sop: SOP | str | None = None,
    *,
    engine: str | Extractor = "local",
    model: str | None = None,
    budget_share: float = DEFAULT_BUDGET_SHARE,
    limit: int | None = None,
    label: str | None = None,
    on_case: Callable[[CaseOutcome], None] | None = None,
    lenient: bool = False,
    seeds: int = DEFAULT_SEEDS,
    on_section: Callable[[str, SectionSpec, BuiltCase | None, list[Item], list[Pair]], None] | None = None,
) -> EvalRun:
    """Score `engine` on every case of `gold`; a case whose sources fail to load or extract is
    recorded as failed (its gold counts as missed) and the run goes on. `on_section` sees each
    section's predictions and primary pairs, for scores the tallies do not keep."""

    if not 0 < budget_share <= 1:
        raise ReportgenError(f"budget share {budget_share} must be in (0, 1]: the share of the sources' tokens "
                             "the retrieval check may select, e.g. 0.2.")
    if seeds < 0:
        raise ReportgenError(f"--seeds {seeds}: the random baseline needs 0 (none) or more seeds, e.g. 5.")
    gs = gold if isinstance(gold, GoldSet) else load_gold(gold)
    spec = resolve_run_sop(gs, sop)
    extractor = make_engine(engine, model=model)
    base_dir = Path(gs.path).parent if gs.path else Path(".")
    order = [s.id for s in spec.sections]
    mode = "lenient" if lenient else "strict"
    tallies: dict[str, SectionTally] = {}
    run_items: list[ItemOutcome] = []
    predictions: list[PredOutcome] = []
    cases: list[CaseOutcome] = []
    for case in gs.cases[:limit]:
        outcome = CaseOutcome(id=case.id)
        sub = spec.model_copy(update={"sections": [s for s in spec.sections if s.id in case.sections]})
        report: Report | None = None
        built: BuiltCase | None = None
        t0 = time.perf_counter()
        try:
            built = build_case(case, base_dir)
            outcome.unresolved = built.unresolved
            report = generate(built.documents, sub, engine=extractor, meeting_date=case.meeting_date)
        except GoldError:
            raise
        except ReportgenError as e:
            outcome.failed = str(e)
        outcome.seconds = round(time.perf_counter() - t0, 3)
        if report is not None:
            u = report.usage
            outcome.cost_usd, outcome.calls, outcome.cached_calls = u.cost_usd, u.calls, u.cached_calls
            outcome.input_tokens, outcome.output_tokens = u.input_tokens, u.output_tokens
        corpus = Corpus(built.documents) if built is not None else None  # one per case, for every section
        docs = {d.id: d for d in built.documents} if built else {}
        for sec_spec in sub.sections:
            gsec = case.sections[sec_spec.id]
            tally = tallies.get(sec_spec.id)
            if tally is None:
                n = 0 if sec_spec.kind in ("scorecard", "verdict") else seeds
                tally = tallies[sec_spec.id] = SectionTally(spec=sec_spec, mode=mode, seeds=n)
            gold_spans = built.spans.get(sec_spec.id, []) if built else [[] for _ in gsec.items]
            pred: list[Item] = []
            if report is not None:
                pred = next((s.items for s in report.sections if s.id == sec_spec.id), [])
            pairs = _score_section(tally, sec_spec, case.id, gsec, gold_spans, pred, built, lenient)
            if on_section is not None:  # more scoring of the same predictions (reviews' rejected items)
                on_section(case.id, sec_spec, built, pred, pairs)
            if corpus is not None:
                tally.add_retrieval(gold_spans, *_selected(sec_spec, corpus, budget_share))
            main = main_text_field(sec_spec)
            by_gold = {p.gold: p for p in pairs}
            by_pred = {p.pred: p for p in pairs}
            ids = [g.id or f"{case.id}/{sec_spec.id}/{gi}" for gi, g in enumerate(gsec.items)]
            for gi, g in enumerate(gsec.items):
                p = by_gold.get(gi)
                run_items.append(ItemOutcome(
                    id=ids[gi], case=case.id, section=sec_spec.id,
                    matched=p is not None, how=p.how if p else None,
                    similarity=round(p.similarity, 3) if p and p.similarity is not None else None,
                    kind=kind_of(sec_spec, g.fields),
                    fields={k: v for k, v in (p.fields.items() if p else []) if v is not None},
                    gold_text=_clip(g.fields.get(main) or g.fields.get("criterion") or g.meta.get("query", "")),
                    pred_text=_clip(pred[p.pred].fields.get(main)) if p else "",
                    pred_index=p.pred if p else None,
                    evidence=_cited(gold_spans[gi] if gi < len(gold_spans) else [], docs),
                ))
            for k, it in enumerate(pred):
                p = by_pred.get(k)
                predictions.append(PredOutcome(
                    case=case.id, section=sec_spec.id, index=k, gold=ids[p.gold] if p else None,
                    kind=kind_of(sec_spec, it.fields), text=_clip(it.fields.get(main), 300),
                    fields={n: v for n, v in it.fields.items() if n != main and v not in (None, "", [])},
                    cited=_cited(item_spans(it), docs),
                ))
            extra = [_clip(it.fields.get(main)) for k, it in enumerate(pred) if k not in by_pred]
            if extra:
                outcome.extra[sec_spec.id] = extra
        cases.append(outcome)
        if on_case is not None:
            on_case(outcome)
    ordered = [tallies[s] for s in order if s in tallies]
    scores = [t.finish() for t in ordered]
    ok = [c for c in cases if c.failed is None]
    secs = [c.seconds for c in ok]
    name = getattr(extractor, "name", str(engine))
    mdl = getattr(extractor, "model", None) or model
    prompt = prompt_id() if name == "llm" else None
    return EvalRun(
        label=label or " ".join(x for x in (name, mdl, f"prompt {prompt}" if prompt else None) if x),
        engine=name,
        model=mdl,
        prompt=prompt,
        mode=mode,
        seeds=seeds,
        gold_name=gs.name,
        gold_path=gs.path,
        gold_digest=gs.digest,
        sop_id=spec.id,
        sop_version=spec.version,
        budget_share=budget_share,
        sections=scores,
        overall=overall(scores, ordered) if ordered else None,
        cost={
            "reports": len(cases),
            "failed": len(cases) - len(ok),
            "cost_usd_total": round(sum(c.cost_usd for c in ok), 6),
            "cost_usd_per_report": round(statistics.fmean(c.cost_usd for c in ok), 6) if ok else None,
            "seconds_per_report_mean": round(statistics.fmean(secs), 3) if secs else None,
            "seconds_per_report_median": round(statistics.median(secs), 3) if secs else None,
            "seconds_per_report_max": round(max(secs), 3) if secs else None,
            "calls_total": sum(c.calls for c in ok),
            "cached_calls_total": sum(c.cached_calls for c in ok),
            "tokens_in_total": sum(c.input_tokens for c in ok),
            "tokens_out_total": sum(c.output_tokens for c in ok),
        },
        cases=cases,
        items=run_items,
        predictions=predictions,
    )
