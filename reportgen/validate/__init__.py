"""Checks a grounded report against its SOP; problems become data, never exceptions.

Validation is idempotent: the flags and issues it owns are recomputed on every run, so a report
can be re-validated after a reviewer edits it. `check_fields` is the same field check phrased
as re-ask messages, so the LLM engine can send the model exactly what to fix.

The package, bottom up:
- `codes`: the flag and issue codes validation owns.
- `people`: who can own an action (speakers and names in the sources).
- `fields`: one item's fields against its spec (`check_fields`), dates and evidence.
- `duplicates`: repeated items folded into one.
- `report`: the whole-report pass (`validate_report`).
Date phrases are read by `reportgen.dates`; `meeting_date_from` is re-exported here because
callers that validate need the same reading of the meeting date.
"""

from reportgen.dates import meeting_date_from
from reportgen.validate.codes import DERIVED_CODES, ITEM_CODES, SECTION_CODES
from reportgen.validate.fields import check_fields
from reportgen.validate.report import validate_report

__all__ = ["DERIVED_CODES", "ITEM_CODES", "SECTION_CODES", "check_fields", "meeting_date_from", "validate_report"]
