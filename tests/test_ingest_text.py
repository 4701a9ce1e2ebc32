"""Text and transcript ingestion: every text format, its malformed variants, decoding, speakers, noise.

Fixtures are written here, inline, in the shapes real tools export.
"""

from __future__ import annotations

import json

import pytest

from reportgen.errors import EmptySourceError, IngestError, MalformedSourceError, UnsupportedFormatError
from reportgen.ingest import ingest
from reportgen.ingest.decode import decode_bytes
from reportgen.ingest.labels import SpeakerNames, looks_like_name
from reportgen.ingest.segmenting import MAX_SEGMENT_CHARS
from reportgen.ingest.text import parse_text_bytes, sniff_text
from reportgen.models import Document


def check(doc: Document) -> Document:
    """The contract every parser keeps: located, ordered, non-overlapping segments."""
    assert doc.segments, "a parsed document has segments"
    prev_end = 0
    for i, seg in enumerate(doc.segments):
        assert seg.id == i
        assert doc.text[seg.char_start : seg.char_end] == seg.text
        assert seg.text == seg.text.strip() and seg.text
        assert seg.char_start >= prev_end
        prev_end = seg.char_end
    return doc


def parse(data: str | bytes, filename: str = "upload.txt") -> Document:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    (doc,) = ingest(raw, filename)
    return check(doc)


def rows(doc: Document) -> list[tuple[float | None, float | None, str | None, str]]:
    return [(s.start, s.end, s.speaker, s.text) for s in doc.segments]


# --------------------------------------------------------------------------- WebVTT

VTT = """\ufeffWEBVTT - Quarterly review
Kind: captions
Language: en

NOTE
Exported from the meeting tool.
Two lines of note.

STYLE
::cue { color: white; }

REGION
id:fred width:40%

intro
00:01.000 --> 00:04.500 align:start position:10%
<v Roger Bingham>We are in New York City</v>

2
00:00:04.500 --> 00:00:08.000 line:0
<v.loud Neil deGrasse Tyson>Revenue grew <i>12%</i> &amp; margins held.
<v roger  bingham><c.yellow>Good</c> <00:00:07.000>news.

00:00:08.000 --> 00:00:09.000
[Music]

1:00:08.000 --> 1:00:10.250
<v Neil deGrasse Tyson>An hour later.
"""


def test_vtt_voices_settings_blocks_and_tags():
    doc = parse(VTT, "review.vtt")
    assert (doc.format, doc.kind) == ("vtt", "transcript")
    assert rows(doc) == [
        (1.0, 4.5, "Roger Bingham", "We are in New York City"),
        (4.5, 8.0, "Neil deGrasse Tyson", "Revenue grew 12% & margins held."),
        (4.5, 8.0, "Roger Bingham", "Good news."),
        (8.0, 9.0, None, "[Music]"),
        (3608.0, 3610.25, "Neil deGrasse Tyson", "An hour later."),
    ]
    assert "Exported" not in doc.text and "::cue" not in doc.text and "-->" not in doc.text
    assert doc.speakers == ["Roger Bingham", "Neil deGrasse Tyson"]
    assert doc.duration == 3610.25
    (noise,) = doc.noise_spans
    assert doc.text[noise[0] : noise[1]] == "[Music]"
    assert doc.media_type == "text/vtt" and not doc.warnings


def test_vtt_youtube_autocaptions_without_blank_lines():
    text = (
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:04:46.070 --> 00:04:46.470 align:start position:0%\nyeah\n"
        "00:04:46.470 --> 00:05:04.080 align:start position:0%\n"
        "this<00:04:47.199><c> will</c><c.colorE5E5E5><00:04:47.379><c> happen</c></c>\n"
    )
    doc = parse(text, "auto.vtt")
    assert rows(doc) == [(286.07, 286.47, None, "yeah"), (286.47, 304.08, None, "this will happen")]


def test_vtt_dialogue_dashes_split_into_turns():
    doc = parse("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n- Tea?\n- No, thanks.\n", "x.vtt")
    assert [s.text for s in doc.segments] == ["- Tea?", "- No, thanks."]


