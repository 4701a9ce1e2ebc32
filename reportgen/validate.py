"""Checks a grounded report against its SOP; problems become data, never exceptions.

Every problem is both an item flag ("code: message", shown next to the item in every output)
and a `ReportIssue` (the list a reviewer works through). `check_fields` is the same field check
phrased as re-ask messages, so the LLM engine can send the model exactly what to fix.

Validation is idempotent: the flags and issues it owns are recomputed on every run, so a report
can be re-validated after a reviewer edits it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz

from reportgen.models import Citation, Document, Item, Report, ReportIssue, Section
from reportgen.sop import SOP, FieldSpec, FieldType, SectionSpec

# Flag/issue codes this module computes (and so clears before recomputing).
ITEM_CODES = frozenset(
    {
        "missing-field",
        "invalid-enum",
        "invalid-rating",
        "invalid-value",
        "date-unresolved",
        "owner-unknown",
        "no-evidence",
    }
)
SECTION_CODES = frozenset({"section-empty", "section-missing", "section-failed", "too-many-items", "sop-mismatch"})
# Issues re-derived from item flags another step (or an earlier run) left on the item.
DERIVED_CODES = frozenset({"duplicate-merged"})

PRONOUNS = frozenset(
    "i me my myself mine we us our ourselves you your yourself he him his she her they them their "
    "someone somebody anyone anybody everyone everybody nobody tbd tbc unknown n/a na".split()
)
_TITLES = frozenset("mr mrs ms miss dr prof sir".split())
DUPLICATE_TEXT_SIMILARITY = 70  # rapidfuzz token_set_ratio, 0-100
DUPLICATE_CITATION_OVERLAP = 0.8  # share of the smaller item's cited characters inside the other's

Problem = tuple[str, str]  # (code, message)


# --- public ---------------------------------------------------------------------------------------


def check_fields(spec: SectionSpec, fields: dict[str, Any], *, people: Iterable[str] | None = None) -> list[str]:
    """Problems with one item's fields as "code: message" strings an LLM can act on; [] when fine.

    `people` (speakers and names from the sources) enables the owner check; without it only
    pronoun owners are caught. Unresolved date phrases are not reported: saying the phrase as
    spoken is what the model is asked to do when it cannot know the date.
    """
    known = _People.of_names(people) if people is not None else None
    return [f"{code}: {msg}" for code, msg in _field_problems(spec, fields, known)]


def resolve_date(text: str, meeting_date: dt.date | None) -> str | None:
    """An ISO date for a date phrase, or None when it cannot honestly be pinned down.

    Relative phrases need the meeting date. Deadline conventions (docs/fields/date.md):
    a weekday means the next such day after the meeting; "next week" and "end of next week"
    mean that week's Friday; "end of month/quarter/year" the last day of it; "today", "EOD"
    the meeting day. Without a meeting date only absolute dates with a year resolve.
    """
    if not isinstance(text, str):
        return None
    phrase = _clean_phrase(text)
    if not phrase or phrase.isdigit():
        return None
    iso = _iso(phrase)
    if iso:
        return iso
    if meeting_date is not None:
        if isinstance(meeting_date, dt.datetime):
            meeting_date = meeting_date.date()
        hit = _deadline(phrase, meeting_date)
        if hit:
            return hit.isoformat()
        parsed = _dateparse(phrase, meeting_date)
        return parsed.isoformat() if parsed else None
    # Without an anchor, only phrases that parse to the same day from two different anchors are absolute.
    first = _dateparse(phrase, dt.date(2001, 6, 15))
    second = _dateparse(phrase, dt.date(2011, 2, 3))
    return first.isoformat() if first and first == second else None


def validate_report(
    sop: SOP, report: Report, documents: list[Document], *, meeting_date: dt.date | None = None
) -> None:
    """Check every section and item of `report` against `sop`, mutating it in place.

    Fills defaults, normalises enum spelling and resolvable dates, merges duplicate items,
    flags what is wrong, records issues, and sets each section's status.
    """
    meeting_date = meeting_date or meeting_date_from(documents)
    people = _People.of_documents(documents)
    for item in (i for s in report.sections for i in s.items):
        item.flags = [f for f in item.flags if _code(f) not in ITEM_CODES]
    report.issues = [i for i in report.issues if i.code not in ITEM_CODES | SECTION_CODES | DERIVED_CODES]
    if report.sop_id and report.sop_id != sop.id:
        report.issues.append(
            ReportIssue(
                severity="error",
                code="sop-mismatch",
                message=f"This report was made with SOP {report.sop_id!r} but is being checked against {sop.id!r}.",
            )
        )
    by_id = {s.id: s for s in report.sections}
    for spec in sop.sections:
        section = by_id.get(spec.id)
        if section is None:
            section = Section(id=spec.id, title=spec.title, kind=spec.kind, status="empty")  # shown, and flagged
            report.sections.append(section)
        _validate_section(spec, section, report, people, meeting_date)
    order = {s.id: n for n, s in enumerate(sop.sections)}
    report.sections.sort(key=lambda s: order.get(s.id, len(order)))


# --- sections -------------------------------------------------------------------------------------


def _validate_section(
    spec: SectionSpec, section: Section, report: Report, people: _People, meeting_date: dt.date | None
) -> None:
    if spec.kind == "scorecard":
        _complete_scorecard(spec, section)
    for item in section.items:
        _normalise(spec, item, meeting_date)
    _merge_duplicates(spec, section)
    for item in section.items:
        problems = _field_problems(spec, item.fields, people)
        problems += _date_problems(spec, item.fields, meeting_date)
        problems += _evidence_problems(spec, item)
        for flag in item.flags:
            if _code(flag) in DERIVED_CODES:
                _issue(report, spec, _code(flag), flag.split(":", 1)[1].strip(), "info", item.id)
        for code, msg in problems:
            _flag(item, f"{code}: {msg}")
            _issue(report, spec, code, msg, "warning", item.id)
    if section.status == "failed":
        if not any(i.section_id == spec.id and i.severity == "error" for i in report.issues):
            reason = "; ".join(section.notes) or "the engine could not extract it"
            _issue(report, spec, "section-failed", f"This section could not be filled: {reason}", "error")
        return
    section.status = "ok" if section.items else "empty"
    if not section.items and spec.required:
        _issue(report, spec, "section-empty", "Nothing was found in the sources for this required section.", "warning")
    limit = 1 if spec.kind == "verdict" else spec.max_items
    if limit is not None and len(section.items) > limit:
        _issue(
            report, spec, "too-many-items", f"{len(section.items)} items where the SOP expects at most {limit}.", "info"
        )


def _complete_scorecard(spec: SectionSpec, section: Section) -> None:
    """Exactly one item per criterion, in SOP order; missing criteria appear as not rated."""
    have = {i.fields.get("criterion") for i in section.items}
    for crit in spec.criteria:
        if crit.id not in have:
            fields = {"criterion": crit.id, "name": crit.name, "rating": None, "band": None, "rationale": ""}
            section.items.append(Item(fields=fields))
    order = {c.id: n for n, c in enumerate(spec.criteria)}
    section.items.sort(key=lambda i: order.get(i.fields.get("criterion"), len(order)))


def _normalise(spec: SectionSpec, item: Item, meeting_date: dt.date | None) -> None:
    f = item.fields
    if spec.kind == "scorecard":
        crit = next((c for c in spec.criteria if c.id == f.get("criterion")), None)
        if crit is None:
            return
        f.setdefault("name", crit.name)
        f["rating"] = _as_int(f.get("rating"))
        band = next((b for b in crit.rubric if b.value == f["rating"]), None)
        f["band"] = band.label if band else None
        f.setdefault("rationale", "")
        return
    for name, fs in _declared(spec).items():
        value = f.get(name)
        if _empty(value) and fs.default is not None:
            f[name] = value = fs.default
        elif name not in f:
            f[name] = [] if fs.type == "list" else None
        if fs.type == "enum" and isinstance(value, str):
            f[name] = _canonical(value, fs.values or [])
        elif fs.type == "rating":
            f[name] = _as_int(value)
        elif fs.type == "date" and isinstance(value, str) and value.strip():
            f[name] = resolve_date(value, meeting_date) or value.strip()


def _merge_duplicates(spec: SectionSpec, section: Section) -> None:
    """Fold repeats (same normalised key text, or similar text over largely the same quotes) into one item."""
    if spec.kind == "verdict":
        return
    key_field = _key_field(spec)
    kept: list[tuple[Item, _Sig]] = []
    merged_into: dict[str, int] = {}
    for item in section.items:
        sig = _Sig.of(spec, key_field, item)
        hit = next((n for n, (_, other) in enumerate(kept) if other.same_as(sig)), None)
        if hit is None:
            kept.append((item, sig))
            continue
        target = kept[hit][0]
        _absorb(target, item)
        kept[hit] = (target, _Sig.of(spec, key_field, target))
        merged_into[target.id] = merged_into.get(target.id, 0) + 1
    for item, _ in kept:
        n = merged_into.get(item.id)
        if not n:
            continue
        previous = [f for f in item.flags if _code(f) == "duplicate-merged"]
        total = n + sum(int(m.group(1)) for f in previous if (m := re.search(r"(\d+)", f)))
        item.flags = [f for f in item.flags if _code(f) != "duplicate-merged"]
        msg = f"{total} repeated item(s) merged into this one; their quotes are listed with it"
        _flag(item, f"duplicate-merged: {msg}")
    section.items = [item for item, _ in kept]


class _Sig:
    """What duplicate detection compares, computed once per item (sections can hold hundreds)."""

    def __init__(self, key: str, spans: list[tuple[str | None, int, int]]) -> None:
        self.key, self.spans = key, spans

    @classmethod
    def of(cls, spec: SectionSpec, key_field: str | None, item: Item) -> _Sig:
        if spec.kind == "scorecard":
            return cls(f"criterion:{item.fields.get('criterion')}", [])
        key = _norm_key(item.fields.get(key_field)) if key_field else ""
        return cls(key, _spans(item.citations))

    def same_as(self, other: _Sig) -> bool:
        if self.key and self.key == other.key:
            return True
        if not self.key or not other.key or _span_overlap(self.spans, other.spans) < DUPLICATE_CITATION_OVERLAP:
            return False
        return fuzz.token_set_ratio(self.key, other.key) >= DUPLICATE_TEXT_SIMILARITY


def _absorb(target: Item, other: Item) -> None:
    seen = {_cite_key(c) for c in target.citations}
    for c in other.citations:
        if _cite_key(c) not in seen:
            target.citations.append(c)
            seen.add(_cite_key(c))
    for name, value in other.fields.items():
        if _empty(target.fields.get(name)) and not _empty(value):
            target.fields[name] = value
    for flag in other.flags:
        if flag not in target.flags and _code(flag) != "duplicate-merged":
            target.flags.append(flag)


def _span_overlap(spans_a: list[tuple[str | None, int, int]], spans_b: list[tuple[str | None, int, int]]) -> float:
    if not spans_a or not spans_b:
        return 0.0
    small, big = (spans_a, spans_b) if _total(spans_a) <= _total(spans_b) else (spans_b, spans_a)
    covered = sum(
        max((min(e, e2) - max(s, s2) for d2, s2, e2 in big if d2 == d and min(e, e2) > max(s, s2)), default=0)
        for d, s, e in small
    )
    return covered / max(_total(small), 1)


def _spans(cites: list[Citation]) -> list[tuple[str | None, int, int]]:
    return [
        (c.document_id, c.char_start, c.char_end)
        for c in cites
        if c.located and c.char_start is not None and c.char_end is not None and c.char_end > c.char_start
    ]


def _total(spans: list[tuple[str | None, int, int]]) -> int:
    return sum(e - s for _, s, e in spans)


def _cite_key(c: Citation) -> tuple:
    return (c.document_id, c.char_start, c.char_end) if c.located else (None, c.quote.strip().lower(), None)


def _key_field(spec: SectionSpec) -> str | None:
    declared = _declared(spec)
    for name, fs in declared.items():
        if fs.type == "text":
            return name
    return next(iter(declared), None)


# --- item checks ----------------------------------------------------------------------------------


def _field_problems(spec: SectionSpec, fields: dict[str, Any], people: _People | None) -> list[Problem]:
    if not isinstance(fields, dict):
        return [("invalid-value", "the item must be an object of fields")]
    if spec.kind == "scorecard":
        return _scorecard_problems(spec, fields)
    out: list[Problem] = []
    for name, fs in _declared(spec).items():
        value = fields.get(name)
        if _empty(value):
            if fs.required and fs.default is None and fs.type != "rating":
                out.append(("missing-field", f"'{name}' is required ({fs.type}) but empty"))
            continue
        out += _value_problems(name, fs.type, fs, value, people)
    return out


def _value_problems(name: str, kind: FieldType, fs: FieldSpec, value: Any, people: _People | None) -> list[Problem]:
    if kind in ("text", "person", "date"):
        if not isinstance(value, str):
            return [("invalid-value", f"'{name}' must be text, got {type(value).__name__}")]
        if kind == "person":
            return _owner_problems(name, value, people)
        if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) and not _iso(value.strip()):
            return [("invalid-value", f"'{name}' is {value!r}, which is not a real calendar date")]
        return []
    if kind == "enum":
        allowed = fs.values or []
        if value not in allowed:
            return [("invalid-enum", f"'{name}' is {value!r}; allowed values: {', '.join(map(str, allowed))}")]
        return []
    if kind == "rating":
        bands = {b.value: b.label for b in fs.rubric or []}
        if value not in bands or isinstance(value, bool):
            shown = ", ".join(f"{v} ({lab})" for v, lab in bands.items())
            return [("invalid-rating", f"'{name}' is {value!r}; use one of {shown}, or null for not rated")]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [("invalid-value", f"'{name}' must be true or false, got {value!r}")]
    if kind in ("number", "money"):
        return _amount_problems(name, kind, value)
    if kind == "list":
        if not isinstance(value, list):
            return [("invalid-value", f"'{name}' must be a list, got {type(value).__name__}")]
        out: list[Problem] = []
        for n, elem in enumerate(value):
            out += _value_problems(f"{name}[{n}]", fs.items or "text", fs, elem, people)
        return out
    return []


def _amount_problems(name: str, kind: str, value: Any) -> list[Problem]:
    shape = "{value: number or null, unit, period, text: the figure as written}"
    if not isinstance(value, dict):
        return [("invalid-value", f"'{name}' must be a {kind} object {shape}, got {value!r}")]
    v = value.get("value")
    if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
        return [("invalid-value", f"'{name}'.value must be a number or null, got {v!r}")]
    for key in ("unit", "period"):
        if value.get(key) is not None and not isinstance(value.get(key), str):
            return [("invalid-value", f"'{name}'.{key} must be text or null, got {value.get(key)!r}")]
    if not isinstance(value.get("text"), str) or not value["text"].strip():
        return [("invalid-value", f"'{name}'.text must give the figure as written in the source, e.g. '$12.5M'")]
    return []


def _scorecard_problems(spec: SectionSpec, fields: dict[str, Any]) -> list[Problem]:
    crit = next((c for c in spec.criteria if c.id == fields.get("criterion")), None)
    if crit is None:
        ids = ", ".join(c.id for c in spec.criteria)
        return [("invalid-value", f"criterion {fields.get('criterion')!r} is not one of {ids}")]
    rating = fields.get("rating")
    bands = {b.value: b.label for b in crit.rubric}
    if rating is not None and (isinstance(rating, bool) or rating not in bands):
        shown = ", ".join(f"{v} ({lab})" for v, lab in bands.items())
        return [("invalid-rating", f"{crit.name}: rating {rating!r} is not a band; use one of {shown}, or null")]
    rationale = fields.get("rationale")
    if rating is not None and (not isinstance(rationale, str) or not rationale.strip()):
        return [("missing-field", f"{crit.name}: rated {rating} without a rationale; say why this band")]
    return []


def _owner_problems(name: str, value: str, people: _People | None) -> list[Problem]:
    cleaned = value.strip().strip(".,;:!?\"'()").lower()
    if cleaned in PRONOUNS or cleaned in ("the team", "team", "all", "everyone"):
        return [("owner-unknown", f"'{name}' is {value!r}, which is not a person; name who (e.g. the speaker)")]
    if people is not None and not people.knows(value):
        shown = ", ".join(people.speakers[:8])
        hint = f" Speakers: {shown}." if shown else ""
        return [("owner-unknown", f"'{name}' is {value!r}, who is neither a speaker nor named in the sources.{hint}")]
    return []


def _date_problems(spec: SectionSpec, fields: dict[str, Any], meeting_date: dt.date | None) -> list[Problem]:
    out: list[Problem] = []
    for name, fs in _declared(spec).items():
        value = fields.get(name)
        if fs.type != "date" or not isinstance(value, str) or not value.strip() or _iso(value.strip()):
            continue
        why = "the meeting date is unknown, so it cannot be pinned down" if meeting_date is None else "not a date"
        out.append(("date-unresolved", f"'{name}' is {value!r}: {why}; check it before relying on it"))
    return out


def _evidence_problems(spec: SectionSpec, item: Item) -> list[Problem]:
    if spec.evidence != "required" or any(c.located for c in item.citations):
        return []
    if spec.kind == "scorecard" and item.fields.get("rating") is None:
        return [("no-evidence", f"{item.fields.get('name', 'this criterion')}: no evidence in the sources; not rated")]
    if item.citations:
        return [("no-evidence", "none of this item's quotes could be found in the sources")]
    return [("no-evidence", "this item has no supporting quote")]


# --- people ---------------------------------------------------------------------------------------


class _People:
    """Who can own something: the speakers, and anyone named in the sources' text."""

    def __init__(self, speakers: list[str], texts: list[str]) -> None:
        self.speakers = list(dict.fromkeys(s for s in speakers if s and s.strip()))
        self._speaker_tokens = [_name_tokens(s) for s in self.speakers]
        self._texts = [t.lower() for t in texts if t]
        self._cache: dict[str, bool] = {}

    @classmethod
    def of_documents(cls, documents: list[Document]) -> _People:
        return cls([s for d in documents for s in d.speakers], [d.text for d in documents])

    @classmethod
    def of_names(cls, names: Iterable[str]) -> _People:
        return cls(list(names), [])

    def knows(self, name: str) -> bool:
        if name not in self._cache:
            self._cache[name] = self._knows(name)
        return self._cache[name]

    def _knows(self, name: str) -> bool:
        tokens = _name_tokens(name)
        if not tokens:
            return False
        for sp in self._speaker_tokens:
            if sp and (tokens == sp or tokens[0] == sp[0] or set(tokens) <= set(sp) or set(sp) <= set(tokens)):
                return True
        phrase = " ".join(tokens)
        return any(_has_word(t, phrase) or _has_word(t, tokens[0]) for t in self._texts)


