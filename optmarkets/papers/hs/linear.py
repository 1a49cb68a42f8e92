"""Linear valuations v(t, a) = v_t a ([HS] Appendix C.1, Mussa-Rosen): virtual values from the
ironed revenue curve (`theory.ironing.concave_majorant`), the identity
profit = sum_t f(t) max_a [phi(t) a - C(a)], and Corollary 2's (t, delta)-perturbation split.

Every function takes a `MultiProductSeller` built with `MultiProductSeller.linear` first; the
seller's methods of the same names call them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.tolerances import QUALITY_RISE
from ...theory.ironing import concave_majorant, hull_values
from .results import Segmentation
from .segmentation import _segmentation, type_position
from .tolerances import CLOSED_FORM_TOL, CS_TOL, DET_TOL, VALUE_TIE

if TYPE_CHECKING:
    from .seller import MultiProductSeller


def _linear(seller: MultiProductSeller) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if seller.linear_values is None:
        raise pr.InputError("valuations: not linear; build the seller with MultiProductSeller.linear")
    return seller.linear_values, seller.qualities, seller.c


def virtual_values(seller: MultiProductSeller, market) -> pd.Series:
    """phi(t) = [R_IR(F~(t)) - R_IR(F~(t+1))] / f(t): slopes of the ironed revenue curve R_IR, the
    least concave majorant of the points (F~(t), v_t F~(t)) and (0, 0), F~(t) = sum_{s>=t} f(s).
    A zero-mass type gets the slope just left of F~(t), as in the paper."""
    v, _, _ = _linear(seller)
    f = seller.market(market)
    F = np.concatenate([np.cumsum(f[::-1])[::-1], [0.0]])  # F~(1..n+1)
    hx, hy = concave_majorant(np.concatenate([F[:-1], [0.0]]), np.concatenate([v * F[:-1], [0.0]]))
    R = hull_values(F, (hx, hy))
    phi = np.empty(len(v))
    for t in range(len(v)):
        if f[t] > 0:
            phi[t] = (R[t] - R[t + 1]) / f[t]
        else:
            seg = np.searchsorted(hx, F[t], side="left")  # hull segment ending at or after F~(t)
            phi[t] = v[t] if seg == 0 else (hy[seg] - hy[seg - 1]) / (hx[seg] - hx[seg - 1])
    return pd.Series(phi, index=seller.type_index, name="phi")


def virtual_surplus(seller: MultiProductSeller, market) -> pd.DataFrame:
    """Per type: phi(t), the virtual-surplus maximiser a(t) = argmax_a [phi(t) a - C(a)] (the
    highest on ties) and its value; sum_t f(t) * value is the optimal profit (ironing identity)."""
    phi = virtual_values(seller, market).to_numpy()
    _, a, C = _linear(seller)
    vs = phi[:, None] * a[None, :] - C[None, :]
    best = vs.max(axis=1)
    pick = np.array([np.flatnonzero(np.isclose(row, m, rtol=0, atol=CLOSED_FORM_TOL)).max()
                     for row, m in zip(vs, best)])
    return pd.DataFrame({"phi": phi, "quality": a[pick], "value": best}, index=seller.type_index)


def virtual_surplus_profit(seller: MultiProductSeller, market) -> float:
    """sum_t f(t) max_a [phi(t) a - C(a)], equal to the M-LP optimum for linear valuations."""
    return float(seller.market(market) @ virtual_surplus(seller, market)["value"])


def corollary2(seller: MultiProductSeller, market) -> pd.DataFrame:
    """Corollary 2's test, per type: the selected quality a(t) (NaN for a lottery), whether it is
    efficient, phi(t), lo = min Phi(phi(t)) = max_{b < a} (C(a) - C(b)) / (a - b) (-inf for a = 0,
    phi for a lottery) and `improvable` = inefficient and phi(t) > lo. f is Pareto improvable iff
    some type is."""
    v, a, C = _linear(seller)
    f = seller.market(market)
    sol = seller.selected(f)
    X = sol["allocation"].to_numpy()
    phi = virtual_values(seller, f).to_numpy()
    det = X.max(axis=1) >= 1 - DET_TOL
    quality = np.where(det, a[X.argmax(axis=1)], np.nan)
    lo = np.empty(len(v))
    for t in range(len(v)):
        if not det[t]:
            lo[t] = phi[t]
        else:
            i = int(X[t].argmax())
            lo[t] = -np.inf if i == 0 else float(((C[i] - C[:i]) / (a[i] - a[:i])).max())
    efficient = X[np.arange(len(v)), seller.efficient] >= 1 - DET_TOL
    gap = VALUE_TIE * seller.scale
    return pd.DataFrame({"quality": quality, "expected_quality": X @ a, "efficient": efficient, "phi": phi,
                         "lo": lo, "improvable": (~efficient) & (f > 0) & (phi > lo + gap)},
                        index=seller.type_index)


def perturbation(seller: MultiProductSeller, market, t, delta: float) -> np.ndarray:
    """The (t, delta)-perturbation: F~1(s) = (1 + delta) F~(s) for s > t, unchanged for s <= t."""
    f = seller.market(market)
    i = type_position(seller, "t", t)
    delta = float(pr.as_vector("delta", delta, length=1)[0])
    above = f[i + 1:].sum()
    g = f.copy()
    g[i + 1:] *= 1 + delta
    g[i] = f[i] - delta * above
    if (g < -CLOSED_FORM_TOL).any():
        raise pr.InputError(f"delta: {delta:g} makes the perturbed market negative")
    return np.clip(g, 0.0, None)


def corollary2_segmentation(seller: MultiProductSeller, market, *, max_halvings: int = 30) -> Segmentation | None:
    """Corollary 2's constructive direction: for an improvable type t, f' = (t, delta')-perturbation
    with delta' near -1 (a(t) rises), f'' = (t, delta'')-perturbation, delta'' = -eps delta'/(1-eps),
    eps halved until f'' keeps the mechanism of f. None when Corollary 2's condition fails."""
    f = seller.market(market)
    test = corollary2(seller, f)
    if not test["improvable"].any():
        return None
    _, a, _ = _linear(seller)
    t = test.index[test["improvable"].to_numpy()][0]
    i = seller.type_index.get_loc(t)
    base = seller.selected(f)
    for dp in (-0.5, -0.9, -0.99, -0.999, -0.9999):
        f1 = perturbation(seller, f, t, dp)
        if seller.selected(f1)["allocation"].to_numpy()[i] @ a > test["expected_quality"].iloc[i] + QUALITY_RISE:
            break
    else:
        return None
    eps, tol = 0.5, CS_TOL * seller.scale
    for _ in range(max_halvings):
        d2 = -eps * dp / (1 - eps)
        if f[i] - d2 * f[i + 1:].sum() > 0:  # f''(t) > 0: a (t, delta'')-perturbation exists
            f2 = perturbation(seller, f, t, d2)
            s2 = seller.selected(f2)
            if np.abs(s2["consumer_surplus"] - base["consumer_surplus"])[f > 0].max() <= tol:
                return _segmentation(seller, f, [f1, f2], [eps, 1 - eps], "Corollary 2 (t, delta) split",
                                     type=t, delta=dp)
        eps /= 2
    return None
