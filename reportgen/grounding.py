"""Quotes in, located citations out: the only place offsets, timestamps, speakers and pages come from.

Engines (the LLM above all) return quotes, never locations. A quote is trusted only once it
is found in a source, and the finding must never be wrong: when the evidence for one place
is weak or equally good for two places, the quote is `unsupported` rather than attached
somewhere it was not said. See docs/grounding.md for the cascade and its thresholds.

The cascade, cheapest and surest first:

1. exact: the stripped quote is a substring of `Document.text`, at word boundaries.
2. normalized: equal after normalisation (case, whitespace, punctuation, Unicode form and
   accents, noise tokens such as "[Music]", and the fillers `FILLERS` / `FILLER_PAIRS` of
   `reportgen.text`, the definitions every stage shares).
   A quote with an ellipsis ("A ... B") may match its parts in order, a short gap apart.
3. fuzzy: rapidfuzz alignment on normalised text, only for quotes of at least
   `MIN_FUZZY_TOKENS` tokens, scored with `fuzz.ratio` on the word-aligned span; accepted at
   `FUZZY_THRESHOLD` or above, when the span covers `MIN_COVERAGE` of the quote's words, misses
   no run of more than `MAX_MISSING_RUN` of them, and no other place competes (`FUZZY_MARGIN`,
   and words that tell near-duplicates apart).
4. unsupported: everything else.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from reportgen.clock import clock
from reportgen.errors import ReportgenError
from reportgen.ingest.build import NOISE_RE
from reportgen.meaning import meaning_differs
from reportgen.models import Citation, CitationStatus, Document, Segment
from reportgen.text import FILLER_PAIRS, FILLERS

# A quote of fewer normalised words than this that occurs in more than one place is
# unsupported: "yes" or "I agree" said five times cannot be pinned to one of them.
# A longer quote repeated verbatim cites its first occurrence and reports the count.
AMBIGUOUS_MAX_TOKENS = 6
MIN_FUZZY_TOKENS = 6  # shorter quotes must match exactly or normalised
MIN_FUZZY_CHARS = 24
FUZZY_THRESHOLD = 90.0  # fuzz.ratio (0-100) between the normalised quote and the aligned span
FUZZY_MARGIN = 4.0  # a second place scoring within this of the best makes the quote ambiguous
RIVAL_WINDOW = 15.0  # a second place scoring this close to the threshold must differ in words the quote has
MIN_COVERAGE = 0.6  # share of the quote's words (as a multiset) found in the aligned span
MAX_MISSING_RUN = 2  # more consecutive quote words absent from the span means an invented phrase, not ASR noise
ELLIPSIS_MAX_GAP = 60  # words allowed between the parts of "A ... B"
CONTEXT_CHARS = 60  # around a located span, where a quote's name may stand if the span left it out
CANDIDATES_PER_DOC = 12  # fuzzy candidate regions scored per document

# Grounding's own words, for locating a quote rather than deciding what a text is about: Unicode
# letters and accents, character offsets kept, nothing stemmed or dropped but the fillers.
_TOKEN_RE = re.compile(
    # a clitic split off by a tokeniser ("we 're", "do n't", as in AMI/ICSI transcripts) joins the word before it
    r"(?P<clitic>(?<!\w)['\u2019\u02bc](?:re|s|ll|ve|m|d|t)\b|\bn['\u2019\u02bc]t\b)"
    r"|\w[\w\u0300-\u036f]*(?:['\u2019\u02bc][\w\u0300-\u036f]+)*",
    re.IGNORECASE,
)
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc")
# Transcript markup that is not speech, e.g. AMI/ICSI "{disfmarker}", "{vocalsound}", "{gap}";
# treated like the noise tokens of reportgen.ingest.build.NOISE_RE.
_MARKUP_RE = re.compile(r"\{\s*[a-z_]+\s*\}", re.IGNORECASE)
_ELLIPSIS_RE = re.compile(r"\s*(?:\[\s*(?:\.\.\.|\u2026)\s*\]|\.{3,}|\u2026)\s*")


@lru_cache(maxsize=1 << 16)
def _norm_token(tok: str) -> str:
    """One word in its matching form: NFKC, no accents, casefolded, no apostrophes."""
    decomposed = unicodedata.normalize("NFKD", tok)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", stripped).casefold().translate(_APOSTROPHES)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(normalised word, start, end) for each word of `text`, split-off clitics rejoined."""
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN_RE.finditer(text):
        norm = _norm_token(m.group())
        if m.group("clitic") and out and m.start() - out[-1][2] <= 2 and not text[out[-1][2] : m.start()].strip():
            prev, start, _ = out[-1]
            out[-1] = (prev + norm, start, m.end())
        else:
            out.append((norm, m.start(), m.end()))
    return out


