"""The `reportgen` command: small verbs that compose (ingest, cite, generate, render, sops, eval)
and the service's (serve, worker, keys); one module per group of verbs, the shared app in `app.py`.

Exit status: 0 done; 1 a user error (bad input, a file or extra missing, a quote not located),
printed as one `error: ...` line on stderr, never a traceback; 2 a usage error (an unknown
option, a value outside its choices), in Click's words. A traceback means a bug in reportgen.
"""

# Each module registers its verbs on import, and `--help` lists them in this order.
from reportgen.cli import sources, reports, sops, service, evals  # noqa: F401, I001
from reportgen.cli.app import app, main

__all__ = ["app", "main"]
