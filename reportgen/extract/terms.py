"""Content terms of a sentence: the words that say what it is about (stop words and fillers out, light stemming).

Shared by ranking (BM25, centrality) in local.py and conversation segmentation in topics.py, so both agree
on what counts as the same word ("retries" and "retry").
"""

from __future__ import annotations

from reportgen.extract.cues import tokens

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


def stem(tok: str) -> str:
    tok = tok.replace("\u2019", "'")
    for suf in _SUFFIXES:
        if len(tok) > len(suf) + 3 and tok.endswith(suf):
            return tok[: -len(suf)]
    return tok


def content_tokens(text: str) -> list[str]:
    return [stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 1]
