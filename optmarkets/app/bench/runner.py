"""Running a benchmark: one cold solve per (instance, solver, tier), streamed as JSONL records.

Every record has exactly the keys `RECORD_KEYS` (None where not applicable); `raw_highs` times the
same LP handed to highspy directly, for the modeling overhead.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd

from ... import solvers as backends
from ...core.errors import InputError
from ...core.model import Model
from ...solvers import StandardForm, highs_option_values
from ...solvers.cvxpy_internals import solver_data
from ...solvers.highs import RejectedLPError
from ..sweep import Progress
from .config import ACCEPT, REFERENCE, SCHEMA, BenchConfig, solver_options
from .problems import ProblemFamily

#: every record has exactly these keys (None where not applicable)
RECORD_KEYS = (
    "schema", "instance", "family", "size", "seed", "solver", "tier", "tol", "options", "time_limit",
    "status", "success", "error", "warnings", "objective", "reference_objective", "objective_error", "iterations",
    "n_variables", "n_constraints", "nnz",
    "time_build", "time_compile", "time_solve", "time_total", "time_certify", "time_raw_highs",
    "primal_residual", "dual_residual", "complementary_slackness", "duality_gap", "relative_gap",
    "residuals", "economic_residuals", "max_economic_residual", "price_diff", "max_price_diff",
    "environment",
)


class Records(list):
    """The records of a run (a list of dicts); `resumed` of them were read back from the `out` file."""

    resumed: int = 0


def run(config: BenchConfig | str | Path | dict | None = None, *, out: str | Path | None = None,
        progress: bool | None = None, resume: bool = True) -> Records:
    """Run the benchmark; return the records and, if `out` is given, append them there as JSONL.

    An existing `out` file is resumed (resume=True): its records are kept, those of this plan are
    returned with the new ones, and only the missing (instance, solver, tier, tol) records are run.
    Every record is written and flushed as soon as it is made, so an interrupted run loses only the
    record in progress. resume=False starts the file afresh.
    """
    cfg = BenchConfig.load(config)
    plan, solvers = cfg.plan(), cfg.solver_names()
    if out is not None and Path(out).exists() and not Path(out).is_file():  # a FIFO: writing it would block
        raise InputError(f"out: '{out}' is not a regular file (a folder, FIFO or device); choose another --out")
    done = existing_records(out) if out is not None and resume else {}
    env = environment()
    total = len(plan) * len(solvers) * len(cfg.tiers)
    bar = Progress(total, "bench", enabled=progress)
    records = Records()
    sink = open(out, "a" if resume else "w") if out else None  # noqa: SIM115 - records are streamed as they come
    try:
        for fam, size, seed in plan:
            name = f"{fam.name}/n={size}/seed={seed}"
            keys = {(tier, solver): (name, solver, tier, float(tol))
                    for tier, tol in cfg.tiers.items() for solver in solvers}
            ref = None if all(k in done for k in keys.values()) else _reference(fam, size, seed, cfg)
            for tier, tol in cfg.tiers.items():
                raw: tuple[float | None, int | None] = (None, None)
                for solver in solvers:  # the reference first: its records measure the raw time
                    old = done.get(keys[tier, solver])
                    if old is not None:
                        rec = old
                        records.resumed += 1
                    else:
                        assert ref is not None
                        if raw == (None, None) and cfg.raw_highs and REFERENCE not in solvers:
                            raw = raw_highs(ref.model, solver_options(REFERENCE, tol, cfg.time_limit),
                                            repeat=cfg.repeat)
                        rec = _record(fam, size, seed, solver, tier, tol, cfg, ref, raw, env)
                        if sink:
                            sink.write(json.dumps(rec, allow_nan=False) + "\n")
                            sink.flush()
                    if solver == REFERENCE:
                        raw = rec["time_raw_highs"], rec["nnz"]
                    records.append(rec)
                    bar.update()
    finally:
        bar.close()
        if sink:
            sink.close()
    return records


def existing_records(path: str | Path) -> dict[tuple, dict]:
    """The records already in a JSONL file, by (instance, solver, tier, tol); {} when there is none.

    Every line is checked first: any line that is not a record of this schema is an InputError (the file is
    not a bench output) and the file is left as it was. Then a last line cut short (a run killed while writing
    a record: it begins as every record does) is removed from the file.
    """
    path = Path(path)
    if not path.exists():
        return {}
    if not path.is_file():  # a FIFO or device: reading or appending would block
        raise InputError(f"out: '{path}' is not a regular file (a folder, FIFO or device); choose another --out")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"out: cannot read '{path}': {exc.strerror or exc}") from None
    lines = data.split(b"\n")
    # a record cut short (no final newline) that is not JSON: dropped only if it begins as this runner's do
    cut = bool(lines[-1].strip()) and not _is_json(lines[-1])
    out = {}
    for number, line in enumerate(lines[:-1] if cut else lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):  # nested too deeply: not ours either
            raise InputError(f"out: line {number} of {path} is not JSON; it is not a benchmark output "
                             "(choose another --out)") from None
        if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
            raise InputError(f"out: line {number} of {path} is not a {SCHEMA} record; choose another --out")
        try:
            out[rec["instance"], rec["solver"], rec["tier"], float(rec["tol"])] = rec
        except (KeyError, TypeError, ValueError):
            raise InputError(f"out: line {number} of {path} lacks instance, solver, tier or tol") from None
    if cut and not lines[-1].startswith(_RECORD_START):
        raise InputError(f"out: line {len(lines)} of {path} is not JSON; it is not a benchmark output "
                         "(choose another --out)")
    try:  # every line checked: the file is a bench output, repaired in place
        if cut:
            os.truncate(path, len(data) - len(lines[-1]))
        elif lines[-1].strip():
            with open(path, "ab") as sink:
                sink.write(b"\n")
    except OSError as exc:
        raise InputError(f"out: cannot write '{path}': {exc.strerror or exc}") from None
    return out


#: how every record's line begins (`_record` puts the schema first)
_RECORD_START = json.dumps({"schema": SCHEMA})[:-1].encode()


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


@dataclass
class _Reference:
    model: Model
    objective: float | None
    prices: dict[str, np.ndarray]


def _reference(fam: ProblemFamily, size: int, seed: int, cfg: BenchConfig) -> _Reference:
    """The reference solver's (HiGHS, default options) objective and prices."""
    inst = fam.instance(size, seed)
    try:
        sol = inst.model.solve(REFERENCE, certify=False, **inst.solve_options)
        objective, prices = sol.value, {k: _array(v) for k, v in sol.prices.items()}
    except Exception:  # the records will show the failure; no reference to compare to
        objective, prices = None, {}
    return _Reference(inst.model, objective, prices)


