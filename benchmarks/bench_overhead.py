"""optmarkets against raw HiGHS, side by side in one run: every row of issue 13's table.

    python benchmarks/bench_overhead.py --all [--quick] [--rounds R] [--out benchmarks/results/overhead.md]
    python benchmarks/bench_overhead.py --row sweep --row pq      # some rows (names below)

Rows (issue 13; ratio = optmarkets / baseline, goal in brackets):
  sweep        warm P_q sweep, n = 20, 200 points: `om.sweep(econ.platform_problem, ...)` (warm by
               default) vs a raw highspy loop on the same LP that also warm starts: passModel once,
               then changeRowsBounds of the consistency rows + run + getSolution per point [<= 1.3]
  pq           P_q n = 25 end to end: economy (from data drawn once), build, compile, solve,
               certificate (`econ.platform_problem(q).solve()`), and with certify=False, vs highspy
               passModel + run on the same LP [<= 1.3]
  certificate  solve(certify=True) / solve(certify=False) on a freshly built model: Yang's compact
               LP 15 x 8 and BDHN's reduced revenue LP, m = 80 [<= 1.15]
  selection    HS default solve() (the selection chain) vs solve(rule=None), one LP; n = 40 types,
               k = 10 alternatives [<= 3]
  ipm          the default solver vs HIGHS_IPM (interior point with crossover): BDHN full-rule revenue
               LP m = 60, HS mechanism LP n = 200 [<= 1.2]
  bdhn-scale   BDHN full-rule revenue LP: build + compile + solve for m = 60, 80, ... 200 until one
               takes over 30 s; raw HiGHS on the same LP [largest m under 30 s: 200]. By default the
               symmetric formulation (`symmetry="auto"`: one column per orbit of the buyer and state
               swaps, the same optimum); --full measures the paper's literal LP
  yang-scale   Yang's compact LP, K = 20, N = 30, 40, 50, 60 until one takes over 60 s; raw HiGHS on
               the same LP [largest N under 60 s: 60]. By default with rows="lazy" (row generation on
               one persistent HiGHS, the same certified optimum); --full solves every row at once
  memory       peak memory over the import baseline (peak RSS, one fresh process per measurement):
               optmarkets build + solve vs highspy on the same LP read from an .npz file, in a process
               that never imports cvxpy (`benchmarks/_raw_highs.py`) [<= 1.5]

Times are CPU seconds of this process (time.process_time: HiGHS threads included) and wall seconds;
the methods of a row alternate, `rounds` times (the order reversed every other round, after one
untimed warm-up round on small rows), and the tables give the median time of each method and the
median of the per-round ratios. The raw baseline gets the LP as cvxpy's standard form for HiGHS
(`optmarkets.solvers.highs.StandardForm`), extracted before the clock, with the same HiGHS options.
--quick runs small sizes and few rounds (a smoke run, minutes); the full run takes most of an hour.
Results are printed and appended as Markdown to --out (with the machine, versions and date).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _raw_highs as raw
import numpy as np
import pandas as pd

import optmarkets as om
from optmarkets.solvers import affine
from optmarkets.solvers.cvxpy_internals import solver_data
from optmarkets.solvers.highs import StandardForm

HERE = Path(__file__).resolve().parent
FULL = False  # --full: the scaling rows solve the papers' literal LPs (no symmetry, no row generation)
IPM_OPTIONS = raw.IPM


# ------------------------------------------------------------------ instances
def glp_economy(n: int, seed: int = 0) -> om.PersonalDataEconomy:
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(1, 3 * n + 1), n, replace=False)).astype(float)
    return om.PersonalDataEconomy(values, rng.dirichlet(np.ones(n)), np.zeros(n), gamma_u=1.0, gamma_pi=0.3)


def glp_database(econ: om.PersonalDataEconomy, seed: int = 1) -> np.ndarray:
    return econ.mass * np.random.default_rng(seed).uniform(0.05, 1.0, econ.mass.size)


def yang_broker(n: int, k: int, seed: int = 0) -> om.DataBroker:
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(1, 4 * n + 1), n, replace=False)) / (4 * n)
    costs = np.sort(rng.choice(np.arange(0, 80), k, replace=False)) / 100 * values.max()
    return om.DataBroker(values, rng.dirichlet(np.ones(n)), costs, rng.dirichlet(np.ones(k)))


def bdhn_seller(m: int) -> om.InformationSeller:
    return om.InformationSeller.from_distribution("exponential", m=m, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)


def hs_market(n: int, k: int = 10, seed: int = 0) -> tuple[om.MultiProductSeller, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(-0.5, 3.0, (n, k)) / 0.05) * 0.05 + 1e-3 * rng.random((n, k))
    return om.MultiProductSeller(values), rng.dirichlet(np.ones(n))


def hs_model(n: int, k: int = 10) -> om.Model:
    seller, f = hs_market(n, k)
    return seller.optimal_mechanism(f)


# ------------------------------------------------------------------ the raw side
def standard_form(model: om.Model) -> StandardForm:
    """The LP optmarkets hands to HiGHS for `model` at its current data (cvxpy's standard form)."""
    model.write_parameters()
    return StandardForm.of(solver_data(model.problem, "HIGHS")[0])


def arrays(form: StandardForm) -> dict:
    """The standard form as the plain arrays `_raw_highs` reads (what a highspy user would hold)."""
    return dict(c=form.c, indptr=form.A.indptr, indices=form.A.indices, data=form.A.data,
                shape=np.array(form.A.shape), row_lower=form.row_lower, row_upper=form.row_upper,
                col_lower=form.col_lower, col_upper=form.col_upper)


def same_value(value: float, objective: float) -> bool:
    """optmarkets' value against HiGHS's objective (the min form: a max problem's objective is -value)."""
    return min(abs(value - objective), abs(value + objective)) <= 1e-6 * max(1.0, abs(value))


# ------------------------------------------------------------------ timing
@dataclass
class Times:
    cpu: dict[str, list[float]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    out: dict[str, object] = field(default_factory=dict)

    def median(self, name: str, clock: str = "cpu") -> float:
        return statistics.median(getattr(self, clock)[name])

    def ratio(self, name: str, base: str, clock: str = "cpu") -> float:
        """Median over rounds of name / base (both timed in the same round)."""
        t = getattr(self, clock)
        return statistics.median(a / b for a, b in zip(t[name], t[base]))


Method = Callable[[], object] | tuple[Callable[[], object], Callable[[object], object]]


def timed(method: Method) -> tuple[float, float, object]:
    """(cpu s, wall s, result) of a callable, or of run(setup()) for a pair (setup, run): setup untimed."""
    setup, run = method if isinstance(method, tuple) else (None, method)
    given = setup() if setup is not None else None
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    out = run(given) if setup is not None else run()
    return time.process_time() - cpu, time.perf_counter() - wall, out


def interleave(methods: dict[str, Method], rounds: int, warmup: bool = True) -> Times:
    """Each method once per round, the order reversed every other round; one untimed round first."""
    names, times = list(methods), Times()
    if warmup:
        for name in names:
            times.out[name] = timed(methods[name])[2]
    for name in names:
        times.cpu[name], times.wall[name] = [], []
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            cpu, wall, times.out[name] = timed(methods[name])
            times.cpu[name].append(cpu)
            times.wall[name].append(wall)
    return times


@dataclass
class Report:
    lines: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def compare(self, row: str, case: str, times: Times, name: str, base: str, goal: str) -> None:
        self.lines.append({
            "row": row, "case": case, "optmarkets": name, "baseline": base,
            "om cpu s": times.median(name), "base cpu s": times.median(base), "ratio cpu": times.ratio(name, base),
            "om wall s": times.median(name, "wall"), "base wall s": times.median(base, "wall"),
            "ratio wall": times.ratio(name, base, "wall"), "goal": goal})
        print(f"  {case}: {name} / {base} = {self.lines[-1]['ratio cpu']:.3g} (cpu), "
              f"{self.lines[-1]['ratio wall']:.3g} (wall)", flush=True)

    def single(self, row: str, case: str, name: str, base: str, om_t: tuple, base_t: tuple, goal: str,
               unit: str = "s") -> None:
        """One measurement (cpu, wall) of each side; for the scaling rows and memory (unit MiB, no wall)."""
        def div(x: float, y: float) -> float:
            return x / y if y else float("nan")

        line = {"row": row, "case": case, "optmarkets": name, "baseline": base}
        if unit == "s":
            line.update({"om cpu s": om_t[0], "base cpu s": base_t[0], "ratio cpu": div(om_t[0], base_t[0]),
                         "om wall s": om_t[1], "base wall s": base_t[1], "ratio wall": div(om_t[1], base_t[1])})
        else:
            line.update({f"om {unit}": om_t[0], f"base {unit}": base_t[0], f"ratio {unit}": div(om_t[0], base_t[0])})
        line["goal"] = goal
        self.lines.append(line)
        print("  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in line.items()
                               if k not in ("row",)), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  {text}", flush=True)


# ------------------------------------------------------------------ rows
def row_sweep(rep: Report, quick: bool, rounds: int) -> None:
    n, points = (20, 50) if quick else (20, 200)
    econ = glp_economy(n)
    rng = np.random.default_rng(1)
    qs = [econ.mass * rng.uniform(0.05, 1.0, n) for _ in range(points)]
    grid = [dict(q=q) for q in qs]

    # the raw loop's data: P_q's standard form, and the rows (and map) through which q enters b
    q0 = qs[0]
    form = standard_form(econ.platform_problem(q0))
    b0 = form.row_upper.copy()
    cols = []
    for i in range(n):
        dq = np.zeros(n)
        dq[i] = 1e-2 * econ.mass[i]
        moved = standard_form(econ.platform_problem(q0 + dq))
        assert moved.same_matrix_and_bounds(form), "P_q's matrix depends on q"
        cols.append((moved.row_upper - b0) / dq[i])
    M = np.array(cols).T
    rows = np.flatnonzero(np.abs(M).sum(axis=1) > 1e-12)
    assert rows.size and rows.max() < form.n_eq, "q is expected to enter equality rows only"
    M, b0 = M[rows], b0[rows]
    idx = rows.astype(np.int32)
    lp = arrays(form)

    def raw_loop() -> np.ndarray:
        h = raw.new_highs()
        raw.pass_model(h, lp)
        values = np.empty(points)
        for j, q in enumerate(qs):
            b = b0 + M @ (q - q0)
            h.changeRowsBounds(idx.size, idx, b, b)
            h.run()
            values[j] = h.getInfo().objective_function_value
            h.getSolution()  # the prices, as the sweep reports them
        return values

    def sweep() -> pd.DataFrame:
        return om.sweep(econ.platform_problem, grid, prices=["consistency"], progress=False)

    print(f"[sweep] warm P_q sweep, n = {n} ({n * n} variables), {points} points, {rounds} rounds", flush=True)
    times = interleave({"om.sweep (warm)": sweep, "raw highspy warm loop": raw_loop}, rounds)
    got, ref = np.asarray(times.out["om.sweep (warm)"]["value"]), times.out["raw highspy warm loop"]
    if not all(same_value(a, b) for a, b in zip(got, ref)):
        rep.note("sweep: WARNING the sweep's values and the raw loop's differ")
    rep.compare("sweep", f"n={n}, {points} points", times, "om.sweep (warm)", "raw highspy warm loop", "<= 1.3")


def row_pq(rep: Report, quick: bool, rounds: int) -> None:
    n = 25
    econ = glp_economy(n)
    q = glp_database(econ)
    lp = arrays(standard_form(econ.platform_problem(q)))

    data = dict(values=econ.values, mass=econ.mass, outside_option=econ.outside_option,
                gamma_u=econ.gamma_u, gamma_pi=econ.gamma_pi)  # drawn once: the raw side gets its arrays too

    def end_to_end(certify: bool) -> Callable[[], float]:
        def fn() -> float:
            fresh = om.PersonalDataEconomy(**data)  # a new economy from the data: build and compile again
            return fresh.platform_problem(q).solve(certify=certify).value
        return fn

    print(f"[pq] P_q n = {n} end to end, {rounds} rounds", flush=True)
    times = interleave({"build+solve+certificate": end_to_end(True), "build+solve, certify=False": end_to_end(False),
                        "raw highspy passModel+run": lambda: raw.solve(lp)}, rounds)
    if not same_value(times.out["build+solve+certificate"], times.out["raw highspy passModel+run"]):
        rep.note("pq: WARNING optmarkets and raw HiGHS values differ")
    for name in ("build+solve, certify=False", "build+solve+certificate"):
        rep.compare("pq", f"n={n}", times, name, "raw highspy passModel+run", "<= 1.3")

    def fresh_problem() -> object:
        model = om.PersonalDataEconomy(**data).platform_problem(q)
        model.write_parameters()
        return model.problem

    # the compile alone, on a new problem each time: the standard form read from the expressions
    # (solvers.affine, the solve path's) against cvxpy's compile of the same problem for HiGHS
    forms = interleave({"form read (solvers.affine)": (fresh_problem, affine.build),
                        "cvxpy get_problem_data(HIGHS)": (fresh_problem, lambda p: p.get_problem_data("HIGHS"))},
                       rounds)
    rep.compare("pq", f"n={n} compile", forms, "form read (solvers.affine)", "cvxpy get_problem_data(HIGHS)", "")


def row_certificate(rep: Report, quick: bool, rounds: int) -> None:
    yang, m = ((15, 8), 40) if quick else ((15, 8), 80)
    cases = {
        f"Yang {yang[0]} x {yang[1]}": lambda: yang_broker(*yang).mechanism_problem(),
        f"BDHN reduced m={m}": lambda: bdhn_seller(m).revenue_optimal(form="reduced"),
    }
    for case, build in cases.items():
        print(f"[certificate] {case}, {rounds} rounds", flush=True)
        lp = arrays(standard_form(build()))

        def solve(certify: bool, build=build) -> Method:
            return build, lambda model: model.solve(certify=certify).value  # the build untimed

        times = interleave({"solve(certify=True)": solve(True), "solve(certify=False)": solve(False),
                            "raw highspy passModel+run": lambda lp=lp: raw.solve(lp)},
                           rounds, warmup=quick or "Yang" in case)
        rep.compare("certificate", case, times, "solve(certify=True)", "solve(certify=False)", "<= 1.15")
        rep.compare("certificate", case, times, "solve(certify=False)", "raw highspy passModel+run", "")


def row_selection(rep: Report, quick: bool, rounds: int) -> None:
    n, k = (20, 10) if quick else (40, 10)
    lp = arrays(standard_form(hs_model(n, k)))
    print(f"[selection] HS n = {n}, k = {k}, {rounds} rounds", flush=True)
    build = lambda: hs_model(n, k)  # untimed: compile, solve (and certificate) are timed
    times = interleave({"solve() (selection chain)": (build, lambda model: model.solve().value),
                        "solve(rule=None)": (build, lambda model: model.solve(rule=None).value),
                        "raw highspy passModel+run": lambda: raw.solve(lp)}, rounds)
    rep.compare("selection", f"n={n}, k={k}", times, "solve() (selection chain)", "solve(rule=None)", "<= 3")
    rep.compare("selection", f"n={n}, k={k}", times, "solve() (selection chain)", "raw highspy passModel+run", "")
    rep.compare("selection", f"n={n}, k={k}", times, "solve(rule=None)", "raw highspy passModel+run", "")


def row_ipm(rep: Report, quick: bool, rounds: int) -> None:
    m, n = (40, 80) if quick else (60, 200)
    cases = {
        f"BDHN rule m={m}": (lambda: bdhn_seller(m).revenue_optimal(form="rule"), {}),
        f"HS n={n}, k=10": (lambda: hs_model(n), {"rule": None}),
    }
    for case, (build, kw) in cases.items():
        print(f"[ipm] {case}, {rounds} rounds", flush=True)
        lp = arrays(standard_form(build()))

        def solve(solver: str | None, build=build, kw=kw) -> Method:
            return build, lambda model: model.solve(solver, certify=False, **kw).value  # compile + solve

        times = interleave({"default (HIGHS)": solve(None), "HIGHS_IPM": solve("HIGHS_IPM"),
                            "raw simplex": lambda lp=lp: raw.solve(lp),
                            "raw ipm+crossover": lambda lp=lp: raw.solve(lp, IPM_OPTIONS)},
                           rounds, warmup=quick)
        rep.compare("ipm", case, times, "default (HIGHS)", "HIGHS_IPM", "<= 1.2")
        rep.compare("ipm", case, times, "default (HIGHS)", "raw simplex", "")
        rep.compare("ipm", case, times, "HIGHS_IPM", "raw ipm+crossover", "")
        rep.compare("ipm", case, times, "raw simplex", "raw ipm+crossover", "")


def scale(rep: Report, row: str, label: str, sizes: list, build: Callable, limit: float, goal: str,
          suffix: str = "", warmup: int | None = None, raw_limit: float | None = None) -> None:
    """One cold build + compile + solve + certificate per size (after an untimed solve of size
    `warmup`), until one takes longer than `limit` seconds (wall); raw HiGHS once on the same LP
    (cvxpy's standard form of the model: for a lazy model, every row), until a raw run takes longer
    than `raw_limit` seconds (None: at every size)."""
    if warmup is not None:
        build(warmup).solve()
        raw.solve(arrays(standard_form(build(warmup))))
    best, raw_on = None, True
    for size in sizes:
        cpu, wall, sol = timed(lambda size=size: build(size).solve())
        if raw_on:
            lp = arrays(standard_form(build(size)))
            raw_t = timed(lambda lp=lp: raw.solve(lp))
            raw_on = raw_limit is None or raw_t[1] <= raw_limit
        else:
            raw_t = (float("nan"), float("nan"), sol.value)
        rep.single(row, f"{label}={size}{suffix}", "build+compile+solve+certificate", "raw highspy passModel+run",
                   (cpu, wall), raw_t[:2], goal)
        if not same_value(sol.value, raw_t[2]):
            rep.note(f"{row}: WARNING {label}={size}{suffix}: optmarkets and raw HiGHS values differ")
        if wall > limit:
            break
        best = size
    rep.note(f"{row}: largest {label} under {limit:g} s (wall, optmarkets, certified): {best}{suffix} "
             f"(tried {', '.join(map(str, sizes))}; goal {goal})")


def row_bdhn_scale(rep: Report, quick: bool, rounds: int) -> None:
    sizes = [20, 30, 40] if quick else ([120, 140, 160, 200] if FULL else [160, 200, 240, 280, 320, 360])
    symmetry = "none" if FULL else "auto"
    print(f"[bdhn-scale] BDHN full-rule revenue LP, symmetry={symmetry}", flush=True)
    scale(rep, "bdhn-scale", "m", sizes,
          lambda m: bdhn_seller(m).revenue_optimal(form="rule", symmetry=symmetry),
          30.0, "m = 200", suffix=f", symmetry={symmetry}", warmup=10, raw_limit=60.0)


def row_yang_scale(rep: Report, quick: bool, rounds: int) -> None:
    k = 5 if quick else 20
    sizes = [8, 12, 16] if quick else [30, 40, 50, 60]
    print(f"[yang-scale] Yang compact LP, K = {k}", flush=True)
    rows = "full" if FULL else "lazy"
    scale(rep, "yang-scale", "N", sizes, lambda n: yang_broker(n, k).mechanism_problem(rows=rows), 60.0,
          "N = 60, K = 20", suffix=f", K={k}, rows={rows}", warmup=5, raw_limit=30.0)


MEMORY_CASES = {  # name -> (model builder, solve keywords: the default solve, certificate included)
    "P_q n=50": (lambda: glp_economy(50).platform_problem(glp_database(glp_economy(50))), {}),
    "Yang 15x8": (lambda: yang_broker(15, 8).mechanism_problem(), {}),
    "HS n=60 (one LP)": (lambda: hs_model(60), {"rule": None}),
    "P_q n=100": (lambda: glp_economy(100).platform_problem(glp_database(glp_economy(100))), {}),
    "BDHN rule m=60": (lambda: bdhn_seller(60).revenue_optimal(form="rule"), {}),
    "HS n=150 (one LP)": (lambda: hs_model(150), {"rule": None}),
}
QUICK_MEMORY = ["P_q n=50", "Yang 15x8", "HS n=60 (one LP)"]


def memory_child(case: str) -> None:
    """In a fresh process (optmarkets imported): max RSS after the imports and after build + solve.

    Both sides take their baseline warm, after one tiny LP (`_raw_highs.warm_up`; here a tiny model
    through optmarkets): optmarkets loads its paper modules, its solver layer and parts of cvxpy on
    first use (`import optmarkets` is lazy) and HiGHS starts its thread pool on its first run; that
    one-time start is not the memory of the LP being measured."""
    for name in ("Model", "PersonalDataEconomy", "DataBroker", "MultiProductSeller", "InformationSeller"):
        getattr(om, name)  # each paper module, loaded on first use otherwise
    om.DataBroker(values=[1, 2], value_probs=[0.5, 0.5], costs=[0.25], cost_probs=[1.0]).mechanism_problem().solve()
    build, kw = MEMORY_CASES[case]
    baseline = raw.baseline_kib()
    value = build().solve(**kw).value
    print(json.dumps({"baseline_kib": baseline, "peak_kib": raw.peak_kib(), "objective": value}))


def run_child(cmd: list[str]) -> tuple[float, float, dict]:
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return (result["peak_kib"] - result["baseline_kib"]) / 1024, time.perf_counter() - start, result


def row_memory(rep: Report, quick: bool, rounds: int) -> None:
    cases = QUICK_MEMORY if quick else list(MEMORY_CASES)
    rounds = 1 if quick else rounds
    print(f"[memory] peak RSS over the import baseline, {min(rounds, 3)} processes per side and case", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            build, _ = MEMORY_CASES[case]
            path = os.path.join(tmp, "lp.npz")
            model = build()
            np.savez(path, **arrays(standard_form(model)))
            # the raw side runs the algorithm the model's default solver runs (interior point: more memory)
            ipm = ["--ipm"] if model.default_solver == "HIGHS_IPM" else []
            om_mib, raw_mib = [], []
            for _ in range(min(rounds, 3)):  # interleaved; the median of each side
                om_mib.append(run_child([sys.executable, __file__, "--memory-child", case])[0])
                raw_mib.append(run_child([sys.executable, str(HERE / "_raw_highs.py"), path, *ipm])[0])
            rep.single("memory", case, "optmarkets build+solve", "highspy on the .npz LP",
                       (statistics.median(om_mib), 0.0), (statistics.median(raw_mib), 0.0), "<= 1.5", unit="MiB")


ROWS: dict[str, Callable[[Report, bool, int], None]] = {
    "sweep": row_sweep, "pq": row_pq, "certificate": row_certificate, "selection": row_selection,
    "ipm": row_ipm, "bdhn-scale": row_bdhn_scale, "yang-scale": row_yang_scale, "memory": row_memory,
}
DEFAULT_ROUNDS = {"sweep": 5, "pq": 21, "certificate": 5, "selection": 5, "ipm": 3, "memory": 3}


# ------------------------------------------------------------------ output
def machine() -> str:
    import cvxpy
    import highspy
    import scipy

    try:
        from importlib.metadata import version

        hv = version("highspy")
    except Exception:  # pragma: no cover
        hv = getattr(highspy, "__version__", "?")
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{os.cpu_count()} cores ({cpu}), load average {load}; Python {platform.python_version()}, "
            f"optmarkets {getattr(om, '__version__', '?')}, cvxpy {cvxpy.__version__}, highspy {hv}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}; {platform.platform()}")


def markdown_table(df: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def markdown(rep: Report, args: argparse.Namespace, seconds: float) -> str:
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    argv = [a for a in sys.argv[1:] if a != args.note]
    cmd = "python benchmarks/bench_overhead.py " + " ".join(a if a != "--note" else '--note "..."' for a in argv)
    head = [f"## bench_overhead.py: optmarkets vs raw highspy, side by side ({when})", "",
            f"`{cmd}` ({seconds:.0f} s). Machine: {machine()}.", ""]
    if args.note:
        head += [f"**{args.note}**", ""]
    head += ["Ratio = optmarkets / baseline: median over interleaved rounds of the per-round ratio (CPU time of "
             "the process, HiGHS threads included; wall time beside it). Memory: MiB of peak RSS over the import "
             "baseline, one fresh process per measurement, median of the processes.", ""]
    body = []
    for row in dict.fromkeys(line["row"] for line in rep.lines):
        df = pd.DataFrame([{k: v for k, v in line.items() if k != "row"} for line in rep.lines if line["row"] == row])
        body += [f"### {row}", "", markdown_table(df), ""]
    notes = [f"- {n}" for n in rep.notes]
    rerun = ["On a quiet machine (nothing else running), the full measurement is",
             "", "```bash", "python benchmarks/bench_overhead.py --all", "```", ""]
    return "\n".join(head + body + ([*notes, ""] if notes else []) + rerun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--row", action="append", choices=list(ROWS), help="a row to run (repeatable)")
    parser.add_argument("--all", action="store_true", help="every row")
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default per row)")
    parser.add_argument("--out", default=str(HERE / "results" / "overhead.md"), help="Markdown file to append to")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--note", default="", help="a line for the Markdown (e.g. 'noisy, shared machine')")
    parser.add_argument("--full", action="store_true",
                        help="scaling rows on the papers' literal LPs (no symmetry, no row generation)")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global FULL
    FULL = args.full
    if args.memory_child:
        memory_child(args.memory_child)
        return
    rows = list(ROWS) if args.all or not args.row else list(dict.fromkeys(args.row))
    start = time.perf_counter()
    rep = Report()
    for name in rows:
        rounds = args.rounds or (3 if args.quick and name != "pq" else DEFAULT_ROUNDS.get(name, 1))
        if args.quick and name == "pq":
            rounds = 9
        ROWS[name](rep, args.quick, rounds)
    seconds = time.perf_counter() - start
    with pd.option_context("display.width", 220, "display.max_columns", 20, "display.max_colwidth", 32):
        for row in dict.fromkeys(line["row"] for line in rep.lines):
            df = pd.DataFrame([line for line in rep.lines if line["row"] == row])
            print()
            print(df.to_string(index=False, float_format="{:.4g}".format))
    for text in rep.notes:
        print(text)
    if not args.no_write:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        prefix = "\n" if out.exists() and out.read_text().strip() else ""
        with out.open("a") as f:
            f.write(prefix + markdown(rep, args, seconds))
        print(f"appended to {out}")


if __name__ == "__main__":
    main()
