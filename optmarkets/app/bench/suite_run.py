"""`optmarkets bench --suite DIR --solvers HIGHS,HIGHS_IPM,CLARABEL,SCS`: solvers against the suite's exact optima.

Every instance of the suite (`bench.suite`, its `manifest.json`) is read from its MPS file by highspy
(`readModel`): min or max c.x + offset, row_lower <= A x <= row_upper, col_lower <= x <= col_upper.
HIGHS (dual simplex) and HIGHS_IPM (interior point, crossover on) solve that model in highspy; every
other backend gets a cvxpy problem built from the same arrays (equality rows, `<=` rows, `>=` rows,
bounds as constraints). Each solve is cold, with the backend's options for the tier's tolerance
(`bench.config.solver_options`, the harness's translation) and the time limit. A record per
(instance, solver, tier):

- time: the solver's own time (highspy's `run`; cvxpy's `solver_stats.solve_time`, else the wall
  time of `solve`), time_wall: around the whole solve call (cvxpy's compile included);
- objective_error: |objective - exact| / max(1, |exact|), against `optimal_value_exact` (the
  manifest's float optimum where the exact one is missing: `reference` says which);
- primal_residual: the largest violation of a row or column bound by x, over 1 + the largest finite
  bound; dual_residual: with the multipliers y of the rows in HiGHS's convention for the minimisation
  (c - A'y = reduced costs z), the largest sign violation of y (a `<=` row's multiplier must be <= 0, a
  `>=` row's >= 0) and of z = c - A'y (>= 0 on a column with only a lower bound, <= 0 with only an
  upper, 0 on a free one), over 1 + |c|_inf. Recomputed from x and y, never taken from the solver;
- success: status optimal and objective error and both residuals <= ACCEPT x the tier's tolerance.

The Dolan–Moré performance profile: rho_s(tau) = the fraction of instances solver s solves (success)
within tau times the fastest successful solver's time, at tau = 1, 2, 4, 10, 100. Written as JSONL
(one record a line) and a Markdown table (`markdown`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ... import solvers as backends
from ...core.errors import InputError
from .config import ACCEPT, TIERS, solver_options
from .manifest import optimum
from .suite import load_manifest, sha256, version

#: the performance profile's factors of the best time
TAUS = (1.0, 2.0, 4.0, 10.0, 100.0)
DEFAULT_SOLVERS = ("HIGHS", "HIGHS_IPM", "CLARABEL", "SCS", "PDLP")
HIGHS_BACKENDS = ("HIGHS", "HIGHS_IPM")
RECORD_KEYS = ("instance", "solver", "tier", "tol", "status", "success", "objective", "exact", "reference",
               "objective_error", "primal_residual", "dual_residual", "time", "time_wall", "rows", "cols", "nnz",
               "error")


@dataclass
class FileLP:
    """An MPS file as highspy reads it: sense * (c.x) + offset, rows and columns with their bounds."""

    sense: float  # 1 minimise, -1 maximise
    c: np.ndarray
    offset: float
    A: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray

    @classmethod
    def read(cls, path: Path) -> FileLP:
        import highspy

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if h.readModel(str(path)) == highspy.HighsStatus.kError:
            raise InputError(f"suite: highspy cannot read '{path}'")
        lp = h.getLp()
        m, n = lp.num_row_, lp.num_col_
        a = lp.a_matrix_
        A = sp.csc_matrix((np.asarray(a.value_, float), np.asarray(a.index_), np.asarray(a.start_)), shape=(m, n))
        return cls(-1.0 if lp.sense_ == highspy.ObjSense.kMaximize else 1.0, np.asarray(lp.col_cost_, float),
                   float(lp.offset_), A, np.asarray(lp.row_lower_, float), np.asarray(lp.row_upper_, float),
                   np.asarray(lp.col_lower_, float), np.asarray(lp.col_upper_, float))

    def residuals(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(primal, dual) residuals of x and the row multipliers y (HiGHS's convention for min sense*c.x)."""
        ax = self.A @ x
        bounds = np.concatenate([self.row_lower, self.row_upper, self.col_lower, self.col_upper])
        scale = 1.0 + float(np.abs(bounds[np.isfinite(bounds)]).max(initial=0.0))
        violation = max(0.0, float(np.max(self.row_lower - ax, initial=0.0)),
                        float(np.max(ax - self.row_upper, initial=0.0)),
                        float(np.max(self.col_lower - x, initial=0.0)), float(np.max(x - self.col_upper, initial=0.0)))
        c = self.sense * self.c
        z = c - self.A.T @ y
        row_lo, row_up = np.isfinite(self.row_lower), np.isfinite(self.row_upper)
        col_lo, col_up = np.isfinite(self.col_lower), np.isfinite(self.col_upper)
        dual = max(0.0, float(np.max(np.where(row_up & ~row_lo, y, 0.0), initial=0.0)),
                   float(np.max(np.where(row_lo & ~row_up, -y, 0.0), initial=0.0)),
                   float(np.max(np.where(~row_lo & ~row_up, np.abs(y), 0.0), initial=0.0)),
                   float(np.max(np.where(col_lo & ~col_up, -z, 0.0), initial=0.0)),
                   float(np.max(np.where(col_up & ~col_lo, z, 0.0), initial=0.0)),
                   float(np.max(np.where(~col_lo & ~col_up, np.abs(z), 0.0), initial=0.0)))
        return violation / scale, dual / (1.0 + float(np.abs(c).max(initial=0.0)))


