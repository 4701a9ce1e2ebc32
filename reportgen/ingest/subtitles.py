"""WebVTT, SRT and SBV captions: one segment per cue (per voice within a cue).

The three formats share a shape (optional identifier, a timing line, text lines, a blank
line), so one line-by-line state machine reads all of them. It is lenient on purpose:
real caption files have cues without text, broken timings, missing blank lines (YouTube
auto-captions start the next timing line right after the text) and no WEBVTT header. A
cue that cannot be read is skipped with a warning naming its line; only a file with no
readable cue at all is an error.

YouTube's auto-captions roll: each cue repeats the line the previous cue ended with, and a
10 ms cue repeats the whole previous text. Kept as written, every phrase would be in the
transcript twice, and a quote found twice is not located. When a file rolls like that
(consecutive cues overlapping, in at least ROLLING_SHARE of the cues), the repeated lines
are dropped and each word is kept once, at the cue that first showed it.
"""

from __future__ import annotations

import html
import re

from reportgen.clock import clock
from reportgen.errors import MalformedSourceError
from reportgen.ingest.build import TextBuilder
from reportgen.ingest.labels import SpeakerNames, label_key, prefix_label, recurring_labels
from reportgen.ingest.segmenting import Parsed, collapse_spaces
from reportgen.ingest.timecode import CLOCK, parse_clock

ARROW_RE = re.compile(rf"^\s*({CLOCK})\s*-->\s*({CLOCK})(?:\s+(.*))?$")
ARROW_LOOSE_RE = re.compile(r"-->")
SBV_RE = re.compile(r"^\s*(\d{1,3}:\d{2}:\d{2}[.,]\d{1,3}),(\d{1,3}:\d{2}:\d{2}[.,]\d{1,3})\s*$")
SBV_LOOSE_RE = re.compile(r"^\s*\d[^\s,]{0,15},\d[^\s,]{0,15}\s*$")

_VOICE_RE = re.compile(r"<v(?:\.[^\s>]{0,40})?(?:[ \t]+([^>\n]{0,100}))?>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>|</?\d[\d:.]{0,20}>|\{\\[^{}\n]{0,100}\}")
_DASH_TURN_RE = re.compile(r"(?:^|\n)(?=[ \t]*-[ \t])")
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")

MAX_WARNINGS = 50
ROLLING_SHARE = 0.3  # of cues that open with the line the previous cue ended with


def _cue_text(lines: list[str]) -> list[tuple[str | None, str]]:
    """Split a cue's text into (voice, text) runs and strip markup (tags, entities)."""
    raw = "\n".join(lines)
    if not any(c in raw for c in "<&{-\n\t  "):  # the common case: one clean line
        raw = raw.strip()
        return [(None, raw)] if raw else []
    runs: list[tuple[str | None, str]] = []
    voice: str | None = None
    pos = 0
    for m in _VOICE_RE.finditer(raw):
        runs.append((voice, raw[pos : m.start()]))
        voice = (m.group(1) or "").strip() or None
        pos = m.end()
    runs.append((voice, raw[pos:]))
    out = []
    for v, run in runs:
        # Lines opening with "- " are dialogue turns of different people: keep them apart.
        parts = _DASH_TURN_RE.split(run) if len(_DASH_TURN_RE.findall(run)) >= 2 else [run]
        for part in parts:
            t = collapse_spaces(html.unescape(_TAG_RE.sub("", part)))
            if t:
                out.append((v, t))
    return out


def _plain_line(line: str) -> str:
    return collapse_spaces(html.unescape(_TAG_RE.sub("", line)))


def _overlap(prev: list[str], cur: list[str]) -> int:
    """How many of `cur`'s first lines repeat `prev`'s last ones."""
    for k in range(min(len(prev), len(cur)), 0, -1):
        if prev[-k:] == cur[:k]:
            return k
    return 0


class _Reader:
    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.builder = TextBuilder()
        self.names = SpeakerNames()
        self.warnings: list[str] = []
        self.skipped = 0
        self.cues = 0
        self.collected: list[tuple[float, float, list[tuple[str | None, str]]]] = []
        self.raw_lines: list[list[str]] = []  # each collected cue's text lines, as written

    def warn(self, message: str) -> None:
        self.skipped += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    def emit(self, start: float, end: float, lines: list[str], line_no: int) -> None:
        runs = _cue_text(lines)
        if not runs:
            self.warn(f"line {line_no}: the cue at {clock(start)} has no text; skipped.")
            return
        if end < start:
            self.warnings.append(
                f"line {line_no}: the cue at {clock(start)} ends before it starts; its end was set to its start."
            )
            end = start
        self.cues += 1
        self.collected.append((start, end, runs))
        self.raw_lines.append(lines)

    def drop_rolled_lines(self) -> None:
        """Keep each line of rolling captions once (see the module note); other files are left alone."""
        clean = [[t for t in (_plain_line(x) for x in lines) if t] for lines in self.raw_lines]
        hits = sum(1 for a, b in zip(clean, clean[1:], strict=False) if a and b and b[0] == a[-1])
        if hits < 2 or hits < ROLLING_SHARE * len(clean):
            return
        kept: list[tuple[float, float, list[tuple[str | None, str]]]] = []
        prev: list[str] = []
        for (start, end, runs), lines, cl in zip(self.collected, self.raw_lines, clean, strict=True):
            k = _overlap(prev, cl)
            prev = cl
            if k == 0:
                kept.append((start, end, runs))
                continue
            rest = [x for x in lines if _plain_line(x)][k:]
            new_runs = _cue_text(rest) if rest else []
            if new_runs:
                kept.append((start, end, new_runs))
        self.collected = kept

    def build(self) -> None:
        """Add the cues; without voice tags, "Name: text" cue prefixes become speakers if consistent."""
        self.drop_rolled_lines()
        voiced = any(v for _, _, runs in self.collected for v, _ in runs)
        prefixes: dict[int, tuple[str, int]] = {}
        if not voiced:
            firsts = [prefix_label(runs[0][1]) for _, _, runs in self.collected]
            found = [(i, p) for i, p in enumerate(firsts) if p]
            keep = recurring_labels([p[0] for _, p in found], len(self.collected))
            prefixes = {i: p for i, p in found if label_key(p[0]) in keep}
        speaker: str | None = None
        for idx, (start, end, runs) in enumerate(self.collected):
            if voiced:
                speaker = None  # a voice tag holds for its own cue only
            for j, (voice, text) in enumerate(runs):
                if voice:
                    speaker = self.names(voice)
                elif j == 0 and idx in prefixes:
                    label, cut = prefixes[idx]
                    speaker = self.names(label)
                    text = text[cut:]
                self.builder.add(text, start=start, end=end, speaker=speaker)


