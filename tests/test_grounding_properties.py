"""Property tests: real substrings are found where they are; text that is not there is never located."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from reportgen.grounding import AMBIGUOUS_MAX_TOKENS, FUZZY_THRESHOLD, Grounder, normalise
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document

VOCAB = (
    "budget churn pricing launch roadmap hiring audit revenue margin customer partner contract renewal "
    "quarter forecast pipeline onboarding support security pilot the a we they will should never always "
    "Friday Monday deadline risk plan team product market growth cost signed agreed delayed shipped"
).split()
OTHER = "zebra quantum violin glacier tapestry nebula saffron obelisk marmalade lantern harpoon".split()
PUNCT = ["", "", "", ",", ".", "?", "!", " -", ";"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def documents(draw: st.DrawFn) -> Document:
    b = TextBuilder()
    t = 0.0
    for _ in range(draw(st.integers(3, 12))):
        words = draw(st.lists(st.sampled_from(VOCAB), min_size=2, max_size=14))
        text = " ".join(w + draw(st.sampled_from(PUNCT)) for w in words)
        b.add(text, start=t, end=t + 3, speaker=draw(st.sampled_from(["Ana", "Ben", None])))
        t += 3
    return finish(b, data=b.text.encode(), filename="d.txt", kind="transcript", format="test", media_type="text/plain")


def words_of(doc: Document) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\w+", doc.text)]


@SETTINGS
@given(documents(), st.data())
def test_substrings_are_exact_at_their_place_or_an_equal_span(doc: Document, data: st.DataObject) -> None:
    ws = words_of(doc)
    i = data.draw(st.integers(0, len(ws) - 1))
    j = data.draw(st.integers(i, min(len(ws) - 1, i + 20)))
    a, b = ws[i][0], ws[j][1]
    quote = doc.text[a:b]
    m = Grounder([doc]).locate(quote)
    c = m.citation
    if c.located:
        assert c.status == "exact" and doc.text[c.char_start : c.char_end] == quote
        assert c.char_start == a or m.occurrences > 1
        seg_ids = {s.id for s in doc.segments if s.char_start < c.char_end and s.char_end > c.char_start}
        assert set(c.segment_ids) == seg_ids
    else:
        # only a short quote said in several places may be refused
        assert m.reason == "ambiguous" and m.occurrences > 1 and len(normalise(quote).split()) < AMBIGUOUS_MAX_TOKENS


@SETTINGS
@given(documents(), st.data())
def test_reformatted_substrings_round_trip_through_normalisation(doc: Document, data: st.DataObject) -> None:
    ws = words_of(doc)
    i = data.draw(st.integers(0, len(ws) - 1))
    j = data.draw(st.integers(i, min(len(ws) - 1, i + 20)))
    original = doc.text[ws[i][0] : ws[j][1]]
    quote = re.sub(r"[^\w\s]", "", original).upper().replace(" ", "\n ")
    c = Grounder([doc]).ground(quote)
    if c.located:
        assert normalise(doc.text[c.char_start : c.char_end]) == normalise(quote)


@SETTINGS
@given(documents(), st.lists(st.sampled_from(OTHER), min_size=1, max_size=12))
def test_words_not_in_the_document_are_never_located(doc: Document, words: list[str]) -> None:
    assert Grounder([doc]).ground(" ".join(words)).status == "unsupported"


@SETTINGS
@given(documents(), st.text(min_size=1, max_size=120))
def test_arbitrary_text_is_located_only_where_it_reads_the_same(doc: Document, quote: str) -> None:
    c = Grounder([doc]).ground(quote)
    if c.located:
        found = normalise(doc.text[c.char_start : c.char_end])
        assert fuzz.ratio(found, normalise(quote)) >= FUZZY_THRESHOLD


@SETTINGS
@given(documents(), st.data())
def test_char_substrings_that_cut_words_never_land_elsewhere(doc: Document, data: st.DataObject) -> None:
    a = data.draw(st.integers(0, len(doc.text) - 1))
    b = data.draw(st.integers(a + 1, min(len(doc.text), a + 150)))
    quote = doc.text[a:b]
    c = Grounder([doc]).ground(quote)
    if c.located:
        same = normalise(doc.text[c.char_start : c.char_end]) == normalise(quote)
        overlaps = c.char_start < b and c.char_end > a
        assert same or overlaps
        assert fuzz.ratio(normalise(doc.text[c.char_start : c.char_end]), normalise(quote)) >= FUZZY_THRESHOLD
