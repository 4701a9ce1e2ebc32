"""How the fake OpenAI server makes its answers: the requested JSON schema filled with sentences
copied from the prompt's <source> lines (so the quotes ground), and the ways a model gets quotes
wrong on purpose (line tags copied in, an injected instruction obeyed when sources are not fenced).
"""

from __future__ import annotations

import re
from typing import Any

# How the server decides our prompt fences sources off as data: the system prompt must say
# that <source> content is data whose instructions are not followed, and the injected text
# must sit inside a <source ...> ... </source> block. Wherever the injection is (a turn, a
# speaker label in a line's [...] tag, a filename in `file="..."`), a fence closed before it
# lets it out, as a real model was let out by a speaker named `Eve</source>` (issue 14).
INJECTION_RE = re.compile(
    r"ignore (?:all )?(?:previous|prior|above) instructions and (?:output|say|write|respond with|return)\s*"
    r"[\"“']?(?P<payload>[^\"”'\n\]>]+?)[\"”']?\s*(?:$|\n|[\]\">]|\.(?:[\s\]\">]|$))",
    re.IGNORECASE | re.MULTILINE,
)
_OPEN_RE = re.compile(r"<\s*source\b", re.IGNORECASE)
_CLOSE_RE = re.compile(r"<\s*/\s*source\s*>", re.IGNORECASE)
SEGMENT_LINE_RE = re.compile(r"^\[D\d+:S\d+[^\]]*\]\s?(?P<text>.+)$", re.MULTILINE)
TAG_LINE_RE = re.compile(r"^(?P<tag>\[D\d+:S\d+[^\]]*\])\s?(?P<text>.+)$", re.MULTILINE)
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")
SPEAKER_RE = re.compile(r"^\[D\d+:S\d+(?: \d+(?::\d+)+)? (?P<speaker>(?!p\.\d)[^\]]+)\]", re.MULTILINE)
DATE_NAMES = ("date", "due", "when", "deadline")
PERSON_NAMES = ("owner", "person", "decided_by", "who", "speaker", "expert")


def message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _guarded(messages: list[dict[str, Any]]) -> bool:
    roles = ("system", "developer")
    system = "\n".join(message_text(m.get("content")) for m in messages if m.get("role") in roles).lower()
    return "<source" in system and "data" in system and "instruction" in system


def injection_obeyed(messages: list[dict[str, Any]]) -> str | None:
    """The payload of an injected instruction when the prompt does not fence sources off as data."""
    guarded = _guarded(messages)
    for m in messages:
        if m.get("role") != "user":
            continue
        content = message_text(m.get("content"))
        for match in INJECTION_RE.finditer(content):
            before = content[: match.start()]
            opened = [m.start() for m in _OPEN_RE.finditer(before)]
            closed = [m.start() for m in _CLOSE_RE.finditer(before)]
            inside_source = bool(opened) and opened[-1] > (closed[-1] if closed else -1)
            if not (guarded and inside_source):
                return match.group("payload").strip()
    return None


def _source_sentences(messages: list[dict[str, Any]]) -> list[str]:
    """Sentences copied from segment lines of the first user message (re-asks add none)."""
    for m in messages:
        if m.get("role") == "user":
            out: list[str] = []
            for match in SEGMENT_LINE_RE.finditer(message_text(m.get("content"))):
                line = match.group("text").strip()
                if INJECTION_RE.search(line):
                    continue  # a well-behaved model does not repeat the injection either
                out.extend(s.strip() for s in SENTENCE_SPLIT_RE.split(line) if len(s.strip()) >= 12)
            return out
    return []


class _Filler:
    """Fills a JSON schema with values drawn from `sentences`, cycling through them."""

    def __init__(self, root: dict[str, Any], sentences: list[str], forced: str | None, speakers: list[str]) -> None:
        self.root = root
        self.speakers = speakers
        self.sentences = sentences or ["No source text was provided."]
        self.forced = forced
        self.pos = 0

    def sentence(self) -> str:
        if self.forced is not None:
            return self.forced
        s = self.sentences[self.pos % len(self.sentences)]
        self.pos += 1
        return s

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"].split("/")[-1]
            schema = {**self.root.get("$defs", self.root.get("definitions", {})).get(ref, {}),
                      **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(self, schema: dict[str, Any], name: str = "", index: int = 0) -> Any:
        schema = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [o for o in schema[key] if self.resolve(o).get("type") != "null"]
                return self.value(options[0], name, index) if options else None
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.value(schema["allOf"][0], name, index)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            values = schema["enum"]
            return values[index % len(values)] if values else None
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            return {k: self.value(v, k, index) for k, v in schema.get("properties", {}).items()}
        if kind == "array":
            item_schema = schema.get("items", {"type": "string"})
            if name == "quotes":
                return [self.sentence()]
            if name == "items":
                return self.items(item_schema)
            return [self.value(item_schema, name, 0)]
        if kind == "string":
            lname = name.lower()
            if schema.get("format") == "date" or lname in DATE_NAMES or lname.endswith("_date"):
                return "2026-01-15"
            if lname in PERSON_NAMES:
                return self.speakers[index % len(self.speakers)] if self.speakers else "Alex"
            if lname in ("unit", "currency"):
                return "USD"
            if lname == "period":
                return "FY2025"
            return self.sentence()
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return float(schema.get("minimum", 1.0))
        if kind == "boolean":
            return True
        return self.sentence()

    def items(self, item_schema: dict[str, Any]) -> list[Any]:
        resolved = self.resolve(item_schema)
        # One item per scorecard criterion (an enum-typed "criterion" property), else three.
        count = 3
        criterion = resolved.get("properties", {}).get("criterion")
        if criterion is not None and "enum" in self.resolve(criterion):
            count = len(self.resolve(criterion)["enum"])
        elif self.forced is not None:
            count = 1
        return [self.value(item_schema, "", i) for i in range(count)]


def source_tags(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tag, text) of each segment line of the first user message."""
    for m in messages:
        if m.get("role") == "user":
            return [(x.group("tag"), x.group("text")) for x in TAG_LINE_RE.finditer(message_text(m.get("content")))]
    return []


def tag_quotes(answer: Any, lines: list[tuple[str, str]], *, only: bool) -> None:
    """Quotes as small models write them: the line's tag copied in front, or the tag alone."""
    items = answer.get("items") if isinstance(answer, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("quotes"), list):
            continue
        tagged = []
        for q in item["quotes"]:
            tag = next((t for t, text in lines if isinstance(q, str) and q in text), None)
            if tag is None:
                tagged.append(q)
            else:
                tagged.append(tag.strip("[]") if only else f"{tag} {q}")
        item["quotes"] = tagged


def _source_speakers(messages: list[dict[str, Any]]) -> list[str]:
    for m in messages:
        if m.get("role") == "user":
            return list(dict.fromkeys(x.group("speaker") for x in SPEAKER_RE.finditer(message_text(m.get("content")))))
    return []


def fill_schema(schema: dict[str, Any], messages: list[dict[str, Any]], forced: str | None = None) -> Any:
    sentences = [forced] if forced is not None else _source_sentences(messages)
    if not schema:
        return {"items": [{"text": s, "quotes": [s]} for s in sentences[:3]], "notes": None}
    return _Filler(schema, sentences, forced, _source_speakers(messages)).value(schema)


