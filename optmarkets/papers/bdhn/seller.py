"""`InformationSeller`: the data and primitives of Example 2.1 ([spec §B.1](bdhn.md#spec-b1)-§B.3).

Two buyers i in {1, 2} choose a_i in {0, 1} in a state theta in {0, 1} with prior rho
(p_max = max rho). Buyer i's share is pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta}
(eq. (4), corrected), worth v_i pi_i - t_i to a buyer of private type v_i. Types lie on a grid
v_1 < ... < v_m (all > 0) with probabilities f_k > 0, iid across buyers and independent of theta.

The problems are built in `programs` (LPs), the exact greedy solution in `exact`, the continuum
closed forms in `continuum`; this module holds the data and delegates to them.
"""

from __future__ import annotations

import numpy as np

from ...core import validate as pr
from ...core.deprecation import renamed, warn_renamed
from ...core.model import Model
from ...theory import ironing
from . import exact, programs
from .continuum import Continuum, frozen_distribution

#: the largest competition parameter alpha: shares 1{a_i = theta} - alpha 1{a_j = theta} keep their 1 to
#: within 2^-3 (the fuzz corpus found alpha = 2^53 + 2, where the welfare LP was 12% off its closed form)
MAX_ALPHA = 1e15


class OutsideOption(float):
    """K as a number (the value of the outside-option LP, in pi units).

    It can still be called like the old `outside_option()` method for one release: the call warns
    and returns `outside_option_problem()`.
    """

    _data: tuple[np.ndarray, float]

    def __new__(cls, value: float, state_prior, alpha: float) -> OutsideOption:
        obj = super().__new__(cls, value)
        obj._data = (np.array(state_prior, float), float(alpha))
        return obj

    def __call__(self) -> Model:
        warn_renamed("InformationSeller.outside_option()", "InformationSeller.outside_option_problem()")
        return programs.outside_option_problem(*self._data)

    def __reduce__(self):
        return (OutsideOption, (float(self), *self._data))

    def __repr__(self) -> str:
        return repr(float(self))

    __str__ = __repr__


