"""Solver benchmarks: seeded problem families x installed backends x accuracy tiers, as JSONL.

    optmarkets bench benchmarks/smoke.toml --out results.jsonl --report report/
    optmarkets bench --summarize results.jsonl --report report/
    optmarkets bench --list

Problem families. Each model contributes instance generators, registered with `problem_family`:
a function (size, rng) -> Instance (the Model plus an optional independent economic check) that is
deterministic in (family, size, seed). A family names the public API it needs (`needs=`, e.g.
"DataBroker.mechanism_problem"); if that model is absent the family is skipped, so the harness runs
with whatever models exist. Registered here: glp_platform (P_q), glp_first_best (FB'), yang_broker
(DB-C), hs_mechanism (optimal mechanism), bdhn_revenue (REV); `optmarkets bench --list` shows them.

Records. One JSON line per (instance, solver, tier), written as it is produced (schema `RECORD_KEYS`):
build / compile / solve / certify / total times, status, objective, iterations, problem size, the
recomputed primal and dual residuals and duality gap (`Solution.certificate`, computed by the model
from its data, not taken from the solver), the economic residuals (largest obedience / IC / IR
violation: the family's own numpy re-check where it has one, else the certificate's violation of
the families so named), the largest difference of each price
family from the reference solver's (HiGHS, default options), and the environment.
Every record is a cold solve: the instance is rebuilt from its seed, so compile time is included.
`time_raw_highs` is the same LP (cvxpy's standard form with its variable bounds) handed to highspy
directly with the tier's HiGHS options: `passModel` + `run`; time_total / time_raw_highs of the
HiGHS records is the modeling overhead.

Accuracy tiers (low 1e-3, medium 1e-6, high 1e-9 by default) go through each backend's own options
(`backends.get(name).options(tol)`). A record counts as a success when the solve returned "optimal"
within the time limit and the recomputed residuals (primal violation, dual residual, duality gap
relative to 1 + |objective|) are all <= ACCEPT * tol.

Report (`report`): success rate, shifted geometric mean of times (shift 10 s, failures charged the
time limit), Dolan–Moré performance profiles per tier (matplotlib), modeling overhead vs raw HiGHS.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import platform
import sys
import time
import tomllib
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import cvxpy as cp
import numpy as np
import pandas as pd

import optmarkets

from .. import solvers as backends
from ..core.errors import InputError
from ..core.model import Model
from ..core.solution import Solution
from ..solvers.highs import StandardForm, highs_option_values
from .sweep import Progress

SCHEMA = "optmarkets.bench/1"
TIERS = {"low": 1e-3, "medium": 1e-6, "high": 1e-9}
ACCEPT = 10.0  # a solve is accepted when its recomputed residuals are <= ACCEPT * tier tolerance
SHIFT = 10.0  # seconds, for the shifted geometric mean
REFERENCE = "HIGHS"

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


# ================================================================== problem families
@dataclass
class Instance:
    """A benchmark instance: the model and, optionally, an independent check of its economics.

    economic(sol) -> {"obedience": v, "IC": v, ...}: largest violations recomputed with numpy from the
    model's primitives (not from its constraint families). Without it, the certificate's violations of
    families named like obedience / truthful (IC) / participation (IR) are reported.
    """

    family: str
    size: int
    seed: int
    model: Model
    economic: Callable[[Solution], dict[str, float]] | None = None
    solve_options: dict = field(default_factory=dict)  # model-specific keywords of its solve()

    @property
    def name(self) -> str:
        return f"{self.family}/n={self.size}/seed={self.seed}"


@dataclass(frozen=True)
class ProblemFamily:
    name: str
    build: Callable[[int, np.random.Generator], Model | tuple]
    sizes: tuple[int, ...]
    smoke_sizes: tuple[int, ...]
    needs: str
    description: str = ""

    @property
    def available(self) -> bool:
        """The model API the family needs ("Class" or "Class.method") exists in this installation."""
        obj = optmarkets
        for part in self.needs.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return True

    def instance(self, size: int, seed: int = 0) -> Instance:
        """The instance of this size and seed (deterministic: same data every call)."""
        rng = np.random.default_rng([seed, size, zlib.crc32(self.name.encode())])
        built = self.build(size, rng)
        model, *rest = built if isinstance(built, tuple) else (built,)
        return Instance(self.name, size, seed, model, *rest)


_FAMILIES: dict[str, ProblemFamily] = {}


def problem_family(name: str, *, sizes, needs: str, smoke=None, description: str = ""):
    """Register `fn(size, rng) -> Model | (Model, economic_check[, solve_options])` as a benchmark family."""
    def register(fn):
        _FAMILIES[name] = ProblemFamily(name, fn, tuple(sizes), tuple(smoke or sizes[:1]), needs,
                                        description or (fn.__doc__ or "").strip().split("\n")[0])
        return fn
    return register


def families(*, available_only: bool = True) -> dict[str, ProblemFamily]:
    """The registered families (by default only those whose model class is in optmarkets)."""
    return {n: f for n, f in _FAMILIES.items() if f.available or not available_only}


def family(name: str) -> ProblemFamily:
    if name not in _FAMILIES:
        raise InputError(f"family: unknown benchmark family '{name}'; known: {', '.join(_FAMILIES)}")
    fam = _FAMILIES[name]
    if not fam.available:
        raise InputError(f"family: '{name}' needs optmarkets.{fam.needs}, which this installation lacks")
    return fam


# ------------------------------------------------------------------ Galperti–Liu–Perego P_q
@problem_family("glp_platform", sizes=(10, 25, 50, 100), smoke=(4, 8), needs="PersonalDataEconomy")
def _glp_platform(n: int, rng: np.random.Generator):
    """GLP P_q: n integer types, fees = types, gamma_u = 1 > gamma_pi, a random database q."""
    econ = _glp_economy(n, rng)
    q = econ.mass * rng.uniform(0.2, 1.0, n)
    return econ.platform_problem(q), partial(_glp_economics, econ)


def _glp_economics(econ, sol: Solution) -> dict[str, float]:
    """Obedience and Bayes plausibility of chi, recomputed from the merchant's profit pi(a, w)."""
    chi, q, pi = sol["chi"].to_numpy(), sol["q"].to_numpy(), econ.merchant_profit
    # gain[a, b] = sum_w (pi(a, w) - pi(b, w)) chi(a, w): obeying a minus deviating to b
    gain = (chi * pi).sum(axis=1)[:, None] - chi @ pi.T
    np.fill_diagonal(gain, 0.0)
    return {"obedience": float(max(0.0, -gain.min())),
            "bayes_plausibility": float(np.abs(chi.sum(axis=0) - q).max()),
            "nonnegativity": float(max(0.0, -chi.min()))}


