"""The chance level every F1 is printed beside: items that cite random segments.

For each case and section the engine's predicted items are replaced, one for one, by items
citing a uniformly random segment of the case's sources, with that segment's text as the
item's text and its speaker as every person field. Each item keeps the engine's kind (a
contract row's `clause`), so the baseline asks "was the engine's choice of *where* better than
chance?", not "did it guess the kind?". Scored by the same matcher as the engine, over several
seeds; seeds are strings, so the draw is the same on every machine and every run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from reportgen.evals.match import kind_fields, main_text_field
from reportgen.models import Citation, Document, Item, Segment
from reportgen.sop import SectionSpec


def _segments(documents: Sequence[Document]) -> list[tuple[Document, Segment]]:
    return [(d, s) for d in documents for s in d.segments if s.text.strip()]


def random_items(spec: SectionSpec, documents: Sequence[Document], like: Sequence[Item], seed: str) -> list[Item]:
    """As many items as `like`, each citing one random segment (see the module doc)."""
    pool = _segments(documents)
    if not pool or not like:
        return []
    rng = random.Random(seed)
    main = main_text_field(spec)
    kinds = kind_fields(spec)
    out: list[Item] = []
    for model in like:
        doc, seg = pool[rng.randrange(len(pool))]
        fields: dict[str, object] = {}
        for name, f in spec.fields.items():
            if name == main:
                fields[name] = seg.text
            elif name in kinds:
                fields[name] = model.fields.get(name)
            elif f.type == "person":
                fields[name] = seg.speaker
            elif f.default is not None:
                fields[name] = f.default
        if not spec.fields:
            fields[main] = seg.text
        cite = Citation(document_id=doc.id, quote=seg.text, char_start=seg.char_start, char_end=seg.char_end,
                        segment_ids=[seg.id], start=seg.start, end=seg.end if seg.end is not None else seg.start,
                        status="exact")
        out.append(Item(fields=fields, citations=[cite]))
    return out


def seed_label(case_id: str, section: str, k: int) -> str:
    return f"{case_id}|{section}|{k}"