def _solve_highs(path: Path, options: dict) -> dict:
    import highspy

    from ...solvers.highs import set_options

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    set_options(h, backends.highs_option_values(options))
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    status = h.getModelStatus()
    sol = h.getSolution()
    sense = -1.0 if h.getLp().sense_ == highspy.ObjSense.kMaximize else 1.0
    optimal = status == highspy.HighsModelStatus.kOptimal
    return {"status": "optimal" if optimal else h.modelStatusToString(status), "time": seconds,
            "objective": float(h.getInfo().objective_function_value) if optimal else None,
            "x": np.asarray(sol.col_value, float) if optimal else None,
            "y": sense * np.asarray(sol.row_dual, float) if optimal and sol.dual_valid else None}


def _solve_cvxpy(lp: FileLP, cvxpy_name: str, options: dict) -> dict:
    import cvxpy as cp

    n = lp.A.shape[1]
    x = cp.Variable(n)
    A = lp.A.tocsr()
    equal = np.isfinite(lp.row_lower) & (lp.row_lower == lp.row_upper)
    upper = np.flatnonzero(np.isfinite(lp.row_upper) & ~equal)
    lower = np.flatnonzero(np.isfinite(lp.row_lower) & ~equal)
    eq = np.flatnonzero(equal)
    cons, parts = [], []
    if eq.size:
        cons.append(A[eq] @ x == lp.row_upper[eq])
        parts.append(("eq", eq))
    if upper.size:
        cons.append(A[upper] @ x <= lp.row_upper[upper])
        parts.append(("upper", upper))
    if lower.size:
        cons.append(A[lower] @ x >= lp.row_lower[lower])
        parts.append(("lower", lower))
    for bound, side in ((lp.col_lower, "lower"), (lp.col_upper, "upper")):
        finite = np.flatnonzero(np.isfinite(bound))
        if finite.size:
            cons.append(x[finite] >= bound[finite] if side == "lower" else x[finite] <= bound[finite])
    problem = cp.Problem(cp.Minimize((lp.sense * lp.c) @ x), cons)
    problem.solve(solver=cvxpy_name, **options)
    stats = problem.solver_stats
    optimal = problem.status == cp.OPTIMAL
    y = np.zeros(A.shape[0])
    if optimal:
        for con, (kind, rows) in zip(cons, parts, strict=False):
            dual = np.asarray(con.dual_value, float).reshape(-1)
            # cvxpy's multipliers are >= 0 on <= and >= rows and enter as c + A'(ν + λ_upper - λ_lower) = z
            y[rows] += -dual if kind in ("eq", "upper") else dual
    value = problem.value
    return {"status": "optimal" if optimal else str(problem.status),
            "time": float(stats.solve_time) if stats is not None and stats.solve_time is not None else None,
            "objective": float(lp.sense * value + lp.offset) if optimal else None,
            "x": np.asarray(x.value, float) if optimal else None, "y": y if optimal else None}


