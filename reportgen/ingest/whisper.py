"""whisper.cpp-style lines: `[00:01:02.500 --> 00:01:04.000]   text`, one segment per line.

Whisper splits captions mid-sentence and sometimes hallucinates speaker names in capitals
("MARK MANDEL: ...") or "- " turn marks; neither is trustworthy, so a "Name:" prefix only
becomes a speaker when most lines carry one (output of a diarising tool), and the text of
every line is kept as written.
"""

from __future__ import annotations

import re

from reportgen.errors import MalformedSourceError
from reportgen.ingest.build import TextBuilder
from reportgen.ingest.labels import SpeakerNames, label_key, prefix_label, recurring_labels
from reportgen.ingest.segmenting import Parsed
from reportgen.ingest.timecode import CLOCK, parse_clock

WHISPER_LINE_RE = re.compile(rf"^[ \t]*\[[ \t]*({CLOCK})[ \t]*-->[ \t]*({CLOCK})[ \t]*\][ \t]*(.*)$")


def parse_whisper(text: str) -> Parsed:
    lines = text.split("\n")
    rows: list[tuple[float | None, float | None, str]] = []
    warnings: list[str] = []
    stray = 0
    for line in lines:
        m = WHISPER_LINE_RE.match(line)
        if m:
            start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
            if start is not None and end is not None and end < start:
                end = start
            rows.append((start, end, m.group(3).strip()))
        elif line.strip():
            # A line without timing continues the previous one (wrapped output); keep its text.
            prev = rows[-1] if rows else (None, None, "")
            rows.append((prev[0], prev[1], line.strip()))
            stray += 1
    if not any(t for _, _, t in rows):
        raise MalformedSourceError(
            "no text in these whisper-style lines ([00:00:01.000 --> 00:00:02.000] text). "
            "Check that the transcription finished, or upload another export."
        )
    if stray:
        warnings.append(f"{stray} lines had no [start --> end] timing; they took the time of the line before.")
    # most lines have no colon, and without one there is no "Name:" label to look for
    prefixes = [prefix_label(t) if ":" in t else None for _, _, t in rows]
    keep = recurring_labels([p[0] for p in prefixes if p], sum(1 for _, _, t in rows if t))
    names = SpeakerNames()
    builder = TextBuilder()
    speaker: str | None = None
    for (start, end, t), pre in zip(rows, prefixes, strict=True):
        if keep and pre and label_key(pre[0]) in keep:
            speaker = names(pre[0])
            t = t[pre[1] :]
        builder.add(t, start=start, end=end, speaker=speaker if keep else None)
    return Parsed(builder, "whisper", "transcript", warnings)
