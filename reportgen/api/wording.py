"""Ingest's messages, said to the API's and the web page's users instead of the CLI's.

`reportgen.ingest` words its hints for every door at once ("--password on the CLI, password=
in Python, ..."), and a web user was told to "run with --ocr" on a page that had no OCR
(issue 14). Every message that leaves the API (errors and document warnings) passes through
`for_api`, which swaps those hints for the page's control and the API's form field.
"""

from __future__ import annotations

from reportgen.ingest.pdf import OCR_HINT, PASSWORD_HINT

REPLACEMENTS = (
    (PASSWORD_HINT, "in the web page, the password box beside the file; in the API, the `password` form field"),
    (OCR_HINT, "read it again with OCR: the “Read again with OCR” button beside the file in the web page, or the "
               "`ocr=true` form field of the API (the server needs tesseract-ocr)"),
    ("(PDF passwords are given with --password)", "(a PDF's own password goes in the `password` field)"),
)


def for_api(message: str) -> str:
    for cli, api in REPLACEMENTS:
        message = message.replace(cli, api)
    return message
