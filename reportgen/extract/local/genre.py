"""What kind of source and what kind of section the offline engine faces, before any strategy runs.

Kept apart from `engine.py` so that strategies (`strategies/passages.py`) can ask the same questions
without importing the engine that imports them. Each test is a property of the source or of the SOP,
never of a corpus file: a conversation has speakers, a show says so in its opening, a judgement section
asks the reader's decision rather than what the sources say.
"""

from __future__ import annotations

import re

from reportgen.models import Document
from reportgen.sop import SectionSpec

# An agreement names itself, capitalised, in its title or first sentence ("SUPPLY AGREEMENT", "This Agreement
# is made ..."): 307 of the 308 contracts of CUAD's fit fold as our PDF ingest reads them (the one missed is a
# "Joint Filing Statement"), none of the non-agreement PDFs, transcripts or docs checked (docs/local-engine.md).
_AGREEMENT_RE = re.compile(r"\b(?:AGREEMENT|Agreement|CONTRACT|Contract|ADDENDUM|Addendum)\b")
AGREEMENT_OPENING_CHARS = 2000
_SHOW_RE = re.compile(r"\b(?:podcast|episode|this show|the show)\b", re.IGNORECASE)
SHOW_OPENING_CHARS = 2000
# A prose section named for a decision the reader takes ("Recommendation", "Overall assessment",
# "Should we invest?"); a list or table of recommendations is advice given, which the sources do hold.
_JUDGEMENT_RE = re.compile(
    r"\b(?:verdict|recommendation|overall assessment|should (?:we|i) (?:invest|hire|proceed|buy|sign))\b", re.I)

JUDGEMENT_NOTE = ("Nothing offered: this section asks for a judgement (a recommendation, a verdict), and a sentence "
                  "quoted from the sources is not one. The offline engine does not judge; read the sections above, "
                  "or use the llm engine for a draft.")
SHOW_NOTE = ("Nothing offered: the sources are a podcast or show, published talk rather than a meeting, a call about "
             "a subject under review or a data room, and this section quotes nobody in particular; the offline engine "
             "offers show passages only where the SOP asks for one side's words (the guest's, the expert's).")

AGREEMENT_NOTE = ("Nothing offered: the sources are agreements, and the offline engine reads an agreement only for its "
                  "contract terms (the CUAD clause model); its other sentences are obligations between the parties, "
                  "not statements for this section.")


def is_conversation(doc: Document) -> bool:
    """People speaking: a transcript, or any source whose segments carry speakers."""
    return doc.kind == "transcript" or any(s.speaker for s in doc.segments)


def is_show(doc: Document) -> bool:
    """A podcast or show, which says so in its opening ("welcome to the Mlops podcast"): published talk, not a
    working meeting (where the action-item detector was measured), a hiring interview (a scorecard's) nor a
    source about a subject under review (a diligence memo's company)."""
    return is_conversation(doc) and _SHOW_RE.search(doc.text[:SHOW_OPENING_CHARS]) is not None


def is_agreement(doc: Document) -> bool:
    """A contract, not a conversation: it binds parties and says nothing about a company's market, customers or
    team. Every passage the diligence memo's company and risk sections took from one was clause text sharing
    their words ("dark background colour" as the team, a royalty statement as traction): none useful in the
    hand checks (0 of 14) nor on five fit-fold contracts (0 of 9). Its clause terms are read by the CUAD model."""
    return not is_conversation(doc) and _AGREEMENT_RE.search(doc.text[:AGREEMENT_OPENING_CHARS]) is not None


def is_judgement(spec: SectionSpec) -> bool:
    """Does the section ask for the reader's decision (a verdict, a recommendation to a committee)? A quoted
    sentence cannot be one: in the hand checks every passage offered there was a record-keeping duty, a
    survival clause or the guest's past job ("observability tools for recommendation systems")."""
    if spec.kind == "verdict":
        return True
    return spec.kind == "prose" and _JUDGEMENT_RE.search(f"{spec.id.replace('_', ' ')} {spec.title}") is not None
