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

Departures from the paper (spec §A.1, §A.10):
* The fee set A is not fixed in the paper; it defaults here to A = Omega (needed for full
  disclosure chi = diag(q) to be feasible and for the BBM closed form). Any finite A may be passed.
* x(.|w) is not pinned down by P_q where q(w) = 0; `x` reports, for such w, a point mass on the fee
  a = w (or the largest fee below w if w is not a fee), which gives the type zero surplus — the
  selection the paper uses in its Case 1.
"""

from __future__ import annotations

from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd

from .. import primitives as pr
from ..builders import consistency, obedience
from ..model import Model


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
        q = self.database(q)
        total = float(self.values @ q)  # w*(q): total surplus
        monopoly = float((self.merchant_profit @ q).max())  # pi*(q): uniform-price profit
        if self.gamma_pi >= self.gamma_u:
            return self.gamma_pi * total
        return self.gamma_u * total - (self.gamma_u - self.gamma_pi) * monopoly

    def fees_contain_types(self) -> bool:
        return bool(np.isin(self.values, self.actions).all())

    def __repr__(self) -> str:
        return (f"PersonalDataEconomy(values={self.values.tolist()}, mass={self.mass.tolist()}, "
                f"outside_option={self.outside_option.tolist()}, gamma_u={self.gamma_u}, "
                f"gamma_pi={self.gamma_pi}, actions={self.actions.tolist()})")

