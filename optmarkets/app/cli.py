"""The `optmarkets` command.

    optmarkets reproduce [--solver S] [--only TEXT] [--json] [--exact]   every paper example: expected vs computed
    optmarkets solve FILE [--solver S] [--problem P] [--full]   solve an instance file: a summary, or everything
    optmarkets list                                   the instance files
    optmarkets sweep FILE --problem P --vary KEY=VALUES [...]   comparative statics: one row per grid point
    optmarkets path FILE --parameter P --from A --to B   an LP's value along a parameter path (see app.path_command)
    optmarkets solvers                                the backends and what they can do
    optmarkets bench [CONFIG] [--report DIR]          solver benchmark (see optmarkets.app.bench)

Every failure is one line on stderr, `optmarkets: error: ...`, and exit status 2. `--help` and
argument errors import no model code (and so no cvxpy): each subcommand imports what it needs.
"""

from __future__ import annotations

import argparse
import contextvars
import ctypes
import json
import math
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, NoReturn

from .arguments import MAX_POINTS, CliError, axis, check_out, n_jobs, positive, threads


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `optmarkets: error: ...` and exit status 2, no usage block."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"optmarkets: error: {' '.join(message.split())}{hint}\n")


def _folder(text: str) -> Path:
    folder = Path(text)
    if not folder.is_dir():
        raise CliError(f"models: no folder '{text}'")
    return folder


# ------------------------------------------------------------------ subcommands
def _reproduce(args) -> int:
    from . import reproduce
    from .tables import reproduce_table

    folder = _folder(args.models) if args.models else None
    show = sys.stderr.isatty() if args.progress is None else args.progress
    with _ReproduceProgress(show) as progress:
        table = reproduce.reproduce(args.solver, folder, args.only, exact=args.exact, progress=progress)
    if table.empty:
        raise CliError(f"reproduce: no example or instance file matches --only {args.only!r}")
    bad = int((~table["match"]).sum())
    if args.json:
        keys = ["example", "quantity", "expected", "computed", "source", "where", "match", "tol", "note",
                "paper_value"] + (["exact"] if args.exact else [])
        rows = [{k: _json_value(row[k]) for k in keys} for row in table.to_dict("records")]
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        print(reproduce_table(table, exact=args.exact))
        counts = ", ".join(f"{n} {src}" for src, n in table["source"].value_counts().items())
        print(f"\n{len(table) - bad} of {len(table)} numbers match the papers and their derivations ({counts})"
              + (f"; {bad} do NOT" if bad else ""))
        for row in table[table["source"] == "failed"].itertuples():  # why each failed example raised
            print(f"{row.example}: {row.note}")
    return 1 if bad else 0