def _glp_economy(n: int, rng: np.random.Generator):
    values = np.sort(rng.choice(np.arange(1, 3 * n + 1), n, replace=False)).astype(float)
    mass = rng.dirichlet(np.ones(n))
    return optmarkets.PersonalDataEconomy(values, mass, rng.uniform(0, values.max(), n),
                                          gamma_u=1.0, gamma_pi=float(rng.uniform(0, 0.9)))


@problem_family("glp_first_best", sizes=(10, 25, 50), smoke=(4,), needs="PersonalDataEconomy.first_best")
def _glp_first_best(n: int, rng: np.random.Generator):
    """GLP FB': the first-best database and mechanism (obedience, supply limits), n types."""
    return _glp_economy(n, rng).first_best()


# ------------------------------------------------------------------ Yang: the data broker
@problem_family("yang_broker", sizes=(5, 10, 20), smoke=(3,), needs="DataBroker.mechanism_problem")
def _yang_broker(n: int, rng: np.random.Generator):
    """Yang DB-C: n consumer values and n producer costs with random priors (IC, IR, obedience)."""
    values = np.sort(rng.choice(np.arange(1, 4 * n + 1), n, replace=False)) / (2.0 * n)
    costs = np.sort(rng.choice(np.arange(0, 4 * n), n, replace=False)) / (4.0 * n)
    broker = optmarkets.DataBroker(values, rng.dirichlet(np.ones(n)), costs, rng.dirichlet(np.ones(n)))
    return broker.mechanism_problem()


# ------------------------------------------------------------------ Haghpanah–Siegel
@problem_family("hs_mechanism", sizes=(5, 10, 20), smoke=(3,), needs="MultiProductSeller.optimal_mechanism")
def _hs_mechanism(n: int, rng: np.random.Generator):
    """HS optimal mechanism: n types, n/2 + 1 alternatives, random valuations, a full-support market."""
    k = n // 2 + 1
    values = np.round(rng.uniform(0.1, 2.0, (n, k)), 6)
    seller = optmarkets.MultiProductSeller(pd.DataFrame(values, index=[f"t{i}" for i in range(n)],
                                                        columns=[f"a{j}" for j in range(1, k + 1)]))
    # rule=None: the LP itself; the selection chain of spec §B.2 fixes revenue within a slack of
    # ~1e-8, which the high tier's residual test (10 x 1e-9) would count against every solver
    return seller.optimal_mechanism(rng.dirichlet(np.ones(n))), None, {"rule": None}


