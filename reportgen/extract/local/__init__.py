"""The offline `local` engine: findings quoted verbatim from the sources, only where it can vouch for them.

It is what a first-time user sees when no LLM is configured, so it aims to be honest rather
than clever: sections with a detector of measured quality (action items, decisions, contract
clauses) get findings, with fields filled by simple, explainable rules; every other section
(summaries, insights, scorecard ratings...) gets no findings, only the few most relevant
passages to read, in the voice the SOP asks for (`roles.py`: the expert, not the interviewer); a
verdict gets neither, and a show or an agreement offers passages only where they can fit (`genre.py`).
Quotes are exact spans of `Document.text`, so grounding locates every one exactly.
See docs/local-engine.md.

    engine.py       LocalExtractor; the strategy table (section kind or family -> strategy)
    genre.py        kind of source and of section: conversation, show, agreement, judgement
    index.py        SourceIndex: sentences, candidates, BM25, centrality, dates (once per run)
    ranking.py      scoring weights; rank, pick, evidence
    fields.py       one item's fields from its sentence (owner, task, due, figures, enums...)
    strategies/     one module per way of filling a section: items, contract, actions, decisions,
                    passages, scorecard (and the selections passages reuse: questions, topics, prose)
    detectors.py    learned action-item and decision detectors (AMI; JSON weights in models/)
    wording.py      an item's text as a clean statement of its quote (fillers, digits, roles)
    roles.py        who is speaking: host or interviewer vs guest, expert or candidate
    cues.py         cue families: the language of a commitment, a decision, a risk...
    sentences.py    sentences as exact spans of the sources
    figures.py      money and numbers in prose
    clauses.py      contract clause classifier
"""

from reportgen.extract.local.engine import LocalExtractor, extract_section

__all__ = ["LocalExtractor", "extract_section"]
