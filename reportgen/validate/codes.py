"""The flag and issue codes validation owns, and how a flag spells its code.

A flag is "code: message" on the item; validation clears the codes it owns before each run,
which is what makes re-validating an edited report safe.
"""

from __future__ import annotations

from reportgen.models import Item

# Flag/issue codes validation computes (and so clears before recomputing).
ITEM_CODES = frozenset(
    {
        "missing-field",
        "invalid-enum",
        "invalid-rating",
        "invalid-value",
        "date-unresolved",
        "owner-unknown",
        "no-evidence",
        "value-not-in-quote",
        "text-not-in-quote",
    }
)
SECTION_CODES = frozenset({"section-empty", "section-missing", "section-failed", "too-many-items", "sop-mismatch"})
# Issues re-derived from item flags another step (or an earlier run) left on the item.
DERIVED_CODES = frozenset({"duplicate-merged"})

Problem = tuple[str, str]  # (code, message)


def code_of(flag: str) -> str:
    return flag.split(":", 1)[0].strip()


def add_flag(item: Item, flag: str) -> None:
    if flag not in item.flags:
        item.flags.append(flag)
