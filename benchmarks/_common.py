"""Helpers the benchmark scripts share: traced peak memory and Markdown tables."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pandas as pd


def traced_peak(fn: Callable[..., Any], *args: Any) -> float:
    """tracemalloc's peak (MiB) over fn(*args), in its own run (tracing slows Python: times are
    measured in an untraced run)."""
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return peak


def markdown(table: pd.DataFrame) -> str:
    """A GitHub markdown table (no dependency on tabulate)."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * table.shape[1]]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)
