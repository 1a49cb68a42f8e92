"""`optmarkets path FILE --parameter NAME --from A --to B`: an LP's optimal value along a parameter path.

The model is the instance file's `[solve.KEY]` problem (`--solve`, default the file's first), built as
`optmarkets sweep` builds it (`Instance.factory`); the path is p(t) = A + t (B - A), t in [0, 1], walked by
`om.value_function` (parametric simplex on HiGHS). Prints the linear pieces (t_low, t_high, value_low,
value_high, slope, binding) and the breakpoints with p there; `--exact` adds the verified rational
breakpoints and values, `--json` prints one JSON object, `--plot FILE.png` draws V(t) (matplotlib).

This module imports no model code at import time (`optmarkets path --help` imports no cvxpy).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import re
from fractions import Fraction
from typing import Any

from .arguments import CliError, check_out, positive
from .cli import _Parser

#: one decimal number: digits with an optional point and exponent (no "nan", "inf", "1_000" or hex)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
PLOT_HINT = 'pip install "optmarkets[plot]"'
#: the suffixes `--plot` takes (formats matplotlib's Agg and vector backends write)
PLOT_FORMATS = ("png", "pdf", "svg", "eps", "ps", "jpg", "jpeg", "tif", "tiff", "webp")


def numbers(text: str) -> list[float]:
    """`0.1,0.4`: finite decimal numbers separated by commas (argparse type; a bad one is named)."""
    items = [item.strip() for item in text.split(",")]
    for item in items:
        if not _NUMBER.fullmatch(item):
            raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {item!r} in {text!r}")
    values = [float(item) for item in items]
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected finite numbers, got {text!r}")
    return values


def parser() -> argparse.ArgumentParser:
    """The arguments of `optmarkets path` (cli.py hands them over unparsed, so `optmarkets --help` loads no
    subcommand module)."""
    pth = _Parser(prog="optmarkets path", description=(__doc__ or "").split("\n\n")[0])
    pth.add_argument("file", help="instance file or its bare name, e.g. glp-section-4-1")
    pth.add_argument("--parameter", required=True, metavar="NAME", help="the model parameter that moves, e.g. q")
    pth.add_argument("--from", dest="start", required=True, type=numbers, metavar="A",
                     help="the parameter at t = 0: numbers separated by commas, e.g. 0.3,0.1 "
                          "(a leading minus: --from=-1,2)")
    pth.add_argument("--to", dest="end", required=True, type=numbers, metavar="B", help="the parameter at t = 1")
    pth.add_argument("--solve", default=None, metavar="KEY", help="the [solve.KEY] of the file (default: the first)")
    pth.add_argument("--exact", action="store_true", help="verify the breakpoints and values in rationals")
    pth.add_argument("--plot", default=None, metavar="PNG", help=f"draw V(t) into this file (needs {PLOT_HINT})")
    pth.add_argument("--json", action="store_true", help="print one JSON object (exact numbers as 'p/q' strings)")
    pth.add_argument("--max-size", type=positive(float), default=None, metavar="N",
                     help="largest model-size estimate to build (default 1e7)")
    return pth


def main(argv: list[str]) -> int:
    """`optmarkets path ARGV...`: argument errors exit 2 with one line (the parser's), as every subcommand's."""
    return command(parser().parse_args(argv))


def command(args: argparse.Namespace) -> int:
    out = check_out(args.plot, "plot") if args.plot else None
    if out is not None and out.suffix.lower().lstrip(".") not in PLOT_FORMATS:
        raise CliError(f"plot: '{args.plot}' names no image format matplotlib writes; end it in one of "
                       f"{', '.join('.' + f for f in PLOT_FORMATS)}")
    if out is not None and importlib.util.find_spec("matplotlib") is None:
        raise CliError(f"plot: needs matplotlib; install it with: {PLOT_HINT}")

    import numpy as np

    from .. import solvers as backends
    from ..core.parametric import value_function
    from . import instances

    inst, key, model = instances.problem_model(args.file, args.solve, args.max_size)
    start, end = args.start, args.end
    if args.parameter in model.parameters:  # a vector or matrix parameter takes its numbers in C order
        shape = np.shape(model.value_of(args.parameter))
        start, end = (np.reshape(v, shape) if len(v) == math.prod(shape) else v for v in (start, end))
    backends.silence_highs_banner()  # the walk opens HiGHS, which greets stdout once per process
    with inst.engine_limits():
        vf = value_function(model, args.parameter, start, end, exact=args.exact)
    if out is not None:
        _plot(vf, out, f"{inst.path.stem} [solve.{key}]")
    if args.json:
        print(json.dumps(as_json(vf, inst.path.name, key, plot=str(out) if out else None), indent=1))
    else:
        print(report(vf, inst.path.name, key, exact=args.exact))
        if out is not None:
            print(f"\nfigure written to {out}")
    return 0


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _point(vf: Any, t: float) -> list:
    return (vf.start + t * (vf.end - vf.start)).tolist()


def as_json(vf: Any, file: str, key: str, plot: str | None = None) -> dict:
    """The value function as a JSON object: floats unrounded, exact numbers as 'p/q' strings."""
    pieces = [{"t_low": float(p.t_low), "t_high": float(p.t_high), "value_low": float(p.value_low),
               "value_high": float(p.value_high), "slope": float(p.slope), "binding": list(p.binding)}
              for p in vf.pieces.itertuples(index=False)]
    data: dict[str, Any] = {
        "file": file, "solve": key, "parameter": vf.parameter, "start": vf.start.tolist(), "end": vf.end.tolist(),
        "kind": vf.kind, "sense": vf.sense, "pieces": pieces, "breakpoints": vf.breakpoints.tolist(),
        "points": [_point(vf, t) for t in vf.breakpoints],
        "infeasible": [list(s) for s in vf.infeasible], "unbounded": [list(s) for s in vf.unbounded]}
    if vf.verified is not None:
        data["verified"], data["reason"] = bool(vf.verified), vf.reason
        if vf.verified:
            data["exact_breakpoints"] = [_fraction(b) for b in vf.exact_breakpoints]
            data["exact_values"] = [_fraction(v) for v in vf.exact_values]
            data["exact_pieces"] = [{k: _fraction(Fraction(v)) for k, v in row.items()}
                                    for row in vf.exact_pieces.to_dict("records")]
    if plot is not None:
        data["plot"] = plot
    return data


def report(vf: Any, file: str, key: str, *, exact: bool = False) -> str:
    """The pieces, the breakpoints with the parameter there, the stretches without an optimum, the exact walk."""
    import pandas as pd

    name = vf.parameter
    lines = [f"{file} [solve.{key}]: V(t) = {vf.sense} value at {name}(t) = start + t (end - start), t in [0, 1]",
             f"start = {vf.start.tolist()}, end = {vf.end.tolist()}; {vf.kind} path "
             f"(slope dV/dt; a piece's binding families have nonzero prices)", "", "pieces:"]
    table = vf.pieces[["t_low", "t_high", "value_low", "value_high", "slope"]].copy()
    table["binding"] = [" & ".join(b) or "(none)" for b in vf.pieces["binding"]]
    with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_columns", 20,
                           "display.precision", 6):
        lines.append(table.to_string(index=False) if len(table) else "(none: no t of the path has an optimum)")
        points = vf.points
        if len(points):
            points.columns = [f"{name}[{_label(points.columns.names, c)}]" for c in points.columns]
            lines += ["", f"breakpoints ({name} there):", points.reset_index().to_string(index=False)]
        else:
            lines += ["", "breakpoints: none (V is linear along the path)"]
    for what in ("infeasible", "unbounded"):
        for lo, hi in getattr(vf, what):
            lines.append(f"{what} for t in [{lo:.10g}, {hi:.10g}]")
    if exact:
        lines.append("")
        if vf.verified:
            pairs = ", ".join(f"t = {b}: V = {v}" for b, v in zip(vf.exact_breakpoints, vf.exact_values, strict=True))
            lines.append(f"exact breakpoints: {pairs or 'none'}  (verified)")
            lines.append("exact pieces:\n" + vf.exact_pieces.to_string(index=False))
        else:
            lines.append(f"exact: NOT verified ({vf.reason})")
    return "\n".join(lines)


def _label(names: list, column: Any) -> str:
    """`w=1` (`a=1,w=2` for a matrix), or the bare labels where the parameter's axes are unnamed."""
    values = column if isinstance(column, tuple) else (column,)
    return ",".join(str(v) if n is None else f"{n}={v}" for n, v in zip(names, values, strict=True))


def _plot(vf: Any, out: Any, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a file, never a window
    import matplotlib.pyplot as plt

    ax = vf.plot()
    ax.set_title(title)
    ax.figure.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