def _json_value(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    value = float(value)
    return None if math.isnan(value) else value


class _ReproduceProgress:
    """`reproduce [12/40] name` on stderr (tqdm's bar when tqdm is installed); cleared at the end."""

    def __init__(self, enabled: bool):
        self.enabled, self.width = enabled, 0
        self.bar: Any = None  # a tqdm bar, when tqdm is installed

    def __enter__(self):
        return self if self.enabled else None

    def __call__(self, done: int, total: int, name: str) -> None:
        try:
            import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            if self.bar is None:
                self.bar = tqdm.tqdm(total=total, desc="reproduce", file=sys.stderr, leave=False)
            self.bar.n = done
            self.bar.set_postfix_str(name, refresh=True)
            return
        text = f"reproduce [{done}/{total}] {name}"[:79]
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()
        self.width = len(text)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def _solve(args) -> int:
    from ..core.errors import InfeasibleError, UnboundedError
    from . import instances
    from .tables import SUMMARY_ROWS, ranges_and_exact, summary

    if args.save:  # checked before any work, as --out is
        check_out(args.save, "save")
    inst = instances.load(instances.find(args.file), max_size=args.max_size or instances.MAX_SIZE)
    print(f"{inst.title}\n{inst.source}\n")
    names = [args.problem] if args.problem else list(inst.solves)
    for name in names:
        try:
            result = inst.run(name, args.solver)
        except (InfeasibleError, UnboundedError) as exc:
            if args.farkas:  # the exact proof on stdout; the one-line error still follows, exit 2
                from ..solvers.farkas import render

                print(f"=== {name}: {exc.status}\n{render(exc)}\n", flush=True)
            raise
        print(f"=== {name}: {inst.solves[name]['method']}({_args(inst.solves[name])})")
        if args.full:
            print(result.summary() if hasattr(result, "summary") else result)
        else:
            print(summary(result))
        if args.ranges or args.exact:
            print(ranges_and_exact(result, ranges=args.ranges, exact=args.exact, n_jobs=args.ranges_jobs))
        if args.save:  # one file per problem: OUT.nc, or OUT-NAME.nc where the file solves several
            out = Path(args.save) if len(names) == 1 else Path(args.save).with_stem(f"{Path(args.save).stem}-{name}")
            if not hasattr(result, "to_netcdf"):
                raise CliError(f"save: [solve.{name}] returns no Solution (a {type(result).__name__}) to save")
            print(f"saved to {result.to_netcdf(out)}")
        print()
    if not args.full:
        print(f"(first {SUMMARY_ROWS} rows of each table; --full prints everything)")
    return 0


def _args(spec: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in spec.get("args", {}).items())


def _list(args) -> int:
    from . import instances

    folder = _folder(args.models) if args.models else instances.instance_dir()
    for path in sorted(folder.glob("*.toml")):
        inst = instances.load(path, max_size=math.inf)
        print(f"{path.stem:<32s} {inst.model:<22s} {inst.title}")
    return 0


def _sweep(args) -> int:
    pairs = [axis(text, args.max_points) for text in args.vary]
    keys = [key for key, _ in pairs]
    if len(set(keys)) < len(keys):
        raise CliError(f"vary: {sorted({k for k in keys if keys.count(k) > 1})} given more than once; "
                       "give each key one --vary with all its values")
    axes = dict(pairs)
    points = math.prod(len(v) for v in axes.values())
    if points > args.max_points:
        raise CliError(f"vary: the grid has {points:,} points, above the limit {args.max_points:,}; "
                       f"pass --max-points {points} to sweep it anyway")
    out = check_out(args.out) if args.out else None
    checkpoint = check_out(args.checkpoint, "checkpoint") if args.checkpoint else None

    import pandas as pd

    from . import instances
    from .sweep import grid, sweep

    inst = instances.load(instances.find(args.file), max_size=args.max_size or instances.MAX_SIZE)
    problem = args.problem or next(iter(inst.solves))
    factory = inst.factory(problem)
    unknown = set(axes) - factory.keys()
    if unknown:
        raise CliError(f"vary: {sorted(unknown)} are neither [data] fields of {inst.path.name} nor arguments "
                       f"of [solve.{problem}]; those are {sorted(factory.keys())}")
    first = factory(**{k: v[0] for k, v in axes.items()})  # built, not solved
    families = getattr(first, "families", None)
    wanted = _names(args.prices)
    if isinstance(wanted, list) and families is not None and set(wanted) - set(families):
        raise CliError(f"prices: {sorted(set(wanted) - set(families))} are not constraint families of "
                       f"[solve.{problem}]; its families: {list(families)}")
    reported, derived = _names(args.primal), getattr(first, "derived", None)
    if isinstance(reported, list) and derived is not None and all(d.kind != "bundle" for d in derived.values()):
        known = [*first.variables, *(n for n, d in derived.items() if d.kind == "output"), *first.parameters]
        if set(reported) - set(known):  # a bundle's outputs are named only by its solve: then the sweep says
            raise CliError(f"primal: {sorted(set(reported) - set(known))} are not variables, outputs or parameters "
                           f"of [solve.{problem}]; those are {known}")
    if args.executor == "dask" or args.address is not None:  # its workers' log lines are not this command's errors
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    table = sweep(factory, grid(**axes), solver=args.solver, prices=_names(args.prices),
                  primal=_names(args.primal), n_jobs=args.n_jobs, executor=args.executor, address=args.address,
                  warm_start=not args.cold, progress=not args.no_progress and None, checkpoint=checkpoint,
                  certify=args.certify,
                  **inst.solve_options(problem, args.solver))
    if out is not None:
        table.to_csv(out)
        print(f"{len(table)} points written to {out}")
    else:
        with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_columns", 30):
            print(table.to_string())
    failed = int(table.attrs.get("failed", 0))
    if failed:  # the table (failed rows included) is out; the command still failed for those points
        first = table.loc[table["status"] == "failed", "error"].iloc[0]
        raise CliError(f"sweep: {failed} of {len(table)} points failed (see the 'error' column); first: {first}")
    return 0


def _names(text: str | None):
    return None if text is None else True if text == "all" else text.split(",")


def _solvers(args) -> int:
    import pandas as pd

    from .. import solvers as backends
    from ..solvers import registry

    print(pd.DataFrame(registry.cone_table()).to_string(index=False))
    print("\ncones: yes = takes it, +int = with integer variables too; psd = positive semidefinite")
    conic = next((n for n in registry.CONIC_DEFAULTS if registry.registered()[n].installed), "none installed")
    psd = next((n for n in registry.PSD_DEFAULTS if registry.registered()[n].installed), "none installed")
    print(f"default: {backends.DEFAULT_SOLVER} for LPs and MILPs; {conic} for QPs and conic models; "
          f"{psd} for models with PSD cones")
    return 0


def _bench(args) -> int:
    from .bench import command

    return command.main(args)


# ------------------------------------------------------------------ the parser and main
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("optmarkets")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "(not installed)"


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="optmarkets", description=(__doc__ or "").split("\n\n")[0])
    top.add_argument("--version", action="version", version=f"optmarkets {_version()}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rep = sub.add_parser("reproduce", help="reproduce every registered paper example")
    rep.add_argument("--solver", default=None, help="backend name (default HIGHS)")
    rep.add_argument("--only", default="", help="only examples whose name contains this text")
    rep.add_argument("--models", default=None, help="instance folder (default: ./models)")
    rep.add_argument("--json", action="store_true", help="print the rows as a JSON list (numbers unrounded)")
    rep.add_argument("--exact", action="store_true",
                     help="add the verified rational optimum of every row that is an LP's value")
    rep.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="a counter on stderr while it runs (default: when stderr is a terminal)")
    rep.set_defaults(fn=_reproduce)
    sol = sub.add_parser("solve", help="solve an instance file and print a summary (--full: everything)")
    sol.add_argument("file", help="instance file, e.g. models/glp-section-4-1.toml, or its bare name")
    sol.add_argument("--solver", default=None)
    sol.add_argument("--problem", default=None, help="one [solve.NAME] of the file (default: all)")
    sol.add_argument("--full", action="store_true", help="print every value, price and certificate entry")
    sol.add_argument("--ranges", action="store_true", help="one-sided prices and rhs ranges of every family (LPs)")
    sol.add_argument("--ranges-jobs", type=threads, default=1, metavar="N",
                     help="threads for --ranges (large families)")
    sol.add_argument("--exact", action="store_true", help="the exact rational optimum, verified (LPs)")
    sol.add_argument("--save", default=None, metavar="OUT.nc",
                     help="write each solution (values, prices, certificate, provenance) as netCDF: om.Solution.load")
    sol.add_argument("--farkas", action="store_true",
                     help="on an infeasible (unbounded) LP, print its exact Farkas certificate (ray) by family")
    sol.add_argument("--max-size", type=positive(float), default=None, metavar="N",
                     help="largest model-size estimate to build (default 1e7, ~215 types)")
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
    swp.add_argument("--n-jobs", type=n_jobs, default=1, help="worker processes (-1: every core)")
    swp.add_argument("--executor", default=None, choices=["serial", "processes", "dask"])
    swp.add_argument("--address", default=None, help="a dask scheduler address (executor dask)")
    swp.add_argument("--cold", action="store_true", help="solve every point cold (no warm start)")
    swp.add_argument("--certify", action=argparse.BooleanOptionalAction, default=False,
                     help="certify every point: columns max_violation and duality_gap (default: off, faster)")
    swp.add_argument("--out", default=None, help="write the table as CSV instead of printing it")
    swp.add_argument("--checkpoint", default=None, metavar="JSONL",
                     help="append each finished point here; a rerun solves only the missing points")
    swp.add_argument("--max-points", type=positive(int), default=MAX_POINTS, metavar="N",
                     help=f"largest grid to sweep (default {MAX_POINTS:,})")
    swp.add_argument("--max-size", type=positive(float), default=None, metavar="N",
                     help="largest model-size estimate to build (default 1e7)")
    swp.add_argument("--no-progress", action="store_true")
    swp.set_defaults(fn=_sweep)
    pth = sub.add_parser("path", help="an LP's value along a parameter path", add_help=False, prefix_chars="\0")
    pth.add_argument("argv", nargs=argparse.REMAINDER)  # parsed by app.path_command: `optmarkets path --help`
    pth.set_defaults(fn=lambda args: __import__("optmarkets.app.path_command", fromlist=["_"]).main(args.argv))
    exp = sub.add_parser("export", help="write an instance file's problem as an MPS or LP file", add_help=False,
                         prefix_chars="\0")
    exp.add_argument("argv", nargs=argparse.REMAINDER)  # parsed by app.export_command: `optmarkets export --help`
    exp.set_defaults(fn=lambda args: __import__("optmarkets.app.export_command", fromlist=["_"]).main(args.argv))
    sub.add_parser("solvers", help="list solver backends").set_defaults(fn=_solvers)
    ben = sub.add_parser("bench", help="benchmark the solvers on seeded problem families (JSONL + report)")
    _bench_arguments(ben)
    ben.set_defaults(fn=_bench)
    return top


