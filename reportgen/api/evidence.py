"""`?evidence=1` on a PDF download: the report followed by its cited source pages, quotes highlighted.

The pack is made per request from the rendered PDF (kept per revision) and the stored sources:
copying a few dozen pages with pypdf costs less than keeping every pack a reviewer might ask for.
The number of appendix pages is stated on its cover and in the `X-Evidence-Pages` header.
"""

from __future__ import annotations

from fastapi import Query
from fastapi.responses import Response

from reportgen.api.errors import ApiError
from reportgen.models import Report
from reportgen.render.evidence import MAX_PAGES, evidence_pack
from reportgen.store.blobs import read_blob
from reportgen.store.db import Database
from reportgen.store.pdfpages import stored_bytes_by_id

EvidenceFlag = Query(False, description=f"PDF only: append the cited pages of the source PDFs with each quote "
                     f"highlighted and each footnote linked to its page (at most {MAX_PAGES} pages).")


def check_evidence_format(fmt: str, evidence: bool) -> None:
    if evidence and fmt != "pdf":
        raise ApiError(422, f"an evidence pack is a PDF appendix: ask for the pdf format with evidence=1, not {fmt}.",
                       "invalid_request")


def evidence_response(db: Database, tenant_id: str, report: Report, rendered_sha: str, name: str) -> Response:
    body, pages = evidence_pack(read_blob(db, rendered_sha), report, stored_bytes_by_id(db, tenant_id))
    filename = name.removesuffix(".pdf") + "-evidence.pdf"
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "X-Evidence-Pages": str(pages)})
