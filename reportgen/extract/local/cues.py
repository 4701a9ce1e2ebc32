"""Cue families: the language that signals a commitment, a decision, a risk, a figure...

A section's *family* is chosen from what the SOP says about it (id, title, instructions,
cues, field names and types), so a user's own SOP gets the same treatment as a built-in
one. The SOP's own cue phrases are always matched too and are the main signal; families add
the phrasing people actually use that an SOP author may not have listed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reportgen.sop import SectionSpec
from reportgen.text import is_backchannel

# Family -> regex over a sentence. Weights are in ranking.py; these only say "this reads like one".
FAMILY_PATTERNS: dict[str, re.Pattern[str]] = {
    "commitment": re.compile(
        r"\b(?:I['\u2019]ll|I will|I'm going to|I am going to|I can take|I'll take|let me|I'll get|I'll send|"
        r"we['\u2019]ll|we will|we need to|we have to|we should|we're going to|"
        r"action items?|follow[- ]up|follow up|next steps?|to-?do|take care of|take that|"
        r"own(?:s|ing)? (?:this|that|it)|"
        r"(?:can|could|would) you (?:(?:please|also|just|maybe|quickly|still) )*(?:send|share|check|look|get|set|"
        r"draft|make|put|follow|reach|review|"
        r"write|prepare|update|schedule|find|ping|email|call|loop)|"
        r"\b[A-Z][a-z]+ (?:will|is going to|to) (?:send|share|check|look|get|set|draft|make|put|follow|reach|review|"
        r"write|prepare|update|schedule|find|ping|email|call|own|handle|take))\b",
        re.IGNORECASE,
    ),
    # Decisions commit the group to a course of action; bare agreement ("Agreed, that's the risk") is not one
    # (see `is_decision`, which also accepts agreement that carries an action: "it's agreed: we launch ...").
    "decision": re.compile(
        r"\b(?:we (?:have )?decided|(?:I|we)['\u2019]ve decided|I (?:have )?decided|the decision is|"
        r"decision (?:is|was) made|let['\u2019]s go with|(?:we|I)['\u2019]ll go with|(?:we|I) will go with|"
        r"we['\u2019]re going (?:to go )?with|we are going (?:to go )?with|settled on|we chose|we['\u2019]ve chosen|"
        r"final answer|(?:so )?that['\u2019]s (?:decided|settled|the plan)|we['\u2019]ll stick with|"
        r"(?:is|was|were|are|been|got) approved|approved (?:the|it)|ruled out|we['\u2019]re not going to|"
        r"we won['\u2019]t|let['\u2019]s not|let['\u2019]s (?:do|use|keep|go ahead|drop|stick|move|ship|launch|"
        r"postpone|push|cut|make|put)|we go with|go ahead with|the way to go|(?:we|I) agreed (?:to|that|on)|"
        r"(?:it['\u2019]s|it is|we['\u2019]re|we are) agreed(?: that)?\s*[:,-]?\s*(?:we|the|to)\b|"
        r"(?:we['\u2019]ll|we will|we['\u2019]re going to|we are going to) (?:ship|launch|release|go live|go ahead|"
        r"use|adopt|drop|switch|move (?:the|to|forward))\b)",
        re.IGNORECASE,
    ),
    "risk": re.compile(
        r"\b(?:risks?|risky|concern(?:s|ed|ing)?|worr(?:y|ied|ies|ying)|churn(?:ed|ing)?|lawsuits?|litigation|"
        r"red flags?|problem(?:s|atic)?|issues?|threat(?:s|en)?|exposure|liabilit(?:y|ies)|dependen(?:t|cy|ce) on|"
        r"declin(?:e|ing)|downside|weak(?:ness|nesses)?|struggl(?:e|ing)|fail(?:ed|ing|ure|s)?|loss(?:es)?|"
        r"los(?:e|ing)|"
        r"compet(?:itor|itors|ition)|regulat(?:ory|ion|or)|breach|default|delay(?:ed|s)?|bottleneck|"
        r"concentration|key[- ]person|unclear|uncertain(?:ty)?|danger(?:ous)?|scar(?:y|ed))\b",
        re.IGNORECASE,
    ),
    # Explicitly open: said to be unknown or undecided. A plain question is open only when nobody answered it
    # (strategies/questions.py checks the next turns).
    "question": re.compile(
        r"\b(?:open questions?|(?:we|I) still don['\u2019]t know|still (?:unclear|unknown)|"
        r"(?:is|are) still (?:open|unresolved|undecided)|remains? (?:open|unresolved|undecided)|tbd|"
        r"(?:still )?to be (?:determined|decided|confirmed)|"
        r"not sure (?:if|whether|how|what|why|when)|(?:we|I) need to (?:figure out|find out|understand)|"
        r"I don['\u2019]t know (?:if|whether|how|what|why|when)|unresolved|unanswered|nobody knows|no one knows|"
        r"nobody (?:has|had) (?:asked|checked|looked)|no one (?:has|had) (?:asked|checked|looked)|(?:an )?open issue|"
        r"the (?:big |open |remaining )?question is|I wonder|it['\u2019]s (?:still )?unclear|remains to be seen|"
        r"(?:does|do) (?:anyone|anybody) know|we['\u2019]ll have to see)\b",
        re.IGNORECASE,
    ),
    "figure": re.compile(
        r"(?:[$€£¥]\s?\d|\d\s?%|\bpercent\b|\b\d+(?:\.\d+)?\s?x\b|\b(?:million|billion|thousand)\b|"
        r"\b(?:arr|mrr|revenue|ebitda|gross margin|margin|growth|churn|retention|valuation|burn|runway|"
        r"bookings|profit|customers|headcount|price|cost)\b)",
        re.IGNORECASE,
    ),
    "advice": re.compile(
        r"\b(?:you should|you shouldn['\u2019]t|you need to|you have to|you must|you want to|you don['\u2019]t want to|"
        r"I['\u2019]d recommend|I would recommend|I recommend|my advice|I['\u2019]d suggest|I would suggest|I suggest|"
        r"if I were you|the key is|the trick is|make sure|don['\u2019]t (?:do|try|worry|bother)|try to|"
        r"I['\u2019]d (?:focus|start|go|do|avoid|think about)|what I would do|the best way|rule of thumb|"
        r"the lesson|always|never)\b",
        re.IGNORECASE,
    ),
    "insight": re.compile(
        r"\b(?:the (?:key|main|big|biggest|real) (?:thing|insight|point|takeaway|driver|reason|lesson)|"
        r"what (?:we|I) (?:found|learned|saw|see)|it turns out|the reason is|because|in my experience|"
        r"the trend|what matters|the important thing|fundamentally|the truth is|I think|I believe)\b",
        re.IGNORECASE,
    ),
    "contrarian": re.compile(
        r"\b(?:I disagree|contrary|contrarian|unpopular|most people (?:think|believe|assume)|"
        r"people (?:think|assume|believe)|(?:a )?myth|overrated|underrated|overhyped|"
        r"I don['\u2019]t (?:think|buy|agree)|"
        r"actually|the opposite|counterintuitive|surprisingly|not (?:really )?true|wrong about|misconception|"
        r"everyone (?:thinks|says))\b",
        re.IGNORECASE,
    ),
    "background": re.compile(
        r"\b(?:I (?:was|worked|work|ran|run|led|lead|managed|manage|joined|founded|started|spent|built|oversee)|"
        r"I['\u2019]ve (?:been|worked|spent|run|led|managed|built)|my (?:role|team|background|job|experience)|"
        r"years (?:at|of|in)|formerly|previously|before that|currently|"
        r"I['\u2019]m (?:the|a|an|currently|responsible))\b",
        re.IGNORECASE,
    ),
    "strength": re.compile(
        r"\b(?:strong|strength|great|excellent|impressive|good at|led|drove|shipped|delivered|solved|improved|"
        r"increased|reduced|built|launched|owned|mentored|achieved|success(?:ful|fully)?|proud)\b",
        re.IGNORECASE,
    ),
    "topic": re.compile(
        r"\b(?:let['\u2019]s (?:talk|move|start|turn|discuss|go)|moving on|next (?:item|topic|point)|on the agenda|"
        r"agenda|the (?:first|second|next|last) (?:thing|topic|item|point)|talk(?:ing)? about|turning to|"
        r"regarding|with regards? to|in terms of|so the (?:topic|question))\b",
        re.IGNORECASE,
    ),
    "summary": re.compile(
        r"\b(?:the (?:goal|purpose|point|aim|focus|main thing)|we['\u2019]re here to|today we|this meeting|"
        r"(?:this|it)['\u2019]?s? (?:is )?(?:the|our) (?:weekly|monthly|daily|quarterly|regular|kick-?off|first)|"
        r"I want (?:to leave|us to leave|to get|to decide|a decision)|we need to (?:decide|agree|leave)|"
        r"(?:go|no)[- ]or[- ]no[- ]go|the agenda|"
        r"in summary|to summari[sz]e|overall|basically|the idea is|the plan is|we['\u2019]re building|"
        r"the company|our (?:product|company|business|customers)|we (?:sell|build|make|provide|help))\b",
        re.IGNORECASE,
    ),
    "recommendation": re.compile(
        r"\b(?:I['\u2019]d (?:hire|invest|pass|recommend|go|move)|we should (?:hire|invest|pass|move|proceed|not)|"
        r"recommend|strong(?:ly)? (?:hire|yes|no)|(?:a |the )?(?:hire|no hire|pass|invest|proceed)\b|"
        r"my (?:vote|recommendation|verdict|take)|on balance|overall|"
        r"I['\u2019]m (?:excited|concerned|not convinced))\b",
        re.IGNORECASE,
    ),
}

# Words in what the SOP says about a section -> the families that serve it.
_TRIGGERS: list[tuple[str, re.Pattern[str]]] = [
    ("commitment", re.compile(r"action|follow[- ]?ups?|next steps?|to-?dos?|tasks?|commitments?|owners?|assign", re.I)),
    ("decision", re.compile(r"decision|decided|agreed|agreement|resolution|conclusions?", re.I)),
    ("risk", re.compile(r"risks?|concerns?|red flags?|weakness|threats?|issues|problems|pitfalls|mitigation", re.I)),
    ("question", re.compile(r"questions?|unknowns?|unresolved|open items?|clarif|diligence requests?", re.I)),
    ("figure", re.compile(r"financ|figures?|metrics?|numbers?|quantitative|data points?|kpis?|traction|revenue|"
                          r"valuation|unit economics|pricing|market size", re.I)),
    ("advice", re.compile(r"advice|advise|recommendations? given|suggestions?|tips?|guidance|lessons", re.I)),
    ("insight", re.compile(r"insights?|takeaways?|learnings?|findings|observations|themes?|views?", re.I)),
    ("contrarian", re.compile(r"contrarian|disagree|dissent|counter|surpris|non-consensus", re.I)),
    ("background", re.compile(r"vantage|background|bio|experience|credentials|who is|role|team|expert", re.I)),
    ("strength", re.compile(r"strengths?|positives?|highlights?|wins?|achievements?", re.I)),
    ("topic", re.compile(r"topics?|agenda|discussed|themes?", re.I)),
    ("summary", re.compile(r"summary|overview|synopsis|abstract|product|company|market|customers", re.I)),
    ("recommendation", re.compile(r"recommendation|verdict|decision to|hire|invest|go/no", re.I)),
]  # fmt: skip
_FAMILY_TRIGGERS = [(fam, re.compile(r"\b(?:" + p.pattern + ")", re.I)) for fam, p in _TRIGGERS]

_FILLER_PREFIX_RE = re.compile(
    r"^(?:(?:so|and|but|okay|ok|yeah|yes|well|um+|uh+|erm|hmm|oh|alright|all right|right|like|you know|I mean|"
    r"now|anyway|basically|actually|look|listen)\b[,.!]?\s*)+",
    re.IGNORECASE,
)
_INLINE_FILLER_RE = re.compile(r"(?:,\s*)?\b(?:um+|uh+|erm|you know|I mean|sort of|kind of)\b,?\s*", re.IGNORECASE)
_AGREEMENT_RE = re.compile(
    r"\b(?:agreed|I agree|we agree|agree(?:d)? with|consensus|makes sense|sounds (?:good|right)|fair enough|"
    r"sign(?:ed|s)? off|approved)\b",
    re.IGNORECASE,
)


def is_bare_agreement(text: str) -> bool:
    """ "Agreed, that's the biggest risk." agrees with a statement; it commits nobody to anything."""
    return bool(_AGREEMENT_RE.search(text)) and not FAMILY_PATTERNS["decision"].search(text)


_IGNORANCE_RE = re.compile(
    r"^(?:(?:um+|uh+|well|so|hmm+|honestly)[,.]?\s*)*(?:I don['\u2019]t know|I do not know|no idea|not sure|"
    r"I['\u2019]m not sure|nobody knows|no one knows|good question|that['\u2019]s a good question|"
    r"I have no idea|unclear|we don['\u2019]t know|TBD|let['\u2019]s (?:park|come back to|take) (?:that|it)|"
    r"(?:we['\u2019]ll|we will) (?:have to )?see)\b",
    re.IGNORECASE,
)


def is_non_answer(text: str) -> bool:
    """A reply that leaves a question open: "I don't know.", "Good question.", "Yeah." (backchannel only)."""
    return is_backchannel(text) or bool(_IGNORANCE_RE.search(text.strip()))


def families_for(spec: SectionSpec) -> list[str]:
    """The cue families that serve a section, from everything the SOP says about it."""
    # The id and title name what a section is; instructions only break the tie when they say nothing,
    # because instructions mention neighbouring ideas ("decisions, not action items").
    named = f"{spec.id.replace('_', ' ')} {spec.title}"
    fams = [fam for fam, trig in _FAMILY_TRIGGERS if trig.search(named)]
    if not fams:
        about = " ".join([spec.instructions, " ".join(spec.fields)] + [f.description for f in spec.fields.values()])
        fams = [fam for fam, trig in _FAMILY_TRIGGERS if trig.search(about)]
    types = {f.type for f in spec.fields.values()}
    if types & {"money", "number"} and "figure" not in fams:
        fams.append("figure")
    names = set(spec.fields)
    if "person" in types and "date" in types and "commitment" not in fams and names & {"owner", "assignee", "due"}:
        fams.append("commitment")
    # A section about recommendations given (advice) is not a verdict; a verdict never uses commitment cues.
    if spec.kind == "verdict":
        fams = [f for f in fams if f in ("recommendation", "risk", "strength", "decision")] or ["recommendation"]
    return fams


def family_hits(text: str, fams: list[str]) -> list[str]:
    return [f for f in fams if _hits(text, f)]


@lru_cache(maxsize=1 << 16)
def _hits(text: str, fam: str) -> bool:
    """One regex search per sentence and family per process: every section asks the same sentences the
    same questions (the hot spot issue "speed where users wait" found in the offline engine)."""
    return _search(FAMILY_PATTERNS[fam], text)


# Case-insensitive searching, done as a case-sensitive search of the lowered text where the two are the same.
# Python's re tries every alternative of a case-insensitive pattern in full at every position; a case-sensitive
# one skips an alternative at its first character, which made the cue searches of a contract room 3x faster.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_source(pattern: str) -> str:
    """A pattern's source with its letters lowered, escapes (\\S, \\W, \\B, \\u2019...) kept as written."""
    out: list[str] = []
    escaped = False
    for ch in pattern:
        out.append(ch if escaped else ch.lower())
        escaped = not escaped and ch == "\\"
    return "".join(out)