# ------------------------------------------------------------------ Bonatti–Dahleh–Horel–Nouripour
@problem_family("bdhn_revenue", sizes=(5, 10, 20), smoke=(3,), needs="InformationSeller.revenue_optimal")
def _bdhn_revenue(m: int, rng: np.random.Generator):
    """BDHN revenue LP: an exponential type grid of m cells, random prior and competition alpha."""
    p0 = float(rng.uniform(0.2, 0.8))
    seller = optmarkets.InformationSeller.from_distribution("exponential", m=m, vmax=4.0,
                                                            state_prior=(p0, 1 - p0), alpha=float(rng.uniform(0, 1)))
    return seller.revenue_optimal()


# ================================================================== configuration
@dataclass
class BenchConfig:
    """What to run. families: name -> sizes (None: every available family at its smoke sizes)."""

    families: dict[str, list[int]] | None = None
    solvers: list[str] | str | None = None  # None: HIGHS and CLARABEL where installed; "all": every one
    tiers: dict[str, float] = field(default_factory=lambda: {"medium": TIERS["medium"]})
    seeds: list[int] = field(default_factory=lambda: [0])
    time_limit: float = 60.0
    repeat: int = 1  # solves per record; the fastest is kept (each one cold)
    raw_highs: bool = True

    @classmethod
    def load(cls, source: str | Path | dict | None) -> BenchConfig:
        """From a TOML file, a preset name in ./benchmarks (e.g. "smoke"), a dict, or None (defaults)."""
        if source is None:
            return cls()
        if isinstance(source, dict):
            data = dict(source)
        else:
            path = Path(source)
            if not path.exists():
                path = Path("benchmarks") / f"{source}.toml"
            if not path.exists():
                presets = sorted(p.stem for p in Path("benchmarks").glob("*.toml"))
                raise InputError(f"config: no file '{source}' and no preset benchmarks/{source}.toml; "
                                 f"presets here: {presets}")
            data = tomllib.loads(path.read_text())
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(f"config: unknown keys {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        cfg = cls(**data)
        cfg.tiers = {k: float(v) for k, v in cfg.tiers.items()}
        for name, tol in cfg.tiers.items():
            if not tol > 0:
                raise InputError(f"tiers: tolerance of '{name}' must be positive, got {tol}")
        if cfg.time_limit <= 0:
            raise InputError(f"time_limit: must be positive, got {cfg.time_limit}")
        return cfg

    def plan(self) -> list[tuple[ProblemFamily, int, int]]:
        """(family, size, seed) for every instance; families whose model is absent are skipped."""
        chosen = self.families or {n: list(f.smoke_sizes) for n, f in families().items()}
        out = []
        for name, sizes in chosen.items():
            fam = _FAMILIES.get(name)
            if fam is None:
                raise InputError(f"families: unknown benchmark family '{name}'; known: {', '.join(_FAMILIES)}")
            if not fam.available:
                print(f"bench: skipping family '{name}' (optmarkets.{fam.needs} is not available)", file=sys.stderr)
                continue
            out += [(fam, int(size), int(seed)) for size in sizes for seed in self.seeds]
        return out

    def solver_names(self) -> list[str]:
        if self.solvers == "all" or self.solvers == ["all"]:
            chosen = backends.available()
        else:
            chosen = self.solvers or [s for s in (REFERENCE, "CLARABEL") if s in backends.available()]
        names = [backends.get(s).name for s in chosen]
        return sorted(dict.fromkeys(names), key=lambda s: s != REFERENCE)  # the reference first


# ================================================================== running
def solver_options(solver: str, tol: float | None, time_limit: float | None) -> dict:
    """The backend's options for tolerance `tol`, plus its own time-limit option where it has one."""
    backend = backends.get(solver)
    opts = backend.options(tol)
    limit = _TIME_LIMIT_OPTION.get(backend.cvxpy_name)  # by the cvxpy solver: HIGHS_IPM is HiGHS too
    if time_limit is not None and limit is not None:
        if limit.startswith("scipy_options."):
            opts["scipy_options"] = {**opts.get("scipy_options", {}), limit.split(".", 1)[1]: float(time_limit)}
        else:
            opts[limit] = float(time_limit)
    return opts


_TIME_LIMIT_OPTION = {"HIGHS": "time_limit", "CLARABEL": "time_limit", "SCS": "time_limit_secs",
                      "SCIPY": "scipy_options.time_limit", "GUROBI": "TimeLimit"}


def run(config: BenchConfig | str | Path | dict | None = None, *, out: str | Path | None = None,
        progress: bool | None = None) -> list[dict]:
    """Run the benchmark; return the records and, if `out` is given, write them there as JSONL."""
    cfg = config if isinstance(config, BenchConfig) else BenchConfig.load(config)
    plan, solvers = cfg.plan(), cfg.solver_names()
    env = environment()
    bar = Progress(len(plan) * len(solvers) * len(cfg.tiers), "bench", enabled=progress)
    records = []
    sink = open(out, "w") if out else None  # noqa: SIM115 - records are streamed as they come
    try:
        for fam, size, seed in plan:
            ref = _reference(fam, size, seed, cfg)
            for tier, tol in cfg.tiers.items():
                raw = (None, None)
                if cfg.raw_highs and REFERENCE not in solvers:
                    raw = raw_highs(ref.model, solver_options(REFERENCE, tol, cfg.time_limit), repeat=cfg.repeat)
                for solver in solvers:  # the reference first: its records measure the raw time
                    rec = _record(fam, size, seed, solver, tier, tol, cfg, ref, raw, env)
                    if solver == REFERENCE:
                        raw = rec["time_raw_highs"], rec["nnz"]
                    records.append(rec)
                    if sink:
                        sink.write(json.dumps(rec, allow_nan=False) + "\n")
                        sink.flush()
                    bar.update()
    finally:
        bar.close()
        if sink:
            sink.close()
    return records


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
    except Exception:  # noqa: BLE001 - the records will show the failure; no reference to compare to
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
        data = model.problem.get_problem_data(cp.HIGHS)[0]
    except cp.error.SolverError:
        return None, None
    form = StandardForm.of(data)
    best = math.inf
    backends.silence_highs_banner()
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        lp = form.highs_lp()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for key, value in highs_option_values(options or {}).items():
            h.setOptionValue(key, value)
        h.passModel(lp)
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
    best, raw_best = None, math.inf
    for _ in range(max(1, cfg.repeat)):
        start = time.perf_counter()
        inst = fam.instance(size, seed)  # cold: a fresh model, compiled again
        built = time.perf_counter()
        rec.update(instance=inst.name, **{f"n_{k}": v for k, v in inst.model.size().items()})
        with warnings.catch_warnings(record=True) as caught:  # e.g. "may be inaccurate": into the record
            warnings.simplefilter("always")
            try:
                sol = inst.model.solve(solver, certify=False, **inst.solve_options, **opts)
            except Exception as exc:  # noqa: BLE001 - the failure is the record
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
    out = {}
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
    versions = {}
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


# ================================================================== report
def load(path: str | Path) -> pd.DataFrame:
    """Records from a JSONL file, one row each (nested dicts kept as dicts)."""
    with open(path) as fh:
        return pd.DataFrame([json.loads(line) for line in fh if line.strip()])


def _frame(records) -> pd.DataFrame:
    return records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))


