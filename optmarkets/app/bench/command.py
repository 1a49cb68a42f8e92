"""`optmarkets bench ...`: the command-line front end of the benchmark harness."""

from __future__ import annotations

import argparse

import pandas as pd

from ... import solvers as backends
from .analysis import load, report
from .config import TIERS, BenchConfig
from .problems import families, family
from .runner import run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", default=None,
                        help="TOML config, or a preset name in ./benchmarks (e.g. smoke); default: smoke sizes")
    parser.add_argument("--solvers", default=None,
                        help="comma-separated backends, or 'all' installed ones (default: the config's)")
    parser.add_argument("--families", default=None,
                        help="comma-separated family[:size+size], e.g. glp_platform:25+50")
    parser.add_argument("--tiers", default=None, help="comma-separated tier names (low, medium, high) or tolerances")
    parser.add_argument("--seeds", default=None, help="comma-separated seeds")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    parser.add_argument("--repeat", type=int, default=None, help="cold solves per record, fastest kept")
    parser.add_argument("--out", default="bench-results.jsonl", help="JSONL output (default bench-results.jsonl)")
    parser.add_argument("--report", default=None, help="folder for report.md, CSVs and the profile figure")
    parser.add_argument("--summarize", default=None, metavar="JSONL", help="only report on an existing file")
    parser.add_argument("--list", action="store_true", help="list the problem families and solvers")
    parser.add_argument("--no-progress", action="store_true")


def main(args: argparse.Namespace) -> int:
    """`optmarkets bench ...`."""
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
    cfg = BenchConfig.load(args.config)
    if args.solvers:
        cfg.solvers = args.solvers.split(",")
    if args.families:
        cfg.families = {}
        for item in args.families.split(","):
            name, _, sizes = item.partition(":")
            cfg.families[name] = [int(s) for s in sizes.split("+")] if sizes else list(family(name).smoke_sizes)
    if args.tiers:
        cfg.tiers = {t: TIERS[t] if t in TIERS else float(t) for t in args.tiers.split(",")}
    if args.seeds:
        cfg.seeds = [int(s) for s in args.seeds.split(",")]
    if args.time_limit is not None:
        cfg.time_limit = args.time_limit
    if args.repeat is not None:
        cfg.repeat = args.repeat
    records = run(cfg, out=args.out, progress=False if args.no_progress else None)
    print(report(records, args.report))
    print(f"\n{len(records)} records written to {args.out}")
    return 0
