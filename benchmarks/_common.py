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


def comparison(ours: dict, direct: dict) -> dict:
    """The columns both benchmarks report for one size: ours against the LP written directly."""
    return {"rows": ours["rows"], "build": ours["build"], "compile": ours["compile"], "solve": ours["solve"],
            "total": ours["total"], "peak MiB": ours["peak_mib"], "direct build": direct["build"],
            "direct solve": direct["solve"], "direct peak MiB": direct["peak_mib"],
            "ratio": ours["total"] / direct["total"], "|dv|": abs(ours["value"] - direct["value"])}


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison columns rounded for a Markdown report."""
    fmt = {c: "{:.3f}" for c in ["build", "compile", "solve", "total", "direct build", "direct solve"]}
    fmt.update({"peak MiB": "{:.1f}", "direct peak MiB": "{:.1f}", "ratio": "{:.1f}", "|dv|": "{:.1e}"})
    shown = table.copy()
    for col, f in fmt.items():
        shown[col] = shown[col].map(f.format)
    return shown