def _bench_arguments(ben: argparse.ArgumentParser) -> None:
    # kept here (not in app.bench) so that `optmarkets bench --help` imports nothing
    ben.add_argument("config", nargs="?", default=None,
                     help="TOML config, or a preset name: smoke, overhead, full (./benchmarks/NAME.toml if present, "
                          "else the packaged one); default: smoke sizes")
    ben.add_argument("--solvers", default=None,
                     help="comma-separated backends, or 'all' installed ones (default: the config's)")
    ben.add_argument("--families", default=None, help="comma-separated family[:size+size], e.g. glp_platform:25+50")
    ben.add_argument("--tiers", default=None, help="comma-separated tier names (low, medium, high) or tolerances")
    ben.add_argument("--seeds", default=None, help="comma-separated seeds")
    ben.add_argument("--time-limit", type=positive(float), default=None, help="seconds per solve")
    ben.add_argument("--repeat", type=positive(int), default=None, help="cold solves per record, fastest kept")
    ben.add_argument("--out", default="bench-results/bench-results.jsonl",
                     help="JSONL output (default bench-results/bench-results.jsonl, whose folder is created; "
                          "another path's folder must exist); an existing file is resumed: records already there "
                          "are kept and not run again")
    ben.add_argument("--report", default=None, help="folder for report.md, CSVs and the profile figure "
                                                    "(needs matplotlib: pip install \"optmarkets[bench]\")")
    ben.add_argument("--summarize", default=None, metavar="JSONL", help="only report on an existing file")
    ben.add_argument("--list", action="store_true", help="list the problem families and solvers")
    ben.add_argument("--no-progress", action="store_true")
    ben.add_argument("--size", default=None, help="bench suite --out DIR: small, medium or large (default small)")
    ben.add_argument("--suite", default=None, metavar="DIR", help="benchmark --solvers on the suite in DIR")


