"""Property tests: any text or bytes gives a Document or an IngestError, never another exception.

Inputs are drawn both from raw bytes/text and from the building blocks of each format
(timing lines, labels, markers, JSON keys), so the generators reach deep into the parsers.
"""

from __future__ import annotations

import json
import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.errors import IngestError
from reportgen.ingest.asrjson import parse_asr_json
from reportgen.ingest.plain import parse_markdown, parse_plain
from reportgen.ingest.segmenting import MAX_SEGMENT_CHARS, Parsed, chunk_spans
from reportgen.ingest.speakers import parse_inline_speakers, parse_speaker_lines
from reportgen.ingest.subtitles import parse_cues
from reportgen.ingest.text import TEXT_FORMATS, parse_text, parse_text_bytes
from reportgen.ingest.whisper import parse_whisper

# CI keeps this fast; REPORTGEN_FUZZ_EXAMPLES=2000 runs a deeper sweep by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("REPORTGEN_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

FRAGMENTS = [
    "WEBVTT", "WEBVTT\n\n", "NOTE ", "STYLE\n", "\n", "\n\n", " ", "  ", "\t", "\r\n", "-->", " --> ",
    "00:00:01.000", "00:00:02,500", "0:00:03.000,0:00:04.000", "1:02:03.5", "00:1x.000", "12", "1\n",
    "[00:00:05]", "[00:00:01.000 --> 00:00:02.000]", "(00:12)", "<v Bob>", "<v.loud Ann Lee>", "</v>", "<i>", "</c>",
    "<00:00:01.500>", "&amp;", "Speaker A: ", "speaker a:", "SPEAKER_00: ", "Hugo Bowne  0:12\n", "hugo: ", "jason: ",
    "Note: ", "The reason is: ", "https://x.y/z", "10:30", "Hello there.", "so we went on", "Yes!", "[Music]",
    "(laughing)", "{vocalsound}", "# Title", "- item", "1. one", "| a | b |", "```", "**bold**", "{", "}", "[", "]",
    '"segments"', '"text"', '"start"', '"speaker"', ":", ",", "0.5", "null", "é", "“quote”", "\u200b", "\x00",
    "\u2028", "\x0c", "日本語",
]  # fmt: skip

format_texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=60).map("".join)
filenames = st.sampled_from(["a.txt", "a.vtt", "a.srt", "a.sbv", "a.json", "a.md", "upload", "a.TXT"])


def check_parsed(parsed: Parsed, *, original: str | None = None) -> None:
    text = parsed.builder.text
    assert parsed.builder.segments, "a parser raises rather than return a document without segments"
    assert parsed.format in TEXT_FORMATS
    assert parsed.kind in ("transcript", "text")
    if original is not None and parsed.format in ("plain", "markdown", "speaker-lines", "inline-speakers"):
        assert text == original
    prev = 0
    for i, seg in enumerate(parsed.builder.segments):
        assert seg.id == i
        assert text[seg.char_start : seg.char_end] == seg.text
        assert seg.text and seg.text == seg.text.strip()
        assert seg.char_start >= prev
        prev = seg.char_end
        for t in (seg.start, seg.end):
            assert t is None or (math.isfinite(t) and t >= 0)
        if seg.start is not None and seg.end is not None:
            assert seg.end >= seg.start


def run(parser, text: str) -> None:
    try:
        parsed = parser(text)
    except IngestError as e:
        assert str(e)
        return
    check_parsed(parsed, original=text)


@FUZZ
@given(data=st.binary(max_size=600), name=filenames)
def test_any_bytes_give_a_document_or_an_ingest_error(data, name):
    try:
        doc = parse_text_bytes(data, name)
    except IngestError as e:
        assert str(e).startswith(name)
        return
    assert doc.segments
    for seg in doc.segments:
        assert doc.text[seg.char_start : seg.char_end] == seg.text


@FUZZ
@given(text=format_texts, name=filenames)
def test_format_like_text_through_the_sniffer(text, name):
    try:
        parsed = parse_text(text, name)
    except IngestError:
        return
    check_parsed(parsed, original=text)


@FUZZ
@given(text=format_texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]), name=filenames)
def test_encoded_format_like_text(text, encoding, name):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        doc = parse_text_bytes(data, name)
    except IngestError:
        return
    for seg in doc.segments:
        assert doc.text[seg.char_start : seg.char_end] == seg.text


@FUZZ
@given(text=format_texts, fmt=st.sampled_from(["vtt", "srt", "sbv"]))
def test_caption_parser(text, fmt):
    run(lambda t: parse_cues(t, fmt), text)


@FUZZ
@given(text=format_texts)
def test_whisper_parser(text):
    run(parse_whisper, text)


