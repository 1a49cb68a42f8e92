"""`optmarkets bench ...`: the command-line front end of the benchmark harness.

The arguments are declared in `optmarkets.app.cli` (so that `optmarkets bench --help` imports no
model code); `add_arguments` adds the same ones to another parser.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from ...core.errors import InputError
from ..cli import _bench_arguments as add_arguments
from ..cli import check_out
from .config import TIERS, BenchConfig
from .suite_command import DEFAULT_OUT

__all__ = ["add_arguments", "main", "require"]


def require(module: str, what: str, extra: str) -> None:
    """An optional dependency, checked before any work: a one-line InputError naming the extra."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f'{what} needs {module}, which is not installed: pip install "optmarkets[{extra}]"')


def main(args: argparse.Namespace) -> int:
    """`optmarkets bench ...`."""
    from . import suite_command

    if suite_command.wanted(args):  # `bench suite --out DIR --size S` or `bench --suite DIR`
        return suite_command.main(args)
    import pandas as pd

    from ... import solvers as backends
    from .analysis import load, report
    from .problems import families, family
    from .runner import run

    if args.report is not None:
        require("matplotlib", "bench --report", "bench")
        if Path(args.report).exists() and not Path(args.report).is_dir():
            raise InputError(f"report: '{args.report}' is a file, not a folder")
    if args.list:
        rows = [dict(family=f.name, available=f.available, needs=f.needs, sizes=list(f.sizes),
                     smoke=list(f.smoke_sizes), description=f.description)
                for f in families(available_only=False).values()]
        print(pd.DataFrame(rows).to_string(index=False))
        print(f"\nsolvers installed: {', '.join(backends.available())}; tiers: {TIERS}")
        return 0
    if args.summarize:
        print(report(load(args.summarize), args.report))
        return 0
    out = None if args.out == DEFAULT_OUT else check_out(args.out)  # the default's folder is made below
    cfg = BenchConfig.load(args.config)
    if args.solvers:
        cfg.solvers = args.solvers.split(",")
    if args.families:
        cfg.families = {}
        for item in args.families.split(","):
            name, _, sizes = item.partition(":")
            cfg.families[name] = (_integers(sizes, "families", sep="+") if sizes
                                  else list(family(name).smoke_sizes))
    if args.tiers:
        cfg.tiers = {}
        for t in args.tiers.split(","):
            cfg.tiers[t] = TIERS[t] if t in TIERS else _number(t, "tiers")
    if args.seeds:
        cfg.seeds = _integers(args.seeds, "seeds")
    if args.time_limit is not None:
        cfg.time_limit = args.time_limit
    if args.repeat is not None:
        cfg.repeat = args.repeat
    cfg = BenchConfig.load(cfg)  # the command line's values are checked like a file's
    if out is None:  # the default results folder (in .gitignore), made only once the run is set to go
        out = _default_out()
    records = run(cfg, out=out, progress=False if args.no_progress else None)
    print(report(records, args.report))
    print(f"\n{len(records)} records in {out}" + (f" ({records.resumed} kept from an earlier run)"
                                                   if getattr(records, "resumed", 0) else ""))
    return 0


def _default_out() -> Path:
    folder = Path(DEFAULT_OUT).parent
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(f"out: cannot create the results folder '{folder}' ({exc.strerror}); "
                         "name another file with --out") from None
    return check_out(DEFAULT_OUT)


def _integers(text: str, what: str, sep: str = ",") -> list[int]:
    try:
        return [int(s) for s in text.split(sep)]
    except ValueError:
        raise InputError(f"{what}: expected whole numbers separated by '{sep}', got {text!r}") from None


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{what}: {text!r} is neither a tier name ({', '.join(TIERS)}) nor a tolerance") from None