def test_vtt_malformed_cues_are_skipped_with_warnings():
    text = (
        "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nFirst.\n\n"
        "00:00:02.000 --> 00:00:0x.000\nBroken timing.\n\n"
        "00:00:04.000 --> 00:00:05.000\n\n"
        "Stray text without timing.\n\n"
        "00:00:06.000 --> 00:00:07.000\nLast.\n"
    )
    doc = parse(text, "broken.vtt")
    assert [s.text for s in doc.segments] == ["First.", "Last."]
    assert len(doc.warnings) == 3
    assert any("line 6" in w and "timing" in w for w in doc.warnings)


def test_vtt_without_header_is_read_with_a_warning():
    doc = parse("00:00:00.500 --> 00:00:07.000\nCaption one\n\n00:00:07.000 --> 00:00:09.000\nTwo\n", "a.vtt")
    assert doc.format == "vtt" and len(doc.segments) == 2
    assert any("WEBVTT" in w for w in doc.warnings)


@pytest.mark.parametrize(
    "text", ["WEBVTT\n", "WEBVTT\n\nNOTE only a note\n", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n"]
)
def test_vtt_without_any_cue_is_malformed(text):
    with pytest.raises(MalformedSourceError, match="no readable VTT cue"):
        parse(text, "none.vtt")


def test_vtt_consistent_name_prefixes_become_speakers():
    cues = [("Hugo Bowne", "Welcome."), ("Jason", "Thanks for having me."), (None, "Really."), ("hugo bowne", "So.")]
    body = "".join(
        f"{i + 1}\n00:00:0{i}.000 --> 00:00:0{i + 1}.000\n{(who + ': ') if who else ''}{text}\n\n"
        for i, (who, text) in enumerate(cues)
    )
    doc = parse("WEBVTT\n\n" + body, "zoom.vtt")
    assert [s.speaker for s in doc.segments] == ["Hugo Bowne", "Jason", "Jason", "Hugo Bowne"]
    assert doc.segments[0].text == "Welcome."


# --------------------------------------------------------------------------- SRT / SBV

SRT = """1
00:00:00,500 --> 00:00:02,000
<i>Hello</i> there,
general.

2
00:00:02.000 --> 00:00:04,250
{\\an8}Dot and comma millis.

3
00:01:02,000 --> 00:01:03,000
(laughing) Right.
"""


def test_srt_numbering_millis_tags_and_noise():
    doc = parse(SRT, "film.srt")
    assert doc.format == "srt"
    assert rows(doc) == [
        (0.5, 2.0, None, "Hello there, general."),
        (2.0, 4.25, None, "Dot and comma millis."),
        (62.0, 63.0, None, "(laughing) Right."),
    ]
    assert [doc.text[a:b] for a, b in doc.noise_spans] == ["(laughing)"]


def test_srt_sniffed_from_content_not_extension():
    assert parse(SRT, "notes.txt").format == "srt"
    assert sniff_text(SRT, "") == "srt"


def test_srt_missing_timing_and_text_warn_per_cue():
    text = (
        "1\n00:00:00,500 --> 00:00:07,000\nOne\n\n2\nTwo without timing\n\n"
        "3\n00:00:11,890 --> 00:00:16,320\n\n\n4\n00:00:16,320 --> 00:00:21,580\nFour\n"
    )
    doc = parse(text, "x.srt")
    assert [s.text for s in doc.segments] == ["One", "Four"]
    assert len(doc.warnings) == 2


@pytest.mark.parametrize("text", ["1", "some text", "1\nsome text"])
def test_srt_extension_without_cues_is_malformed(text):
    with pytest.raises(MalformedSourceError, match=r"\.srt file has no caption cues"):
        parse(text, "broken.srt")


def test_srt_timing_without_text_is_malformed():
    with pytest.raises(MalformedSourceError, match="no readable SRT cue"):
        parse("some text\n00:00:00,500 --> 00:00:07,000", "x.srt")


SBV = (
    "0:00:00.378,0:00:11.378\nCaption one\n\n0:00:13.f89,0:00:15.489\nbroken\n\n"
    "0:00:17.484,0:00:19.543\nLine 1\nLine 2\n"
)


def test_sbv_parses_and_skips_broken_timing():
    doc = parse(SBV, "yt.sbv")
    assert doc.format == "sbv"
    assert rows(doc) == [(0.378, 11.378, None, "Caption one"), (17.484, 19.543, None, "Line 1 Line 2")]
    assert len(doc.warnings) == 1 and "0:00:13.f89" in doc.warnings[0]


def test_sbv_without_cues_is_malformed():
    with pytest.raises(MalformedSourceError, match="0:00:01.000,0:00:04.000"):
        parse("some text", "x.sbv")


# --------------------------------------------------------------------------- whisper.cpp

WHISPER = """[00:00:00.000 --> 00:00:01.080]   Hey, everyone.
[00:00:01.080 --> 00:00:02.960]   Welcome to the podcast where we
[00:00:02.960 --> 00:00:06.640]   talk about models.
[00:23:34.140 --> 00:23:36.300]   MARK MANDEL: Two Lews, Jason Lew and Jerry Lew.
[00:23:36.300 --> 00:23:37.720]   - Yeah, yeah. - Right.
[00:23:37.720 --> 00:23:38.000]   [BLANK_AUDIO]
[01:02:03.500 --> 01:02:04.000]   Bye.
"""


def test_whisper_lines_keep_text_and_invent_no_speakers():
    doc = parse(WHISPER, "episode.txt")
    assert (doc.format, doc.kind) == ("whisper", "transcript")
    assert len(doc.segments) == 7 and doc.speakers == []
    assert doc.segments[3].text == "MARK MANDEL: Two Lews, Jason Lew and Jerry Lew."
    assert (doc.segments[-1].start, doc.segments[-1].end) == (3723.5, 3724.0)
    assert [doc.text[a:b] for a, b in doc.noise_spans] == ["[BLANK_AUDIO]"]


def test_whisper_with_diarised_prefixes_on_most_lines():
    lines = [("SPEAKER_00", "Hello."), ("SPEAKER_01", "Hi."), ("SPEAKER_00", "How are you?"), ("speaker 1", "Fine.")]
    text = "".join(f"[00:00:0{i}.000 --> 00:00:0{i + 1}.000]  {w}: {t}\n" for i, (w, t) in enumerate(lines))
    doc = parse(text, "d.txt")
    assert [s.speaker for s in doc.segments] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_01"]
    assert doc.segments[2].text == "How are you?"


# --------------------------------------------------------------------------- ASR JSON


def test_segments_json_with_speakers_words_and_bad_entries():
    data = {
        "language": "en",
        "segments": [
            {"start": 0.0, "end": 2.5, "text": " Welcome back.", "speaker": "SPEAKER_00", "words": []},
            {
                "start": "00:00:02,500",
                "end": 4.0,
                "speaker": "SPEAKER_01",
                "words": [{"word": "Thanks"}, {"word": "!"}],
            },
            {"start": 4.0, "end": 3.0, "text": "End before start.", "speaker": "speaker_00"},
            {"start": 5, "end": 6, "text": 42},
            "not an object",
        ],
    }
    doc = parse(json.dumps(data), "t.json")
    assert (doc.format, doc.kind) == ("asr-json", "transcript")
    assert rows(doc) == [
        (0.0, 2.5, "SPEAKER_00", "Welcome back."),
        (2.5, 4.0, "SPEAKER_01", "Thanks !"),
        (4.0, 4.0, "SPEAKER_00", "End before start."),
    ]
    assert doc.warnings


def test_bare_list_and_whisper_cpp_and_assemblyai_shapes():
    doc = parse(json.dumps([{"start": 1, "end": 2, "text": "one"}]), "l.json")
    assert rows(doc) == [(1.0, 2.0, None, "one")]
    cpp = {"transcription": [{"timestamps": {"from": "00:00:01,000", "to": "00:00:02,500"}, "text": " hi"}]}
    assert rows(parse(json.dumps(cpp), "c.json")) == [(1.0, 2.5, None, "hi")]
    aai = {
        "utterances": [
            {"speaker": "A", "start": 12000, "end": 15500, "text": "Hello."},
            {"speaker": "B", "start": 16000, "end": 17000, "text": "Hi."},
        ]
    }
    assert rows(parse(json.dumps(aai), "a.json")) == [
        (12.0, 15.5, "Speaker A", "Hello."),
        (16.0, 17.0, "Speaker B", "Hi."),
    ]


def test_meeting_transcripts_json_has_speakers_without_times():
    data = {
        "meeting_transcripts": [
            {"speaker": "Project Manager", "content": "OK , we 're on . {vocalsound}"},
            {"speaker": "Marketing", "content": "Check one ."},
        ]
    }
    doc = parse(json.dumps(data), "ES2006a.json")
    assert doc.format == "asr-json" and doc.speakers == ["Project Manager", "Marketing"]
    assert doc.duration is None
    assert [doc.text[a:b] for a, b in doc.noise_spans] == ["{vocalsound}"]


def _deepgram(alt: dict, **results) -> str:
    return json.dumps({"metadata": {"duration": 10}, "results": {"channels": [{"alternatives": [alt]}], **results}})


def test_deepgram_paragraphs_give_sentences_with_speakers():
    alt = {
        "transcript": "hello there how are you fine",
        "words": [{"word": "hello", "start": 0.1, "end": 0.4, "speaker": 0}],
        "paragraphs": {
            "paragraphs": [
                {
                    "speaker": 0,
                    "start": 0.1,
                    "end": 2.0,
                    "sentences": [
                        {"text": "Hello there.", "start": 0.1, "end": 0.9},
                        {"text": "How are you?", "start": 1.0, "end": 2.0},
                    ],
                },
                {"speaker": 1, "start": 2.5, "end": 3.0, "sentences": [{"text": "Fine.", "start": 2.5, "end": 3.0}]},
            ]
        },
    }
    doc = parse(_deepgram(alt), "dg.json")
    assert doc.format == "deepgram"
    assert rows(doc) == [
        (0.1, 0.9, "Speaker 0", "Hello there."),
        (1.0, 2.0, "Speaker 0", "How are you?"),
        (2.5, 3.0, "Speaker 1", "Fine."),
    ]


def test_deepgram_words_grouped_by_speaker_and_pause():
    words = [
        {"word": "so", "punctuated_word": "So", "start": 0.0, "end": 0.2, "speaker": 0},
        {"word": "yes", "punctuated_word": "yes.", "start": 0.3, "end": 0.5, "speaker": 0},
        {"word": "okay", "punctuated_word": "Okay", "start": 0.6, "end": 0.9, "speaker": 1},
        {"word": "later", "punctuated_word": "later", "start": 5.0, "end": 5.4, "speaker": 1},
    ]
    doc = parse(_deepgram({"transcript": "so yes okay later", "words": words}), "dg.json")
    assert rows(doc) == [
        (0.0, 0.5, "Speaker 0", "So yes."),
        (0.6, 0.9, "Speaker 1", "Okay"),
        (5.0, 5.4, "Speaker 1", "later"),
    ]


def test_deepgram_transcript_only_is_untimed_and_warned():
    long = " ".join(["word"] * 300)
    doc = parse(_deepgram({"transcript": long}), "dg.json")
    assert doc.duration is None and all(len(s.text) <= MAX_SEGMENT_CHARS for s in doc.segments)
    assert doc.warnings


def test_deepgram_utterances_used_when_no_paragraphs():
    utts = [
        {"start": 1.0, "end": 2.0, "speaker": 2, "transcript": "First."},
        {"start": 2, "end": 3, "speaker": 2, "transcript": "Second."},
    ]
    doc = parse(_deepgram({"transcript": "First. Second."}, utterances=utts), "dg.json")
    assert rows(doc) == [(1.0, 2.0, "Speaker 2", "First."), (2.0, 3.0, "Speaker 2", "Second.")]


@pytest.mark.parametrize("text", ['{"segments": [{"start": 0, "text": "hi"}', "[{]", '{"a": 1,}'])
def test_invalid_json_is_malformed(text):
    with pytest.raises(MalformedSourceError, match="not valid JSON"):
        parse(text, "t.json")


@pytest.mark.parametrize("value", [{"foo": [1, 2]}, [1, 2, 3], {"results": {"foo": 1}}, [[]]])
def test_unknown_json_shape_names_accepted_shapes(value):
    with pytest.raises(UnsupportedFormatError, match="meeting_transcripts"):
        parse(json.dumps(value), "t.json")


def test_known_json_shape_without_text_is_malformed():
    with pytest.raises(MalformedSourceError, match="no transcript text"):
        parse(json.dumps({"segments": [{"start": 1}]}), "t.json")


def test_deeply_nested_json_is_a_clear_error():
    with pytest.raises(IngestError):
        parse("[" * 100_000 + "]" * 100_000, "deep.json")


# --------------------------------------------------------------------------- speaker lines

SPEAKER_LINES = """Interview with Jason, recorded 3 March.
Note: audio was poor in places.

Speaker A: Welcome to the show. The reason is: we wanted to talk.
See https://example.com/notes at 10:30: bring coffee.
Speaker B: Thanks for having me.
speaker a: Let's start.
"""


def test_speaker_lines_with_prose_colons_and_continuations():
    doc = parse(SPEAKER_LINES, "call.txt")
    assert (doc.format, doc.kind) == ("speaker-lines", "transcript")
    assert doc.speakers == ["Speaker A", "Speaker B"]
    assert rows(doc) == [
        (None, None, None, "Interview with Jason, recorded 3 March.\nNote: audio was poor in places."),
        (
            None,
            None,
            "Speaker A",
            "Welcome to the show. The reason is: we wanted to talk.\n"
            "See https://example.com/notes at 10:30: bring coffee.",
        ),
        (None, None, "Speaker B", "Thanks for having me."),
        (None, None, "Speaker A", "Let's start."),
    ]
    assert doc.text == SPEAKER_LINES  # the file as written; labels stay between segments


def test_speaker_lines_with_every_timestamp_layout():
    text = (
        "[00:00:05] Alice Smith: Hi Bob.\n"
        "Bob (00:00:07): Hi Alice.\n"
        "00:00:10 Alice Smith: Good.\n"
        "Bob [00:01:02.5]: Great.\n"
        "Bob: No time here.\n"
    )
    doc = parse(text)
    assert rows(doc) == [
        (5.0, None, "Alice Smith", "Hi Bob."),
        (7.0, None, "Bob", "Hi Alice."),
        (10.0, None, "Alice Smith", "Good."),
        (62.5, None, "Bob", "Great."),
        (None, None, "Bob", "No time here."),
    ]


def test_header_line_above_each_turn():
    text = (
        "Hugo Bowne  0:00\nWelcome to the show.\nIt is great.\n\n"
        "Jason Liu  0:12\nThanks.\n\nhugo bowne  1:02:03\nMore.\n"
    )
    doc = parse(text, "otter.txt")
    assert doc.format == "speaker-lines"
    assert rows(doc) == [
        (0.0, None, "Hugo Bowne", "Welcome to the show.\nIt is great."),
        (12.0, None, "Jason Liu", "Thanks."),
        (3723.0, None, "Hugo Bowne", "More."),
    ]


def test_bare_timestamp_lines_above_turns_and_name_alone():
    text = "Alice:\nFirst point.\n\nBob:\nSecond point.\n\n[00:02:00]\nStill Bob.\n\nAlice:\nDone.\n"
    doc = parse(text)
    assert rows(doc) == [
        (None, None, "Alice", "First point."),
        (None, None, "Bob", "Second point."),
        (120.0, None, "Bob", "Still Bob."),
        (None, None, "Alice", "Done."),
    ]


def test_long_turns_are_cut_at_sentences():
    turn = " ".join(f"Sentence number {i} is here." for i in range(100))
    doc = parse(f"Speaker A: {turn}\nSpeaker B: Short.\n")
    a = [s for s in doc.segments if s.speaker == "Speaker A"]
    assert len(a) > 3 and all(len(s.text) <= MAX_SEGMENT_CHARS and s.text.endswith(".") for s in a)


def test_prose_with_colons_stays_plain():
    text = "Note: the meeting moved.\nThe reason is: budget.\nAgenda: review.\nWe met at 10:30: all good.\n"
    doc = parse(text)
    assert doc.format == "plain" and doc.speakers == []


# --------------------------------------------------------------------------- inline speakers

INLINE = (
    "hugo: [00:00:00] So let's jump in. Today I'm here with Jason, and the reason is: he builds tools. "
    "jason: Cool. So I started at Stitch Fix [00:01:10] and it was a great time. Note: nothing here. "
    "hugo: [00:02:05] That's great. Hugo: Yes [00:03:00] more. JASON: Bye."
)


def test_inline_speakers_split_at_labels_with_marker_times():
    doc = parse(INLINE, "podcast.txt")
    assert (doc.format, doc.kind) == ("inline-speakers", "transcript")
    assert doc.text == INLINE
    assert doc.speakers == ["hugo", "jason"]
    got = [(s.start, s.speaker, s.text) for s in doc.segments]
    assert got == [
        (0.0, "hugo", "So let's jump in. Today I'm here with Jason, and the reason is: he builds tools."),
        (0.0, "jason", "Cool. So I started at Stitch Fix"),
        (70.0, "jason", "and it was a great time. Note: nothing here."),
        (125.0, "hugo", "That's great."),
        (125.0, "hugo", "Yes"),
        (180.0, "hugo", "more."),
        (180.0, "jason", "Bye."),
    ]


def test_inline_multiword_labels_and_long_turns():
    words = " ".join(f"word{i}" for i in range(500))
    text = f"Hugo Bowne: [00:00:00] {words} Jason Liu: [00:05:00] ok then. Hugo Bowne: bye."
    doc = parse(text)
    assert doc.format == "inline-speakers"
    assert doc.speakers == ["Hugo Bowne", "Jason Liu"]
    assert all(len(s.text) <= MAX_SEGMENT_CHARS for s in doc.segments)
    assert doc.segments[-1].speaker == "Hugo Bowne" and doc.segments[-1].start == 300.0


# --------------------------------------------------------------------------- plain / markdown


def test_plain_paragraphs_and_bounded_unpunctuated_line():
    captions = " ".join(["so we went to the store and then we bought some things"] * 3000)  # ~165 KB, no punctuation
    text = "First paragraph.\n\nSecond one, short.\n\n" + captions
    doc = parse(text, "captions.txt")
    assert (doc.format, doc.kind) == ("plain", "text")
    assert doc.text == text
    assert [s.text for s in doc.segments[:2]] == ["First paragraph.", "Second one, short."]
    rest = doc.segments[2:]
    assert all(len(s.text) <= MAX_SEGMENT_CHARS for s in rest) and len(rest) > 400
    assert all(not s.text.startswith(("o ", "e ")) for s in rest)  # cut at word boundaries
    assert " ".join(s.text for s in rest) == captions


def test_markdown_blocks_keep_text_as_written():
    md = (
        "# Findings\n\nRevenue **grew** 12%.\nMargins held.\n\n- first item\n  continued\n- [link](http://x)\n\n"
        "| a | b |\n|---|---|\n\n```\ncode\n\nmore\n```\n"
    )
    doc = parse(md, "notes.md")
    assert (doc.format, doc.kind) == ("markdown", "text")
    assert doc.text == md
    assert [s.text for s in doc.segments] == [
        "# Findings",
        "Revenue **grew** 12%.\nMargins held.",
        "- first item\n  continued",
        "- [link](http://x)",
        "| a | b |",
        "|---|---|",
        "```\ncode\n\nmore\n```",
    ]


def test_markdown_extension_breaks_the_tie():
    text = "# Title\n\nJust a paragraph.\n"
    assert parse(text, "a.md").format == "markdown"
    assert parse(text, "a.txt").format == "plain"


# --------------------------------------------------------------------------- decoding


def test_utf16_with_bom_both_endians_and_without_bom():
    text = "Speaker A: Café résumé – “quoted”.\nSpeaker B: Ja, natürlich.\n"
    for enc in ("utf-16", "utf-16-be", "utf-16-le"):
        data = text.encode(enc)
        if enc == "utf-16-be":
            data = b"\xfe\xff" + data
        doc = parse(data, "t.txt")
        assert doc.segments[0].text == "Café résumé – “quoted”." and doc.format == "speaker-lines"
    assert decode_bytes(text.encode("utf-16-le"))[0] == text  # no BOM: told by the NUL pattern


def test_utf8_bom_cp1252_and_crlf():
    assert decode_bytes(b"\xef\xbb\xbfhello\r\nworld\r") == ("hello\nworld\n", "utf-8")
    text, enc = decode_bytes("He said “café” – €5…".encode("cp1252"))
    assert (text, enc) == ("He said “café” – €5…", "cp1252")
    doc = parse("WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nNaïve “text”\r\n".encode("cp1252"), "w.vtt")
    assert doc.segments[0].text == "Naïve “text”" and doc.meta["encoding"] == "cp1252"


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 4, b"\x00\x01\x02\x03" * 500, b"abc\x00\x00\x00def\x00\x00" * 100, b"\x07\x08\x0e\x0f" * 300],
)
def test_binary_is_refused_with_guidance(data):
    with pytest.raises(UnsupportedFormatError, match="binary file"):
        parse_text_bytes(data, "blob.bin")


