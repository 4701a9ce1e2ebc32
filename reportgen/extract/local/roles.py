"""Who is speaking: the host or interviewer who asks, and the guest (expert, candidate, adviser) who answers.

An expert call's notes must quote the expert, a scorecard the candidate; the interviewer's
questions and introductions are never the guest's first-hand word. Roles are read per document
from what people do, not from their labels ("Speaker A" says nothing): who asks the questions
(and prompts: "Tell me about ..."), who holds the floor, and what the opening says ("I am your
host, Dean, and today I have with me Jason Liu", "Thanks for having me"). A document without
speaker labels has no roles; there a guest's words are at least never a question, a host's
self-introduction or a line addressed to the guest by name.

Which side a section cites is read from what the SOP says (`voice`): "cite the expert's answers",
"the candidate's words", "what the adviser said" -> the guest; "the situation the advisee
brought" -> the host; "either party" -> both.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import reportgen.extract.local.cues as C
from reportgen.extract.local.sentences import Sentence
from reportgen.sop import SectionSpec

Side = Literal["guest", "host"]

OPENING_SENTENCES = 20  # the opening: the first sentences of a document, or its first OPENING_SECONDS
OPENING_SECONDS = 120.0
LEAN = 0.12  # how far a speaker's share of questions must exceed (or trail) their share of talk to get a role
INTERVIEW_ASKS = 0.6  # without an opening, the hosts' share of the questions that makes an interview
OPENING_WEIGHT = 0.5  # what "I am your host" / "thanks for having me" adds to that lean

_NAME = r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)"
# Said by a host: introducing the show, themselves or the guest.
_HOST_LINE_RE = re.compile(
    r"\b(?:I(?:['\u2019]m| am) your (?:co-?)?host|welcome (?:back )?to (?:the |our |this )?[\w' -]{0,40}?"
    r"(?:podcast|show|episode|series|call|interview|session)|(?:today|this week|this episode),? (?:I|we) have|"
    r"I have with me|with me (?:today )?(?:is|are)|(?:my|our) (?:co-?hosts?|guests?)|joining (?:me|us)|"
    r"I['\u2019]m joined by|(?:we|I)['\u2019]re (?:back )?(?:here )?(?:in the [\w ]+ )?with|"
    r"thanks? (?:you )?(?:so much )?for (?:joining|coming on|taking the time|being here))",
    re.IGNORECASE,
)
# Said by a guest.
_GUEST_LINE_RE = re.compile(
    r"\b(?:thanks? (?:you )?(?:so much )?for having me|(?:glad|happy|great|excited|good) to be (?:here|on)|"
    r"thanks for the invit(?:e|ation))",
    re.IGNORECASE,
)
_HOST_NAME_RES = [
    re.compile(r"\bI(?:['\u2019]m| am) your (?:co-?)?host,? " + _NAME),
    re.compile(r"\b[Tt]his is " + _NAME),
    re.compile(r"\b(?:my|our) co-?hosts?,? " + _NAME),
]
_GUEST_NAME_RES = [
    re.compile(r"\b(?:I|we) have (?:with (?:me|us)|on the show|here)(?: today)?,? " + _NAME),
    re.compile(r"\b(?:[Mm]y|[Oo]ur) guests? (?:today )?(?:is|are),? " + _NAME),
    re.compile(r"\bwith (?:me|us) (?:today )?(?:is|are) " + _NAME),
    re.compile(r"\b(?:[Jj]oining (?:me|us)(?: today)?(?: is)?|joined (?:today )?by) " + _NAME),
    re.compile(r"\b(?:studio|show|call|today|here) with " + _NAME),
    re.compile(r"\b[Ww]elcome(?: to the show| back)?,? " + _NAME + r"\s*[.!,]"),
    re.compile(r"\b[Tt]hanks?(?: you)?,? " + _NAME + r",? for (?:joining|coming|being)"),
]
_NOT_NAMES = frozenset(
    "The This That Today Everyone Everybody Back Me Us Him Her It Hi Hello Hey Welcome Thanks Thank So And But "
    "Okay Ok Yeah Well Now Here There We You They Our My Your His Its Their Episode Show Podcast".split()
)
# Background language, in a host's introduction of the guest ("he was a machine learning engineer at Stitch Fix").
_INTRO_RE = re.compile(
    r"\b(?:worked|works|spent|built|founded|co-?founded|created|started|ran|runs|led|leads|joined|years|"
    r"before that|currently|formerly|previously|engineer|founder|consultant|ceo|cto|director|head of|"
    r"partner|professor|phd|studied|graduated|creator|author)\b",
    re.IGNORECASE,
)
_AT_PLACE_RE = re.compile(r"\bat [A-Z][\w&-]+")  # "at Stitch Fix", "at Waterloo"
_THIRD_OR_SECOND_RE = re.compile(r"\b(?:he|she|they|his|her|their|you|your|you['\u2019](?:re|ve))\b", re.IGNORECASE)

# What an SOP calls each side. The guest is who answers; the host who asks.
_GUEST_NOUNS = {"expert": "interviewer", "candidate": "interviewer", "interviewee": "interviewer",
                "adviser": "advisee", "advisor": "advisee", "guest": "host", "speaker": "host"}  # fmt: skip
_HOST_NOUNS = {"interviewer": "expert", "host": "guest", "advisee": "adviser", "analyst": "expert"}
_GUEST_WORD = r"(?:expert|candidate|interviewee|advis[eo]r|guest)"
_HOST_WORD = r"(?:interviewer|host|advisee|analyst)"
_POSS = r"(?:['\u2019]s?)"


@dataclass(frozen=True)
class Voice:
    """Whose words a section quotes: `side`, and what the SOP calls each side (for labels)."""

    side: Side
    guest: str = "guest"  # "expert", "candidate", "adviser"
    host: str = "host"  # "interviewer", "advisee"

    def label(self, side: Side | None) -> str | None:
        return None if side is None else (self.guest if side == "guest" else self.host)


def _mentions(word: str, text: str) -> int:
    """Mentions of a side, not of a thing named after it ("expert calls", "the host company")."""
    return len(re.findall(rf"\b(?:the |an? )?{word}{_POSS}?\b(?! (?:calls?|networks?|company|country|sessions?))",
                          text, re.IGNORECASE))


def _asks_for(word: str, text: str) -> int:
    """How strongly `text` asks for this side's words: "cite the expert's answers", "the candidate's words",
    "what the adviser said"; "not the interviewer's" counts against."""
    strong = (
        rf"\b(?:cite|quote|evidence is|backed by|in) (?:only )?(?:the |their )?{word}{_POSS}? ?(?:own )?"
        rf"(?:words|answers|terms|views)?\b|\b{word}{_POSS} (?:own )?(?:words|answers|terms|views|claims)\b|"
        rf"\b(?:the )?{word} (?:said|gave|actually|pointed|knows|offered|disagreed|told|is\b|brought)"
    )
    against = rf"\bnot (?:the )?{word}{_POSS}|\b{word}{_POSS} questions\b"
    return 2 * len(re.findall(strong, text, re.IGNORECASE)) - 3 * len(re.findall(against, text, re.IGNORECASE))


def _read_voice(text: str) -> Voice | None:
    if re.search(r"\b(?:either|both) part(?:y|ies)\b|\beveryone\b", text, re.IGNORECASE):
        return None
    g = sum(_mentions(w, text) + _asks_for(w, text) for w in _GUEST_NOUNS if w != "speaker")
    h = sum(_mentions(w, text) + _asks_for(w, text) for w in _HOST_NOUNS)
    if g <= 0 and h <= 0 or g == h:
        return None
    side: Side = "guest" if g > h else "host"
    guest = next((w for w in _GUEST_NOUNS if re.search(rf"\b{w}", text, re.IGNORECASE)), None)
    host = next((w for w in _HOST_NOUNS if re.search(rf"\b{w}", text, re.IGNORECASE)), None)
    if guest is None and host is not None:
        guest = _HOST_NOUNS[host]
    guest = "adviser" if guest == "advisor" else guest or "guest"
    return Voice(side, guest, host or _GUEST_NOUNS.get(guest, "host"))


def voice(spec: SectionSpec, sop_instructions: str = "") -> Voice | None:
    """Whose words this section should quote, from what the section says (title, instructions), else from
    the SOP's own instructions; None when it names no side or both ("either party")."""
    own = _read_voice(f"{spec.title}. {spec.instructions}")
    if own is not None or re.search(r"\b(?:either|both) part(?:y|ies)\b", spec.instructions, re.IGNORECASE):
        return own
    return _read_voice(sop_instructions)


