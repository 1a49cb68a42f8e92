"""`optmarkets bench suite --out DIR --size S` and `optmarkets bench --suite DIR --solvers ...` (bench.suite,
bench.suite_run): the command-line side. `bench.command.main` hands both over here; `add_arguments` adds the
two options (`--size`, `--suite`) to the bench parser where it lacks them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...core.errors import InputError
from ..cli import check_out

#: argparse's default of `bench --out` (a JSONL file): `bench suite` needs a folder named explicitly
DEFAULT_OUT = "bench-results/bench-results.jsonl"  # its folder is in .gitignore; `bench` creates it


def add_arguments(ben: argparse.ArgumentParser) -> None:
    """Add `--size` and `--suite` to the `optmarkets bench` parser `ben` (those it does not have yet)."""
    have = {s for action in ben._actions for s in action.option_strings}
    if "--size" not in have:
        ben.add_argument("--size", default=None, help="bench suite --out DIR: small, medium or large (default small)")
    if "--suite" not in have:
        ben.add_argument("--suite", default=None, metavar="DIR", help="benchmark --solvers on the suite in DIR")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the bench command line asks for the suite (`bench suite ...` or `bench --suite DIR`)."""
    return args.config == "suite" or getattr(args, "suite", None) is not None


def main(args: argparse.Namespace) -> int:
    if args.config == "suite":
        return build(args)
    return run(args)


def _progress(args: argparse.Namespace):
    if args.no_progress or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, name: str) -> None:
        sys.stderr.write(f"\rsuite [{done + 1}/{total}] {name}"[:79].ljust(79))
        sys.stderr.flush()
    return show


def build(args: argparse.Namespace) -> int:
    from .suite import SIZES, build_suite

    size = getattr(args, "size", None) or "small"
    if size not in SIZES:
        raise InputError(f"size: expected one of {', '.join(SIZES)}, got {size!r}")
    if args.out == DEFAULT_OUT:
        raise InputError("out: `bench suite` needs --out DIR, the folder to write the suite into")
    manifest = build_suite(args.out, size, progress=_progress(args))
    if not args.no_progress and sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 79 + "\r")
    records = manifest["instances"]
    verified = sum(1 for r in records if r["verified"])
    nnz = max((r["nnz"] for r in records), default=0)
    print(f"{len(records)} instances ({verified} verified exactly; largest {nnz:,} nonzeros) written to "
          f"{args.out}, listed in {Path(args.out) / 'manifest.json'}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ... import solvers as backends
    from .config import TIERS, BenchConfig
    from .suite import load_manifest
    from .suite_run import DEFAULT_SOLVERS, markdown, run_suite

    folder = args.suite
    manifest = load_manifest(folder)
    backends.silence_highs_banner()  # highspy greets stdout once per process
    out = check_out(args.out)
    report = Path(args.report) / "suite.md" if args.report else out.with_suffix(".md")
    if args.report is not None and not Path(args.report).is_dir():
        raise InputError(f"report: no folder '{args.report}'")
    solvers = args.solvers.split(",") if args.solvers else list(DEFAULT_SOLVERS)
    tiers = {"medium": TIERS["medium"]}
    if args.tiers:
        tiers = {}
        for t in args.tiers.split(","):
            try:
                tiers[t] = TIERS[t] if t in TIERS else float(t)
            except ValueError:
                raise InputError(f"tiers: {t!r} is neither a tier name ({', '.join(TIERS)}) nor a tolerance") from None
        tiers = BenchConfig.load({"tiers": tiers}).tiers  # checked as a config file's: in (0, MAX_TOL]
    records, notes = run_suite(folder, solvers, tiers=tiers, time_limit=args.time_limit or 60.0, out=out)
    text = markdown(records, notes, suite=f"{manifest.get('suite', '')}, {len(manifest['instances'])} instances")
    report.write_text(text)
    for note in notes:
        print(f"note: {note}")
    print(text.split("## Every record")[0].rstrip())
    print(f"\n{len(records)} records in {out}; the report in {report}")
    return 0
