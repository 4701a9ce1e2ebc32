"""The gold format: sources, and per section the items a correct report holds, each with its evidence.

A gold set is YAML/JSON (`{name, sop, cases: [...]}` or a bare list of cases) or JSONL (one
case per line). A case names its sources inline (`turns` of a transcript, `pages` of a paged
document, plain `text`) or by `path` (ingested like any upload, relative to the gold file),
so a gold set is reproducible without the product's parsers changing under it. Evidence is
a verbatim `quote`, a `turns` range, or a char `span`; all three are resolved here to char
spans of the built Documents, which is the one currency the metrics compare in.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reportgen.errors import GoldError
from reportgen.grounding import Grounder
from reportgen.ingest import ingest
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldTurn(_Strict):
    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None


class GoldSource(_Strict):
    """One source of a case: exactly one of `path`, `turns`, `pages` or `text`."""

    filename: str | None = None
    path: str | None = None
    turns: list[GoldTurn] | None = None
    pages: list[list[str]] | None = None  # paragraphs per page
    text: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> GoldSource:
        given = [k for k in ("path", "turns", "pages", "text") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a source needs exactly one of path, turns, pages or text (got {given or 'none'})")
        return self


class GoldEvidence(_Strict):
    """Where the support for a gold item is: a quote, an inclusive turn range, or char offsets."""

    source: int | str = 0  # index into the case's sources, or a filename
    quote: str | None = None
    turns: tuple[int, int] | None = None
    span: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> GoldEvidence:
        given = [k for k in ("quote", "turns", "span") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"evidence needs exactly one of quote, turns or span (got {given or 'none'})")
        return self


class GoldItem(_Strict):
    id: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    evidence: list[GoldEvidence] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _quotes_as_strings(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("evidence"), list):
            data = {**data, "evidence": [{"quote": e} if isinstance(e, str) else e for e in data["evidence"]]}
        return data


class GoldSection(_Strict):
    items: list[GoldItem] = Field(default_factory=list)
    # False when the gold lists some of the right items but not all (e.g. QMSum's decision
    # queries): precision is then a lower bound, and the table marks it.
    exhaustive: bool = True
    # Items a correct report must NOT hold (a reviewer rejected them): scored apart from the
    # positives, as "rejected again" (reportgen/evals/reviews.py); hand-made sets leave it empty.
    negatives: list[GoldItem] = Field(default_factory=list)


class GoldCase(_Strict):
    id: str
    sop: str | None = None
    meeting_date: date | None = None
    sources: list[GoldSource]
    sections: dict[str, GoldSection]
    meta: dict[str, Any] = Field(default_factory=dict)


class GoldSet(BaseModel):
    name: str
    sop: str | None = None
    cases: list[GoldCase]
    path: str | None = None
    digest: str = ""  # of the file's bytes: compare refuses runs on different gold


class Span(BaseModel):
    """A resolved stretch of one Document: what gold evidence and citations are compared as."""

    document_id: str
    char_start: int
    char_end: int
    segment_ids: list[int] = Field(default_factory=list)
    start: float | None = None
    end: float | None = None

    def overlap(self, other: Span) -> int:
        if self.document_id != other.document_id:
            return 0
        return max(0, min(self.char_end, other.char_end) - max(self.char_start, other.char_start))


class BuiltCase(BaseModel):
    """A case made ready to run: its Documents, and every gold item's evidence as spans."""

    case: GoldCase
    documents: list[Document]
    spans: dict[str, list[list[Span]]]  # section id -> per gold item -> spans
    negative_spans: dict[str, list[list[Span]]] = Field(default_factory=dict)  # the same, per negative item
    unresolved: list[str] = Field(default_factory=list)  # evidence that could not be placed, said why


# -- loading -----------------------------------------------------------------------------------


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _case(data: Any, label: str) -> GoldCase:
    try:
        return GoldCase.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        more = f" (and {e.error_count() - 1} more problems)" if e.error_count() > 1 else ""
        raise GoldError(
            f"{label}: {_where(err['loc'])}: {err['msg']}{more}. See docs/eval.md for the gold format."
        ) from None


