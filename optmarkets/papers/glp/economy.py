"""Galperti, Liu & Perego (2023), "Competitive Markets for Personal Data": the economy.

Consumers of type w in Omega = {w_1 < ... < w_n} (mass qbar(w), outside option r(w)) may sell their
record to a platform. Holding a database q, the platform designs a recommendation mechanism
x(a|w) for a merchant who charges fee a in A; the merchant obeys. Payoffs, per market (a, w):

    u(a, w) = max(w - a, 0)        consumer surplus
    pi(a, w) = a 1{w >= a}         merchant profit
    v = gamma_u u + gamma_pi pi    the platform's payoff

The platform's problem P_q (an LP in chi(a, w) = x(a|w) q(w), [spec §A.2](glp.md#spec-a2)) has the value V(q) and
the Bergemann–Brooks–Morris closed form (needs A ⊇ Omega)

    V(q) = gamma_pi w*(q)                                  if gamma_pi >= gamma_u,
    V(q) = gamma_u w*(q) - (gamma_u - gamma_pi) pi*(q)     otherwise,

with w*(q) = sum_w w q(w) the total surplus and pi*(q) = max_a sum_w pi(a, w) q(w) the uniform
monopoly profit. Its dual vertices optimal for some q are the canonical duals
psi_a(w) = gamma_u w - (gamma_u - gamma_pi) a 1{w >= a} (one per monopoly fee a), so
V(q) = min_a psi_a . q. Welfare: W(q, x) = sum (v + u) x q + sum (qbar - q) r (Definition 3),
social welfare SW adds the merchant's profit pi (App. B.1); R = sum qbar r.

This module holds the economy's data, payoffs and closed forms; its programs (P_q, FB', SB,
monopsony, data union) are in `programs`, its equilibria (competitive, Lindahl) in `equilibria`;
the methods of `PersonalDataEconomy` delegate to them.

Departures from the paper ([spec §A.1](glp.md#spec-a1), §A.10):
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
  `welfare(..., social=True)` and `second_best(social=True)` compute ([spec §A.10.1](glp.md#spec-a10-1)-2).
* Sec. 4.1's mechanism x_q(1|w) = min(q1, q2)/q(w) is optimal only for q2 >= q1; P_q returns the
  correct x(1|w) = 1 when q1 > q2 ([spec §A.10.3](glp.md#spec-a10-3)).
* The data union's budget is sum_w p(w) qbar(w) = V(q) (the paper prints sum p̄(w) q(w)); the
  uniform rebate (W° - R)/sum qbar is the paper's G when sum qbar = 1 ([spec §A.10.4](glp.md#spec-a10-4)).
* Lindahl prices of unused markets are not pinned down: the dual formula gives p*(2, 1) =
  gamma_u + 1 - rbar, p*(2, 2) = rbar in Sec. 4.1 where the paper writes 0; both support FB.
"""

from __future__ import annotations

from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd

from ...builders import obedience
from ...builders.algebra import obedience_matrix
from ...core import validate as pr
from ...core.deprecation import renamed
from ...core.model import Model
from ...core.tolerances import ECON_TOL, PRICE_TIE, ROUNDOFF
from ...theory.bbm import bbm_value
from . import equilibria, programs


