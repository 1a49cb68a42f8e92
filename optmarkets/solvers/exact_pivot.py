"""Exact simplex pivots of `exact()` (Bland's rule) and its starting basis, HiGHS's.

From a primal feasible basis the primal simplex, from a dual feasible one the dual simplex, every ratio
exact; the basis systems are `_Exact`'s (the reduced basis of `exact_basis` or the dense one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .exact import _Exact


def _start(h: Any, ex: _Exact) -> tuple[list[int], list[str]]:
    import highspy

    basis = h.getBasis()
    status = list(basis.col_status) + list(basis.row_status)
    basic = [j for j, s in enumerate(status) if s == highspy.HighsBasisStatus.kBasic]
    at = []
    for j, s in enumerate(status):
        if s == highspy.HighsBasisStatus.kUpper and ex.hi[j] is not None:
            at.append("hi")
        elif ex.lo[j] is not None and s != highspy.HighsBasisStatus.kUpper:
            at.append("lo")
        elif ex.hi[j] is not None:
            at.append("hi")
        else:
            at.append("zero")
    return basic, at


def _pivot(ex: _Exact, basic: list[int], at: list[str], v: list[Any], d: list[Any]) -> str:
    """One exact simplex pivot (Bland's rule); returns "" or why none is possible."""
    bset = set(basic)
    leave_j = ex.primal_infeasible(basic, v)
    if leave_j is None:  # primal simplex
        j = ex.dual_infeasible(bset, at, d)
        assert j is not None
        direction = 1 if (at[j] == "lo" or (at[j] == "zero" and d[j] < 0)) else -1
        col = ex.column_solve(basic, j)
        best: Any = None
        leave: int | None = None
        leave_at = ""
        lo_j, hi_j = ex.lo[j], ex.hi[j]
        if lo_j is not None and hi_j is not None:
            best = hi_j - lo_j
        for k, b in enumerate(basic):
            rate = -col[k] * direction  # d v_b / d t
            if rate > 0 and ex.hi[b] is not None:
                t, side = (ex.hi[b] - v[b]) / rate, "hi"
            elif rate < 0 and ex.lo[b] is not None:
                t, side = (ex.lo[b] - v[b]) / rate, "lo"
            else:
                continue
            if best is None or t < best or (t == best and leave is not None and b < leave):
                best, leave, leave_at = t, b, side
        if best is None:
            return "the LP is unbounded along an exact ray"
        if leave is None:  # the entering variable moves to its other bound
            at[j] = "hi" if at[j] == "lo" else "lo"
            return ""
        basic[basic.index(leave)] = j
        at[leave] = leave_at
        return ""
    if ex.dual_infeasible(bset, at, d) is not None:
        return "the basis is neither primal nor dual feasible in exact arithmetic"
    k = basic.index(leave_j)
    to = "lo" if ex.lo[leave_j] is not None and v[leave_j] < ex.lo[leave_j] else "hi"
    alphas = ex.transpose_times(ex.row_of(basic, k))  # row k of B^-1 M
    best_j, best = None, None
    for j in range(ex.n + ex.m):
        if j in bset or (ex.lo[j] is not None and ex.lo[j] == ex.hi[j]):
            continue
        alpha = alphas[j]
        if alpha == 0:
            continue
        # x_leave = -sum alpha_j x_j + ...: to raise it (to 'lo'), move x_j against alpha_j
        up = (to == "lo")
        ok = (at[j] == "lo" and (alpha < 0) == up) or (at[j] == "hi" and (alpha > 0) == up) or at[j] == "zero"
        if not ok:
            continue
        ratio = abs(d[j] / alpha)
        if best is None or ratio < best:
            best_j, best = j, ratio
    if best_j is None:
        return "the LP is infeasible (exact dual ray)"
    basic[k] = best_j
    at[leave_j] = to
    return ""
