"""The eval tooling as users run it: converters on corpus-shaped fixtures made here, the `eval` CLI
(including --compare), the llm engine against the fake server, and the bench summary."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.config import Settings
from reportgen.errors import ReportgenError
from reportgen.evals import load_gold, run_eval
from reportgen.evals.convert import CUAD_CLAUSES, convert
from reportgen.evals.convert import main as convert_main
from reportgen.extract.llm import LLMExtractor
from reportgen.testing import serve_fake_openai
from tests.fixtures_pdf import text_pdf

REPO = Path(__file__).resolve().parent.parent
MEETINGS = REPO / "evals" / "meetings.yaml"
sys.path.insert(0, str(REPO / "bench"))


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def _qmsum_meeting(folder: Path) -> None:
    turns = [
        ("Chair", "Welcome. First on the agenda is the budget for the new playground."),
        ("Treasurer", "The quote came in at forty thousand, which is over what we set aside."),
        ("Chair", "Then we decided to phase it: the climbing frame this year, the rest next year."),
        ("Treasurer", "Agreed, phase one only."),
        ("Chair", "Moving on, the second topic is the summer fair date."),
        ("Secretary", "The school hall is free on the fourteenth of July."),
        ("Chair", "So we settle on the fourteenth for the fair."),
    ]
    data = {
        "meeting_transcripts": [{"speaker": s, "content": t} for s, t in turns],
        "topic_list": [{"topic": "Playground budget", "relevant_text_span": [["0", "3"]]},
                       {"topic": "Summer fair date", "relevant_text_span": [["4", "6"]]}],
        "specific_query_list": [
            {"query": "What was decided about the playground?", "answer": "Build it in two phases.",
             "relevant_text_span": [["2", "3"]]},
            {"query": "Why did the Treasurer agree with the Chair?", "answer": "Cost.",
             "relevant_text_span": [["3", "3"]]},
        ],
        "general_query_list": [],
    }
    (folder / "meeting1.json").write_text(json.dumps(data))


def test_qmsum_converter_and_eval(tmp_path: Path) -> None:
    src = tmp_path / "qmsum"
    src.mkdir()
    _qmsum_meeting(src)
    out = tmp_path / "qmsum.jsonl"
    assert convert("qmsum", src, out) == 1
    gs = load_gold(out)
    case = gs.cases[0]
    assert [i.fields["text"] for i in case.sections["topics"].items] == ["Playground budget", "Summer fair date"]
    [decision] = case.sections["decisions"].items  # the "why did ... agree" query asks for an opinion
    assert decision.fields["what"] == "Build it in two phases." and not case.sections["decisions"].exhaustive
    run = run_eval(gs, engine="local")
    assert {s.section for s in run.sections} == {"topics", "decisions"}
    topics = next(s for s in run.sections if s.section == "topics")
    assert topics.gold == 2 and topics.retrieval_n == 1


def test_cuad_converter_maps_categories_to_contract_terms(tmp_path: Path) -> None:
    src = tmp_path / "cuad"
    src.mkdir()
    clauses = {
        "Parties": ["Northwind Traders Ltd", "Contoso Foods Inc"],
        "Governing Law": ["This Agreement shall be governed by the laws of the State of Delaware."],
        "Anti-Assignment": ["Neither party may assign this Agreement without the prior written consent of the other."],
        "Insurance": ["Supplier shall maintain general liability insurance of two million dollars."],
    }
    paragraphs = ["SUPPLY AGREEMENT between Northwind Traders Ltd and Contoso Foods Inc.",
                  *(c for cs in clauses.values() for c in cs if len(c) > 25)]
    (src / "supply.pdf").write_bytes(text_pdf([paragraphs]))
    row = {"pdf_file": "supply.pdf", "Filename": "supply.pdf"}
    for cat in [*CUAD_CLAUSES, "Insurance"]:
        row[cat] = repr(clauses.get(cat, []))
        row[f"{cat}-Answer"] = "Delaware" if cat == "Governing Law" else ("Yes" if cat in clauses else "")
    with (src / "master_clauses.subset.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    out = tmp_path / "cuad.jsonl"
    assert convert_main(["cuad", str(src), str(out)]) == 0  # the sample layout: every contract, no folds
    case = load_gold(out).cases[0]
    items = case.sections["contract_terms"].items
    assert {i.fields["clause"] for i in items} == {"parties", "governing law", "assignment"}
    law = next(i for i in items if i.fields["clause"] == "governing law")
    assert law.fields["summary"] == "Delaware" and law.meta["accept"] == ["Delaware"]  # a value: stated, not quoted
    assert "Insurance" in case.meta["unscored"]
    run = run_eval(out, engine="local")
    [sec] = run.sections
    assert sec.section == "contract_terms" and sec.gold == 3
    assert not any(c.unresolved for c in run.cases)  # every gold clause was placed in the PDF's text


def test_converters_say_what_is_missing(tmp_path: Path, capsys) -> None:
    assert convert_main(["cuad", str(tmp_path), str(tmp_path / "o.jsonl")]) == 2
    assert "master_clauses.csv not found" in capsys.readouterr().err
    assert convert_main(["ami", str(tmp_path), str(tmp_path / "o.jsonl")]) == 2
    assert "AMI gold folder not found" in capsys.readouterr().err
    with pytest.raises(ReportgenError, match="no QMSum meetings"):
        convert("qmsum", tmp_path / "nope", tmp_path / "o.jsonl")


def test_eval_cli_writes_json_and_compares(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    r = cli("eval", "--gold", str(MEETINGS), "--json-out", str(a))
    assert r.returncode == 0, r.stderr
    assert "action_items" in r.stdout and "F1 (rand)" in r.stdout and "pairing: strict" in r.stdout
    data = json.loads(a.read_text())
    assert data["sop_id"] == "meeting-action-items" and len(data["items"]) == data["overall"]["gold"]
    assert data["seeds"] == 5 and data["overall"]["baseline_f1"] is not None
    r = cli("eval", "--show", str(a), "--section", "decisions")
    assert r.returncode == 0, r.stderr
    assert "missed gold items:" in r.stdout and "false positives" in r.stdout and "evidence:" in r.stdout
    b = tmp_path / "b.json"
    b.write_text(a.read_text().replace('"label": "local"', '"label": "local again"'))
    r = cli("eval", "--compare", str(a), str(b), "--json-out", str(tmp_path / "c.json"))
    assert r.returncode == 0, r.stderr
    assert "winner" in r.stdout and "tie" in r.stdout
    [comparison] = json.loads((tmp_path / "c.json").read_text())
    assert comparison["overall_winner"] == "tie"
    r = cli("eval", "--compare", str(a), str(b), "--json")  # --json: the result on stdout, the table on stderr
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [comparison] and "winner" in r.stderr


@pytest.mark.parametrize(
    ("args", "expect", "status"),
    [
        (["--gold", "missing.yaml"], "gold file not found", 1),
        ([], "pass --gold FILE", 1),
        (["--show", "nope.json"], "eval result not found", 1),
        (["--gold", str(MEETINGS), "--seeds", "-1"], "--seeds -1", 1),
        (["--compare"], "reportgen eval --compare A.json B.json", 1),
        (["--gold", str(MEETINGS), "--engine", "gpt"], "'gpt' is not one of 'local', 'llm'", 2),  # a usage error
        (["--gold", str(MEETINGS), "--sop", "diligence-memo"], "not in SOP 'diligence-memo'", 1),
    ],
)
def test_eval_cli_errors_are_one_line(tmp_path: Path, args: list[str], expect: str, status: int) -> None:
    r = cli("eval", *args, cwd=tmp_path)
    assert r.returncode == status
    assert expect in " ".join(r.stderr.replace("│", " ").split()) and "Traceback" not in r.stderr


def test_llm_engine_run_against_the_fake_server_counts_calls_and_cost(tmp_path: Path) -> None:
    with serve_fake_openai() as server:
        settings = Settings(openai_base_url=server.base_url, data_dir=tmp_path, cache_enabled=False, timeout=10)
        run = run_eval(MEETINGS, engine=LLMExtractor(settings), limit=2)
    assert run.engine == "llm" and run.prompt and run.label.startswith("llm gpt-4o-mini")
    assert run.cost["calls_total"] == 4  # two cases, two scored sections each, one call per section
    assert run.cost["cost_usd_total"] > 0 and run.cost["tokens_in_total"] > 0
    assert all(i.id.split("/")[0] in {"harbor-launch", "warehouse-ops"} for i in run.items)


def test_bench_summary_rows_and_skips_without_corpus(tmp_path: Path) -> None:
    import run_all

    rows = run_all.rows_llm({"sections": 8, "wall_s": 0.7, "ideal_s": 0.6, "ratio": 0.7 / 0.6,
                             "bare_client_wall_s": 0.65, "bare_client_ratio": 0.65 / 0.6, "target_ratio": 1.3,
                             "calls": 8, "cached_rerun_calls": 0})
    assert rows[0]["ratio"] == round(0.7 / 0.6, 3) and rows[0]["ok"] is True
    assert rows[-1]["ok"] is True and rows[-1]["ratio"] == 0
    pdf = run_all.rows_ingest({"pdf": {"contracts": {"pages": 10, "ours_s": 2.0, "pdfium_s": 1.0, "pypdf_s": 4.0}}})
    assert [r["ok"] for r in pdf] == [False, False]  # 2x PDFium's time, and only 2x faster than pypdf
    out = tmp_path / "bench.json"
    assert run_all.main(["--only", "ingest,grounding", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {n: b["status"] for n, b in data["benches"].items()} == {"ingest": "skipped", "grounding": "skipped"}
    assert data["rows"] == []