class InformationSeller:
    """A seller of information to two competing buyers (Example 2.1 of Bonatti et al.).

    types: the type grid v_1 < ... < v_m (positive); type_probs: f_k > 0 summing to one (iid
    across the two buyers); state_prior: (P[theta = 0], P[theta = 1]); alpha >= 0: competition
    intensity (the externality weight in pi_i).

    Data (computed at construction): `types`, `type_probs`, `cdf`, `virtual_values` (discrete phi),
    `state_prior`, `p_max`, `alpha`, `type_index` (the grid's labels) and `K` (= `outside_option`):
    the worst outside share the seller can impose, min over the rival's rule of the
    non-participant's best-response share, which in Example 2.1 is p_max - alpha (the rival is told
    theta). `outside_option_problem()` is its 5-variable LP.

    Problems (Models): `welfare_optimal()` (second best; = `welfare_problem()`),
    `welfare_optimal(first_best=True)`, `revenue_optimal()` (= `revenue_problem()`;
    `obedience=False`: REV-noObed), `virtual_surplus_problem()`, `outside_option_problem()`.
    A solution gives `sol["sigma"]` (the rule, rows (theta, v1, v2), columns (a1, a2)), `sol["h"]`
    (P[A_i = theta | v]), `sol["pit"]` (interim shares), `sol["payments"]` (primal t in the revenue
    LPs; the discrete Myerson payments of the shares otherwise), `sol["accuracy"]` (E[h_i | v_i]),
    `sol["binding"]` (types whose obedience binds) and `sol.prices["obedience_cost"]` (the shadow
    cost of obedience: -d value / d floor_i(v), >= 0). `greedy(objective)` is the exact solution.

    Every problem takes symmetry="none" (default: the paper's LP as written), "buyers" or "auto"
    (opt-in). "auto" departs from the paper's literal LP in its variables only: the buyers are ex
    ante identical, and with state_prior exactly (1/2, 1/2) so are the states, so the LP is solved
    over symmetric points, one variable per orbit (sigma: 2 m^2 + m columns instead of 8 m^2) and one
    row per orbit of identical rows. Same optimal value; the solution returned is the symmetric
    optimum, expanded to the full sigma, pit and t, with every full family's price (a symmetric
    optimal dual of the full LP). Opt-in because a degenerate full LP may return another optimal
    vertex and because the model's own families are the reduced ones (`*_sym`); see `programs`.
    """

    def __init__(self, types, type_probs, state_prior=(0.5, 0.5), alpha: float = 0.5, *, distribution=None):
        self.types = pr.increasing("types", types, positive=True)
        m = self.types.size
        self.type_index = pr.labels("v", self.types)
        # labelled Series are read by label (the types v; the states 0, 1), anything else by position
        self.type_probs = pr.probabilities("type_probs", type_probs, length=m, strict=True, index=self.type_index)
        self.state_prior = pr.probabilities("state_prior", state_prior, length=2, index=programs.STATE_INDEX)
        self.alpha = float(pr.nonnegative("alpha", alpha, length=1)[0])
        if self.alpha > MAX_ALPHA:
            raise pr.InputError(f"alpha: {self.alpha:g} is too large: a share 1 - alpha must keep its 1 in double "
                                f"precision (alpha <= {MAX_ALPHA:g}); at alpha = 2^53 the LP solves other data")
        self.p_max = float(self.state_prior.max())
        self.distribution = distribution  # the scipy distribution the grid discretizes, if any
        self.m = m
        self.cdf = np.cumsum(self.type_probs)
        #: phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k, phi_m = v_m ([spec §B.4](bdhn.md#spec-b4))
        self.virtual_values = ironing.virtual_values(self.types, self.type_probs)
        # K = min_{sigma_j} max_{a_i} (rho(a_i) - alpha P[A_j = theta]) = p_max - alpha, attained by
        # telling the rival theta (the value of `outside_option_problem()`; + 0.0: no -0.0)
        self.K = self.p_max - self.alpha + 0.0
        self.outside_option = OutsideOption(self.K, self.state_prior, self.alpha)

    # ------------------------------------------------------------ construction from a distribution
    @classmethod
    def from_distribution(cls, distribution, m: int, vmax: float | None = None, state_prior=(0.5, 0.5),
                          alpha: float = 0.5) -> InformationSeller:
        """The reference discretization of [spec §B.1](bdhn.md#spec-b1) of a type distribution.

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
        """The continuum limit ([spec §B.6](bdhn.md#spec-b6)) of this grid's distribution."""
        if self.distribution is None:
            raise pr.InputError("distribution: this seller was not built by from_distribution")
        return Continuum(self.distribution, self.p_max, self.alpha)

    # ------------------------------------------------------------ primitives of the game
    def share(self, a_own, a_rival, theta) -> np.ndarray:
        """pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta} (eq. (4), corrected)."""
        return programs.share(a_own, a_rival, theta, self.alpha)

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
        return ironing.myerson_payments(self.types, pit, floor=self.K)

    # ------------------------------------------------------------ the LPs (see `programs`)
    def outside_option_problem(self) -> Model:
        """The outside-option LP: K = min over the rival's rule of max_{a_i} E[pi_i] (5 variables)."""
        return programs.outside_option_problem(self.state_prior, self.alpha)

    def welfare_problem(self, first_best: bool = False, *, form: str = "rule", obedience_form: str = "general",
                        implementable: bool = False, ic: str = "adjacent", symmetry: str = "none") -> Model:
        """Second-best (obedient) welfare LP, or the first best (`first_best=True`: no obedience).

        implementable=True adds payments with IC and IR (non-binding for the second best, Prop. 5.5).
        form: "rule" (sigma, 8m^2 variables) or "reduced" (h, 2m^2); obedience_form: "general"
        (the obedience builder) or "accuracy" (Prop. 4.3); symmetry: "none", "buyers" or "auto"
        (one variable per orbit of the buyer and state swaps; same value, see the class docstring).
        """
        return programs.welfare_problem(self, first_best, form=form, obedience_form=obedience_form,
                                        implementable=implementable, ic=ic, symmetry=symmetry)

    def revenue_problem(self, *, obedience: bool = True, form: str = "rule", obedience_form: str = "general",
                        ic: str = "adjacent", rows: str = "full", symmetry: str = "none") -> Model:
        """Revenue LP: obedience + truthfulness + IR against K (`obedience=False`: REV-noObed).
        rows="lazy": obedience rows by row generation (same certified optimum). symmetry="auto": the
        same LP over one variable per orbit of the buyer (and state) swap, ~4x fewer columns and
        ~9x faster at m = 200 (class docstring)."""
        return programs.revenue_problem(self, obedience=obedience, form=form, obedience_form=obedience_form,
                                        ic=ic, rows=rows, symmetry=symmetry)

    def virtual_surplus_problem(self, *, form: str = "rule", obedience_form: str = "general",
                                symmetry: str = "none") -> Model:
        """max sum_i sum_k f_k phi_k pit_i(k) s.t. obedience (= REV + 2 v_1 K when phi is monotone)."""
        return programs.virtual_surplus_problem(self, form=form, obedience_form=obedience_form, symmetry=symmetry)

    def welfare_optimal(self, first_best: bool = False, *, form: str = "rule", obedience_form: str = "general",
                        implementable: bool = False, ic: str = "adjacent", symmetry: str = "none") -> Model:
        """The welfare LP (stable name of `welfare_problem`)."""
        return self.welfare_problem(first_best, form=form, obedience_form=obedience_form,
                                    implementable=implementable, ic=ic, symmetry=symmetry)

    def revenue_optimal(self, *, obedience: bool = True, form: str = "rule", obedience_form: str = "general",
                        ic: str = "adjacent", rows: str = "full", symmetry: str = "none") -> Model:
        """The revenue LP (stable name of `revenue_problem`)."""
        return self.revenue_problem(obedience=obedience, form=form, obedience_form=obedience_form, ic=ic,
                                    rows=rows, symmetry=symmetry)

    virtual_surplus = renamed("virtual_surplus_problem")

    # ------------------------------------------------------------ exact discrete solution ([spec
    # §B.5](bdhn.md#spec-b5))
    def greedy(self, objective: str = "welfare") -> exact.ExactSolution:
        """The exact discrete solution (discrete Lemma 5.2 / Prop. 5.3), without an LP (see `exact.greedy`).

        objective: "welfare", "first_best", "revenue" or "virtual_surplus" (the last two need
        non-decreasing discrete virtual values).
        """
        return exact.greedy(self, objective)

    def __repr__(self) -> str:
        return (f"InformationSeller(m={self.m}, types=[{self.types[0]:g} .. {self.types[-1]:g}], "
                f"state_prior={self.state_prior.tolist()}, alpha={self.alpha:g})")
