"""reportgen: reports and memos whose every finding is backed by a located verbatim quote.

    import reportgen
    report = reportgen.generate(["call.vtt"], sop="meeting-action-items")
"""

from reportgen.errors import IngestError, ReportgenError, SOPError
from reportgen.ingest import ingest
from reportgen.models import Citation, Document, Item, Report, Section, Segment
from reportgen.pipeline import agenerate, generate

__version__ = "0.1.0"

__all__ = [
    "Citation",
    "Document",
    "IngestError",
    "Item",
    "Report",
    "ReportgenError",
    "SOPError",
    "Section",
    "Segment",
    "agenerate",
    "generate",
    "ingest",
]