@dataclass(frozen=True)
class Roles:
    """One document's speakers by role. Empty sets when it cannot tell (no labels, a meeting of equals)."""

    hosts: frozenset[str] = frozenset()
    guests: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)  # speaker label -> name said in the opening
    guest_names: tuple[str, ...] = ()  # names introduced as the guest, with or without labels
    labelled: bool = False
    opening_end: int = -1  # index (into all sentences) of the opening's last sentence
    why: str = ""

    @property
    def known(self) -> bool:
        return bool(self.hosts and self.guests)

    def side_of(self, s: Sentence) -> Side | None:
        if s.speaker in self.guests:
            return "guest"
        if s.speaker in self.hosts:
            return "host"
        return None

    def label(self, s: Sentence, voice: Voice | None, *, introducing: bool = False) -> str | None:
        """Who says `s`, as the SOP names them ("expert, Jason Liu", "interviewer, introducing the expert");
        None when the roles are not known."""
        side = self.side_of(s)
        if side is None:
            return None
        v = voice or Voice("guest")
        name = self.names.get(s.speaker or "")
        said = v.label(side) or side
        if introducing and side == "host":
            said = f"{said}, introducing the {v.guest}"
        return f"{said}, {name}" if name and side == "guest" else said

    def in_opening(self, s: Sentence) -> bool:
        return s.index <= self.opening_end

    def allows(self, s: Sentence, side: Side | None) -> bool:
        """May `s` be quoted as this side's words? Never a question as the guest's view, and only with roles
        known, that side's lines. Without roles (no speaker labels) nothing is: filtering out questions and
        self-introductions still let the host's statements through as the expert's (a hand check found them
        among the expert's "contrarian views"), and a host's line is never first-hand."""
        if side is None:
            return True
        if side == "guest" and s.is_question:
            return False
        return self.known and self.side_of(s) == side

    def introduces_guest(self, s: Sentence) -> int:
        """How much a host's line in the opening says who the guest is ("Before that, he was a machine learning
        engineer at Stitch Fix": 4 background markers); 0 for any other line. Second-hand, but often the
        clearest account of the guest's background."""
        if not self.in_opening(s) or s.is_question or self.side_of(s) == "guest":
            return 0
        if self.known and self.side_of(s) != "host":
            return 0
        if _HOST_LINE_RE.search(s.text) or _names(s.text, _HOST_NAME_RES):
            return 0  # the host introducing the show or themselves
        named = any(n.split()[0] in s.text for n in self.guest_names)
        if not (named or _THIRD_OR_SECOND_RE.search(s.text) or not self.labelled):
            return 0
        markers = {m.lower() for m in _INTRO_RE.findall(s.text)} | set(_AT_PLACE_RE.findall(s.text))
        return len(markers)