def charged_times(records) -> pd.Series:
    """Total time of each record, with failures charged the time limit."""
    df = _frame(records)
    return df["time_total"].where(df["success"].astype(bool), df["time_limit"]).astype(float)


def shifted_geometric_mean(times, shift: float = SHIFT) -> float:
    """exp(mean(log(t + shift))) - shift."""
    t = np.asarray(times, dtype=float)
    return float(np.exp(np.mean(np.log(t + shift))) - shift) if t.size else float("nan")


def summary(records, shift: float = SHIFT) -> pd.DataFrame:
    """Per (tier, solver): runs, success rate, shifted geometric mean time and its ratio to the best."""
    df = _frame(records).assign(charged=lambda d: charged_times(d))
    rows = []
    for (tier, solver), g in df.groupby(["tier", "solver"], sort=False):
        rows.append({"tier": tier, "solver": solver, "runs": len(g), "success_rate": g["success"].mean(),
                     "sgm_time": shifted_geometric_mean(g["charged"], shift),
                     "max_price_diff": pd.to_numeric(g["max_price_diff"], errors="coerce").max(),
                     "max_economic_residual": pd.to_numeric(g["max_economic_residual"], errors="coerce").max()})
    out = pd.DataFrame(rows)
    if len(out):
        out["sgm_ratio"] = out["sgm_time"] / out.groupby("tier")["sgm_time"].transform("min")
    return out


