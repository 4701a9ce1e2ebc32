"""Who can own an action: the speakers, and anyone named in the sources' text.

Owners are checked against the sources rather than a directory because a report is about
one meeting or data room: a name nobody said is more likely a model's invention than a person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reportgen.models import Document

PRONOUNS = frozenset(
    "i me my myself mine we us our ourselves you your yourself he him his she her they them their "
    "someone somebody anyone anybody everyone everybody nobody tbd tbc unknown n/a na".split()
)
_TITLES = frozenset("mr mrs ms miss dr prof sir".split())


class People:
    """Who can own something: the speakers, and anyone named in the sources' text."""

    def __init__(self, speakers: list[str], texts: list[str]) -> None:
        self.speakers = list(dict.fromkeys(s for s in speakers if s and s.strip()))
        self._speaker_tokens = [_name_tokens(s) for s in self.speakers]
        self._texts = [t.lower() for t in texts if t]
        self._cache: dict[str, bool] = {}

    @classmethod
    def of_documents(cls, documents: list[Document]) -> People:
        return cls([s for d in documents for s in d.speakers], [d.text for d in documents])

    @classmethod
    def of_names(cls, names: Iterable[str]) -> People:
        return cls(list(names), [])

    def knows(self, name: str) -> bool:
        if name not in self._cache:
            self._cache[name] = self._knows(name)
        return self._cache[name]

    def _knows(self, name: str) -> bool:
        tokens = _name_tokens(name)
        if not tokens:
            return False
        for sp in self._speaker_tokens:
            if sp and (tokens == sp or tokens[0] == sp[0] or set(tokens) <= set(sp) or set(sp) <= set(tokens)):
                return True
        phrase = " ".join(tokens)
        return any(_has_word(t, phrase) or _has_word(t, tokens[0]) for t in self._texts)


def _name_tokens(name: str) -> list[str]:
    words = re.findall(r"[\w'-]+", unicodedata.normalize("NFKC", name).lower())
    return [w for w in words if w not in _TITLES]


def _has_word(text: str, phrase: str) -> bool:
    if len(phrase) < 2:
        return False
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None