def load_gold(path: str | Path) -> GoldSet:
    """Read a gold set; every problem is a GoldError naming the file, the case (or line) and the key."""
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"gold file not found: {path}. Pass --gold with a .yaml, .json or .jsonl gold set.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise GoldError(f"{path}: not UTF-8 text (byte {e.start}); save the gold set as UTF-8.") from None
    name, sop, cases = path.stem, None, []
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise GoldError(f"{path} line {n}: not JSON ({e.msg} at column {e.colno}).") from None
            cases.append(_case(data, f"{path} line {n}"))
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f" line {mark.line + 1}" if mark is not None else ""
            raise GoldError(f"{path}{at}: not valid YAML/JSON ({getattr(e, 'problem', e)}).") from None
        if isinstance(data, dict) and "cases" in data:
            name, sop = str(data.get("name") or name), data.get("sop")
            data = data["cases"]
        if not isinstance(data, list):
            raise GoldError(f"{path}: a gold set is a list of cases, or a mapping with `cases:` (see docs/eval.md).")
        for k, c in enumerate(data):
            label = f"{path} case {c.get('id', k) if isinstance(c, dict) else k}"
            cases.append(_case(c, label))
    return _finish(name, sop, cases, str(path), hashlib.sha256(raw).hexdigest()[:16])


def _finish(name: str, sop: str | None, cases: list[GoldCase], where: str | None, digest: str) -> GoldSet:
    label = where or name
    if not cases:
        raise GoldError(f"{label}: no cases. A gold set needs at least one case with sources and sections.")
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise GoldError(f"{label}: case ids must be unique; repeated: {', '.join(dupes)}.")
    for c in cases:
        for sid, sec in c.sections.items():
            for k, item in enumerate(sec.items):
                item.id = item.id or f"{c.id}/{sid}/{k}"
            for k, item in enumerate(sec.negatives):
                item.id = item.id or f"{c.id}/{sid}/rejected/{k}"
    return GoldSet(name=name, sop=sop, cases=cases, path=where, digest=digest)


def gold_from_cases(name: str, cases: list[dict[str, Any]], sop: str | None = None) -> GoldSet:
    """A gold set built in memory (by a converter) with the same checks as a file; its digest is of
    the cases' canonical JSON, so the same corpus and fold give the same digest."""
    raw = json.dumps(cases, sort_keys=True, ensure_ascii=False, default=str).encode()
    parsed = [_case(c, f"{name} case {c.get('id', k)}") for k, c in enumerate(cases)]
    return _finish(name, sop, parsed, None, hashlib.sha256(raw).hexdigest()[:16])


# -- building documents and resolving evidence ------------------------------------------------


def _build_source(src: GoldSource, k: int, case: GoldCase, base_dir: Path) -> tuple[Document, dict[int, int]]:
    """The Document for one source, and (for turns) turn index -> segment id (blank turns have none)."""
    turn_map: dict[int, int] = {}
    name = src.filename or (Path(src.path).name if src.path else f"{case.id}-{k + 1}.txt")
    if src.path is not None:

        p = Path(src.path)
        p = p if p.is_absolute() else base_dir / p
        if not p.is_file():
            raise GoldError(f"case {case.id}: source {k} not found: {p}. Fix `path` (relative to the gold file).")
        docs = ingest(p)
        if len(docs) != 1:
            raise GoldError(f"case {case.id}: source {p} expands to {len(docs)} documents; list them one by one.")
        return docs[0], turn_map
    b = TextBuilder()
    if src.turns is not None:
        for t, turn in enumerate(src.turns):
            seg = b.add(turn.text, start=turn.start, end=turn.end, speaker=turn.speaker)
            if seg is not None:
                turn_map[t] = seg.id
        data = json.dumps([t.model_dump() for t in src.turns]).encode()
        doc = finish(b, data=data, filename=name, kind="transcript", format="gold-turns", media_type="application/json")
    elif src.pages is not None:
        for n, paras in enumerate(src.pages, start=1):
            for para in paras:
                b.add(para, page=n, sep="\n\n")
        data = "\f".join("\n\n".join(p) for p in src.pages).encode()
        doc = finish(b, data=data, filename=name, kind="pdf", format="gold-pages", media_type="text/plain",
                     pages=len(src.pages))
    else:
        for para in (src.text or "").split("\n\n"):
            b.add(para, sep="\n\n")
        doc = finish(b, data=(src.text or "").encode(), filename=name, kind="text", format="gold-text",
                     media_type="text/plain")
    if case.meeting_date is not None:
        doc.meta["date"] = case.meeting_date.isoformat()
    return doc, turn_map


