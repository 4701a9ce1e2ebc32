"""Field filling: one item's fields from the sentence it quotes, by simple rules a reader can check.

The owner is the person named or the speaker, a due date the first date phrase, a figure the one
nearest its metric word, a rationale the clause after "because"; a rating is never inferred. A
value taken from a neighbouring sentence brings that sentence along as a quote.
"""

from __future__ import annotations

import re

import reportgen.extract.local.cues as C
from reportgen.clock import clock
from reportgen.dates import due_date
from reportgen.drafts import DraftItem
from reportgen.extract.local.figures import Figure, best_figure, metric_name
from reportgen.extract.local.index import SourceIndex
from reportgen.extract.local.sentences import Sentence
from reportgen.sop import FieldSpec, SectionSpec
from reportgen.text import terms


def timestamp(seconds: float | None) -> str | None:
    """The time a sentence was said, for locators and evidence written into a field."""
    return None if seconds is None else clock(seconds)


_AUX_TEXT = {
    "rationale", "reason", "reasoning", "why", "mitigation", "mitigations", "source", "source_note", "sources",
    "note", "notes", "context", "problem", "situation", "question_asked", "when", "time", "timestamp", "document",
    "speaker", "said_by", "evidence", "status", "comment", "comments", "metric", "kpi", "name", "label",
}  # fmt: skip
OWNER_NAMES = {"owner", "assignee", "responsible", "who", "assigned_to", "owner_name", "by"}


def main_text_field(spec: SectionSpec) -> str | None:
    texts = [n for n, f in spec.fields.items() if f.type == "text"]
    main = [n for n in texts if n not in _AUX_TEXT]
    return (main or texts)[0] if texts else None


def _speaker_label(index: SourceIndex, s: Sentence, name: str) -> str:
    """A name said in the sources, written as that person's speaker label when one matches."""
    for label in index.documents[s.doc_index].speakers:
        first = label.split()[0].lower()
        if first == name.split()[0].lower() or label.lower() == name.lower():
            return label
    return name


def _owner(index: SourceIndex, s: Sentence) -> tuple[str | None, list[str]]:
    kind = C.commitment_subject(s.text)
    if kind == "named":
        return _speaker_label(index, s, C.named_person(s.text) or ""), []
    if kind == "self":
        return s.speaker, []
    if kind == "addressee":
        reply = index.neighbour(s, 1, other_speaker=True, span=2)
        if reply is not None and reply.speaker:
            return reply.speaker, [f"owner-guessed: asked of the next speaker, {reply.speaker}; check who took it"]
        return None, []
    return None, []


def task_of(index: SourceIndex, s: Sentence) -> tuple[str, Sentence | None]:
    """The task of a commitment, with the sentence that names what a bare "it" refers to (quoted too).

    "We need to update it before launch" says nothing alone; the noun comes from the sentence just before
    ("the status page still points at the old billing system"). Without one the whole sentence is kept.
    """
    task = C.task_text(s.text)
    if C.pronoun_object(task) is None:
        return task, None
    prev = index.neighbour(s, -1, span=2)
    resolved = C.resolve_pronoun(task, prev.text) if prev is not None else None
    if resolved is not None and prev is not None and index.unique(prev):
        return resolved, prev
    return C.clean(s.text).rstrip("."), None


def _severity(values: list[str], text: str) -> str | None:
    low = text.lower()
    want = (
        "high"
        if re.search(r"\b(?:major|serious|critical|biggest|big|huge|red flag|lawsuit|fraud|existential|severe)\b", low)
        else "low"
        if re.search(r"\b(?:minor|small|slight|little|manageable)\b", low)
        else "medium"
    )
    for v in values:
        if want in v.lower():
            return v
    return None


def _enum(name: str, f: FieldSpec, text: str) -> str | None:
    values = f.values or []
    if f.default in values:
        return f.default
    if name == "status" and "open" in values:
        return "open"
    if name in ("severity", "impact", "priority", "likelihood"):
        sev = _severity(values, text)
        if sev:
            return sev
    stoks = set(terms(text))
    best = max(values, key=lambda v: len(stoks.intersection(terms(v.replace("_", " ")))), default=None)
    if best is not None and stoks.intersection(terms(best.replace("_", " "))):
        return best
    return None