@FUZZ
@given(text=format_texts)
def test_speaker_line_parser(text):
    run(parse_speaker_lines, text)


@FUZZ
@given(text=format_texts)
def test_inline_speaker_parser(text):
    run(parse_inline_speakers, text)


@FUZZ
@given(text=format_texts | st.text(max_size=2000))
def test_plain_and_markdown_parsers(text):
    run(parse_plain, text)
    run(parse_markdown, text)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.sampled_from(
        ["segments", "text", "start", "end", "speaker", "words", "word", "punctuated_word", "results", "channels",
         "alternatives", "paragraphs", "sentences", "transcript", "utterances", "transcription", "timestamps",
         "from", "to", "meeting_transcripts", "content"]) | st.text(max_size=5), kids, max_size=6),
    max_leaves=40,
)  # fmt: skip


@FUZZ
@given(value=json_values)
def test_asr_json_parser_on_arbitrary_json(value):
    run(parse_asr_json, json.dumps(value))


segment = st.fixed_dictionaries(
    {"text": st.text(max_size=30) | st.integers()},
    optional={
        "start": st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
        "end": st.floats(allow_nan=True) | st.integers(),
        "speaker": st.sampled_from(["SPEAKER_00", "speaker 0", "A", ""]) | st.integers() | st.none(),
    },
)


@FUZZ
@given(segs=st.lists(segment, max_size=20), shape=st.sampled_from(["segments", "utterances", "list", "deepgram"]))
def test_asr_json_parser_on_transcript_shapes(segs, shape):
    if shape == "segments":
        value: object = {"segments": segs}
    elif shape == "utterances":
        value = {"utterances": segs}
    elif shape == "list":
        value = segs
    else:
        words = [{"word": s["text"], **{k: v for k, v in s.items() if k != "text"}} for s in segs]
        value = {"results": {"channels": [{"alternatives": [{"transcript": "x", "words": words}]}]}}
    run(parse_asr_json, json.dumps(value))


@FUZZ
@given(text=st.text(max_size=3000), bound=st.integers(min_value=1, max_value=500))
def test_chunks_are_bounded_ordered_and_cover_every_word(text, bound):
    spans = chunk_spans(text, 0, len(text), bound)
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text) and e - s <= bound
        assert text[s:e] == text[s:e].strip()
        prev = e
    # No non-whitespace character is lost between chunks.
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())
    assert bound != MAX_SEGMENT_CHARS or all(e - s <= MAX_SEGMENT_CHARS for s, e in spans)


clocks = st.builds(
    lambda h, m, s, ms, sep: f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
    st.integers(0, 2),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 999),
    st.sampled_from([".", ","]),
) | st.sampled_from(["00:1x.000", "99:99", "1:2:3", ""])
cue_text = st.lists(st.sampled_from(FRAGMENTS[20:60]) | st.text(max_size=15), min_size=0, max_size=4).map("".join)


@st.composite
def caption_files(draw) -> tuple[str, str]:
    fmt = draw(st.sampled_from(["vtt", "srt", "sbv"]))
    out = ["WEBVTT\nKind: captions\n\n" if fmt == "vtt" and draw(st.booleans()) else ""]
    for i in range(draw(st.integers(0, 8))):
        if fmt == "srt" or draw(st.booleans()):
            out.append(f"{i + 1}\n")
        a, b = draw(clocks), draw(clocks)
        out.append(
            f"{a[1:]},{b[1:]}\n" if fmt == "sbv" else f"{a} --> {b}{draw(st.sampled_from(['', ' align:start']))}\n"
        )
        out.append(draw(cue_text) + draw(st.sampled_from(["\n\n", "\n", "\n\n\n", ""])))
    return fmt, "".join(out)


@FUZZ
@given(case=caption_files())
def test_caption_files_with_corruptions(case):
    fmt, text = case
    run(lambda t: parse_cues(t, fmt), text)
    run(lambda t: parse_text(t, f"x.{fmt}"), text)


labels = st.sampled_from(
    ["Speaker A: ", "speaker a: ", "Hugo Bowne: ", "[00:00:05] Ann: ", "Bob (00:01:02): ", "Note: ", "", "Ann  0:12\n"]
)


@FUZZ
@given(turns=st.lists(st.tuples(labels, cue_text), max_size=15), inline=st.booleans())
def test_speaker_transcripts_built_from_turns(turns, inline):
    text = ("" if inline else "\n").join(
        f"{label}{words}" + (" [00:01:00] " if inline else "") for label, words in turns
    )
    run(parse_speaker_lines, text)
    run(parse_inline_speakers, text)
    run(lambda t: parse_text(t, "t.txt"), text)