def _span(doc: Document, cs: int, ce: int) -> Span:
    segs = [s for s in doc.segments if s.char_start < ce and cs < s.char_end]
    starts = [s.start for s in segs if s.start is not None]
    ends = [e for e in (s.end if s.end is not None else s.start for s in segs) if e is not None]
    return Span(document_id=doc.id, char_start=cs, char_end=ce, segment_ids=[s.id for s in segs],
                start=min(starts) if starts else None, end=max(ends) if ends else None)


_WORDS = re.compile(r"\w+")


def word_pattern(quote: str) -> re.Pattern[str] | None:
    """The quote's words in order with anything but words between them: line breaks, curly quotes,
    hyphenation and spacing differ between a labeller's text and the text our ingest produces."""
    words = _WORDS.findall(quote)
    if len(words) < 1 or sum(len(w) for w in words) < 4:
        return None
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _locate_quote(quote: str, doc: Document, grounder: Grounder) -> tuple[int, int] | None:
    """Gold quotes are placed at their first verbatim occurrence (a party's name is defined where it
    first appears), then at the first occurrence of their words with only punctuation and spacing
    between, else wherever the product's grounder places them (normalised or fuzzy)."""
    q = quote.strip()
    i = doc.text.find(q)
    if i < 0:
        i = doc.text.lower().find(q.lower())
    if i >= 0:
        return i, i + len(q)
    pattern = word_pattern(q)
    found = pattern.search(doc.text) if pattern is not None else None
    if found is not None:
        return found.start(), found.end()
    c = grounder.locate(q, document_id=doc.id).citation
    if c.located and c.char_start is not None and c.char_end is not None:
        return c.char_start, c.char_end
    return None


def _resolve(item: GoldItem, case: GoldCase, built: list[tuple[Document, dict[int, int]]], by_name: dict[str, int],
             grounder: Grounder, unresolved: list[str]) -> list[Span]:
    """One gold item's evidence as spans; what cannot be placed is said in `unresolved`."""
    out: list[Span] = []
    for ev in item.evidence:
        k = ev.source if isinstance(ev.source, int) else by_name.get(ev.source, -1)
        if not 0 <= k < len(built):
            raise GoldError(f"case {case.id}: item {item.id}: evidence source {ev.source!r} is not one of "
                            f"the case's sources ({', '.join(by_name)}).")
        doc, turn_map = built[k]
        if ev.span is not None:
            cs, ce = ev.span
            if not 0 <= cs < ce <= len(doc.text):
                raise GoldError(f"case {case.id}: item {item.id}: span {list(ev.span)} is outside the "
                                f"source's {len(doc.text)} characters.")
            out.append(_span(doc, cs, ce))
        elif ev.turns is not None:
            a, b = ev.turns
            ids = [turn_map[t] for t in range(a, b + 1) if t in turn_map] if turn_map else list(range(a, b + 1))
            segs = [doc.segments[i] for i in ids if 0 <= i < len(doc.segments)]
            if not segs:
                unresolved.append(f"{item.id}: turns {a}-{b} hold no text in {doc.filename}")
                continue
            out.append(_span(doc, segs[0].char_start, segs[-1].char_end))
        else:
            place = _locate_quote(ev.quote or "", doc, grounder)
            if place is None:
                unresolved.append(f"{item.id}: quote not found in {doc.filename}: {(ev.quote or '')[:80]!r}")
                continue
            out.append(_span(doc, *place))
    return out


def build_source(src: GoldSource, k: int, case: GoldCase, base_dir: str | Path = ".") -> Document:
    """The Document a gold source builds to: exporters check that a source they write rebuilds the
    text they took it from before they write evidence as char spans."""
    return _build_source(src, k, case, Path(base_dir))[0]


def build_case(case: GoldCase, base_dir: str | Path = ".") -> BuiltCase:
    """Documents for a case and its gold evidence as spans; unplaceable evidence is listed, not fatal
    (that gold item can then only be matched by its fields)."""
    base = Path(base_dir)
    built = [_build_source(s, k, case, base) for k, s in enumerate(case.sources)]
    docs = [d for d, _ in built]
    by_name = {d.filename: k for k, d in enumerate(docs)}
    grounder = Grounder(docs)
    unresolved: list[str] = []
    spans = {sid: [_resolve(i, case, built, by_name, grounder, unresolved) for i in sec.items]
             for sid, sec in case.sections.items()}
    negative = {sid: [_resolve(i, case, built, by_name, grounder, unresolved) for i in sec.negatives]
                for sid, sec in case.sections.items() if sec.negatives}
    return BuiltCase(case=case, documents=docs, spans=spans, negative_spans=negative, unresolved=unresolved)
