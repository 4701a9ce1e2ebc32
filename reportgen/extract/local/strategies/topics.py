"""Topics: where a conversation moves on, and the sentence that opens each stretch.

On QMSum's validation meetings the topics found this way matched the annotators' at strict F1 0.03
(random 0.00): the offline engine offers their opening sentences as passages to read
(strategies/passages.py), not as findings.

TextTiling-like (Hearst 1997): lexical cohesion between the windows either side of each turn
boundary; the deepest dips, plus cue language ("one more thing", "what about...", "moving on"),
are topic shifts. Each block is named by a short phrase from its most representative early
sentence, which is quoted verbatim; the label is only a handle for a reader.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import reportgen.extract.local.cues as C
from reportgen.extract.local.sentences import Sentence
from reportgen.text import BACKCHANNEL, STOPWORDS, is_backchannel, stem

MIN_TOPICS, MAX_TOPICS = 3, 7
_SHIFT_RE = re.compile(
    r"^(?:(?:okay|ok|so|right|great|thanks|good|alright|and|now)[,.!]?\s*)*"
    r"(?:one more thing|another thing|next|moving on|let['\u2019]s (?:talk|move|turn|go|discuss)|what about|"
    r"how about|on (?:the )?[\w-]+(?: [\w-]+)?,|turning to|regarding|as for|"
    r"(?:so,? )?(?:decision|question) time|the (?:next|last|other) (?:thing|item|topic|point)|"
    r"(?:one|an) open question|[A-Z][a-z]+, (?:what|how|where|when|why|do|did|does|is|are)\b)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*|\S")


@dataclass
class Topic:
    sentence: int  # index (into all sentences) of the sentence that opens and represents the block
    label: str
    first: int
    last: int


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _take(window: Counter[str], bag: Counter[str]) -> None:
    """Remove a sentence's words from a sliding window, dropping words it no longer holds."""
    for word, count in bag.items():
        left = window[word] - count
        if left > 0:
            window[word] = left
        else:
            del window[word]


def _shift_cue(s: Sentence) -> bool:
    return bool(_SHIFT_RE.search(s.text)) or bool(C.family_hits(s.text, ["topic"]))