def main(argv: list[str] | None = None) -> int:
    # warnings are held back until the command ends: a failure prints its one line and nothing else,
    # a success prints them after its output
    with warnings.catch_warnings(record=True) as caught:
        code = _main(argv)
    if code != 2:
        for w in caught:  # one line each, as errors are
            print(f"optmarkets: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
    return code


def entry() -> NoReturn:
    """The `optmarkets` console script: main(), then an exit that waits for no worker where it was interrupted (a
    solver run or a sweep's processes still going would hold the interpreter's shutdown). SIGTERM (a scheduler's
    time limit, `kill`) ends a command as Ctrl-C does, its clean-up included."""
    signal.signal(signal.SIGTERM, _terminated)
    # a sweep's process pool stopped by an interrupt leaves semaphores its resource tracker (another process, on our
    # stderr) reports at exit: that warning would be a second line after the one-line error
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), _QUIET_TRACKER]))
    code = main()
    if _INTERRUPTED.is_set():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be (the same clean-up)."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated


_INTERRUPTED = threading.Event()
#: the warnings filter (PYTHONWARNINGS syntax) that quiets loky's resource tracker about an interrupted pool
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"
#: seconds an interrupted command is given for its clean-up (a sweep stops its worker processes in ~0.4 s)
INTERRUPT_GRACE_S = 3.0


