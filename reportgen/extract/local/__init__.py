"""The offline `local` engine: every section filled with sentences quoted verbatim from the sources.

It is what a first-time user sees when no LLM is configured, so it aims to be useful rather
than clever: it ranks sentences per section (BM25 over what the SOP says, plus the SOP's cue
phrases and the cue families in `cues.py`), fills fields with simple, explainable rules
(owner from the speaker or the person named, due dates from date phrases, figures with units)
and never invents: a scorecard stays *not rated* and a verdict undecided, with the evidence
listed. Quotes are exact spans of `Document.text`, so grounding locates every one exactly.
See docs/local-engine.md.

    engine.py       LocalExtractor; the strategy table (section kind or family -> strategy)
    index.py        SourceIndex: sentences, candidates, BM25, centrality, dates (once per run)
    ranking.py      scoring weights; rank, pick, evidence
    fields.py       one item's fields from its sentence (owner, task, due, figures, enums...)
    strategies/     one module per way of filling a section: items, contract, actions,
                    questions, topics, prose, scorecard, verdict
    cues.py         cue families: the language of a commitment, a decision, a risk...
    sentences.py    sentences as exact spans of the sources
    figures.py      money and numbers in prose
    clauses.py      contract clause classifier
"""

from reportgen.extract.local.engine import LocalExtractor, extract_section

__all__ = ["LocalExtractor", "extract_section"]
