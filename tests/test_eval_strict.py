"""The strict pairing rule, the random baseline and the ranking metrics, on cases built here."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from reportgen.evals import load_gold, run_eval
from reportgen.evals.baseline import random_items, seed_label
from reportgen.evals.gold import Span, build_case, gold_from_cases
from reportgen.evals.match import Pair, kind_fields, match_items
from reportgen.evals.metrics import SectionTally, precision_at_recall, prf
from reportgen.evals.show import format_run, kind_table
from reportgen.evals.text import content_words, dice, strict_agrees, text_agrees
from reportgen.models import Citation, Item
from reportgen.sop import get_sop

CONTRACT = ("MASTER SERVICES AGREEMENT between Northwind Ltd and Contoso Inc, dated June 21, 1999.\n\n"
            "This Agreement shall be governed by the laws of the State of Florida, without regard to conflicts "
            "of law.\n\nNeither party may assign this Agreement without the prior written consent of the other.")


def _contract_case(tmp_path: Path):
    gs = gold_from_cases("contract", [{
        "id": "msa", "sources": [{"text": CONTRACT}],
        "sections": {"contract_terms": {"items": [
            {"fields": {"clause": "governing law", "summary": "Florida"},
             "evidence": ["This Agreement shall be governed by the laws of the State of Florida"],
             "meta": {"accept": ["Florida"]}},
            {"fields": {"clause": "assignment",
                        "summary": "Neither party may assign this Agreement without the prior written consent of "
                                   "the other."},
             "evidence": ["Neither party may assign this Agreement without the prior written consent of the other."]},
        ]}}}], "diligence-memo")
    built = build_case(gs.cases[0], tmp_path)
    return gs, built, get_sop("diligence-memo").section("contract_terms")


def _row(doc, clause: str, summary: str, quote: str) -> Item:
    at = doc.text.find(quote)
    assert at >= 0
    return Item(fields={"clause": clause, "summary": summary},
                citations=[Citation(document_id=doc.id, quote=quote, char_start=at, char_end=at + len(quote),
                                    status="exact")])


def test_a_short_gold_value_is_matched_as_a_value_not_as_a_token_subset(tmp_path: Path) -> None:
    gs, built, spec = _contract_case(tmp_path)
    doc = built.documents[0]
    items, spans = gs.cases[0].sections["contract_terms"].items, built.spans["contract_terms"]
    long_row = _row(doc, "governing law", "This Agreement shall be governed by the laws of the State of Florida, "
                    "without regard to conflicts of law.", "governed by the laws of the State of Florida")
    assert match_items(spec, items, spans, [long_row]) == []  # "Florida" is a token subset of it: not enough
    assert [p.gold for p in match_items(spec, items, spans, [long_row], lenient=True)] == [0]
    stated = _row(doc, "governing law", "State of Florida", "governed by the laws of the State of Florida")
    [pair] = match_items(spec, items, spans, [stated])
    assert (pair.gold, pair.how, pair.fields) == (0, "span", {"clause": True, "summary": True})


def test_strict_pairs_need_the_kind_to_agree(tmp_path: Path) -> None:
    gs, built, spec = _contract_case(tmp_path)
    doc = built.documents[0]
    items, spans = gs.cases[0].sections["contract_terms"].items, built.spans["contract_terms"]
    quote = "Neither party may assign this Agreement without the prior written consent of the other."
    wrong_kind = _row(doc, "termination", quote, quote)
    assert kind_fields(spec) == ["clause"]
    assert match_items(spec, items, spans, [wrong_kind]) == []
    assert len(match_items(spec, items, spans, [wrong_kind], lenient=True)) == 1  # overlap alone pairs it
    [pair] = match_items(spec, items, spans, [_row(doc, "assignment", quote, quote)])
    assert pair.gold == 1 and pair.similarity == 1.0


def test_text_agreement_rules() -> None:
    assert content_words("I don't think we'll sell the remotes") == ["not", "sell", "remot"]
    assert content_words("$25,000 on June 21, 1999") == ["25000", "d19990621"]
    assert strict_agrees("dated 6/21/99", "June 21, 1999")[0]  # dates compare as dates
    assert strict_agrees("January 31, 2025", "31/01/2025")[0]  # a day past 12 first: only day/month reads
    assert not strict_agrees("March 2, 2025", "2/3/2025")[0]  # ambiguous: read month first, as CUAD mostly writes
    assert not strict_agrees("Agreement dated 6/21/99", "June 21, 1999")[0]  # a value needs no padding
    assert not strict_agrees("the laws of the State of Florida apply to all disputes under it", "Florida")[0]
    assert strict_agrees("Send the final screenshots to Renata by Wednesday", "Send the final screenshots to Renata")[0]
    assert not strict_agrees("Book the room", "Send the final screenshots to Renata")[0]
    assert dice("a b", "") == 0.0 and dice("alpha beta", "beta alpha") == 1.0
    ok, best = text_agrees("Florida law", ["Delaware", "Florida"])
    assert ok and best == pytest.approx(2 / 3)
    assert text_agrees("Florida is where it is governed", ["Florida"], lenient=True)[0]


def test_gold_without_placed_evidence_pairs_on_text_only(tmp_path: Path) -> None:
    gs = gold_from_cases("t", [{
        "id": "c", "sources": [{"text": "We will ship the beta on Friday. Nothing else was decided."}],
        "sections": {"decisions": {"items": [{"fields": {"what": "Ship the beta on Friday"}}]}}}],
        "meeting-action-items")
    built = build_case(gs.cases[0], tmp_path)
    spec = get_sop("meeting-action-items").section("decisions")
    doc = built.documents[0]
    pred = Item(fields={"what": "We will ship the beta on Friday."},
                citations=[Citation(document_id=doc.id, quote="x", char_start=40, char_end=50, status="exact")])
    [pair] = match_items(spec, gs.cases[0].sections["decisions"].items, built.spans["decisions"], [pred])
    assert pair.how == "text"


def test_random_items_are_deterministic_keep_the_kind_and_cite_one_segment(tmp_path: Path) -> None:
    gs, built, spec = _contract_case(tmp_path)
    like = [Item(fields={"clause": "assignment", "summary": "x"}), Item(fields={"clause": "parties", "summary": "y"})]
    a = random_items(spec, built.documents, like, seed_label("msa", "contract_terms", 0))
    b = random_items(spec, built.documents, like, seed_label("msa", "contract_terms", 0))
    assert [i.fields for i in a] == [i.fields for i in b] and len(a) == 2
    assert [i.fields["clause"] for i in a] == ["assignment", "parties"]
    segs = {s.text for s in built.documents[0].segments}
    for it in a:
        [c] = it.citations
        assert c.located and it.fields["summary"] in segs and c.quote == it.fields["summary"]
    draws = {tuple(i.fields["summary"] for i in random_items(spec, built.documents, like, f"msa|s|{k}"))
             for k in range(8)}
    assert len(draws) > 1  # seeds differ
    assert random_items(spec, [], like, "x") == [] and random_items(spec, built.documents, [], "x") == []


def test_baseline_is_the_mean_over_seeds_of_random_items_scored_the_same_way(tmp_path: Path) -> None:
    """One gold item on a four-turn meeting: the baseline F1 is exactly what scoring each seed's random
    items by hand gives, averaged."""
    turns = [{"speaker": s, "text": t} for s, t in [
        ("Ana", "Good morning everyone."), ("Ben", "I'll ship the beta on Friday."),
        ("Ana", "The weather is nice today."), ("Ben", "Lunch is at noon.")]]
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps({"sop": "meeting-action-items", "cases": [{
        "id": "m", "sources": [{"turns": turns}],
        "sections": {"action_items": {"items": [{"fields": {"task": "Ship the beta on Friday", "owner": "Ben"},
                                              "evidence": [{"turns": [1, 1]}]}]}}}]}))
    seeds = 7
    run = run_eval(path, engine="local", seeds=seeds)
    [sec] = run.sections
    gs = load_gold(path)
    built = build_case(gs.cases[0], tmp_path)
    spec = get_sop("meeting-action-items").section("action_items")  # decisions are passages offline
    like = [Item(fields={})] * sec.predicted
    f1s = []
    for k in range(seeds):
        rand = random_items(spec, built.documents, like, seed_label("m", "action_items", k))
        pairs = match_items(spec, gs.cases[0].sections["action_items"].items, built.spans["action_items"], rand)
        f1s.append(prf(len(pairs), len(rand), 1)[2])
    assert sec.baseline_seeds == seeds and sec.predicted >= 1
    assert sec.baseline_f1 == pytest.approx(statistics.fmean(f1s), abs=1e-4)
    assert "(rand)" in format_run(run)
    none = run_eval(path, engine="local", seeds=0)
    assert none.sections[0].baseline_f1 is None


def test_precision_at_recall_and_aupr() -> None:
    # ranked hits: T F T T F, 4 gold items: recall reaches 0.75 at most
    scored = [(0.9, True), (0.8, False), (0.7, True), (0.6, True), (0.5, False)]
    assert precision_at_recall(scored, 4) == (0.0, 0.75, pytest.approx((1 + 2 / 3 + 3 / 4) / 4, abs=1e-4))
    at, top, _ = precision_at_recall(scored, 3)  # recall 1.0 reached at rank 4: precision 3/4
    assert (at, top) == (0.75, 1.0)
    assert precision_at_recall([], 3) == (None, None, None)


def test_per_kind_scores_say_when_the_engine_gives_no_scores() -> None:
    spec = get_sop("diligence-memo").section("contract_terms")
    t = SectionTally(spec=spec, seeds=2)
    scored = [Item(fields={"clause": "parties", "score": s}) for s in (0.9, 0.4)]
    plain = [Item(fields={"clause": "governing law"})]
    t.add_kinds(["parties", "governing law"], scored + plain, ["parties", "parties", "governing law"],
                [Pair(0, 0, "span", 1.0)])
    t.add_retrieval([], set(), 10)
    s = t.finish()
    kinds = {k.kind: k for k in s.by_kind}
    assert kinds["parties"].scored == 2 and kinds["parties"].precision_at_80_recall == 1.0
    assert kinds["governing law"].scored == 0 and kinds["governing law"].precision_at_80_recall is None
    table = kind_table(s)
    assert "n/a: no scores" in table and "1.00" in table


def test_retrieval_lift_is_recall_over_share_sent(tmp_path: Path) -> None:
    t = SectionTally(spec=get_sop("meeting-action-items").section("decisions"))
    gold = [[Span(document_id="d", char_start=0, char_end=5, segment_ids=[0, 1])]]
    t.add_retrieval(gold, {("d", 0), ("d", 7)}, 20)  # half the gold sent, 10% of the segments
    s = t.finish()
    assert (s.retrieval_recall, s.retrieval_sent_share, s.retrieval_lift) == (0.5, 0.1, 5.0)
