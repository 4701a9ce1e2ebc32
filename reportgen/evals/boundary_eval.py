"""How well sentence ends are found in text without punctuation, beside the fixed windows it replaced.

Gold comes from punctuated text: a sentence ends after a word ending in . ? ! (or at the end
of a speaker's turn). The text is then stripped of punctuation (and lower-cased, as YouTube
auto-captions are), the boundary model predicts the ends, and precision/recall count word
gaps. "clean quotes" is the share of predicted sentences that start and end at a gold end:
what a reader sees when a quote is cut out.

Held-out data only: the AMI validation fold (reportgen/evals/folds.json; training used the
fit fold), QMSum's meetings that are not AMI (parliament, ICSI: another domain), and the
Latent Space podcast's Whisper captions with their real cue timings, run through the whole
ingest and sentence path.

    python -m reportgen.evals.boundary_eval --corpus ../shared/corpus [--out boundaries.md]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.evals.folds import FIT, VALIDATION, ami_series, load_folds
from reportgen.extract.local.boundaries import (
    CUE,
    NO_CUE,
    PAUSE,
    PAUSE_SECONDS,
    BoundaryModel,
    adapt_to_cues,
    decode,
    load_model,
)
from reportgen.extract.local.sentences import WINDOW_WORDS, split_sentences
from reportgen.ingest import ingest_bytes

_END_RE = re.compile(r"[.?!\u2026][\"'\u201d\u2019)\]]*$")
_STRIP_RE = re.compile(r"[.,?!;:\"\u201c\u201d\u2026()\[\]]|(?<!\w)['\u2018\u2019]|['\u2018\u2019](?!\w)")


Unit = tuple[str, str, float | None, float | None]  # turn id, punctuated text, start, end


@dataclass
class Stream:
    """A held-out text as tokens with gold sentence ends; cue classes when simulated or real."""

    name: str
    group: str  # the meeting series (AMI) or the source; CV folds never split a group
    tokens: list[str]  # as written, punctuation stripped
    gold: set[int]  # word indices after which a sentence ends (the last word excluded)
    unit_gaps: dict[int, float] = field(default_factory=dict)  # seconds of silence after a unit's last word


def strip_token(token: str) -> str:
    return _STRIP_RE.sub("", token)


def from_units(name: str, group: str, units: Sequence[Unit]) -> Stream:
    """Units are (turn id, punctuated text, start, end): dialogue acts or turns, in order."""
    tokens: list[str] = []
    gold: set[int] = set()
    unit_ends: list[tuple[int, float | None, float | None]] = []  # last token, unit end time, next start
    for k, (turn, text, _start, end) in enumerate(units):
        for raw in text.split():
            t = strip_token(raw)
            if not t.strip("-\u2013\u2014"):
                if tokens and _END_RE.search(raw):
                    gold.add(len(tokens) - 1)
                continue
            tokens.append(t)
            if _END_RE.search(raw):
                gold.add(len(tokens) - 1)
        if tokens:
            nxt = units[k + 1] if k + 1 < len(units) else None
            if nxt is None or nxt[0] != turn:
                gold.add(len(tokens) - 1)
            unit_ends.append((len(tokens) - 1, end, nxt[2] if nxt else None))
    gold.discard(len(tokens) - 1)
    gaps = {i: (ns - e) if (e is not None and ns is not None) else 0.0 for i, e, ns in unit_ends}
    return Stream(name, group, tokens, gold, gaps)


def ami_streams(corpus: Path, fold: str) -> list[Stream]:
    """AMI meetings of one fold, every dialogue act in order with its punctuation and times."""
    folds = load_folds()["ami"][fold]
    out = []
    for meeting in sorted(m for ms in folds.values() for m in ms):
        path = corpus / "ami-dev" / "das" / f"{meeting}.jsonl"
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r.get("line") is not None and r.get("text")]  # empty acts have no line
        rows.sort(key=lambda r: (r["line"], r["start"]))
        units = [(str(r["line"]), r["text"], r.get("start"), r.get("end")) for r in rows]
        out.append(from_units(meeting, ami_series(meeting), units))
    return out


def qmsum_streams(corpus: Path) -> list[Stream]:
    """QMSum's non-AMI meetings (ICSI, parliamentary committees): held out, another domain."""
    out = []
    for path in sorted((corpus / "qmsum-val").glob("*.json")):
        if re.match(r"^(ES|IS|TS|EN|IB|IN)\d{4}", path.stem):
            continue  # AMI meetings: the AMI numbers cover them
        data = json.loads(path.read_text(encoding="utf-8"))
        units: list[Unit] = []
        for k, turn in enumerate(data["meeting_transcripts"]):
            text = re.sub(r"\{[a-z]+\}", " ", turn["content"])
            text = re.sub(r"\s+([.,?!;:])", r"\1", text)  # QMSum spaces its punctuation out
            units.append((str(k), text, None, None))
        out.append(from_units(path.stem, "qmsum", units))
    return out


