"""A prose section's answer is a stretch of talk: its relevance is smoothed over neighbouring turns
of a transcript (context.STRETCH_KINDS, corpus.smooth), while pinpoint sections and documents that
are not transcripts keep their turn-by-turn ranking."""

from __future__ import annotations

import random

import numpy as np
import pytest

import reportgen.context as context
from reportgen.context import estimate_tokens, recall_at_k, segment_line, select_context
from reportgen.corpus import Corpus, smooth
from reportgen.sop import SectionSpec
from reportgen.testing.samples import paged, transcript
from tests.test_context import FILLER

# The body of a discussion: none of these says what it is about ("billing migration").
DISCUSSION = [
    "Then we would have to move the old invoices over the weekend, all of them.",
    "How long did the dry run take last time, was it the whole night?",
    "Finance wants the totals reconciled before anything is switched off.",
    "We could keep both systems running in parallel for a month.",
    "That doubles the support load though, someone has to own that.",
    "Rollback needs to be one command, not a page of manual steps.",
]
STRETCH = range(140, 180)  # the discussion, in a 400-turn meeting
NAMED = (150, 165)  # the two turns that name its subject


def _meeting():
    rng = random.Random(11)
    lines = [(rng.choice(["Ann", "Bo", "Cy"]), rng.choice(FILLER)) for _ in range(400)]
    for k in STRETCH:
        lines[k] = (rng.choice(["Ann", "Bo", "Cy"]), rng.choice(DISCUSSION))
    lines[NAMED[0]] = ("Ann", "Next is the billing migration, the cut-over plan.")
    lines[NAMED[1]] = ("Bo", "For the billing migration the risk is the invoice history.")
    return transcript(lines)


def _budget(doc, share):
    return int(share * sum(estimate_tokens(segment_line(1, s)) + 1 for s in doc.segments))


def _ids(spec, docs, budget):
    return [s for c in select_context(spec, Corpus(docs), budget) for s in c.segment_ids]


def test_smooth_spreads_within_each_span_and_nowhere_else():
    x = np.zeros(60)
    x[10] = 1.0
    x[45] = 1.0
    out = smooth(x, [(0, 30), (30, 60)], 0.1)  # sigma of 3 turns
    assert out[9] == pytest.approx(out[11], rel=0.01) and 0 < out[13] < out[11] < out[10]  # about symmetric, decaying
    assert out[10] < 1.0 and out[29] < 1e-3  # a spike is spread out, and fades well before the span ends
    assert out[30] < 1e-3 and out[44] > 0.05  # nothing crosses into the next span but its own spike
    flat = smooth(np.ones(20), [(0, 20)], 0.2)
    np.testing.assert_allclose(flat, 1.0)  # renormalised at the ends: the first turn is not penalised
    left = smooth(x, [(0, 30)], 0.1)
    assert left[45] == 1.0 and left[44] == 0.0  # outside every span: untouched
    np.testing.assert_array_equal(smooth(x, [(0, 60)], 0.0), x)  # no width, no change


def test_a_prose_section_gets_the_stretch_around_its_subject():
    doc = _meeting()
    budget = _budget(doc, 0.1)
    prose = SectionSpec(id="s", title="Billing migration", kind="prose", instructions="The billing migration.")
    pinpoint = prose.model_copy(update={"kind": "list"})
    smoothed = _ids(prose, [doc], budget)
    plain = _ids(pinpoint, [doc], budget)
    assert set(NAMED) <= set(smoothed) and set(NAMED) <= set(plain)  # both find the turns that name it ...
    got, chance = recall_at_k(smoothed, STRETCH), len(smoothed) / len(doc.segments)
    assert got > 3 * chance and got > 2 * recall_at_k(plain, STRETCH)  # ... the prose one its extent too
    inside = [s for s in smoothed if s in STRETCH]
    assert set(range(NAMED[0] - 3, NAMED[0] + 4)) <= set(inside)  # the turns around a hit, unbroken


def test_smoothing_only_reads_transcripts(monkeypatch):
    pages = [[f"Clause {k}. " + FILLER[k % len(FILLER)]] for k in range(120)]
    pages[60] = ["Clause 60. The billing migration moves every invoice to the new ledger."]
    memo = paged(pages)
    spec = SectionSpec(id="s", title="Billing migration", kind="prose")
    budget = _budget(memo, 0.1)
    with_stretch = _ids(spec, [memo], budget)
    monkeypatch.setattr(context, "STRETCH_KINDS", frozenset())
    assert _ids(spec, [memo], budget) == with_stretch  # a paged document is ranked as before
    doc = _meeting()
    without = _ids(spec, [doc], _budget(doc, 0.1))
    monkeypatch.undo()
    assert _ids(spec, [doc], _budget(doc, 0.1)) != without  # while a transcript is smoothed
