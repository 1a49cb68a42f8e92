"""Yang (2020), "Selling Consumer Data for Profit: Optimal Market-Segmentation Design and Its Consequences":
the economy, its primitives and every closed form.

A producer with a private marginal cost c in C = {c_1 < ... < c_K} (prior g) sells one good to a unit
mass of consumers with values V = {v_1 < ... < v_N} (masses m). A data broker sells market
segmentations: the producer reports k, pays tau_k, receives a segmentation sigma(k) of the market and
then prices optimally in every segment *given her true cost*. Prices P = V u {⊥}; ⊥ (label +inf) sells
nothing. a_c(v, p) = (p - c) 1[v >= p] is the profit per unit of value-v consumers at price p.
(K = `DataBroker.n_costs`, N = `DataBroker.n_values`.)

The broker's exact LP and the other regimes' programs are in `programs.py`, the brute-force audit of a
mechanism in `audit.py`; `DataBroker` gathers them as methods.

Departures from the paper, all for finite instances ([spec §A.6](yang.md#spec-a6)):
* [Y]'s cutoff formula (Theorems 1-2, Prop 2: cutoff min(phi_G(c), p0(c)) and its revenue) is exact
  only in the continuum. Transplanted to discrete costs it is wrong in general (spec Y-B4; values
  {1,2,3}, costs {1/4, 5/4}: formula 5/12, true optimum 37/96, and the cost-5/4 producer serves 3/4 of
  the v=2 consumers: a fractional cutoff). `continuum_cutoff_revenue` returns that formula under that
  name only, for comparison; the optimum is always the LP. Its discrete replacement in quantity space
  (spec Y-B5, `discrete_cutoff_mechanism`: the quantity is the *average* uniform quantity over
  (c_{k-1}, c_k], generally fractional) is exact for K = 2 and under (A1d) only. The statements that *are* exact
  are the ironed bound `revenue_bound` (R_DB <= R_PC <= bound), attained under (A1d) by the PC LP and
  under (A1d') by the broker (`satisfies_A1d`, `satisfies_A1d_prime`, with the discrete ironed
  virtual costs of [spec §A.1](yang.md#spec-a1) instead of [Y]'s phi_G).
* The canonical mechanism of [Y] eq. (2)-(3) (`canonical_mechanism`) uses the cutoff phi~_k with the
  atom at the cutoff served; it is optimal when D0 is regular and (A1d') holds, not in general.
* Theorem 7 (R_DB = R_PC) is a conjecture for finite instances (spec Y-B8): the regimes table reports
  both values and nothing asserts their equality.
* A cost above every value is a valid input: that producer never trades (R_k = {⊥}).
  Values of zero mass are allowed; their recommendation kernel is reported as a point mass on ⊥.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.deprecation import renamed
from ...core.limits import labels_size
from ...core.tolerances import DIVISION_FLOOR, PRICE_TIE, ROUNDOFF
from ...theory.ironing import ironed_slopes, virtual_costs
from .audit import AuditMixin
from .programs import ProgramsMixin

NO_SALE = np.inf  # the label of ⊥, the no-sale price (+inf: it sells nothing)
_TINY = DIVISION_FLOOR  # keeps the scale of an empty segment positive (not a tolerance)
_DIGITS = round(-np.log10(ROUNDOFF))  # decimals kept when reading the sign of a closed-form difference


class DataBroker(ProgramsMixin, AuditMixin):
    """Yang's data-broker economy: consumer values and masses, producer costs and their prior.

    values: v_1 < ... < v_N (>= 0); value_probs: their masses m (a probability vector; zero masses
    allowed); costs: c_1 < ... < c_K (>= 0); cost_probs: the prior g (strictly positive).
    n_values = N and n_costs = K count them.
    """

    K = renamed("n_costs")
    N = renamed("n_values")

    def __init__(self, values, value_probs, costs, cost_probs):
        self.values = pr.increasing("values", values, nonneg=True)
        self.costs = pr.increasing("costs", costs, nonneg=True)
        self.value_index = pr.labels("value", self.values)
        self.cost_index = pr.labels("cost", self.costs)
        # labelled Series are read by label (the values v, the costs c), anything else by position
        self.value_probs = pr.probabilities("value_probs", value_probs, length=self.values.size,
                                            index=self.value_index)
        self.cost_probs = pr.probabilities("cost_probs", cost_probs, length=self.costs.size, strict=True,
                                           index=self.cost_index)
        self.n_values, self.n_costs = self.values.size, self.costs.size
        #: P = V u {⊥}, the candidate prices (⊥ labelled +inf)
        self.prices = np.append(self.values, NO_SALE)

    @classmethod
    def discretized_example1(cls, n: int) -> DataBroker:
        """[Y] Example 1 (D0(p) = 1 - p, G(c) = c on [0, 1]) on the midpoint grid (i - 1/2)/n, masses 1/n."""
        n = pr.positive_int("n", n)
        labels_size("n", n).check()  # before the grid is allocated
        grid = (np.arange(1, n + 1) - 0.5) / n
        return cls(grid, np.full(n, 1 / n), grid, np.full(n, 1 / n))

    def __repr__(self) -> str:
        return (f"DataBroker(values={self.values.tolist()}, value_probs={self.value_probs.tolist()}, "
                f"costs={self.costs.tolist()}, cost_probs={self.cost_probs.tolist()})")

    # ------------------------------------------------------------ primitives ([spec §A.1](yang.md#spec-a1))
    @cached_property
    def sales(self) -> np.ndarray:
        """S[i, p] = 1[v_i >= p] for p in P (the ⊥ column is 0)."""
        return np.column_stack([self.values[:, None] >= self.values[None, :],
                                np.zeros(self.n_values, bool)]).astype(float)

    @cached_property
    def payoff(self) -> np.ndarray:
        """pay[j, p, i] = a_{c_j}(v_i, p) = (p - c_j) S(v_i, p), 0 at ⊥; shape (K, N + 1, N)."""
        margin = np.append(self.values, 0.0)[None, :] - self.costs[:, None]  # (K, P)
        margin[:, -1] = 0.0
        return margin[:, :, None] * self.sales.T[None, :, :]

    @cached_property
    def demand(self) -> np.ndarray:
        """D0(p) = sum_{v >= p} m(v) for p in V."""
        return self.sales[:, : self.n_values].T @ self.value_probs

    def best_prices(self, z, tie: float = PRICE_TIE) -> tuple[np.ndarray, np.ndarray]:
        """For segments z (S, N): best profit pi_z(c_j) (S, K) and the largest optimal price (S, K).

        tie: a price is optimal when its profit is within tie * max(1, max v) * mass of the best."""
        N = self.n_values
        z = np.atleast_2d(np.asarray(z, dtype=float))
        profit = np.einsum("si,jpi->sjp", z, self.payoff)  # (S, K, P); ⊥ earns 0
        best = profit.max(axis=2)
        scale = max(1.0, float(np.abs(self.values).max())) * np.maximum(z.sum(axis=1, keepdims=True), _TINY)
        optimal = profit >= best[:, :, None] - tie * scale[:, :, None]
        # largest optimal price; ⊥ (the last price) whenever the best profit is 0 ([Y] footnote 8)
        last = N - np.argmax(optimal[:, :, ::-1], axis=2)
        return best, np.where(best <= tie * scale, NO_SALE, self.prices[np.minimum(last, N)])

    @cached_property
    def _uniform(self) -> tuple[np.ndarray, np.ndarray]:
        best, price = self.best_prices(self.value_probs)
        return best[0], price[0]

    @property
    def outside_option(self) -> pd.Series:
        """pi0(c) = max(0, max_p (p - c) D0(p)): the uniform-pricing profit (the IR benchmark)."""
        return pd.Series(self._uniform[0], index=self.cost_index, name="pi0")

    def uniform_pricing(self) -> pd.DataFrame:
        """Per cost: largest optimal uniform price p0, profit pi0, CS_unif, TS_unif and W
        ([spec §A.1](yang.md#spec-a1))."""
        p0 = self._uniform[1]
        above = self.values[None, :] >= p0[:, None]
        cs = (above * (self.values[None, :] - np.where(np.isinf(p0), 0, p0)[:, None])) @ self.value_probs
        ts = (above * (self.values[None, :] - self.costs[:, None])) @ self.value_probs
        return pd.DataFrame({"price": p0, "profit": self._uniform[0], "consumer_surplus": cs,
                             "total_surplus": ts, "efficient_surplus": self.efficient_surplus},
                            index=self.cost_index)

    @property
    def efficient_surplus(self) -> np.ndarray:
        """W(c) = sum_v m(v) (v - c)^+."""
        return np.maximum(self.values[None, :] - self.costs[:, None], 0.0) @ self.value_probs

    # ------------------------------------------------------------ closed forms ([spec §A.1](yang.md#spec-a1), §A.6)
    def virtual_costs(self) -> pd.Series:
        """phi_1 = c_1, phi_k = c_k + (c_k - c_{k-1}) G_{k-1} / g_k (discrete virtual cost)."""
        return pd.Series(virtual_costs(self.costs, self.cost_probs), index=self.cost_index, name="phi")

    def ironed_virtual_costs(self) -> pd.Series:
        """phi~_k: slopes of the greatest convex minorant of (G_k, H_k), H_k = sum_{j<=k} g_j phi_j."""
        phi = ironed_slopes(self.cost_probs, self.virtual_costs().to_numpy())
        return pd.Series(phi, index=self.cost_index, name="phi_ironed")

    def revenue_bound(self, ironed: bool = True) -> float:
        """R_bar = sum_k g_k sum_v m(v) (v - phi~_k)^+ - pi0(c_K) >= R_PC >= R_DB (spec Y-B1)."""
        phi = (self.ironed_virtual_costs() if ironed else self.virtual_costs()).to_numpy()
        gains = np.maximum(self.values[None, :] - phi[:, None], 0.0) @ self.value_probs
        return float(self.cost_probs @ gains - self._uniform[0][-1])

    def cutoff_quantities(self) -> pd.Series:
        """q*_k = D0(phi~_k): the served quantity of the ironed relaxation (atom at phi~_k included)."""
        phi = self.ironed_virtual_costs().to_numpy()
        q = (self.values[None, :] >= phi[:, None] - ROUNDOFF) @ self.value_probs
        return pd.Series(q, index=self.cost_index, name="q_star")

    def _relaxed_utilities(self) -> np.ndarray:
        """U_K = pi0(c_K), U_k = U_{k+1} + (c_{k+1} - c_k) q*_{k+1}: local downward IC binding."""
        q = self.cutoff_quantities().to_numpy()
        steps = np.append(np.diff(self.costs) * q[1:], 0.0)
        return self._uniform[0][-1] + np.cumsum(steps[::-1])[::-1]

    def satisfies_A1d(self, tol: float = ROUNDOFF) -> bool:
        """(A1d): the relaxed solution of the bound is IR, U_k >= pi0(c_k); then R_PC = R_bar (Y-B2)."""
        return bool(np.all(self._relaxed_utilities() >= self._uniform[0] - tol))

    def satisfies_A1d_prime(self, tol: float = ROUNDOFF) -> bool:
        """(A1d'): phi~_1 <= p0(c_1) and phi~_k <= p0(c_{k-1}); then R_DB = R_PC = R_bar (Y-B3)."""
        phi = self.ironed_virtual_costs().to_numpy()
        p0 = self._uniform[1]
        return bool(phi[0] <= p0[0] + tol and np.all(phi[1:] <= p0[:-1] + tol))

    def is_regular(self) -> bool:
        """(p - c) D0(p) is single-peaked over the values (on the support of D0) for every cost."""
        support = self.value_probs > 0
        profit = (self.values[None, support] - self.costs[:, None]) * self.demand[None, support]
        steps = np.sign(np.round(np.diff(profit, axis=1), _DIGITS))
        rising_after_fall = [(s == 1)[np.argmax(s == -1):].any() if (s == -1).any() else False for s in steps]
        return not any(rising_after_fall)

    def continuum_cutoff_revenue(self) -> float:
        """[Y]'s continuum formula transplanted verbatim (spec Y-B4) -- NOT the optimum for discrete costs.

        Cutoff psi_k = min(phi~_k, p0(c_k)) and R* = sum_k g_k sum_{v >= psi_k} (v - phi_k) m(v) - pi0(c_K).
        It equals the optimum under (A1d') and converges to it as the grids get finer; elsewhere it can
        be above the true optimum (values {1,2,3}, costs {1/4, 5/4}: 5/12 > 37/96). Use `solve()`.
        """
        psi = np.minimum(self.ironed_virtual_costs().to_numpy(), self._uniform[1])
        phi = self.virtual_costs().to_numpy()
        served = self.values[None, :] >= psi[:, None] - ROUNDOFF
        gains = (served * (self.values[None, :] - phi[:, None])) @ self.value_probs
        return float(self.cost_probs @ gains - self._uniform[0][-1])

    def top_revenue(self, q) -> np.ndarray:
        """R_bar(q): revenue from selling to the top-q mass of consumers at their values (concave)."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        m, v = self.value_probs[::-1], self.values[::-1]
        above = np.concatenate([[0.0], np.cumsum(m)])  # mass of the top values
        rev = np.concatenate([[0.0], np.cumsum(m * v)])
        j = np.clip(np.searchsorted(above, q, side="right") - 1, 0, self.n_values - 1)
        return rev[j] + (q - above[j]) * v[j]

    def discrete_cutoff_mechanism(self) -> pd.DataFrame:
        """Spec Y-B5: the quantity-space replacement for [Y]'s cutoff, q_1 = D0(phi~_1),
        q_k = min(max(D0(phi~_k), s_k), D0(c_k)) with s_k = (pi0(c_{k-1}) - pi0(c_k)) / (c_k - c_{k-1}),
        consumers served at their values (gross R_bar(q_k) - c_k q_k) and U from the recursion
        U_K = pi0(c_K), U_k = max(pi0(c_k), U_{k+1} + (c_{k+1} - c_k) q_{k+1}). Exact for K = 2 and
        under (A1d); for K >= 3 without (A1d) it can miss the optimum (spec: 24 of 374 random
        instances, error <= 0.005). The optimum is the LP.
        """
        pi0, c = self._uniform[0], self.costs
        q = self.cutoff_quantities().to_numpy().copy()
        own = (self.values[None, :] >= c[:, None]) @ self.value_probs  # D0(c_k)
        s = -np.diff(pi0) / np.diff(c)
        q[1:] = np.minimum(np.maximum(q[1:], s), own[1:])
        U = pi0.copy()
        for k in range(self.n_costs - 2, -1, -1):  # local downward IC or IR, whichever binds
            U[k] = max(pi0[k], U[k + 1] + (c[k + 1] - c[k]) * q[k + 1])
        gross = self.top_revenue(q) - c * q
        return pd.DataFrame({"quantity": q, "gross_profit": gross, "producer_profit": U, "transfer": gross - U},
                            index=self.cost_index)

    def canonical_mechanism(self) -> tuple[list[np.ndarray], pd.Series]:
        """[Y] eq. (2)-(3) with cutoff psi_k = phi~_k: one segment per value v >= psi_k holding all of
        m(v) and a share m(v)/D0(psi_k) of every value below the cutoff; transfers from the binding local
        downward IC with U_K = pi0(c_K). Optimal for regular D0 under (A1d'); audit it with `evaluate`.
        """
        phi = self.ironed_virtual_costs().to_numpy()
        m, segments, gross = self.value_probs, [], np.zeros(self.n_costs)
        for k in range(self.n_costs):
            high = self.values >= phi[k] - ROUNDOFF
            top = float(m[high].sum())
            if top <= 0:  # nothing above the cutoff: no information, no sale
                segments.append(m[None, :].copy())
                continue
            seg = np.outer(m * high, np.where(high, 0.0, m)) / top + np.diag(m * high)
            segments.append(seg[high])
            gross[k] = float(m[high] @ (self.values[high] - self.costs[k]))
        return segments, pd.Series(gross - self._relaxed_utilities(), index=self.cost_index, name="transfer")

    # ------------------------------------------------------------ other regimes ([spec §A.5](yang.md#spec-a5))
    def vertical_integration(self) -> float:
        """Profit (= total surplus, CS = 0) of the merged broker-producer: sum_k g_k W(c_k)."""
        return float(self.cost_probs @ self.efficient_surplus)

    def direct_acquisition(self) -> tuple[float, float]:
        """(revenue, offer t): max_t sum_{k: pi0(c_k) <= t} g_k (W(c_k) - t), t in {pi0(c_k)}."""
        pi0, W, g = self._uniform[0], self.efficient_surplus, self.cost_probs
        values = [(g[pi0 <= t + ROUNDOFF] @ (W - t)[pi0 <= t + ROUNDOFF], t) for t in pi0]
        return max([(0.0, 0.0)] + [(float(v), float(t)) for v, t in values])

    def value_revealing_alone(self) -> tuple[float, float]:
        """(revenue, price): value-revealing data sold alone, max_tau tau * G{k: W(c_k) - pi0(c_k) >= tau}."""
        gain, g = self.efficient_surplus - self._uniform[0], self.cost_probs
        return max([(0.0, 0.0)] + [(float(t * g[gain >= t - ROUNDOFF].sum()), float(t)) for t in gain])

    def regimes(self, solver: str | None = None) -> pd.DataFrame:
        """Expected broker revenue, producer profit, consumer and total surplus under every regime."""
        g, unif = self.cost_probs, self.uniform_pricing()
        pi0, cs0, W = unif["profit"].to_numpy(), unif["consumer_surplus"].to_numpy(), self.efficient_surplus
        rows = {"uniform pricing": (0.0, g @ pi0, g @ cs0)}
        db = self.solve(solver)
        rows["data broker"] = tuple(db["welfare"][["revenue", "producer_profit", "consumer_surplus"]])
        for name, model in (("price-controlling broker", self.price_controlling_problem()),
                            ("exclusive retail", self.exclusive_retail_problem())):
            sol = model.solve(solver)
            rows[name] = (sol.value, g @ sol["producer_profit"].to_numpy(), 0.0)
        # Thm 5: the broker buys the data from the consumers ex ante at E[CS_unif] (Pareto iff R_DB >= it)
        rows["data ownership"] = (rows["data broker"][0] - g @ cs0, rows["data broker"][1], g @ cs0)
        rows["vertical integration"] = (self.vertical_integration(), 0.0, 0.0)
        rev, t = self.direct_acquisition()
        sold = pi0 <= t + ROUNDOFF if rev > 0 else np.zeros(self.n_costs, bool)
        rows["direct acquisition"] = (rev, g @ np.where(sold, t, pi0), g @ np.where(sold, 0.0, cs0))
        rev, tau = self.value_revealing_alone()
        sold = W - pi0 >= tau - ROUNDOFF if rev > 0 else np.zeros(self.n_costs, bool)
        rows["value-revealing data alone"] = (rev, g @ np.where(sold, W - tau, pi0), g @ np.where(sold, 0.0, cs0))
        out = pd.DataFrame(rows, index=["revenue", "producer_profit", "consumer_surplus"]).T.astype(float)
        out["total_surplus"] = out.sum(axis=1)
        out.index.name = "regime"
        return out