_BECAUSE_RE = re.compile(r"\b(?:because|since|so that|the reason (?:is|being)|given that)\b\s*(.+)", re.IGNORECASE)
_MITIGATION_RE = re.compile(r"\b(?:mitigat\w*|address\w*|hedge|protect\w*|plan to|we can|we could|workaround|offset)\b",
                            re.IGNORECASE)  # fmt: skip


def _locator(index: SourceIndex, s: Sentence) -> str:
    doc = index.documents[s.doc_index]
    seg = next((g for g in doc.segments if g.id in s.segment_ids), None)
    where = []
    if seg is not None and seg.page is not None:
        where.append(f"p. {seg.page}")
    ts = timestamp(s.start)
    if ts:
        where.append(ts)
    if s.speaker:
        where.append(s.speaker)
    return f"{doc.filename}" + (f" ({', '.join(where)})" if where else "")


def fill_item(
    index: SourceIndex, spec: SectionSpec, fams: list[str], s: Sentence, fig: Figure | None = None
) -> DraftItem:
    """One table/list item from one sentence, fields in SOP order, extra quotes for context fields."""
    if not spec.fields:
        return DraftItem(fields={"text": C.clean(s.text)}, quotes=[s.text])
    quotes = [s.text]
    flags: list[str] = []
    fields: dict[str, object] = {}
    main = main_text_field(spec)
    commitment = "commitment" in fams
    base = index.dates[s.doc_index]
    fig = fig or best_figure(s.text)
    for name, f in spec.fields.items():
        value: object = None
        lname = name.lower()
        if f.type == "text":
            if name == main and lname not in _AUX_TEXT:
                value = C.clean(s.text)
                if commitment:
                    value, context = task_of(index, s)
                    if context is not None:
                        quotes.insert(0, context.text)
            elif lname in ("rationale", "reason", "reasoning", "why"):
                m = _BECAUSE_RE.search(s.text)
                nxt = index.neighbour(s, 1, other_speaker=False, span=1)
                if m and len(m.group(1).split()) >= 3:
                    value = C.clean(m.group(1))
                elif nxt is not None:
                    value = C.clean(nxt.text)
                    quotes.append(nxt.text)
            elif lname in ("problem", "context", "situation", "question_asked"):
                prev = index.neighbour(s, -1, other_speaker=True, span=3)
                if prev is not None:
                    value = C.clean(prev.text)
                    quotes.insert(0, prev.text)
            elif lname in ("mitigation", "mitigations"):
                nxt = index.neighbour(s, 1, other_speaker=None, span=2)
                if nxt is not None and _MITIGATION_RE.search(nxt.text):
                    value = C.clean(nxt.text)
                    quotes.append(nxt.text)
            elif lname in ("source", "source_note", "sources", "document", "evidence", "note", "notes"):
                value = _locator(index, s)
            elif lname in ("when", "time", "timestamp"):
                value = timestamp(s.start) or _locator(index, s)
            elif lname in ("speaker", "said_by"):
                value = s.speaker
            elif lname in ("metric", "kpi", "name", "label"):
                value = metric_name(s.text, fig) or C.clean(s.text)
            elif name == main or f.required:
                value = C.clean(s.text)
        elif f.type == "person":
            if commitment and (lname in OWNER_NAMES or "owner" in lname):
                value, more = _owner(index, s)
                flags += more
            else:
                value = s.speaker
        elif f.type == "date":
            value, _ = due_date(s.text, base)
        elif f.type in ("money", "number"):
            value = fig.as_field() if fig else None
        elif f.type == "enum":
            value = _enum(lname, f, s.text)
        elif f.type == "boolean":
            value = f.default if isinstance(f.default, bool) else None
        elif f.type == "list":
            value = list(f.default) if isinstance(f.default, list) else []
        elif f.type == "rating":
            value = None  # never inferred (see docs/local-engine.md)
        if value is None and f.default is not None and f.type not in ("rating",):
            value = f.default
        fields[name] = value
    return DraftItem(fields=fields, quotes=list(dict.fromkeys(quotes)), flags=flags)


def owner_fields(spec: SectionSpec) -> list[str]:
    return [n for n, f in spec.fields.items() if f.type == "person" and (n in OWNER_NAMES or "owner" in n)]