def _names(text: str, patterns: list[re.Pattern[str]]) -> list[str]:
    out = []
    for p in patterns:
        for m in p.finditer(text):
            name = m.group(1)
            if name.split()[0] not in _NOT_NAMES and name.split("-")[0] not in _NOT_NAMES:
                out.append(name)
    return out


def _same_person(name: str, label: str) -> bool:
    """ "Jason Liu" speaks as "Jason" or "Jason Liu"; "David Blaney" is not "Hefin David AM"."""
    said, lab = name.lower().split(), label.lower().split()
    return bool(lab) and lab[0] == said[0] and all(w in lab for w in said[1:2] if len(lab) > 1)


def detect(sentences: Sequence[Sentence]) -> Roles:
    """The roles in one document (`sentences`: its sentences in order) from questions asked, share of talk,
    who answers whom, and what the opening says."""
    if not sentences:
        return Roles()
    first = sentences[0].start if sentences[0].start is not None else 0.0
    opening = [s for k, s in enumerate(sentences)
               if k < OPENING_SENTENCES or (s.start is not None and s.start - first <= OPENING_SECONDS)]  # fmt: skip
    labels = [s.speaker for s in sentences if s.speaker]
    host_open: Counter[str] = Counter()
    guest_open: Counter[str] = Counter()
    names: dict[str, str] = {}
    guest_names: list[str] = []
    for s in opening:
        said_host = _names(s.text, _HOST_NAME_RES)
        said_guest = [n for n in _names(s.text, _GUEST_NAME_RES) if n not in said_host]
        guest_names += [n for n in said_guest if n not in guest_names]
        if s.speaker and (_HOST_LINE_RE.search(s.text) or said_guest):
            host_open[s.speaker] += 1
            for n in _names(s.text, _HOST_NAME_RES[:2]):
                names.setdefault(s.speaker, n)
        if s.speaker and _GUEST_LINE_RE.search(s.text):
            guest_open[s.speaker] += 1
    end = opening[-1].index
    speakers = list(dict.fromkeys(labels))
    if len(speakers) < 2:
        why = "no speaker labels" if not speakers else "one speaker"
        return Roles(guest_names=tuple(guest_names), opening_end=end, why=why)
    for label in speakers:  # a label that is a name: "Jason Liu" introduced as the guest speaks as "Jason"
        for n in guest_names:
            if _same_person(n, label):
                names.setdefault(label, n)
    words: Counter[str] = Counter()
    asks: Counter[str] = Counter()
    for s in sentences:
        if s.speaker:
            words[s.speaker] += s.words
            asks[s.speaker] += C.is_prompt(s.text)
    total_words, total_asks = sum(words.values()) or 1, sum(asks.values())
    lean: dict[str, float] = {}
    for label in speakers:
        ask_share = asks[label] / total_asks if total_asks >= 2 else 0.0
        said = OPENING_WEIGHT * (min(host_open[label], 1) - min(guest_open[label], 1))
        # introduced by name counts towards guest only for someone who does not ask more than they talk (a
        # committee chair "pleased to welcome Angela Burns, who is substituting" introduces a questioner)
        talk_share = words[label] / total_words
        named_guest = any(names.get(label) == n for n in guest_names) and ask_share <= talk_share
        lean[label] = ask_share - talk_share + said - OPENING_WEIGHT * named_guest
    hosts = frozenset(k for k, v in lean.items() if v > LEAN)
    guests = frozenset(k for k, v in lean.items() if v < -LEAN)
    why = ", ".join(f"{k}: asks {asks[k]}, talk {words[k] / total_words:.0%}, lean {lean[k]:+.2f}" for k in speakers)
    # Without an opening that says who hosts, an interview must look like one: the hosts ask most of the
    # questions and a guest holds the floor. A design meeting's chair who asks a third of them is no host
    # (half of AMI's and ICSI's meetings had a "host" and a "guest" without this).
    opened = any(host_open[k] or guest_open[k] for k in speakers)
    asked = sum(asks[k] for k in hosts) / total_asks if total_asks else 0.0
    if not opened and not (asked >= INTERVIEW_ASKS and words.most_common(1)[0][0] in guests):
        hosts = guests = frozenset()
    if not (hosts and guests):
        hosts = guests = frozenset()
    elif len(guests) == 1 and guest_names and not any(n in guest_names for n in names.values()):
        names[next(iter(guests))] = guest_names[0]  # "today I have with me Jason Liu" and one guest: that is them
    return Roles(hosts, guests, names, tuple(guest_names), labelled=True, opening_end=end, why=why)


def detect_all(sentences: Sequence[Sentence], documents: int) -> list[Roles]:
    """`detect` for each of `documents` documents (sentences carry their `doc_index`)."""
    by_doc: list[list[Sentence]] = [[] for _ in range(documents)]
    for s in sentences:
        by_doc[s.doc_index].append(s)
    return [detect(ss) for ss in by_doc]
