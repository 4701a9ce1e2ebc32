"""Exact-first grounding gives the same citation as tokenising first, for quotes of every shape.

`Grounder._locate` tries the verbatim match before tokenising the quote; the reference below is
the previous order (tokens first, then the exact match), built from the same module's parts.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen import grounding
from reportgen.grounding import Grounder, Match, normalise_tokens
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.text import FILLER_PAIRS, FILLERS

WORDS = ("um uh you know I mean hmm budget churn pricing launch the a we will Friday renewal signed "
         "[laughter] {vocalsound} (inaudible) ... caf\u00e9 na\u00efve 42").split(" ")


def _reference(g: Grounder, quote: str, document_id: str | None = None) -> Match:
    """The previous order: tokenise, give up on an empty quote, then the exact match."""
    q = quote.strip()
    qtoks = normalise_tokens(q)
    if not q or not qtoks:
        return g._unsupported(quote, "empty")
    exact = [(ix, p) for ix in g._scope(document_id) for p in grounding._exact_positions(ix.doc.text, q)]
    if exact:
        return g._decide(quote, qtoks, exact[0][0], exact[0][1], exact[0][1] + len(q), "exact", 1.0, len(exact))
    return g._locate(quote, document_id)  # not exact: the rest of the path is unchanged


def _doc(lines: list[str]) -> Document:
    b = TextBuilder()
    for k, line in enumerate(lines):
        b.add(line, start=3.0 * k, end=3.0 * k + 3, speaker=("Ana", "Ben")[k % 2])
    return finish(b, data=b.text.encode(), filename="d.txt", kind="transcript", format="test", media_type="text/plain")


def test_the_content_test_never_calls_a_filler_content() -> None:
    """_has_content relies on every filler, filler-pair word and noise mark being under five letters or bracketed."""
    assert all(len(f) < 5 for f in FILLERS)
    assert all(len(w) < 5 for pair in FILLER_PAIRS for w in pair)
    for quote in ("um uh hmm", "you know, I mean", "[laughter] um", "{disfmarker} uh (inaudible)", "..."):
        assert not grounding._has_content(quote), quote
        assert Grounder([_doc([quote, "other words"])]).locate(quote).reason == "empty"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=10).map(" ".join), min_size=2, max_size=8),
    pick=st.tuples(st.integers(0, 7), st.integers(0, 9), st.integers(1, 8)),
)
def test_exact_first_gives_the_previous_citation(lines: list[str], pick: tuple[int, int, int]) -> None:
    doc = _doc(lines)
    words = doc.text.split(" ")
    start = (pick[0] * 7 + pick[1]) % max(1, len(words))
    quote = " ".join(words[start : start + pick[2]])
    g = Grounder([doc])
    for q in (quote, quote.upper(), " " + quote + " "):
        assert g._locate(q, None) == _reference(g, q), q
