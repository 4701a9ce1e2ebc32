"""The parse's faster parts make exactly what the slower ones made: segments, noise spans, NULs dropped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.ingest import build, ingest_bytes
from reportgen.models import Segment


def test_direct_construction_equals_model_construct() -> None:
    for args in ((0, "hello", 0, 5, 1.5, 2.0, "María", None), (7, "x", 10, 11, None, None, None, 3)):
        ours = build._segment(*args)
        theirs = Segment.model_construct(id=args[0], text=args[1], char_start=args[2], char_end=args[3],
                                         start=args[4], end=args[5], speaker=args[6], page=args[7])
        assert ours == theirs
        assert ours.model_dump() == theirs.model_dump()
        assert ours.model_fields_set == theirs.model_fields_set
        assert ours.model_dump_json() == theirs.model_dump_json()
        assert Segment.model_validate(ours.model_dump()) == ours  # and it is a valid Segment


def test_nul_bytes_still_dropped_from_non_ascii_text() -> None:
    lines = [f"[00:00:{k:02d}.000 --> 00:00:{k + 1:02d}.000]   line {k} from Jos\u00e9" for k in range(10, 40)]
    text = "[00:00:01.000 --> 00:00:03.000]   Zo\u00eb\x00 said the renewal is signed\n" + "\n".join(lines)
    [doc] = ingest_bytes(text.encode(), "call.txt")
    assert "\x00" not in doc.text and "Zo\u00eb said the renewal is signed" in doc.text, doc.text[:80]
    assert all(doc.text[s.char_start : s.char_end] == s.text for s in doc.segments)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["[Music]", "(laughs)", "{vocalsound}", "\u266a\u266a", "[", "(", "{", ")", "]",
                                 "word", " ", "[ music playing ]", "(inaudible", "♪", "[laughter)", "x"]),
                max_size=30).map("".join))
def test_noise_spans_finds_what_the_pattern_finds(text: str) -> None:
    assert build.noise_spans(text) == [(m.start(), m.end()) for m in build.NOISE_RE.finditer(text)]