@pytest.mark.parametrize("data", [b"   \n\n\t", "\u200b\n".encode(), b"WEBVTT\n\n"])
def test_blank_inputs_are_clear_errors(data):
    with pytest.raises(IngestError):
        parse(data, "blank.txt")


def test_empty_after_decoding_is_empty_source():
    with pytest.raises(EmptySourceError):
        parse_text_bytes("\u3000\u2028".encode(), "blank.txt")


# --------------------------------------------------------------------------- speakers, identity


def test_speaker_names_one_label_per_person():
    names = SpeakerNames()
    got = [
        names(x)
        for x in ["SPEAKER_00", "speaker 0", "Speaker-00", " Hugo   Bowne ", "hugo bowne", "Speaker A", "speaker a", 1]
    ]
    assert got == [
        "SPEAKER_00",
        "SPEAKER_00",
        "SPEAKER_00",
        "Hugo Bowne",
        "Hugo Bowne",
        "Speaker A",
        "Speaker A",
        "Speaker 1",
    ]
    assert names.labels == ["SPEAKER_00", "Hugo Bowne", "Speaker A", "Speaker 1"]


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("Speaker A", True),
        ("Dr. Jane O'Neil", True),
        ("SPEAKER_01", True),
        ("hugo", True),
        ("Note", False),
        ("The reason is", False),
        ("https", False),
        ("10", False),
        ("So I told him that", False),
        ("Summary", False),
    ],
)
def test_label_shape(label, ok):
    assert looks_like_name(label) is ok


