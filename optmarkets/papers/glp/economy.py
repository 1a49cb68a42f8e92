"""Galperti, Liu & Perego (2023), "Competitive Markets for Personal Data".

Consumers of type w in Omega = {w_1 < ... < w_n} (mass qbar(w), outside option r(w)) may sell their
record to a platform. Holding a database q, the platform designs a recommendation mechanism
x(a|w) for a merchant who charges fee a in A; the merchant obeys. With the joint measure
chi(a, w) = x(a|w) q(w) the platform's problem P_q is the LP (spec §A.2)

    V(q) = max_{chi >= 0}  sum_{a,w} v(a,w) chi(a,w)
           s.t.  sum_a chi(a,w) = q(w)                                      [psi(w)]
                 sum_w (pi(a,w) - pi(a',w)) chi(a,w) >= 0   for all a != a'  [lambda(a'|a)]

with u(a,w) = max(w-a, 0) (consumer surplus), pi(a,w) = a 1{w >= a} (merchant profit) and
v = gamma_u u + gamma_pi pi. The price of the consistency row, psi(w) = dV/dq(w), is the
marginal value of one more w-record to the platform: the competitive price of a w-record.

The planner's programs (welfare W(q, x) = sum (v + u) chi + sum (qbar - q) r, R = sum qbar r):

    SB  (second_best)  W° = max_{q <= qbar, chi optimal for P_q}  sum (v + u - r) chi + R
        (bilevel; made single-level exactly by `builders.sequential_rationality`: the disjunctive
        form F1 — one LP per candidate monopoly fee a with the value cut sum v chi >= psi_a . q —
        or the KKT MILP F2 with big-Ms M_lambda = max(gamma_u - gamma_pi, 0),
        M_s = max(gamma_u, gamma_pi) max(Omega); spec §A.3)
    FB' (first_best)   W† = max_{chi >= 0, obedient}  sum (v + u - r) chi + R
                             s.t. sum_a chi(a, w) <= qbar(w)                   [mu(w) >= 0]
        Lindahl prices p*(a, w) = mu(w) + r(w) - u(a, w) (Prop. 5, spec §A.7)
    monopsony: SB's allocation, prices p(w) = r(w) - E_x u(., w), profit W° - R (Prop. 1)
    data union: SB plus transfers P(w) with budget sum P = V(q) and participation (Prop. 4)
    social welfare (App. B.1): the same programs with the planner counting v + u + pi.

The competitive economy (Definition 4) is checked, not solved: `check_competitive_equilibrium`,
`ce_supportable(q)` (an LP at fixed q), `platform_optimal_prices(q)` (Lemma A.2's price set) and
`competitive_equilibria()` (an enumeration, spec §A.6); Lindahl equilibria by `check_lindahl`
and `lindahl_supportable`.

Departures from the paper (spec §A.1, §A.10):
* The fee set A is not fixed in the paper; it defaults here to A = Omega (needed for full
  disclosure chi = diag(q) to be feasible and for the BBM closed form). Any finite A may be passed.
* x(.|w) is not pinned down by P_q where q(w) = 0; `x` reports, for such w, a point mass on the fee
  a = w (or the largest fee below w if w is not a fee), which gives the type zero surplus — the
  selection the paper uses in its Case 1.
* The exact SB forms, the canonical duals and the CE enumeration need A ⊇ Omega (their proofs and
  big-M bounds use the canonical duals psi_a); with other fees they raise an InputError naming
  `actions` rather than return an unproven answer.
* App. B.1's SW(q_H*, x_H*) omits the merchant's profit 2(q*(2) - qbar1) on high types charged a = 2;
  the correct value exceeds SW(q°, x°), so the paper's "SW_H < SW°" is false. SW(q•, x•) is
  qbar1 (gamma_u + 1) + 2 qbar2, not qbar1 (gamma_u + 1) + 2 (qbar2 - qbar1). Both are what
  `welfare(..., social=True)` and `second_best(social=True)` compute (spec §A.10.1-2).
* Sec. 4.1's mechanism x_q(1|w) = min(q1, q2)/q(w) is optimal only for q2 >= q1; P_q returns the
  correct x(1|w) = 1 when q1 > q2 (spec §A.10.3).
* The data union's budget is sum_w p(w) qbar(w) = V(q) (the paper prints sum p̄(w) q(w)); the
  uniform rebate (W° - R)/sum qbar is the paper's G when sum qbar = 1 (spec §A.10.4).
* Lindahl prices of unused markets are not pinned down: the dual formula gives p*(2, 1) =
  gamma_u + 1 - rbar, p*(2, 2) = rbar in Sec. 4.1 where the paper writes 0; both support FB.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd

from ... import solvers as backends
from ...core import validate as pr
from ...builders import consistency, family, obedience, obedience_matrix, supply_limit
from ...builders.sequential import FORMS, candidate_duals, dual_slack, sequential_rationality, value_cut
from ...core.strategies import BestOf
from ...core.tolerances import MIP_GAP
from ...core.errors import InfeasibleError
from ...core.reference import Check, Examples
from ...core.model import Model
from ...core.solution import Solution


EXAMPLES = Examples()  # this paper's code-defined reproduce examples

class PersonalDataEconomy:
    """The GLP economy: consumer types, their mass and outside options, the platform's weights.

    values: the types w (strictly increasing, positive); mass: qbar(w) > 0; outside_option: r(w) >= 0;
    gamma_u, gamma_pi: the platform's weights on consumer surplus and merchant profit (>= 0, not both 0);
    actions: the merchant's fee set A (default: the values).
    """

    def __init__(self, values, mass, outside_option, gamma_u: float = 1.0, gamma_pi: float = 0.0, actions=None):
        self.values = pr.increasing("values", values, positive=True)
        n = self.values.size
        self.mass = pr.nonnegative("mass", mass, length=n, strict=True)
        self.outside_option = pr.nonnegative("outside_option", outside_option, length=n)
        self.gamma_u, self.gamma_pi = pr.weights(("gamma_u", "gamma_pi"), (gamma_u, gamma_pi))
        self.actions = self.values.copy() if actions is None else pr.increasing("actions", actions, nonneg=True)
        self.types = pr.labels("w", self.values)
        self.fees = pr.labels("a", self.actions)

    # ------------------------------------------------------------ payoffs (|A| x |Omega| matrices)
    @cached_property
    def consumer_surplus(self) -> np.ndarray:
        """u(a, w) = max(w - a, 0)."""
        return np.maximum(self.values[None, :] - self.actions[:, None], 0.0)

    @cached_property
    def merchant_profit(self) -> np.ndarray:
        """pi(a, w) = a 1{w >= a}."""
        return self.actions[:, None] * (self.values[None, :] >= self.actions[:, None])

    @cached_property
    def platform_payoff(self) -> np.ndarray:
        """v(a, w) = gamma_u u(a, w) + gamma_pi pi(a, w)."""
        return self.gamma_u * self.consumer_surplus + self.gamma_pi * self.merchant_profit

    def database(self, q) -> np.ndarray:
        """Validate a database q: one entry per type, 0 <= q(w) <= qbar(w)."""
        q = pr.nonnegative("q", q, length=self.values.size)
        over = q > self.mass * (1 + 1e-12)
        if over.any():
            i = int(np.argmax(over))
            raise pr.InputError(f"q: entry {i} is {q[i]:g}, more than the mass of type w={self.values[i]:g} "
                                f"({self.mass[i]:g})")
        return np.minimum(q, self.mass)

    # ------------------------------------------------------------ P_q
    @cached_property
    def _platform_template(self) -> Model:
        """P_q built once with q as a Parameter; `platform_problem` binds new q (DPP re-solves)."""
        model = Model("P_q", sense="max", units="platform payoff",
                      description="the platform's information-design problem given database q")
        q = model.parameter("q", self.mass, index=self.types, validate=self.database, nonneg=True)
        chi = model.variable("chi", (self.actions.size, self.values.size), index=(self.fees, self.types),
                             nonneg=True)
        model.constrain("consistency", consistency(chi, q, self.types))
        model.constrain("obedience", obedience(chi, self.merchant_profit, self.fees))
        model.maximize(cp.sum(cp.multiply(self.platform_payoff, chi)))
        model.output("x", lambda sol: self.mechanism(sol["chi"], sol["q"]))
        return model

    def platform_problem(self, q) -> Model:
        """P_q for database q: `sol.value` = V(q), `sol["x"]` = x(a|w), `sol.prices["consistency"]` = psi."""
        return self._platform_template.bind(q=q)

    def competitive_prices(self, q, solver: str | None = None) -> pd.Series:
        """psi(w) = dV/dq(w): the marginal value of a w-record at database q (a dual of P_q).

        Where V is not differentiable (a tie between monopoly fees, or q(w) = 0) this is the vertex
        supergradient HiGHS returns, one of the platform-optimal prices.
        """
        return self.platform_problem(q).solve(solver).prices["consistency"].rename("psi")

    def mechanism(self, chi: pd.DataFrame, q: pd.Series) -> pd.DataFrame:
        """x(a|w) = chi(a, w) / q(w); where q(w) = 0, a point mass on the highest fee a <= w."""
        chi_arr, q_arr = chi.to_numpy(), q.to_numpy()
        x = np.divide(chi_arr, q_arr, out=np.zeros_like(chi_arr), where=q_arr > 0)
        empty = np.flatnonzero(q_arr <= 0)
        fee = np.searchsorted(self.actions, self.values[empty], side="right") - 1
        x[np.maximum(fee, 0), empty] = 1.0
        return pd.DataFrame(x, index=chi.index, columns=chi.columns)

    # ------------------------------------------------------------ closed forms (spec §A.2)
    def bbm_value(self, q) -> float:
        """The Bergemann–Brooks–Morris closed form of V(q) (needs A ⊇ Omega)."""
        if not self.fees_contain_types():
            raise pr.InputError("actions: the BBM closed form needs every type to be a fee (A ⊇ Omega); "
                                "solve platform_problem(q) instead")
        q = self.database(q)
        total = float(self.values @ q)  # w*(q): total surplus
        monopoly = float((self.merchant_profit @ q).max())  # pi*(q): uniform-price profit
        if self.gamma_pi >= self.gamma_u:
            return self.gamma_pi * total
        return self.gamma_u * total - (self.gamma_u - self.gamma_pi) * monopoly

    def fees_contain_types(self) -> bool:
        return bool(np.isin(self.values, self.actions).all())

    # ------------------------------------------------------------ welfare (spec §A.1, App. B.1)
    @property
    def reservation_welfare(self) -> float:
        """R = sum_w qbar(w) r(w): consumer welfare when nobody sells."""
        return float(self.mass @ self.outside_option)

    def planner_payoff(self, social: bool = False) -> np.ndarray:
        """What one record sold into market (a, w) is worth to the planner, gross of r(w):
        v + u (welfare W, Definition 3) or v + u + pi (social welfare SW, App. B.1)."""
        gross = self.platform_payoff + self.consumer_surplus
        return gross + self.merchant_profit if social else gross

    def welfare(self, q, x, social: bool = False) -> float:
        """W(q, x) = sum (v + u) x q + sum (qbar - q) r  (SW(q, x) with merchant profit if `social`)."""
        q = self.database(q)
        x = pr.as_matrix("x", x, shape=(self.actions.size, self.values.size))
        return float(np.sum(self.planner_payoff(social) * x * q) + (self.mass - q) @ self.outside_option)

    def expected_surplus(self, x) -> np.ndarray:
        """E_x u(., w) = sum_a x(a|w) u(a, w): what a type-w seller expects from the mechanism x."""
        x = pr.as_matrix("x", x, shape=(self.actions.size, self.values.size))
        return (x * self.consumer_surplus).sum(axis=0)

    # ------------------------------------------------------------ canonical duals (spec §A.2)
    def _require_fees_contain_types(self, what: str) -> None:
        if not self.fees_contain_types():
            raise pr.InputError(
                f"actions: {what} needs every type to be a fee (A ⊇ Omega, spec §A.1): its exactness proof "
                f"and big-M bounds use the canonical duals psi_a, which are not proven dual-feasible otherwise; "
                f"add the values {self.values.tolist()} to actions (V, SB and FB are the same for every A ⊇ Omega)")

    def canonical_duals(self) -> pd.DataFrame:
        """The vertices psi_a of P_q's dual that are optimal for some q, one row per candidate.

        gamma_u >= gamma_pi: psi_a(w) = gamma_u w - (gamma_u - gamma_pi) a 1{w >= a}, one row per
        monopoly fee a in Omega (psi_a is optimal exactly when a is a monopoly fee of q), so
        V(q) = min_a psi_a . q. gamma_pi > gamma_u: the single row psi(w) = gamma_pi w (full disclosure).
        Each row is checked dual-feasible with its canonical lambda (`canonical_lambda`).
        """
        self._require_fees_contain_types("the canonical dual")
        w = self.values
        if self.gamma_pi > self.gamma_u:
            psi = pd.DataFrame([self.gamma_pi * w], index=pd.Index(["full disclosure"], name="monopoly fee"),
                               columns=self.types)
        else:
            delta = self.gamma_u - self.gamma_pi
            psi = pd.DataFrame(self.gamma_u * w[None, :] - delta * w[:, None] * (w[None, :] >= w[:, None]),
                               index=pd.Index(self.types.to_numpy(), name="monopoly fee"), columns=self.types)
        for label in psi.index:
            slack = self.dual_slack(psi.loc[label], self.canonical_lambda(label))
            if slack.to_numpy().min() < -1e-9 * max(1.0, self.values.max()):
                raise pr.InputError(f"actions: the canonical dual for fee {label} is not dual-feasible here")
        return psi

    def canonical_lambda(self, fee) -> pd.Series:
        """lambda(fee | a) = gamma_u - gamma_pi for every a != fee (0 otherwise): the obedience duals
        that go with psi_fee. `fee` = "full disclosure" (or gamma_pi > gamma_u) gives lambda = 0."""
        rows = obedience(cp.Variable((self.actions.size, self.values.size)), self.merchant_profit, self.fees).index
        dev = rows.get_level_values(1)
        delta = max(self.gamma_u - self.gamma_pi, 0.0)
        lam = np.where(dev == fee, delta, 0.0) if fee != "full disclosure" else np.zeros(len(rows))
        return pd.Series(lam + 0.0, index=rows, name="lambda")

    def dual_slack(self, psi, lam) -> pd.DataFrame:
        """s(a, w) = psi(w) - v(a, w) - sum_{a'} (pi(a, w) - pi(a', w)) lambda(a'|a): >= 0 everywhere
        iff (psi, lambda) is feasible for P'_q (psi may also be a per-market price DataFrame p(a, w))."""
        D, _ = obedience_matrix(self.merchant_profit)
        lam = np.asarray(lam, float)
        psi_arr = np.asarray(psi, float)
        spread = psi_arr if psi_arr.ndim == 2 else np.broadcast_to(psi_arr, self.platform_payoff.shape)
        s = spread - self.platform_payoff - (D.T @ lam).reshape(self.platform_payoff.shape)
        return pd.DataFrame(s, index=self.fees, columns=self.types)

    def dual_bounds(self, tight: bool = True) -> dict:
        """Big-M bounds for the KKT form (spec §A.3 F2), valid because for every q one of the
        canonical duals is optimal and any primal optimum is complementary to it.

        tight=False: the spec's scalars M_lambda = max(gamma_u - gamma_pi, 0), M_s = max(gamma_u,
        gamma_pi) max(Omega). tight=True (default): M_lambda the same, M_s(a, w) = the largest slack
        s(a, w) of a canonical dual — same proof, entrywise (for gamma_u >= gamma_pi it is
        gamma_u w 1{w < a}: rows a <= w need no big-M at all), a much tighter MILP.
        """
        self._require_fees_contain_types("the KKT big-M bounds")
        m_lam = max(self.gamma_u - self.gamma_pi, 0.0)
        if not tight:
            return {"lambda": m_lam, "slack": max(self.gamma_u, self.gamma_pi) * float(self.values.max())}
        psis = self.canonical_duals()
        slack = np.max([self.dual_slack(psis.loc[a], self.canonical_lambda(a)).to_numpy() for a in psis.index], axis=0)
        return {"lambda": m_lam, "slack": pd.DataFrame(np.maximum(slack, 0.0), index=self.fees, columns=self.types)}

    # ------------------------------------------------------------ FB' and Lindahl prices (spec §A.7)
    def first_best(self, social: bool = False) -> Model:
        """FB': W-dagger = max sum (v + u - r) chi + R over obedient chi with sum_a chi <= qbar (an LP).

        Prices: `supply` and its alias `mu` (mu(w) = dW/dqbar(w) >= 0), `lambda` (lambda(a'|a) >= 0,
        the value of relaxing obedience row (a, a'), = -prices["obedience"]) and, for W,
        `lindahl`: p*(a, w) = mu(w) + r(w) - u(a, w) for every market (a, w), used or not.
        social: the planner's payoff adds the merchant's profit (App. B.1).
        """
        kind = "SW" if social else "W"
        model = Model(f"FB ({kind})", sense="max", units="social welfare" if social else "welfare",
                      description="first best with obedience, no sequential rationality (FB')")
        chi = model.variable("chi", (self.actions.size, self.values.size), index=(self.fees, self.types),
                             nonneg=True)
        model.constrain("supply", supply_limit(cp.sum(chi, axis=0), self.mass, self.types,
                                               description="records sold <= consumers of each type"))
        model.constrain("obedience", obedience(chi, self.merchant_profit, self.fees))
        net = self.planner_payoff(social) - self.outside_option[None, :]
        model.maximize(cp.sum(cp.multiply(net, chi)) + self.reservation_welfare)
        model.output("q", lambda sol: sol["chi"].sum(axis=0).clip(0.0, None).rename("q"))
        model.output("x", lambda sol: self.mechanism(sol["chi"], sol["q"]))
        model.output("zeta", lambda sol: (sol["chi"].clip(lower=0.0) / self.mass[None, :]))
        model.price("mu", lambda sol: sol.prices["supply"].rename("mu"))
        model.price("lambda", lambda sol: (-sol.prices["obedience"] + 0.0).rename("lambda"))
        if not social:
            model.price("lindahl", lambda sol: self.lindahl_prices(sol.prices["supply"]))
        return model

    def lindahl_prices(self, mu) -> pd.DataFrame:
        """p*(a, w) = mu(w) + r(w) - u(a, w): the price of a record sold into market (a, w) (Prop. 5)."""
        mu = pr.as_vector("mu", mu, length=self.values.size)
        return pd.DataFrame(mu[None, :] + self.outside_option[None, :] - self.consumer_surplus,
                            index=self.fees, columns=self.types)

    # ------------------------------------------------------------ SB, monopsony, data union (§A.3-A.5)
    def second_best(self, form: str = "disjunctive", social: bool = False, tight: bool = True) -> Model:
        """SB: W° = max sum (v + u - r) chi + R over q <= qbar and chi optimal for P_q (exact).

        form: "disjunctive" (F1, default: one LP per candidate monopoly fee, the best wins),
        "disjunctive-milp" (F1 as one MILP, |A| binaries) or "kkt" (F2, complementarity MILP).
        social: the planner maximises social welfare SW (App. B.1; value SW•). tight: entrywise
        big-M bounds for the KKT form (see `dual_bounds`); False uses the spec's scalar ones.
        `solve()` returns W° (`value`), `q`, `chi`, `x`, and the sequential-rationality prices
        `psi`, `lambda` of P_q at the optimal q (re-solved as an LP).
        """
        return leader_program(self, "social" if social else "welfare", form, tight=tight)

    def monopsony(self, form: str = "disjunctive") -> Model:
        """The monopsonist economy (Def. 2, Prop. 1): value = platform profit W° - R; prices
        `monopsony` p(w) = r(w) - E_x u(., w) (every consumer indifferent); outputs `zeta` = q/qbar,
        `platform_profit`, `consumer_welfare` (= R)."""
        return leader_program(self, "monopsony", form)

    def data_union(self, form: str = "disjunctive") -> Model:
        """The data union (Section 5.1, Prop. 4): sells q to the platform for total transfers P(w),
        budget sum_w P(w) = V(q) (the paper's sum p̄(w) q(w) is a typo, spec §A.10.4), participation
        P(w) >= sum_a chi(a, w) (r(w) - u(a, w)); value = W° (consumer welfare). Prices `data_union`
        p(w) = (q(w)/qbar(w)) (r(w) - E_x u(., w)) + (W° - R)/sum qbar (from the proof of Prop. 4)."""
        return leader_program(self, "union", form)

    # ------------------------------------------------------------ competitive economy (spec §A.6)
    def platform_optimal_prices(self, q, tol: float = 1e-9) -> "PriceSet":
        """Every price p at which buying q is optimal for the platform (zero profit, Lemma A.2):
        {sum_{a in argmax pi*(q)} beta_a psi_a + d : beta in the simplex, d >= 0, d = 0 on supp q}."""
        q = self.database(q)
        V = self.platform_problem(q).solve(certify=False).value
        return PriceSet(self, q, V, tol)

    def ce_support(self, q) -> Model:
        """The CE-supportability LP at a fixed database q (spec §A.6), as a violation minimisation:
        value 0 iff some (p, x) makes q a competitive equilibrium. Variables chi (x q), p, lambda, the
        carried mechanism xf for unsold types, and e(w) >= 0, each consumer's violation."""
        q = self.database(q)
        n, k = self.values.size, self.actions.size
        V = self.platform_problem(q).solve(certify=False).value
        model = Model("CE support", sense="min", units="consumer-condition violation",
                      description="is q a competitive-equilibrium database?")
        chi = model.variable("chi", (k, n), index=(self.fees, self.types), nonneg=True)
        xf = model.variable("xf", (k, n), index=(self.fees, self.types), nonneg=True)
        p = model.variable("p", n, index=self.types)
        D, _ = obedience_matrix(self.merchant_profit)
        rows = obedience(chi, self.merchant_profit, self.fees).index
        lam = model.variable("lambda", D.shape[0], index=rows, nonneg=True)
        e = model.variable("e", n, index=self.types, nonneg=True)
        model.constrain("consistency", consistency(chi, q, self.types))
        model.constrain("obedience", obedience(chi, self.merchant_profit, self.fees))
        earned = cp.reshape(cp.sum(cp.multiply(self.platform_payoff, chi)), (1,), order="C")
        model.constrain("optimal", family(earned, ">=", V - 1e-9 * max(1.0, abs(V)), None,
                                          "x is optimal for P_q: it earns V(q)"))
        model.constrain("platform_dual", family(dual_slack(p, lam, self.platform_payoff, D, (k, n)), ">=", 0.0,
                                                (self.fees, self.types), "no obedient purchase is profitable"))
        model.constrain("zero_profit", family(cp.reshape(p @ q, (1,), order="C"), "==", V, None,
                                              "the platform's profit p.q - V(q) is zero"))
        model.constrain("carried", consistency(xf, np.ones(n), self.types,
                                               description="x(.|w) of unsold types is a distribution"))
        u = self.consumer_surplus
        unsold = (q <= 0).astype(float)
        # a type's gain from selling, times its mass sold (sold types) or per capita (unsold types)
        gain = (cp.multiply(q, p) + cp.sum(cp.multiply(u, chi), axis=0) - self.outside_option * q
                + cp.multiply(unsold, p + cp.sum(cp.multiply(u, xf), axis=0) - self.outside_option))
        sold, held = q > 0, q < self.mass
        if sold.any():
            model.constrain("sellers", family((gain + e)[np.flatnonzero(sold)], ">=", 0.0, self.types[sold],
                                              "types who sell gain at least r"))
        if held.any():
            model.constrain("holdouts", family((gain - e)[np.flatnonzero(held)], "<=", 0.0, self.types[held],
                                               "types who keep their record gain at most r"))
        model.minimize(cp.sum(e))
        return model

    def ce_supportable(self, q, tol: float = 1e-7, solver: str | None = None) -> bool:
        """Whether database q is part of some competitive equilibrium (Definition 4)."""
        return self.ce_support(q).solve(solver, certify=False).value <= tol

    def check_competitive_equilibrium(self, prices, q, x, zeta=None, tol: float = 1e-7) -> "EquilibriumReport":
        """Check a candidate (p, zeta, q, x) against Definition 4 / Lemma A.2; say why it fails.

        prices: p(w); q: the database; x: x(a|w) (a DataFrame or |A| x |Omega| array; columns of
        unsold types are the carried mechanism); zeta: the share who sell (default q/qbar).
        """
        p = pr.as_vector("prices", prices, length=self.values.size)
        q = self.database(q)
        x = pr.as_matrix("x", x, shape=(self.actions.size, self.values.size))
        reasons, w = [], self.types
        zeta = q / self.mass if zeta is None else pr.as_vector("zeta", zeta, length=self.values.size)
        if np.any(zeta < -tol) or np.any(zeta > 1 + tol):
            reasons.append(f"clearing: zeta = {np.round(zeta, 9).tolist()} is not in [0, 1]")
        if np.any(np.abs(zeta * self.mass - q) > tol):
            reasons.append("clearing: q != zeta qbar")
        if np.any(x < -tol) or np.any(np.abs(x.sum(axis=0) - 1) > tol):
            reasons.append("mechanism: some x(.|w) is not a probability distribution")
        chi = x * q
        obey = _obedience_slacks(self.merchant_profit, chi)
        if obey.min(initial=0.0) < -tol:
            reasons.append(f"mechanism: the merchant disobeys (worst obedience slack {obey.min():.3g})")
        V = self.platform_problem(q).solve(certify=False).value
        earned = float(np.sum(self.platform_payoff * chi))
        if earned < V - tol:
            reasons.append(f"mechanism: x is not optimal for P_q (earns {earned:.6g} < V(q) = {V:.6g})")
        gain = p + self.expected_surplus(x) - self.outside_option
        for i in range(self.values.size):
            if gain[i] > tol and zeta[i] < 1 - tol:
                reasons.append(f"consumers: type w={w[i]} gains {gain[i]:.6g} > 0 from selling but only "
                               f"zeta = {zeta[i]:.6g} sell")
            if gain[i] < -tol and zeta[i] > tol:
                reasons.append(f"consumers: type w={w[i]} loses {-gain[i]:.6g} from selling but zeta = "
                               f"{zeta[i]:.6g} sell")
        profit = V - float(p @ q)
        if abs(profit) > tol:
            reasons.append(f"platform: profit V(q) - p.q = {profit:.6g}, must be 0 (constant returns, Remark A.2)")
        best = self._best_deviation_profit(p)
        if best > tol:
            reasons.append(f"platform: buying more is profitable at these prices (a deviation earns {best:.6g} "
                           f"per unit of records; no lambda >= 0 supports p, Lemma A.2)")
        return EquilibriumReport("competitive equilibrium", not reasons, reasons,
                                 dict(V=V, profit=profit, gain=pd.Series(gain, index=w), deviation=best))

    def _best_deviation_profit(self, prices) -> float:
        """sup {sum (v(a, w) - P) chi : chi obedient, sum chi <= 1} for per-type p(w) or per-market P(a, w)
        (the platform's best profit per unit of records; <= 0 iff a lambda supports the prices)."""
        P = np.asarray(prices, float)
        P = np.broadcast_to(P, self.platform_payoff.shape)
        m = Model("platform deviation", sense="max")
        chi = m.variable("chi", P.shape, index=(self.fees, self.types), nonneg=True)
        m.constrain("obedience", obedience(chi, self.merchant_profit, self.fees))
        m.constrain("unit", family(cp.reshape(cp.sum(chi), (1,), order="C"), "<=", 1.0, None, "one unit"))
        m.maximize(cp.sum(cp.multiply(self.platform_payoff - P, chi)))
        return m.solve(certify=False).value

    def competitive_equilibria(self, solver: str | None = None, tol: float = 1e-7, ties: bool = True) -> pd.DataFrame:
        """Competitive equilibria found by enumeration (spec §A.6), one row each (fee, q, prices,
        welfare, x), every one verified by `check_competitive_equilibrium`:

        * no trade (q = 0) iff `ce_supportable(0)` (prices anywhere in conv{psi_a} + R^n_+);
        * for every candidate monopoly fee a* and pattern q(w) in {0, interior, qbar(w)}: the
          highest-welfare CE with prices p = psi_{a*} (an LP: chi optimal for P_q by the value cut,
          the consumers' conditions linear once p is fixed);
        * if `ties`: the databases where prices may mix several psi_a because monopoly fees tie —
          every q with q(w) in {0, qbar(w)}, and every pattern whose partially-selling types are
          pinned down by the tie equations pi(a).q = pi(b).q, a, b in a tie set — each by the
          CE-supportability LP at that fixed q.

        Complete except for CE where the tie equations leave several partially-selling types free
        (there price and quantity enter bilinearly). Prop. 2's existence proof is not constructive,
        so an empty table means "none of these kinds", not "none".
        """
        self._require_fees_contain_types("the CE enumeration")
        rows, n = [], self.values.size
        no_trade = self.ce_support(np.zeros(n)).solve(solver, certify=False)
        if no_trade.value <= tol:
            rows.append(self._ce_row("no trade", np.zeros(n), no_trade["p"].to_numpy(), None))
        for fee, psi in self.canonical_duals().iterrows():
            program = self._ce_pattern_program(psi.to_numpy())
            for pattern in itertools.product((0, 1, 2), repeat=n):  # 0: nobody, 1: some, 2: all sell
                pat = np.array(pattern)
                if not pat.any() or np.any(psi.to_numpy()[pat == 0] > self.outside_option[pat == 0] + tol):
                    continue  # no trade is handled above; unsold types need p(w) = psi(w) <= r(w)
                values = dict(lo=np.where(pat == 2, self.mass, 0.0), hi=np.where(pat == 0, 0.0, self.mass),
                              sell=(pat >= 1).astype(float), hold=(pat == 1).astype(float))
                try:
                    sol = program.bind(**values).solve(solver, certify=False)
                except InfeasibleError:
                    continue
                q = np.clip(sol["q"].to_numpy(), 0.0, self.mass)
                if q.sum() <= tol:
                    continue
                x = self.mechanism(sol["chi"].clip(lower=0.0), pd.Series(q, index=self.types)).to_numpy()
                if self.check_competitive_equilibrium(psi.to_numpy(), q, x, tol=1e-6).ok:
                    rows.append(self._ce_row(fee, q, psi.to_numpy(), x))
        if ties:
            for q in self._tie_databases(tol):
                sol = self.ce_support(q).solve(solver, certify=False)
                if sol.value > tol:
                    continue
                chi, xf = sol["chi"].clip(lower=0.0).to_numpy(), sol["xf"].clip(lower=0.0).to_numpy()
                x = np.where(q > 0, chi / np.where(q > 0, q, 1.0), xf)
                p = sol["p"].to_numpy()
                if self.check_competitive_equilibrium(p, q, x, tol=1e-6).ok:
                    rows.append(self._ce_row("tied", q, p, x))
        table = pd.DataFrame(rows)
        if table.empty:
            return table
        key = table["q"].map(lambda v: tuple(np.round(v, 7)))
        return table.loc[~key.duplicated()].reset_index(drop=True)

    def _tie_databases(self, tol: float):
        """Databases at which a set T of >= 2 candidate monopoly fees ties, with every type selling
        nothing, everything, or an amount pinned down by the tie equations (spec §A.6 enumeration)."""
        n, fees = self.values.size, [a for a in range(self.actions.size) if self.actions[a] in self.values]
        pi = self.merchant_profit
        for pattern in itertools.product((0, 1, 2), repeat=n):
            pat = np.array(pattern)
            free = np.flatnonzero(pat == 1)
            fixed = np.where(pat == 2, self.mass, 0.0)
            if not pat.any():
                continue
            if free.size == 0:
                yield fixed
                continue
            for size in range(free.size + 1, len(fees) + 1):
                for tie in itertools.combinations(fees, size):
                    diff = pi[list(tie[1:])] - pi[tie[0]]  # (pi(a) - pi(a0)).q = 0 for a in the tie
                    A, b = diff[:, free], -diff @ fixed
                    if np.linalg.matrix_rank(A) < free.size:
                        continue
                    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
                    q = fixed.copy()
                    q[free] = sol
                    if np.abs(A @ sol - b).max() > tol or np.any(sol <= tol) or np.any(sol >= self.mass[free] - tol):
                        continue
                    profit = pi @ q  # the tie must be at the top: these fees are monopoly fees of q
                    if profit[tie[0]] >= profit.max() - 1e-9 * max(1.0, profit.max()):
                        yield q

    def _ce_row(self, fee, q, p, x) -> dict:
        x = self.mechanism(pd.DataFrame(np.zeros((self.actions.size, self.values.size)), index=self.fees,
                                        columns=self.types), pd.Series(q, index=self.types)).to_numpy() \
            if x is None else x
        return dict(fee=fee, q=q, prices=p, welfare=self.welfare(q, x), x=x)

    def _ce_pattern_program(self, psi: np.ndarray) -> Model:
        """max W over CE with prices psi on supp q; bounds lo <= q <= hi and the sell/hold masks are
        Parameters, so the 3^n patterns re-solve one compiled LP."""
        n, k = self.values.size, self.actions.size
        m = Model("CE pattern", sense="max", units="welfare")
        lo = m.parameter("lo", np.zeros(n), index=self.types)
        hi = m.parameter("hi", self.mass, index=self.types)
        sell = m.parameter("sell", np.zeros(n), index=self.types)
        hold = m.parameter("hold", np.zeros(n), index=self.types)
        q = m.variable("q", n, index=self.types, nonneg=True)
        chi = m.variable("chi", (k, n), index=(self.fees, self.types), nonneg=True)
        m.constrain("floor", family(q, ">=", lo, self.types, "pattern: who must sell all"))
        m.constrain("ceiling", family(q, "<=", hi, self.types, "pattern: who sells nothing"))
        # chi optimal for P_q with psi its dual: the one-candidate disjunctive form of the SB builder
        m.constrain_all(sequential_rationality(chi, q, self.platform_payoff, self.merchant_profit, actions=self.fees,
                                               types=self.types, cap=self.mass, form="disjunctive",
                                               cut=m.parameter("psi_cut", psi, index=self.types)))
        gain = cp.multiply(psi - self.outside_option, q) + cp.sum(cp.multiply(self.consumer_surplus, chi), axis=0)
        m.constrain("sellers", family(cp.multiply(sell, gain), ">=", 0.0, self.types, "sellers gain >= r"))
        m.constrain("holdouts", family(cp.multiply(hold, gain), "<=", 0.0, self.types, "partial sellers indifferent"))
        m.maximize(cp.sum(cp.multiply(self.planner_payoff() - self.outside_option[None, :], chi)))
        return m

    # ------------------------------------------------------------ Lindahl equilibrium (spec §A.7)
    def check_lindahl(self, prices, allocation, tol: float = 1e-7) -> "EquilibriumReport":
        """Check per-market prices P(a, w) and an allocation chi(a, w) (records sold into market
        (a, w)) against the Lindahl equilibrium of Section 5.2; say why it fails."""
        P = pr.as_matrix("prices", prices, shape=self.platform_payoff.shape)
        chi = pr.as_matrix("allocation", allocation, shape=self.platform_payoff.shape)
        reasons = []
        if chi.min() < -tol or np.any(chi.sum(axis=0) > self.mass + tol):
            reasons.append("clearing: chi(a, w) must be >= 0 with sum_a chi(a, w) <= qbar(w)")
        obey = _obedience_slacks(self.merchant_profit, chi)
        if obey.min(initial=0.0) < -tol:
            reasons.append(f"mechanism: the merchant disobeys (worst obedience slack {obey.min():.3g})")
        profit = float(np.sum((self.platform_payoff - P) * chi))
        if abs(profit) > tol:
            reasons.append(f"platform: profit sum (v - P) chi = {profit:.6g}, must be 0")
        best = self._best_deviation_profit(P)
        if best > tol:
            reasons.append(f"platform: an obedient purchase earns {best:.6g} > 0 per unit at these prices")
        offer = P + self.consumer_surplus
        U = np.maximum(self.outside_option, offer.max(axis=0))
        for a, w in zip(*np.nonzero(chi > tol)):
            if offer[a, w] < U[w] - tol:
                reasons.append(f"consumers: type w={self.types[w]} sells into market a={self.fees[a]} worth "
                               f"{offer[a, w]:.6g} < its best option {U[w]:.6g}")
        for w in np.flatnonzero(chi.sum(axis=0) < self.mass - tol):
            if self.outside_option[w] < U[w] - tol:
                reasons.append(f"consumers: type w={self.types[w]} keeps records although selling pays "
                               f"{U[w]:.6g} > r = {self.outside_option[w]:.6g}")
        return EquilibriumReport("Lindahl equilibrium", not reasons, reasons,
                                 dict(profit=profit, deviation=best, utility=pd.Series(U, index=self.types)))

    def lindahl_support(self, allocation) -> Model:
        """The Lindahl-supportability LP for chi (spec §A.7): prices P(a, w), lambda >= 0 and utilities
        U(w) with U >= P + u, U >= r (equal where chi > 0 / where records are kept), platform dual
        feasibility and zero profit. Feasible iff chi solves FB' (Prop. 5)."""
        chi = pr.as_matrix("allocation", allocation, shape=self.platform_payoff.shape)
        k, n = chi.shape
        D, _ = obedience_matrix(self.merchant_profit)
        rows = obedience(cp.Variable((k, n)), self.merchant_profit, self.fees).index
        m = Model("Lindahl support", sense="min")
        P = m.variable("P", (k, n), index=(self.fees, self.types))
        lam = m.variable("lambda", D.shape[0], index=rows, nonneg=True)
        U = m.variable("U", n, index=self.types)
        offer = P + self.consumer_surplus
        spread = np.ones((k, 1)) @ cp.reshape(U, (1, n), order="C")
        used, kept = chi > 1e-9, chi.sum(axis=0) < self.mass - 1e-9
        m.constrain("best_offer", family(spread - offer, ">=", 0.0, (self.fees, self.types), "U >= P + u"))
        m.constrain("outside", family(U, ">=", self.outside_option, self.types, "U >= r"))
        if used.any():
            a, w = np.nonzero(used)
            m.constrain("used_markets", family(cp.vec(spread - offer, order="C")[a * n + w], "==", 0.0, None,
                                               "sellers pick a best market"))
        if kept.any():
            m.constrain("kept_records", family(U[np.flatnonzero(kept)], "==", self.outside_option[kept], None,
                                               "holdouts get r"))
        m.constrain("platform_dual", family(dual_slack(P, lam, self.platform_payoff, D, (k, n)), ">=", 0.0,
                                            (self.fees, self.types), "no obedient purchase is profitable"))
        m.constrain("zero_profit", family(cp.reshape(cp.sum(cp.multiply(self.platform_payoff - P, chi)), (1,),
                                                     order="C"), "==", 0.0, None, "the platform breaks even"))
        m.minimize(cp.sum(U))
        return m

    def lindahl_supportable(self, allocation, solver: str | None = None) -> bool:
        """Whether some Lindahl prices support the allocation chi(a, w) (iff chi solves FB', Prop. 5)."""
        try:
            self.lindahl_support(allocation).solve(solver, certify=False)
        except InfeasibleError:
            return False
        return True

    def __repr__(self) -> str:
        return (f"PersonalDataEconomy(values={self.values.tolist()}, mass={self.mass.tolist()}, "
                f"outside_option={self.outside_option.tolist()}, gamma_u={self.gamma_u}, "
                f"gamma_pi={self.gamma_pi}, actions={self.actions.tolist()})")


# ---------------------------------------------------------------------------------------------------
def leader_program(econ: PersonalDataEconomy, kind: str, form: str = "disjunctive", tight: bool = True) -> Model:
    """A leader's program over (q, chi) in which chi must solve the platform's P_q (spec §A.3-A.5).

    kind: "welfare" (SB, value W°), "social" (App. B.1, value SW•), "monopsony" (value W° - R) or
    "union" (data union, value W°). The sequential-rationality families come from
    `optmarkets.builders.sequential_rationality` in the chosen exact form. The disjunctive form is
    solved as the best of one LP per candidate dual (`BestOf`); the MILP forms run to a relative
    gap of 1e-9. The Solution's prices `psi`, `lambda` are P_q's at the optimal q (re-solved as an LP).
    """
    if form not in FORMS:
        raise pr.InputError(f"form: must be one of {FORMS}, got {form!r}")
    econ._require_fees_contain_types(f"the exact '{form}' form of the platform's sequential rationality")
    name, units, description = _LEADER_TITLES[kind]
    model = Model(f"{name} [{form}]", sense="max", units=units, description=description)
    e, n, k = econ, econ.values.size, econ.actions.size
    q = model.variable("q", n, index=e.types, nonneg=True)
    chi = model.variable("chi", (k, n), index=(e.fees, e.types), nonneg=True)
    model.constrain("supply", supply_limit(q, e.mass, e.types, description="the database q(w) <= qbar(w)"))
    common = dict(actions=e.fees, types=e.types, cap=e.mass, form=form)
    if form == "disjunctive":
        psi = candidate_duals(e.canonical_duals(), e.types)
        cut = model.parameter("psi_cut", psi.iloc[0].to_numpy(), index=e.types)
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, cut=cut, **common)
        model.strategy = BestOf("psi_cut", psi)
    elif form == "disjunctive-milp":
        psi = candidate_duals(e.canonical_duals(), e.types)
        select = model.variable("select", psi.shape[0], index=psi.index, boolean=True)
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, dual_vertices=psi,
                                          select=select, **common)
    else:
        rows = obedience(chi, e.merchant_profit, e.fees).index
        dual = (model.variable("psi", n, index=e.types),
                model.variable("lambda", len(rows), index=rows, nonneg=True),
                model.variable("cs_z", (k, n), index=(e.fees, e.types), boolean=True, show=False),
                model.variable("cs_y", len(rows), index=rows, boolean=True, show=False))
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, dual=dual,
                                          dual_bounds=e.dual_bounds(tight), **common)
    model.constrain_all(families)
    model.solver_defaults = {"HIGHS": {"mip_rel_gap": MIP_GAP}, "SCIPY": {"scipy_options": {"mip_rel_gap": MIP_GAP}}}
    r, R, u = e.outside_option, e.reservation_welfare, e.consumer_surplus
    if kind == "union":
        P = model.variable("P", n, index=e.types)  # total transfer to the type-w members
        earned = cp.sum(cp.multiply(e.platform_payoff, chi))
        model.constrain("budget", family(cp.reshape(cp.sum(P) - earned, (1,), order="C"), "==", 0.0, None,
                                         "the union pays out what it earns: sum_w P(w) = V(q)"))
        model.constrain("participation", family(P - cp.sum(cp.multiply(r[None, :] - u, chi), axis=0), ">=",
                                                0.0, e.types, "members are no worse off than keeping r"))
        model.maximize(cp.sum(P) + cp.sum(cp.multiply(u, chi)) + R - r @ q)
    else:
        net = e.planner_payoff(kind == "social") - r[None, :]
        model.maximize(cp.sum(cp.multiply(net, chi)) + (0.0 if kind == "monopsony" else R))
    model.bundle("leader", lambda sol: _leader_outputs(econ, kind, sol))
    return model


