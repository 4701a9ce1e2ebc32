"""Draft sections in, grounded sections out: each quote located, each failure said on its item.

Kept apart from `reportgen.grounding` (which locates one quote) because this is where a located
or refused quote becomes what a reader sees: citations, flags and passages.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportgen.drafts import DraftPassage, DraftSection
from reportgen.grounding import Grounder
from reportgen.models import Citation, Document, Item, Passage, Section
from reportgen.sop import SectionSpec


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "\u2026"


def ground_draft(
    draft: DraftSection,
    spec: SectionSpec,
    documents: Sequence[Document],
    grounder: Grounder | None = None,
) -> Section:
    """Turn an engine's draft into a report section whose every quote is located or flagged.

    Unlocated quotes are kept as `unsupported` citations and flagged on their item, so the
    reader sees them; nothing is dropped silently and nothing unverified looks verified.
    """
    grounder = grounder or Grounder(documents)
    items: list[Item] = []
    for d in draft.items:
        citations: list[Citation] = []
        flags = list(d.flags)
        seen_quotes: set[str] = set()
        seen_spans: set[tuple[str | None, int | None, int | None]] = set()
        for raw in d.quotes:
            q = raw.strip()
            if not q or q in seen_quotes:
                continue
            seen_quotes.add(q)
            m = grounder.locate(q)
            c = m.citation
            if c.located:
                span = (c.document_id, c.char_start, c.char_end)
                if span in seen_spans:
                    continue
                seen_spans.add(span)
                if m.ambiguous:
                    flags.append(
                        f"ambiguous: quote occurs {m.occurrences} times in the sources; "
                        f'cited the first occurrence: "{_clip(q)}"'
                    )
            elif m.reason == "ambiguous":
                flags.append(
                    f"unsupported: quote matches {m.occurrences} places in the sources and is too short "
                    f'or too close between them to tell which one is meant: "{_clip(q)}"'
                )
            elif m.reason.startswith("meaning-differs"):
                what = m.reason.split(":", 1)[1].strip()
                flags.append(f"unsupported: the quote is near a passage of the sources but its {what} differs, so "
                             f'it says something else (meaning-differs: {what}): "{_clip(q)}"')
            else:
                flags.append(f'unsupported: quote not found in the sources: "{_clip(q)}"')
            citations.append(c)
        items.append(Item(fields=dict(d.fields), citations=citations, flags=flags, score=d.score))
    notes = list(draft.notes)
    passages, lost = ground_passages(draft.passages, grounder)
    if lost:
        notes.append(f"{lost} passage{'s' if lost > 1 else ''} to read could not be located in the sources and "
                     f"{'were' if lost > 1 else 'was'} left out.")
    if draft.failed:
        notes.append(f"extraction failed: {draft.failed}")
        status = "failed"
    else:
        status = "ok" if items or passages else "empty"
    return Section(id=spec.id, title=spec.title, kind=spec.kind, items=items, passages=passages, status=status,
                   notes=notes)


def ground_passages(drafts: Sequence[DraftPassage], grounder: Grounder) -> tuple[list[Passage], int]:
    """Located passages to read, and how many could not be located (or only ambiguously): a passage is only
    a pointer into the sources, so such a one has nothing to offer and is left out, and the section says so."""
    out: dict[tuple[str | None, int | None, int | None, str | None], Passage] = {}
    lost = 0
    for d in (d for d in drafts if d.quote.strip()):
        m = grounder.locate(d.quote.strip())
        c = m.citation
        if not c.located or m.ambiguous:
            lost += 1
            continue
        out.setdefault((c.document_id, c.char_start, c.char_end, d.criterion),
                       Passage(**c.model_dump(), criterion=d.criterion, role=d.role))  # fmt: skip
    return list(out.values()), lost
