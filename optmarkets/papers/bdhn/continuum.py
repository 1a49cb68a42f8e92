"""The continuum limit ([spec §B.6](bdhn.md#spec-b6)): the paper's closed forms for iid continuous
types (Props. 5.4-5.8).

The reference grids of `InformationSeller.from_distribution` converge to these values: welfare like
Delta^2 and revenue like Delta in the cell width Delta.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from ...core import validate as pr
from ...core.tolerances import TAIL_MASS  # unbounded supports are integrated up to the (1 - TAIL_MASS) quantile

#: Points of the grid on which a generic phi is tabulated and inverted.
PHI_GRID = 20001


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
    """The paper's closed forms for iid continuous types (Props. 5.4-5.8, [spec §B.6](bdhn.md#spec-b6)).

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
        self._top = self.v_high if np.isfinite(self.v_high) else float(self.dist.isf(TAIL_MASS))
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
        grid = np.linspace(self.v_low, self._top, PHI_GRID)[1:-1]
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
        integrand = lambda v: float(fn(v)) * float(self.dist.pdf(v))
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
