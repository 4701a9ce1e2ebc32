"""The `make eval` table in markdown: every figure beside its random baseline, and the published anchors."""

from __future__ import annotations

from typing import Any

ANCHORS: dict[str, dict[str, str]] = {
    "ami-val/action_items": {
        "text": "published F1 38-43",
        "detail": "AMI action-item detection, BERT-based models on AMI's own split (they classify dialogue acts as "
                  "action items; we are scored on the annotators' summary-level actions, a harder and different unit)",
    },
    "cuad-val/contract_terms": {
        "text": "DeBERTa-xlarge P@80%R 44.0%, AUPR 47.8",
        "detail": "CUAD v1 test split, all 41 categories, span extraction with a score per span; the anchor for "
                  "the per-kind P@80%R column",
    },
}


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _beside(x: float | None, base: float | None) -> str:
    return _f(x) + (f" ({_f(base)})" if base is not None and x is not None else "")


def _lift(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}x"


def _fields(s: dict[str, Any]) -> str:
    parts = [f"{name} {s[key]:.2f}" for name, key in (("owner", "owner_accuracy"), ("due", "due_accuracy"),
                                                      ("band", "band_agreement")) if s.get(key) is not None]
    return ", ".join(parts) or "-"


def main_table(summary: dict[str, Any]) -> list[str]:
    rows = ["| gold set | fold | section | cases | gold | pred | P (rand) | R (rand) | **F1** (rand) | "
            "lenient F1 (rand) | recall@k | sent | lift | fields | anchor |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for st in summary["sets"]:
        cases = str(st["cases"]) + (f" of {st['total_cases']}" if st.get("subsample") else "")
        for s in st["sections"]:
            star = "" if s["exhaustive"] else " *"
            anchor = ANCHORS.get(f"{st['key']}/{s['section']}", {}).get("text", "")
            rows.append(
                f"| {st['name']} | {st['fold']} | {s['section']}{star} | {cases} | {s['gold']} | {s['predicted']} | "
                f"{_beside(s['precision'], s['baseline_precision'])} | {_beside(s['recall'], s['baseline_recall'])} | "
                f"**{_f(s['f1'])}** ({_f(s['baseline_f1'])}) | {_beside(s['alt_f1'], s['alt_baseline_f1'])} | "
                f"{_pct(s['retrieval_recall'])} | {_pct(s['retrieval_sent_share'])} | "
                f"{_lift(s['retrieval_lift'])} | {_fields(s)} | {anchor} |"
            )
    return rows


def kind_tables(summary: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for st in summary["sets"]:
        for s in st["sections"]:
            if not s.get("by_kind"):
                continue
            anchor = ANCHORS.get(f"{st['key']}/{s['section']}", {}).get("text", "")
            out += ["", f"**{st['name']} {s['section']} per kind** ({st['fold']}, {s['mode']})"
                    + (f"; anchor: {anchor}" if anchor else ""), "",
                    "| kind | gold | pred | match | P | R | **F1** (rand) | P@80%R |",
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
            for k in s["by_kind"]:
                if not k["scored"]:
                    at = "n/a: no scores"
                elif k["max_recall"] is not None and k["max_recall"] < 0.8:
                    at = f"0 (recall tops at {k['max_recall']:.2f})"
                else:
                    at = f"{_f(k['precision_at_80_recall'])} (AUPR {_f(k['aupr'])})"
                out.append(f"| {k['kind']} | {k['gold']} | {k['predicted']} | {k['matched']} | {_f(k['precision'])} | "
                           f"{_f(k['recall'])} | **{_f(k['f1'])}** ({_f(k['baseline_f1'])}) | {at} |")
    return out


def format_markdown(summary: dict[str, Any]) -> str:
    seeds = summary["seeds"]
    lines = [
        f"# reportgen eval: engine `{summary['engine']}`, {summary['created_at']}",
        "",
        f"Strict pairing (kind agrees, a cited span overlaps the gold evidence, the text agrees; docs/eval.md). "
        f"(rand): the same number of items per case citing random segments, mean of {seeds} seeds, scored the same "
        "way. Lenient F1 is the old pairing (any overlap or token subset pairs), shown only to say how much it "
        f"flattered. Retrieval: recall@k of BM25 under a 20% token budget; sent = share of segments sent (chance "
        f"level), lift = recall / sent. Folds: {summary['folds']} ({summary['folds_digest']}); nothing here is "
        "from a fit fold.",
        "",
        *main_table(summary),
        *kind_tables(summary),
        "",
    ]
    notes = []
    for st in summary["sets"]:
        note = f"- **{st['name']}** ({st['fold']}): {st['note']}."
        if st.get("subsample"):
            note += f" Subsampled to {st['subsample']} of {st['total_cases']} cases by hash of case id (--max-cases)."
        notes.append(note)
    if any(not s["exhaustive"] for st in summary["sets"] for s in st["sections"]):
        notes.append("- `*`: the gold lists only some of the right items; precision is a lower bound.")
    for key, a in ANCHORS.items():
        notes.append(f"- Anchor {key}: {a['text']}: {a['detail']}.")
    notes.append(f"- Ran in {summary['seconds']} s. Per-item outcomes (misses, false positives): "
                 "`reportgen eval --show .reportgen/eval/<set>.json`.")
    return "\n".join(lines + notes) + "\n"