_LEADER_TITLES = {"welfare": ("SB", "welfare", "second best: constrained efficiency (Definition 3)"),
                  "social": ("SB (SW)", "social welfare", "constrained social efficiency (App. B.1, Definition 7)"),
                  "monopsony": ("monopsony", "platform profit", "monopsonist economy (Definition 2, Prop. 1)"),
                  "union": ("data union", "consumer welfare", "data union (Section 5.1, Prop. 4)")}


def _leader_outputs(e: PersonalDataEconomy, kind: str, sol: Solution) -> dict:
    """The leader's economics at its optimum: the clipped database q, the mechanism x, P_q's prices."""
    q = pd.Series(np.clip(sol.primal["q"].to_numpy(), 0.0, e.mass), index=e.types, name="q")
    x = e.mechanism(sol["chi"].clip(lower=0.0), q)
    qa, xa = q.to_numpy(), x.to_numpy()
    # MILPs return no duals: the sequential-rationality prices come from P_q at the optimal q
    lp = sol.solver if backends.get(sol.solver).duals else None
    pq = e.platform_problem(qa).solve(lp, certify=False)
    outputs = dict(q=q, x=x, platform_value=pq.value, welfare=e.welfare(qa, xa),
                   social_welfare=e.welfare(qa, xa, social=True))
    prices = {"psi": pq.prices["consistency"].rename("psi"),
              "lambda": (-pq.prices["obedience"] + 0.0).rename("lambda")}
    surplus = e.expected_surplus(xa)
    if kind == "monopsony":
        p = e.outside_option - surplus
        prices["monopsony"] = pd.Series(p, index=e.types, name="p")
        outputs.update(zeta=pd.Series(qa / e.mass, index=e.types, name="zeta"),
                       platform_profit=pq.value - float(p @ qa),
                       consumer_welfare=float(qa @ (p + surplus) + (e.mass - qa) @ e.outside_option))
    elif kind == "union":
        W = e.welfare(qa, xa)
        p = qa / e.mass * (e.outside_option - surplus) + (W - e.reservation_welfare) / e.mass.sum()
        prices["data_union"] = pd.Series(p, index=e.types, name="p")
        outputs.update(transfers=sol["P"],
                       consumer_welfare=float(e.mass @ p + qa @ surplus + (e.mass - qa) @ e.outside_option))
    return {"outputs": outputs, "prices": prices}


