"""Which SOP suits a set of sources: the upload page's suggestion and its mismatch warning.

The page used to preselect the first SOP alphabetically (issue 14: an interview scorecard built
from a supply contract without a word). Each SOP already says what it reads: `suits` (source
kinds) and its sections' and criteria's `cues`, the phrases that signal its material. A source
that holds none of an SOP's cues and is of a kind it does not suit is a poor fit; the SOP whose
cues a source holds most of (as a share of its cues, so a long cue list earns no advantage; each
cue weighted by 1 / the number of SOPs that share it) is the suggestion. It is a hint for a person
choosing, not a classifier: the page says why, and the person decides.

Measured by `bench/sop_suggest_eval.py` on the corpus's validation folds (nothing tuned on them):
contracts get the diligence memo 99% of the time (n=96) and a scorecard warning 99%; AMI meetings
get the meeting SOP only 29% (n=24): the advisory memo and expert-call notes share its
conversational cues. Random pick 20%, the old alphabetical preselection 0%.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportgen.sop.model import SOP

# Enough of each source to judge it by; a data room's first pages say what it is.
SAMPLE_CHARS = 60_000
# Below this share of its cues found, an SOP whose kinds do not fit the sources is called a mismatch.
WEAK_COVERAGE = 0.05


@dataclass(frozen=True)
class Fit:
    sop_id: str
    name: str
    score: float  # 0..1: the share of the SOP's cues found, halved when a source is of a kind it does not suit
    cues_found: int
    cues_total: int
    kinds_fit: bool
    suggested: bool
    warning: str | None


def _cues(sop: SOP) -> list[str]:
    phrases = [c for s in sop.sections for c in s.cues] + [c for s in sop.sections for k in s.criteria for c in k.cues]
    return list(dict.fromkeys(n for p in phrases if (n := _norm(p)).strip()))


def _norm(text: str) -> str:
    """Words only, one space apart, padded: a cue is then found by a plain substring test."""
    return " " + " ".join(re.sub(r"[^\w']+", " ", re.sub(r"[\u2018\u2019]", "'", text.lower())).split()) + " "


def _found(cue: str, text: str) -> bool:
    return _norm(cue) in text


def rank_sops(sops: Sequence[SOP], sources: Sequence[tuple[str, str]]) -> list[Fit]:
    """`sources` as (kind, text) pairs -> every SOP's fit, best first; the first is `suggested` when any
    cue was found at all. An SOP gets a `warning` when it reads poorly: a kind it does not suit and
    (almost) none of its cues, or far fewer of them than the suggestion."""
    text = _norm(" ".join(t[:SAMPLE_CHARS] for _, t in sources))
    kinds = {k for k, _ in sources}
    cue_lists = {sop.id: _cues(sop) for sop in sops}
    # a cue several SOPs share ("the team", "deadline") says less about which one fits than one only it has
    shared: dict[str, int] = {}
    for cues in cue_lists.values():
        for c in cues:
            shared[c] = shared.get(c, 0) + 1
    raw = []
    for sop in sops:
        cues = cue_lists[sop.id]
        hits = [c for c in cues if _found(c, text)]
        found = len(hits)
        weight = sum(1 / shared[c] for c in cues)
        coverage = sum(1 / shared[c] for c in hits) / weight if weight else 0.0
        fits = not sop.suits or kinds <= set(sop.suits)
        raw.append((coverage * (1.0 if fits else 0.5), found, len(cues), fits, coverage, sop))
    raw.sort(key=lambda r: (-r[0], r[5].name))
    best = raw[0][0] if raw else 0.0
    out = []
    for n, (score, found, total, fits, coverage, sop) in enumerate(raw):
        warning = None
        if not fits and coverage < WEAK_COVERAGE:
            kinds_said = ", ".join(sorted(kinds - set(sop.suits)))
            warning = (f"{sop.name} is made for {', '.join(sop.suits)} sources and finds almost nothing it looks "
                       f"for in these ({kinds_said}).")
        elif best > 0 and score < best / 3 and coverage < WEAK_COVERAGE:
            warning = f"{sop.name} finds almost nothing it looks for in these sources; {raw[0][5].name} fits better."
        out.append(Fit(sop.id, sop.name, round(score, 4), found, total, fits, n == 0 and best > 0, warning))
    return out
