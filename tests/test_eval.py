"""Gold format, matching and metrics, measured with real engines: the local engine, and gold-following
engines written here (they implement the Extractor protocol) whose right and wrong answers are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportgen.drafts import DraftItem, DraftSection
from reportgen.errors import ReportgenError
from reportgen.evals import GoldError, build_case, compare_runs, format_comparison, format_run, load_gold, run_eval
from reportgen.evals.gold import GoldCase
from reportgen.evals.match import field_agrees, match_items, same_person
from reportgen.models import Citation, Item
from reportgen.sop import FieldSpec, SectionSpec, get_sop

REPO = Path(__file__).resolve().parent.parent
MEETINGS = REPO / "evals" / "meetings.yaml"
INTERVIEWS = REPO / "evals" / "interviews.yaml"


class GoldEngine:
    """Answers every section with the gold items, quoting the gold evidence; `shift` quotes the turn
    after each quoted one instead (same fields, wrong place)."""

    name = "gold"
    model = None
    extractive = False
    notes: list[str] = []

    def __init__(self, gold_path: Path, shift: int = 0, drop: int = 0) -> None:
        gs = load_gold(gold_path)
        self.cases = {tuple(d.id for d in build_case(c, gold_path.parent).documents): c for c in gs.cases}
        self.shift, self.drop = shift, drop

    async def extract(self, run):
        case: GoldCase = self.cases[tuple(d.id for d in run.documents)]
        doc = run.documents[0]
        for spec in run.sections:
            items = []
            for g in case.sections[spec.id].items[self.drop:]:
                quotes = [e.quote for e in g.evidence if e.quote]
                if self.shift:
                    quotes = [self._shifted(doc, q) for q in quotes]
                items.append(DraftItem(fields=dict(g.fields), quotes=quotes))
            yield DraftSection(section_id=spec.id, items=items)

    def _shifted(self, doc, quote: str) -> str:
        at = doc.text.find(quote)
        segs = doc.segments
        k = next(i for i, s in enumerate(segs) if s.char_start <= at < s.char_end)
        return segs[(k + self.shift) % len(segs)].text


def test_hand_made_gold_loads_and_every_quote_is_placed() -> None:
    for path in (MEETINGS, INTERVIEWS):
        gs = load_gold(path)
        assert gs.sop and gs.cases and len(gs.digest) == 16
        for case in gs.cases:
            built = build_case(case, path.parent)
            assert built.unresolved == []
            for sid, per_item in built.spans.items():
                for item, spans in zip(case.sections[sid].items, per_item, strict=True):
                    assert len(spans) == len(item.evidence)
                    for s in spans:  # a span reads what the quote says
                        doc = next(d for d in built.documents if d.id == s.document_id)
                        assert doc.text[s.char_start : s.char_end] in {e.quote for e in item.evidence}


def test_a_perfect_engine_scores_one_everywhere() -> None:
    run = run_eval(MEETINGS, engine=GoldEngine(MEETINGS))
    gold_items = sum(len(s.items) for c in load_gold(MEETINGS).cases for s in c.sections.values())
    assert run.overall.gold == gold_items == len(run.items)
    for s in [*run.sections, run.overall]:
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
        assert s.located_rate == 1.0 and s.wrong_location_rate == 0.0
        assert s.timestamp_error_median == 0.0
    assert run.overall.owner_accuracy == 1.0 and run.overall.owner_n > 0
    assert run.overall.due_accuracy == 1.0 and run.overall.due_n > 0
    assert all(i.matched and i.how == "span" for i in run.items)


def test_right_fields_at_the_wrong_place_pair_only_when_lenient() -> None:
    strict = run_eval(MEETINGS, engine=GoldEngine(MEETINGS, shift=3), seeds=0)
    assert strict.mode == "strict" and strict.overall.matched == 0  # a cited span must overlap the gold evidence
    assert strict.overall.alt_mode == "lenient" and strict.overall.alt_f1 == 1.0
    run = run_eval(MEETINGS, engine=GoldEngine(MEETINGS, shift=3), lenient=True, seeds=0)
    s = run.overall
    assert run.mode == "lenient" and "LENIENT" in format_run(run)
    assert s.f1 == 1.0  # the fields still read the same, so the items pair up by field similarity
    assert all(i.how == "field" for i in run.items)
    assert s.wrong_location_rate == 1.0 and s.location_checked == s.located
    assert s.timestamp_error_median > 0


def test_missing_items_lower_recall_not_precision() -> None:
    run = run_eval(MEETINGS, engine=GoldEngine(MEETINGS, drop=1))
    s = run.overall
    cases = len(load_gold(MEETINGS).cases)
    assert s.precision == 1.0
    assert s.matched == s.gold - 2 * cases  # one item dropped per section per case
    assert s.recall == pytest.approx(s.matched / s.gold, abs=1e-4)
    assert s.f1 == pytest.approx(2 * s.recall / (1 + s.recall), abs=1e-3)


def test_local_engine_run_is_consistent_and_printable() -> None:
    run = run_eval(MEETINGS, engine="local")
    for s in run.sections:
        assert 0 <= s.matched <= min(s.gold, s.predicted)
        if s.predicted:  # a section the engine leaves to passages (decisions offline) predicts nothing
            assert s.precision == pytest.approx(s.matched / s.predicted, abs=1e-4)
        assert s.retrieval_n == s.cases and 0 < s.retrieval_sent_share < 0.5  # selection was forced
    matched = [i for i in run.items if i.matched]
    assert len(matched) == run.overall.matched
    text = format_run(run)
    assert "action_items" in text and "recall@k" in text and "(all)" in text
    data = json.loads(run.model_dump_json(by_alias=True))
    assert data["schema"] == "reportgen-eval/2" and data["engine"] == "local" and data["mode"] == "strict"
    assert len(data["predictions"]) == run.overall.predicted
    assert {p["gold"] for p in data["predictions"]} - {None} == {i.id for i in run.items if i.matched}


def test_scorecard_rows_pair_by_criterion_and_report_band_agreement() -> None:
    right = run_eval(INTERVIEWS, engine=GoldEngine(INTERVIEWS))
    assert right.overall.band_agreement == 1.0 and right.overall.band_n > 0
    local = run_eval(INTERVIEWS, engine="local")
    assert all(i.how in (None, "criterion") for i in local.items)
    assert local.overall.band_n == right.overall.band_n
    assert local.overall.band_agreement is not None and local.overall.band_agreement <= 1.0


def test_compare_names_the_winner_per_section_and_item() -> None:
    perfect = run_eval(MEETINGS, engine=GoldEngine(MEETINGS), label="oracle")
    partial = run_eval(MEETINGS, engine=GoldEngine(MEETINGS, drop=1), label="partial")
    [c] = compare_runs([partial, perfect])
    assert c["overall_winner"] == "oracle"
    assert {s["winner"] for s in c["sections"]} == {"oracle"}
    wins = sum(v["b_wins"] for v in c["items"].values())
    assert wins == perfect.overall.matched - partial.overall.matched
    assert all(v["a_wins"] == 0 for v in c["items"].values())
    assert "oracle" in format_comparison(c)
    other = run_eval(INTERVIEWS, engine="local")
    with pytest.raises(ReportgenError, match="different gold"):
        compare_runs([perfect, other])
    loose = run_eval(MEETINGS, engine=GoldEngine(MEETINGS), label="loose", lenient=True, seeds=0)
    with pytest.raises(ReportgenError, match="different rules"):
        compare_runs([perfect, loose])


# -- matching rules ---------------------------------------------------------------------------


def _item(text: str, doc_id: str, start: int, end: int, **fields) -> Item:
    return Item(fields={"task": text, **fields},
                citations=[Citation(document_id=doc_id, quote=text, char_start=start, char_end=end, status="exact")])


def test_pairs_are_one_to_one_and_need_overlap_and_text_when_strict(tmp_path: Path) -> None:
    gold = tmp_path / "g.yaml"
    gold.write_text(
        "sop: meeting-action-items\ncases:\n- id: c\n"
        "  sources: [{text: 'Alpha sends the report. Beta books the room.'}]\n"
        "  sections:\n    action_items:\n      items:\n"
        "      - {fields: {task: Send the report, owner: Alpha}, evidence: ['Alpha sends the report.']}\n"
        "      - {fields: {task: Book the room, owner: Beta}, evidence: ['Beta books the room.']}\n"
    )
    gs = load_gold(gold)
    built = build_case(gs.cases[0], tmp_path)
    doc = built.documents[0]
    spec = get_sop("meeting-action-items").section("action_items")
    b = doc.text.find("Beta")
    items, spans = gs.cases[0].sections["action_items"].items, built.spans["action_items"]
    # Both read like gold item 0; the one citing its sentence takes it. The other cites gold item 1's
    # sentence but says something else: strict leaves it unpaired, lenient pairs it by overlap alone.
    preds = [_item("Send the report", doc.id, b, b + 10, owner="Beta"), _item("Send the report", doc.id, 0, 5)]
    pairs = match_items(spec, items, spans, preds)
    assert [(p.gold, p.pred, p.how) for p in pairs] == [(0, 1, "span")]
    lenient = match_items(spec, items, spans, preds, lenient=True)
    assert [(p.gold, p.pred, p.how) for p in lenient] == [(0, 1, "span"), (1, 0, "span")]
    assert lenient[1].fields == {"task": False, "owner": True}
    assert match_items(spec, items, spans, []) == []


def test_field_rules() -> None:
    assert same_person("Priya", "Priya Shah") and same_person("dr. amara osei", "Dr. Amara Osei")
    assert not same_person("Priya", "Marco")
    due = FieldSpec(type="date", required=False)
    assert field_agrees(due, "due", None, None) and not field_agrees(due, "due", "2025-03-07", None)
    assert field_agrees(due, "due", "2025-03-07", "2025-03-07") and not field_agrees(due, "due", "Friday", "2025-03-07")
    money = FieldSpec(type="money")
    assert field_agrees(money, "figure", {"value": 12.5e6, "text": "$12.5M"}, {"value": 12500000})
    assert field_agrees(FieldSpec(type="enum", values=["open", "done"]), "status", "Open", "open")


# -- gold file errors are clear messages ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("bad.jsonl", '{"id": "a", "sources": [{"text": "x"}], "sections": {}}\n{oops\n', "line 2: not JSON"),
        ("bad.yaml", "cases:\n- id: a\n  sources: [{text: x, path: y}]\n  sections: {}\n", "exactly one of path"),
        ("dupe.yaml", "- {id: a, sources: [{text: x}], sections: {}}\n- {id: a, sources: [{text: x}], sections: {}}\n",
         "repeated: a"),
        ("nokey.yaml", "- {id: a, sources: [{text: x}], sections: {s: {items: [{feilds: {}}]}}}\n", "feilds"),
        ("empty.yaml", "cases: []\n", "no cases"),
        ("scalar.yaml", "just text\n", "list of cases"),
    ],
)
def test_bad_gold_files_say_what_is_wrong(tmp_path: Path, name: str, content: str, expect: str) -> None:
    p = tmp_path / name
    p.write_text(content)
    with pytest.raises(GoldError, match=expect) as e:
        load_gold(p)
    assert name in str(e.value)


def test_gold_sections_must_exist_in_the_sop_and_sources_must_exist(tmp_path: Path) -> None:
    p = tmp_path / "g.yaml"
    p.write_text("sop: meeting-action-items\ncases:\n- {id: a, sources: [{text: x}], sections: {risks: {}}}\n")
    with pytest.raises(GoldError, match="risks.*not in SOP 'meeting-action-items'"):
        run_eval(p)
    p.write_text("sop: meeting-action-items\ncases:\n- {id: a, sources: [{path: nope.vtt}], sections: {topics: {}}}\n")
    with pytest.raises(GoldError, match="not found"):
        run_eval(p)
    p.write_text("cases:\n- {id: a, sources: [{text: x}], sections: {topics: {}}}\n")
    with pytest.raises(GoldError, match="no SOP given"):
        run_eval(p)


def test_turn_evidence_skips_blank_turns_and_unplaceable_quotes_are_listed(tmp_path: Path) -> None:
    p = tmp_path / "g.yaml"
    p.write_text(
        "- id: a\n  sources:\n  - turns: [{text: 'Hello there.'}, {text: '  '}, {text: 'We pick the blue one.'},"
        " {text: 'Done.'}]\n"
        "  sections:\n    decisions:\n      items:\n"
        "      - {fields: {what: Blue}, evidence: [{turns: [1, 2]}, 'a sentence nobody said at any point here']}\n"
    )
    case = load_gold(p).cases[0]
    built = build_case(case, tmp_path)
    [spans] = built.spans["decisions"]
    doc = built.documents[0]
    assert [doc.text[s.char_start : s.char_end] for s in spans] == ["We pick the blue one."]
    assert spans[0].segment_ids == [1]
    assert len(built.unresolved) == 1 and "quote not found" in built.unresolved[0]


def test_section_spec_without_fields_uses_text_as_main_field() -> None:
    spec = SectionSpec(id="topics", title="Topics", kind="list")
    from reportgen.evals.match import main_text_field

    assert main_text_field(spec) == "text"
    assert main_text_field(get_sop("meeting-action-items").section("decisions")) == "what"
    # DraftSection stays importable for engines written against it
    assert DraftSection(section_id="x").items == []


def test_a_field_the_section_does_not_have_is_named(tmp_path: Path) -> None:
    p = tmp_path / "g.yaml"
    p.write_text("sop: meeting-action-items\ncases:\n- id: a\n  sources: [{text: x}]\n  sections:\n    decisions:\n"
                 "      items: [{fields: {what: Portal, not by post}}]\n")
    with pytest.raises(GoldError, match="'not by post' are not fields of section 'decisions'.*quote values"):
        run_eval(p)
