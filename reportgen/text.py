"""What counts as a word, the same word, an empty word and a filler, for every stage that compares words.

Retrieval for the llm engine's context (`reportgen.context`), the offline engine's ranking, topic
segmentation and field rules (`reportgen.extract.local`) and grounding's filler folding
(`reportgen.grounding`) all take their definitions from here, so "meetings" and "meeting" are one
term to every one of them, and a sentence of "yeah, okay" is empty to every one of them.

Grounding keeps its own tokeniser for locating quotes (Unicode folding, split-off clitics,
character offsets): that is matching a quote to the exact place it was said, not deciding what
a text is about, and it must not drop or merge words.

The stemmer is a light suffix stripper, not Snowball (which context selection alone used before).
Measured with `reportgen eval` (docs/eval.md): with Snowball everywhere the offline engine's
reports change and do no better (QMSum topics F1 0.59 -> 0.57), though context selection finds a
little more of CUAD's clauses (recall@k at a 20% budget 0.47 -> 0.52; it was 0.50 with Snowball
and the old, shorter stopword list). With this stemmer the offline reports are unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_RE = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")

# Function words and the talk around content ("yeah", "gonna", "I think"): never what a text is about.
STOPWORDS = frozenset(
    "a about above after again against all am an and any are as at be because been before being below between both "
    "but by can could did do does doing down during each few for from further had has have having he her here hers "
    "him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our "
    "ours out over own same she should so some such than that the their them then there these they this those "
    "through to too under until up very was we were what when where which while who whom why will with would you "
    "your yours yeah okay ok um uh like know mean really think going get got also well right oh thing things lot "
    "kind sort gonna wanna want one say said see go let us i'm it's that's don't i'll we'll you're we're they're "
    "there's can't didn't doesn't isn't wasn't i've i'd every each".split()
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ied", "ed", "es", "ly", "s")

# Disfluencies: sounds, not words. Grounding drops them from quote and source alike. Deliberately
# short: "like", "so", "well", "actually" carry meaning too often to drop.
FILLERS: frozenset[str] = frozenset({"um", "umm", "uhm", "uh", "uhh", "erm", "hmm", "hm", "mm", "mmm"})
FILLER_PAIRS: frozenset[tuple[str, str]] = frozenset({("you", "know"), ("i", "mean")})

# Backchannel: words a listener says to keep the floor moving ("yeah, okay, right"). A sentence of
# nothing else says nothing a report could use.
BACKCHANNEL = frozenset(
    "yeah yes yep yup no nope ok okay right um uh erm hmm mm mhm uh-huh so sure cool great alright all thanks thank "
    "you i mean know like oh wow exactly totally absolutely well good got it that's thats true awesome nice "
    "interesting and but the a yeah. fine perfect definitely correct indeed sounds makes sense hey hi hello bye "
    "see ya just really actually gotcha huh ah".split()
)


def words(text: str) -> list[str]:
    """The lowercased words of a text, apostrophes kept ("don't", "i\u2019ll")."""
    return WORD_RE.findall(text.lower())


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """'meetings' and 'meeting', 'launched' and 'launch' as one term (plural and tense endings only).

    Cached: a report stems the same few thousand words tens of thousands of times."""
    word = word.replace("\u2019", "'")
    for suf in _SUFFIXES:
        if len(word) > len(suf) + 3 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def content_words(text: str) -> list[str]:
    """The words that say what a text is about: stopwords and one-letter words out, unstemmed."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def terms(text: str) -> list[str]:
    """Stemmed content words: what retrieval indexes and ranking compares."""
    return [stem(w) for w in content_words(text)]


def is_backchannel(text: str) -> bool:
    """True for a text made only of backchannel words ("Yeah, okay, right."), or of no words at all."""
    ws = words(text)
    return not ws or all(w in BACKCHANNEL for w in ws)