def raw_highs(model: Model, options: dict | None = None, *, repeat: int = 1) -> tuple[float | None, int | None]:
    """Seconds for highspy alone on the model's LP (passModel + run; fastest of `repeat`), and its nnz.

    The LP is cvxpy's standard form of the model for HiGHS (rows A x = b / A x <= b, variable
    bounds), i.e. exactly what optmarkets hands to HiGHS, extracted before the clock starts, and
    solved with the same HiGHS options (`solver_options("HIGHS", tol, time_limit)`).
    Returns (None, None) when HiGHS cannot take the model (not an LP/MILP) or highspy is missing.
    """
    try:
        import highspy
    except ImportError:
        return None, None
    for name, spec in model.parameters.items():
        spec.param.value = model.value_of(name)
    try:
        data = solver_data(model.problem, cp.HIGHS)[0]
    except cp.error.SolverError:
        return None, None
    form = StandardForm.of(data)
    best = math.inf
    backends.silence_highs_banner()
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for key, value in highs_option_values(options or {}).items():
            h.setOptionValue(key, value)
        try:
            form.load_into(h)  # highspy's array overload, as the solve path passes its LPs
        except RejectedLPError:  # HiGHS cannot take the unscaled form: no raw time
            return None, int(form.A.nnz)
        h.run()
        h.getSolution()
        best = min(best, time.perf_counter() - start)
    return best, int(form.A.nnz)


