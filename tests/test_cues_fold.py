"""The cue searches run case-sensitively over lowered text where that is exactly the case-insensitive search:
same answer for every family and SOP cue, on plain, typographic and awkward (non-ASCII letter) text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.extract.local import cues
from reportgen.sop import get_sop

SENTENCES = [
    "I'll send the revised pricing to Maria by Friday.",
    "We\u2019ve decided to go with the annual plan \u2014 it\u2019s agreed: we launch in May.",
    "The Licensee shall pay a royalty of 5% of Net Sales, payable quarterly.",
    "JOHN WILL SEND THE CONTRACT; Priya is going to review it.",
    "Revenue grew 3.5x to \u20ac12 million; churn is a CONCERN.",
    "Caf\u00e9 owners worry about the \u017ftrange Kelvin \u212a sign and \u0130stanbul.",
    "Neither party shall be liable for any breach, default or delay.",
    "So the open question is whether we still don\u2019t know the TBD terms.",
]
PATTERNS = list(cues.FAMILY_PATTERNS.values()) + cues.cue_patterns(
    [c for sec in get_sop("diligence-memo").sections for c in sec.cues] + ["won't", "follow-up", "K\u00f6ln"])
WORDS = ["I'll", "we\u2019ll", "will", "send", "John", "RISK", "risk", "tbd", "5%", "$3", "\u00e9", "\u017f", "\u212a",
         "\u0130", "decided", "go", "with", "let\u2019s", "\u2014", "Contract", "breach", "x", "2x", " ", ",", "."]


def _same(text: str) -> None:
    for p in PATTERNS:
        assert cues._search(p, text) == (p.search(text) is not None), (p.pattern[:60], text)


def test_folded_search_matches_on_sentences() -> None:
    for text in SENTENCES:
        _same(text)
    assert cues._lowered(SENTENCES[1]) is not None  # typographic quotes and dashes keep the fast path
    assert cues._lowered(SENTENCES[5]) is None  # letters outside ASCII take the original search


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join))
def test_folded_search_matches_on_generated_text(text: str) -> None:
    _same(text)


def test_escapes_and_case_sensitive_parts_are_kept() -> None:
    assert cues._fold_source(r"\bFoo\S+\W\u2019[A-Z]") == r"\bfoo\S+\W\u2019[a-z]"
    assert cues._folded(re.compile(r"(?-i:Bob) said", re.I)) is None
    assert cues._search(re.compile(r"(?-i:Bob) said", re.I), "bob said") is False
    assert cues.cue_count("We'll FOLLOW UP on the Escrow.", cues.cue_patterns(["follow up", "escrow"])) == 2
