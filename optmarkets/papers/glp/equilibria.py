"""The GLP equilibria: the competitive economy (Definition 4, [spec §A.6](glp.md#spec-a6)) and the Lindahl
equilibrium (Section 5.2, [spec §A.7](glp.md#spec-a7)), checked rather than solved.

Competitive equilibrium (p, zeta, q, x): markets clear (q = zeta qbar), x is optimal for P_q, the
platform buys q at zero profit with no profitable obedient deviation (Lemma A.2: p is a dual of P_q,
i.e. p in conv{psi_a : a a monopoly fee of q} + {d >= 0, d = 0 on supp q}), and each type sells iff
p(w) + E_x u(., w) >= r(w). `check_competitive_equilibrium` says why a candidate fails;
`ce_support_problem(q)` (an LP at fixed q, value 0 iff q is a CE database), `platform_optimal_prices`
(Lemma A.2's price set) and `competitive_equilibria` (an enumeration over candidate fees, sell
patterns and tied fees) find them.

Lindahl equilibrium: per-market prices P(a, w) and an allocation chi(a, w) with the platform at zero
profit and no profitable obedient purchase, and every consumer in a best market (U(w) =
max(r(w), max_a P(a, w) + u(a, w))). `check_lindahl` checks one; `lindahl_support_problem(chi)`
(an LP) is feasible iff chi solves FB' (Prop. 5).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np
import pandas as pd

from ...builders import consistency, family, obedience
from ...builders.algebra import obedience_matrix
from ...builders.sequential import dual_slack, sequential_rationality
from ...core import validate as pr
from ...core.errors import InfeasibleError
from ...core.model import Model
from ...core.tolerances import BIND_TOL, ECON_TOL, MIP_GAP, PRICE_TIE, PROB_TOL
from ...core.verdict import Verdict

if TYPE_CHECKING:
    from .economy import PersonalDataEconomy


@dataclass
class EquilibriumReport(Verdict):
    """The verdict of an equilibrium checker: `ok`, the `reasons` it fails (empty if ok), the `kind`
    of equilibrium checked and `details` (the numbers the verdict rests on)."""

    kind: str = "equilibrium"
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ok = bool(self.ok)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"a {self.kind}"
        return f"not a {self.kind}:\n" + "\n".join(f"  - {r}" for r in self.reasons)


class PriceSet:
    """The platform-optimal prices at a database q ([spec §A.6](glp.md#spec-a6)): p such that buying q at p is optimal,
    i.e. zero profit p.q = V(q) and no obedient purchase profitable (Lemma A.2). For the GLP class
    this set is conv{psi_a : a a monopoly fee of q} + {d >= 0, d = 0 on supp q}."""

    def __init__(self, econ: PersonalDataEconomy, q: np.ndarray, value: float, tol: float = PRICE_TIE):
        self.econ, self.q, self.value = econ, q, value
        cand = econ.canonical_duals()
        if econ.gamma_pi > econ.gamma_u:
            self.vertices = cand
        else:
            profit = pd.Series(econ.merchant_profit @ q, index=econ.fee_index).loc[cand.index]
            self.vertices = cand.loc[profit >= profit.max() - tol * max(1.0, profit.max())]
        self.free = econ.type_index[q <= 0]  # d(w) >= 0 may be added where nobody is bought

    def contains(self, prices, tol: float = ECON_TOL) -> bool:
        """Lemma A.2 directly (valid for any fee set): zero profit and no profitable obedient purchase."""
        p = pr.as_vector("prices", prices, length=self.q.size, index=self.econ.type_index)
        return abs(float(p @ self.q) - self.value) <= tol and best_deviation_profit(self.econ, p) <= tol

    def hull_distance(self, prices) -> float:
        """min ||p - (sum beta_a psi_a + d)||_1 over the closed-form description (0 iff p is in it)."""
        p = pr.as_vector("prices", prices, length=self.q.size, index=self.econ.type_index)
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


def platform_optimal_prices(e: PersonalDataEconomy, q, tol: float = PRICE_TIE) -> PriceSet:
    """Lemma A.2's price set at database q (monopoly fees tied within `tol`, relative)."""
    q = e.database(q)
    V = e.platform_problem(q).solve(certify=False).value
    return PriceSet(e, q, V, tol)


def best_deviation_profit(e: PersonalDataEconomy, prices) -> float:
    """sup {sum (v(a, w) - P) chi : chi obedient, sum chi <= 1} for per-type p(w) or per-market P(a, w)
    (the platform's best profit per unit of records; <= 0 iff a lambda supports the prices)."""
    P = np.broadcast_to(np.asarray(prices, float), e.platform_payoff.shape)
    m = Model("platform deviation", sense="max")
    chi = m.variable("chi", P.shape, index=(e.fee_index, e.type_index), nonneg=True)
    m.constrain("obedience", obedience(chi, e.merchant_profit, e.fee_index))
    m.constrain("unit", family(cp.reshape(cp.sum(chi), (1,), order="C"), "<=", 1.0, None, "one unit"))
    m.maximize(cp.sum(cp.multiply(e.platform_payoff - P, chi)))
    return m.solve(certify=False).value


def _obedience_slacks(pay: np.ndarray, chi: np.ndarray) -> np.ndarray:
    D, _ = obedience_matrix(pay)
    return D @ np.asarray(chi, float).ravel()


# ---------------------------------------------------------------------------------------------- competitive
def check_competitive_equilibrium(e: PersonalDataEconomy, prices, q, x, zeta=None,
                                  tol: float = ECON_TOL) -> EquilibriumReport:
    """Check a candidate (p, zeta, q, x) against Definition 4 / Lemma A.2; say why it fails.

    prices: p(w); q: the database; x: x(a|w) (a DataFrame or |A| x |Omega| array; columns of
    unsold types are the carried mechanism); zeta: the share who sell (default q/qbar).
    """
    p = pr.as_vector("prices", prices, length=e.values.size, index=e.type_index)
    q = e.database(q)
    x = pr.as_matrix("x", x, shape=(e.actions.size, e.values.size), index=(e.fee_index, e.type_index))
    reasons, w = [], e.type_index
    zeta = q / e.mass if zeta is None else pr.as_vector("zeta", zeta, length=e.values.size, index=e.type_index)
    if np.any(zeta < -tol) or np.any(zeta > 1 + tol):
        reasons.append(f"clearing: zeta = {np.round(zeta, 9).tolist()} is not in [0, 1]")
    if np.any(np.abs(zeta * e.mass - q) > tol):
        reasons.append("clearing: q != zeta qbar")
    if np.any(x < -tol) or np.any(np.abs(x.sum(axis=0) - 1) > tol):
        reasons.append("mechanism: some x(.|w) is not a probability distribution")
    chi = x * q
    obey = _obedience_slacks(e.merchant_profit, chi)
    if obey.min(initial=0.0) < -tol:
        reasons.append(f"mechanism: the merchant disobeys (worst obedience slack {obey.min():.3g})")
    V = e.platform_problem(q).solve(certify=False).value
    earned = float(np.sum(e.platform_payoff * chi))
    if earned < V - tol:
        reasons.append(f"mechanism: x is not optimal for P_q (earns {earned:.6g} < V(q) = {V:.6g})")
    gain = p + e.expected_surplus(x) - e.outside_option
    for i in range(e.values.size):
        if gain[i] > tol and zeta[i] < 1 - tol:
            reasons.append(f"consumers: type w={w[i]} gains {gain[i]:.6g} > 0 from selling but only "
                           f"zeta = {zeta[i]:.6g} sell")
        if gain[i] < -tol and zeta[i] > tol:
            reasons.append(f"consumers: type w={w[i]} loses {-gain[i]:.6g} from selling but zeta = "
                           f"{zeta[i]:.6g} sell")
    profit = V - float(p @ q)
    if abs(profit) > tol:
        reasons.append(f"platform: profit V(q) - p.q = {profit:.6g}, must be 0 (constant returns, Remark A.2)")
    best = best_deviation_profit(e, p)
    if best > tol:
        reasons.append(f"platform: buying more is profitable at these prices (a deviation earns {best:.6g} "
                       f"per unit of records; no lambda >= 0 supports p, Lemma A.2)")
    return EquilibriumReport(not reasons, reasons, kind="competitive equilibrium",
                             details=dict(V=V, profit=profit, gain=pd.Series(gain, index=w), deviation=best))


def ce_support_problem(e: PersonalDataEconomy, q) -> Model:
    """The CE-supportability LP at a fixed database q ([spec §A.6](glp.md#spec-a6)), as a violation minimisation:
    value 0 iff some (p, x) makes q a competitive equilibrium. Variables chi (x q), p, lambda, the
    carried mechanism xf for unsold types, and e(w) >= 0, each consumer's violation."""
    q = e.database(q)
    n, k = e.values.size, e.actions.size
    V = e.platform_problem(q).solve(certify=False).value
    model = Model("CE support", sense="min", units="consumer-condition violation",
                  description="is q a competitive-equilibrium database?")
    idx = (e.fee_index, e.type_index)
    chi = model.variable("chi", (k, n), index=idx, nonneg=True)
    xf = model.variable("xf", (k, n), index=idx, nonneg=True)
    p = model.variable("p", n, index=e.type_index)
    D, _ = obedience_matrix(e.merchant_profit)
    lam = model.variable("lambda", D.shape[0], index=e.obedience_index, nonneg=True)
    viol = model.variable("e", n, index=e.type_index, nonneg=True)
    model.constrain("consistency", consistency(chi, q, e.type_index))
    model.constrain("obedience", obedience(chi, e.merchant_profit, e.fee_index))
    earned = cp.reshape(cp.sum(cp.multiply(e.platform_payoff, chi)), (1,), order="C")
    model.constrain("optimal", family(earned, ">=", V - MIP_GAP * max(1.0, abs(V)), None,
                                      "x is optimal for P_q: it earns V(q)"))
    model.constrain("platform_dual", family(dual_slack(p, lam, e.platform_payoff, D, (k, n)), ">=", 0.0,
                                            idx, "no obedient purchase is profitable"))
    model.constrain("zero_profit", family(cp.reshape(p @ q, (1,), order="C"), "==", V, None,
                                          "the platform's profit p.q - V(q) is zero"))
    model.constrain("carried", consistency(xf, np.ones(n), e.type_index,
                                           description="x(.|w) of unsold types is a distribution"))
    u = e.consumer_surplus
    unsold = (q <= 0).astype(float)
    # a type's gain from selling, times its mass sold (sold types) or per capita (unsold types)
    gain = (cp.multiply(q, p) + cp.sum(cp.multiply(u, chi), axis=0) - e.outside_option * q
            + cp.multiply(unsold, p + cp.sum(cp.multiply(u, xf), axis=0) - e.outside_option))
    sold, held = q > 0, q < e.mass
    if sold.any():
        model.constrain("sellers", family((gain + viol)[np.flatnonzero(sold)], ">=", 0.0, e.type_index[sold],
                                          "types who sell gain at least r"))
    if held.any():
        model.constrain("holdouts", family((gain - viol)[np.flatnonzero(held)], "<=", 0.0, e.type_index[held],
                                           "types who keep their record gain at most r"))
    model.minimize(cp.sum(viol))
    return model


def competitive_equilibria(e: PersonalDataEconomy, solver: str | None = None, tol: float = ECON_TOL,
                           ties: bool = True) -> pd.DataFrame:
    """Competitive equilibria found by enumeration ([spec §A.6](glp.md#spec-a6)), one row each (fee, q, prices,
    welfare, x), every one verified by `check_competitive_equilibrium` (at `BIND_TOL`):

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
    e._require_fees_contain_types("the CE enumeration")
    rows, n = [], e.values.size
    no_trade = ce_support_problem(e, np.zeros(n)).solve(solver, certify=False)
    if no_trade.value <= tol:
        rows.append(_ce_row(e, "no trade", np.zeros(n), no_trade["p"].to_numpy(), None))
    for fee, psi in e.canonical_duals().iterrows():
        program = _ce_pattern_program(e, psi.to_numpy())
        for pattern in itertools.product((0, 1, 2), repeat=n):  # 0: nobody, 1: some, 2: all sell
            pat = np.array(pattern)
            if not pat.any() or np.any(psi.to_numpy()[pat == 0] > e.outside_option[pat == 0] + tol):
                continue  # no trade is handled above; unsold types need p(w) = psi(w) <= r(w)
            values = dict(lo=np.where(pat == 2, e.mass, 0.0), hi=np.where(pat == 0, 0.0, e.mass),
                          sell=(pat >= 1).astype(float), hold=(pat == 1).astype(float))
            try:
                sol = program.bind(**values).solve(solver, certify=False)
            except InfeasibleError:
                continue
            q = np.clip(sol["q"].to_numpy(), 0.0, e.mass)
            if q.sum() <= tol:
                continue
            x = e.mechanism(sol["chi"].clip(lower=0.0), pd.Series(q, index=e.type_index)).to_numpy()
            if check_competitive_equilibrium(e, psi.to_numpy(), q, x, tol=BIND_TOL).ok:
                rows.append(_ce_row(e, fee, q, psi.to_numpy(), x))
    if ties:
        for q in _tie_databases(e, tol):
            sol = ce_support_problem(e, q).solve(solver, certify=False)
            if sol.value > tol:
                continue
            chi, xf = sol["chi"].clip(lower=0.0).to_numpy(), sol["xf"].clip(lower=0.0).to_numpy()
            x = np.where(q > 0, chi / np.where(q > 0, q, 1.0), xf)
            p = sol["p"].to_numpy()
            if check_competitive_equilibrium(e, p, q, x, tol=BIND_TOL).ok:
                rows.append(_ce_row(e, "tied", q, p, x))
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    key = table["q"].map(lambda v: tuple(np.round(np.asarray(v, dtype=float), 7).tolist()))
    return table.loc[~key.duplicated()].reset_index(drop=True)


def _tie_databases(e: PersonalDataEconomy, tol: float):
    """Databases at which a set T of >= 2 candidate monopoly fees ties, with every type selling
    nothing, everything, or an amount pinned down by the tie equations ([spec §A.6](glp.md#spec-a6) enumeration)."""
    n, fees = e.values.size, [a for a in range(e.actions.size) if e.actions[a] in e.values]
    pi = e.merchant_profit
    for pattern in itertools.product((0, 1, 2), repeat=n):
        pat = np.array(pattern)
        free = np.flatnonzero(pat == 1)
        fixed = np.where(pat == 2, e.mass, 0.0)
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
                if np.abs(A @ sol - b).max() > tol or np.any(sol <= tol) or np.any(sol >= e.mass[free] - tol):
                    continue
                profit = pi @ q  # the tie must be at the top: these fees are monopoly fees of q
                if profit[tie[0]] >= profit.max() - PRICE_TIE * max(1.0, profit.max()):
                    yield q


def _ce_row(e: PersonalDataEconomy, fee, q, p, x) -> dict:
    if x is None:
        empty = pd.DataFrame(np.zeros((e.actions.size, e.values.size)), index=e.fee_index, columns=e.type_index)
        x = e.mechanism(empty, pd.Series(q, index=e.type_index)).to_numpy()
    return dict(fee=fee, q=q, prices=p, welfare=e.welfare(q, x), x=x)


def _ce_pattern_program(e: PersonalDataEconomy, psi: np.ndarray) -> Model:
    """max W over CE with prices psi on supp q; bounds lo <= q <= hi and the sell/hold masks are
    Parameters, so the 3^n patterns re-solve one compiled LP."""
    n, k, types = e.values.size, e.actions.size, e.type_index
    m = Model("CE pattern", sense="max", units="welfare")
    lo = m.parameter("lo", np.zeros(n), index=types)
    hi = m.parameter("hi", e.mass, index=types)
    sell = m.parameter("sell", np.zeros(n), index=types)
    hold = m.parameter("hold", np.zeros(n), index=types)
    q = m.variable("q", n, index=types, nonneg=True)
    chi = m.variable("chi", (k, n), index=(e.fee_index, types), nonneg=True)
    m.constrain("floor", family(q, ">=", lo, types, "pattern: who must sell all"))
    m.constrain("ceiling", family(q, "<=", hi, types, "pattern: who sells nothing"))
    # chi optimal for P_q with psi its dual: the one-candidate disjunctive form of the SB builder
    m.constrain_all(sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, actions=e.fee_index,
                                           types=types, cap=e.mass, form="disjunctive",
                                           cut=m.parameter("psi_cut", psi, index=types)))
    gain = cp.multiply(psi - e.outside_option, q) + cp.sum(cp.multiply(e.consumer_surplus, chi), axis=0)
    m.constrain("sellers", family(cp.multiply(sell, gain), ">=", 0.0, types, "sellers gain >= r"))
    m.constrain("holdouts", family(cp.multiply(hold, gain), "<=", 0.0, types, "partial sellers indifferent"))
    m.maximize(cp.sum(cp.multiply(e.planner_payoff() - e.outside_option[None, :], chi)))
    return m


# ---------------------------------------------------------------------------------------------- Lindahl
def check_lindahl(e: PersonalDataEconomy, prices, allocation, tol: float = ECON_TOL) -> EquilibriumReport:
    """Check per-market prices P(a, w) and an allocation chi(a, w) (records sold into market
    (a, w)) against the Lindahl equilibrium of Section 5.2; say why it fails."""
    P = pr.as_matrix("prices", prices, shape=e.platform_payoff.shape, index=(e.fee_index, e.type_index))
    chi = pr.as_matrix("allocation", allocation, shape=e.platform_payoff.shape, index=(e.fee_index, e.type_index))
    reasons = []
    if chi.min() < -tol or np.any(chi.sum(axis=0) > e.mass + tol):
        reasons.append("clearing: chi(a, w) must be >= 0 with sum_a chi(a, w) <= qbar(w)")
    obey = _obedience_slacks(e.merchant_profit, chi)
    if obey.min(initial=0.0) < -tol:
        reasons.append(f"mechanism: the merchant disobeys (worst obedience slack {obey.min():.3g})")
    profit = float(np.sum((e.platform_payoff - P) * chi))
    if abs(profit) > tol:
        reasons.append(f"platform: profit sum (v - P) chi = {profit:.6g}, must be 0")
    best = best_deviation_profit(e, P)
    if best > tol:
        reasons.append(f"platform: an obedient purchase earns {best:.6g} > 0 per unit at these prices")
    offer = P + e.consumer_surplus
    U = np.maximum(e.outside_option, offer.max(axis=0))
    for a, w in zip(*np.nonzero(chi > tol)):
        if offer[a, w] < U[w] - tol:
            reasons.append(f"consumers: type w={e.type_index[w]} sells into market a={e.fee_index[a]} worth "
                           f"{offer[a, w]:.6g} < its best option {U[w]:.6g}")
    for w in np.flatnonzero(chi.sum(axis=0) < e.mass - tol):
        if e.outside_option[w] < U[w] - tol:
            reasons.append(f"consumers: type w={e.type_index[w]} keeps records although selling pays "
                           f"{U[w]:.6g} > r = {e.outside_option[w]:.6g}")
    return EquilibriumReport(not reasons, reasons, kind="Lindahl equilibrium",
                             details=dict(profit=profit, deviation=best, utility=pd.Series(U, index=e.type_index)))


def lindahl_support_problem(e: PersonalDataEconomy, allocation) -> Model:
    """The Lindahl-supportability LP for chi ([spec §A.7](glp.md#spec-a7)): prices P(a, w), lambda >= 0 and utilities
    U(w) with U >= P + u, U >= r (equal where chi > 0 / where records are kept), platform dual
    feasibility and zero profit. Feasible iff chi solves FB' (Prop. 5)."""
    chi = pr.as_matrix("allocation", allocation, shape=e.platform_payoff.shape, index=(e.fee_index, e.type_index))
    k, n = chi.shape
    idx = (e.fee_index, e.type_index)
    D, _ = obedience_matrix(e.merchant_profit)
    m = Model("Lindahl support", sense="min")
    P = m.variable("P", (k, n), index=idx)
    lam = m.variable("lambda", D.shape[0], index=e.obedience_index, nonneg=True)
    U = m.variable("U", n, index=e.type_index)
    offer = P + e.consumer_surplus
    spread = np.ones((k, 1)) @ cp.reshape(U, (1, n), order="C")
    used, kept = chi > PROB_TOL, chi.sum(axis=0) < e.mass - PROB_TOL
    m.constrain("best_offer", family(spread - offer, ">=", 0.0, idx, "U >= P + u"))
    m.constrain("outside", family(U, ">=", e.outside_option, e.type_index, "U >= r"))
    if used.any():
        a, w = np.nonzero(used)
        m.constrain("used_markets", family(cp.vec(spread - offer, order="C")[a * n + w], "==", 0.0, None,
                                           "sellers pick a best market"))
    if kept.any():
        m.constrain("kept_records", family(U[np.flatnonzero(kept)], "==", e.outside_option[kept], None,
                                           "holdouts get r"))
    m.constrain("platform_dual", family(dual_slack(P, lam, e.platform_payoff, D, (k, n)), ">=", 0.0,
                                        idx, "no obedient purchase is profitable"))
    m.constrain("zero_profit", family(cp.reshape(cp.sum(cp.multiply(e.platform_payoff - P, chi)), (1,),
                                                 order="C"), "==", 0.0, None, "the platform breaks even"))
    m.minimize(cp.sum(U))
    return m


def lindahl_supportable(e: PersonalDataEconomy, allocation, solver: str | None = None) -> bool:
    """Whether some Lindahl prices support the allocation chi(a, w) (iff chi solves FB', Prop. 5)."""
    try:
        lindahl_support_problem(e, allocation).solve(solver, certify=False)
    except InfeasibleError:
        return False
    return True
