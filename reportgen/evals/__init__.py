"""Quality measurement: gold sets, matching, metrics, and the runner behind `reportgen eval`."""

from reportgen.evals.compare import compare_runs, format_comparison
from reportgen.evals.gold import GoldError, GoldSet, build_case, load_gold
from reportgen.evals.results import EvalRun, load_run
from reportgen.evals.runner import run_eval
from reportgen.evals.show import format_run

__all__ = [
    "EvalRun",
    "GoldError",
    "GoldSet",
    "build_case",
    "compare_runs",
    "format_comparison",
    "format_run",
    "load_gold",
    "load_run",
    "run_eval",
]
