"""Exact breakpoints of a value function: each piece's basis proved optimal in rationals on its closed interval.

The path's data are read in rationals at both ends (`exact._Exact`: each float as the simplest rational
within half an ulp), so the LP at t is exactly data(0) + t (data(1) - data(0)). A basis's solution,
multipliers and reduced costs are then exactly affine in t (solved with flint's fmpq_mat at t = 0 and
t = 1), and the basis is optimal exactly on the interval I = [L, H] cut out by its ratio tests. The walk's
pieces, with intervals I_k, are certified when consecutive intervals meet (I_k and I_k+1 share a point,
the exact breakpoint between them) and cover the solvable stretch. Breakpoints are those shared points
where the exact slopes differ; values there are Fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .exact import _Exact, _fraction, rational
from .value_function import HI, LO, BasisLine, Path

_AT = {LO: "lo", HI: "hi"}


@dataclass
class ExactPieces:
    """exact: the certified breakpoints (Fractions), the values there, each piece (t_low, t_high, value_low,
    value_high, slope) in Fractions; verified, and the reason where not."""

    breakpoints: list[Fraction] = field(default_factory=list)
    values: list[Fraction] = field(default_factory=list)
    pieces: list[tuple[Fraction, Fraction, Fraction, Fraction, Fraction]] = field(default_factory=list)
    verified: bool = False
    reason: str = ""


def _interval(ex0: _Exact, ex1: _Exact, basic: list[int], at: list[str]) -> tuple[Any, Any, Any, Any]:
    """The exact interval [L, H] (None: unbounded that side; L > H: empty) where the basis is optimal, and
    its value line V(0), V(1) in the standard form's min sense, objective constant included."""
    v0, _, d0 = ex0.solve(basic, at)
    v1, _, d1 = ex1.solve(basic, at)
    rows: list[tuple[Any, Any]] = []  # alpha + beta t >= 0
    for j in basic:
        for lo, sgn in ((0, 1), (1, -1)):
            b0, b1 = (ex0.lo[j], ex1.lo[j]) if lo == 0 else (ex0.hi[j], ex1.hi[j])
            if b0 is not None:
                rows.append((sgn * (v0[j] - b0), sgn * ((v1[j] - b1) - (v0[j] - b0))))
    bset = set(basic)
    for j in range(ex0.n + ex0.m):
        if j in bset or (ex0.lo[j] is not None and ex0.lo[j] == ex0.hi[j] and ex1.lo[j] == ex1.hi[j]):
            continue
        for sgn in ((1,) if at[j] == "lo" else (-1,) if at[j] == "hi" else (1, -1)):
            rows.append((sgn * d0[j], sgn * (d1[j] - d0[j])))
    L: Any = None
    H: Any = None
    empty = False
    for alpha, beta in rows:
        if beta > 0:
            t = -alpha / beta
            L = t if L is None or t > L else L
        elif beta < 0:
            t = -alpha / beta
            H = t if H is None or t < H else H
        elif alpha < 0:
            empty = True
    val0 = sum((c * x for c, x in zip(ex0.cost, v0, strict=True) if c != 0), ex0.flint.fmpq(0)) + ex0.offset
    val1 = sum((c * x for c, x in zip(ex1.cost, v1, strict=True) if c != 0), ex1.flint.fmpq(0)) + ex1.offset
    if empty:
        L, H = ex0.flint.fmpq(1), ex0.flint.fmpq(0)
    return L, H, val0, val1


def _meet(lo: Fraction, hi: Fraction, near: float) -> Fraction:
    """The point of [lo, hi] nearest the float `near` (its rational), lo itself where they are equal."""
    if lo >= hi:
        return lo
    r = rational(near)
    return min(max(r, lo), hi)


def certify(path: Path, pieces: list[tuple[float, float, BasisLine]], a: float, b: float) -> ExactPieces:
    """Prove each raw piece's basis optimal on its closed interval, exactly (see the module docstring)."""
    assert path.form1 is not None
    ex0, ex1 = _Exact(path.form), _Exact(path.form1)
    sign = -1 if path.form.sense == "max" else 1
    out = ExactPieces()
    spans: list[tuple[Fraction | None, Fraction | None, Fraction, Fraction]] = []
    for _t_lo, _t_hi, line in pieces:
        basic = [int(j) for j in line.basic]
        at = [_AT.get(int(x), "zero") for x in line.at]
        try:
            L, H, w0, w1 = _interval(ex0, ex1, basic, at)
        except ZeroDivisionError:
            out.reason = "a piece's basis is singular in exact arithmetic"
            return out
        to_f = _fraction
        spans.append((None if L is None else to_f(L), None if H is None else to_f(H), sign * to_f(w0),
                      sign * (to_f(w1) - to_f(w0))))
    # the ends: 0 and 1, or where the LP stops having an optimum (the first / last basis's exact limit)
    first_L, last_H = spans[0][0], spans[-1][1]
    start = Fraction(0) if a == 0 else (first_L if first_L is not None else rational(a))
    stop = Fraction(1) if b == 1 else (last_H if last_H is not None else rational(b))
    cuts = [max(start, Fraction(0))]
    for k in range(1, len(spans)):
        lo_k, hi_k = spans[k][0], spans[k - 1][1]
        lo = lo_k if lo_k is not None else cuts[-1]
        hi = hi_k if hi_k is not None else Fraction(1)
        if lo > hi:
            out.reason = (f"the exact intervals of the bases at t ~ {pieces[k][0]:.6g} do not meet "
                          f"([.., {hi}] then [{lo}, ..]): a piece is missing")
            return out
        cuts.append(_meet(lo, hi, pieces[k][0]))
    cuts.append(min(stop, Fraction(1)))
    for k, (L, H, _v0, _s) in enumerate(spans):
        if (L is not None and cuts[k] < L) or (H is not None and cuts[k + 1] > H) or cuts[k] > cuts[k + 1]:
            out.reason = f"the basis of piece {k} is not optimal on its whole interval [{cuts[k]}, {cuts[k + 1]}]"
            return out
    merged: list[list[Any]] = []
    for k, (_L, _H, v0, slope) in enumerate(spans):
        lo, hi = cuts[k], cuts[k + 1]
        if merged and merged[-1][4] == slope:
            merged[-1][1], merged[-1][3] = hi, v0 + slope * hi
        elif lo < hi or not merged:
            merged.append([lo, hi, v0 + slope * lo, v0 + slope * hi, slope])
    out.pieces = [tuple(p) for p in merged]  # type: ignore[misc]
    out.breakpoints = [p[0] for p in merged[1:]]
    out.values = [p[2] for p in merged[1:]]
    out.verified = True
    return out