def _drop_fillers(toks: list[str]) -> list[int]:
    """Indices of the tokens that are not fillers (dropped from quote and source alike)."""
    keep: list[int] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t in FILLERS or not t:
            i += 1
        elif i + 1 < n and (t, toks[i + 1]) in FILLER_PAIRS:
            i += 2
        else:
            keep.append(i)
            i += 1
    return keep


def normalise_tokens(text: str) -> list[str]:
    """The words of `text` as the normalised and fuzzy passes compare them."""
    toks = [t for t, _, _ in _tokens(_MARKUP_RE.sub(" ", NOISE_RE.sub(" ", text)))]
    return [toks[i] for i in _drop_fillers(toks)]


def normalise(text: str) -> str:
    """The matching form of a text: normalised words joined by single spaces."""
    return " ".join(normalise_tokens(text))


@dataclass(frozen=True)
class Match:
    """A citation plus what the caller may want to tell the reader about how it was found."""

    citation: Citation
    occurrences: int = 0  # places the quote matched at the level that decided it
    # "not-found", "ambiguous", "too-short", "empty", "meaning-differs: <kind>" when unsupported; "" otherwise
    reason: str = ""

    @property
    def ambiguous(self) -> bool:
        return self.occurrences > 1


@dataclass
class _Indexed:
    """One document prepared once: normalised words with their original character spans."""

    doc: Document
    toks: list[str]
    starts: list[int]  # original char offset where each token starts
    ends: list[int]
    joined: str  # " " + " ".join(toks) + " ": a needle " a b " matches whole words only
    jpos: list[int]  # offset of each token in `joined`
    index: dict[str, list[int]] = field(default_factory=dict)  # token -> positions
    seg_ends: list[int] = field(default_factory=list)
    exact_scans: int = 0  # verbatim lookups answered by scanning the text
    word_starts: dict[str, list[int]] | None = None  # first KEY_CHARS chars at each word start -> positions

    @classmethod
    def build(cls, doc: Document) -> _Indexed:
        text = doc.text
        noise = sorted([*doc.noise_spans, *((m.start(), m.end()) for m in _MARKUP_RE.finditer(text))])
        noise_starts = [s for s, _ in noise]
        raw: list[tuple[str, int, int]] = []
        for tok in _tokens(text):
            k = bisect_right(noise_starts, tok[1]) - 1
            if k >= 0 and noise[k][0] <= tok[1] < noise[k][1]:
                continue
            raw.append(tok)
        keep = _drop_fillers([t for t, _, _ in raw])
        toks = [raw[i][0] for i in keep]
        jpos: list[int] = []
        pos = 1
        for t in toks:
            jpos.append(pos)
            pos += len(t) + 1
        index: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(toks):
            index[t].append(i)
        return cls(
            doc=doc,
            toks=toks,
            starts=[raw[i][1] for i in keep],
            ends=[raw[i][2] for i in keep],
            joined=" " + " ".join(toks) + " ",
            jpos=jpos,
            index=dict(index),
            seg_ends=[s.char_end for s in doc.segments],
        )

    def find_tokens(self, needle_toks: list[str], start_tok: int = 0, limit: int = 1000) -> list[int]:
        """Token positions where `needle_toks` occurs as whole words, in order."""
        needle = " " + " ".join(needle_toks) + " "
        found: list[int] = []
        pos = self.jpos[start_tok] - 1 if start_tok < len(self.jpos) else len(self.joined)
        while len(found) < limit:
            pos = self.joined.find(needle, pos)
            if pos < 0:
                break
            found.append(bisect_left(self.jpos, pos + 1))
            pos += 1
        return found

    def segments_for(self, char_start: int, char_end: int) -> list[Segment]:
        segs = self.doc.segments
        out: list[Segment] = []
        i = bisect_right(self.seg_ends, char_start)
        while i < len(segs) and segs[i].char_start < char_end:
            out.append(segs[i])
            i += 1
        return out


