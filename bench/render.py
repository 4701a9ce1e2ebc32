"""Render benchmark: a ~30-page report to PDF (WeasyPrint) and DOCX (python-docx), against the peer
path of converting that same DOCX to PDF with LibreOffice headless, all in the same run.

    python bench/render.py [--items 180] [--repeat 2] [--json out.json] [--keep DIR]

The report is synthetic but shaped like a real one: a prose summary, action-item and decision
tables, risk lists, a scorecard and a verdict, four citations per item across two transcripts
and a PDF, some unsupported. Times are wall-clock seconds, best of --repeat.
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
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.models import Citation, DocumentRef, Item, Report, Section  # noqa: E402
from reportgen.render import render_docx, render_pdf  # noqa: E402

WORDS = ("renewal pricing cohort churn pipeline margin onboarding migration contract region partner "
         "forecast headcount roadmap integration support backlog quota discount expansion").split()
PEOPLE = ("Jason", "María José", "Priya", "Tom")


def sentence(i: int, n: int = 14) -> str:
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n)]
    return (" ".join(words)).capitalize() + "."


def bench_report(items: int) -> Report:
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

    results: dict[str, object] = {
        "items": sum(len(s.items) for s in report.sections), "citations": len(report.citations()),
        "python": platform.python_version(), "cpus": os.cpu_count(), "repeat": args.repeat,
    }
    results["pdf_s"] = best(lambda: render_pdf(report, pdf), args.repeat)
    results["pdf_pages"] = pages(pdf)
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
    rows = [
        ("PDF, WeasyPrint (ours)", results["pdf_s"], f"{results['pdf_pages']} pages"),
        ("DOCX, python-docx (ours)", results["docx_s"], ""),
        ("DOCX -> PDF, LibreOffice (peer)", lo, f"{results.get('lo_pdf_pages', '-')} pages" if lo else "not installed"),
    ]
    print(f"render benchmark: {results['items']} items, {results['citations']} citations, best of {args.repeat}")
    print(f"{'path':34} {'seconds':>8} {'LibreOffice/ours':>17}  notes")
    for name, secs, note in rows:
        ratio = f"{lo / secs:.2f}" if lo and secs else "-"
        print(f"{name:34} {secs if secs is not None else float('nan'):8.2f} {ratio:>17}  {note}")
    if lo:
        results["docx_speedup_vs_lo"] = lo / results["docx_s"]
        results["pdf_speedup_vs_lo"] = lo / results["pdf_s"]
        results["docx_plus_lo_s"] = results["docx_s"] + lo
        print(f"PDF via our DOCX + LibreOffice: {results['docx_plus_lo_s']:.2f}s "
              f"vs WeasyPrint {results['pdf_s']:.2f}s")
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
