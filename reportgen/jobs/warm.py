"""A job worker's first-report costs, paid once per runner instead of once per worker and batch.

A cold process needs about 2.5 s of CPU before its first local-engine report is as fast as the rest
(0.3-0.4 s): about 1.5 s importing the pipeline, 0.4 s loading the embedding model from the wordllama
wheel, and the local engine's and renderers' modules imported on first use. With spawned workers every
worker paid that at the start of the first batch, at the same time, so on 2 cores a second worker added
more CPU than a 20-room batch saved (docs/scale.md, "Every core").

`preload()` runs in the in-process runner's fork server (`reportgen.jobs.inprocess`): the workers fork
from it with all of this already in memory, shared copy-on-write. It only imports and loads files; it
starts no thread and renders nothing, since a fork server must stay safe to fork (a Rust thread pool of
typst's or tokenizers' started here would be missing in every child). `first_report()` runs in each
worker once it exists: one tiny report, rendered to PDF and DOCX in memory, so caches that live per
process (compiled patterns, the typst compiler's fonts) are filled before a user's job arrives.
"""

from __future__ import annotations

import functools
import importlib
import logging
import tempfile
import time
from pathlib import Path

import reportgen.jobs.run  # noqa: F401 - the job path, imported here so the fork server holds it
from reportgen import embeddings
from reportgen.pipeline import generate
from reportgen.render import write

log = logging.getLogger("reportgen.jobs")

# What a job imports on first use (found by diffing sys.modules around a first report): the local engine
# (chosen per job, so the pipeline defers it) and typst, the default PDF engine's compiler.
MODULES = ("reportgen.extract.local", "typst")

_SAMPLE = (
    "Jason: We agreed to move billing to the new provider in March.\n"
    "Priya: I'll send the migration plan to the board by Friday.\n"
    "Marco: Decision: we keep the old invoices read-only for a year.\n"
    "Jason: Who owns the customer email? Priya will draft it next week.\n"
)


@functools.cache
def preload() -> float:
    """Import what a job needs and load the embedding model; returns the seconds of CPU it took."""
    t0 = time.process_time()
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional extra (typst) missing: the job reports it when it needs it
            log.debug("warm-up: %s is not installed", name)
    embeddings._model()  # noqa: SLF001 - the cached model; None when wordllama is not installed
    return time.process_time() - t0


@functools.cache
def first_report() -> float:
    """Build and render one tiny report in this process; returns the seconds of CPU it took.

    A failure only costs the warm-up (logged): the first real job then pays it and reports its own error."""
    t0 = time.process_time()
    preload()
    try:
        report = generate([_SAMPLE.encode()], "meeting-action-items", engine="local")
        with tempfile.TemporaryDirectory(prefix="reportgen-warm-") as tmp:
            for fmt in ("pdf", "docx"):
                write(report, Path(tmp) / f"warm.{fmt}")
    except Exception as exc:  # noqa: BLE001 - warming is an optimisation, never a reason to lose a worker
        log.warning("job worker warm-up failed (the first job will be slower): %s", exc)
    return time.process_time() - t0


# Imported as the fork server's preload module: do the fork-safe part at import.
preload()
