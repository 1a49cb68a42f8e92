"""Benchmark problem families: seeded instance generators, registered with `problem_family`.

A family is a function (size, rng) -> Model | (Model, economic_check[, solve_options]), deterministic in
(family, size, seed). It names the public API it needs (`needs=`, e.g. "DataBroker.mechanism_problem");
if that is absent from `optmarkets` the family is skipped, so the harness runs with whatever models exist.

Sizes are limited like the engines' own inputs (`core.limits`): each family counts its LP from the size
alone (`estimate=`: variables, rows and an upper bound on the constraint nonzeros, in Python ints, nothing
built), and `ProblemFamily.check_size` refuses a size whose LP is above the limits in force (MAX_NONZEROS,
50,000,000 nonzeros by default; `om.limits(max_nonzeros=...)` raises it) with the estimate. The
config is checked when it is read (`BenchConfig.load`), before any instance is built. A family registered
without an estimate is counted as ~n^3 nonzeros, the order of the paper models (`app.sizes.size_estimate`).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

import optmarkets

from ...core import limits
from ...core.errors import InputError
from ...core.model import Model
from ...core.solution import Solution


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
    #: size -> the LP's counts (`core.limits.Estimate`), from the size alone; None: ~n^3 nonzeros
    estimate: Callable[[int], limits.Estimate] | None = field(default=None, repr=False)

    def size_estimate(self, size: int) -> limits.Estimate:
        """What the instance of this size would allocate, counted without building it."""
        n = int(size)
        if self.estimate is not None:
            est = self.estimate(n)
        else:
            est = limits.Estimate("", n ** 2, f"n = {n:,}: ~n^3 nonzeros (no estimate registered)",
                                  variables=n ** 2, rows=n ** 2, nonzeros=n ** 3)
        return limits.Estimate(f"families.{self.name}", est.entries, est.detail, est.variables, est.rows,
                               est.nonzeros)

    def check_size(self, size: int) -> None:
        """An InputError naming the family, the estimate and the limit when `size` is above the limits."""
        self.size_estimate(size).check()

    @property
    def available(self) -> bool:
        """The model API the family needs ("Class" or "Class.method") exists in this installation."""
        obj: object = optmarkets
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


def problem_family(name: str, *, sizes, needs: str, smoke=None, description: str = "",
                   estimate: Callable[[int], limits.Estimate] | None = None):
    """Register `fn(size, rng) -> Model | (Model, economic_check[, solve_options])` as a benchmark family;
    `estimate(size)`: its LP's counts (`core.limits.Estimate`), see the module docstring."""
    def register(fn):
        _FAMILIES[name] = ProblemFamily(name, fn, tuple(sizes), tuple(smoke or sizes[:1]), needs,
                                        description or (fn.__doc__ or "").strip().split("\n")[0], estimate)
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
def _glp_size(n: int) -> limits.Estimate:
    """P_q and FB': chi over n fees x n types; n consistency rows of n terms and n (n - 1) obedience rows of at
    most n terms, at most n^3 nonzeros (n = 20: 5,720); the merchant's profit table n x n."""
    return limits.Estimate("", n * n, f"n = {n:,} types: n^2 variables, at most n^3 nonzeros",
                           variables=n * n, rows=n * n, nonzeros=n ** 3)


@problem_family("glp_platform", sizes=(10, 25, 50, 100), smoke=(4, 8), needs="PersonalDataEconomy",
                estimate=_glp_size)
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


@problem_family("glp_first_best", sizes=(10, 25, 50), smoke=(4,), needs="PersonalDataEconomy.first_best",
                estimate=_glp_size)
def _glp_first_best(n: int, rng: np.random.Generator):
    """GLP FB': the first-best database and mechanism (obedience, supply limits), n types."""
    return _glp_economy(n, rng).first_best()


