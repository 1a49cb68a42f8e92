"""[Y] Examples 1 and 2 in the continuum: D0(p) = 1 - p on [0, 1] and G(c) = c^(1/n) (n = 1: Example 1).

The paper's formulas, evaluated by adaptive quadrature:
- the broker's optimal revenue (Theorem 1 / Prop. 2 with phi(c) = (n + 1) c and the ironed virtual
  cost phibar(c) = min(phi(c), (1 + c)/2)):
      R*(n) = int_0^1 g(c) int_{phibar(c)}^1 (v - phi(c)) dv dc;
- direct acquisition at the offer t (the producer sells iff pi0(c) = (1 - c)^2/4 <= t):
      DA(n, t) = int_{c: pi0(c) <= t} (W(c) - t) g(c) dc,   W(c) = (1 - c)^2/2;
  the paper's Example 2 compares R* with DA(n, 1/4) (every producer sells) and says direct
  acquisition wins "for n > 15";
- `direct_acquisition_optimum` maximises DA(n, t) over t.

`discretized` gives the midpoint-grid DataBroker of G(c) = c^(1/n) for the exact LP.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize

from ...core import validate as pr
from ...core.tolerances import QUAD_TOL, SCALAR_XTOL
from .economy import DataBroker


def _n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise pr.InputError(f"n: must be a positive integer (G(c) = c^(1/n)), got {n!r}")
    return int(n)


def density(n: int, c: float) -> float:
    """g(c) = (1/n) c^(1/n - 1)."""
    return c ** (1 / n - 1) / n


def _outer(fn, n: int, lo: float = 0.0, hi: float = 1.0) -> float:
    # the substitution c = s^n removes the singularity of g at 0: g(c) dc = ds
    value, _ = integrate.quad(lambda s: fn(s ** n), lo ** (1 / n), hi ** (1 / n), epsabs=QUAD_TOL,
                              epsrel=QUAD_TOL, limit=200)
    return float(value)


def broker_revenue(n: int = 1) -> float:
    """R*(n) of [Y] Examples 1-2: the paper's double integral by quadrature (R*(1) = 1/18)."""
    n = _n(n)

    def inner(c: float) -> float:
        phi, phibar = (n + 1) * c, min((n + 1) * c, (1 + c) / 2)
        return integrate.quad(lambda v: v - phi, min(phibar, 1.0), 1.0, epsabs=QUAD_TOL, epsrel=QUAD_TOL)[0]

    kink = 1 / (1 + 2 * n)
    return _outer(inner, n, 0.0, kink) + _outer(inner, n, kink, 1.0)


def direct_acquisition(n: int = 1, t: float = 0.25) -> float:
    """DA(n, t): the broker offers t; producers with pi0(c) = (1 - c)^2/4 <= t sell."""
    n = _n(n)
    lowest = max(0.0, 1 - 2 * np.sqrt(t))  # pi0(c) <= t iff c >= 1 - 2 sqrt(t)
    return _outer(lambda c: (1 - c) ** 2 / 2 - t, n, lowest, 1.0)


def direct_acquisition_optimum(n: int = 1) -> tuple[float, float]:
    """(max_t DA(n, t), the best offer t) over t in [0, 1/4]."""
    res = optimize.minimize_scalar(lambda t: -direct_acquisition(n, t), bounds=(0.0, 0.25), method="bounded",
                                   options={"xatol": SCALAR_XTOL})
    best = max([(direct_acquisition(n, 0.25), 0.25), (-float(res.fun), float(res.x))])
    return best


def acquisition_threshold(max_n: int = 60) -> int:
    """The smallest n with DA(n, 1/4) > R*(n): where the paper's Example 2 inequality starts to hold."""
    for n in range(1, max_n + 1):
        if direct_acquisition(n) > broker_revenue(n):
            return n
    raise pr.InputError(f"max_n: direct acquisition never beats the broker up to n = {max_n}")


def discretized(n: int, grid: int) -> DataBroker:
    """G(c) = c^(1/n), D0(p) = 1 - p on midpoint grids of `grid` cells (cost masses G(k/grid) - G((k-1)/grid))."""
    n = _n(n)
    edges = np.linspace(0.0, 1.0, grid + 1)
    mid = (edges[:-1] + edges[1:]) / 2
    return DataBroker(mid, np.full(grid, 1 / grid), mid, np.diff(edges ** (1 / n)))
