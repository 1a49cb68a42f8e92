"""Comparative statics: solve a model over a grid of data, one tidy row per grid point.

    df = om.sweep(econ.platform_problem, grid(q=[...]), prices=["consistency"], n_jobs=2)

`sweep(factory, grid)` calls `factory(**point)` for each point (a dict) and solves the model it
returns. Factories that bind new data into one compiled model (e.g. `econ.platform_problem`, or a
Model whose Parameters the grid sets) re-solve without recompiling: cvxpy's DPP cache makes each
re-solve a matrix update plus a solver call. The result has one row per point, in grid order: the
point's data, `value`, `status`, `solver`, `error`, `time`, the requested outputs, primal
quantities (`x[a=1,w=2]`) and prices (`price:consistency[w=1]`) flattened into columns.

Executors: "serial" (the default for n_jobs=1), "processes" (joblib, the default for n_jobs > 1)
and "dask" (a `dask.distributed` Client at `address`, or a LocalCluster of n_jobs workers; the
optional `distributed` extra). cvxpy problems are not reliably picklable (a solved one holds solver
handles), so workers rebuild the model from data: the factory is pickled once with its compiled
problem dropped (a Model's compiled structure pickles empty: `core.model._Structure.__reduce__`), each
worker compiles once and re-solves its chunks of points. Chunks are sized from the measured time per
point to take about CHUNK_SECONDS (at most two chunks per worker), so that rows come back, and reach
a checkpoint, every second or so; an interrupt (or any error) in the parent stops the workers.

A point that fails is recorded with its error (`status="failed"`, `error="InfeasibleError: ..."`)
and counted in a warning; it is never dropped.

Checkpoints: with `checkpoint=PATH` every finished row is appended to PATH (JSON lines, flushed
as it comes, keyed by the point) so an interrupted sweep (Ctrl-C, a killed job) keeps its finished
points; the same call again reads them back, solves only the missing points and returns the whole
table in grid order. A failed point is a finished row too: delete its line to solve it again.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .. import solvers as backends
from ..core.errors import InputError
from ..core.family import labelled
from ..core.model import Model
from ..core.solution import Solution
from .checkpoint import Checkpoint, cell, fingerprint, point_key

EXECUTORS = ("serial", "processes", "dask")
#: A parallel chunk's target duration: what an interrupt can lose per worker, and the round trips it saves.
CHUNK_SECONDS = 0.5


def grid(**axes) -> list[dict]:
    """The Cartesian product of the axes, as a list of points: grid(a=[1, 2], b=[0, 1]) has 4."""
    names = list(axes)
    for name, values in axes.items():
        # a scalar (or a string, whose characters would be the values) is a forgotten list
        scalar = isinstance(values, np.ndarray) and values.ndim == 0
        if scalar or isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
            raise InputError(f"grid: axis '{name}' must be a list of values, got {values!r} "
                             f"({type(values).__name__}); write {name}=[{values!r}] for one value")
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(v) for v in axes.values()))]


def sweep(
    factory: Callable[..., Model] | Model,
    grid: Iterable[Mapping[str, object]] | pd.DataFrame,
    *,
    solver: str | None = None,
    outputs: Mapping[str, Callable[[Solution], object]] | None = None,
    primal: Sequence[str] | bool | None = None,
    prices: Sequence[str] | bool | None = None,
    executor: str | None = None,
    n_jobs: int = 1,
    address: str | None = None,
    client=None,
    chunksize: int | None = None,
    certify: bool = False,
    warm_start: bool = True,
    progress: bool | None = None,
    checkpoint: str | os.PathLike | None = None,
    **solve_options,
) -> pd.DataFrame:
    """Solve at every grid point; return one row per point (grid order).

    factory: a callable returning a Model for keyword data, or a Model whose parameters the grid sets.
    grid: points (dicts of keyword data), or a DataFrame whose rows are the points.
    outputs: extra columns, name -> function of the Solution (e.g. `lambda s: s.prices["consistency"][1]`).
    primal: variables/outputs to report, flattened to `name[label]` columns (True: every one).
    prices: price families to report as `price:name[label]` columns (True: every one).
    executor: "serial", "processes" (joblib) or "dask"; default serial for n_jobs=1, else processes.
    n_jobs: worker processes (-1: every core); for "dask" without address/client, LocalCluster workers.
    address / client: a running dask scheduler to use instead of a LocalCluster.
    chunksize: points per task for the parallel executors (default: sized from the time per point
        to take about CHUNK_SECONDS, at most two tasks per worker).
    certify: also compute each Solution's certificate (columns max_violation, duality_gap). It is off
        by default because at small sizes it costs more than the solve itself.
    warm_start: with HiGHS on an LP, every point that shares the grid's first point's compiled
        problem (a factory that binds data into one model) re-solves from that point's optimal basis
        (`Model.solve(warm_start=True)`), in every process, so the result does not depend on the
        executor or the chunking; points that build a new model are solved cold. Values equal cold
        solves to the solver's tolerance; where a point's LP has several optimal vertices the one
        returned may differ from a cold solve's.
        False: every point is a cold solve. Other solvers always solve cold.
    progress: show a progress bar on stderr (default: when stderr is a terminal and the sweep is long).
    checkpoint: a JSON-lines file that keeps every finished row as it comes; rows already there (from
        an interrupted run of the same sweep) are not solved again. Its folder must exist. A file written by
        another sweep (other columns, or another model: the header keeps the SHA-256 of the model built at the
        grid's first point, its data included) is refused with an InputError.
    solve_options: passed to `Model.solve` (e.g. tol=1e-8).
    """
    points = _points(grid)
    if isinstance(factory, Model):
        factory = partial(_bind, factory)
    if not callable(factory):
        raise InputError(f"factory: expected a callable returning a Model, or a Model; got {type(factory).__name__}")
    remote = client is not None or address is not None
    if executor is None:
        executor = "dask" if remote else "serial" if n_jobs == 1 else "processes"
    if executor not in EXECUTORS:
        raise InputError(f"executor: must be one of {EXECUTORS}, got {executor!r}")
    if remote and executor != "dask":
        raise InputError(f"executor: a dask client or address needs executor='dask', got {executor!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0 or n_jobs < -1:
        raise InputError(f"n_jobs: must be a positive number of workers or -1 (every core), got {n_jobs!r}")
    if chunksize is not None and (isinstance(chunksize, bool) or not isinstance(chunksize, int | np.integer)
                                  or chunksize < 1):
        raise InputError(f"chunksize: must be a positive whole number of points per task (or None), "
                         f"got {chunksize!r}")
    warm = bool(warm_start) and backends.get(solver).cvxpy_name == "HIGHS"
    spec = _Spec(solver, dict(outputs or {}), primal, prices, certify, warm, points[0] if points else None,
                 solve_options)
    rows: list[dict | None] = [None] * len(points)
    store = Checkpoint(checkpoint, spec, partial(fingerprint, factory, spec.first)) if checkpoint is not None else None
    if store is not None:
        for i, point in enumerate(points):
            rows[i] = store.done.get(point_key(point))
    todo = [i for i, row in enumerate(rows) if row is None]
    bar = Progress(len(todo), "sweep", enabled=progress)
    try:
        if todo and executor == "serial":
            anchor = _anchor(factory, spec)
            for i in todo:
                row = rows[i] = _solve_point(factory, points[i], spec, anchor)
                if store is not None:
                    store.append(points[i], row)
                bar.update()
        elif todo:
            _parallel(executor, factory, [(i, points[i]) for i in todo], spec, rows, bar, n_jobs, address, client,
                      chunksize, store)
    finally:
        bar.close()
        if store is not None:
            store.close()
    df = pd.DataFrame(rows, index=pd.RangeIndex(len(points), name="point"))
    failed = int((df["status"] == "failed").sum()) if len(df) else 0
    df.attrs["failed"] = failed
    if failed:
        first = df.loc[df["status"] == "failed", "error"].iloc[0]
        warnings.warn(f"sweep: {failed} of {len(df)} points failed (see the 'error' column); first: {first}",
                      RuntimeWarning, stacklevel=2)
    return df


# ------------------------------------------------------------------ one point
class _Spec:
    """What to do at each point; plain data so that it pickles to workers."""

    def __init__(self, solver, outputs, primal, prices, certify, warm_start, first, solve_options):
        self.solver, self.outputs, self.primal, self.prices = solver, outputs, primal, prices
        self.certify, self.warm_start, self.first, self.solve_options = certify, warm_start, first, solve_options
        self.columns: dict[str, tuple] = {}  # price family -> (its labels, its column names)


def _anchor(factory, spec: _Spec) -> Model | None:
    """Warm sweeps: solve the grid's first point cold; its basis anchors the points that share its problem.

    Points whose factory returns another compiled problem (new data built into a new model) are
    solved cold, so that no point's answer depends on which point a process happened to solve first.
    """
    if not spec.warm_start or spec.first is None:
        return None
    try:
        model = factory(**spec.first)
        model.reset_warm_start()
        model.solve(spec.solver, certify=False, warm_start=True, **spec.solve_options)
        return model
    except Exception:  # the point's own solve records its failure
        return None


def _bind(model: Model, **point) -> Model:
    return model.bind(**point)


def _points(grid) -> list[dict]:
    if isinstance(grid, pd.DataFrame):
        return grid.to_dict("records")
    if isinstance(grid, Mapping):  # axes (or one point) passed where points belong
        raise InputError(f"grid: expected a list of points (dicts of keyword data), got a {type(grid).__name__} "
                         f"with keys {list(grid)}; for axes of values use om.grid(**axes), for one point [point]")
    if isinstance(grid, str | bytes) or not isinstance(grid, Iterable):
        raise InputError(f"grid: expected a list of points (dicts of keyword data) or a DataFrame, "
                         f"got {type(grid).__name__}")
    points = []
    for i, p in enumerate(grid):
        if not isinstance(p, Mapping):
            raise InputError(f"grid: point {i} is a {type(p).__name__} ({p!r}), not a dict of keyword data")
        if not all(isinstance(k, str) for k in p):
            raise InputError(f"grid: point {i} has non-string keys {list(p)}")
        points.append(dict(p))
    return points


def _solve_point(factory, point: dict, spec: _Spec, anchor: Model | None = None) -> dict:
    row = {key: cell(val) for key, val in point.items()}
    start = time.perf_counter()
    try:
        model = factory(**point)
        warm = anchor is not None and model.shares_problem_with(anchor)
        sol = model.solve(spec.solver, certify=spec.certify, warm_start=warm, **spec.solve_options)
        row.update(status=sol.status, value=sol.value, solver=sol.solver, error=None)
        for name, fn in spec.outputs.items():
            row[name] = fn(sol)
        for name in _chosen(spec.primal, sol.keys(), "primal", sol.parameters):
            row.update(flatten(name, sol[name]))
        for name in _chosen(spec.prices, list(sol.prices), "prices"):
            row.update(_flat_price(spec, name, sol.prices))
        if spec.certify:
            row.update(max_violation=sol.certificate.max_violation, duality_gap=sol.certificate.duality_gap)
    except Exception as exc:  # every failure is recorded in the row, never dropped
        row.update(status="failed", value=np.nan, solver=spec.solver, error=f"{type(exc).__name__}: {exc}")
    row["time"] = time.perf_counter() - start
    return row


def _chosen(request, available: list[str], what: str, skip=()) -> list[str]:
    if not request:
        return []
    if request is True:
        return [n for n in available if n not in skip]
    missing = [n for n in request if n not in available]
    if missing:
        raise KeyError(f"{what}: {missing} not in the solution; available: {available}")
    return list(request)


def _flat_price(spec: _Spec, name: str, prices) -> dict[str, float]:
    """`flatten(f"price:{name}", prices[name])` without building the pandas object at every point: the
    column names are made once per family's labels (`LabelledValues.raw` gives the array)."""
    if not hasattr(prices, "raw"):
        return flatten(f"price:{name}", prices[name])
    values, index = prices.raw(name)
    held = spec.columns.get(name)
    if held is None or held[0] is not index or len(held[1]) != values.size:
        columns = list(flatten(f"price:{name}", labelled(np.zeros(values.shape), index)))
        held = spec.columns[name] = (index, columns)  # the index is kept: its identity is the key
    return dict(zip(held[1], values.reshape(-1).tolist(), strict=True))


def flatten(name: str, obj) -> dict[str, float]:
    """A labelled value as flat columns: `name` for a scalar, `name[w=1]`, `name[a=1,w=2]` otherwise."""
    if isinstance(obj, pd.DataFrame):
        obj = obj.stack(future_stack=True)
    if isinstance(obj, pd.Series):
        names = obj.index.names
        out = {}
        for key, val in obj.items():
            key = key if isinstance(key, tuple) else (key,)
            label = ",".join(_label(n, k) for n, k in zip(names, key))
            out[f"{name}[{label}]"] = float(val)
        return out
    arr = np.asarray(obj, dtype=float)
    if arr.ndim == 0:
        return {name: float(arr)}
    return {f"{name}[{','.join(map(str, idx))}]": float(v) for idx, v in np.ndenumerate(arr)}


def _label(level, key) -> str:
    text = f"{key:g}" if isinstance(key, float | np.floating) else str(key)
    return f"{level}={text}" if level is not None else text


# ------------------------------------------------------------------ workers
_WORKER_CACHE: OrderedDict[str, object] = OrderedDict()


def _solve_chunk(payload: bytes, digest: str, chunk: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Run in a worker: unpickle the factory once per worker (cached by digest), solve the points."""
    job: Any = _WORKER_CACHE.get(digest)
    if job is None:
        factory, spec = _cloudpickle().loads(payload)
        job = (factory, spec, _anchor(factory, spec))  # once per worker: every worker starts from the same basis
        _WORKER_CACHE[digest] = job
        while len(_WORKER_CACHE) > 4:
            _WORKER_CACHE.popitem(last=False)
    factory, spec, anchor = job
    return [(i, _solve_point(factory, point, spec, anchor)) for i, point in chunk]


def _cloudpickle():
    try:
        import cloudpickle
    except ImportError:  # joblib vendors it
        from joblib.externals import cloudpickle
    return cloudpickle


class _Chunks:
    """The points to solve, handed out in chunks sized from the time per point measured so far.

    A chunk's rows come back (and reach a checkpoint) only when it is finished, so a chunk should last
    about CHUNK_SECONDS: the first chunks are single points, later ones as many points as fit. At most
    two chunks per worker (each chunk costs a round trip). `chunksize` fixes the size instead. The
    parallel executors draw chunks lazily, from their own threads, while `record` runs in the parent.
    """

    def __init__(self, indexed: list[tuple[int, dict]], workers: int, chunksize: int | None):
        self.indexed, self.fixed, self.start = indexed, chunksize, 0
        self.cap = max(1, math.ceil(len(indexed) / (2 * workers)))
        self.points, self.seconds = 0, 0.0

    def record(self, rows: Iterable[dict]) -> None:
        for row in rows:
            if math.isfinite(row.get("time", math.nan)):
                self.points, self.seconds = self.points + 1, self.seconds + row["time"]

    def size(self) -> int:
        if self.fixed:
            return int(self.fixed)
        if not self.points:
            return 1
        if self.seconds <= 0:  # points too quick to time
            return self.cap
        return int(min(self.cap, max(1, CHUNK_SECONDS * self.points / self.seconds)))

    def __iter__(self):
        while self.start < len(self.indexed):
            size = self.size()
            chunk, self.start = self.indexed[self.start:self.start + size], self.start + size
            yield chunk


def _parallel(executor, factory, indexed, spec, rows, bar, n_jobs, address, client, chunksize, store=None) -> None:
    payload = _cloudpickle().dumps((factory, spec))
    digest = hashlib.sha1(payload).hexdigest()
    workers = _workers(n_jobs, executor)
    chunks = _Chunks(indexed, workers, chunksize)

    def collect(chunk, result=None, exc=None):
        for i, point in chunk:
            rows[i] = result[i] if exc is None else {
                **{key: cell(val) for key, val in point.items()}, "status": "failed", "value": np.nan,
                "solver": spec.solver, "error": f"{type(exc).__name__}: {exc}", "time": np.nan}
            if store is not None:
                store.append(point, rows[i])
        chunks.record(rows[i] for i, _ in chunk)
        bar.update(len(chunk))

    if executor == "processes":
        from joblib import Parallel, delayed

        tasks = (delayed(_run_safely)(payload, digest, chunk) for chunk in chunks)
        # batch_size=1: a task is one chunk, so that its rows come back when it is done
        outputs = Parallel(n_jobs=workers, batch_size=1, return_as="generator_unordered")(tasks)
        try:
            for chunk_rows, chunk, exc in outputs:
                collect(chunk, dict(chunk_rows), exc)
        finally:
            # on an interrupt or any error here, closing the unfinished generator makes joblib abort:
            # the loky workers are killed rather than left solving after the parent has gone
            outputs.close()
        return

    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise ImportError("executor 'dask' needs dask.distributed: pip install 'optmarkets[distributed]'") from exc
    own = client is None
    cluster = None
    if own:
        if address is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
        client = Client(address or cluster)
    futures: dict = {}
    try:
        shared = client.scatter(payload, broadcast=True, hash=False)  # a fresh key: no race with an old sweep
        feed, done = iter(chunks), as_completed()

        def submit():
            chunk = next(feed, None)
            if chunk is not None:
                fut = client.submit(_solve_chunk, shared, digest, chunk, pure=False)
                futures[fut] = chunk
                done.add(fut)

        # two chunks in flight a worker: later chunks are sized from the rows that came back
        for _ in range(2 * max(workers, sum(client.nthreads().values()))):
            submit()
        for fut in done:
            chunk = futures.pop(fut)
            try:
                collect(chunk, dict(fut.result()))
            except Exception as exc:  # a lost chunk fails its points, with the error
                collect(chunk, exc=exc)
            submit()
    finally:
        if futures:  # interrupted: drop the unfinished chunks (a client of the caller's keeps running)
            client.cancel(list(futures))
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def _run_safely(payload, digest, chunk):
    # joblib would abort the whole sweep on one failing task; report it with its chunk instead.
    try:
        return _solve_chunk(payload, digest, chunk), chunk, None
    except Exception as exc:
        return [], chunk, exc


def _workers(n_jobs: int, executor: str) -> int:
    cores = os.cpu_count() or 1
    if n_jobs < 0 or (executor == "dask" and n_jobs == 1):  # a LocalCluster defaults to every core
        return cores
    return int(n_jobs)


# ------------------------------------------------------------------ progress bar
class Progress:
    """A small progress bar on stderr (no dependency): `label |#####     | 120/1000 45/s eta 19s`.

    enabled=None shows it only when stderr is a terminal and the job has at least 20 steps.
    """

    def __init__(self, total: int, label: str = "", *, enabled: bool | None = None, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = (tty and total >= 20) if enabled is None else bool(enabled)
        self.start = self._last = time.perf_counter()

    def update(self, steps: int = 1) -> None:
        self.done += steps
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        width = 24
        frac = self.done / self.total if self.total else 1.0
        elapsed = now - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        bar = "#" * int(frac * width) + " " * (width - int(frac * width))
        self.stream.write(f"\r{self.label} |{bar}| {self.done}/{self.total} {rate:.1f}/s eta {eta:.0f}s ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