@dataclass(frozen=True)
class _Fuzzy:
    score: float
    ix: _Indexed = field(repr=False)
    i: int  # first token
    j: int  # last token (inclusive)

    def overlaps(self, other: _Fuzzy) -> bool:
        return self.ix is other.ix and self.i <= other.j and other.i <= self.j


def _is_word_char(text: str, i: int) -> bool:
    if i < 0 or i >= len(text):
        return False
    ch = text[i]
    if ch.isalnum() or ch == "_":
        return True
    # an apostrophe inside a word ("don't") binds like a letter
    return ch in "'\u2019\u02bc" and _is_alnum(text, i - 1) and _is_alnum(text, i + 1)


def _is_alnum(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


_BRACKETED = re.compile(r"[\[({][^\])}]*[\])}]")
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")


def _has_content(quote: str) -> bool:
    """True when `quote` surely keeps a word once fillers and noise are dropped: a run of five letters
    outside brackets is no filler (they are all shorter), no filler pair and no noise mark."""
    return _LONG_WORD.search(_BRACKETED.sub(" ", quote)) is not None


def _exact_positions(text: str, quote: str, limit: int = 1000) -> list[int]:
    """Starts of `quote` in `text` that do not cut a word in half."""
    found: list[int] = []
    head_word = _is_word_char(quote, 0)
    tail_word = _is_word_char(quote, len(quote) - 1)
    pos = text.find(quote)
    while pos >= 0 and len(found) < limit:
        end = pos + len(quote)
        if not (head_word and _is_word_char(text, pos - 1)) and not (tail_word and _is_word_char(text, end)):
            found.append(pos)
        pos = text.find(quote, pos + 1)
    return found


# Verbatim lookups in one document past which its word starts are indexed: a lookup scans the whole text
# (the second occurrence decides ambiguity), and indexing costs about a hundred scans, so only a document
# asked many quotes (a long source in a long report, an eval) pays for it.
INDEX_AFTER_SCANS = 128
KEY_CHARS = 24
_WORD_START = re.compile(r"(?<!\w)\w")


def _indexed_exact_positions(ix: _Indexed, quote: str, limit: int = 1000) -> list[int]:
    """`_exact_positions(ix.doc.text, quote)`, from an index of word starts once the document has been
    scanned often. A quote that starts with a word character can only be found where a word starts (the
    character before it is no word character, and so not `\\w`); every such candidate is checked exactly as a
    scan checks it, so the answer is the same list."""
    text = ix.doc.text
    if len(quote) < KEY_CHARS or not _is_word_char(quote, 0):
        return _exact_positions(text, quote, limit)
    if ix.word_starts is None:
        ix.exact_scans += 1
        if ix.exact_scans <= INDEX_AFTER_SCANS:
            return _exact_positions(text, quote, limit)
        starts: dict[str, list[int]] = defaultdict(list)
        for m in _WORD_START.finditer(text):
            p = m.start()
            starts[text[p : p + KEY_CHARS]].append(p)
        ix.word_starts = dict(starts)
    found: list[int] = []
    tail_word = _is_word_char(quote, len(quote) - 1)
    for pos in ix.word_starts.get(quote[:KEY_CHARS], ()):
        if text.startswith(quote, pos) and not _is_word_char(text, pos - 1) and not (
                tail_word and _is_word_char(text, pos + len(quote))):
            found.append(pos)
            if len(found) >= limit:
                break
    return found


class Grounder:
    """Locates quotes in a fixed set of documents; build once per report, ground many quotes."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._docs = [_Indexed.build(d) for d in documents]
        self._by_id = {ix.doc.id: ix for ix in self._docs}

    @property
    def documents(self) -> list[Document]:
        return [ix.doc for ix in self._docs]

    def ground(self, quote: str, *, document_id: str | None = None) -> Citation:
        """The citation for `quote`: located with its status and score, or `unsupported`."""
        return self.locate(quote, document_id=document_id).citation

    def locate(self, quote: str, *, document_id: str | None = None) -> Match:
        """Like `ground`, but also says how many places matched and why a quote is unsupported.

        A match that is not an exact copy must also say what its place says: a quote that adds or
        drops a negation, changes a number or names someone else is unsupported, however alike.
        """
        found = self._locate(quote, document_id)
        c = found.citation
        if c.located and c.status != "exact" and c.char_start is not None and c.char_end is not None:
            text = self._by_id[c.document_id or ""].doc.text
            around = text[max(0, c.char_start - CONTEXT_CHARS) : c.char_end + CONTEXT_CHARS]
            why = meaning_differs(quote, text[c.char_start : c.char_end], around)
            if why:
                return self._unsupported(quote, f"meaning-differs: {why}", found.occurrences)
        return found

    def _locate(self, quote: str, document_id: str | None) -> Match:
        scope = self._scope(document_id)
        q = quote.strip()
        # Exact first: most quotes are copied verbatim, and one exact place needs no tokens at all
        # (tokenising the quote cost more than finding it). Tokens are still made when the quote might
        # be nothing but fillers or noise ("empty") or when several places need the ambiguity rule.
        exact = [(ix, p) for ix in scope for p in _indexed_exact_positions(ix, q)] if q else []
        if len(exact) == 1 and _has_content(q):
            ix, p = exact[0]
            return Match(self._cite(quote, ix, p, p + len(q), "exact", 1.0), occurrences=1)
        qtoks = normalise_tokens(q)
        if not q or not qtoks:
            return self._unsupported(quote, "empty")
        if exact:
            return self._decide(quote, qtoks, exact[0][0], exact[0][1], exact[0][1] + len(q), "exact", 1.0, len(exact))
        norm = [(ix, i) for ix in scope for i in ix.find_tokens(qtoks)]
        if norm:
            ix, i = norm[0]
            j = i + len(qtoks) - 1
            return self._decide(quote, qtoks, ix, ix.starts[i], ix.ends[j], "normalized", 1.0, len(norm))
        parts = [t for p in _ELLIPSIS_RE.split(q) if (t := normalise_tokens(p))] if _ELLIPSIS_RE.search(q) else []
        if len(parts) > 1:
            chains = [(ix, i, j) for ix in scope for i, j in _ellipsis_chains(ix, parts)]
            if chains:
                ix, i, j = chains[0]
                return self._decide(quote, qtoks, ix, ix.starts[i], ix.ends[j], "normalized", 1.0, len(chains))
        if len(qtoks) < MIN_FUZZY_TOKENS or len(" ".join(qtoks)) < MIN_FUZZY_CHARS:
            return self._unsupported(quote, "too-short")
        return self._fuzzy(quote, qtoks, scope)

    # -- internals -------------------------------------------------------------------------

    def _scope(self, document_id: str | None) -> list[_Indexed]:
        if document_id is None:
            return self._docs
        ix = self._by_id.get(document_id)
        if ix is None:
            known = ", ".join(self._by_id) or "none"
            raise ReportgenError(
                f"no source with id {document_id!r} to look the quote up in (known ids: {known}). "
                "Pass the id of one of the report's documents, or none to search them all."
            )
        return [ix]

    def _decide(
        self, quote: str, qtoks: list[str], ix: _Indexed, cs: int, ce: int, status: CitationStatus, score: float,
        count: int,
    ) -> Match:
        if count > 1 and len(qtoks) < AMBIGUOUS_MAX_TOKENS:
            return self._unsupported(quote, "ambiguous", count)
        return Match(self._cite(quote, ix, cs, ce, status, score), occurrences=count)

    def _unsupported(self, quote: str, reason: str, occurrences: int = 0) -> Match:
        return Match(Citation(quote=quote, reason=reason), occurrences=occurrences, reason=reason)

    def _cite(self, quote: str, ix: _Indexed, cs: int, ce: int, status: CitationStatus, score: float) -> Citation:
        segs = ix.segments_for(cs, ce)
        starts = [s.start for s in segs if s.start is not None]
        ends = [s.end if s.end is not None else s.start for s in segs]
        ends = [e for e in ends if e is not None]
        speakers = [s.speaker for s in segs if s.speaker]
        pages = [s.page for s in segs if s.page is not None]
        first = segs[0] if segs else None
        return Citation(
            document_id=ix.doc.id,
            quote=quote,
            char_start=cs,
            char_end=ce,
            status=status,
            score=round(score, 4),
            segment_ids=[s.id for s in segs],
            start=starts[0] if starts else None,
            end=ends[-1] if ends else None,
            speaker=speakers[0] if speakers else None,
            page=pages[0] if pages else None,
            line=_quote_line(ix.doc.text, first, cs),
            paragraph=first.paragraph if first is not None else None,
        )

    def _fuzzy(self, quote: str, qtoks: list[str], scope: list[_Indexed]) -> Match:
        qs = " ".join(qtoks)
        windows = [(ix, lo, hi) for ix in scope for lo, hi in _candidate_windows(ix, qtoks)]
        found = [h for ix, lo, hi in windows if (h := _align(qs, qtoks, ix, lo, hi)) is not None]
        if not found:
            return self._unsupported(quote, "not-found")
        best = max(found, key=lambda h: h.score)
        if best.score < FUZZY_THRESHOLD:
            return self._unsupported(quote, "not-found")
        # A rival may hide in the same window as the best (two near-identical lines side by
        # side), so the rest of every window that holds the best span is aligned again.
        rivals = [h for h in found if not h.overlaps(best)]
        for ix, lo, hi in windows:
            if ix is best.ix and lo <= best.j and best.i < hi:
                for a, b in ((lo, best.i), (best.j + 1, hi)):
                    if b - a >= len(qtoks) // 2 and (h := _align(qs, qtoks, ix, a, b)) is not None:
                        rivals.append(h)
        for rival in rivals:
            if rival.score > best.score - FUZZY_MARGIN or (
                rival.score >= FUZZY_THRESHOLD - RIVAL_WINDOW and not _words_favour(qtoks, best, rival)
            ):
                return self._unsupported(quote, "ambiguous", occurrences=2)
        cite = self._cite(quote, best.ix, best.ix.starts[best.i], best.ix.ends[best.j], "fuzzy", best.score / 100)
        return Match(cite, occurrences=1)


def _words_favour(qtoks: list[str], best: _Fuzzy, rival: _Fuzzy) -> bool:
    """True when the words that tell the two places apart side with `best`.

    "ship on Friday" and "ship on Monday" score alike character by character; a quote
    saying "Sunday" must not be given to either, one saying "Friday" belongs to the first.
    """
    b = set(best.ix.toks[best.i : best.j + 1])
    r = set(rival.ix.toks[rival.i : rival.j + 1])
    q = set(qtoks)
    return len(q & (b - r)) > len(q & (r - b))


def _ellipsis_chains(ix: _Indexed, parts: list[list[str]]) -> list[tuple[int, int]]:
    """(first token, last token) of each place where the parts occur in order, close together."""
    chains: list[tuple[int, int]] = []
    for i in ix.find_tokens(parts[0]):
        end = i + len(parts[0])
        ok = True
        for part in parts[1:]:
            nxt = ix.find_tokens(part, start_tok=end, limit=1)
            if not nxt or nxt[0] - end > ELLIPSIS_MAX_GAP:
                ok = False
                break
            end = nxt[0] + len(part)
        if ok:
            chains.append((i, end - 1))
    return chains


def _candidate_windows(ix: _Indexed, qtoks: list[str]) -> list[tuple[int, int]]:
    """Token windows worth aligning: diagonals where the quote's rarer words line up.

    Each occurrence of a quote word at offset k votes (weighted by rarity) for the
    diagonal `position - k`; a true match, even with words dropped or changed, piles its
    votes into one or two buckets. This keeps the fuzzy pass proportional to the few
    regions that share words with the quote rather than to the length of the document.
    """
    n = len(ix.toks)
    if n == 0:
        return []
    width = max(8, len(qtoks))
    present = sorted({(len(ix.index[t]), k, t) for k, t in enumerate(qtoks) if t in ix.index})
    if not present:
        return []
    rare_df = max(20, n // 200)
    chosen = [p for p in present if p[0] <= rare_df] or present[:4]
    if len(chosen) < 4:
        chosen = present[: max(4, len(chosen))]
    votes: dict[int, float] = defaultdict(float)
    total = 0.0
    for df, k, t in chosen:
        w = math.log(1 + n / df)
        total += w
        seen: set[int] = set()
        for p in ix.index[t]:
            b = (p - k) // width
            if b not in seen:
                seen.add(b)
                votes[b] += w
    combined = {b: v + votes.get(b + 1, 0.0) for b, v in votes.items()}
    ranked = sorted(combined.items(), key=lambda bv: -bv[1])
    windows: list[tuple[int, int]] = []
    taken: set[int] = set()
    for b, v in ranked:
        if len(windows) >= CANDIDATES_PER_DOC or v < 0.25 * total:
            break
        if b in taken or b - 1 in taken or b + 1 in taken:
            continue
        taken.add(b)
        lo = max(0, b * width - 3)
        hi = min(n, (b + 2) * width + len(qtoks) + 3)
        windows.append((lo, hi))
    return windows


def _align(qs: str, qtoks: list[str], ix: _Indexed, lo: int, hi: int) -> _Fuzzy | None:
    """Best word-aligned span of tokens[lo:hi] for the quote, scored on the whole span."""
    wt = ix.toks[lo:hi]
    if not wt:
        return None
    offs: list[int] = []
    pos = 0
    for t in wt:
        offs.append(pos)
        pos += len(t) + 1
    window = " ".join(wt)
    al = fuzz.partial_ratio_alignment(qs, window, score_cutoff=FUZZY_THRESHOLD - 15)
    if al is None:
        return None
    i0 = max(0, bisect_right(offs, al.dest_start) - 1)
    j0 = max(i0, bisect_right(offs, max(al.dest_end - 1, 0)) - 1)
    best: tuple[float, int, int] | None = None
    for a in range(max(0, i0 - 2), min(len(wt), i0 + 3)):
        for b in range(max(a, j0 - 2), min(len(wt), j0 + 3)):
            s = fuzz.ratio(qs, " ".join(wt[a : b + 1]))
            if best is None or s > best[0]:
                best = (s, a, b)
    if best is None:
        return None
    score, a, b = best
    qc = Counter(qtoks)
    sc = Counter(wt[a : b + 1])
    coverage = sum(min(c, sc[t]) for t, c in qc.items()) / len(qtoks)
    if coverage < MIN_COVERAGE or _longest_missing_run(qtoks, wt[a : b + 1]) > MAX_MISSING_RUN:
        return None
    return _Fuzzy(score=score, ix=ix, i=lo + a, j=lo + b)


def _longest_missing_run(qtoks: list[str], span: list[str]) -> int:
    """Most consecutive quote words left unmatched by a word-level alignment with the span."""
    longest = run = 0
    for op in Indel.opcodes(qtoks, span):
        if op.tag == "equal":
            run = 0
        else:
            run += op.src_end - op.src_start
            longest = max(longest, run)
    return longest


def ground(quote: str, documents: Sequence[Document]) -> Citation:
    """One-off grounding; build a `Grounder` instead when grounding many quotes."""
    return Grounder(documents).ground(quote)


def _quote_line(text: str, seg: Segment | None, cs: int) -> int | None:
    """The line the quote starts on: its segment's line plus the line breaks before it inside the segment."""
    if seg is None or seg.line is None:
        return None
    return seg.line + text.count("\n", seg.char_start, max(seg.char_start, cs))


def format_locator(c: Citation, doc_filename: str | None, multi_doc: bool) -> str:
    """How a citation is labelled in every output: "12:04 · Jason", "contract.pdf p. 7", "¶ 4, line 12".

    Transcripts name their file only when the report has several sources; pages always do,
    since "p. 7" alone reads as a page of the report. A text file's line does the same job
    as a page: with several sources it reads "notes.txt line 12", alone "¶ 4, line 12".
    """
    if not c.located:
        return "not located"
    prefix = f"{doc_filename} " if (multi_doc and doc_filename) else ""
    if c.start is not None:
        label = clock(c.start)
        return prefix + (f"{label} \u00b7 {c.speaker}" if c.speaker else label)
    if c.page is not None:
        return f"{doc_filename} p. {c.page}" if doc_filename else f"p. {c.page}"
    if c.speaker:
        return prefix + c.speaker
    if c.line is not None:
        if multi_doc and doc_filename:
            return f"{doc_filename} line {c.line}"
        return f"\u00b6 {c.paragraph}, line {c.line}" if c.paragraph is not None else f"line {c.line}"
    if c.segment_ids:
        return prefix + f"\u00b6 {c.segment_ids[0] + 1}"
    return doc_filename or "source"
