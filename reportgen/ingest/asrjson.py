"""ASR output as JSON: segment lists, Deepgram responses, and a few other common shapes.

Accepted shapes (checked in this order):
- Deepgram: `results.channels[0].alternatives[0]` with `paragraphs` (a segment per
  sentence, speaker per paragraph), else `results.utterances`, else `words` (grouped
  into segments at speaker changes, pauses and sentence ends), else `transcript`;
- segments: `{"segments": [{start, end, text, speaker?, words?}]}` (Whisper, WhisperX,
  faster-whisper) or a bare list of such objects;
- AssemblyAI-style `{"utterances": [{speaker, start, end, text}]}` (milliseconds);
- whisper.cpp `{"transcription": [{"timestamps": {"from", "to"}, "text"}]}`;
- QMSum-style meetings `{"meeting_transcripts": [{speaker, content}]}` (no times).
"""

from __future__ import annotations

import json
import re
from typing import Any

from reportgen.errors import MalformedSourceError, UnsupportedFormatError
from reportgen.ingest.build import TextBuilder
from reportgen.ingest.labels import SpeakerNames
from reportgen.ingest.segmenting import MAX_SEGMENT_CHARS, Parsed, chunk_spans
from reportgen.ingest.timecode import seconds_value

ACCEPTED = (
    'Deepgram ({"results": {"channels": [{"alternatives": [...]}]}}), '
    '{"segments": [{"start", "end", "text", "speaker"}]}, a list of such segments, '
    '{"utterances": [{"speaker", "start", "end", "text"}]}, '
    'whisper.cpp ({"transcription": [...]}) and {"meeting_transcripts": [{"speaker", "content"}]}'
)
JSON_START_RE = re.compile(r"^\s*(?:\{|\[\s*[\[{\"\]])")
_SENTENCE_END_RE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
PAUSE_SECONDS = 1.5


def looks_like_json(text: str) -> bool:
    return bool(JSON_START_RE.match(text[:64]))


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MalformedSourceError(
            f"this looks like JSON but is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}. "
            "Re-export the transcript, or check that the file was not cut short."
        ) from None
    except RecursionError:
        raise MalformedSourceError("this JSON is nested too deeply to read. Re-export the transcript.") from None


class _Out:
    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.builder = TextBuilder()
        self.names = SpeakerNames()
        self.warnings: list[str] = []
        self.skipped = 0

    def add(self, text: Any, start: Any = None, end: Any = None, speaker: Any = None, *, scale: float = 1.0) -> None:
        if not isinstance(text, str):
            if text is not None:
                self.skipped += 1
            return
        s, e = seconds_value(start, scale=scale), seconds_value(end, scale=scale)
        if s is not None and e is not None and e < s:
            e = s
        who = self.names(speaker) if isinstance(speaker, (str, int, float)) else None
        if len(text) <= MAX_SEGMENT_CHARS:
            self.builder.add(text, start=s, end=e, speaker=who)
            return
        for i, (a, b) in enumerate(chunk_spans(text, 0, len(text))):
            self.builder.add(text[a:b], start=s, end=e, speaker=who, sep="\n" if i == 0 else " ")

    def parsed(self, meta: dict[str, Any]) -> Parsed:
        if self.skipped:
            self.warnings.append(f"{self.skipped} entries had no usable text and were skipped.")
        if not self.builder.segments:
            raise MalformedSourceError(
                f"this {self.fmt} JSON has the expected shape but no transcript text in it. "
                "Check that the transcription finished, or upload another export."
            )
        return Parsed(self.builder, self.fmt, "transcript", self.warnings, meta)


def parse_asr_json(text: str) -> Parsed:
    data = load_json(text)
    if isinstance(data, dict):
        results = data.get("results")
        if isinstance(results, dict) and isinstance(results.get("channels"), list):
            return _deepgram(results)
        if isinstance(data.get("segments"), list):
            return _segments(data["segments"], "asr-json")
        if isinstance(data.get("utterances"), list):
            return _utterances(data["utterances"])
        if isinstance(data.get("transcription"), list):
            return _whisper_cpp(data["transcription"])
        if isinstance(data.get("meeting_transcripts"), list):
            return _meeting(data["meeting_transcripts"])
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        if any("text" in x for x in data):
            return _segments(data, "asr-json")
        if any("content" in x for x in data):
            return _meeting(data)
    raise UnsupportedFormatError(
        f"this JSON is not a transcript shape reportgen knows. Accepted: {ACCEPTED}. "
        "Convert it to one of these, or to WebVTT/SRT."
    )


def _dicts(items: list[Any]) -> list[dict[str, Any]]:
    return [x for x in items if isinstance(x, dict)]