def performance_ratios(records) -> pd.DataFrame:
    """Dolan–Moré ratios r[p, s] = t[p, s] / min_s t[p, s], problems p = (instance, tier); inf = failed."""
    df = _frame(records)
    t = df["time_total"].where(df["success"].astype(bool), np.inf).astype(float)
    table = df.assign(t=t).pivot_table(index=["instance", "tier"], columns="solver", values="t", aggfunc="min")
    best = table.min(axis=1)
    return table.div(best.where(np.isfinite(best)), axis=0).fillna(np.inf)


def performance_profile(records, taus=None) -> pd.DataFrame:
    """rho_s(tau): fraction of problems solver s solves within tau times the best time."""
    ratios = performance_ratios(records)
    finite = ratios.to_numpy()[np.isfinite(ratios.to_numpy())]
    if taus is None:
        top = max(2.0, float(finite.max()) * 1.05) if finite.size else 2.0
        taus = np.unique(np.concatenate([[1.0], np.sort(finite), [top]]))
    return pd.DataFrame({s: [(ratios[s] <= tau).mean() for tau in taus] for s in ratios.columns},
                        index=pd.Index(taus, name="tau"))


def plot_profiles(records, path: str | Path) -> Path:
    """One Dolan–Moré panel per tier (log2 tau), saved to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = _frame(records)
    tiers = list(dict.fromkeys(df["tier"]))
    fig, axes = plt.subplots(1, len(tiers), figsize=(4.5 * len(tiers), 3.6), squeeze=False, sharey=True)
    for ax, tier in zip(axes[0], tiers):
        prof = performance_profile(df[df["tier"] == tier])
        for solver in prof.columns:
            ax.step(np.log2(prof.index), prof[solver], where="post", label=solver)
        ax.set(title=f"tier {tier}", xlabel=r"$\log_2 \tau$", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(r"fraction solved within $\tau \times$ best")
    axes[0][-1].legend(loc="lower right")
    fig.suptitle("Dolan–Moré performance profiles (total time)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def overhead(records) -> pd.DataFrame:
    """Per instance: optmarkets' HiGHS times and the modeling overhead over raw highspy."""
    df = _frame(records)
    df = df[(df["solver"] == REFERENCE) & df["success"].astype(bool) & df["time_raw_highs"].notna()]
    if df.empty:
        return pd.DataFrame()
    g = df.groupby(["instance", "tier"], sort=False).agg(
        size=("size", "first"), nnz=("nnz", "first"), build=("time_build", "min"),
        compile=("time_compile", "min"), solve=("time_solve", "min"), total=("time_total", "min"),
        certify=("time_certify", "min"), raw_highs=("time_raw_highs", "min"))
    g["overhead"] = g["total"] / g["raw_highs"]
    g["overhead_with_certificate"] = (g["total"] + g["certify"]) / g["raw_highs"]
    return g


def report(records, out_dir: str | Path | None = None, *, shift: float = SHIFT) -> str:
    """The text report; with `out_dir`, also report.md, summary.csv, overhead.csv, performance_profile.png."""
    df = _frame(records)
    summ, over = summary(df, shift), overhead(df)
    fmt = {"success_rate": "{:.0%}".format}
    text = [f"# optmarkets benchmark: {len(df)} records, {df['instance'].nunique()} instances",
            "", f"## Solvers (shifted geometric mean of total time, shift {shift:g} s; failures charged the limit)",
            "", summ.to_string(index=False, formatters=fmt, float_format="{:.3g}".format)]
    if len(over):
        text += ["", "## Modeling overhead vs raw HiGHS (optmarkets total / highspy passModel+run)", "",
                 over.to_string(float_format="{:.4g}".format)]
    failed = df[~df["success"].astype(bool)]
    if len(failed):
        text += ["", f"## Unsuccessful records ({len(failed)})", "",
                 failed[["instance", "solver", "tier", "status", "error", "primal_residual", "dual_residual",
                         "relative_gap"]].to_string(index=False, max_colwidth=60)]
    out = "\n".join(text)
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        summ.to_csv(folder / "summary.csv", index=False)
        over.to_csv(folder / "overhead.csv")
        plot_profiles(df, folder / "performance_profile.png")
        (folder / "report.md").write_text(out + "\n\n![profiles](performance_profile.png)\n")
    return out


# ================================================================== command line
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
                     smoke=list(f.smoke_sizes), description=f.description) for f in families(available_only=False).values()]
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
