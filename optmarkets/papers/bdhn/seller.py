"""Bonatti, Dahleh, Horel & Nouripour (2022), "Selling Information in Competitive Environments".

Example 2.1 (binary product choice): two buyers i in {1, 2} choose a_i in {0, 1} in a state
theta in {0, 1} with prior rho (p_max = max rho). Buyer i's share is (eq. (4), corrected)

    pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta},       alpha >= 0,

worth v_i pi_i - t_i to a buyer of private type v_i. Types lie on a grid v_1 < ... < v_m (all > 0)
with probabilities f_k > 0, iid across buyers and independent of theta. The seller commits to a
recommendation rule sigma(a1, a2 | theta, k1, k2) and interim payments t_i(k) (spec §B.2). With the
auxiliary interim shares (spec §B.3)

    pit_i(k) = sum_{theta, k_j, a} rho(theta) f(k_j) sigma(a | theta, k) pi_i(a; theta)

the problems (spec §B.4, all LPs over the full rule: 8 m^2 variables) are

    FB-W   max W = sum_i sum_k f_k v_k pit_i(k)       s.t. sum_a sigma = 1, sigma >= 0
    SB-W   max W                                       s.t. ... + obedience
    REV    max R = sum_i sum_k f_k t_i(k)             s.t. ... + obedience + IC + IR
    VS     max sum_i sum_k f_k phi_k pit_i(k)         s.t. ... + obedience
    REV-noObed  max R                                  s.t. simplex + IC + IR (at every type)

* obedience (general form, the shared builder; buyer i observes its report k_i and recommendation
  a_i, not (theta, k_j, a_j)): for a_i' = 1 - a_i,
  sum_{theta,k_j,a_j} rho(theta) f(k_j) sigma(a_i, a_j | theta, k) [pi_i(a_i,a_j;theta) - pi_i(a_i',a_j;theta)] >= 0;
  Prop. 4.3 form (equivalent in Example 2.1): accuracy_i(k) = P[A_i = theta | k_i] >= p_max.
* IC (truthfulness): v_k pit_i(k) - t_i(k) >= v_k pit_i(k') - t_i(k') (all pairs, or adjacent pairs).
* IR against the seller's worst outside option: v_k pit_i(k) - t_i(k) >= v_k K, where
  K = min_{sigma_j(.|theta)} max_{a_i} E[pi_i] is the value of its own 5-variable LP
  (`outside_option`); in Example 2.1 K = p_max - alpha (the rival is told theta).
* phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k (phi_m = v_m) are discrete virtual values.

The reduced form (Lemma 5.1) replaces sigma by h_i(k1, k2) = P[A_i = theta | k] in [0, 1]; the
product rule sigma(a|theta,k) = prod_i (h_i if a_i = theta else 1 - h_i) realises any h. The exact
discrete solution (spec §B.5) is a greedy fill of each row of h (`InformationSeller.greedy`), and
`Continuum` gives the paper's closed forms (Props. 5.4-5.8) that the grids converge to (spec §B.6).

Departures from the paper (spec §B.8), each implemented in its corrected form:
1. Eq. (4) prints pi_i = 1{a_i = theta} - alpha 1{a_i = theta}; the payoff table (and this module)
   use 1{a_j = theta} in the externality term.
2. Prop. B.3 prints h_i = 1{V_i <= max{v_i*(V_i), v*}}; the rule is 1{V_j <= max{v_j*(V_i), v*}}
   (main text), as in `Continuum.rule_*`.
3. Prop. 5.4's case display ("(theta, theta) otherwise") holds only for alpha <= 1; for alpha > 1
   both buyers get the wrong action in the middle region, as eq. (7) says. The maps and
   `Continuum` use eq. (7).
4. Footnote 3: for U[0, 1] the virtual value is phi(v) = 2v - 1 (not v - 1); v0 = 1/2 as stated.
5. Lemma 5.6 assumes pit(v_low) >= K; it is implied by obedience (E[h_i|k] >= p_max and
   E[h_j|k] <= 1 give pit_i >= p_max - alpha = K), so IR binds only at the lowest type.
6. Revenue can exceed welfare when K < 0 (alpha > p_max); the valid bound is
   R <= W(sigma_R) - K sum_i E[V_i] (tested), not R <= W.
Also: the paper's types start at v_low = 0 (Exp(1)); the grid here must be positive (the reference
discretization uses cell midpoints), so that obedience scaled by v equals obedience in pi-units and
IC = truthfulness + obedience (Prop. 4.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import integrate, stats

from ...core import validate as pr
from ...builders import (
    conditional_expectation,
    consistency,
    expectation_floor,
    family,
    interim,
    obedience,
    participation,
    report_utility,
    truthful,
)
from ...core.reference import Check, Examples
from ...core.model import Model

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

PLAYERS = pd.Index([1, 2], name="player")
STATES = pd.Index([0, 1], name="theta")
ACTIONS = pd.Index([0, 1], name="recommended")
PROFILES = pd.MultiIndex.from_product([[0, 1], [0, 1]], names=["a1", "a2"])
#: accuracy within this of p_max counts as binding obedience
BINDING_TOL = 1e-7


class InformationSeller:
    """A seller of information to two competing buyers (Example 2.1 of Bonatti et al.).

    types: the type grid v_1 < ... < v_m (positive); type_probs: f_k > 0 summing to one (iid
    across the two buyers); state_prior: (P[theta = 0], P[theta = 1]); alpha >= 0: competition
    intensity (the externality weight in pi_i).

    Problems (Models): `welfare_optimal()` (second best), `welfare_optimal(first_best=True)`,
    `revenue_optimal()` (`obedience=False`: REV-noObed), `virtual_surplus()`, `outside_option()` (K).
    A solution gives `sol["sigma"]` (the rule, rows (theta, v1, v2), columns (a1, a2)), `sol["h"]`
    (P[A_i = theta | v]), `sol["pit"]` (interim shares), `sol["payments"]` (primal t in the revenue
    LPs; the discrete Myerson payments of the shares otherwise), `sol["accuracy"]` (E[h_i | v_i]),
    `sol["binding"]` (types whose obedience binds) and `sol.prices["obedience_cost"]` (the shadow
    cost of obedience: -d value / d floor_i(v), >= 0). `greedy(objective)` is the exact solution.
    """

    def __init__(self, types, type_probs, state_prior=(0.5, 0.5), alpha: float = 0.5, *, distribution=None):
        self.types = pr.increasing("types", types, positive=True)
        m = self.types.size
        self.type_probs = pr.probabilities("type_probs", type_probs, length=m, strict=True)
        self.state_prior = pr.probabilities("state_prior", state_prior, length=2)
        self.alpha = float(pr.nonnegative("alpha", alpha, length=1)[0])
        self.p_max = float(self.state_prior.max())
        self.distribution = distribution  # the scipy distribution the grid discretizes, if any
        self.m = m
        self.type_index = pr.labels("v", self.types)

    # ------------------------------------------------------------ construction from a distribution
    @classmethod
    def from_distribution(cls, distribution, m: int, vmax: float | None = None, state_prior=(0.5, 0.5),
                          alpha: float = 0.5) -> InformationSeller:
        """The reference discretization of spec §B.1 of a type distribution.

        distribution: "exponential" (Exp(1)), "uniform" (U[0, 1]) or a scipy.stats frozen
        distribution with support in [0, inf). Cells [e_{k-1}, e_k) with e = linspace(v_low, vmax, m+1),
        f_k = F(e_k) - F(e_{k-1}) with the tail in the last cell, types at the cell midpoints.
        """
        dist = frozen_distribution(distribution)
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
            raise pr.InputError(f"m: the number of grid cells must be a positive integer, got {m!r}")
        low, high = dist.support()
        if vmax is None:
            if not np.isfinite(high):
                raise pr.InputError("vmax: required for a distribution with unbounded support")
            vmax = high
        vmax = float(pr.as_vector("vmax", vmax, length=1)[0])
        if vmax <= low:
            raise pr.InputError(f"vmax: must exceed the lower end of the support ({low:g}), got {vmax:g}")
        edges = np.linspace(low, vmax, m + 1)
        cdf = dist.cdf(edges)
        cdf[0], cdf[-1] = 0.0, 1.0  # everything below the first edge is nothing; the tail goes to the last cell
        probs = np.diff(cdf)
        if (probs <= 0).any():
            raise pr.InputError(f"vmax: cell {int(np.argmax(probs <= 0))} of the grid has no probability; "
                                "lower vmax or m")
        return cls((edges[:-1] + edges[1:]) / 2, probs / probs.sum(), state_prior, alpha, distribution=dist)

    def continuum(self) -> Continuum:
        """The continuum limit (spec §B.6) of this grid's distribution."""
        if self.distribution is None:
            raise pr.InputError("distribution: this seller was not built by from_distribution")
        return Continuum(self.distribution, self.p_max, self.alpha)

    # ------------------------------------------------------------ primitives of the game
    @cached_property
    def cdf(self) -> np.ndarray:
        return np.cumsum(self.type_probs)

    @cached_property
    def virtual_values(self) -> np.ndarray:
        """phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k, phi_m = v_m (spec §B.4)."""
        v, f = self.types, self.type_probs
        gap = np.append(np.diff(v), 0.0)
        return v - gap * np.clip(1.0 - self.cdf, 0.0, None) / f

    def share(self, a_own, a_rival, theta) -> np.ndarray:
        """pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta} (eq. (4), corrected)."""
        return (np.asarray(a_own) == theta) - self.alpha * (np.asarray(a_rival) == theta)

    @cached_property
    def K(self) -> float:
        """The worst outside share the seller can impose, from the outside-option LP."""
        return self.outside_option().solve().value + 0.0  # no -0.0

    def outside_option(self) -> Model:
        """K = min over the rival's rule sigma_j(a_j | theta) of max_{a_i} E[pi_i] (a 5-variable LP).

        The non-participant plays a best response a_i to the prior; the seller picks the rival's
        recommendations to minimise it. Example 2.1: K = p_max - alpha (the rival is told theta).
        """
        model = Model("BDHN outside option", sense="min", units="share (pi units)",
                      description="the seller-chosen worst outside option of a non-participant")
        rival = model.variable("rival", (2, 2), index=(STATES, pd.Index([0, 1], name="a_rival")), nonneg=True)
        K = model.variable("K", ())
        theta, a_j = np.divmod(np.arange(4), 2)  # columns of vec(rival): (theta, a_j)
        # E[pi_i(a_i, A_j; theta)] for each a_i, rows a_i
        payoff = np.array([self.state_prior[theta] * self.share(a_i, a_j, theta) for a_i in (0, 1)])
        model.constrain("rival_rule", consistency(rival, np.ones(2), STATES, axis=1,
                                                  description="the rival's rule is a distribution given theta"))
        model.constrain("best_response", family(K - payoff @ cp.vec(rival, order="C"), ">=", 0.0,
                                                pd.Index([0, 1], name="a_own"),
                                                "K is the non-participant's best-response share"))
        model.minimize(K)
        return model

    # ------------------------------------------------------------ the LPs
    def welfare_optimal(self, first_best: bool = False, *, form: str = "rule", obedience_form: str = "general",
                        implementable: bool = False, ic: str = "adjacent") -> Model:
        """Second-best (obedient) welfare LP, or the first best (`first_best=True`: no obedience).

        implementable=True adds payments with IC and IR (non-binding for the second best, Prop. 5.5).
        form: "rule" (sigma, 8m^2 variables) or "reduced" (h, 2m^2); obedience_form: "general"
        (the obedience builder) or "accuracy" (Prop. 4.3).
        """
        name = "BDHN FB-W" if first_best else "BDHN SB-W"
        model, pit, t = self._base(name, form, obedience_form, obey=not first_best,
                                   pay=implementable, ic=ic, units="welfare")
        model.maximize(self._weighted(pit, self.types))
        return model

    def revenue_optimal(self, *, obedience: bool = True, form: str = "rule", obedience_form: str = "general",
                        ic: str = "adjacent") -> Model:
        """Revenue LP: obedience + truthfulness + IR against K (`obedience=False`: REV-noObed)."""
        model, pit, t = self._base("BDHN REV" if obedience else "BDHN REV-noObed", form, obedience_form,
                                   obey=obedience, pay=True, ic=ic, units="revenue")
        model.maximize(cp.sum(self.type_probs @ t))
        return model

    def virtual_surplus(self, *, form: str = "rule", obedience_form: str = "general") -> Model:
        """max sum_i sum_k f_k phi_k pit_i(k) s.t. obedience (= REV + 2 v_1 K when phi is monotone)."""
        model, pit, _ = self._base("BDHN VS", form, obedience_form, obey=True, pay=False, ic="adjacent",
                                   units="virtual surplus")
        model.maximize(self._weighted(pit, self.virtual_values))
        return model

    def _weighted(self, pit: cp.Expression, values: np.ndarray) -> cp.Expression:
        """sum_i sum_k f_k values_k pit_i(k)."""
        return cp.sum((self.type_probs * values) @ pit)

    def _base(self, name, form, obedience_form, *, obey, pay, ic, units):
        """The rule (sigma or h), the interim shares, obedience and (optionally) payments with IC/IR."""
        if form not in ("rule", "reduced"):
            raise pr.InputError(f"form: must be 'rule' or 'reduced', got {form!r}")
        if obedience_form not in ("general", "accuracy"):
            raise pr.InputError(f"obedience_form: must be 'general' or 'accuracy', got {obedience_form!r}")
        if form == "reduced" and obedience_form == "general":
            obedience_form = "accuracy"  # h carries no recommendation: Prop. 4.3 is its obedience
        model = Model(name, sense="max", units=units)
        measures = self._rule_measures(model) if form == "rule" else self._reduced_measures(model)
        pit = model.variable("pit", (self.m, 2), index=(self.type_index, PLAYERS), nonneg=False)
        t = model.variable("t", (self.m, 2), index=(self.type_index, PLAYERS), nonneg=False) if pay else None
        for i, (M, payoff, accuracy_pay, groups) in enumerate(measures):
            n = i + 1
            model.constrain(f"interim_{n}", interim(pit[:, i], conditional_expectation(M, payoff, groups),
                                                    self.type_index))
            if obey and obedience_form == "general":
                model.constrain(f"obedience_{n}", obedience(M, payoff, ACTIONS, groups=groups,
                                                            group_index=self.type_index))
            elif obey:
                model.constrain(f"obedience_{n}", expectation_floor(
                    conditional_expectation(M, accuracy_pay, groups), self.p_max, self.type_index,
                    description="recommendations right at least p_max of the time (Prop. 4.3)"))
            if pay:
                U = report_utility(self.types, pit[:, i], t[:, i])
                model.constrain(f"truthful_{n}", truthful(U, self.type_index, pairs=ic))
                model.constrain(f"participation_{n}", participation(U, self.types * self.K, self.type_index))
        self._outputs(model, form, obey and obedience_form, pay)
        return model, pit, t

    def _rule_measures(self, model: Model):
        """sigma(a | theta, k1, k2) and, per buyer i, its conditional measure M_i[a_i, (k_i, theta, k_j, a_j)]."""
        m, rho, f = self.m, self.state_prior, self.type_probs
        cells = pd.MultiIndex.from_product([STATES, self.type_index, self.type_index], names=["theta", "v1", "v2"])
        sigma = model.variable("sigma", (2 * m * m, 4), index=(cells, PROFILES), nonneg=True)
        model.constrain("simplex", consistency(sigma, np.ones(2 * m * m), cells, axis=1,
                                               description="sigma(.|theta, v) is a distribution over (a1, a2)"))
        theta, k1, k2, a1, a2 = np.unravel_index(np.arange(8 * m * m), (2, m, m, 2, 2))  # vec_C(sigma)
        x = cp.vec(sigma, order="C")
        out = []
        for k_i, a_i, k_j, a_j in ((k1, a1, k2, a2), (k2, a2, k1, a1)):
            n_s = 4 * m * m  # unobserved s = (k_i, theta, k_j, a_j), k_i being the group
            s = ((k_i * 2 + theta) * m + k_j) * 2 + a_j
            P = sp.csr_matrix((rho[theta] * f[k_j], (a_i * n_s + s, np.arange(8 * m * m))), shape=(2 * n_s, 8 * m * m))
            M = cp.reshape(P @ x, (2, n_s), order="C")
            groups, s_theta, _, s_rival = np.unravel_index(np.arange(n_s), (m, 2, m, 2))
            payoff = np.array([self.share(b, s_rival, s_theta) for b in (0, 1)])
            accuracy = np.array([(s_theta == b).astype(float) for b in (0, 1)])
            out.append((M, payoff, accuracy, groups))
        return out

    def _reduced_measures(self, model: Model):
        """h_q(k1, k2) in [0, 1] and, per buyer i, the measure f(k_j) h_q over s = (k_i, k_j, q)."""
        m, f = self.m, self.type_probs
        cells = pd.MultiIndex.from_product([self.type_index, self.type_index], names=["v1", "v2"])
        h = model.variable("h", (m * m, 2), index=(cells, PLAYERS), nonneg=True)
        model.constrain("probability", family(h, "<=", 1.0, (cells, PLAYERS), "h is a probability"))
        k1, k2, q = np.unravel_index(np.arange(2 * m * m), (m, m, 2))
        x = cp.vec(h, order="C")
        out = []
        for i, (k_i, k_j) in enumerate(((k1, k2), (k2, k1))):
            s = (k_i * m + k_j) * 2 + q
            P = sp.csr_matrix((f[k_j], (s, np.arange(2 * m * m))), shape=(2 * m * m, 2 * m * m))
            M = cp.reshape(P @ x, (1, 2 * m * m), order="C")
            own = (np.arange(2 * m * m) % 2 == i).astype(float)
            out.append((M, (own - self.alpha * (1 - own))[None, :], own[None, :], np.arange(2 * m * m) // (2 * m)))
        return out

    # ------------------------------------------------------------ outputs
    def _outputs(self, model: Model, form: str, obey, pay: bool) -> None:
        if form == "rule":
            model.output("h", lambda sol: self._h_frame(self.marginals(sol["sigma"].to_numpy())))
        else:
            model.output("sigma", lambda sol: self._sigma_frame(product_rule(*self._h_arrays(sol["h"]))))
        model.output("accuracy", lambda sol: self._per_type(self.accuracy(*self._h_arrays(sol["h"]))))
        model.output("binding", lambda sol: sol["accuracy"] - self.p_max <= BINDING_TOL)
        model.output("payments", (lambda sol: sol["t"]) if pay else
                     (lambda sol: self._per_type(self.myerson_payments(sol["pit"].to_numpy()))))
        if obey:
            model.price("obedience_cost", lambda sol: self._obedience_cost(sol, obey))

    def _obedience_cost(self, sol, obedience_form: str) -> pd.DataFrame:
        """-d(value)/d(floor_i(k)): what lowering buyer i's obedience floor at type k would be worth.

        General form: row (k, a, 1-a) reads accuracy_i(k) - rho(1-a) >= 0, so both rows of type k
        move with its floor and the cost is minus the sum of their prices.
        """
        cost = np.zeros((self.m, 2))
        for i in range(2):
            price = np.asarray(sol.prices[f"obedience_{i + 1}"], dtype=float).reshape(self.m, -1)
            cost[:, i] = -price.sum(axis=1)
        return self._per_type(cost + 0.0)

    def _per_type(self, arr) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(arr, float).reshape(self.m, 2), index=self.type_index, columns=PLAYERS)

    def _h_frame(self, h: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
        cells = pd.MultiIndex.from_product([self.type_index, self.type_index], names=["v1", "v2"])
        return pd.DataFrame(np.column_stack([h[0].ravel(), h[1].ravel()]), index=cells, columns=PLAYERS)

    def _h_arrays(self, h: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        arr = h.to_numpy()
        return arr[:, 0].reshape(self.m, self.m), arr[:, 1].reshape(self.m, self.m)

    def _sigma_frame(self, sigma: np.ndarray) -> pd.DataFrame:
        cells = pd.MultiIndex.from_product([STATES, self.type_index, self.type_index], names=["theta", "v1", "v2"])
        return pd.DataFrame(sigma.reshape(-1, 4), index=cells, columns=PROFILES)

    def marginals(self, sigma) -> tuple[np.ndarray, np.ndarray]:
        """h_i(k1, k2) = sum_theta rho(theta) P_sigma[A_i = theta | theta, k] from a rule (2m^2 x 4 or 2,m,m,2,2)."""
        s = np.asarray(sigma, float).reshape(2, self.m, self.m, 2, 2)
        rho = self.state_prior
        h1 = rho[0] * s[0, :, :, 0, :].sum(-1) + rho[1] * s[1, :, :, 1, :].sum(-1)
        h2 = rho[0] * s[0, :, :, :, 0].sum(-1) + rho[1] * s[1, :, :, :, 1].sum(-1)
        return h1, h2

    def accuracy(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        """E[h_i | k_i] (m x 2): how often buyer i of type k is recommended the right action."""
        f = self.type_probs
        return np.column_stack([h1 @ f, f @ h2])

    def shares(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        """pit_i(k) = E[h_i - alpha h_j | k_i] (m x 2)."""
        f, a = self.type_probs, self.alpha
        return np.column_stack([(h1 - a * h2) @ f, f @ (h2 - a * h1)])

    def myerson_payments(self, pit) -> np.ndarray:
        """Discrete Myerson payments: t(1) = v_1 (pit(1) - K), t(k) = t(k-1) + v_k (pit(k) - pit(k-1)).

        The revenue-maximising payments implementing monotone shares pit (IR binding at v_1).
        """
        pit = np.asarray(pit, float)
        v = self.types.reshape(-1, *([1] * (pit.ndim - 1)))
        steps = np.diff(pit, axis=0, prepend=self.K)
        return np.cumsum(v * steps, axis=0)

    # ------------------------------------------------------------ exact discrete solution (spec §B.5)
    def greedy(self, objective: str = "welfare") -> ExactSolution:
        """The exact discrete solution (discrete Lemma 5.2 / Prop. 5.3), without an LP.

        Each row k1 of h_1(k1, .) maximises sum_k2 f(k2) w(k1, k2) h(k2) s.t. sum f h >= p_max,
        h in [0, 1], with w(k1, .) non-increasing: h = 1 where w > 0, then fill in increasing k2 up
        to mass p_max (fractional last cell). w = v_k1 - alpha v_k2 ("welfare", "first_best": no
        mass floor) or phi_k1 - alpha phi_k2 ("revenue", "virtual_surplus"; needs phi
        non-decreasing). h_2 = h_1^T. Revenue payments are the discrete Myerson payments with
        K = p_max - alpha.
        """
        if objective not in ("welfare", "first_best", "revenue", "virtual_surplus"):
            raise pr.InputError(f"objective: must be welfare, first_best, revenue or virtual_surplus, "
                                f"got {objective!r}")
        f, a = self.type_probs, self.alpha
        values = self.types if objective in ("welfare", "first_best") else self.virtual_values
        if (np.diff(values) < 0).any():
            raise pr.InputError("type_probs: discrete virtual values are not non-decreasing (irregular grid); "
                                "the greedy solution needs them monotone — use revenue_optimal()")
        w = values[:, None] - a * values[None, :]
        h1 = (w > 0).astype(float)
        if objective != "first_best":
            fill = np.clip((self.p_max - (self.cdf - f)) / f, 0.0, 1.0)  # the mass floor, lowest k2 first
            h1 = np.maximum(h1, fill[None, :])
        h2 = h1.T
        pit = self.shares(h1, h2)
        payments = None
        if objective in ("welfare", "first_best"):
            value = float(2 * (f * self.types) @ pit[:, 0])
        elif objective == "virtual_surplus":
            value = float(2 * (f * self.virtual_values) @ pit[:, 0])
        else:
            K = self.p_max - a
            payments = np.cumsum(self.types * np.diff(pit[:, 0], prepend=K))
            value = float(2 * f @ payments)
        return ExactSolution(objective, value, h1, h2, pit[:, 0], payments)

    def __repr__(self) -> str:
        return (f"InformationSeller(m={self.m}, types=[{self.types[0]:g} .. {self.types[-1]:g}], "
                f"state_prior={self.state_prior.tolist()}, alpha={self.alpha:g})")


@dataclass
class ExactSolution:
    """The greedy solution of spec §B.5 (symmetric: buyer 2's h is buyer 1's transposed)."""

    objective: str
    value: float
    h1: np.ndarray  # P[A_1 = theta | k1, k2]
    h2: np.ndarray
    pit: np.ndarray  # interim share of either buyer, by type
    payments: np.ndarray | None  # revenue only


def product_rule(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """Lemma 5.1: sigma(a | theta, k) = prod_i (h_i(k) if a_i = theta else 1 - h_i(k)); shape (2, m, m, 2, 2)."""
    h1, h2 = np.asarray(h1, float), np.asarray(h2, float)
    right1 = np.stack([h1, 1 - h1])  # [a_1 == theta, a_1 != theta]
    right2 = np.stack([h2, 1 - h2])
    out = np.empty((2,) + h1.shape + (2, 2))
    for theta in (0, 1):
        for a1 in (0, 1):
            for a2 in (0, 1):
                out[theta, :, :, a1, a2] = right1[int(a1 != theta)] * right2[int(a2 != theta)]
    return out


# ---------------------------------------------------------------- continuum limit (spec §B.6)
def frozen_distribution(distribution):
    """A scipy.stats frozen distribution from "exponential" / "uniform" or a frozen one."""
    names = {"exponential": stats.expon(), "exp": stats.expon(), "uniform": stats.uniform(), "unif": stats.uniform()}
    if isinstance(distribution, str):
        if distribution.lower() not in names:
            raise pr.InputError(f"distribution: unknown name {distribution!r}; use 'exponential', 'uniform' "
                                "or a scipy.stats frozen distribution")
        return names[distribution.lower()]
    if not (hasattr(distribution, "cdf") and hasattr(distribution, "support") and hasattr(distribution, "pdf")):
        raise pr.InputError(f"distribution: expected a name or a scipy.stats frozen distribution, got {distribution!r}")
    low = distribution.support()[0]
    if not np.isfinite(low) or low < 0:
        raise pr.InputError(f"distribution: support must start at a finite value >= 0, starts at {low:g}")
    return distribution


class Continuum:
    """The paper's closed forms for iid continuous types (Props. 5.4-5.8, spec §B.6).

    v* = F^-1(p_max); K = p_max - alpha; phi(v) = v - (1 - F(v))/f(v); G(y) = P(phi(V) <= y);
    v~ = phi^-1(alpha phi(v*)). Regular (phi increasing) distributions only.
    """

    def __init__(self, distribution, p_max: float, alpha: float):
        self.dist = frozen_distribution(distribution)
        self.p_max = float(pr.as_vector("p_max", p_max, length=1)[0])
        if not 0.5 <= self.p_max <= 1:
            raise pr.InputError(f"p_max: must lie in [1/2, 1], got {self.p_max:g}")
        self.alpha = float(pr.nonnegative("alpha", alpha, length=1)[0])
        self.v_low, self.v_high = (float(x) for x in self.dist.support())
        self.v_star = float(self.dist.ppf(self.p_max))
        self.K = self.p_max - self.alpha
        self._top = self.v_high if np.isfinite(self.v_high) else float(self.dist.isf(1e-15))
        self._phi_inverse = self._make_phi_inverse()
        self.v0 = float(self.phi_inverse(0.0))
        self.v_tilde = float(self.phi_inverse(self.alpha * self.phi(self.v_star)))

    # -------------------------------------------------- F, phi, G
    def F(self, v):
        return self.dist.cdf(v)

    def phi(self, v):
        """phi(v) = v - (1 - F(v))/f(v)."""
        v = np.asarray(v, float)
        return v - self.dist.sf(v) / self.dist.pdf(v)

    def _make_phi_inverse(self):
        name = getattr(getattr(self.dist, "dist", None), "name", "")
        if name == "expon":  # phi(v) = v - scale
            scale = float(self.dist.mean() - self.v_low)
            return lambda y: np.maximum(np.asarray(y, float) + scale, self.v_low)
        if name == "uniform":  # phi(v) = 2v - b
            return lambda y: np.clip((np.asarray(y, float) + self.v_high) / 2, self.v_low, self.v_high)
        grid = np.linspace(self.v_low, self._top, 20001)[1:-1]
        values = self.phi(grid)
        if (np.diff(values) <= 0).any():
            raise pr.InputError("distribution: not regular (phi not increasing); the closed forms need regularity")
        return lambda y: np.interp(y, values, grid, left=self.v_low, right=self._top)

    def phi_inverse(self, y):
        return self._phi_inverse(y)

    def G(self, y):
        """P(phi(V) <= y) = F(phi^-1(y)) clipped to [0, 1]."""
        y = np.asarray(y, float)
        phi_low = float(self.phi(self.v_low)) if self.dist.pdf(self.v_low) > 0 else -np.inf
        return np.where(y < phi_low, 0.0, self.F(self.phi_inverse(y)))

    def _ratio(self, x):
        """x / alpha, with alpha = 0 meaning +inf for x > 0 (no externality: always recommend right)."""
        x = np.asarray(x, float)
        if self.alpha == 0:
            return np.where(x > 0, np.inf, np.where(x < 0, -np.inf, 0.0))
        return x / self.alpha

    # -------------------------------------------------- interim shares (Props. 5.5, 5.8)
    def pit_first_best(self, v):
        """h_i = 1{V_i >= alpha V_j}: pit_FB(v) = F(v/alpha) + alpha F(alpha v) - alpha."""
        v = np.asarray(v, float)
        return self.F(self._ratio(v)) + self.alpha * self.F(self.alpha * v) - self.alpha

    def pit_second_best(self, v):
        """Eq. (7) rule h_i = 1{V_j <= max(v*, V_i/alpha)}:
        pit_SB(v) = max{F(v*), F(v/alpha)} + alpha 1{v > v*} F(alpha v) - alpha."""
        v = np.asarray(v, float)
        return (np.maximum(self.p_max, self.F(self._ratio(v))) + self.alpha * (v > self.v_star) * self.F(self.alpha * v)
                - self.alpha)

    def pit_revenue(self, v):
        """Prop. 5.8: pit_R(v) = max{F(v*), G(phi(v)/alpha)} + alpha 1{v > v*} G(alpha phi(v)) - alpha."""
        v = np.asarray(v, float)
        p = self.phi(v)
        return (np.maximum(self.p_max, self.G(self._ratio(p))) + self.alpha * (v > self.v_star) * self.G(self.alpha * p)
                - self.alpha)

    def payment_revenue(self, v):
        """t(v) = v pit_R(v) - v_low K - int_{v_low}^v pit_R (Prop. 5.8 with eq. (8))."""
        def one(x):
            area = integrate.quad(self.pit_revenue, self.v_low, x, points=self._kinks(x), limit=200)[0]
            return x * float(self.pit_revenue(x)) - self.v_low * self.K - area
        return np.vectorize(one, otypes=[float])(np.asarray(v, float))

    def _kinks(self, upper):
        pts = [self.v_star, self.alpha * self.v_star, self.v_tilde, self.v0]
        if self.alpha > 0:
            pts.append(self.v_star / self.alpha)
        return sorted({p for p in pts if self.v_low < p < upper}) or None

    def _expect(self, fn) -> float:
        """E[fn(V)] by adaptive quadrature, split at the kinks."""
        integrand = lambda v: float(fn(v)) * float(self.dist.pdf(v))  # noqa: E731
        return float(integrate.quad(integrand, self.v_low, self._top, points=self._kinks(self._top), limit=400)[0])

    # -------------------------------------------------- values
    def welfare_first_best(self) -> float:
        """W_FB = 2 E[V pit_FB(V)] (Exp(1): 2/(1+alpha))."""
        return 2 * self._expect(lambda v: v * self.pit_first_best(v))

    def welfare_second_best(self) -> float:
        """W_SB = 2 E[V pit_SB(V)]."""
        return 2 * self._expect(lambda v: v * self.pit_second_best(v))

    def revenue(self) -> float:
        """R = 2 E[phi(V) pit_R(V)] - 2 v_low K (Lemma 5.6)."""
        return 2 * self._expect(lambda v: self.phi(v) * self.pit_revenue(v)) - 2 * self.v_low * self.K

    # -------------------------------------------------- rules (maps of Figures 2-4)
    def rule_second_best(self, v_own, v_rival):
        """h_i = 1{V_j <= max(v*, V_i/alpha)} (eq. (7); Prop. B.3 corrected)."""
        return (np.asarray(v_rival) <= np.maximum(self.v_star, self._ratio(v_own))).astype(float)

    def rule_revenue(self, v_own, v_rival):
        """h_i = 1{V_j <= max(v*, phi^-1(phi(V_i)/alpha))} (Prop. 5.7)."""
        cut = self.phi_inverse(self._ratio(self.phi(v_own)))
        return (np.asarray(v_rival) <= np.maximum(self.v_star, cut)).astype(float)

    def __repr__(self) -> str:
        return (f"Continuum(p_max={self.p_max:g}, alpha={self.alpha:g}, v*={self.v_star:.6g}, K={self.K:.6g}, "
                f"v~={self.v_tilde:.6g})")


# ---------------------------------------------------------------- registered paper examples
#: spec §B.5: (dist, m, vmax, p_max, alpha) -> (W_SB, W_FB, R, pit_R(v_1))
EXACT_TABLE = {
    ("exponential", 10, 6, 0.5, 0.5): (1.32224905, 1.32885602, 0.81663235, 0.0),
    ("exponential", 10, 6, 0.75, 2): (-0.19017632, 0.60466158, 1.67289286, -1.25),
    ("uniform", 10, 1, 0.5, 0.5): (0.57250000, 0.58250000, 0.42950000, 0.0),
    ("uniform", 10, 1, 0.75, 2): (-0.38000000, 0.16500000, 0.79000000, -1.25),
    ("exponential", 40, 8, 0.5, 2): (0.45726335, 0.65932652, 1.78504781, -1.5),
}

#: spec §B.6: (dist, p_max, alpha) -> (v*, v~, W_FB, W_SB, R)
CONTINUUM_TABLE = {
    ("exponential", 0.5, 0.25): (0.693147, 0.923287, 1.6, 1.596004, 0.491056),
    ("exponential", 0.5, 0.5): (0.693147, 0.846574, 4 / 3, 1.317978, 0.632495),
    ("exponential", 0.5, 2): (0.693147, 0.386294, 2 / 3, 0.469628, 1.612818),
    ("exponential", 0.75, 0.5): (1.386294, 1.193147, 4 / 3, 1.263240, 0.447662),
    ("exponential", 0.75, 2): (1.386294, 1.772589, 2 / 3, -0.103289, 1.414610),
    ("uniform", 0.5, 0.5): (0.5, 0.5, 7 / 12, 55 / 96, 19 / 48),
    ("uniform", 0.75, 2): (0.75, 1.0, 1 / 6, -0.375, 0.75),
}


def _seller(dist, m, vmax, p_max, alpha) -> InformationSeller:
    return InformationSeller.from_distribution(dist, m=m, vmax=vmax, state_prior=[p_max, 1 - p_max], alpha=alpha)


@EXAMPLES.register("bdhn-exact-table")
def _exact_table(solver=None) -> list[Check]:
    """Spec §B.5: the full-rule LPs reproduce the exact discrete table."""
    rows = []
    for (dist, m, vmax, p, a), (w_sb, w_fb, rev, pit1) in EXACT_TABLE.items():
        seller, tag = _seller(dist, m, vmax, p, a), f"{dist} m={m} vmax={vmax} p_max={p} alpha={a}"
        rv = seller.revenue_optimal().solve(solver)
        fb = seller.welfare_optimal(first_best=True).solve(solver)
        rows += [
            Check("bdhn-exact-table", f"W_SB ({tag})", w_sb, seller.welfare_optimal().solve(solver).value, 1e-7),
            Check("bdhn-exact-table", f"W_FB ({tag})", w_fb, fb.value, 1e-7),
            Check("bdhn-exact-table", f"R ({tag})", rev, rv.value, 1e-7),
            Check("bdhn-exact-table", f"pit_R(v_1) ({tag})", pit1, float(rv["pit"].iloc[0, 0]) + 0.0, 1e-7),
            Check("bdhn-exact-table", f"K = p_max - alpha ({tag})", p - a, seller.K, 1e-9),
        ]
    return rows


@EXAMPLES.register("bdhn-continuum")
def _continuum(solver=None) -> list[Check]:
    """Spec §B.6: the closed forms of Props. 5.4-5.8 by quadrature."""
    rows = []
    for (dist, p, a), (v_star, v_tilde, w_fb, w_sb, rev) in CONTINUUM_TABLE.items():
        c, tag = Continuum(dist, p, a), f"{dist} p_max={p} alpha={a}"
        rows += [
            Check("bdhn-continuum", f"v* ({tag})", v_star, c.v_star, 1e-6),
            Check("bdhn-continuum", f"v~ ({tag})", v_tilde, c.v_tilde, 1e-6),
            Check("bdhn-continuum", f"W_FB ({tag})", w_fb, c.welfare_first_best(), 1e-6),
            Check("bdhn-continuum", f"W_SB ({tag})", w_sb, c.welfare_second_best(), 1e-6),
            Check("bdhn-continuum", f"R ({tag})", rev, c.revenue(), 1e-6),
        ]
    return rows