def _segments(items: list[Any], fmt: str) -> Parsed:
    out = _Out(fmt)
    for seg in _dicts(items):
        text = seg.get("text")
        if not isinstance(text, str) and isinstance(seg.get("words"), list):
            text = " ".join(str(w.get("word", "")).strip() for w in _dicts(seg["words"]))
        out.add(text, seg.get("start"), seg.get("end"), seg.get("speaker"))
    return out.parsed({"entries": len(items)})


def _utterances(items: list[Any]) -> Parsed:
    out = _Out("asr-json")
    dicts = _dicts(items)
    # AssemblyAI gives milliseconds (integers); Deepgram-like dumps give seconds (floats).
    ints = [start for u in dicts if isinstance(start := u.get("start"), int)]
    scale = 0.001 if ints and len(ints) == len(dicts) and max(ints, default=0) > 10_000 else 1.0
    for u in dicts:
        speaker = u.get("speaker")
        if isinstance(speaker, str) and len(speaker.strip()) == 1:
            speaker = f"Speaker {speaker.strip()}"
        out.add(u.get("text", u.get("transcript")), u.get("start"), u.get("end"), speaker, scale=scale)
    return out.parsed({"entries": len(items)})


def _whisper_cpp(items: list[Any]) -> Parsed:
    out = _Out("asr-json")
    for seg in _dicts(items):
        ts = seg.get("timestamps")
        if not isinstance(ts, dict):
            ts = {}
        out.add(seg.get("text"), ts.get("from"), ts.get("to"), seg.get("speaker"))
    return out.parsed({"entries": len(items)})


def _meeting(items: list[Any]) -> Parsed:
    out = _Out("asr-json")
    for turn in _dicts(items):
        out.add(turn.get("content", turn.get("text")), None, None, turn.get("speaker"))
    return out.parsed({"entries": len(items), "timed": False})


def _deepgram(results: dict[str, Any]) -> Parsed:
    out = _Out("deepgram")
    channels = results.get("channels") or []
    alt: dict[str, Any] = {}
    if channels and isinstance(channels[0], dict):
        alts = channels[0].get("alternatives") or []
        if isinstance(alts, list) and alts and isinstance(alts[0], dict):
            alt = alts[0]
    paragraphs = alt.get("paragraphs")
    paras = paragraphs.get("paragraphs") if isinstance(paragraphs, dict) else None
    utterances = results.get("utterances")
    words = alt.get("words")
    if isinstance(paras, list) and paras:
        for para in _dicts(paras):
            speaker = para.get("speaker")
            sentences = para.get("sentences")
            if isinstance(sentences, list) and sentences:
                for sent in _dicts(sentences):
                    out.add(sent.get("text"), sent.get("start"), sent.get("end"), speaker)
            else:
                out.add(para.get("text"), para.get("start"), para.get("end"), speaker)
        source = "paragraphs"
    elif isinstance(utterances, list) and utterances:
        for u in _dicts(utterances):
            out.add(u.get("transcript"), u.get("start"), u.get("end"), u.get("speaker"))
        source = "utterances"
    elif isinstance(words, list) and words:
        _deepgram_words(out, _dicts(words))
        source = "words"
    else:
        transcript = alt.get("transcript")
        if isinstance(transcript, str):
            for a, b in chunk_spans(transcript, 0, len(transcript)):
                out.builder.add(transcript[a:b], sep=" ")
        source = "transcript"
        if out.builder.segments:
            out.warnings.append("Deepgram result has only a transcript (no words or paragraphs): no timestamps.")
    return out.parsed({"deepgram_source": source})


def _deepgram_words(out: _Out, words: list[dict[str, Any]]) -> None:
    """Group words into segments: a new one at a speaker change, a long pause or a full sentence."""
    group: list[str] = []
    g_start: Any = None
    g_end: Any = None
    g_speaker: Any = None
    length = 0

    def flush() -> None:
        nonlocal group, length
        if group:
            out.add(" ".join(group), g_start, g_end, g_speaker)
        group, length = [], 0

    for w in words:
        token = w.get("punctuated_word", w.get("word"))
        if not isinstance(token, str) or not token.strip():
            continue
        token = token.strip()
        start, end, speaker = w.get("start"), w.get("end"), w.get("speaker")
        if group:
            s, prev_end = seconds_value(start), seconds_value(g_end)
            pause = s is not None and prev_end is not None and s - prev_end > PAUSE_SECONDS
            if speaker != g_speaker or pause or length + len(token) + 1 > MAX_SEGMENT_CHARS:
                flush()
        if not group:
            g_start, g_speaker = start, speaker
        group.append(token)
        length += len(token) + 1
        g_end = end
        if _SENTENCE_END_RE.search(token) and length > 40:
            flush()
    flush()