@lru_cache(maxsize=1024)
def _folded(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The case-sensitive twin of a case-insensitive pattern; None for a case-sensitive one, or one with a
    case-sensitive part of its own ("(?-i:...)")."""
    if not pattern.flags & re.IGNORECASE or "(?-" in pattern.pattern:
        return None
    return re.compile(_fold_source(pattern.pattern), pattern.flags & ~re.IGNORECASE)


@lru_cache(maxsize=1 << 15)
def _lowered(text: str) -> str | None:
    """The text lowered when every character outside ASCII is uncased (quotes, dashes, symbols): then
    lowering keeps each character's place and word-ness, and only ASCII letters fold, so the searches agree.
    None for text with other letters ("é", "ſ", the Kelvin sign fold in ways lowering does not mirror)."""
    if not text.isascii():
        for ch in set(_NON_ASCII.findall(text)):
            if ch.lower() != ch or ch.upper() != ch:
                return None
    return text.lower()


def _search(pattern: re.Pattern[str], text: str) -> bool:
    """`pattern.search(text) is not None`, faster for the case-insensitive patterns of this module."""
    folded = _folded(pattern)  # cached per pattern: testing its flags here cost a third of the search
    if folded is not None:
        low = _lowered(text)
        if low is not None:
            return folded.search(low) is not None
    return pattern.search(text) is not None


def cue_patterns(cues: list[str]) -> list[re.Pattern[str]]:
    """SOP cue phrases as word-bounded, apostrophe-tolerant, case-insensitive patterns."""
    out = []
    for cue in cues:
        cue = cue.strip()
        if not cue:
            continue
        body = re.escape(cue).replace("'", "['\u2019]").replace("\u2019", "['\u2019]").replace(r"\ ", r"\s+")
        left = r"\b" if cue[0].isalnum() else ""
        right = r"\b" if cue[-1].isalnum() else ""
        out.append(re.compile(left + body + right, re.IGNORECASE))
    return out


@lru_cache(maxsize=256)
def _any_cue(pats: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p.pattern})" for p in pats), re.IGNORECASE) if pats else None


def cue_count(text: str, pats: list[re.Pattern[str]]) -> int:
    """How many of an SOP's cue phrases a sentence says. One combined search first: most sentences
    say none, and testing each of a section's dozens of cues on every sentence was the engine's
    largest cost."""
    group = tuple(pats)
    anyone = _any_cue(group)
    if anyone is None or not _search(anyone, text):
        return 0
    return sum(1 for p in group if _search(p, text))


def clean(text: str) -> str:
    """A sentence made readable as an item: fillers and false starts out, meaning kept."""
    t = _FILLER_PREFIX_RE.sub("", text.strip())
    t = _INLINE_FILLER_RE.sub(lambda m: " " if not m.group(0).startswith(",") else ", ", t)
    t = re.sub(r"\b(\w+)(?:\s+\1\b)+", r"\1", t, flags=re.IGNORECASE)  # "the the", "I I"
    t = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s+", " ", t)).strip(" ,-")
    t = re.sub(r",\s*([.!?])$", r"\1", t)
    return t[:1].upper() + t[1:] if t else text.strip()


_TASK_LEAD_RE = re.compile(
    r"^(?:(?:I|we)(?:['\u2019](?:ll|m going to|re going to|d)|\s+(?:think\s+)?(?:will|am going to|are going to|"
    r"can|could|need to|have to|should|must))\s+(?:also\s+|just\s+|probably\s+|definitely\s+|go ahead and\s+)?"
    r"|let me\s+|let['\u2019]s\s+"
    r"|(?:can|could|would)\s+you\s+(?:(?:please|also|just|maybe|quickly|still)\s+)*"
    r"|(?:the\s+)?action items?\s+(?:is|are|for \w+ is)\s*(?:to\s+)?:?\s*"
    r"|(?:and\s+)?then\s+)",
    re.IGNORECASE,
)
_NAMED_LEAD_RE = re.compile(
    r"^(?P<name>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)(?:,\s*(?:can|could|would)\s+you\s+(?:(?:please|also|just|maybe|quickly|still)\s+)*|\s+(?:will|['\u2019]ll|"
    r"is going to|can|should|needs to|to)\s+(?:also\s+)?)"
)


_SCENE_RE = re.compile(r"^(?:on|for|about|as for|regarding|re)\s+[^,]{1,40},\s*(?=(?:I|we|let)\b)", re.IGNORECASE)
_ASIDE_RE = re.compile(r",\s*(?:that['\u2019]s|which is|it['\u2019]s|since that['\u2019]s) .*$", re.IGNORECASE)


def task_text(sentence: str) -> str:
    """The task in a commitment: "So I'll send the deck by Friday." -> "Send the deck by Friday"."""
    t = _SCENE_RE.sub("", clean(sentence))  # "On support, we need to..." -> "we need to..."
    m = _NAMED_LEAD_RE.match(t)
    if m:
        t = t[m.end() :]
    else:
        for _ in range(3):  # "Then I'll ...", "And then let me ..."
            stripped = _TASK_LEAD_RE.sub("", t, count=1)
            if stripped == t:
                break
            t = stripped
    t = re.sub(r",?\s*(?:please|okay|ok|right)?\s*\??$", "", t.rstrip(".!?")).strip(" ,")
    t = re.sub(r",\s*[A-Z][a-z]+$", "", t)  # "..., Sarah" (the addressee is the owner, not the task)
    t = _ASIDE_RE.sub("", t)  # "handle the status page, that's on support anyway"
    return (t[:1].upper() + t[1:]) if t else clean(sentence)


_PRONOUN_OBJECT_RE = re.compile(r"^(\w+(?:\s+\w+)?)\s+(it|this|that|them|those|these)\b(?!\s+(?:is|was|'s)\b)",
                                re.IGNORECASE)  # fmt: skip
_NP_RE = re.compile(r"\b(?:the|our|their|your|this|that|these|those)\s+([a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})",
                    re.IGNORECASE)  # fmt: skip
_NP_STOP = frozenset(
    "is are was were be been has have had does do did will would can could should must may might needs need "
    "points goes looks seems gets keeps runs works shows says still already also just now currently always never "
    "really only even again and or but to of in on at for with by from that which who as if so than then because "
    "when while into onto about over under after before it its here there".split()
)
_NP_VAGUE = frozenset("thing things one ones way stuff time moment point lot bit idea other same whole rest".split())


def pronoun_object(task: str) -> str | None:
    """The pronoun a task acts on when it has no noun ("Update it before launch" -> "it"), else None."""
    m = _PRONOUN_OBJECT_RE.match(task)
    if not m or m.group(1).split()[-1].lower() in ("is", "was", "think", "guess", "mean", "know"):
        return None
    return m.group(2)


def antecedent(sentence: str) -> str | None:
    """The first definite noun phrase of a sentence ("the status page still points..." -> "the status page")."""
    for m in _NP_RE.finditer(sentence):
        words = []
        for w in m.group(1).split():
            if w.lower() in _NP_STOP:
                break
            words.append(w)
        if words and words[-1].lower() not in _NP_VAGUE:
            return f"the {' '.join(words)}"
    return None


def resolve_pronoun(task: str, context: str) -> str | None:
    """ "Update it before launch" + "the status page still points..." -> "Update the status page before launch"."""
    pron = pronoun_object(task)
    np = antecedent(context) if pron else None
    if not pron or not np:
        return None
    m = _PRONOUN_OBJECT_RE.match(task)
    assert m is not None
    return task[: m.start(2)] + np + task[m.end(2) :]


_NOT_NAMES = frozenset(
    "I We You They He She It This That So And But Then Okay Ok Yeah Yes No Well Also Maybe Let Everyone "
    "Somebody Someone Nobody Anyone Who What When Where Why How The A An Our My Your Their Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday Today Tomorrow Next Great Sure Right Alright Cool".split()
)


def named_person(sentence: str) -> str | None:
    """The person a task is given to by name: "Sarah will..." / "Sarah, can you..." / "..., Sarah?"."""
    s = _FILLER_PREFIX_RE.sub("", sentence.strip())
    m = _NAMED_LEAD_RE.match(s)
    if m and m.group("name").split()[0] not in _NOT_NAMES:
        return m.group("name")
    m = re.search(r"(?i:can|could|would) you\b.*,\s*(?P<name>[A-Z][a-z]+)\s*[?.!]?$", s)
    if m and m.group("name") not in _NOT_NAMES:
        return m.group("name")
    return None


_FIRST_PERSON_RE = re.compile(
    r"\b(?:I['\u2019]ll|I will|I['\u2019]m going to|I am going to|I can|let me|I['\u2019]ll take|I need to|I have to|"
    r"I should|I['\u2019]d be happy to|I['\u2019]m happy to)\b",
    re.IGNORECASE,
)
_WE_RE = re.compile(
    r"\b(?:we['\u2019]ll|we will|we need to|we have to|we should|we['\u2019]re going to|let['\u2019]s)\b", re.IGNORECASE
)
_ASK_RE = re.compile(r"\b(?:can|could|would) you\b", re.IGNORECASE)


def commitment_subject(sentence: str) -> str:
    """Who the sentence commits: "named", "self" (first person), "addressee" (can you), "team" (we), or ""."""
    if named_person(sentence):
        return "named"
    if _FIRST_PERSON_RE.search(sentence):
        return "self"
    if _ASK_RE.search(sentence):
        return "addressee"
    if _WE_RE.search(sentence):
        return "team"
    return ""


_ACCEPT_RE = re.compile(
    r"^(?:(?:sure|yes|yeah|yep|ok(?:ay)?|absolutely|definitely|of course|no problem)[,.!]?\s*)*"
    r"(?:I can|I['\u2019]ll|I will|let me|I['\u2019]m happy to|happy to|will do|on it|can do|I['\u2019]m on it)"
    r"(?:\s+(?:take|do|handle|own|grab|cover|look into|deal with)\s+(?:that|it|this|those|them)(?:\s+one)?)?"
    # a deadline said with the yes ("Will do, by Thursday.", "I can do that, end of next week.")
    r"(?:\s*[,;-]?\s*(?P<when>(?:by|before|on|until|first thing|end of|early|later|this|next|tomorrow|today|"
    r"tonight|in)\b[^.!?]{0,40}))?[.!]?$",
    re.IGNORECASE,
)
_BARE_YES_RE = re.compile(r"^(?:sure|yes|yep|absolutely|definitely|of course|no problem)"
                          r"(?:[,.!]?\s*(?:thing|sure))?[.!]?$", re.IGNORECASE)  # fmt: skip


def is_acceptance(sentence: str) -> bool:
    """ "Sure, I can take that." commits to what someone else just asked; the task is in that request."""
    return bool(_ACCEPT_RE.match(sentence.strip()))


def is_short_acceptance(sentence: str) -> bool:
    """An acceptance too short to be an item on its own ("Will do, by Thursday.", "Sure.", "On it."): it only
    counts as the reply to a request made to its speaker."""
    s = sentence.strip()
    return bool(_ACCEPT_RE.match(s) or _BARE_YES_RE.match(s))


_REQUEST_RE = re.compile(r"\b(?:can|could|would) you (?:(?:please|also|just|maybe|quickly|still) )*"
                         r"(?!tell|explain|talk|describe|say|walk|share your)\w+", re.IGNORECASE)  # fmt: skip


def is_request(sentence: str) -> bool:
    """ "Priya, can you check the logs?" is a task for Priya, not an open question."""
    return bool(_REQUEST_RE.search(sentence))


# --- interviews: who asks, what they ask about, and answers that speak against the candidate --------------------

_PROMPT_RE = re.compile(
    r"^(?:(?:so|and|okay|ok|now|next|great|thanks)[,.!]?\s+)*(?:tell me|walk me through|talk me through|take me "
    r"through|describe|give me an example|share an example|explain|talk about|let['\u2019]s talk about)\b",
    re.IGNORECASE,
)


def is_prompt(sentence: str) -> bool:
    """A question or an interview prompt ("Tell me about a project you led."): how the interviewer is found."""
    s = sentence.strip()
    return s.rstrip("\"'\u201d\u2019) ").endswith("?") or bool(_PROMPT_RE.match(s))


_HEDGE_RE = re.compile(
    r"\b(?:I['\u2019]m not (?:sure|certain|familiar)|I am not sure|I don['\u2019]t (?:know|remember|really)|"
    r"I['\u2019]d have to (?:look|check|ask|think|find)|hard to say|no idea|I can['\u2019]t (?:remember|say)|"
    r"I haven['\u2019]t|I['\u2019]ve never|I have never|I wasn['\u2019]t (?:involved|sure|part)|I didn['\u2019]t|"
    r"not really|I guess|someone else|the team handled|I struggled|I never)\b",
    re.IGNORECASE,
)


def is_hedge(sentence: str) -> bool:
    """Uncertainty or distance from the work ("I'm not sure how I'd break it down"): evidence against a
    competency is evidence too, and a scorecard that drops it flatters the candidate."""
    return bool(_HEDGE_RE.search(sentence))


# Competency (matched on a criterion's id and name, then its question) -> how interviewers usually probe it.
# A prompt matching these is about that competency even when it shares no word with the SOP's question
# ("Walk me through how you would size the market" probes problem solving).
_COMPETENCY_PROMPTS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"problem|analy|reason|judg|think|solv", re.I),
     re.compile(r"\b(?:walk me through|talk me through|how would you|how do you approach|how did you approach|"
                r"estimate|size the|sizing|problem you|break (?:it|this|that) down|figure out|work out|debug|"
                r"root cause|trade-?offs?)\b", re.I)),
    (re.compile(r"communicat|explain|present|clarity|writ", re.I),
     re.compile(r"\b(?:explain|non-?(?:technical|engineers?)|stakeholders?|present|audience|simpl|to a customer|"
                r"to your manager|write up|document)\w*", re.I)),
    (re.compile(r"owner|lead|responsib|initiative|accountab|drive", re.I),
     re.compile(r"\b(?:you led|led|lead|a time you|your mistake|a mistake|responsib\w*|own(?:ed)?|initiative|"
                r"project you|you drove|took charge|your role)\b", re.I)),
    (re.compile(r"compos|pressure|resilien|stress|conflict|calm", re.I),
     re.compile(r"\b(?:push(?:ed)? back|pushback|went wrong|goes wrong|pressure|stress\w*|conflict|disagree\w*|"
                r"challenge|far too|setback|fail\w*|outage|deadline|difficult (?:person|colleague|situation))\b",
                re.I)),
    (re.compile(r"role|skill|technical|craft|expertise|knowledge", re.I),
     re.compile(r"\b(?:design|build|built|architect\w*|technical|tools?|stack|implement\w*|framework|in depth)\b",
                re.I)),
    (re.compile(r"team|collab|cooperat", re.I),
     re.compile(r"\b(?:team|colleagues?|collaborat\w*|work(?:ed)? with|peers?)\b", re.I)),
]  # fmt: skip


def competency_prompts(criterion_words: str) -> list[re.Pattern[str]]:
    """How interviewers probe the competency these words name (a criterion's id and name, else its question)."""
    return [prompt for which, prompt in _COMPETENCY_PROMPTS if which.search(criterion_words)]