def _main(argv: list[str] | None) -> int:
    try:
        args = parser().parse_args(argv)
        return _in_worker(args.fn, args)
    except BrokenPipeError:  # `optmarkets list | head`: the reader left; say nothing
        _quiet_stdout()
        return 0
    except KeyboardInterrupt as stop:
        _INTERRUPTED.set()
        print(f"optmarkets: error: {'terminated' if isinstance(stop, Terminated) else 'interrupted'}", file=sys.stderr)
        return 2
    except Exception as exc:  # every failure is one line, never a traceback
        print(f"optmarkets: error: {_one_line(exc)}", file=sys.stderr)
        return 2


def _in_worker(command: Any, args: argparse.Namespace) -> Any:
    """The command run in a worker thread while the main thread waits: Ctrl-C reaches Python in the main thread
    only, and a solver's C++ run (HiGHS releases the GIL) would hold it there until the run ended (a bench record:
    ~160 s); waiting in short joins, the main thread takes the interrupt at once. Its exceptions are re-raised
    here, so a failure is still one line."""
    if threading.current_thread() is not threading.main_thread():
        return command(args)
    outcome: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: a join interrupted by Ctrl-C can mark a running thread stopped

    def work() -> None:
        try:
            outcome["code"] = command(args)
        except BaseException as exc:  # re-raised in the main thread, which reports it
            outcome["error"] = exc
        finally:
            done.set()

    # in the caller's context: a scoped `om.limits(...)` block around main() holds in the command too
    worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), name="optmarkets-command",
                              daemon=True)
    worker.start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        # the interrupt in the command too, where it runs Python next: its own clean-up then runs (a sweep's
        # generator closes and joblib kills its worker processes, which outlived the CLI otherwise); a command
        # inside a solver's C++ run does not answer, and the CLI exits after the grace
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident or 0),
                                                   ctypes.py_object(KeyboardInterrupt))
        done.wait(INTERRUPT_GRACE_S)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["code"]


def _quiet_stdout() -> None:
    # Python flushes stdout at exit and would report the broken pipe again: point it at devnull
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (e.g. captured by a test)
        pass


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, CliError) or _is_optmarkets_error(exc):
        return text
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"{text}; {_extra_hint(exc.name)}"
    return f"{type(exc).__name__}: {text}"


def _is_optmarkets_error(exc: BaseException) -> bool:
    errors = sys.modules.get("optmarkets.core.errors")
    return errors is not None and isinstance(exc, errors.OptmarketsError)


#: optional dependency (top-level module) -> the extra that installs it
EXTRAS = {"matplotlib": "bench", "highspy": "bench", "distributed": "distributed", "dask": "distributed",
          "nbclient": "notebooks", "nbformat": "notebooks", "ipykernel": "notebooks"}


def _extra_hint(module: str) -> str:
    extra = EXTRAS.get(module.split(".")[0])
    return f'install it with: pip install "optmarkets[{extra}]"' if extra else f"install {module.split('.')[0]}"


if __name__ == "__main__":
    sys.exit(main())
