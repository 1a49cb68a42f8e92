"""`optmarkets export FILE --mps OUT [--lp OUT]`: an instance file's problem as an MPS or LP file.

The model is the instance file's `[solve.KEY]` problem (`--solve`, default the file's first), built as
`optmarkets sweep` and `optmarkets path` build it (`Instance.factory`), and written by `Model.to_mps` /
`Model.to_lp` (`optmarkets.solvers.export`: rows `family[i]`, columns `variable[j]`, the objective in
the model's sense with its constant as the objective offset). Prints one line per file written.

This module imports no model code at import time (`optmarkets export --help` imports no cvxpy).
"""

from __future__ import annotations

import argparse
from typing import Any

from .arguments import CliError, check_out, positive


def register(sub: Any) -> argparse.ArgumentParser:
    """Add `export` to the `optmarkets` subparsers `sub` with its arguments parsed here (tests); returns it."""
    exp = sub.add_parser("export", help="write an instance file's problem as an MPS or LP file")
    add_arguments(exp)
    exp.set_defaults(fn=command)
    return exp


def main(argv: list[str]) -> int:
    """`optmarkets export ARGV...` (cli.py hands the arguments over unparsed, so `--help` loads no model code):
    argument errors exit 2 with one line (the parser's), as every subcommand's."""
    from .cli import _Parser

    exp = _Parser(prog="optmarkets export", description="write an instance file's problem as an MPS or LP file")
    add_arguments(exp)
    return command(exp.parse_args(argv))


def add_arguments(exp: argparse.ArgumentParser) -> None:
    exp.add_argument("file", help="instance file or its bare name, e.g. glp-section-4-1")
    exp.add_argument("--mps", default=None, metavar="OUT", help="write the MPS file here (OUT ends in .mps)")
    exp.add_argument("--lp", default=None, metavar="OUT", help="write the CPLEX LP file here (OUT ends in .lp)")
    exp.add_argument("--solve", default=None, metavar="KEY", help="the [solve.KEY] of the file (default: the first)")
    exp.add_argument("--max-size", type=positive(float), default=None, metavar="N",
                     help="largest model-size estimate to build (default 1e7)")


def command(args: argparse.Namespace) -> int:
    if args.mps is None and args.lp is None:
        raise CliError("export: give --mps OUT and/or --lp OUT")
    targets = [(fmt, check_out(out, fmt)) for fmt, out in (("mps", args.mps), ("lp", args.lp)) if out is not None]
    for fmt, out in targets:
        if out.suffix.lower() != f".{fmt}":
            raise CliError(f"{fmt}: '{out}' must end in .{fmt}")

    from .. import solvers as backends
    from . import instances

    inst, key, model = instances.problem_model(args.file, args.solve, args.max_size)
    backends.silence_highs_banner()  # the writer opens HiGHS, which greets stdout once per process
    for fmt, out in targets:
        written = model.to_mps(out) if fmt == "mps" else model.to_lp(out)
        size = model.size()
        print(f"{inst.path.name} [solve.{key}]: {model.sense} over {size['variables']} columns, "
              f"{size['constraints']} rows written to {written}")
    return 0
