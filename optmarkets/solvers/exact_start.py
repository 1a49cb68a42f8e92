"""Where exact() starts: a float HiGHS basis of the standard form, solved at tight tolerances from a basis it is
given (`float_basis`), or one at a Solution's own point (`point_basis`), for a Solution that keeps no basis of its
own (a selection chain moved its point after stage 1; row generation solved other programs than the full LP)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.tolerances import EXACT_HIGHS_TOL, POINT_BASIS_TOL, POINT_MOVED_TOL
from .ranging import ModelForm, simplex_highs
from .scaling import equilibrate

__all__ = ["float_basis", "highspy_solution", "point_basis", "scaled_basis"]


def float_basis(form: ModelForm, held: Any) -> tuple[Any, bool]:
    """HiGHS solved on the standard form (simplex, tolerances EXACT_HIGHS_TOL), started from the basis `held` where
    it fits (~0 iterations when it is this program's optimal basis); and whether it was."""
    m, n = form.lp.A.shape
    seeded = held is not None and held.valid and len(held.col_status) == n and len(held.row_status) == m
    h = simplex_highs(form.lp, EXACT_HIGHS_TOL, held if seeded else None)
    h.run()
    return h, seeded


def scaled_basis(form: ModelForm) -> Any:
    """HiGHS solved (simplex, EXACT_HIGHS_TOL) on the standard form scaled by powers of two (`scaling.equilibrate`,
    as the solve path scales it), or None where the form is well scaled already (its basis would be the unscaled
    form's). HiGHS's tolerances are absolute: on data of magnitude 1e-8 the unscaled form's basis can be off in
    rationals (neither primal nor dual feasible) or the form read as infeasible. Positive scalings keep every
    basis's statuses, so its basis is one of the unscaled form."""
    lp = form.lp
    scaling = equilibrate(lp)
    if scaling.identity:
        return None
    h = simplex_highs(scaling.apply(lp), EXACT_HIGHS_TOL)
    h.run()
    return h


def point_basis(form: ModelForm, point: Mapping[str, Any], prices: Mapping[str, Any] | None, held: Any,
                 stats: dict[str, float]) -> Any:
    """A solved HiGHS whose basis is at the standard-form image of `point` (variable name -> values), with the
    duals of `prices` (family -> the price convention's values) where one basis gives both; None where the point
    leaves a column unset or is not a vertex HiGHS keeps to.

    First HiGHS's crossover from the pair (point, prices): kept when it ends at both. Otherwise (HiGHS's crossover
    is a heuristic: on 13 of 126 random HS selection chains it left the point although a basis at both exists)
    the face of the polyhedron through the point (every row and column bound it meets, within POINT_BASIS_TOL of
    the row's terms, made an equality) is solved, and its basis starts HiGHS's primal simplex on the LP itself,
    which from an optimal point pivots in place (the duals are then an optimal vertex of HiGHS's choosing).
    `stats`: 'point_moved' (how far the final vertex is from the point, each column relative to its variable's
    largest entry: variables keep their own units) and
    'point_prices' (1 where its duals are `prices`)."""
    lp = form.lp
    x = np.full(lp.A.shape[1], np.nan)
    unit = np.zeros(lp.A.shape[1])  # each column's variable's magnitude: variables come in their own units
    for name, (offset, shape) in form.columns.items():
        values = np.asarray(point[name], float) if name in point else np.empty(0)
        size = int(np.prod(shape)) if shape else 1
        if values.size == size:  # else the column stays unset
            # labelled values are in C order of the variable's shape (an N-D one is a flat Series); columns in F
            x[offset:offset + size] = values.reshape(shape or (1,)).reshape(-1, order="F")
            unit[offset:offset + size] = np.abs(values).max(initial=0.0)
    if not np.isfinite(x).all():
        return None

    def moved(h: Any) -> float:
        """The largest move of a column from the point, relative to its variable's magnitude."""
        gap = np.abs(np.asarray(h.getSolution().col_value) - x)
        return float(np.max(gap / np.maximum(unit, np.finfo(float).tiny), initial=0.0))

    y = _row_duals(form, prices)
    if y is not None:
        crossed = simplex_highs(lp, EXACT_HIGHS_TOL)
        pair = highspy_solution(x, lp.A @ x, lp.c - lp.A.T @ y, y)
        crossed.crossover(pair)
        if crossed.getModelStatus() == crossed.getModelStatus().kOptimal:
            gap = moved(crossed)
            y_gap = np.max(np.abs(np.asarray(crossed.getSolution().row_dual) - y), initial=0.0)
            if gap <= POINT_MOVED_TOL and y_gap <= POINT_BASIS_TOL * np.max(np.abs(y), initial=0.0):
                stats["point_moved"], stats["point_prices"] = gap, 1
                return crossed
    r, terms = lp.A @ x, abs(lp.A) @ np.abs(x)
    row_spans = [(b.start, b.size) for b in form.blocks.values()]
    col_spans = [(offset, int(np.prod(shape)) if shape else 1) for offset, shape in form.columns.values()]

    def meets(value: np.ndarray, bound: np.ndarray, own: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
        """Whether each value is at its bound: within POINT_BASIS_TOL of the larger of the bound and its own terms,
        or of the largest of these in its family or variable (its units: the test reads the same at any scale)."""
        scale = np.maximum(np.abs(np.where(np.isfinite(bound), bound, 0.0)), own)
        with np.errstate(invalid="ignore"):
            return np.isfinite(bound) & (np.abs(value - bound) <= POINT_BASIS_TOL * _span_max(scale, spans))

    rl, ru, cl, cu = lp.row_lower.copy(), lp.row_upper.copy(), lp.col_lower.copy(), lp.col_upper.copy()
    row_up, row_low = meets(r, ru, terms, row_spans), meets(r, rl, terms, row_spans)
    col_low, col_up = meets(x, cl, np.abs(x), col_spans), meets(x, cu, np.abs(x), col_spans)
    rl[row_up], ru[row_low], cu[col_low], cl[col_up] = ru[row_up], rl[row_low], cl[col_low], cu[col_up]
    face = simplex_highs(replace(lp, row_lower=rl, row_upper=ru, col_lower=cl, col_upper=cu), EXACT_HIGHS_TOL, held)
    face.setOptionValue("presolve", "off")  # its basis is wanted, not presolve's empty reduced model
    face.run()
    if face.getModelStatus() != face.getModelStatus().kOptimal:
        return None
    h = simplex_highs(lp, EXACT_HIGHS_TOL, face.getBasis())
    h.setOptionValue("simplex_strategy", 4)  # primal: from a primal feasible optimal point, pivots stay there
    h.run()
    if h.getModelStatus() != h.getModelStatus().kOptimal:
        return None
    stats["point_moved"], stats["point_prices"] = moved(h), 0
    return h if stats["point_moved"] <= POINT_MOVED_TOL else None


def _span_max(values: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Each entry's value raised to the largest in its span (a family's rows, a variable's columns)."""
    out = values.copy()
    for start, size in spans:
        if size:
            out[start:start + size] = np.maximum(out[start:start + size], values[start:start + size].max())
    return out


def _row_duals(form: ModelForm, prices: Mapping[str, Any] | None) -> np.ndarray | None:
    """HiGHS's row duals of the standard form from a Solution's prices (the inverse of the certificate's map), or
    None where a family has none."""
    if not prices or any(name not in prices for name in form.blocks):
        return None
    y = np.zeros(form.lp.A.shape[0])
    for name, block in form.blocks.items():
        values = np.asarray(prices[name], float).reshape(-1)
        if values.size != block.size:
            return None
        y[block.rows_c_order()] = values * form.sign * block.sigma
    return y if np.isfinite(y).all() else None


def highspy_solution(col_value: np.ndarray, row_value: np.ndarray, col_dual: np.ndarray, row_dual: np.ndarray) -> Any:
    """A highspy.HighsSolution holding a primal-dual pair (crossover's start)."""
    import highspy

    out = highspy.HighsSolution()
    out.col_value, out.row_value, out.value_valid = list(col_value), list(row_value), True
    out.col_dual, out.row_dual, out.dual_valid = list(col_dual), list(row_dual), True
    return out