def test_same_bytes_same_document_id_and_sha():
    a, b = parse(SRT, "x.srt"), parse(SRT, "x.srt")
    assert a.id == b.id and a.sha256 == b.sha256 and a.id.startswith("doc_")


def test_rev_style_header_with_timestamp_and_colon():
    text = (
        "Speaker 1 (00:00):\nWelcome everyone.\n\n"
        "Speaker 2 (00:05):\nThanks.\nMore from two.\n\nSpeaker 1 (01:10):\nOK.\n"
    )
    assert rows(parse(text, "rev.txt")) == [
        (0.0, None, "Speaker 1", "Welcome everyone."),
        (5.0, None, "Speaker 2", "Thanks.\nMore from two."),
        (70.0, None, "Speaker 1", "OK."),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"ab: " * 50_000,
        b"[00:00 " * 30_000,
        b"[a](" * 50_000,
        b"Aa Bb Cc: \n" * 20_000,
        b"<v " * 60_000,
        b"a:" * 100_000,
    ],
    ids=["labels", "markers", "links", "label-lines", "voice-tags", "colons"],
)
def test_hostile_inputs_parse_in_linear_time(data):
    """~200 KB of pathological input: a quadratic regex or loop would take minutes here. The bound is a
    guard against that catastrophe (20x the normal time), not a speed target: those live in bench/."""
    import time

    for name in ("x.txt", "x.vtt", "x.md"):
        t = time.perf_counter()
        try:
            check(parse_text_bytes(data, name))
        except IngestError:
            pass
        assert time.perf_counter() - t < 20.0