def simulate_cues(s: Stream, rng: random.Random) -> list[int]:
    """Caption cues as YouTube cuts them: every 4-10 words wherever that falls; a pause where a
    dialogue act really ended at least PAUSE_SECONDS before the next began."""
    gaps = s.unit_gaps
    cues = [NO_CUE] * len(s.tokens)
    i = -1
    while True:
        i += rng.randint(4, 10)
        if i >= len(s.tokens) - 1:
            break
        cues[i] = PAUSE if gaps.get(i, 0.0) >= PAUSE_SECONDS else CUE
    return cues


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    clean: int = 0
    sentences: int = 0

    def add(self, pred: list[int], gold: set[int], n: int) -> None:
        ends = {e for e in pred if e < n - 1}
        self.tp += len(ends & gold)
        self.fp += len(ends - gold)
        self.fn += len(gold - ends)
        good = gold | {-1, n - 1}
        prev = -1
        for e in sorted(ends | {n - 1}):
            self.sentences += 1
            self.clean += prev in good and e in good
            prev = e

    def row(self) -> tuple[float, float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, (self.clean / self.sentences if self.sentences else 0.0)


def windows(n: int, size: int = WINDOW_WORDS) -> list[int]:
    """The fixed-window baseline: what sentences.py did before, one cut every `size` words."""
    return [i for i in range(size - 1, n - 1, size)] + [n - 1]


def lowered(tokens: list[str]) -> list[str]:
    return [t.lower() for t in tokens]


def model_ends(model: BoundaryModel, tokens: list[str], cues: list[int] | None) -> list[int]:
    logits = model.logits(tokens)
    if cues is not None:
        logits = adapt_to_cues(logits, cues)
    return decode(logits, model.threshold, model.min_words, model.max_words)


def whisper_stream(corpus: Path) -> tuple[Stream, bytes] | None:
    """Latent Space's Whisper captions: gold from their punctuation, and the same file with the
    punctuation stripped and lower-cased (turn marks "- " kept), as a caption tool without
    punctuation would write it."""
    path = corpus / "transcripts" / "latent-space-podcast.whisper.txt"
    if not path.is_file():
        return None
    line_re = re.compile(r"^(\s*\[[^\]]*\]\s*)(.*)$")
    units: list[Unit] = []
    out_lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = line_re.match(line)
        if not m:
            continue
        text = m.group(2)
        units.append(("all", text, None, None))  # one stream: Whisper marks no speakers
        mark = "- " if text.startswith("- ") else ""
        body = " ".join(t for t in (strip_token(w) for w in text[len(mark):].split()) if t).lower()
        out_lines.append(f"{m.group(1)}{mark}{body}")
    return from_units("latent-space", "podcast", units), ("\n".join(out_lines) + "\n").encode()


def pipeline_ends(data: bytes, filename: str, n: int) -> list[int]:
    """Ingest and split like the engine does, and map each sentence's end back to a word index."""
    doc = ingest_bytes(data, filename)[0]
    starts = [m.start() for m in re.finditer(r"\S+", doc.text)]
    tokens = [m.group(0) for m in re.finditer(r"\S+", doc.text)]
    # Tokens that are only a turn mark carry no word of the gold stream.
    word_at: list[int] = []
    k = -1
    for t in tokens:
        if strip_token(t).strip("-"):
            k += 1
        word_at.append(k)
    ends = []
    for s in split_sentences([doc]):
        j = _index_before(starts, s.char_end)
        ends.append(word_at[j])
    ends = sorted({e for e in ends if 0 <= e < n})
    return ends if ends and ends[-1] == n - 1 else ends + [n - 1]


def _index_before(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def measure(corpus: Path, model: BoundaryModel, seed: int = 7) -> list[tuple[str, str, Score]]:
    rows: list[tuple[str, str, Score]] = []
    rng = random.Random(seed)
    ami = ami_streams(corpus, VALIDATION)
    qms = qmsum_streams(corpus)
    for label, streams in (("AMI validation fold", ami), ("QMSum non-AMI meetings", qms)):
        base, lower, cased, cued = Score(), Score(), Score(), Score()
        for s in streams:
            n = len(s.tokens)
            base.add(windows(n), s.gold, n)
            lower.add(model_ends(model, lowered(s.tokens), None), s.gold, n)
            cased.add(model_ends(model, s.tokens, None), s.gold, n)
            if label.startswith("AMI"):
                cued.add(model_ends(model, lowered(s.tokens), simulate_cues(s, rng)), s.gold, n)
        rows.append((label, "fixed 40-word windows (before)", base))
        rows.append((label, "model, lower case, no cues", lower))
        rows.append((label, "model, cased text, no cues", cased))
        if label.startswith("AMI"):
            rows.append((label, "model, lower case, YouTube-like cues + pauses", cued))
    w = whisper_stream(corpus)
    if w is not None:
        s, data = w
        n = len(s.tokens)
        base, cue_base, piped = Score(), Score(), Score()
        base.add(windows(n), s.gold, n)
        piped.add(pipeline_ends(data, "latent-space.whisper.txt", n), s.gold, n)
        cue_ends = _cue_ends(data)
        cue_base.add(cue_ends, s.gold, n)
        rows.append(("Latent Space (Whisper cues)", "fixed 40-word windows (before)", base))
        rows.append(("Latent Space (Whisper cues)", "every cue end", cue_base))
        rows.append(("Latent Space (Whisper cues)", "ingest + sentences (model, cues by EM)", piped))
    return rows


def _cue_ends(data: bytes) -> list[int]:
    ends = []
    k = -1
    for line in data.decode().splitlines():
        body = re.sub(r"^\s*\[[^\]]*\]\s*", "", line)
        k += sum(1 for t in body.split() if strip_token(t).strip("-"))
        ends.append(k)
    return sorted(set(ends))


def table(rows: list[tuple[str, str, Score]]) -> str:
    out = ["| held-out text | splitter | precision | recall | F1 | clean quotes |", "|---|---|---|---|---|---|"]
    for data, how, sc in rows:
        p, r, f, c = sc.row()
        out.append(f"| {data} | {how} | {p:.3f} | {r:.3f} | {f:.3f} | {c:.1%} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=None, help="a boundaries.json other than the shipped one")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if not (args.corpus / "ami-dev").is_dir():
        print(f"{args.corpus}: no ami-dev/ here; pass the shared corpus folder.", file=sys.stderr)
        return 2
    model = BoundaryModel.from_json(json.loads(args.model.read_text())) if args.model else load_model()
    text = table(measure(args.corpus, model))
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


__all__ = ["FIT", "VALIDATION", "Stream", "ami_streams", "from_units", "main", "measure", "table"]

if __name__ == "__main__":
    raise SystemExit(main())