def parse_cues(text: str, fmt: str) -> Parsed:
    """Parse WebVTT ("vtt"), SRT ("srt") or SBV ("sbv") text into a transcript."""
    r = _Reader(fmt)
    lines = text.split("\n")
    n = len(lines)
    i = 0
    if fmt == "vtt":
        if lines and lines[0].lstrip().startswith("WEBVTT"):
            # The header block (title, Kind:, Language:, YouTube's Style: CSS) runs to the first blank line.
            while i < n and lines[i].strip():
                if ARROW_RE.match(lines[i]):
                    break
                i += 1
        else:
            r.warnings.append('the file does not start with "WEBVTT"; read as WebVTT cues anyway.')
    timing_re = SBV_RE if fmt == "sbv" else ARROW_RE
    cue: tuple[float, float, int] | None = None  # start, end, line number of the timing line
    cue_lines: list[str] = []
    pending: list[tuple[int, str]] = []  # lines of the current block before any timing line
    skipping = False  # inside a NOTE/STYLE/REGION block or a cue with a broken timing line

    def close_cue() -> None:
        nonlocal cue, cue_lines
        if cue is not None:
            r.emit(cue[0], cue[1], cue_lines, cue[2])
        cue, cue_lines = None, []

    def drop_pending() -> None:
        if pending:
            first_no = pending[0][0]
            body = [t for _, t in pending if not t.strip().isdigit()]
            if body:
                r.warn(f"line {first_no}: text without a timing line; skipped.")
            pending.clear()

    while i < n:
        line = lines[i]
        i += 1
        stripped = line.strip()
        if not stripped:
            close_cue()
            drop_pending()
            skipping = False
            continue
        m = timing_re.match(line)
        if m:
            close_cue()
            # A single line before the timing is the cue identifier; more than that is stray text.
            if len(pending) > 1:
                r.warn(f"line {pending[0][0]}: text without a timing line; skipped.")
            pending.clear()
            skipping = False
            start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
            if start is None or end is None:
                r.warn(f"line {i}: unreadable timing {stripped!r}; cue skipped.")
                skipping = True
                continue
            cue = (start, end, i)
            continue
        if skipping:
            continue
        if cue is not None:
            if fmt != "sbv" and ARROW_LOOSE_RE.search(line) and "<" not in line:
                close_cue()
                r.warn(f"line {i}: unreadable timing {stripped!r}; cue skipped.")
                skipping = True
                continue
            cue_lines.append(line)
            continue
        # Outside a cue: block keywords, identifiers, or broken timing lines.
        if fmt == "vtt" and not pending and stripped.split(" ", 1)[0] in _BLOCK_KEYWORDS:
            skipping = True
            continue
        looks_timing = ARROW_LOOSE_RE.search(line) if fmt != "sbv" else SBV_LOOSE_RE.match(line)
        if looks_timing:
            r.warn(f"line {i}: unreadable timing {stripped!r}; cue skipped.")
            pending.clear()
            skipping = True
            continue
        pending.append((i, line))
    close_cue()
    drop_pending()
    if r.cues == 0:
        example = {
            "vtt": "00:00:01.000 --> 00:00:04.000",
            "srt": "00:00:01,000 --> 00:00:04,000",
            "sbv": "0:00:01.000,0:00:04.000",
        }[fmt]
        problems = f" Problems found: {'; '.join(r.warnings[:3])}" if r.warnings else ""
        raise MalformedSourceError(
            f"no readable {fmt.upper()} cue (a timing line such as {example} followed by text).{problems} "
            "Check that the file is a complete caption file, or re-export it."
        )
    r.build()
    if r.skipped > len(r.warnings):
        more = r.skipped - len(r.warnings)
        r.warnings.append(f"{more} more cues skipped (warnings are listed for the first {MAX_WARNINGS}).")
    return Parsed(r.builder, fmt, "transcript", r.warnings, {"cues": r.cues})
