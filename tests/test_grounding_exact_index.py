"""Verbatim lookups from the word-start index give the very positions a scan of the text gives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen import grounding
from reportgen.grounding import Grounder, _exact_positions, _Indexed, _indexed_exact_positions
from reportgen.ingest.build import TextBuilder, finish

WORDS = ["the", "Company", "shall", "pay", "don't", "don\u2019t", "o'clock", "_id", "x_y", "caf\u00e9", "\u00e9t\u00e9",
         "(a)", "\u201cLicensee\u201d", "Licensee", "Licensees", "Section", "3.1", "$1,000", "-", "\u2014", "aaaa",
         "aa", "'quoted'", "\n", "5%", "Agreement", "Agreements"]


def _ix(text: str) -> _Indexed:
    b = TextBuilder()
    b.add(text)
    return _Indexed.build(finish(b, data=text.encode(), filename="t.txt", kind="text", format="test",
                                 media_type="text/plain"))


def _same_everywhere(text: str, quotes: list[str], monkeypatch: pytest.MonkeyPatch) -> _Indexed:
    monkeypatch.setattr(grounding, "INDEX_AFTER_SCANS", 0)
    ix = _ix(text)
    for q in quotes:
        q = q.strip()
        if q:
            assert _indexed_exact_positions(ix, q) == _exact_positions(ix.doc.text, q), q
    return ix


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=5, max_size=80), st.randoms(use_true_random=False))
def test_index_matches_scan_on_generated_text(words: list[str], rnd: random.Random) -> None:
    with pytest.MonkeyPatch.context() as mp:
        text = " ".join(words)
        quotes = []
        for _ in range(20):
            i = rnd.randrange(len(text))
            quotes.append(text[i : i + rnd.randint(1, 60)])  # any slice: mid-word, punctuation-first, repeated
        _same_everywhere(text, quotes, mp)


def test_index_matches_scan_on_repeats_and_word_edges(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("the Licensee shall pay the Licensee shall pay the Licensees shall pay; don't stop don\u2019t stop "
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa x_y_z_the Licensee shall pay")
    quotes = ["the Licensee shall pay", "Licensee shall pay the", "he Licensee shall pay", "don't stop don\u2019t",
              "aaaaaaaaaaaaaaaaaaaaaaaa", "the Licensees shall pay", "y_z_the Licensee shall", "x_y_z_the Licensee"]
    assert _same_everywhere(text, quotes, monkeypatch).word_starts is not None  # the index answered


def test_citations_are_unchanged_once_the_index_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    text = " ".join(f"Clause {i}: the Supplier shall deliver {i} units by the {i}th day." for i in range(300))
    b = TextBuilder()
    for line in text.split(". "):
        b.add(line)
    doc = finish(b, data=text.encode(), filename="c.txt", kind="text", format="test", media_type="text/plain")
    quotes = [f"the Supplier shall deliver {i} units" for i in range(0, 300, 7)] + ["the Supplier shall deliver"]
    scanned = [Grounder([doc]).ground(q) for q in quotes]
    monkeypatch.setattr(grounding, "INDEX_AFTER_SCANS", 0)
    indexed = [Grounder([doc]).ground(q) for q in quotes]
    assert indexed == scanned and sum(c.status == "exact" for c in indexed) >= len(quotes) - 1
