"""Ironing and virtual values on finite type spaces, computed once for every paper.

* `concave_majorant` / `convex_minorant`: the vertices of the least concave majorant (greatest
  convex minorant) of finitely many points, and `hull_values` their value at given abscissae.
* `virtual_values`: the discrete (Myerson) virtual value of a value distribution on an increasing
  grid, phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k, phi_m = v_m (Bonatti et al., [spec §B.4](bdhn.md#spec-b4)).
* `virtual_costs`: the discrete virtual cost of a cost distribution, phi_1 = c_1,
  phi_k = c_k + (c_k - c_{k-1}) G_{k-1}/g_k (Yang, [spec §A.6](yang.md#spec-a6)).
* `ironed_slopes`: the slopes of the greatest convex minorant of the cumulative points
  (G_k, sum_{j<=k} g_j phi_j), i.e. ironed virtual costs (or, with `concave=True`, the ironed
  slopes of a revenue curve).
* `myerson_payments`: the revenue-maximising payments implementing a monotone allocation on a
  discrete grid with the lowest type's participation binding.
"""

from __future__ import annotations

import numpy as np

from ..core.tolerances import HULL_X_TOL, ROUNDOFF


def _hull(x: np.ndarray, y: np.ndarray, *, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((-y if upper else y, x))
    pts: list[tuple[float, float]] = []
    for xi, yi in zip(x[order], y[order]):
        if pts and np.isclose(pts[-1][0], xi, rtol=0, atol=HULL_X_TOL):
            continue  # same x: the first (highest y for a majorant, lowest for a minorant) stays
        while len(pts) >= 2:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            cross = (y1 - y0) * (xi - x0) - (yi - y0) * (x1 - x0)
            if (cross <= 0) if upper else (cross >= 0):  # middle point not strictly outside the chord
                pts.pop()
            else:
                break
        pts.append((float(xi), float(yi)))
    hx, hy = np.array(pts).T
    return hx, hy


def concave_majorant(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (sorted by x) of the least concave majorant of the points (x, y)."""
    return _hull(np.asarray(x, float), np.asarray(y, float), upper=True)


def convex_minorant(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (sorted by x) of the greatest convex minorant of the points (x, y)."""
    return _hull(np.asarray(x, float), np.asarray(y, float), upper=False)


def hull_values(x, vertices: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The piecewise-linear hull through `vertices` evaluated at x."""
    hx, hy = vertices
    return np.interp(np.asarray(x, float), hx, hy)


def virtual_values(values, probs) -> np.ndarray:
    """phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k, phi_m = v_m (values increasing, probs > 0)."""
    v, f = np.asarray(values, float), np.asarray(probs, float)
    gap = np.append(np.diff(v), 0.0)
    return v - gap * np.clip(1.0 - np.cumsum(f), 0.0, None) / f


def virtual_costs(costs, probs) -> np.ndarray:
    """phi_1 = c_1, phi_k = c_k + (c_k - c_{k-1}) G_{k-1} / g_k (costs increasing, probs > 0)."""
    c, g = np.asarray(costs, float), np.asarray(probs, float)
    phi = c.copy()
    phi[1:] += np.diff(c) * np.cumsum(g)[:-1] / g[1:]
    return phi


def ironed_slopes(probs, phi, *, concave: bool = False) -> np.ndarray:
    """Slopes of the greatest convex (least concave, `concave=True`) hull of the cumulative points
    (0, 0), (G_k, sum_{j<=k} g_j phi_j): ironed virtual costs (values), one per type."""
    g = np.asarray(probs, float)
    x = np.concatenate([[0.0], np.cumsum(g)])
    y = np.concatenate([[0.0], np.cumsum(g * np.asarray(phi, float))])
    hull = concave_majorant(x, y) if concave else convex_minorant(x, y)
    return np.diff(hull_values(x, hull)) / np.diff(x)


def myerson_payments(values, allocation, floor: float = 0.0) -> np.ndarray:
    """t(1) = v_1 (a(1) - floor), t(k) = t(k-1) + v_k (a(k) - a(k-1)): the payments that implement a
    monotone allocation a (along axis 0) with the lowest type's participation binding at `floor`."""
    a = np.asarray(allocation, float)
    v = np.asarray(values, float).reshape(-1, *([1] * (a.ndim - 1)))
    return np.cumsum(v * np.diff(a, axis=0, prepend=floor), axis=0)


def is_monotone(values, tol: float = ROUNDOFF) -> bool:
    """Whether a sequence is non-decreasing (within `tol`)."""
    return bool((np.diff(np.asarray(values, float)) >= -tol).all())
