"""One section from the drafts of its parts, when long sources were read in several calls."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reportgen.drafts import DraftItem, DraftSection
from reportgen.sop import SectionSpec


def _item_key(item: DraftItem) -> str:
    return json.dumps(item.fields, sort_keys=True, default=str).lower()


def merge_parts(spec: SectionSpec, drafts: Sequence[DraftSection]) -> DraftSection:
    """One section from the drafts of its parts: items in part order, exact duplicates (the same
    fields, or the same quotes, as happens in the overlap between parts) merged."""
    merged = DraftSection(section_id=spec.id)
    by_key: dict[str, DraftItem] = {}
    by_quotes: dict[tuple[str, ...], DraftItem] = {}
    for d in drafts:
        merged.usage = merged.usage.add(d.usage)
        merged.notes.extend(n for n in d.notes if n not in merged.notes)
        for item in d.items:
            qkey = tuple(sorted(q.strip() for q in item.quotes))
            twin = by_key.get(_item_key(item)) or (by_quotes.get(qkey) if qkey else None)
            if twin is not None:
                twin.quotes.extend(q for q in item.quotes if q not in twin.quotes)
                continue
            merged.items.append(item)
            by_key[_item_key(item)] = item
            if qkey:
                by_quotes[qkey] = item
    failed = [d.failed for d in drafts if d.failed]
    if failed and len(failed) == len(drafts):
        merged.failed = failed[0] if len(failed) == 1 else f"all {len(drafts)} parts failed: {failed[0]}"
    elif failed:
        for i, d in enumerate(drafts, start=1):
            if d.failed:
                merged.notes.append(f"part {i} of {len(drafts)} of the sources could not be extracted: {d.failed}")
    return merged
