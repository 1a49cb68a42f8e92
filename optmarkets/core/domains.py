"""A variable's domain in the certificate (`core.certificate`): which bound its reduced cost may lean on (x >= 0,
x <= 0, a box's nearer bound, or none), its dual infeasibility against that, and its own primal residuals
(sign, box, semidefiniteness, integrality), each relative to its magnitude."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tolerances import COLUMN_FLOOR, DIVISION_FLOOR, DOMAIN_FLOOR

_TINY = DIVISION_FLOOR


def bound_sides(attrs: dict, x: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per entry of a variable (F order): the side of the bound its reduced cost may lean on (+1: a lower bound,
    as x >= 0; -1: an upper, as x <= 0; 0: free) and that bound (0 where free). A box (`bounds=`) leans on the
    nearer of its two bounds."""
    side, anchor = np.zeros(x.size), np.zeros(x.size)
    if attrs.get("nonneg") or attrs.get("boolean"):
        side[:] = 1.0
    elif attrs.get("nonpos"):
        side[:] = -1.0
    elif attrs.get("bounds") is not None:
        lo, hi = box(attrs["bounds"], shape)
        with np.errstate(invalid="ignore"):
            lower = np.isfinite(lo) & ~(np.isfinite(hi) & (hi - x < x - lo))
        upper = ~lower & np.isfinite(hi)
        side[lower], side[upper] = 1.0, -1.0
        anchor[lower], anchor[upper] = lo[lower], hi[upper]
    return side, anchor


def box(bounds: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A `bounds=` attribute as flat (F order) lower and upper bounds (None: unbounded on that side)."""
    return tuple(np.broadcast_to(np.asarray((-np.inf, np.inf)[k] if b is None else b, float), shape).reshape(
        -1, order="F") for k, b in enumerate(bounds))  # type: ignore[return-value]


def reduced_cost_residual(reduced: np.ndarray, magnitude: np.ndarray, sense: str,
                           side: np.ndarray, data_floor: np.ndarray | None = None) -> tuple[float, float, float]:
    """A variable's dual infeasibility: the largest wrong-signed reduced cost (absolute); relative to the
    largest of its columns' terms |grad f_j| + sum_i |y_i a_ij| (what `ok` decides on); and relative to
    each column's own terms (at least COLUMN_FLOOR times the largest): a vertex's reduced costs are exact
    up to round-off in their own column, so a large one there, even on a column of values 1e-6 beside
    columns of 1e6, says the basis is not optimal (`Certificate.column_dual_infeasibility`). Each column's
    terms count at least `data_floor` (DUAL_DATA_FLOOR x its largest coefficient x the largest price)."""
    if data_floor is not None:
        magnitude = np.maximum(magnitude, data_floor)
    # max: a lower bound allows reduced <= 0, an upper >= 0 (min: the reverse); a free entry needs 0
    leaning = reduced if sense == "max" else -reduced
    bad = np.maximum(np.where(side > 0, leaning, np.where(side < 0, -leaning, np.abs(reduced))), 0.0)
    worst, largest = float(np.max(bad, initial=0.0)), float(np.max(magnitude, initial=0.0))
    own = bad / np.maximum(np.maximum(magnitude, COLUMN_FLOOR * largest), _TINY)
    return worst, ratio(worst, largest), float(np.max(own, initial=0.0))


def domain_residuals(name: str, x: np.ndarray, attrs: dict, shape: tuple[int, ...], x_scale: float,
            viol: dict[str, float], rel: dict[str, float]) -> None:
    """A variable's sign and integrality residuals; a variable that is ~0 everywhere is measured
    against DOMAIN_FLOOR times the model's largest |x|. Integrality stays absolute."""
    if attrs["nonneg"] or attrs["boolean"]:
        key = f"{name} >= 0"
        viol[key] = float(max(0.0, -x.min())) if x.size else 0.0
        rel[key] = ratio(viol[key], max(float(np.max(np.abs(x), initial=0.0)), DOMAIN_FLOOR * x_scale))
    if attrs.get("nonpos"):
        key = f"{name} <= 0"
        viol[key] = float(max(0.0, x.max())) if x.size else 0.0
        rel[key] = ratio(viol[key], max(float(np.max(np.abs(x), initial=0.0)), DOMAIN_FLOOR * x_scale))
    if attrs.get("bounds") is not None and x.size:
        key = f"{name} within bounds"
        lo, hi = box(attrs["bounds"], shape)
        flat = x.reshape(-1, order="F")
        viol[key] = float(max(0.0, np.max(lo - flat), np.max(flat - hi)))
        finite = np.concatenate([np.abs(lo[np.isfinite(lo)]), np.abs(hi[np.isfinite(hi)])])
        rel[key] = ratio(viol[key], max(float(np.max(np.abs(x), initial=0.0)), float(np.max(finite, initial=0.0)),
                                         DOMAIN_FLOOR * x_scale))
    if semidefinite(attrs) and x.ndim == 2 and x.size:
        key = f"{name} {'PSD' if attrs.get('PSD') else 'NSD'}"
        sym = (x + x.T) / 2 * (1.0 if attrs.get("PSD") else -1.0)
        viol[key] = float(max(0.0, -np.linalg.eigvalsh(sym).min()))
        rel[key] = ratio(viol[key], max(float(np.max(np.abs(x), initial=0.0)), DOMAIN_FLOOR * x_scale))
    if attrs["integer"] or attrs["boolean"]:
        key = f"{name} integral"
        viol[key] = float(np.abs(x - np.round(x)).max()) if x.size else 0.0
        rel[key] = viol[key]


def semidefinite(attrs: dict) -> bool:
    return bool(attrs.get("PSD") or attrs.get("NSD"))


def ratio(residual: float, magnitude: float) -> float:
    if residual <= 0.0:
        return 0.0
    return residual / max(magnitude, _TINY)