# -- locators of plain text and Markdown: line and paragraph --------------------------------------


def test_plain_text_segments_carry_line_and_paragraph() -> None:
    text = "Title line\n\nFirst paragraph has words.\nIt wraps onto a second line.\n\n\nSecond paragraph here.\n"
    doc = parse(text, "notes.txt")
    assert [(s.line, s.paragraph) for s in doc.segments] == [(1, 1), (3, 2), (7, 3)]
    for s in doc.segments:
        assert text.split("\n")[s.line - 1] == s.text.split("\n")[0]


def test_leading_blank_lines_count_lines_but_no_paragraph() -> None:
    doc = parse("\n\n\nOnly paragraph.\n", "notes.txt")
    assert [(s.line, s.paragraph) for s in doc.segments] == [(4, 1)]


def test_long_paragraph_chunks_keep_their_own_lines() -> None:
    lines = [f"Sentence number {i} talks about the budget of the project in some detail." for i in range(30)]
    doc = parse("Intro.\n\n" + "\n".join(lines) + "\n", "notes.txt")
    assert len(doc.segments) > 3  # the paragraph is longer than one segment
    assert {s.paragraph for s in doc.segments[1:]} == {2}
    for s in doc.segments[1:]:
        assert lines[s.line - 3].startswith(s.text[:20])