def _name_tokens(name: str) -> list[str]:
    words = re.findall(r"[\w'-]+", unicodedata.normalize("NFKC", name).lower())
    return [w for w in words if w not in _TITLES]


def _has_word(text: str, phrase: str) -> bool:
    if len(phrase) < 2:
        return False
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


# --- dates ----------------------------------------------------------------------------------------

_LEADING = re.compile(r"^(?:(?:due|by|before|on|until|till|no later than|not later than|for|at|the)\s+)+")
_WEEKDAYS = {d.lower(): n for n, d in enumerate(calendar.day_name)}


def _clean_phrase(text: str) -> str:
    s = " ".join(unicodedata.normalize("NFKC", text).lower().split()).strip(" .,;:!?")
    return _LEADING.sub("", s).strip()


def _iso(s: str) -> str | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return None
    try:
        return dt.date.fromisoformat(s).isoformat()
    except ValueError:
        return None


def _deadline(phrase: str, md: dt.date) -> dt.date | None:
    """The deadline phrases people say in meetings, which general date parsers read differently."""
    p = re.sub(r"\b(the|this|of)\b", " ", phrase)
    p = " ".join(p.split())
    monday = md - dt.timedelta(days=md.weekday())
    if p in ("today", "tonight", "eod", "end day", "cob", "close business", "end today", "now"):
        return md
    if p in ("tomorrow", "end tomorrow", "tomorrow eod"):
        return md + dt.timedelta(days=1)
    if p in ("day after tomorrow",):
        return md + dt.timedelta(days=2)
    if p in ("end week", "eow", "week", "end week eod"):
        return monday + dt.timedelta(days=4) if md.weekday() <= 4 else monday + dt.timedelta(days=11)
    if p in ("next week", "end next week", "next week eod"):
        return monday + dt.timedelta(days=11)
    if p in ("early next week", "start next week", "beginning next week", "next monday"):
        return monday + dt.timedelta(days=7)
    if p in ("end month", "eom", "month end", "month"):
        return _month_end(md.year, md.month)
    if p in ("next month", "end next month"):
        return _month_end(md.year + md.month // 12, md.month % 12 + 1)
    if p in ("end quarter", "eoq", "quarter end", "quarter"):
        q_last = ((md.month - 1) // 3) * 3 + 3
        return _month_end(md.year, q_last)
    if p in ("end year", "eoy", "year end"):
        return dt.date(md.year, 12, 31)
    if p in _WEEKDAYS:
        ahead = (_WEEKDAYS[p] - md.weekday()) % 7 or 7
        return md + dt.timedelta(days=ahead)
    return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _dateparse(phrase: str, base: dt.date) -> dt.date | None:
    if not re.search(r"[a-z]", phrase) and not re.search(r"\d+[/.-]\d+", phrase):
        return None
    import dateparser  # imported lazily: it is slow to import and only dates need it

    settings = {
        "RELATIVE_BASE": dt.datetime(base.year, base.month, base.day, 12),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed else None


def meeting_date_from(documents: list[Document]) -> dt.date | None:
    """A recording date an ingester may have found (file metadata, headers), if any."""
    for doc in documents:
        for key in ("meeting_date", "date", "recorded_at", "created"):
            value = doc.meta.get(key)
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str) and (iso := _iso(value[:10])):
                return dt.date.fromisoformat(iso)
    return None


# --- small helpers --------------------------------------------------------------------------------


def _declared(spec: SectionSpec) -> dict[str, FieldSpec]:
    if spec.kind == "prose" or not spec.fields:
        return {"text": FieldSpec(type="text")}
    return spec.fields


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical(value: str, allowed: list[str]) -> str:
    def norm(s: str) -> str:
        return " ".join(re.sub(r"[_\-]+", " ", str(s)).lower().split())

    return next((a for a in allowed if norm(a) == norm(value)), value)


def _norm_key(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    s = unicodedata.normalize("NFKC", value).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", s).split())


def _code(flag: str) -> str:
    return flag.split(":", 1)[0].strip()


def _flag(item: Item, flag: str) -> None:
    if flag not in item.flags:
        item.flags.append(flag)


def _issue(report: Report, spec: SectionSpec, code: str, msg: str, severity: str, item_id: str | None = None) -> None:
    report.issues.append(
        ReportIssue(severity=severity, code=code, message=f"{spec.title}: {msg}", section_id=spec.id, item_id=item_id)
    )