def find_topics(
    sentences: list[Sentence], toks: list[list[str]], idxs: list[int], candidates: set[int], *, cap: int = MAX_TOPICS
) -> list[Topic]:
    """Topics of one document (`idxs`: its sentence indices in order), in source order."""
    n = len(idxs)
    quotable = [i for i in idxs if i in candidates]
    if not quotable:
        return []
    want = max(1, min(cap, MAX_TOPICS, len(quotable), max(MIN_TOPICS, n // 6)))
    width = max(2, min(10, n // (2 * want)))
    bags = [Counter(toks[i]) for i in idxs]
    spoken = any(sentences[i].speaker for i in idxs)
    shift = {i: _shift_cue(sentences[i]) for i in idxs}  # one cue test per sentence, not one per use
    gaps: list[tuple[float, int]] = []  # (score, position g: a block starts at idxs[g])
    cohesion = []
    # The windows either side of each gap slide one sentence at a time: add the sentence entering,
    # remove the one leaving, rather than re-summing `width` bags per gap.
    left: Counter[str] = Counter(bags[0])
    right: Counter[str] = Counter()
    for bag in bags[1 : 1 + width]:
        right.update(bag)
    for g in range(1, n):
        if g > 1:
            left.update(bags[g - 1])
            if g - 1 - width >= 0:
                _take(left, bags[g - 1 - width])
            _take(right, bags[g - 1])
            if g - 1 + width < n:
                right.update(bags[g - 1 + width])
        cohesion.append(_cosine(left, right))
    for g in range(1, n):
        s, prev = sentences[idxs[g]], sentences[idxs[g - 1]]
        if spoken and s.speaker == prev.speaker and not shift[idxs[g]] and not is_backchannel(prev.text):
            continue  # mid-turn: a topic starts where someone takes the floor, or says it moves on
        c = cohesion[g - 1]
        lpeak = max(cohesion[max(0, g - 1 - width) : g])
        rpeak = max(cohesion[g - 1 : g - 1 + width + 1])
        score = (lpeak - c) + (rpeak - c) + (0.6 if shift[idxs[g]] else 0.0)
        floor = s.speaker != prev.speaker or is_backchannel(prev.text)
        if spoken and s.is_question and floor:
            score += 0.45  # someone takes the floor with a question: often a new subject
        elif spoken and g >= 2 and is_backchannel(prev.text) and sentences[idxs[g - 2]].speaker != s.speaker:
            score += 0.15  # "Good." / "Thanks." closes a point before the next speaker moves on
        gaps.append((score, g))
    min_len = max(2, n // (want * 3))
    cuts: list[int] = []
    for _score, g in sorted(gaps, key=lambda x: (-x[0], x[1])):
        if len(cuts) >= want - 1:
            break
        if g < min_len or n - g < min_len or any(abs(g - c) < min_len for c in cuts):
            continue
        cuts.append(g)
    bounds = [0, *sorted(cuts), n]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(set(bag))
    topics: list[Topic] = []
    seen: set[str] = set()
    for a, b in zip(bounds, bounds[1:], strict=False):
        block = idxs[a:b]
        tf: Counter[str] = Counter()
        for i in block:
            tf.update(toks[i])
        weight = {t: c * math.log(1 + n / df[t]) for t, c in tf.items()}
        options = [i for i in block if i in candidates][:4]
        if not options:
            continue
        fit = {
            i: sum(weight.get(t, 0.0) for t in set(toks[i])) / (math.sqrt(len(set(toks[i]))) + 1.0)
            - (0.5 if sentences[i].is_question and not shift[i] else 0.0)
            for i in options
        }
        top = max(fit.values())
        opener = next((i for i in options[:2] if shift[i] and fit[i] > 0), None)
        best = opener if opener is not None else next(i for i in options if fit[i] >= 0.6 * top)
        label = topic_label([sentences[i].text for i in block], sentences[best].text, _names(sentences, idxs), df, n)
        if label.lower() in seen:
            continue
        seen.add(label.lower())
        topics.append(Topic(sentence=best, label=label, first=block[0], last=block[-1]))
    return topics


def _names(sentences: list[Sentence], idxs: list[int]) -> set[str]:
    out: set[str] = set()
    for i in idxs:
        speaker = sentences[i].speaker
        if speaker:
            out.update(w.lower() for w in speaker.split())
    return out


_LABEL_STOP = (
    STOPWORDS
    | BACKCHANNEL
    | frozenset(
        "still already whether points needs goes says said tell told think thought let make made take took put "
        "first last next lot lots bit much many more less few some time times way ways quick thanks everyone "
        "yes maybe probably actually really pretty quite mostly exactly sounds works something anything worked".split()
    )
)


def _runs(text: str, names: set[str]) -> list[list[str]]:
    """Runs of consecutive content words ("the old billing system" -> ["old", "billing", "system"])."""
    runs: list[list[str]] = [[]]
    for w in _WORD_RE.findall(text):
        low = w.lower().replace("\u2019", "'")
        parts = low.split("-")
        filler = all(x in _LABEL_STOP or not x for x in parts) or "'" in low  # "mm-hmm", "we've"
        if w[0].isalpha() and len(w) > 2 and not filler and low not in names and not low.endswith("ly"):
            runs[-1].append(w)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def topic_label(block: list[str], opening: str, names: set[str], df: Counter[str], n: int) -> str:
    """A short handle for a topic: its most telling phrases (1-3 content words), the opening sentence's first.

    A phrase scores by how often the block says it times how specific its words are to the block, so
    "migration guide" beats "beta" in the pricing part of a launch meeting."""
    counts: Counter[tuple[str, ...]] = Counter()
    surface: dict[tuple[str, ...], str] = {}
    opening_keys: set[tuple[str, ...]] = set()
    for k, text in enumerate([opening, *block]):
        for run in _runs(text, names):
            for size in (1, 2, 3):
                for j in range(len(run) - size + 1):
                    words = run[j : j + size]
                    key = tuple(stem(w.lower()) for w in words)
                    if k == 0:
                        opening_keys.add(key)
                        surface.setdefault(key, " ".join(words))
                    else:
                        counts[key] += 1
                        surface.setdefault(key, " ".join(words))
    if not counts:
        words = C.clean(opening).split()
        return " ".join(words[:6]).rstrip(".,?!")

    def score(key: tuple[str, ...]) -> float:
        idf = sum(math.log(1 + n / max(1, df.get(t, 1))) for t in key) / len(key)
        return counts[key] * idf * (1 + 0.6 * (len(key) - 1)) * (1.3 if key in opening_keys else 1.0)

    ranked = sorted(counts, key=lambda k: (-score(k), -len(k)))
    chosen = [ranked[0]]
    for key in ranked[1:]:
        if len(chosen) == 2 or score(key) < 0.5 * score(chosen[0]):
            break
        if not set(key) & set().union(*chosen):
            chosen.append(key)
    label = ", ".join(surface[k] for k in chosen)
    return label[:1].upper() + label[1:]
