"""Every text format: decode the bytes, sniff the format from the content, parse, build.

`ingest_bytes` calls `parse_text_bytes` for anything that is not PDF, DOCX or ZIP. The
content decides the format; the extension only breaks ties (Markdown vs plain text, a
headerless WebVTT vs SRT) and turns "a caption file without any cue" into a clear error
rather than a one-line plain-text document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath

from reportgen.errors import IngestError, MalformedSourceError, TooLargeError
from reportgen.ingest.asrjson import looks_like_json, parse_asr_json
from reportgen.ingest.build import finish
from reportgen.ingest.decode import decode_bytes
from reportgen.ingest.limits import DEFAULT_LIMITS, Limits, too_many_chars
from reportgen.ingest.plain import markdown_score, parse_markdown, parse_plain
from reportgen.ingest.segmenting import Parsed
from reportgen.ingest.speakers import inline_score, parse_inline_speakers, parse_speaker_lines, speaker_line_score
from reportgen.ingest.subtitles import ARROW_RE, SBV_RE, parse_cues
from reportgen.ingest.whisper import WHISPER_LINE_RE, parse_whisper
from reportgen.models import Document

__all__ = ["TEXT_FORMATS", "parse_text", "parse_text_bytes", "sniff_text"]

MEDIA_TYPES = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "sbv": "text/plain",
    "whisper": "text/plain",
    "asr-json": "application/json",
    "deepgram": "application/json",
    "speaker-lines": "text/plain",
    "inline-speakers": "text/plain",
    "markdown": "text/markdown",
    "plain": "text/plain",
}
TEXT_FORMATS = tuple(MEDIA_TYPES)
_CAPTION_EXTS = {".vtt": "vtt", ".srt": "srt", ".sbv": "sbv", ".sub": "sbv"}
_MARKDOWN_EXTS = {".md", ".markdown", ".mdown", ".mkd"}
_SNIFF_LINES = 400  # timing-line formats show themselves in the first lines
_SRT_INDEX_RE = re.compile(r"^\s*\d+\s*$")


def _head_lines(text: str) -> list[str]:
    return text[:100_000].split("\n", _SNIFF_LINES)[:_SNIFF_LINES]


def sniff_text(text: str, filename: str = "") -> str:
    """Name the text format from the content; the extension breaks ties.

    Returns a member of TEXT_FORMATS, or "json" (asr-json vs deepgram is decided by the
    JSON's shape), or "caption-without-cues" (a .vtt/.srt/.sbv name on text without cues).
    """
    ext = PurePath(filename).suffix.lower()
    stripped = text.lstrip()
    if stripped.startswith("WEBVTT"):
        return "vtt"
    if looks_like_json(stripped) or (ext == ".json" and stripped.startswith("[")):
        return "json"  # asr-json or deepgram, decided by the JSON's shape
    lines = _head_lines(stripped)
    nonblank = [ln for ln in lines if ln.strip()]
    whisper = sum(1 for ln in nonblank if WHISPER_LINE_RE.match(ln))
    if whisper and whisper >= 0.3 * len(nonblank):
        return "whisper"
    arrows = [i for i, ln in enumerate(lines) if ARROW_RE.match(ln)]
    if arrows:
        if ext in (".vtt", ".srt"):
            return ext[1:]
        indexed = sum(1 for i in arrows if i > 0 and _SRT_INDEX_RE.match(lines[i - 1]))
        commas = sum(1 for i in arrows if "," in lines[i].split("-->")[0])
        return "srt" if indexed * 2 >= len(arrows) or commas * 2 >= len(arrows) else "vtt"
    if sum(1 for ln in nonblank if SBV_RE.match(ln)) >= max(1, 0.1 * len(nonblank)):
        return "sbv"
    mid_markers, mid_labels = inline_score(text)
    heads, lines_nonblank = speaker_line_score(text)
    # Labels mostly mid-line (running text) vs mostly at line starts (one turn per line).
    if mid_labels >= 2 and mid_labels > heads and (mid_markers >= 1 or mid_labels >= 4):
        return "inline-speakers"
    if heads >= 2 and heads >= 0.1 * lines_nonblank:
        return "speaker-lines"
    if mid_markers >= 2:
        return "inline-speakers"
    if ext in _CAPTION_EXTS:
        return "caption-without-cues"
    md = markdown_score(text)
    if md >= 2 or (md >= 1 and ext in _MARKDOWN_EXTS):
        return "markdown"
    return "plain"


_PARSERS: dict[str, Callable[[str], Parsed]] = {
    "vtt": lambda t: parse_cues(t, "vtt"),
    "srt": lambda t: parse_cues(t, "srt"),
    "sbv": lambda t: parse_cues(t, "sbv"),
    "whisper": parse_whisper,
    "json": parse_asr_json,
    "speaker-lines": parse_speaker_lines,
    "inline-speakers": parse_inline_speakers,
    "markdown": parse_markdown,
    "plain": parse_plain,
}


def parse_text(text: str, filename: str = "upload") -> Parsed:
    """Sniff and parse already-decoded text (what the fuzz tests and benchmark call)."""
    fmt = sniff_text(text, filename)
    if fmt == "caption-without-cues":
        ext = PurePath(filename).suffix.lower()
        example = "0:00:01.000,0:00:04.000" if _CAPTION_EXTS[ext] == "sbv" else "00:00:01,000 --> 00:00:04,000"
        raise MalformedSourceError(
            f"this {ext} file has no caption cues (timing lines such as {example}). "
            "Check that it is a complete caption file, or upload it as .txt if it is plain text.",
        )
    return _PARSERS[fmt](text)


# No encoding spends more than 4 bytes on a character (UTF-32), so a text file past this many
# bytes per allowed character is too long whatever it holds: refused before it is decoded.
MAX_BYTES_PER_CHAR = 4


def check_text_size(size: int, filename: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a text file that cannot fit the character limit from its size alone (no decoding)."""
    if size > MAX_BYTES_PER_CHAR * limits.max_document_chars:
        raise TooLargeError(too_many_chars(limits, f"this text file is {size / 1e6:.0f} MB, more than that "
                                                   "takes in any encoding"), filename=filename)


def parse_text_bytes(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Decode, sniff and parse a text source into a Document (errors name the file).

    The size checks come first, before the decoded copy and the segments are made."""
    check_text_size(len(data), filename, limits)
    text, encoding = decode_bytes(data, filename)
    if len(text) > limits.max_document_chars:
        raise TooLargeError(too_many_chars(limits, f"this text file has {len(text) / 1e6:.1f} million"),
                            filename=filename)
    try:
        parsed = parse_text(text, filename)
    except IngestError as e:
        if e.filename is None:
            raise type(e)(str(e), filename=filename) from None
        raise
    meta = dict(parsed.meta)
    meta["encoding"] = encoding
    return finish(
        parsed.builder,
        data=data,
        filename=filename,
        kind=parsed.kind,  # type: ignore[arg-type]
        format=parsed.format,
        media_type=MEDIA_TYPES.get(parsed.format, "text/plain"),
        warnings=parsed.warnings,
        meta=meta,
    )