def test_markdown_blocks_carry_line_and_paragraph() -> None:
    text = "# Head\n\nSome paragraph text here.\n\n- bullet a is here\n- bullet b is there\n\n| a | b |\n"
    doc = parse(text, "notes.md")
    assert doc.format == "markdown"
    assert [(s.line, s.paragraph) for s in doc.segments] == [(1, 1), (3, 2), (5, 3), (6, 3), (8, 4)]


def test_transcripts_have_no_line_locator() -> None:
    doc = parse("[00:00:01.000 --> 00:00:02.000]   Hello there.\n", "a.txt")
    assert doc.segments[0].line is None and doc.segments[0].paragraph is None


def test_rolling_youtube_captions_keep_each_line_once():
    text = (
        "WEBVTT\nKind: captions\nLanguage: en\n\n"
        "00:00:01.000 --> 00:00:03.000 align:start position:0%\nso today we\n\n"
        "00:00:03.000 --> 00:00:03.010 align:start position:0%\nso today we\n \n\n"
        "00:00:03.010 --> 00:00:05.000 align:start position:0%\nso today we\n"
        "talk<00:00:03.500><c> about</c><00:00:04.000><c> pricing</c>\n\n"
        "00:00:05.000 --> 00:00:05.010 align:start position:0%\ntalk about pricing\n \n\n"
        "00:00:05.010 --> 00:00:07.000 align:start position:0%\ntalk about pricing\nand the plan\n"
    )
    doc = parse(text, "auto.vtt")
    assert [s.text for s in doc.segments] == ["so today we", "talk about pricing", "and the plan"]
    assert [s.start for s in doc.segments] == [1.0, 3.01, 5.01]


def test_repeated_lines_in_ordinary_captions_are_kept():
    cues = "".join(f"00:00:0{i}.000 --> 00:00:0{i}.900\n{t}\n\n" for i, t in
                   enumerate(["Yeah.", "Yeah.", "So what now?", "We ship it.", "Good.", "Then lunch."]))
    doc = parse("WEBVTT\n\n" + cues, "x.vtt")
    assert [s.text for s in doc.segments][:2] == ["Yeah.", "Yeah."]