class PersonalDataEconomy:
    """The GLP economy: consumer types, their mass and outside options, the platform's weights.

    values: the types w (strictly increasing, positive); mass: qbar(w) > 0; outside_option: r(w) >= 0;
    gamma_u, gamma_pi: the platform's weights on consumer surplus and merchant profit (>= 0, not both 0);
    actions: the merchant's fee set A (default: the values).
    Labels: `type_index` (the types w) and `fee_index` (the fees a) index every result
    (`type_labels`, `fee_labels`: the same, built when first read).
    """

    def __init__(self, values, mass, outside_option, gamma_u: float = 1.0, gamma_pi: float = 0.0, actions=None):
        self.values = pr.increasing("values", values, positive=True)
        n = self.values.size
        self.type_labels = pr.lazy_labels("w", self.values)  # built when a result is first labelled
        # labelled Series are read by label (the types w), anything else by position
        self.mass = pr.nonnegative("mass", mass, length=n, strict=True, index=self.type_labels)
        self.outside_option = pr.nonnegative("outside_option", outside_option, length=n, index=self.type_labels)
        self.gamma_u, self.gamma_pi = pr.weights(("gamma_u", "gamma_pi"), (gamma_u, gamma_pi))
        self.actions = self.values.copy() if actions is None else pr.increasing("actions", actions, nonneg=True)
        self.fee_labels = pr.lazy_labels("a", self.actions)

    @property
    def type_index(self) -> pd.Index:
        """The types w as labels."""
        return self.type_labels.resolve()

    @property
    def fee_index(self) -> pd.Index:
        """The fees a as labels."""
        return self.fee_labels.resolve()

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
        q = pr.nonnegative("q", q, length=self.values.size, index=self.type_labels)
        over = q > self.mass * (1 + ROUNDOFF)
        if over.any():
            i = int(np.argmax(over))
            raise pr.InputError(f"q: entry {i} is {q[i]:g}, more than the mass of type w={self.values[i]:g} "
                                f"({self.mass[i]:g})")
        return np.minimum(q, self.mass)

    def mechanism(self, chi: pd.DataFrame, q: pd.Series) -> pd.DataFrame:
        """x(a|w) = chi(a, w) / q(w); where q(w) = 0, a point mass on the highest fee a <= w."""
        chi_arr, q_arr = chi.to_numpy(), q.to_numpy()
        x = np.divide(chi_arr, q_arr, out=np.zeros_like(chi_arr), where=q_arr > 0)
        empty = np.flatnonzero(q_arr <= 0)
        fee = np.searchsorted(self.actions, self.values[empty], side="right") - 1
        x[np.maximum(fee, 0), empty] = 1.0
        return pd.DataFrame(x, index=chi.index, columns=chi.columns)

    # ------------------------------------------------------------ P_q (programs.py)
    @cached_property
    def _platform_template(self) -> Model:
        """P_q built once with q as a Parameter; `platform_problem` binds new q (DPP re-solves)."""
        return programs.platform_template(self)

    def platform_problem(self, q) -> Model:
        """P_q for database q: `sol.value` = V(q), `sol["x"]` = x(a|w), `sol.prices["consistency"]` = psi."""
        return self._platform_template.bind(q=q)

    def competitive_prices(self, q, solver: str | None = None) -> pd.Series:
        """psi(w) = dV/dq(w): the marginal value of a w-record at database q (a dual of P_q).

        Where V is not differentiable (a tie between monopoly fees, or q(w) = 0) this is the vertex
        supergradient HiGHS returns, one of the platform-optimal prices.
        """
        return self.platform_problem(q).solve(solver).prices["consistency"].rename("psi")

    # ------------------------------------------------------------ closed forms ([spec §A.2](glp.md#spec-a2))
    def bbm_value(self, q) -> float:
        """The Bergemann–Brooks–Morris closed form of V(q) (needs A ⊇ Omega; `theory.bbm.bbm_value`)."""
        if not self.fees_contain_types():
            raise pr.InputError("actions: the BBM closed form needs every type to be a fee (A ⊇ Omega); "
                                "solve platform_problem(q) instead")
        return bbm_value(self.values, self.database(q), self.gamma_u, self.gamma_pi, prices=self.actions)

    def fees_contain_types(self) -> bool:
        return bool(np.isin(self.values, self.actions).all())

    # ------------------------------------------------------------ welfare ([spec §A.1](glp.md#spec-a1), App. B.1)
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
        x = pr.as_matrix("x", x, shape=(self.actions.size, self.values.size), index=(self.fee_index, self.type_index))
        return float(np.sum(self.planner_payoff(social) * x * q) + (self.mass - q) @ self.outside_option)

    def expected_surplus(self, x) -> np.ndarray:
        """E_x u(., w) = sum_a x(a|w) u(a, w): what a type-w seller expects from the mechanism x."""
        x = pr.as_matrix("x", x, shape=(self.actions.size, self.values.size), index=(self.fee_index, self.type_index))
        return (x * self.consumer_surplus).sum(axis=0)

    # ------------------------------------------------------------ canonical duals ([spec §A.2](glp.md#spec-a2))
    def _require_fees_contain_types(self, what: str) -> None:
        if not self.fees_contain_types():
            raise pr.InputError(
                f"actions: {what} needs every type to be a fee (A ⊇ Omega, spec §A.1 (docs/glp.md#spec-a1)): "
                f"its exactness proof "
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
                               columns=self.type_index)
        else:
            delta = self.gamma_u - self.gamma_pi
            psi = pd.DataFrame(self.gamma_u * w[None, :] - delta * w[:, None] * (w[None, :] >= w[:, None]),
                               index=pd.Index(self.type_index.to_numpy(), name="monopoly fee"),
                               columns=self.type_index)
        for label in psi.index:
            slack = self.dual_slack(psi.loc[label], self.canonical_lambda(label))
            if slack.to_numpy().min() < -ROUNDOFF * max(1.0, self.values.max()):
                raise pr.InputError(f"actions: the canonical dual for fee {label} is not dual-feasible here")
        return psi

    def canonical_lambda(self, fee) -> pd.Series:
        """lambda(fee | a) = gamma_u - gamma_pi for every a != fee (0 otherwise): the obedience duals
        that go with psi_fee. `fee` = "full disclosure" (or gamma_pi > gamma_u) gives lambda = 0."""
        rows = self.obedience_index
        dev = rows.get_level_values(1)
        delta = max(self.gamma_u - self.gamma_pi, 0.0)
        lam = np.where(dev == fee, delta, 0.0) if fee != "full disclosure" else np.zeros(len(rows))
        return pd.Series(lam + 0.0, index=rows, name="lambda")

    @cached_property
    def obedience_index(self) -> pd.MultiIndex:
        """The labels (a, a') of P_q's obedience rows (the index of lambda)."""
        chi = cp.Variable((self.actions.size, self.values.size))
        return obedience(chi, self.merchant_profit, self.fee_index).index

    def dual_slack(self, psi, lam) -> pd.DataFrame:
        """s(a, w) = psi(w) - v(a, w) - sum_{a'} (pi(a, w) - pi(a', w)) lambda(a'|a): >= 0 everywhere
        iff (psi, lambda) is feasible for P'_q (psi may also be a per-market price DataFrame p(a, w))."""
        D, _ = obedience_matrix(self.merchant_profit)
        lam = np.asarray(lam, float)
        psi_arr = np.asarray(psi, float)
        spread = psi_arr if psi_arr.ndim == 2 else np.broadcast_to(psi_arr, self.platform_payoff.shape)
        s = spread - self.platform_payoff - (D.T @ lam).reshape(self.platform_payoff.shape)
        return pd.DataFrame(s, index=self.fee_index, columns=self.type_index)

    def dual_bounds(self, tight: bool = True) -> dict:
        """Big-M bounds for the KKT form ([spec §A.3](glp.md#spec-a3) F2), valid because for every q one of the
        canonical duals is optimal and any primal optimum is complementary to it.

        tight=False: the spec's scalars M_lambda = max(gamma_u - gamma_pi, 0), M_s = max(gamma_u,
        gamma_pi) max(Omega). tight=True (default): M_lambda as above and, entrywise, the largest
        s(a, w) of a canonical dual — same proof, entrywise (for gamma_u >= gamma_pi it is
        gamma_u w 1{w < a}: rows a <= w need no big-M at all), a much tighter MILP.
        """
        self._require_fees_contain_types("the KKT big-M bounds")
        m_lam = max(self.gamma_u - self.gamma_pi, 0.0)
        if not tight:
            return {"lambda": m_lam, "slack": max(self.gamma_u, self.gamma_pi) * float(self.values.max())}
        psis = self.canonical_duals()
        slack = np.max([self.dual_slack(psis.loc[a], self.canonical_lambda(a)).to_numpy() for a in psis.index], axis=0)
        return {"lambda": m_lam,
                "slack": pd.DataFrame(np.maximum(slack, 0.0), index=self.fee_index, columns=self.type_index)}

    def lindahl_prices(self, mu) -> pd.DataFrame:
        """p*(a, w) = mu(w) + r(w) - u(a, w): the price of a record sold into market (a, w) (Prop. 5)."""
        mu = pr.as_vector("mu", mu, length=self.values.size, index=self.type_index)
        return pd.DataFrame(mu[None, :] + self.outside_option[None, :] - self.consumer_surplus,
                            index=self.fee_index, columns=self.type_index)

    # ------------------------------------------------------------ the planner's programs (programs.py)
    def first_best_problem(self, social: bool = False) -> Model:
        """FB': W-dagger = max sum (v + u - r) chi + R over obedient chi with sum_a chi <= qbar (an LP).

        Prices: `supply` and its alias `mu` (mu(w) = dW/dqbar(w) >= 0), `lambda` (lambda(a'|a) >= 0,
        the value of relaxing obedience row (a, a'), = -prices["obedience"]) and, for W,
        `lindahl`: p*(a, w) = mu(w) + r(w) - u(a, w) for every market (a, w), used or not.
        social: the planner's payoff adds the merchant's profit (App. B.1).
        """
        return programs.first_best_problem(self, social)

    def second_best_problem(self, form: str = "disjunctive", social: bool = False, tight: bool = True) -> Model:
        """SB: W° = max sum (v + u - r) chi + R over q <= qbar and chi optimal for P_q (exact).

        form: "disjunctive" (F1, default: one LP per candidate monopoly fee, the best wins — the
        model's strategy is `BestOf("psi_cut", candidates)`), "disjunctive-milp" (F1 as one MILP,
        |A| binaries) or "kkt" (F2, complementarity MILP). social: the planner maximises social
        welfare SW (App. B.1; value SW•). tight: entrywise big-M bounds for the KKT form (see
        `dual_bounds`); False uses the spec's scalar ones. `solve()` returns W° (`value`), `q`,
        `chi`, `x`, and the sequential-rationality prices `psi`, `lambda` of P_q at the optimal q
        (re-solved as an LP).
        """
        return programs.leader_program(self, "social" if social else "welfare", form, tight=tight)

    def monopsony_problem(self, form: str = "disjunctive") -> Model:
        """The monopsonist economy (Def. 2, Prop. 1): value = platform profit W° - R; prices
        `monopsony` p(w) = r(w) - E_x u(., w) (every consumer indifferent); outputs `zeta` = q/qbar,
        `platform_profit`, `consumer_welfare` (= R)."""
        return programs.leader_program(self, "monopsony", form)

    def data_union_problem(self, form: str = "disjunctive") -> Model:
        """The data union (Section 5.1, Prop. 4): sells q to the platform for total transfers P(w),
        budget sum_w P(w) = V(q) (the paper's sum p̄(w) q(w) is a typo, [spec §A.10.4](glp.md#spec-a10-4)), participation
        P(w) >= sum_a chi(a, w) (r(w) - u(a, w)); value = W° (consumer welfare). Prices `data_union`
        p(w) = (q(w)/qbar(w)) (r(w) - E_x u(., w)) + (W° - R)/sum qbar (from the proof of Prop. 4)."""
        return programs.leader_program(self, "union", form)

    # the stable names of FB' and SB: methods (not aliases) so the API reference lists them
    def first_best(self, social: bool = False) -> Model:
        """FB' (the stable name of `first_best_problem`, same argument): W-dagger = max sum (v + u - r) chi + R
        over obedient chi with sum_a chi <= qbar; prices `supply` (= `mu`), `lambda`, and `lindahl` for W."""
        return self.first_best_problem(social)

    def second_best(self, form: str = "disjunctive", social: bool = False, tight: bool = True) -> Model:
        """SB (the stable name of `second_best_problem`, same arguments): W° = max sum (v + u - r) chi + R over
        q <= qbar and chi optimal for P_q; form "disjunctive" (default), "disjunctive-milp" or "kkt"."""
        return self.second_best_problem(form, social, tight)

    # ------------------------------------------------------------ equilibria (equilibria.py)
    def platform_optimal_prices(self, q, tol: float = PRICE_TIE) -> equilibria.PriceSet:
        """Every price p at which buying q is optimal for the platform (zero profit, Lemma A.2):
        {sum_{a in argmax pi*(q)} beta_a psi_a + d : beta in the simplex, d >= 0, d = 0 on supp q}."""
        return equilibria.platform_optimal_prices(self, q, tol)

    def ce_support_problem(self, q) -> Model:
        """The CE-supportability LP at a fixed database q ([spec §A.6](glp.md#spec-a6)): value 0 iff some (p, x) makes q
        a competitive equilibrium (see `equilibria.ce_support_problem`)."""
        return equilibria.ce_support_problem(self, q)

    def ce_supportable(self, q, tol: float = ECON_TOL, solver: str | None = None) -> bool:
        """Whether database q is part of some competitive equilibrium (Definition 4)."""
        return self.ce_support_problem(q).solve(solver, certify=False).value <= tol

    def check_competitive_equilibrium(self, prices, q, x, zeta=None,
                                      tol: float = ECON_TOL) -> equilibria.EquilibriumReport:
        """Check a candidate (p, zeta, q, x) against Definition 4 / Lemma A.2: a verdict with `.ok`
        and `.reasons` (see `equilibria.check_competitive_equilibrium`)."""
        return equilibria.check_competitive_equilibrium(self, prices, q, x, zeta, tol)

    def competitive_equilibria(self, solver: str | None = None, tol: float = ECON_TOL,
                               ties: bool = True) -> pd.DataFrame:
        """Competitive equilibria found by enumeration ([spec §A.6](glp.md#spec-a6)), one row each (fee, q, prices,
        welfare, x), every one verified (see `equilibria.competitive_equilibria`)."""
        return equilibria.competitive_equilibria(self, solver, tol, ties)

    def check_lindahl(self, prices, allocation, tol: float = ECON_TOL) -> equilibria.EquilibriumReport:
        """Check per-market prices P(a, w) and an allocation chi(a, w) against the Lindahl
        equilibrium of Section 5.2: a verdict with `.ok` and `.reasons`."""
        return equilibria.check_lindahl(self, prices, allocation, tol)

    def lindahl_support_problem(self, allocation) -> Model:
        """The Lindahl-supportability LP for chi ([spec §A.7](glp.md#spec-a7)): feasible iff chi solves FB'
        (Prop. 5)."""
        return equilibria.lindahl_support_problem(self, allocation)

    def lindahl_supportable(self, allocation, solver: str | None = None) -> bool:
        """Whether some Lindahl prices support the allocation chi(a, w) (iff chi solves FB', Prop. 5)."""
        return equilibria.lindahl_supportable(self, allocation, solver)

    # ------------------------------------------------------------ deprecated names (one release)
    types = renamed("type_index")
    fees = renamed("fee_index")
    monopsony = renamed("monopsony_problem")
    data_union = renamed("data_union_problem")
    ce_support = renamed("ce_support_problem")
    lindahl_support = renamed("lindahl_support_problem")

    def __repr__(self) -> str:
        return (f"PersonalDataEconomy(values={self.values.tolist()}, mass={self.mass.tolist()}, "
                f"outside_option={self.outside_option.tolist()}, gamma_u={self.gamma_u}, "
                f"gamma_pi={self.gamma_pi}, actions={self.actions.tolist()})")
