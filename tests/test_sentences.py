"""Sentences from unpunctuated captions: the boundary model's loading, scoring and decoding,
and the sentence splitter's use of cues, pauses and turn marks. Fixtures are made here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportgen.extract.local.boundaries import (
    CUE,
    MODEL_FILE,
    NO_CUE,
    BoundaryModel,
    adapt_to_cues,
    decode,
    gap_features,
    is_cased,
    load_model,
    norm,
    predict_ends,
)
from reportgen.extract.local.sentences import MAX_WORDS, WINDOW_WORDS, split_sentences, unpunctuated
from reportgen.ingest import ingest_bytes

TOY = {
    "version": 1,
    "bias": -3.0,
    "threshold": 0.5,
    "min_words": 2,
    "max_words": 6,
    "weights": {"n1=so": 4.0, "p1=okay": 3.5, "cap": 2.0},
}


def toy() -> BoundaryModel:
    return BoundaryModel.from_json(TOY)


def test_shipped_model_loads_once_and_is_small() -> None:
    assert MODEL_FILE.stat().st_size < 5_000_000
    m = load_model()
    assert m is load_model()
    assert m.weights and 0 < m.threshold < 1 and m.max_words == WINDOW_WORDS


def test_model_file_is_plain_json_with_its_version() -> None:
    data = json.loads(Path(MODEL_FILE).read_text(encoding="utf-8"))
    assert data["version"] == 1 and isinstance(data["weights"], dict)
    with pytest.raises(ValueError, match="version"):
        BoundaryModel.from_json({**TOY, "version": 99})


def test_norm_and_case_detection() -> None:
    assert norm("Okay,") == "okay" and norm("1,200") == "<num>" and norm("--") == "<p>"
    assert not is_cased(["word"] * 40)
    assert not is_cased(["WORD"] * 40)
    assert is_cased(["So"] + ["word"] * 30 + ["Then"] + ["word"] * 10)


def test_toy_model_scores_the_features_it_was_given() -> None:
    logits = toy().logits("we are done so the next okay fine".split(), cased=False)
    assert logits[2] == pytest.approx(1.0)  # "done | so"
    assert logits[6] == pytest.approx(0.5)  # "okay | fine"
    assert logits[0] == pytest.approx(-3.0)


def test_fast_scoring_equals_the_sum_of_the_training_features() -> None:
    m = load_model()
    for tokens in ("okay so The the plan is Fine I think we Go".split(), "yeah".split()):
        words = [norm(t) for t in tokens]
        for cased in (True, False):
            slow = [m.bias + sum(m.weights.get(f, 0.0) for f in gap_features(words, tokens, i, cased))
                    for i in range(len(tokens))]
            assert m.logits(tokens, cased) == pytest.approx(slow)


def test_decode_keeps_strong_gaps_apart_and_caps_length() -> None:
    logits = [-5.0, 3.0, 2.0, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0, -1.0, -5.0, -5.0, -5.0]
    ends = decode(logits, 0.5, 2, 6)
    assert ends[0] == 1  # the strongest gap, its weaker neighbour suppressed (min 2 words)
    assert 2 not in ends
    assert ends[-1] == len(logits) - 1
    prev = -1
    for e in ends:
        assert e - prev <= 6
        prev = e
    assert 10 in ends  # the long run was cut at its strongest gap


def test_hard_ends_are_always_kept() -> None:
    assert 3 in decode([-9.0] * 8, 0.5, 2, 40, hard=frozenset({3}))


def test_cue_evidence_is_learned_per_document() -> None:
    # The words are weak evidence; every likely end sits on a cue edge, so cue edges gain weight
    # and gaps with no cue lose it.
    logits = [0.5 if i % 4 == 3 else -2.0 for i in range(40)]
    cues = [CUE if i % 4 == 3 else NO_CUE for i in range(40)]
    out = adapt_to_cues(logits, cues)
    assert out[3] > logits[3] and out[1] < logits[1]
    assert adapt_to_cues(logits, [CUE] * 40) == logits  # one class: nothing to learn


def test_predict_ends_on_lower_case_captions_with_the_shipped_model() -> None:
    words = ("okay so let's get started today we are going to talk about the budget "
             "so the first thing is the price of the remote control um we think it should be cheap "
             "yeah that sounds good to me").split()
    ends = predict_ends(words)
    assert ends[-1] == len(words) - 1
    assert len(ends) >= 3
    assert all(b - a <= WINDOW_WORDS for a, b in zip([-1, *ends], ends, strict=False))


def caption_file(cues: list[tuple[float, float, str]]) -> bytes:
    def ts(x: float) -> str:
        return f"00:{int(x // 60):02d}:{x % 60:06.3f}"

    return "\n".join(f"[{ts(a)} --> {ts(b)}]   {t}" for a, b, t in cues).encode() + b"\n"


LOWER = [
    "okay so let's get started today we are going",
    "to talk about the budget for the new remote",
    "control and then we will look at the design",
    "so the first thing is the price of the remote",
    "control um we think it should be cheap enough",
    "for everyone yeah that sounds good to me",
    "right so what about the colour of the case",
    "i think yellow would be a good choice",
]


def test_unpunctuated_captions_are_split_at_sentence_ends_not_windows() -> None:
    cues = [(i * 3.0, i * 3.0 + 3.0, t) for i, t in enumerate(LOWER)]
    (doc,) = ingest_bytes(caption_file(cues), "call.whisper.txt")
    assert unpunctuated(doc)
    ss = split_sentences([doc])
    assert len(ss) >= 3
    for s in ss:
        assert doc.text[s.char_start : s.char_end] == s.text
        assert s.words <= WINDOW_WORDS
    starts = [s.text.split()[0] for s in ss]
    assert "so" in starts or "right" in starts or "i" in starts


def test_turn_marks_and_blank_lines_end_sentences_in_punctuated_text() -> None:
    cues = [(0.0, 2.0, "I think that we should go"), (2.0, 4.0, "- Yeah, and then we could"),
            (4.0, 6.0, "look at it again.")]
    (doc,) = ingest_bytes(caption_file(cues), "call.whisper.txt")
    texts = [s.text for s in split_sentences([doc])]
    assert texts[0] == "I think that we should go"
    assert texts[1].startswith("Yeah, and then")  # the turn mark is not part of the quote
    (notes,) = ingest_bytes(b"Heading without stop\n\nBody sentence here.\n- first item\n- second item\n", "n.txt")
    assert [s.text for s in split_sentences([notes])] == [
        "Heading without stop", "Body sentence here.", "first item", "second item"]


def test_long_punctuated_runs_still_stay_quotable() -> None:
    body = " ".join(["and then we talked about the plan"] * 20) + "."
    (doc,) = ingest_bytes(caption_file([(0.0, 60.0, body)]), "x.whisper.txt")
    ss = split_sentences([doc])
    assert len(ss) > 1 and all(s.words <= MAX_WORDS for s in ss)



def test_unpunctuated_plain_text_keeps_its_paragraphs_apart() -> None:
    para = " ".join(LOWER[:4])
    (doc,) = ingest_bytes(f"{para}\n\n{para}\n".encode(), "notes.txt")
    assert unpunctuated(doc)
    ss = split_sentences([doc])
    second = doc.text.index("\n\n") + 2
    assert any(s.char_start == second for s in ss)
    assert not any(s.char_start < second - 2 < s.char_end for s in ss)
