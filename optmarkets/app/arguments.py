"""The CLI's argument types and checks (no model code imported: `--help` and argument errors stay fast).

Every value that sizes work is checked against a documented limit here, before anything runs: `--n-jobs` and
`--ranges-jobs` (MAX_JOBS), a sweep's grid (MAX_POINTS), a `--vary` value's numbers (finite, at most
`instances.MAX_MAGNITUDE`, as a file's). An output path is checked writable before the work that fills it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

#: grid points a `sweep --vary` may make unless --max-points raises it
MAX_POINTS = 100_000


class CliError(Exception):
    """A user error found by the CLI itself (before any optmarkets module is imported)."""


# ------------------------------------------------------------------ argument types (no imports)
#: the most worker processes `--n-jobs` asks for (each is a Python process; -1 asks for every core)
MAX_JOBS = 256


def n_jobs(text: str) -> int:
    try:
        value = int(text) if len(text) <= 20 else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, got {text[:40]!r}") from None
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"must be a positive number of workers or -1 (every core), got {value}")
    if value > MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{value} workers is above the limit {MAX_JOBS} (-1: every core)")
    return value


def threads(text: str) -> int:
    try:
        value = int(text) if len(text) <= 20 else 0
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected a whole number of threads from 1 to {MAX_JOBS}, got {text[:40]!r}")
    return value


def positive(kind):
    def parse(text: str):
        try:
            value = kind(float(text)) if kind is int and "e" in text.lower() else kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not (isinstance(value, int) or math.isfinite(value)) or value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def check_out(path: str, what: str = "out") -> Path:
    """An output path that can be written: its folder exists and is writable (checked before any work). The path
    is taken as given: a '~' the shell left quoted names a folder '~', as the writers read it."""
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise CliError(f"{what}: '{path}' is a folder, not a file")
    if out.exists() and not out.is_file():  # a FIFO or device: writing it would block or go nowhere
        raise CliError(f"{what}: '{path}' is not a regular file (a FIFO or device); choose a file")
    if not folder.is_dir():
        raise CliError(f"{what}: no folder '{folder}' for '{path}'")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise CliError(f"{what}: cannot write '{path}' (permission denied)")
    return out


def axis(text: str, max_points: int = MAX_POINTS) -> tuple[str, list]:
    """KEY=START:STOP:NUM (evenly spaced), KEY=V1,V2,... or KEY=<JSON list> (e.g. of vectors)."""
    key, sep, values = text.partition("=")
    if not sep or not key or not values:
        raise CliError(f"vary: expected KEY=VALUES, got {shown(text)}")
    from .instances import check_numbers

    try:
        if values.lstrip().startswith("["):
            points = json.loads(values)
            if not isinstance(points, list) or not points:
                raise ValueError("a non-empty JSON list")
        elif ":" in values:
            start, stop, num = values.split(":")
            lo, hi, n = float(start), float(stop), int(num)
            if n < 1:
                raise ValueError(f"NUM must be at least 1, got {n}")
            if n > max_points:
                raise CliError(f"vary: '{key}' asks for {n:,} points, above the limit {max_points:,}; "
                               f"pass --max-points {n} to sweep it anyway")
            import numpy as np

            points = [float(v) for v in np.linspace(lo, hi, n)]
        else:
            points = [float(v) for v in values.split(",")]
    except (ValueError, OverflowError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else shown(str(exc))
        raise CliError(f"vary: cannot read the values of '{key}' from {shown(values)} ({reason}); "
                       "use START:STOP:NUM, V1,V2,... or a JSON list") from None
    check_numbers(points, f"vary: '{key}'")  # as a file's numbers: finite, at most MAX_MAGNITUDE
    return key, points


def shown(text: str, limit: int = 80) -> str:
    """`text` as an error line quotes it: repr, cut to `limit` characters (a 5,000-digit number is not echoed)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"
