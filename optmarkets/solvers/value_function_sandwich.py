"""The float value function by the sandwich (Eisner-Severance) method: about 2k + 1 warm re-solves for k pieces.

V(t) is piecewise linear and concave (a max along an rhs path, a min along an objective path) or convex (the
other two). An optimal basis at t gives a line through (t, V(t)) that supports V everywhere (`basis_line`'s
value line): on an rhs path its multipliers y are dual feasible for every t, so y.b(t) bounds V; on an
objective path its primal x is feasible for every t, so c(t).x bounds V. The slope is a supergradient
(subgradient) of V at t, not necessarily a one-sided derivative where t is a breakpoint; the method needs no more.

On [tl, tr] with supporting lines L (touching at tl) and R (touching at tr): t* is where they meet; one warm
solve there gives V(t*). If V(t*) equals L(t*) (relative VF_SLOPE_TOL), V = min(L, R) (max(L, R)) on [tl, tr]
(V lies between those lines and the chord through (tl, t*, tr)): pieces [tl, t*] on L and [t*, tr] on R
(one may be empty: then t* is no breakpoint). Otherwise the solve's line M splits the interval in two.
The solve at t* is skipped where L's basis is optimal (primal and dual feasible, `basis_range`) from tl up
to t* and R's from t* to tr: then V is L, then R, already (on a nondegenerate path: about k solves).
Equal slopes with one value mean one line across the interval.

Prices. On an rhs path a piece's line holds optimal multipliers on the whole piece (y.b(t) = V(t) there), so
they are the piece's prices. On an objective path a line's primal x is optimal on the whole piece, but its
multipliers need not be: unless the basis stays optimal across the piece, one more solve at the piece's
midpoint gives them (where V is differentiable: its slope must equal the piece's, a consistency check).

Anything inconsistent (no optimum, tangents crossing outside their interval, V(t*) on the wrong side of a
tangent, parallel tangents at different heights, a midpoint slope off its piece) raises `SandwichFailedError`;
the caller then falls back to the basis walk (`value_function.walk`).
"""

from __future__ import annotations

from typing import Any

from ..core.tolerances import VF_SLOPE_TOL, VF_T_TOL, VF_VALUE_ROUNDOFF
from .value_function import MAX_PIECES, BasisLine, Path, _highs, _optimal_line, _set_data, same_slope


class SandwichFailedError(Exception):
    """The sandwich's bookkeeping failed its own checks: use the basis walk."""


def _value(line: BasisLine, t: float) -> float:
    return line.value0 + line.slope * t


def _slope_unit(path: Path, *lines: BasisLine) -> float:
    """The scale slopes are compared at: the terms they are made of (never V's, which a constant can dominate),
    at least the path's unit where those terms are larger than it."""
    return max(line.slope_terms for line in lines) or path.value_unit


def _same_value(v1: float, v2: float, width: float, *lines: BasisLine) -> bool:
    """V's values equal within VF_SLOPE_TOL of what the lines' slopes move over `width`, plus their own round-off
    (VF_VALUE_ROUNDOFF of |V|): a gap of 0.04 beside a constant 1e8 in V is a kink."""
    moved = width * max(max(line.slope_terms, abs(line.slope)) for line in lines)
    return abs(v1 - v2) <= VF_SLOPE_TOL * moved + VF_VALUE_ROUNDOFF * max(abs(v1), abs(v2))


def _solve(h: Any, path: Path, t: float, stats: dict[str, int]) -> BasisLine:
    _set_data(h, path, t)
    stats["solves"] = stats.get("solves", 0) + 1
    if stats["solves"] > 4 * MAX_PIECES:
        raise SandwichFailedError(f"more than {4 * MAX_PIECES} solves")
    line = _optimal_line(h, path, t)
    if line is None:
        raise SandwichFailedError(f"no optimum at t = {t} ({h.getModelStatus()})")
    return line


def sandwich(path: Path, a: float, b: float, stats: dict[str, int] | None = None) -> list[tuple[float, float,
                                                                                            BasisLine]]:
    """Linear pieces (t_low, t_high, line) covering [a, b], sorted, before merging equal slopes; each line is
    that of an optimal basis whose multipliers are optimal on the piece. `stats["solves"]` counts HiGHS runs."""
    stats = stats if stats is not None else {}
    stats["solves"] = 0
    h = _highs(path.scaled_form(a), path.seed)
    left = _solve(h, path, a, stats)
    if b - a <= VF_T_TOL:
        return [(a, b, left)]
    right = _solve(h, path, b, stats)
    convex = (path.kind == "objective") == (path.form.sense == "max")
    pieces: list[tuple[float, float, BasisLine]] = []
    todo = [(a, left, b, right)]
    while todo:
        tl, L, tr, R = todo.pop()
        if same_slope(L.slope, R.slope, _slope_unit(path, L, R)):
            if not _same_value(_value(L, tr), _value(R, tr), tr - tl, L, R):
                raise SandwichFailedError(f"parallel supporting lines at different heights on [{tl}, {tr}]")
            pieces.append((tl, tr, L))
            continue
        ts = (R.value0 - L.value0) / (L.slope - R.slope)
        if not tl - VF_T_TOL <= ts <= tr + VF_T_TOL:
            raise SandwichFailedError(f"supporting lines at {tl}, {tr} meet outside them, at {ts}")
        ts = min(max(ts, tl), tr)
        if ts - tl <= VF_T_TOL or tr - ts <= VF_T_TOL:  # they meet at an end: one line is V on [tl, tr]
            pieces += [(tl, ts, L), (ts, tr, R)]
            continue
        if L.hi_t >= ts - VF_T_TOL and R.lo_t <= ts + VF_T_TOL:  # both bases optimal up to t*: no solve there
            pieces += [(tl, ts, L), (ts, tr, R)]
            continue
        M = _solve(h, path, ts, stats)
        v_line, v_true = _value(L, ts), _value(M, ts)
        gap = v_true - v_line if convex else v_line - v_true  # >= 0: V lies beyond its supporting lines
        if _same_value(v_true, v_line, tr - tl, L, R, M):
            pieces += [(tl, ts, L), (ts, tr, R)]
        elif gap < 0:
            raise SandwichFailedError(f"V({ts}) = {v_true} lies on the wrong side of its supporting lines ({v_line})")
        else:
            todo += [(ts, M, tr, R), (tl, L, ts, M)]
    pieces.sort(key=lambda p: (p[0], p[1]))
    if path.kind != "objective":
        return pieces
    out = []
    for t_lo, t_hi, line in pieces:
        if t_hi - t_lo > VF_T_TOL and not (line.lo_t <= t_lo + VF_T_TOL and line.hi_t >= t_hi - VF_T_TOL):
            mid = (t_lo + t_hi) / 2
            m = _solve(h, path, mid, stats)
            on_line = _same_value(_value(m, mid), _value(line, mid), t_hi - t_lo, m, line)
            if not (same_slope(m.slope, line.slope, _slope_unit(path, m, line)) and on_line):
                raise SandwichFailedError(f"the solve inside [{t_lo}, {t_hi}] is off the piece's line")
            line = m
        out.append((t_lo, t_hi, line))
    return out