# ------------------------------------------------------------------ Yang: the data broker
def _yang_size(n: int) -> limits.Estimate:
    """DB-C with n values and n costs (`papers.yang.programs`), bounded row by row: at most S = n (n + 1)
    segments (cost, recommended price); z S x n, w S x (n - 1), tau n; rows segmentation n^2, obedience
    S (n + 1) of n terms, deviation S (n - 1) n of n + 1 terms (Topkis keeps about half), IC and IR n^2 of
    at most (n + 1) n + n + 3 (n = 20: 747,181 nonzeros of the bound's 3.7 million); the payoffs n^2 (n + 1)."""
    s = n * (n + 1)
    return limits.Estimate("", s * n, f"n = {n:,} values and costs: at most n (n + 1) segments",
                           variables=s * n + s * (n - 1) + n, rows=2 * n * n + s * (n + 1) + s * (n - 1) * n,
                           nonzeros=s * n + s * (n + 1) * n + s * (n - 1) * n * (n + 1) + n * n * (s + n + 3))


@problem_family("yang_broker", sizes=(5, 10, 20), smoke=(3,), needs="DataBroker.mechanism_problem",
                estimate=_yang_size)
def _yang_broker(n: int, rng: np.random.Generator):
    """Yang DB-C: n consumer values and n producer costs with random priors (IC, IR, obedience)."""
    values = np.sort(rng.choice(np.arange(1, 4 * n + 1), n, replace=False)) / (2.0 * n)
    costs = np.sort(rng.choice(np.arange(0, 4 * n), n, replace=False)) / (4.0 * n)
    broker = optmarkets.DataBroker(values, rng.dirichlet(np.ones(n)), costs, rng.dirichlet(np.ones(n)))
    return broker.mechanism_problem()


# ------------------------------------------------------------------ Haghpanah–Siegel
def _hs_size(n: int) -> limits.Estimate:
    """The HS mechanism LP of n types and k = n/2 + 1 alternatives: n (k + 2) variables, n^2 + n rows (IC
    between every pair of types, IR, feasibility), 2 n^2 (k + 1) nonzeros (n = 20: 9,600); values n x k."""
    k = n // 2 + 1
    return limits.Estimate("", n * k, f"n = {n:,} types x {k:,} alternatives", variables=n * (k + 2),
                           rows=n * n + n, nonzeros=2 * n * n * (k + 1))


@problem_family("hs_mechanism", sizes=(5, 10, 20), smoke=(3,), needs="MultiProductSeller.optimal_mechanism",
                estimate=_hs_size)
def _hs_mechanism(n: int, rng: np.random.Generator):
    """HS optimal mechanism: n types, n/2 + 1 alternatives, random valuations, a full-support market."""
    k = n // 2 + 1
    values = np.round(rng.uniform(0.1, 2.0, (n, k)), 6)
    seller = optmarkets.MultiProductSeller(pd.DataFrame(values, index=[f"t{i}" for i in range(n)],
                                                        columns=[f"a{j}" for j in range(1, k + 1)]))
    # rule=None: the LP itself; the selection chain of [spec §B.2](hs.md#spec-b2) fixes revenue within a slack of
    # ~1e-8, which the high tier's residual test (10 x 1e-9) would count against every solver
    return seller.optimal_mechanism(rng.dirichlet(np.ones(n))), None, {"rule": None}


# ------------------------------------------------------------------ Bonatti–Dahleh–Horel–Nouripour
def _bdhn_size(m: int) -> limits.Estimate:
    """The BDHN revenue LP of an m-cell type grid: 8 m^2 + 4 m variables, 2 m^2 + 12 m - 4 rows,
    36 m^2 + 22 m - 16 nonzeros (m = 20: 14,824); the grid m x 2 states."""
    return limits.Estimate("", 2 * m, f"m = {m:,} type cells", variables=8 * m * m + 4 * m,
                           rows=2 * m * m + 12 * m, nonzeros=36 * m * m + 22 * m)


@problem_family("bdhn_revenue", sizes=(5, 10, 20), smoke=(3,), needs="InformationSeller.revenue_optimal",
                estimate=_bdhn_size)
def _bdhn_revenue(m: int, rng: np.random.Generator):
    """BDHN revenue LP: an exponential type grid of m cells, random prior and competition alpha."""
    p0 = float(rng.uniform(0.2, 0.8))
    seller = optmarkets.InformationSeller.from_distribution("exponential", m=m, vmax=4.0,
                                                            state_prior=(p0, 1 - p0), alpha=float(rng.uniform(0, 1)))
    return seller.revenue_optimal()
