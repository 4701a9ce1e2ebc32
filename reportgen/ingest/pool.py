"""Many sources parsed on every core: PDFs go to a pool of processes, everything else stays inline.

PDFium is not thread-safe, so `pdf.py` holds one process-wide lock and threads cannot overlap
two PDFs; processes can, since each has its own PDFium. A data room (a zip, or many paths on
the CLI) is therefore parsed through `parse_each`, which hands each PDF to a worker process and
yields the results in input order, each either the file's Documents or the `IngestError` that
says why that one file could not be read (so per-file messages stay exactly what a sequential
parse gives).

Memory stays bounded: the input is consumed lazily and at most `2 x workers` files are held
(bytes sent, Documents not yet handed back) at once, so a streamed zip upload still reads one
member at a time ahead of the parse, not the whole archive.

The pool is made on first use and kept for the process (forked from a single-threaded process,
spawned from one with threads: see `_start_method`). Fewer than two PDFs, a single core,
or `REPORTGEN_INGEST_WORKERS=1` parse inline, so a one-file CLI run never pays for a pool.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from reportgen.errors import IngestError
from reportgen.models import Document
from reportgen.procs import watch_parent

WORKERS_ENV = "REPORTGEN_INGEST_WORKERS"
Outcome = list[Document] | IngestError

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def default_workers() -> int:
    """Cores this process may use (its affinity, not the machine's count), or REPORTGEN_INGEST_WORKERS."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # each worker exits if this process dies without its atexit hook (SIGKILL, a crash)
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(_start_method()),
                                        initializer=watch_parent, initargs=(os.getpid(),))
            _pool_size = workers
        return _pool


def _start_method() -> str:
    """fork when this process has one thread: nothing can hold a lock across the fork, and a script that
    calls `reportgen.generate` at its top level (no `if __name__ == "__main__"`) is not re-run in each
    worker, as spawn would do. spawn when threads exist (the API server, a job worker): a forked child
    could inherit a lock some other thread held."""
    return "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def shutdown() -> None:
    """Stop the pool's processes (at exit, and in tests that count children)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None


atexit.register(shutdown)


# The parser a worker runs: `reportgen.ingest.ingest_bytes`, passed in by the caller (it pickles by name, and
# this module cannot import the package that imports it).
Parse = Callable[..., list[Document]]


def _call(parse: Parse, data: bytes, name: str, kw: dict[str, Any]) -> Outcome:
    """One file, in a worker or inline: an IngestError comes back as a value (its class, message and
    filename survive pickling), so the caller sees the error a sequential parse raises."""
    try:
        return parse(data, name, **kw)
    except IngestError as exc:
        return exc


def _is_pdf(data: bytes) -> bool:
    head = data[:1024]
    return b"%PDF-" in head and not head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def parse_each(
    parse: Parse,
    items: Iterable[tuple[str, bytes | None]],
    *,
    workers: int | None = None,
    pdfs_hint: int | None = None,
    **kw: Any,
) -> Iterator[tuple[str, Outcome | None]]:
    """(name, Documents or IngestError) for every (name, bytes), in input order, each parsed by
    `parse(data, name, **kw)`; `None` bytes pass through as `None` (a member the caller skipped).
    `pdfs_hint`, when the caller knows it, is how many PDFs are coming: under two, no pool is started."""
    n = workers or default_workers()
    if n < 2 or (pdfs_hint is not None and pdfs_hint < 2):
        for name, data in items:
            yield name, None if data is None else _call(parse, data, name, kw)
        return
    window: deque[tuple[str, Future[Outcome] | Outcome | None]] = deque()
    pool: ProcessPoolExecutor | None = None
    held = 0  # files whose bytes or results are in the window
    for name, data in items:
        if data is not None and _is_pdf(data):
            if pool is None:
                pool = _get_pool(n)
            try:
                window.append((name, pool.submit(_call, parse, data, name, kw)))
            except BrokenProcessPool:  # a worker died earlier (killed, out of memory): parse here instead
                shutdown()
                window.append((name, _call(parse, data, name, kw)))
            held += 1
        else:
            window.append((name, None if data is None else _call(parse, data, name, kw)))
        while window and (held >= 2 * n or not isinstance(window[0][1], Future)):
            done_name, outcome = window.popleft()
            if isinstance(outcome, Future):
                held -= 1
            yield done_name, _result(outcome, done_name)
    while window:
        done_name, outcome = window.popleft()
        yield done_name, _result(outcome, done_name)


def _result(outcome: Future[Outcome] | Outcome | None, name: str) -> Outcome | None:
    if not isinstance(outcome, Future):
        return outcome
    try:
        return outcome.result()
    except BrokenProcessPool:
        shutdown()
        return IngestError("the process parsing it stopped unexpectedly (out of memory?); upload it on its own",
                           filename=name)
