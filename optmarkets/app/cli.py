"""The `optmarkets` command.

    optmarkets reproduce [--solver S] [--only TEXT]   every paper example: paper value vs computed
    optmarkets solve FILE [--solver S] [--problem P]  solve an instance file, print solution and prices
    optmarkets list                                   the instance files
    optmarkets sweep FILE --problem P --vary KEY=VALUES [...]   comparative statics: one row per grid point
    optmarkets solvers                                the backends and what they can do
    optmarkets bench [CONFIG] [--report DIR]          solver benchmark (see optmarkets.app.bench)

Every failure is one line on stderr, `optmarkets: error: ...`, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import solvers as backends
from ..core.errors import InputError, OptmarketsError
from . import bench, instances, reproduce


def _folder(text: str) -> Path:
    folder = Path(text)
    if not folder.is_dir():
        raise InputError(f"models: no folder '{text}'")
    return folder


def _reproduce(args) -> int:
    table = reproduce.reproduce(args.solver, _folder(args.models) if args.models else None, args.only)
    if table.empty:
        print("no examples matched")
        return 1
    with pd.option_context("display.width", 160, "display.max_colwidth", 70, "display.max_rows", None):
        shown = table.assign(paper=table["paper"].map(lambda v: "corrected" if pd.isna(v) else f"{v:.10g}"),
                             computed=table["computed"].map(lambda v: f"{v:.10g}"),
                             match=table["match"].map({True: "yes", False: "NO"}))
        print(shown.to_string(index=False))
    bad = int((~table["match"]).sum())
    print(f"\n{len(table) - bad} of {len(table)} numbers match the papers" + (f"; {bad} do NOT" if bad else ""))
    return 1 if bad else 0


def _solve(args) -> int:
    inst = instances.load(instances.find(args.file))
    print(f"{inst.title}\n{inst.source}\n")
    names = [args.problem] if args.problem else list(inst.solves)
    for name in names:
        result = inst.run(name, args.solver)
        print(f"=== {name}: {inst.solves[name]['method']}({_args(inst.solves[name])})")
        print(result.summary() if hasattr(result, "summary") else result)
        print()
    return 0


def _args(spec: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in spec.get("args", {}).items())


def _list(args) -> int:
    folder = _folder(args.models) if args.models else instances.instance_dir()
    for path in sorted(folder.glob("*.toml")):
        inst = instances.load(path)
        print(f"{path.stem:<32s} {inst.model:<22s} {inst.title}")
    return 0


def _sweep(args) -> int:
    from .sweep import grid, sweep

    inst = instances.load(instances.find(args.file))
    problem = args.problem or next(iter(inst.solves))
    axes = dict(_axis(text) for text in args.vary)
    factory = inst.factory(problem)
    unknown = set(axes) - factory.keys()
    if unknown:
        raise InputError(f"vary: {sorted(unknown)} are neither [data] fields of {inst.path.name} nor arguments "
                         f"of [solve.{problem}]; those are {sorted(factory.keys())}")
    table = sweep(factory, grid(**axes), solver=args.solver, prices=_names(args.prices),
                  primal=_names(args.primal), n_jobs=args.n_jobs, executor=args.executor, address=args.address,
                  warm_start=not args.cold, progress=not args.no_progress and None)
    if args.out:
        table.to_csv(args.out)
        print(f"{len(table)} points written to {args.out}")
    else:
        with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_columns", 30):
            print(table.to_string())
    return 1 if table.attrs.get("failed") else 0


def _axis(text: str) -> tuple[str, list]:
    """KEY=START:STOP:NUM (evenly spaced), KEY=V1,V2,... or KEY=<JSON list> (e.g. of vectors)."""
    key, sep, values = text.partition("=")
    if not sep or not key or not values:
        raise InputError(f"vary: expected KEY=VALUES, got {text!r}")
    try:
        if values.lstrip().startswith("["):
            points = json.loads(values)
            if not isinstance(points, list) or not points:
                raise ValueError("a non-empty JSON list")
            return key, points
        if ":" in values:
            start, stop, num = values.split(":")
            return key, [float(v) for v in np.linspace(float(start), float(stop), int(num))]
        return key, [float(v) for v in values.split(",")]
    except ValueError as exc:
        raise InputError(f"vary: cannot read the values of '{key}' from {values!r} ({exc}); "
                         "use START:STOP:NUM, V1,V2,... or a JSON list") from None


def _names(text: str | None):
    return None if text is None else True if text == "all" else text.split(",")


def _solvers(args) -> int:
    rows = [dict(name=b.name, installed=b.installed, duals=b.duals, integers=b.integers, accuracy=b.accuracy)
            for b in backends.registered().values()]
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"\ndefault: {backends.DEFAULT_SOLVER}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="optmarkets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="reproduce every registered paper example")
    rep.add_argument("--solver", default=None, help="backend name (default HIGHS)")
    rep.add_argument("--only", default="", help="only examples whose name contains this text")
    rep.add_argument("--models", default=None, help="instance folder (default: ./models)")
    rep.set_defaults(fn=_reproduce)
    sol = sub.add_parser("solve", help="solve an instance file and print solution and prices")
    sol.add_argument("file", help="instance file, e.g. models/glp-section-4-1.toml, or its bare name")
    sol.add_argument("--solver", default=None)
    sol.add_argument("--problem", default=None, help="one [solve.NAME] of the file (default: all)")
    sol.set_defaults(fn=_solve)
    lst = sub.add_parser("list", help="list instance files")
    lst.add_argument("--models", default=None)
    lst.set_defaults(fn=_list)
    swp = sub.add_parser("sweep", help="solve an instance file's problem over a grid of data (one row per point)")
    swp.add_argument("file", help="instance file or its bare name")
    swp.add_argument("--problem", default=None, help="the [solve.NAME] to sweep (default: the first)")
    swp.add_argument("--vary", action="append", required=True, metavar="KEY=VALUES",
                     help="a [data] field or method argument: START:STOP:NUM, V1,V2,... or a JSON list "
                          "(e.g. q='[[0.3,0.3],[0.3,0.7]]'); several --vary make a Cartesian grid")
    swp.add_argument("--prices", default=None, help="comma-separated price families, or 'all'")
    swp.add_argument("--primal", default=None, help="comma-separated variables/outputs, or 'all'")
    swp.add_argument("--solver", default=None)
    swp.add_argument("--n-jobs", type=int, default=1, help="worker processes (-1: every core)")
    swp.add_argument("--executor", default=None, choices=["serial", "processes", "dask"])
    swp.add_argument("--address", default=None, help="a dask scheduler address (executor dask)")
    swp.add_argument("--cold", action="store_true", help="solve every point cold (no warm start)")
    swp.add_argument("--out", default=None, help="write the table as CSV instead of printing it")
    swp.add_argument("--no-progress", action="store_true")
    swp.set_defaults(fn=_sweep)
    sub.add_parser("solvers", help="list solver backends").set_defaults(fn=_solvers)
    ben = sub.add_parser("bench", help="benchmark the solvers on seeded problem families (JSONL + report)")
    bench.add_arguments(ben)
    ben.set_defaults(fn=bench.main)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except (OptmarketsError, ValueError, OSError, ImportError) as exc:  # InputError is both of the first two
        print(f"optmarkets: error: {_one_line(exc)}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, OptmarketsError) else f"{type(exc).__name__}: {text}"


if __name__ == "__main__":
    sys.exit(main())