def _record(fam, size, seed, solver, tier, tol, cfg, ref: _Reference, raw: tuple, env) -> dict:
    opts = solver_options(solver, tol, cfg.time_limit)
    rec = dict.fromkeys(RECORD_KEYS)
    rec.update(schema=SCHEMA, family=fam.name, size=size, seed=seed, solver=solver, tier=tier, tol=tol,
               options=_jsonable(opts), time_limit=cfg.time_limit, environment=env, success=False,
               reference_objective=ref.objective, time_raw_highs=raw[0], nnz=raw[1])
    measure_raw = cfg.raw_highs and solver == REFERENCE
    best: tuple | None = None
    raw_best = math.inf
    for _ in range(max(1, cfg.repeat)):
        start = time.perf_counter()
        inst = fam.instance(size, seed)  # cold: a fresh model, compiled again
        built = time.perf_counter()
        rec.update(instance=inst.name, **{f"n_{k}": v for k, v in inst.model.size().items()})
        with warnings.catch_warnings(record=True) as caught:  # e.g. "may be inaccurate": into the record
            warnings.simplefilter("always")
            try:
                # the tier's tol too: the solve's accuracy check accepts residuals of that order (options alone left
                # it at 1e-7, and HiGHS at 1e-3 on Yang n = 10 failed its own check: 8.6e-4)
                keywords = {**inst.solve_options, **({} if tol is None else {"tol": tol})}
                sol = inst.model.solve(solver, certify=False, **keywords, **opts)
            except Exception as exc:  # the failure is the record
                rec.update(status=getattr(exc, "status", "error"), error=f"{type(exc).__name__}: {exc}",
                           time_total=time.perf_counter() - start, time_build=built - start,
                           warnings=sorted({str(w.message) for w in caught}) or None)
                return _finish(rec)
        total = time.perf_counter() - start
        rec["warnings"] = sorted({str(w.message) for w in caught}) or None
        if best is None or total < best[0]:
            best = (total, built - start, sol, inst)
        if measure_raw:  # interleaved with the optmarkets solves, so that both see the same machine load
            seconds, nnz = raw_highs(inst.model, opts)
            if seconds is not None:
                raw_best = min(raw_best, seconds)
                rec.update(time_raw_highs=raw_best, nnz=nnz)
    assert best is not None  # repeat >= 1
    total, build, sol, inst = best
    problem = inst.model.problem
    stats = problem.solver_stats
    start = time.perf_counter()
    cert = inst.model.certify()
    rec.update(
        status=sol.status, objective=sol.value, time_build=build, time_total=total,
        time_compile=sol.timings.get("compile"), time_solve=sol.timings.get("solver"),
        time_certify=time.perf_counter() - start,
        iterations=int(stats.num_iters) if stats is not None and stats.num_iters is not None else None,
        primal_residual=cert.max_violation,
        dual_residual=None if cert.dual_infeasibility is None else max(cert.dual_infeasibility, cert.dual_sign),
        complementary_slackness=cert.complementary_slackness, duality_gap=cert.duality_gap,
        relative_gap=None if cert.duality_gap is None else cert.duality_gap / (1.0 + abs(sol.value)),
        residuals={str(k): float(v) for k, v in cert.violations.items()},
    )
    econ = inst.economic(sol) if inst.economic else _economic_from_certificate(cert.violations)
    rec.update(economic_residuals=econ, max_economic_residual=max(econ.values(), default=None))
    if ref.objective is not None:
        rec["objective_error"] = abs(sol.value - ref.objective) / (1.0 + abs(ref.objective))
        diffs = {}
        for name, ref_price in ref.prices.items():
            mine = sol.prices.get(name)
            if mine is not None and _array(mine).shape == ref_price.shape:
                diffs[name] = float(np.abs(_array(mine) - ref_price).max(initial=0.0))
        rec.update(price_diff=diffs, max_price_diff=max(diffs.values(), default=None))
    return _finish(rec)


def _finish(rec: dict) -> dict:
    residuals = [rec["primal_residual"], rec["dual_residual"], rec["relative_gap"]]
    rec["success"] = bool(
        rec["status"] == "optimal" and rec["error"] is None and rec["time_total"] <= rec["time_limit"]
        and all(r is None or r <= ACCEPT * rec["tol"] for r in residuals)
    )
    return _jsonable(rec)


_ECONOMIC_WORDS = {"obedience": ("obedience", "obedient"), "IC": ("truthful", "ic", "incentive"),
                   "IR": ("participation", "ir", "individual_rationality")}


def _economic_from_certificate(violations: pd.Series) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in violations.items():
        words = str(key).lower().replace("-", "_").split("_")
        for label, names in _ECONOMIC_WORDS.items():
            if any(w in names for w in words) or str(key).lower() in names:
                out[label] = max(out.get(label, 0.0), float(value))
    return out


def _array(obj) -> np.ndarray:
    return np.asarray(obj.to_numpy() if hasattr(obj, "to_numpy") else obj, dtype=float)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def environment() -> dict:
    """Versions and hardware, recorded with every record."""
    versions: dict[str, str | None] = {}
    for pkg in ("optmarkets", "cvxpy", "numpy", "scipy", "pandas", "highspy", "clarabel", "ecos", "scs"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "machine": platform.machine(),
            "cpu": _cpu_name(), "cpu_count": os.cpu_count(), "versions": versions,
            "solvers": backends.available()}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
