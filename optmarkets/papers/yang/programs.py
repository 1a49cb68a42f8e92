"""Yang (2020): the programs of the data-broker economy -- the exact mechanism LP DB-C, the profile LP
DB-P, the price-controlling broker PC and the exclusive retailer ER -- and the reading of a DB-C solution.

The broker's problem as an exact finite LP ([spec §A.2](yang.md#spec-a2), "DB-C"). Segments of sigma(k) are labelled by
the price r in R_k = {v >= c_k} u {⊥} recommended to the truthful cost; z[k, r, i] >= 0 is the mass of
value-v_i consumers in segment (k, r); w[k, r, j] >= 0 bounds the best profit of a deviating cost c_j
in that segment; tau_k is free:

    max  sum_k g_k tau_k
    s.t. sum_r z[k, r, i] = m_i                                             [segmentation (k, i)]
         sum_i z[k, r, i] (a_{c_k}(v_i, r) - a_{c_k}(v_i, p)) >= 0   all p  [obedience (k, r, p)]
         w[k, r, j] >= sum_i z[k, r, i] a_{c_j}(v_i, p)        j != k, p in V [deviation (k, r, j, p)]
         U[j, j] >= U[j, k]                                          j != k  [IC (j, k)]
         U[k, k] >= pi0(c_k)                                                [IR (k)]

with U[k, k] = Pi_{k|k} - tau_k = sum_{r, i} z[k, r, i] a_{c_k}(v_i, r) - tau_k and, for j != k,
U[j, k] = sum_r w[k, r, j] - tau_k. pi0(c) is the uniform-pricing profit. The value equals the
supremum over *all* incentive-feasible mechanisms (spec Theorem A1: merging the segments of sigma(k)
that share the truthful cost's largest optimal price keeps obedience, lowers every deviator's profit
by subadditivity, and keeps the revenue). By default the deviation rows are cut to the prices a
deviator can use: argmax_p (p - c) D(p) rises with c in the strong set order (Topkis, [spec §A.3](yang.md#spec-a3)), and
r is optimal for c_k, so a cost above c_k has a best price >= r and one below a best price <= r. Same
value, about a third fewer rows (`reduced=False` gives every row of [spec §A.2](yang.md#spec-a2)). The profile LP
([spec §A.3](yang.md#spec-a3), "DB-P") labels segments by a monotone profile of recommendations, one per cost, and is
kept as a small-instance cross-check.

Prices (d revenue / d right-hand side, [spec §A.4](yang.md#spec-a4)): `prices["IR"][k] = -mu_k` and
`prices["IC"][(j, k)] = -lambda_jk` (<= 0: tightening a constraint costs revenue); stationarity in the
free tau_k gives the rent-flow identity g_k + sum_j lambda_jk = sum_j lambda_kj + mu_k (so sum mu = 1),
see `DataBroker.rent_flow`. `prices["segmentation"][(k, i)]` is the marginal revenue of one more unit
of value-v_i consumers available to report k's segmentation.

The economy and the departures from the paper are documented in `economy.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...builders import (
    best_response_bound,
    consistency,
    family,
    obedience,
    participation,
    supply_limit,
    truthful,
)
from ...builders.algebra import report_utility
from ...core import validate as pr
from ...core.deprecation import renamed, warn_renamed
from ...core.model import Model
from ...core.solution import Solution
from ...core.solve import Request
from ...core.strategies import face_ranges
from ...core.tolerances import SELECT_TOL
from . import lazy
from .base import BrokerBase
from .sizes import mechanism_size, profile_size


class ProgramsMixin(BrokerBase):
    """`DataBroker` methods: the programs (each `*_problem` returns a Model) and DB-C's outputs."""

    # ------------------------------------------------------------ DB-C ([spec §A.2](yang.md#spec-a2))
    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray]:
        """(report k, recommended price index r) of every segment, r in R_k = {v >= c_k} u {⊥}."""
        k, r = [], []
        for j, c in enumerate(self.costs):
            rec = np.append(np.flatnonzero(self.values >= c), self.n_values)
            k += [j] * rec.size
            r += rec.tolist()
        return np.array(k), np.array(r)

    @cached_property
    def _segment_index(self) -> pd.MultiIndex:
        k, r = self._segments
        return pd.MultiIndex.from_arrays([np.asarray(self.cost_index)[k], self.prices[r]],
                                         names=["report", "recommendation"])

    def _truthful_coefficients(self) -> dict[str, np.ndarray]:
        """Per (segment, value): truthful profit, served indicator and consumer surplus at r."""
        k, r = self._segments
        price = self.prices[r]
        served = self.values[None, :] >= price[:, None]
        return {"profit": self.payoff[k, r, :], "served": served.astype(float),
                "cs": served * (self.values[None, :] - np.where(np.isinf(price), 0, price)[:, None])}

    def _face_objective(self, objective: str) -> str:
        if not isinstance(objective, str) or (objective != "consumer_surplus"
                                              and not objective.startswith("quantity:")):
            raise pr.InputError(f"objective: 'consumer_surplus' or 'quantity:<k>', got {objective!r}")
        if objective.startswith("quantity:"):
            k = objective.split(":", 1)[1]
            if not k.isdigit() or int(k) >= self.n_costs:
                raise pr.InputError(f"objective: in 'quantity:<k>', k must be a report 0..{self.n_costs - 1}, "
                                    f"got {k!r}")
        return objective

    def _face_goal(self, model: Model, objective: str) -> cp.Expression:
        """E[CS] ("consumer_surplus") or report k's served quantity ("quantity:<k>") of a DB-C model."""
        z, seg_k = model.var("z"), self._segments[0]
        coef = self._truthful_coefficients()
        if self._face_objective(objective) == "consumer_surplus":
            own = sp.csr_matrix((np.ones(seg_k.size), (seg_k, np.arange(seg_k.size))),
                                shape=(self.n_costs, seg_k.size))
            return self.cost_probs @ (own @ cp.sum(cp.multiply(coef["cs"], z), axis=1))
        k = int(objective.split(":")[1])
        return cp.sum(cp.multiply(coef["served"][seg_k == k], z[np.flatnonzero(seg_k == k)]))

    def mechanism_problem(self, outside=None, *, reduced: bool = True, objective: str = "revenue",
                          floor: float | None = None, rows: Any = "full") -> Model:
        """The compact exact LP DB-C. outside: IR benchmark per cost (default pi0), a Parameter.

        reduced: keep only the deviation rows a deviator's best price can use (higher costs price at
        or above the truthful recommendation r, lower costs at or below it; Topkis, [spec §A.3](yang.md#spec-a3)) --
        the same optimal value with about half the rows; reduced=False is [spec §A.2](yang.md#spec-a2) verbatim.

        objective/floor are for exploring the optimal face: with floor = R*, objective
        "consumer_surplus" (max E[CS]) or "quantity:<k>" (the served quantity of report k).
        `optimal_face` does this with the library's face ranges.

        rows="lazy": the deviation and obedience rows by row generation on one persistent HiGHS
        (`papers.yang.lazy`): the same certified optimum of the full LP (where it is degenerate,
        possibly another optimal vertex). Build + solve at K = 20 on the 2-core machine: N = 40 in
        3.6 s, N = 50 in 7.0 s, N = 60 in 14.4 s (certified: 14.8 s). The default stays "full": the
        answer of a degenerate LP would otherwise change vertex at a size threshold.
        """
        N, K = self.n_values, self.n_costs
        if floor is not None:
            floor = pr.finite_number("floor", floor)
        lazy_rows = lazy.check_rows(rows) == "lazy"  # `rows` is reused below
        mechanism_size(self.values, self.costs).check()  # before any array is made (the lazy form builds all)
        seg_k, seg_r = self._segments
        S = seg_k.size
        model = Model("DB-C", sense="max", units="broker revenue",
                      description="Yang's data broker: the compact exact mechanism LP")
        out = model.parameter("outside", self.outside_option.to_numpy() if outside is None else outside,
                              index=self.cost_index,
                              validate=lambda v: pr.as_vector("outside", v, length=K, index=self.cost_index))
        z = model.variable("z", (S, N), index=(self._segment_index, self.value_index), nonneg=True)
        # the joint measure (recommendation r) x (report k, value i): zero where r < c_k
        cols = pd.MultiIndex.from_product([self.cost_index.rename("report"), self.value_index])
        rows, i = np.repeat(np.arange(S), N), np.tile(np.arange(N), S)
        E = sp.csr_matrix((np.ones(S * N), (seg_r[rows] * K * N + seg_k[rows] * N + i, rows * N + i)),
                          shape=((N + 1) * K * N, S * N))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, K * N), order="C")
        recs = pd.Index(self.prices, name="recommendation")
        model.constrain("segmentation", consistency(M, np.tile(self.value_probs, K), cols, axis=0))
        pay = np.transpose(self.payoff, (1, 0, 2)).reshape(N + 1, K * N)  # pay[r, (k, i)] = a_{c_k}(v_i, r)
        model.constrain("obedience", obedience(M, pay, recs, groups=np.repeat(np.arange(K), N),
                                               group_index=self.cost_index.rename("report"),
                                               description="the truthful cost obeys its recommendation"))
        # deviators: w[(k, r), j] >= best profit of c_j in segment (k, r), for j != k
        t_s, t_j = np.nonzero(seg_k[:, None] != np.arange(K)[None, :])
        w_index = pd.MultiIndex.from_arrays(
            [*(self._segment_index.get_level_values(n)[t_s] for n in range(2)), np.asarray(self.cost_index)[t_j]],
            names=["report", "recommendation", "deviator"])
        w = model.variable("w", t_s.size, index=w_index, nonneg=True)
        # Topkis: argmax_p (p - c) D(p) rises with c in the strong set order (⊥ = +inf), and r is optimal
        # for c_k, so a higher-cost deviator has a best price >= r and a lower-cost one a best price <= r
        candidates = None
        if reduced:
            r, up = seg_r[t_s][:, None], (t_j > seg_k[t_s])[:, None]
            price = np.arange(N)[None, :]
            candidates = np.where(up, price >= r, price <= r)
        model.constrain("deviation", best_response_bound(w, z, t_s, t_j, self.payoff[:, :N, :], index=w_index,
                                                         actions=self.value_index.rename("price"),
                                                         candidates=candidates))
        tau = model.variable("tau", K, index=self.cost_index)
        coef = self._truthful_coefficients()
        own = sp.csr_matrix((np.ones(S), (seg_k, np.arange(S))), shape=(K, S))
        truthful_profit = own @ cp.sum(cp.multiply(coef["profit"], z), axis=1)
        # U[j, k] (true j, report k), flattened j * K + k
        diag = sp.csr_matrix((np.ones(K), (np.arange(K) * (K + 1), np.arange(K))), shape=(K * K, K))
        off = sp.csr_matrix((np.ones(t_s.size), (t_j * K + seg_k[t_s], np.arange(t_s.size))), shape=(K * K, t_s.size))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(diag @ truthful_profit + off @ w - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, out, self.cost_index))
        revenue = self.cost_probs @ tau
        if floor is None:
            model.maximize(revenue)
        else:
            model.constrain("revenue floor", family(revenue, ">=", floor, None, "revenue at least the optimum"))
            model.maximize(self._face_goal(model, objective))
        self._register_outputs(model)
        return lazy.deviation_lazy(model) if lazy_rows else model

    def solve(self, solver: str | None = None, *, rows: str = "full", **options) -> Solution:
        """The broker's optimal mechanism (DB-C): value = expected revenue, ["transfer"] by cost.
        rows="lazy": the deviation and obedience rows by row generation (`papers.yang.lazy`; same
        certified optimum, much faster from N x K = 20 x 20 up: see `mechanism_problem`)."""
        return self.mechanism_problem(rows=rows).solve(solver, **options)

    def optimal_face(self, objective: str = "consumer_surplus", sense: str = "max", *,
                     solver: str | None = None, tol: float | None = SELECT_TOL, slack: float | None = None) -> float:
        """Max (or min) of `objective` ("consumer_surplus" or "quantity:<k>") over the optimal mechanisms:
        `core.strategies.face_ranges` on DB-C, revenue within the lexicographic slack of R* (LEX_SLACK,
        relative to max(1, R*)). `slack` is deprecated and ignored (that slack is the library's)."""
        self._face_objective(objective)
        if sense not in ("max", "min"):
            raise pr.InputError(f"sense: 'max' or 'min', got {sense!r}")
        if slack is not None:
            warn_renamed("optimal_face(slack=...)", "the library's face slack core.tolerances.LEX_SLACK")
        model = self.mechanism_problem()
        best = model.solve(solver, tol=tol, certify=False).value
        ranges = face_ranges(model, Request(solver=solver, tol=tol), objective,
                             lambda m: self._face_goal(m, objective), best)
        return float(ranges["high" if sense == "max" else "low"].iloc[0])

    def _register_outputs(self, model: Model) -> None:
        # functions of the Solution alone: computed when first read (a sweep pays only for what it reads)
        model.output("transfer", lambda sol: (sol["tau"] + 0.0).rename("transfer"), lazy=True)  # no -0.0
        model.output("menu", lambda sol: self.menu(sol["z"]), lazy=True)
        model.output("outcome", lambda sol: self.outcome(sol["z"], sol["tau"]), lazy=True)
        model.output("served", lambda sol: self.served_mass(sol["z"]), lazy=True)
        model.output("gross_profit", lambda sol: self.evaluate(self.segments(sol), sol["tau"]).gross, lazy=True)
        model.output("welfare", lambda sol: self.welfare(sol["outcome"]), lazy=True)

    # ------------------------------------------------------------ reading a DB-C solution ([spec
    # §A.4](yang.md#spec-a4))
    def menu(self, z: pd.DataFrame) -> pd.DataFrame:
        """beta_k(r | v) = z[k, r, v] / m(v): the price-recommendation kernel of every menu item."""
        arr, m = z.to_numpy(), self.value_probs
        beta = np.divide(arr, m, out=np.zeros_like(arr), where=m > 0)
        beta[np.ix_(np.isinf(self._segment_index.get_level_values(1)), m <= 0)] = 1.0
        return pd.DataFrame(beta, index=z.index, columns=z.columns)

    def served_mass(self, z: pd.DataFrame) -> pd.DataFrame:
        """x_k(v) = mass of value-v consumers who buy when report k's truthful cost obeys."""
        served = self._truthful_coefficients()["served"] * z.to_numpy()
        own = np.equal.outer(np.arange(self.n_costs), self._segments[0]).astype(float)
        return pd.DataFrame(own @ served, index=self.cost_index, columns=self.value_index)

    def outcome(self, z: pd.DataFrame, tau: pd.Series) -> pd.DataFrame:
        """Per cost (truthful): quantity, consumer surplus, gross profit, transfer, profit U_k, total surplus."""
        coef, arr = self._truthful_coefficients(), z.to_numpy()
        own = np.equal.outer(np.arange(self.n_costs), self._segments[0]).astype(float)
        gross = own @ (coef["profit"] * arr).sum(axis=1)
        cs = own @ (coef["cs"] * arr).sum(axis=1)
        tau = tau.to_numpy()
        return pd.DataFrame({"quantity": own @ (coef["served"] * arr).sum(axis=1), "consumer_surplus": cs,
                             "gross_profit": gross, "transfer": tau, "producer_profit": gross - tau,
                             "total_surplus": gross + cs}, index=self.cost_index)

    def welfare(self, outcome: pd.DataFrame) -> pd.Series:
        """Expected revenue, producer profit, consumer surplus and total surplus."""
        g = self.cost_probs
        return pd.Series({"revenue": g @ outcome["transfer"], "producer_profit": g @ outcome["producer_profit"],
                          "consumer_surplus": g @ outcome["consumer_surplus"],
                          "total_surplus": g @ outcome["total_surplus"]}, name="expected")

    def rent_flow(self, sol: Solution) -> pd.Series:
        """g_k + sum_j lambda_jk - sum_j lambda_kj - mu_k per cost k: 0 for every optimal dual
        ([spec §A.4](yang.md#spec-a4)).

        lambda_jk = `-prices["IC"][(j, k)]` (type j not reporting k), mu_k = `-prices["IR"][k]`.
        """
        lam = (-sol.prices["IC"]).unstack().reindex(index=self.cost_index, columns=self.cost_index).fillna(0.0)
        mu = -sol.prices["IR"].to_numpy()
        res = self.cost_probs + lam.sum(axis=0).to_numpy() - lam.sum(axis=1).to_numpy() - mu
        return pd.Series(res, index=self.cost_index, name="rent_flow_residual")

    # ------------------------------------------------------------ DB-P ([spec §A.3](yang.md#spec-a3))
    def profiles(self, monotone: bool = True) -> list[tuple[int, ...]]:
        """Recommendation profiles (price index per cost, N = ⊥) with rho_j in R_j; nondecreasing if monotone."""
        N = self.n_values
        allowed = [set(np.flatnonzero(self.values >= c).tolist()) | {N} for c in self.costs]
        cand: Iterable[tuple[int, ...]]
        if monotone:
            cand = itertools.combinations_with_replacement(range(N + 1), self.n_costs)
        else:
            cand = itertools.product(*(sorted(a) for a in allowed))
        return [p for p in cand if all(r in a for r, a in zip(p, allowed))]

    def profile_problem(self, monotone: bool = True) -> Model:
        """The profile LP DB-P: obedience of every cost in every segment, exact deviation profits."""
        N, K, m = self.n_values, self.n_costs, self.value_probs
        profile_size(self.values, self.costs, monotone).check()  # the profiles' enumeration is itself that large
        prof = np.array(self.profiles(monotone))
        n_p = prof.shape[0]
        label = pd.Index(["(" + ", ".join("⊥" if r == N else f"{self.values[r]:g}" for r in p) + ")"
                          for p in prof], name="profile")
        cols = pd.MultiIndex.from_product([self.cost_index.rename("report"), self.value_index])
        model = Model("DB-P", sense="max", units="broker revenue",
                      description="Yang's data broker: the monotone price-recommendation-profile LP")
        z = model.variable("z", (n_p, K * N), index=(label, cols), nonneg=True)
        model.constrain("segmentation", consistency(z, np.tile(m, K), cols, axis=0))
        # measure (recommended price a) x (profile, report k, cost j, value i): z where rho_j = a
        p_, k_, j_, i_ = (a.ravel() for a in np.meshgrid(np.arange(n_p), np.arange(K), np.arange(K), np.arange(N),
                                                         indexing="ij"))
        col = ((p_ * K + k_) * K + j_) * N + i_
        n_col = n_p * K * K * N
        E = sp.csr_matrix((np.ones(col.size), (prof[p_, j_] * n_col + col, p_ * K * N + k_ * N + i_)),
                          shape=((N + 1) * n_col, n_p * K * N))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, n_col), order="C")
        pay = self.payoff[j_, :, i_].T  # (N + 1, n_col)
        model.constrain("obedience", obedience(M, pay, pd.Index(self.prices, name="recommendation"),
                                               groups=col // N, description="every cost obeys its recommendation"))
        tau = model.variable("tau", K, index=self.cost_index)
        # U[j, k] = sum_{rho, i} z[rho, (k, i)] a_{c_j}(v_i, rho_j) - tau_k
        G = sp.csr_matrix((self.payoff[j_, prof[p_, j_], i_], (j_ * K + k_, p_ * K * N + k_ * N + i_)),
                          shape=(K * K, n_p * K * N))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(G @ cp.vec(z, order="C") - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, self.outside_option.to_numpy(), self.cost_index))
        model.maximize(self.cost_probs @ tau)
        model.output("transfer", lambda sol: sol["tau"].rename("transfer"))
        return model

    # ------------------------------------------------------------ broker that controls prices ([spec
    # §A.5](yang.md#spec-a5))
    def price_controlling_problem(self) -> Model:
        """PC: report k buys the consumers x[k, v] at their values and pays tau_k ([spec §A.5](yang.md#spec-a5)(a))."""
        K, N = self.n_costs, self.n_values
        model = Model("PC", sense="max", units="broker revenue",
                      description="Yang's price-controlling data broker")
        x = model.variable("x", (K, N), index=(self.cost_index, self.value_index), nonneg=True)
        tau = model.variable("tau", K, index=self.cost_index)
        model.constrain("capacity", supply_limit(x, 1.0, (self.cost_index, self.value_index),
                                                 description="at most every consumer of each value is served"))
        # U[j, k] = (1, -c_j) . (revenue_k, quantity_k) - tau_k
        alloc = x @ np.column_stack([self.value_probs * self.values, self.value_probs])
        U = report_utility(np.column_stack([np.ones(K), -self.costs]), alloc, tau)
        return self._screening(model, U, self.cost_probs @ tau, x)

    def exclusive_retail_problem(self) -> Model:
        """ER: the broker buys x[k, v] of the good for t_k and sells at value ([spec §A.5](yang.md#spec-a5)(b))."""
        model = Model("ER", sense="max", units="broker payoff", description="Yang's exclusive retailer")
        x = model.variable("x", (self.n_costs, self.n_values), index=(self.cost_index, self.value_index),
                           nonneg=True)
        t = model.variable("t", self.n_costs, index=self.cost_index)
        model.constrain("capacity", supply_limit(x, 1.0, (self.cost_index, self.value_index),
                                                 description="at most every consumer of each value is served"))
        U = report_utility(-self.costs, x @ self.value_probs, -t)  # t_k - c_j q_k
        return self._screening(model, U, self.cost_probs @ (x @ (self.value_probs * self.values) - t), x)

    price_controlling = renamed("price_controlling_problem")
    exclusive_retail = renamed("exclusive_retail_problem")

    def _screening(self, model: Model, U, objective, x) -> Model:
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, self.outside_option.to_numpy(), self.cost_index))
        model.maximize(objective)
        model.output("producer_profit", lambda sol: pd.Series(np.diag(U.value), index=self.cost_index,
                                                              name="producer_profit"))
        model.output("quantity", lambda sol: (sol["x"] @ self.value_probs).rename("quantity"))
        return model
