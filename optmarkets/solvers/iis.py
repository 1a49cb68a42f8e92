"""Infeasibility explained: an irreducible infeasible subset (IIS) named by families and domains.

`explain_infeasible(model)` works on the standard form HiGHS receives (`solvers.ranging.model_form`),
so each row and column maps back to a family row or a variable entry:
1. HiGHS's IIS with the *irreducible* strategy (`iis_strategy = kIisStrategyIrreducible`; HiGHS's
   default, the light strategy, returns an empty set for many infeasible LPs). A column is in the
   conflict when its bound is (lower, upper or boxed), not free.
2. Where HiGHS gives none: an elastic LP (each row relaxed by nonnegative slacks, their sum
   minimised) orders the groups (families and variable domains), and a deletion filter drops every
   group whose removal leaves the rest infeasible, so what remains is irreducible over groups; its
   rows are those with positive elastic slack (all the family's rows when none has).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.tolerances import IIS_SLACK_TOL
from .highs import RejectedLPError
from .ranging import ModelForm, flat_labels, model_form

#: Elastic slacks above this are "in conflict".
SLACK_TOL = IIS_SLACK_TOL


@dataclass
class Conflict:
    """An irreducible infeasible subset: names (families, then domains such as "chi >= 0") and rows."""

    names: tuple[str, ...]
    rows: dict[str, pd.Index] = field(default_factory=dict)
    method: str = ""

    def __str__(self) -> str:
        parts = []
        for name in self.names:
            rows = self.rows.get(name)
            shown = "" if rows is None or len(rows) > 6 else ", ".join(str(r) for r in rows)
            parts.append(f"{name} [{shown}]" if shown else name)
        return "; ".join(parts)


@dataclass
class _Groups:
    """Families (row groups) and variable domains (column groups) of a model's standard form."""

    names: list[str]
    rows: list[np.ndarray]  # standard-form rows of each group (empty for a domain)
    cols: list[np.ndarray]  # standard-form columns whose bounds the group holds (empty for a family)
    labels: list[pd.Index]  # labels of those rows/columns, in the same order


def _groups(model: Any, form: ModelForm) -> _Groups:
    g = _Groups([], [], [], [])
    for name, block in form.blocks.items():
        g.names.append(name)
        g.rows.append(block.rows_c_order())
        g.cols.append(np.empty(0, int))
        g.labels.append(flat_labels(block))
    lp = form.lp
    for name, (offset, shape) in form.columns.items():
        size = int(np.prod(shape)) if shape else 1
        f_pos = np.arange(size).reshape(shape or (1,), order="F").reshape(-1)  # C position -> F position
        cols = offset + f_pos
        if not (np.isfinite(lp.col_lower[cols]).any() or np.isfinite(lp.col_upper[cols]).any()):
            continue
        index = model.variables[name].index
        if isinstance(index, tuple):
            labels: pd.Index = pd.MultiIndex.from_product([index[0], index[1]])
        else:
            labels = pd.Index(index) if index is not None else pd.RangeIndex(size)
        lower0 = np.all(lp.col_lower[cols] == 0.0) and not np.isfinite(lp.col_upper[cols]).any()
        g.names.append(f"{name} >= 0" if lower0 else f"{name} bounds")
        g.rows.append(np.empty(0, int))
        g.cols.append(cols)
        g.labels.append(labels)
    return g


def explain_infeasible(model: Any) -> Conflict | None:
    """An irreducible infeasible subset of an infeasible LP `model`, or None (not an LP, or none found)."""
    if not model.is_lp:
        return None
    try:
        form = model_form(model)
    except Exception:  # explaining must never hide the infeasibility itself
        return None
    groups = _groups(model, form)
    try:
        found = _highs_iis(form, groups)
        return found if found is not None else _deletion_filter(form, groups)
    except RejectedLPError:  # coefficients HiGHS takes only scaled: the infeasibility stands unexplained
        return None


def _highs(lp: Any) -> Any:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp.load_into(h)
    return h


