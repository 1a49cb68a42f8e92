"""Solver benchmarks: seeded problem families x installed backends x accuracy tiers, as JSONL.

    optmarkets bench smoke --out results.jsonl --report report/     # a preset: smoke, overhead, full
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
time limit), Dolan–Moré performance profiles per tier (matplotlib, loaded only to draw them),
modeling overhead vs raw HiGHS, the largest price difference from HiGHS by family (`price_differences`).

Modules: `problems` (the families and their registry), `config` (tiers, BenchConfig, solver options),
`runner` (records, RECORD_KEYS, the raw-HiGHS baseline), `analysis` (statistics and the report),
`command` (the `optmarkets bench` subcommand). This package re-exports what callers use.
"""

from __future__ import annotations

from .analysis import (
    charged_times,
    load,
    overhead,
    performance_profile,
    performance_ratios,
    plot_profiles,
    price_differences,
    report,
    shifted_geometric_mean,
    summary,
)
from .command import add_arguments, main
from .config import ACCEPT, REFERENCE, SCHEMA, SHIFT, TIERS, BenchConfig, solver_options
from .problems import Instance, ProblemFamily, families, family, problem_family
from .runner import RECORD_KEYS, environment, raw_highs, run

__all__ = [
    "ACCEPT", "REFERENCE", "RECORD_KEYS", "SCHEMA", "SHIFT", "TIERS", "BenchConfig", "Instance", "ProblemFamily",
    "add_arguments", "charged_times", "environment", "families", "family", "load", "main", "overhead",
    "performance_profile", "performance_ratios", "plot_profiles", "price_differences", "problem_family", "raw_highs",
    "report", "run", "shifted_geometric_mean", "solver_options", "summary",
]
