"""The AMI and CUAD gold converters, the fold rules and `make eval`'s suite, on corpus-shaped fixtures made
here (the shared corpus is never read by tests; only the shipped folds.json is checked for its rules)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reportgen.errors import ReportgenError
from reportgen.evals import run_eval
from reportgen.evals.ami import ami_case, convert_ami
from reportgen.evals.corpus import ami_meetings, parse_transcript
from reportgen.evals.cuad import CUAD_CLAUSES, clause_texts, convert_cuad
from reportgen.evals.folds import (
    FIT,
    QMSUM_SERIES,
    VALIDATION,
    ami_series,
    assign_ami,
    assign_cuad,
    build_folds,
    cuad_key,
    fold_of,
    load_folds,
)
from reportgen.evals.folds import main as folds_main
from reportgen.evals.gold import gold_from_cases
from reportgen.evals.suite import main as suite_main
from reportgen.evals.suite import run_suite
from tests.fixtures_pdf import text_pdf

REPO = Path(__file__).resolve().parent.parent

AMI_LINES = [
    ("A", "00:00:05", "Okay, let's get started with the kick-off meeting."),
    ("B", "00:00:12", "Um I think the remote should sell for twenty five Euro."),
    ("C", "00:00:20", "Yeah, twenty five Euro, we'll go with that price."),
    ("A", "00:00:31", "Mm-hmm."),
    ("B", "00:00:40", "I'll draw up the working design before the next meeting."),
    ("A", "00:00:52", "Great, see you all in half an hour."),
]


def _ami(root: Path, meeting: str, actions: list[dict], decisions: list[dict]) -> None:
    (root / "transcripts").mkdir(parents=True, exist_ok=True)
    (root / "gold").mkdir(parents=True, exist_ok=True)
    (root / "transcripts" / f"{meeting}.txt").write_text(
        "".join(f"Speaker {s} ({t}): {x}\n" for s, t, x in AMI_LINES), encoding="utf-8")
    (root / "gold" / f"{meeting}.json").write_text(
        json.dumps({"meeting": meeting, "actions": actions, "decisions": decisions}), encoding="utf-8")


def _ami_corpus(root: Path) -> Path:
    action = {"id": "s.1", "text": "The industrial designer will draw up the working design.",
              "evidence": ["I'll draw up the working design before the next meeting."], "evidence_turns": [5]}
    decision = {"id": "s.2", "text": "The remote will sell for 25 Euro.", "evidence_turns": [2, 3]}
    unlinked = {"id": "s.3", "text": "They will meet again.", "evidence_turns": []}
    for m in ("ES2002a", "ES2002b", "ES2006a", "IS1000a"):
        _ami(root, m, [action], [decision, unlinked])
    _ami(root, "TS3003a", [], [])
    return root


CONTRACTS = {
    "Alpha Supply Agreement.pdf": {
        "text": ["SUPPLY AGREEMENT dated March 3, 2019 between Northwind Traders Ltd and Contoso Foods Inc.",
                 "This Agreement shall be governed by the laws of the State of Delaware.",
                 "Neither party may assign this Agreement without the prior written consent of the other party.",
                 "Should either party undergo a change of control, the other party may terminate this Agreement. "
                 "Such termination takes effect on thirty days written notice."],
        "labels": {"Parties": (["Northwind Traders Ltd", "Contoso Foods Inc"], "Northwind Traders Ltd; Contoso"),
                   "Agreement Date": (["March 3, 2019"], "3/3/19"),
                   "Governing Law": (["This Agreement shall be governed by the laws of the State of Delaware."],
                                     "Delaware"),
                   "Anti-Assignment": (["Neither party may assign this Agreement without the prior written consent "
                                        "of the other party."], "Yes"),
                   "Change Of Control": (["Should either party undergo a change of control <omitted> Such "
                                          "termination takes effect on thirty days written notice."], "Yes"),
                   "Insurance": (["Supplier shall keep insurance."], "Yes")},
    },
    "MACY'S Promo Agreement.PDF": {"file": "MACY_S Promo Agreement.PDF",
                                   "text": ["PROMOTION AGREEMENT. This Agreement is governed by the laws of Ohio."],
                                   "labels": {"Governing Law": (["This Agreement is governed by the laws of Ohio."],
                                                                "Ohio")}},
    "Dup Consulting Agreement.pdf": {"text": ["CONSULTING AGREEMENT. Governed by the laws of Texas."],
                                     "labels": {"Governing Law": (["Governed by the laws of Texas."], "Texas")}},
    "Dup Consulting Agreement(1).pdf": {"text": ["CONSULTING AGREEMENT. Governed by the laws of Texas."],
                                        "labels": {"Governing Law": (["Governed by the laws of Texas."], "Texas")}},
    "Copy Under Another Name.pdf": {"text": ["CONSULTING AGREEMENT. Governed by the laws of Texas."],
                                    "labels": {}},
    "Tuned Licence Agreement.pdf": {"text": ["LICENCE AGREEMENT. Governed by the laws of Utah."], "labels": {}},
}


def _cuad_corpus(root: Path) -> Path:
    folder = root / "cuad-train"
    (folder / "pdf").mkdir(parents=True)
    (folder / "txt").mkdir()
    categories = [*CUAD_CLAUSES, "Insurance", "Document Name"]
    rows, manifest = [], []
    for name, c in CONTRACTS.items():
        file = c.get("file", name)
        (folder / "pdf" / file).write_bytes(text_pdf([c["text"]]))
        (folder / "txt" / (Path(file).stem + ".txt")).write_text("\n".join(c["text"]), encoding="utf-8")
        row = {"Filename": name}
        for cat in categories:
            clauses, answer = c["labels"].get(cat, ([], ""))
            row[cat] = repr(clauses) if clauses else "[]"
            key = f"{cat}- Answer" if cat == "Notice Period To Terminate Renewal" else f"{cat}-Answer"
            row[key] = answer or ("No" if cat not in ("Parties", "Agreement Date", "Governing Law") else "")
        rows.append(row)
        manifest.append({"title": Path(file).stem, "txt": Path(file).stem + ".txt", "pdf": file,
                         "master_clauses_filename": name})
    for path, table in ((folder / "master_clauses.csv", rows), (folder / "manifest.csv", manifest)):
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
    sample = root / "pdfs" / "cuad"
    sample.mkdir(parents=True)
    (sample / "master_clauses.subset.csv").write_text("pdf_file,Filename\nTuned Licence Agreement.pdf,x\n")
    return folder


def _qmsum(root: Path) -> None:
    (root / "qmsum-val").mkdir()
    turns = [("Chair", "First, the budget for the playground."), ("Treasurer", "We decided to phase it."),
             ("Chair", "Next, the date of the summer fair."), ("Secretary", "We settle on the fourteenth.")]
    (root / "qmsum-val" / "m1.json").write_text(json.dumps({
        "meeting_transcripts": [{"speaker": s, "content": t} for s, t in turns],
        "topic_list": [{"topic": "Playground budget", "relevant_text_span": [["0", "1"]]},
                       {"topic": "Summer fair date", "relevant_text_span": [["2", "3"]]}],
        "specific_query_list": [{"query": "What was decided about the fair?", "answer": "The fourteenth.",
                                 "relevant_text_span": [["3", "3"]]}]}))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _ami_corpus(root / "ami-dev")
    _cuad_corpus(root)
    _qmsum(root)
    return root


# -- AMI -------------------------------------------------------------------------------------------


def test_ami_case_turns_lines_into_turns_and_evidence_turns_into_spans(corpus: Path) -> None:
    meetings = ami_meetings(corpus / "ami-dev")
    es = next(m for m in meetings if m.id == "ES2002a")
    turns = parse_transcript(es.transcript)
    assert len(turns) == len(AMI_LINES) and turns[1] == {"speaker": "Speaker B", "start": 12.0,
                                                          "text": AMI_LINES[1][2]}
    case = ami_case(es)
    [action] = case["sections"]["action_items"]["items"]
    assert action["fields"] == {"task": "The industrial designer will draw up the working design."}
    assert action["evidence"] == [{"turns": [4, 4]}]  # line 5 is turn 4
    decisions = case["sections"]["decisions"]["items"]
    assert decisions[0]["evidence"] == [{"turns": [1, 1]}, {"turns": [2, 2]}] and decisions[1]["evidence"] == []
    empty = ami_case(next(m for m in meetings if m.id == "TS3003a"))
    assert empty["sections"] == {"action_items": {"items": []}, "decisions": {"items": []}}  # exhaustive: none

    gs = gold_from_cases("ami", [case], "meeting-action-items")
    run = run_eval(gs, engine="local", seeds=2)
    by = {s.section: s for s in run.sections}
    assert by["action_items"].gold == 1 and by["decisions"].gold == 2 and by["decisions"].gold_unplaced == 1
    assert by["decisions"].retrieval_n == 1 and by["decisions"].baseline_seeds == 2
    assert not any(c.unresolved for c in run.cases)
    [ev] = next(i for i in run.items if i.section == "action_items").evidence
    assert ev.segments == [4] and "working design" in ev.quote


def test_ami_transcript_lines_must_have_the_expected_shape(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("Speaker A (00:00:01): fine\nno speaker here\n")
    with pytest.raises(ReportgenError, match="line 2"):
        parse_transcript(p)


def test_ami_folds_keep_a_series_together_and_qmsum_series_in_validation() -> None:
    meetings = [f"{s}{x}" for s in ("ES2002", "ES2003", "ES2004", "ES2006", "ES2009", "IS1000", "TS3003")
                for x in "abcd"]
    folds = assign_ami(meetings)
    assert assign_ami(list(reversed(meetings))) == folds  # order does not matter
    for s in {ami_series(m) for m in meetings}:
        assert len({folds[m] for m in meetings if ami_series(m) == s}) == 1
    for s in QMSUM_SERIES:
        assert folds[f"{s}a"] == VALIDATION
    assert assign_ami(meetings, share=0.0)["ES2002a"] == FIT
    assert assign_ami(meetings, share=1.0)["ES2002a"] == VALIDATION
    assert ami_series("IS1000a") == "IS1000" and ami_series("Bed002") == "Bed002"


def test_ami_converter_takes_one_fold(corpus: Path) -> None:
    folds = {"ami": {"validation": {"ES2002": ["ES2002a", "ES2002b"]}, "fit": {"IS1000": ["IS1000a"]}}}
    assert [c["id"] for c in convert_ami(corpus / "ami-dev", folds=folds)] == ["ES2002a", "ES2002b"]
    assert [c["id"] for c in convert_ami(corpus / "ami-dev", "fit", folds)] == ["IS1000a"]
    assert len(list(convert_ami(corpus / "ami-dev", "all", folds))) == 5
    with pytest.raises(ReportgenError, match="no AMI meetings of fold 'validation'"):
        list(convert_ami(corpus / "ami-dev", folds={"ami": {}}))


# -- CUAD ------------------------------------------------------------------------------------------


def test_cuad_folds_keep_copies_together_and_tuned_contracts_in_fit() -> None:
    names = [f"Contract {k}.pdf" for k in range(40)] + ["Dup.PDF", "Dup(1).PDF", "Other.pdf"]
    texts = {"Dup.PDF": "same  text", "Dup(1).PDF": "same text", "Other.pdf": "same text"}
    folds = assign_cuad(names, texts, tuned={"contract 3.PDF"}, share=0.5)
    assert assign_cuad(list(reversed(names)), texts, tuned={"contract 3.PDF"}, share=0.5) == folds
    assert folds["Dup.PDF"] == folds["Dup(1).PDF"] == folds["Other.pdf"]  # by name and by identical text
    assert folds["Contract 3.pdf"] == FIT
    assert {VALIDATION, FIT} <= set(folds.values())
    assert cuad_key("ADUROBIOTECH,INC-CONSULTING AGREEMENT(1).PDF") == cuad_key("ADUROBIOTECH,INC-CONSULTING "
                                                                               "AGREEMENT.PDF")


def test_build_folds_from_a_corpus_and_look_them_up(corpus: Path) -> None:
    folds = build_folds(corpus)
    ami, cuad = folds["ami"], folds["cuad"]
    assert {m for ms in ami["validation"].values() for m in ms} >= {"ES2006a"}
    assert not set(ami["validation"]) & set(ami["fit"])
    assert sorted(cuad["validation"] + cuad["fit"]) == sorted(CONTRACTS)
    assert cuad["always_fit"] == ["Tuned Licence Agreement.pdf"]
    assert fold_of("cuad", cuad["always_fit"][0], folds) == FIT
    dup = {fold_of("cuad", n, folds) for n in CONTRACTS if "Dup" in n or "Copy" in n}
    assert len(dup) == 1
    assert fold_of("cuad", "never seen.pdf", folds) is None
    with pytest.raises(ReportgenError, match="AMI gold folder not found"):
        build_folds(corpus / "nowhere")
    out = corpus / "folds.json"
    assert folds_main([str(corpus), "--out", str(out)]) == 0
    assert load_folds(out) == json.loads(json.dumps(folds))


def test_cuad_converter_maps_categories_values_and_clause_texts(corpus: Path) -> None:
    assert clause_texts("['A clause <omitted> its tail', '\"Provider\"']") == ["A clause", "its tail", "Provider"]
    cases = {c["meta"]["contract"]: c for c in convert_cuad(corpus / "cuad-train", "all")}
    assert set(cases) == set(CONTRACTS)
    alpha = cases["Alpha Supply Agreement.pdf"]
    rows = {i["fields"]["clause"]: i for i in alpha["sections"]["contract_terms"]["items"]}
    assert set(rows) == {"parties", "agreement dates", "governing law", "assignment", "change of control"}
    assert rows["governing law"]["meta"]["accept"] == ["Delaware"]  # a value: the row must state it
    assert rows["assignment"]["meta"]["accept"] == [rows["assignment"]["evidence"][0]["quote"]]  # yes/no: the clause
    assert [e["quote"] for e in rows["change of control"]["evidence"]] == [
        "Should either party undergo a change of control",
        "Such termination takes effect on thirty days written notice."]
    assert "Insurance" in alpha["meta"]["unscored"]
    macys = cases["MACY'S Promo Agreement.PDF"]
    assert macys["sources"][0]["path"].endswith("MACY_S Promo Agreement.PDF")  # found through manifest.csv

    gs = gold_from_cases("cuad", list(cases.values()), "diligence-memo")
    run = run_eval(gs, engine="local", seeds=2)
    assert not any(c.unresolved for c in run.cases)  # every clause text placed in our own ingest's text
    [sec] = run.sections
    assert sec.gold == 8 and {k.kind for k in sec.by_kind} >= {"governing law", "assignment"}
    # the learned clause model gives every row it writes its calibrated probability (precision at 80% recall)
    assert all(k.scored == k.predicted for k in sec.by_kind) and any(k.scored for k in sec.by_kind)


def test_shipped_folds_follow_the_rules() -> None:
    folds = load_folds()
    ami, cuad = folds["ami"], folds["cuad"]
    assert set(ami["validation"]).isdisjoint(ami["fit"]) and ami["validation"] and ami["fit"]
    for fold in ("validation", "fit"):
        for series, meetings in ami[fold].items():
            assert all(ami_series(m) == series for m in meetings)
    assert set(QMSUM_SERIES) <= set(ami["validation"])
    assert set(cuad["validation"]).isdisjoint(cuad["fit"]) and len(cuad["validation"]) + len(cuad["fit"]) == 408
    assert set(cuad["always_fit"]) <= set(cuad["fit"]) and len(cuad["always_fit"]) == 13
    aduro = {fold_of("cuad", n, folds) for n in cuad["validation"] + cuad["fit"] if n.startswith("ADUROBIOTECH")}
    assert len(aduro) == 1


# -- make eval -------------------------------------------------------------------------------------


def test_suite_runs_every_gold_set_and_writes_one_table_and_json(corpus: Path, tmp_path: Path) -> None:
    folds = build_folds(corpus)
    folds["ami"] = {"validation": {"ES2002": ["ES2002a", "ES2002b"]}, "fit": {}}
    folds["cuad"]["validation"] = ["Alpha Supply Agreement.pdf", "MACY'S Promo Agreement.PDF"]
    folds["cuad"]["fit"] = []
    out = tmp_path / "out"
    lines: list[str] = []
    summary = run_suite(corpus, out, seeds=2, max_cases=1, folds=folds, echo=lines.append)
    md = (out / "eval.md").read_text()
    data = json.loads((out / "eval.json").read_text())
    assert data["schema"] == "reportgen-eval-suite/1" and data == json.loads(json.dumps(summary, default=str))
    names = [s["name"] for s in data["sets"]]
    assert names == ["hand-made meetings", "hand-made interviews", "QMSum", "AMI", "CUAD"]
    for s in data["sets"]:
        assert Path(s["result"]).is_file() and s["sections"]
    ami = next(s for s in data["sets"] if s["name"] == "AMI")
    assert ami["subsample"] == 1 and ami["total_cases"] == 2 and "1 of 2" in md and "Subsampled to 1 of 2" in md
    for text in ("**F1** (rand)", "lenient F1 (rand)", "| AMI | validation fold | action_items", "published F1 38-43",
                 "DeBERTa-xlarge P@80%R 44.0%", "| P@80%R |", "lift", "development"):
        assert text in md, text
    assert md in "\n".join(lines)


def test_suite_fails_clearly_without_the_corpus(tmp_path: Path, capsys) -> None:
    assert suite_main(["--corpus", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2
    assert "corpus not found" in capsys.readouterr().err
    (tmp_path / "half").mkdir()
    assert suite_main(["--corpus", str(tmp_path / "half"), "--out", str(tmp_path)]) == 2
    assert "missing: qmsum-val" in capsys.readouterr().err


def test_make_eval_target_passes_the_corpus() -> None:
    make = (REPO / "Makefile").read_text()
    assert "\neval:" in make and "reportgen.evals.suite --corpus $(CORPUS)" in make
