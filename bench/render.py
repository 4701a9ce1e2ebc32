"""Render benchmark: a ~30-page report to PDF with Typst (the default) and with WeasyPrint, and to DOCX
(python-docx), against the peer path of converting that same DOCX to PDF with LibreOffice headless,
all in the same run.

    python bench/render.py [--items 180] [--repeat 2] [--json out.json] [--keep DIR]

The report is synthetic but shaped like a real one: a prose summary, action-item and decision
tables, risk lists, a scorecard and a verdict, four citations per item across two transcripts
and a PDF, some unsupported. Times are wall-clock seconds, best of --repeat, each repeat on a
report with different words (Typst memoises layout, so setting the same report twice would
measure its cache); CPU seconds are printed beside them, since a shared machine's load moves
wall time. "fresh process" rows time a whole `python -c` that imports reportgen and writes one
PDF: what a CLI run pays (fonts, imports) on top of the layout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.models import Citation, DocumentRef, Item, Report, Section  # noqa: E402
from reportgen.render import PDF_ENGINES, render_docx, render_pdf  # noqa: E402

WORDS = ("renewal pricing cohort churn pipeline margin onboarding migration contract region partner "
         "forecast headcount roadmap integration support backlog quota discount expansion").split()
PEOPLE = ("Jason", "María José", "Priya", "Tom")


def words_sentence(i: int, n: int = 14, salt: int = 0) -> str:
    words = [WORDS[(i * 7 + k * 3 + salt) % len(WORDS)] for k in range(n)]
    return (" ".join(words)).capitalize() + "."


def bench_report(items: int, salt: int = 0) -> Report:
    """`salt` changes the words, not the shape: another report of the same length."""

    def sentence(i: int, n: int = 14) -> str:
        return words_sentence(i, n, salt)

    docs = [
        DocumentRef(id="d1", filename="mgmt-call-1.vtt", kind="transcript", format="vtt", sha256="a1" * 32,
                    duration=3900, speakers=list(PEOPLE)),
        DocumentRef(id="d2", filename="mgmt-call-2.vtt", kind="transcript", format="vtt", sha256="b2" * 32,
                    duration=2700, speakers=list(PEOPLE[:2])),
        DocumentRef(id="d3", filename="data-room/msa.pdf", kind="pdf", format="pdf", sha256="c3" * 32, pages=40),
    ]

    def cites(i: int) -> list[Citation]:
        out = []
        for k in range(4):
            doc = docs[(i + k) % 3]
            quote = sentence(i * 4 + k, 10)
            if (i + k) % 23 == 0:
                out.append(Citation(document_id=doc.id, quote=quote, status="unsupported"))
            elif doc.kind == "pdf":
                out.append(Citation(document_id=doc.id, quote=quote, status="exact", score=1, page=1 + (i + k) % 40))
            else:
                out.append(Citation(document_id=doc.id, quote=quote, status="exact", score=1,
                                    start=37.0 * i + k, speaker=PEOPLE[(i + k) % 4]))
        return out

    kinds = ["prose", "table", "list", "table", "list"]
    sections, i, s = [], 0, 0
    per = max(1, (items - 6) // len(kinds))
    for s, kind in enumerate(kinds):
        rows = []
        for _ in range(per):
            fields = ({"task": sentence(i, 9), "owner": PEOPLE[i % 4], "due": f"2026-0{1 + i % 9}-1{i % 9}",
                       "status": ("open", "done", "blocked")[i % 3]} if kind == "table"
                      else {"text": sentence(i, 24)})
            rows.append(Item(fields=fields, citations=cites(i)))
            i += 1
        sections.append(Section(id=f"s{s}", title=f"Section {s + 1}: {WORDS[s].capitalize()} findings", kind=kind,
                                items=rows))
    sections.append(Section(id="score", title="Team scorecard", kind="scorecard", items=[
        Item(fields={"criterion": f"c{k}", "name": f"Criterion {k + 1}", "rating": (k % 4) + 1 if k % 3 else None,
                     "band": ("Weak", "Mixed", "Strong", "Exceptional")[k % 4] if k % 3 else None,
                     "rationale": sentence(900 + k, 18)}, citations=cites(900 + k)) for k in range(5)]))
    sections.append(Section(id="verdict", title="Recommendation", kind="verdict", items=[
        Item(fields={"verdict": "proceed", "rationale": sentence(999, 30)}, citations=cites(999))]))
    return Report(id="rep_bench", sop_id="diligence-memo", sop_name="Diligence memo", documents=docs,
                  sections=sections, engine="llm", model="gpt-4o-mini",
                  created_at=datetime(2026, 3, 9, tzinfo=UTC))


def best_of(fn: Callable[[int], object], repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of `repeat` calls, call k getting k (so each can set a different report)."""
    walls, cpus = [], []
    for k in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn(k)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def fresh_process(engine: str, items: int, work: Path) -> float:
    """Wall seconds for a new interpreter to import reportgen and write one PDF (what a CLI run pays)."""
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench']; from render import bench_report; "
            "from reportgen.render import render_pdf; "
            "render_pdf(bench_report(int(sys.argv[2]), salt=7), sys.argv[3], engine=sys.argv[4])")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(items), str(work / f"fresh-{engine}.pdf"), engine],
                   check=True, timeout=900)
    return time.perf_counter() - start


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=180, help="items in the report (180 gives about 30 PDF pages)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--keep", type=Path, help="keep the rendered files in this folder")
    args = ap.parse_args()

    soffice = shutil.which("soffice")
    report = bench_report(args.items)
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-render-"))
    work.mkdir(parents=True, exist_ok=True)
    pdf, docx_path = work / "report.pdf", work / "report.docx"

    results: dict[str, Any] = {
        "items": sum(len(s.items) for s in report.sections), "citations": len(report.citations()),
        "python": platform.python_version(), "cpus": os.cpu_count(), "repeat": args.repeat,
        "load_avg": os.getloadavg(),
    }
    for engine in PDF_ENGINES:
        render_pdf(bench_report(args.items, salt=99), work / "warm.pdf", engine=engine)  # imports, fonts
        wall, cpu = best_of(lambda k, e=engine: render_pdf(bench_report(args.items, salt=k), pdf, engine=e),
                            args.repeat)
        results[f"pdf_{engine}_s"], results[f"pdf_{engine}_cpu_s"] = wall, cpu
        results[f"pdf_{engine}_pages"] = pages(pdf)
        if args.keep:
            shutil.copy(pdf, work / f"report-{engine}.pdf")
        results[f"pdf_{engine}_fresh_process_s"] = fresh_process(engine, args.items, work)
    results["pdf_s"], results["pdf_pages"] = results["pdf_weasyprint_s"], results["pdf_weasyprint_pages"]
    results["docx_s"] = best(lambda: render_docx(report, docx_path), args.repeat)
    if soffice:
        profile = work / "lo-profile"
        outdir = work / "lo"

        def convert() -> None:
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(outdir), str(docx_path)], check=True, capture_output=True, timeout=600)

        convert()  # first start initialises the profile; not what a warm server pays
        results["lo_docx_to_pdf_s"] = best(convert, args.repeat)
        results["lo_pdf_pages"] = pages(outdir / "report.pdf")
    else:
        results["lo_docx_to_pdf_s"] = None

    lo = results["lo_docx_to_pdf_s"]
    weasy = results["pdf_weasyprint_s"]
    rows = [
        ("PDF, Typst (ours, default)", results["pdf_typst_s"], results["pdf_typst_cpu_s"],
         f"{results['pdf_typst_pages']} pages"),
        ("PDF, WeasyPrint (ours, HTML)", weasy, results["pdf_weasyprint_cpu_s"],
         f"{results['pdf_weasyprint_pages']} pages"),
        ("DOCX, python-docx (ours)", results["docx_s"], None, ""),
        ("DOCX -> PDF, LibreOffice (peer)", lo, None, f"{results.get('lo_pdf_pages', '-')} pages" if lo else
         "not installed"),
    ]
    print(f"render benchmark: {results['items']} items, {results['citations']} citations, best of {args.repeat}, "
          f"load average {results['load_avg'][0]:.1f} on {results['cpus']} CPUs")
    print(f"{'path':34} {'wall s':>8} {'CPU s':>7} {'/WeasyPrint':>12} {'/LibreOffice':>13}  notes")
    for name, secs, cpu, note in rows:
        to_w = f"{secs / weasy:.3f}" if secs and weasy else "-"
        to_lo = f"{secs / lo:.3f}" if secs and lo else "-"
        cpu_s = f"{cpu:7.2f}" if cpu is not None else f"{'-':>7}"
        print(f"{name:34} {secs if secs is not None else float('nan'):8.2f} {cpu_s} {to_w:>12} {to_lo:>13}  {note}")
    for engine in PDF_ENGINES:
        print(f"fresh process, import + one PDF, {engine}: {results[f'pdf_{engine}_fresh_process_s']:.2f}s")
    results["typst_vs_weasyprint"] = results["pdf_typst_s"] / weasy
    if lo:
        results["docx_speedup_vs_lo"] = lo / results["docx_s"]
        results["pdf_speedup_vs_lo"] = lo / results["pdf_typst_s"]
        results["docx_plus_lo_s"] = results["docx_s"] + lo
    # Scaling: 4x the items should cost about 4x the time (quadratic would be ~16x).
    from reportgen.render import render_html, render_markdown

    def text_formats(rep: Report) -> None:
        render_html(rep)
        render_markdown(rep)
        render_docx(rep, work / "scale.docx")

    small, big = bench_report(125), bench_report(500)
    text_formats(small)  # warm imports and template cache
    t_small = best(lambda: text_formats(small), args.repeat)
    t_big = best(lambda: text_formats(big), args.repeat)
    results["scale_125_s"], results["scale_500_s"] = t_small, t_big
    results["scale_ratio"] = t_big / t_small
    print(f"HTML+Markdown+DOCX, 125 -> 500 items: {t_small:.2f}s -> {t_big:.2f}s, "
          f"ratio {t_big / t_small:.1f}x for 4x the items (linear ~4x, quadratic ~16x)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if results["scale_ratio"] < 8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