class PriceSet:
    """The platform-optimal prices at a database q (spec §A.6): p such that buying q at p is optimal,
    i.e. zero profit p.q = V(q) and no obedient purchase profitable (Lemma A.2). For the GLP class
    this set is conv{psi_a : a a monopoly fee of q} + {d >= 0, d = 0 on supp q}."""

    def __init__(self, econ: PersonalDataEconomy, q: np.ndarray, value: float, tol: float = 1e-9):
        self.econ, self.q, self.value = econ, q, value
        cand = econ.canonical_duals()
        if econ.gamma_pi > econ.gamma_u:
            self.vertices = cand
        else:
            profit = pd.Series(econ.merchant_profit @ q, index=econ.fees).loc[cand.index]
            self.vertices = cand.loc[profit >= profit.max() - tol * max(1.0, profit.max())]
        self.free = econ.types[q <= 0]  # d(w) >= 0 may be added where nobody is bought

    def contains(self, prices, tol: float = 1e-7) -> bool:
        """Lemma A.2 directly (valid for any fee set): zero profit and no profitable obedient purchase."""
        p = pr.as_vector("prices", prices, length=self.q.size)
        return abs(float(p @ self.q) - self.value) <= tol and self.econ._best_deviation_profit(p) <= tol

    def hull_distance(self, prices) -> float:
        """min ||p - (sum beta_a psi_a + d)||_1 over the closed-form description (0 iff p is in it)."""
        p = pr.as_vector("prices", prices, length=self.q.size)
        psi = self.vertices.to_numpy(float)
        m = Model("price hull", sense="min")
        beta = m.variable("beta", psi.shape[0], nonneg=True)
        d = m.variable("d", self.q.size, nonneg=True)
        err = m.variable("err", self.q.size, nonneg=True)
        m.constrain("simplex", family(cp.reshape(cp.sum(beta), (1,), order="C"), "==", 1.0))
        m.constrain("only_unsold", family(cp.multiply((self.q > 0).astype(float), d), "==", 0.0))
        m.constrain("above", family(psi.T @ beta + d - p + err, ">=", 0.0))
        m.constrain("below", family(psi.T @ beta + d - p - err, "<=", 0.0))
        m.minimize(cp.sum(err))
        return m.solve(certify=False).value

    def __repr__(self) -> str:
        return (f"PriceSet(vertices=\n{self.vertices}\n + d >= 0 on {list(self.free)}, V(q)={self.value:.6g})")


@dataclass
class EquilibriumReport:
    """The verdict of an equilibrium checker: `ok`, and the `reasons` it fails (empty if ok)."""

    kind: str
    ok: bool
    reasons: list[str]
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"a {self.kind}"
        return f"not a {self.kind}:\n" + "\n".join(f"  - {r}" for r in self.reasons)


def _obedience_slacks(pay: np.ndarray, chi: np.ndarray) -> np.ndarray:
    D, _ = obedience_matrix(pay)
    return D @ np.asarray(chi, float).ravel()