def solve_instance(path: Path, lp: FileLP, solver: str, tol: float, time_limit: float) -> dict:
    """One cold solve of the suite file `path` (read as `lp`) by `solver`: status, times, x, y, objective."""
    options = solver_options(solver, tol, time_limit)
    start = time.perf_counter()
    if solver in HIGHS_BACKENDS:
        result = _solve_highs(path, options)
    else:
        result = _solve_cvxpy(lp, backends.get(solver).cvxpy_name, options)
    result["time_wall"] = time.perf_counter() - start
    if result["time"] is None:
        result["time"] = result["time_wall"]
    return result


def usable_solvers(names: list[str]) -> tuple[list[str], list[str]]:
    """(the backends to run, notes on those skipped: unknown or not installed)."""
    registered, installed = backends.registered(), set(backends.available())
    run, notes = [], []
    for name in names:
        if name not in registered:
            notes.append(f"{name}: not a backend optmarkets knows (skipped)")
        elif name not in installed:
            notes.append(f"{name}: not installed (skipped)")
        else:
            run.append(name)
    return run, notes


def run_suite(folder: str | Path, solvers: list[str] | None = None, *, tiers: dict[str, float] | None = None,
              time_limit: float = 60.0, out: str | Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Run `solvers` on every instance of the suite in `folder`; (records, notes on skipped solvers). With `out`,
    the records are written there as JSONL (one per line, replacing the file). The manifest is checked whole
    (`bench.manifest`: file names inside `folder`, exact values, types) before any instance file is read."""
    manifest = load_manifest(folder)
    run, notes = usable_solvers(list(solvers or DEFAULT_SOLVERS))
    if not run:
        raise InputError(f"solvers: none of {solvers or DEFAULT_SOLVERS} is installed")
    tiers = tiers or {"medium": TIERS["medium"]}
    records: list[dict] = []
    for entry in manifest["instances"]:
        path = Path(folder) / entry["file"]
        if not path.is_file():
            raise InputError(f"suite: '{path}' is listed in the manifest but missing")
        if sha256(path) != entry["provenance"]["sha256"]:
            raise InputError(f"suite: '{path}' does not match its sha256 in the manifest (changed since written)")
        lp = FileLP.read(path)
        value, exact = optimum(entry)
        for tier, tol in tiers.items():
            for solver in run:
                records.append(_record(entry, path, lp, solver, tier, tol, time_limit, value, exact))
    frame = pd.DataFrame(records, columns=list(RECORD_KEYS))
    if out is not None:
        with open(out, "w") as fh:
            for rec in records:
                fh.write(json.dumps(rec) + "\n")
    return frame, notes


def _record(entry: dict, path: Path, lp: FileLP, solver: str, tier: str, tol: float, time_limit: float,
            reference: Fraction, exact: bool) -> dict:
    rec: dict[str, Any] = {k: None for k in RECORD_KEYS}
    rec.update(instance=entry["name"], solver=solver, tier=tier, tol=tol, rows=entry["rows"], cols=entry["cols"],
               nnz=entry["nnz"], exact=str(reference) if exact else None,
               reference="exact" if exact else "float (no exact value)", success=False)
    try:
        result = solve_instance(path, lp, solver, tol, time_limit)
    except Exception as exc:  # a solver's failure is a result of the benchmark, recorded with its message
        rec.update(status="error", error=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300])
        return rec
    rec.update(status=result["status"], time=result["time"], time_wall=result["time_wall"])
    if result["objective"] is None or result["x"] is None:
        return rec
    objective = result["objective"]
    rec["objective"] = objective
    rec["objective_error"] = float(abs(Fraction(objective) - reference) / max(Fraction(1), abs(reference)))
    if result["y"] is not None:
        rec["primal_residual"], rec["dual_residual"] = lp.residuals(result["x"], result["y"])
    else:
        rec["primal_residual"] = lp.residuals(result["x"], np.zeros(lp.A.shape[0]))[0]
    limit = ACCEPT * tol
    rec["success"] = bool(rec["objective_error"] <= limit and rec["primal_residual"] <= limit
                          and rec["dual_residual"] is not None and rec["dual_residual"] <= limit)
    return rec


def performance_profile(records: pd.DataFrame, taus: tuple[float, ...] = TAUS) -> pd.DataFrame:
    """rho_s(tau) per (tier, solver): the fraction of instances solved within tau x the best time (Dolan–Moré)."""
    rows = []
    for tier, group in records.groupby("tier", sort=False):
        t = group["time"].where(group["success"].astype(bool), np.inf).astype(float)
        table = group.assign(t=t).pivot_table(index="instance", columns="solver", values="t", aggfunc="min")
        best = table.min(axis=1)
        ratios = table.div(best.where(np.isfinite(best)), axis=0).fillna(np.inf)
        for solver in ratios.columns:
            rows.append({"tier": tier, "solver": solver,
                         **{f"tau={tau:g}": float((ratios[solver] <= tau).mean()) for tau in taus}})
    return pd.DataFrame(rows)


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Per (tier, solver): instances, successes, the largest errors and residuals, total and median time."""
    rows = []
    for (tier, solver), g in records.groupby(["tier", "solver"], sort=False):
        rows.append({"tier": tier, "solver": solver, "instances": len(g), "solved": int(g["success"].sum()),
                     "max_objective_error": pd.to_numeric(g["objective_error"]).max(),
                     "max_primal_residual": pd.to_numeric(g["primal_residual"]).max(),
                     "max_dual_residual": pd.to_numeric(g["dual_residual"]).max(),
                     "total_time_s": pd.to_numeric(g["time"]).sum(),
                     "median_time_s": pd.to_numeric(g["time"]).median()})
    return pd.DataFrame(rows)


def markdown(records: pd.DataFrame, notes: list[str], suite: str = "") -> str:
    """The report: summary per solver, the performance profile, and every record (Markdown)."""
    from .runner import environment

    env = environment()
    lines = [f"# Exact-reference suite{f' ({suite})' if suite else ''}", "",
             f"optmarkets {version()}; {env['cpu']} ({env['cpu_count']} cores); python {env['python']}; "
             f"highspy {env['versions'].get('highspy')}, cvxpy {env['versions'].get('cvxpy')}, "
             f"clarabel {env['versions'].get('clarabel')}, scs {env['versions'].get('scs')}.", "",
             "Errors against the exact rational optimum (`optimal_value_exact`); residuals recomputed from x and "
             "the row multipliers; success = optimal and all three <= 10 x the tier's tolerance "
             "(`optmarkets.app.bench.suite_run`).", ""]
    instances = records.drop_duplicates("instance")
    exact = int((instances["reference"] == "exact").sum())
    lines += [f"{exact} of {len(instances)} instances have an exact reference; the others (exact() refused or "
              "found no verdict) are compared with the manifest's float optimum (column `reference`).", ""]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    lines += ["## Summary", "", _table(summary(records)), "", "## Performance profile (Dolan–Moré, time)", "",
              _table(performance_profile(records)), "", "## Every record", "",
              _table(records[["instance", "solver", "tier", "status", "success", "reference", "objective_error",
                              "primal_residual", "dual_residual", "time", "rows", "cols", "nnz"]])]
    return "\n".join(lines) + "\n"


def _table(df: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float | np.floating):
            return f"{v:.3g}"
        return str(v)
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])