def _highs_iis(form: ModelForm, groups: _Groups) -> Conflict | None:
    import highspy

    h = _highs(form.lp)
    h.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyIrreducible))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
        return None
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    in_rows = np.asarray(iis.row_index_, int)
    bound = {int(highspy.IisBoundStatus.kIisBoundStatusLower), int(highspy.IisBoundStatus.kIisBoundStatusUpper),
             int(highspy.IisBoundStatus.kIisBoundStatusBoxed)}
    in_cols = np.asarray([j for j, b in zip(iis.col_index_, iis.col_bound_, strict=True) if int(b) in bound], int)
    if in_rows.size == 0 and in_cols.size == 0:
        return None
    return _conflict(groups, in_rows, in_cols, "HiGHS IIS (irreducible strategy)")


def _conflict(groups: _Groups, in_rows: np.ndarray, in_cols: np.ndarray, method: str) -> Conflict:
    names: list[str] = []
    rows: dict[str, pd.Index] = {}
    for name, r, c, labels in zip(groups.names, groups.rows, groups.cols, groups.labels, strict=True):
        hit = np.isin(r, in_rows) if r.size else np.isin(c, in_cols)
        if hit.any():
            names.append(name)
            rows[name] = labels[hit]
    return Conflict(tuple(names), rows, method)


def _deletion_filter(form: ModelForm, groups: _Groups) -> Conflict | None:
    """Elastic LP, then drop every group whose removal keeps the rest infeasible."""
    import highspy

    lp = form.lp
    m, n = lp.A.shape
    inf = np.inf
    slack = _elastic_slacks(form)
    h = _highs(lp)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))

    def infeasible(active: np.ndarray) -> bool:
        row_lo, row_hi = lp.row_lower.copy(), lp.row_upper.copy()
        col_lo, col_hi = lp.col_lower.copy(), lp.col_upper.copy()
        for k in np.flatnonzero(~active):
            row_lo[groups.rows[k]], row_hi[groups.rows[k]] = -inf, inf
            col_lo[groups.cols[k]], col_hi[groups.cols[k]] = -inf, inf
        h.changeRowsBounds(m, np.arange(m, dtype=np.int32), row_lo, row_hi)
        h.changeColsBounds(n, np.arange(n, dtype=np.int32), col_lo, col_hi)
        h.clearSolver()
        h.run()
        return bool(h.getModelStatus() == highspy.HighsModelStatus.kInfeasible)

    active = np.ones(len(groups.names), bool)
    if not infeasible(active):
        return None
    weight = np.array([slack[r].sum() if r.size else 0.0 for r in groups.rows])
    for k in np.argsort(weight, kind="stable"):  # zero-slack groups first: most are not needed
        active[k] = False
        if not infeasible(active):
            active[k] = True
    in_rows = np.concatenate([r[slack[r] > SLACK_TOL] if (slack[r] > SLACK_TOL).any() else r
                              for r, a in zip(groups.rows, active, strict=True) if a and r.size] or [np.empty(0, int)])
    in_cols = np.concatenate([c for c, a in zip(groups.cols, active, strict=True) if a and c.size]
                             or [np.empty(0, int)])
    return _conflict(groups, in_rows, in_cols, "elastic LP and deletion filter")


def _elastic_slacks(form: ModelForm) -> np.ndarray:
    """Each row's total slack in min sum(s+ + s-) s.t. L <= A x + s- - s+ <= U, x in its bounds."""
    import highspy
    import scipy.sparse as sp

    lp = form.lp
    m, n = lp.A.shape
    eye = sp.identity(m, format="csc")
    elastic = replace(lp, A=sp.hstack([lp.A, eye, -eye]).tocsc(), c=np.concatenate([np.zeros(n), np.ones(2 * m)]),
                      col_lower=np.concatenate([lp.col_lower, np.zeros(2 * m)]),
                      col_upper=np.concatenate([lp.col_upper, np.full(2 * m, np.inf)]), integer=[])
    h = _highs(elastic)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.zeros(m)
    x = np.asarray(h.getSolution().col_value, float)
    return np.asarray(x[n:n + m] + x[n + m:])
