"""`ValueFunction`: the optimal value V(t) of an LP along p(t) = start + t (end - start), t in [0, 1].

Built by `value_function(model, parameter, start, end, exact=...)`: the float pieces by the sandwich method of
`solvers.value_function_sandwich` (about k to 2k + 1 warm HiGHS solves for k pieces, degenerate or not), with
exact=True (whose certificates prove the walk's bases optimal in rationals) or where the sandwich fails its
own checks by the basis walk of `solvers.value_function` (see there for the setting). V is in the model's
sense and units and equals `model.bind(**{parameter: p(t)}).solve().value` wherever the LP has an optimum.

pieces: one row per linear piece (equal adjacent slopes merged): t_low, t_high, value_low, value_high,
    slope (dV/dt), binding (the families with a nonzero price on the piece, a tuple: `_binding`), and one column per
    constraint family holding its prices on the piece (d V / d rhs, as `Solution.prices` signs them) as one
    object cell: a Series labelled like the family's rows (a MultiIndex for a 2-D family; a float for a
    scalar family). On an rhs path the prices are constant on a piece; on an objective path they move
    linearly and the cell holds them at the piece's midpoint. Where a piece merges several bases of
    equal slope, the cell is that of its longest basis.
breakpoints: the interior t where the slope changes; points: p(t) there, labelled like the parameter;
infeasible / unbounded: (t_low, t_high) stretches with no optimum (only at the ends of the path: the
    solvable t form an interval); vf(t) is NaN there where infeasible, +-inf where unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError, SolverFailedError
from ..core.tolerances import CERT_TOL, ECON_TOL, VF_PRICE_ROUNDOFF, VF_SLOPE_TOL, VF_T_TOL
from .plotting import axes
from .ranging import flat_labels
from .value_function import BasisLine, Path, path_of, same_slope, solvable_interval, walk
from .value_function_exact import certify
from .value_function_sandwich import SandwichFailedError, sandwich


@dataclass
class ValueFunction:
    parameter: str
    start: np.ndarray
    end: np.ndarray
    kind: str  # "rhs", "objective" or "constant"
    sense: str
    pieces: pd.DataFrame
    infeasible: list[tuple[float, float]] = field(default_factory=list)
    unbounded: list[tuple[float, float]] = field(default_factory=list)
    labels: Any = None  # the parameter's labels
    exact_breakpoints: list[Fraction] | None = None
    exact_values: list[Fraction] | None = None
    exact_pieces: pd.DataFrame | None = None
    verified: bool | None = None
    reason: str = ""

    @property
    def breakpoints(self) -> np.ndarray:
        return self.pieces["t_low"].to_numpy(float)[1:]

    @property
    def points(self) -> pd.DataFrame:
        """p(t) at each breakpoint: one row per breakpoint (index t), one column per parameter entry."""
        t = self.breakpoints
        values = self.start.reshape(1, -1) + t.reshape(-1, 1) * (self.end - self.start).reshape(1, -1)
        labels = self.labels
        if isinstance(labels, tuple):
            labels = pd.MultiIndex.from_product([labels[0], labels[1]])
        cols = labels if labels is not None and len(labels) == values.shape[1] else None
        return pd.DataFrame(values, index=pd.Index(t, name="t"), columns=cols)

    @property
    def regimes(self) -> pd.DataFrame:
        """Consecutive pieces with the same binding families merged: t_low, t_high, binding, labelled by it."""
        rows: list[dict[str, Any]] = []
        for _, p in self.pieces.iterrows():
            if rows and rows[-1]["binding"] == p["binding"]:
                rows[-1]["t_high"] = p["t_high"]
            else:
                rows.append({"t_low": p["t_low"], "t_high": p["t_high"], "binding": p["binding"]})
        names = [" & ".join(r["binding"]) or "(none)" for r in rows]
        return pd.DataFrame(rows, index=pd.Index(names, name="regime"), columns=["t_low", "t_high", "binding"])

    def to_frame(self) -> pd.DataFrame:
        """The pieces and the stretches without an optimum, by t, with a status column."""
        frame = self.pieces.assign(status="optimal")
        gaps = [{"t_low": lo, "t_high": hi, "status": what}
                for what, stretches in (("infeasible", self.infeasible), ("unbounded", self.unbounded))
                for lo, hi in stretches]
        if gaps:
            frame = pd.concat([frame, pd.DataFrame(gaps)], ignore_index=True)
        return frame.sort_values("t_low", kind="stable").reset_index(drop=True)

    def _t(self, t: Any) -> np.ndarray:
        arr = np.asarray(t, dtype=float)
        if np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any():
            raise InputError(f"t: path positions must lie in [0, 1], got {t!r}")
        return arr

    def _outside(self, t: np.ndarray) -> np.ndarray:
        out = np.full(t.shape, np.nan)
        up = np.inf if self.sense == "max" else -np.inf
        for lo, hi in self.unbounded:
            out = np.where((t >= lo) & (t <= hi), up, out)
        return out

    def __call__(self, t: Any) -> Any:
        t = self._t(t)
        p = self.pieces
        if p.empty:
            return self._outside(t)[()]
        lows, highs = p["t_low"].to_numpy(float), p["t_high"].to_numpy(float)
        k = np.clip(np.searchsorted(lows, t, side="right") - 1, 0, len(p) - 1)
        val = p["value_low"].to_numpy(float)[k] + p["slope"].to_numpy(float)[k] * (t - lows[k])
        inside = (t >= lows[0] - VF_T_TOL) & (t <= highs[-1] + VF_T_TOL)
        return np.where(inside, val, self._outside(t))[()]

    def left(self, t: Any) -> Any:
        """lim_{h -> 0+} (V(t) - V(t - h)) / h (NaN at the first solvable t and outside)."""
        t = self._t(t)
        p = self.pieces
        if p.empty:
            return np.full(t.shape, np.nan)[()]
        highs = p["t_high"].to_numpy(float)
        k = np.clip(np.searchsorted(highs, t - VF_T_TOL, side="left"), 0, len(p) - 1)
        ok = (t > p["t_low"].iloc[0] + VF_T_TOL) & (t <= highs[-1] + VF_T_TOL)
        return np.where(ok, p["slope"].to_numpy(float)[k], np.nan)[()]

    def right(self, t: Any) -> Any:
        """lim_{h -> 0+} (V(t + h) - V(t)) / h (NaN at the last solvable t and outside)."""
        t = self._t(t)
        p = self.pieces
        if p.empty:
            return np.full(t.shape, np.nan)[()]
        lows = p["t_low"].to_numpy(float)
        k = np.clip(np.searchsorted(lows, t + VF_T_TOL, side="right") - 1, 0, len(p) - 1)
        ok = (t >= lows[0] - VF_T_TOL) & (t < p["t_high"].iloc[-1] - VF_T_TOL)
        return np.where(ok, p["slope"].to_numpy(float)[k], np.nan)[()]

    def plot(self, ax: Any = None, **style: Any) -> Any:
        """Draw V(t) on `ax` (a new figure's axes by default), the breakpoints marked and the stretches
        without an optimum shaded; `style` goes to the line (color, label, ...). Returns ax."""
        ax = axes(ax)
        p = self.pieces
        if not p.empty:
            t = np.append(p["t_low"].to_numpy(float), p["t_high"].iloc[-1])
            v = np.append(p["value_low"].to_numpy(float), p["value_high"].iloc[-1])
            (line,) = ax.plot(t, v, "-", **style)
            ax.plot(self.breakpoints, p["value_low"].to_numpy(float)[1:], "o", color=line.get_color())
        for lo, hi in [*self.infeasible, *self.unbounded]:
            ax.axvspan(lo, hi, color="0.85")
        ax.set_xlim(0.0, 1.0)
        ax.set_xlabel(f"t  ({self.parameter} = start + t (end - start))")
        ax.set_ylabel("V(t)")
        return ax

    def __repr__(self) -> str:
        return (f"<ValueFunction of '{self.parameter}' ({self.kind} path): {len(self.pieces)} pieces, "
                f"breakpoints {np.round(self.breakpoints, 6).tolist()}, infeasible {self.infeasible}>")


def _prices(path: Path, line: BasisLine, t: float) -> dict[str, Any]:
    form = path.form
    y = line.y0 + t * line.dy
    out: dict[str, Any] = {}
    for name, block in form.blocks.items():
        vals = form.sign * block.sigma * y[block.rows_c_order()] + 0.0
        out[name] = float(vals[0]) if not block.shape else pd.Series(vals, index=flat_labels(block))
    return out


def _binding(path: Path, line: BasisLine, t: float) -> tuple[str, ...]:
    """The families with a nonzero price at t, each row's price y_i judged in the columns it prices: row i binds
    where some column j has |y_i a_ij| > ECON_TOL (|c_j| + sum_k |y_k a_kj|), its share of that column's dual
    equation c_j = sum_k y_k a_kj + d_j at the column's own magnitude, and |y_i a_ij| is above VF_PRICE_ROUNDOFF in
    the LP scaled to magnitude one (else round-off of the dual solve: a column costing 0 whose rows are unpriced).
    Not against the largest price of any family: beside a family priced 1e8 (an objective's weight of 1e8 on
    another column) a price of 1 is no round-off (x0 <= 1 then x0 <= p went unnamed). The share is unchanged by
    scaling a row, a column or the objective, so prices at 1e-12 bind as prices at 1 do."""
    A = abs(sp.csr_matrix(path.form.lp.A))
    terms = sp.csr_matrix(sp.diags(np.abs(line.y0 + t * line.dy)) @ A)  # |y_i a_ij|
    column = np.abs(path.c0 + t * path.dc)[:path.n] + np.asarray(terms.sum(axis=0)).ravel()
    per = np.where(column > 0, 1.0 / np.where(column > 0, column, 1.0), 0.0)  # 1 / the column's magnitude
    share = terms @ sp.diags(per)
    # the share, where the term is not round-off in scaled units (d_unit: a column's costs as the scaled LP holds them)
    scaled = terms @ sp.diags(path.d_unit[:path.n])
    share = sp.csr_matrix(share.multiply(scaled > VF_PRICE_ROUNDOFF))
    top = share.max(axis=1).toarray().ravel() if share.shape[0] else np.zeros(0)
    return tuple(name for name, block in path.form.blocks.items()
                 if top[block.start:block.start + block.size].max(initial=0.0) > ECON_TOL)


def _merge(path: Path, raw: list[tuple[float, float, BasisLine]]) -> pd.DataFrame:
    groups: list[list[tuple[float, float, BasisLine]]] = []
    for piece in raw:
        t_lo, t_hi, line = piece
        if t_hi - t_lo <= VF_T_TOL and (groups or len(raw) > 1):
            continue  # a degenerate basis, optimal at a point only
        first = groups[-1][0][2] if groups else None
        # slopes at the scale of their own terms, not V's: a constant 1e8 in V merged slopes 1.17 and 0.90
        if first is not None and same_slope(first.slope, line.slope,
                                            max(first.slope_terms, line.slope_terms) or path.value_unit):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    rows = []
    for g in groups:
        t_lo, t_hi = g[0][0], g[-1][1]
        longest = max(g, key=lambda p: p[1] - p[0])
        line = longest[2]
        prices = _prices(path, line, (longest[0] + longest[1]) / 2)
        binding = _binding(path, line, (longest[0] + longest[1]) / 2)
        rows.append({"t_low": t_lo, "t_high": t_hi, "value_low": g[0][2].value0 + g[0][2].slope * t_lo,
                     "value_high": g[-1][2].value0 + g[-1][2].slope * t_hi, "slope": line.slope,
                     "binding": binding, **prices})
    cols = ["t_low", "t_high", "value_low", "value_high", "slope", "binding", *path.form.blocks]
    return pd.DataFrame(rows, columns=cols)


def _check_shape(path: Path, pieces: pd.DataFrame) -> None:
    """V is continuous and concave or convex along the path: anything else is a failed walk, not an answer."""
    if len(pieces) < 2:
        return
    v_hi, v_lo = pieces["value_high"].to_numpy(float)[:-1], pieces["value_low"].to_numpy(float)[1:]
    scale = np.maximum(path.value_unit, np.maximum(np.abs(v_hi), np.abs(v_lo)))
    if np.any(np.abs(v_hi - v_lo) > CERT_TOL * scale):
        raise SolverFailedError(path.model, "HIGHS", "discontinuous", "the walk's pieces do not meet")
    s = pieces["slope"].to_numpy(float)
    rising = (path.kind == "objective") == (path.form.sense == "max")  # convex: slopes rise
    steps = np.diff(s) if rising else -np.diff(s)
    if np.any(steps < -VF_SLOPE_TOL * np.maximum(path.value_unit, np.abs(s[1:]))):
        raise SolverFailedError(path.model, "HIGHS", "not_monotone",
                                f"the slopes {s.tolist()} are not {'non-decreasing' if rising else 'non-increasing'}")


def value_function(model: Any, parameter: str, start: Any, end: Any, *, exact: bool = False) -> ValueFunction:
    """V(t) along p(t) = start + t (end - start) (see the module docstring); the caller has validated
    the parameter name and the endpoints, and holds the model's lock."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    path = path_of(model, parameter, start, end)
    whole = None if exact else _sandwich_pieces(path, 0.0, 1.0)  # optimal at both ends: solvable throughout
    solvable = (0.0, 1.0, "") if path.kind == "constant" or whole else solvable_interval(path)
    labels = model.parameters[parameter].index
    empty = pd.DataFrame(columns=["t_low", "t_high", "value_low", "value_high", "slope", "binding",
                                  *path.form.blocks])
    if solvable is None:
        what = "unbounded" if path.kind == "objective" and _primal_feasible(path) else "infeasible"
        vf = ValueFunction(parameter, start, end, path.kind, model.sense, empty, labels=labels,
                           **{what: [(0.0, 1.0)]})  # type: ignore[arg-type]
        if exact:
            vf.verified, vf.reason = False, f"the LP is {what} along the whole path"
        return vf
    a, b, what = solvable
    lost = None if whole else _no_optimum(path, a)  # an rhs path's dual (or a constant path) fails everywhere
    if lost is not None:
        ends = {lost: [(a, b)]}
        ends.setdefault("infeasible", []).extend(s for s in ((0.0, a), (b, 1.0)) if s[1] - s[0] > VF_T_TOL)
        vf = ValueFunction(parameter, start, end, path.kind, model.sense, empty, labels=labels,
                           **ends)  # type: ignore[arg-type]
        if exact:
            vf.verified, vf.reason = False, f"the LP is {lost} on [{a:g}, {b:g}]"
        return vf
    raw, pieces = whole or _float_pieces(path, a, b, not exact and (a, b) != (0.0, 1.0))
    stretches = [s for s in ((0.0, a), (b, 1.0)) if s[1] - s[0] > VF_T_TOL]
    vf = ValueFunction(parameter, start, end, path.kind, model.sense, pieces, labels=labels,
                       **{what or "infeasible": stretches})  # type: ignore[arg-type]
    if exact:
        ex = certify(path, raw, a, b)
        vf.verified, vf.reason = ex.verified, ex.reason
        if ex.verified:
            vf.exact_breakpoints, vf.exact_values = ex.breakpoints, ex.values
            vf.exact_pieces = pd.DataFrame(ex.pieces, columns=["t_low", "t_high", "value_low", "value_high", "slope"],
                                           dtype=object)
            if len(ex.breakpoints) != len(vf.breakpoints):
                vf.verified = False
                vf.reason = (f"the exact walk has {len(ex.breakpoints)} breakpoints, the float one "
                             f"{len(vf.breakpoints)}: a slope change below the float tolerance")
    return vf


def _sandwich_pieces(path: Path, a: float, b: float) -> tuple[list[tuple[float, float, BasisLine]],
                                                               pd.DataFrame] | None:
    """The sandwich's raw and merged pieces on [a, b]; None where it fails its checks (or finds no optimum at
    an end: the LP on [a, b] has an optimum throughout where it has one at a and at b, the solvable t being an
    interval)."""
    try:
        raw = sandwich(path, a, b)
        pieces = _merge(path, raw)
        _check_shape(path, pieces)
    except (SandwichFailedError, SolverFailedError):
        return None
    return raw, pieces


def _float_pieces(path: Path, a: float, b: float, try_sandwich: bool) -> tuple[list[tuple[float, float, BasisLine]],
                                                                                   pd.DataFrame]:
    """The raw pieces and the merged ones: by the sandwich method (`value_function_sandwich`) where asked to, or
    by the basis walk where exact (its bases are what `certify` proves optimal) or where the sandwich fails."""
    found = _sandwich_pieces(path, a, b) if try_sandwich else None
    if found:
        return found
    raw = walk(path, a, b)
    pieces = _merge(path, raw)
    _check_shape(path, pieces)
    return raw, pieces


def _no_optimum(path: Path, t: float) -> str | None:
    """"unbounded" or "infeasible" where the LP at t (inside the solvable interval of an rhs or objective path,
    or anywhere on a constant one) has no optimum, else None. On an rhs path the dual's feasibility does not
    depend on t, so unbounded at t is unbounded on the whole interval; a constant path is one LP."""
    import highspy

    from .value_function import _highs

    status = highspy.HighsModelStatus
    h = _highs(path.scaled_form(t))
    h.run()
    got = h.getModelStatus()
    if got == status.kOptimal:
        return None
    if got == status.kInfeasible or (got == status.kUnboundedOrInfeasible and not _primal_feasible(path, t)):
        return "infeasible"
    return "unbounded" if got in (status.kUnbounded, status.kUnboundedOrInfeasible) else None


def _primal_feasible(path: Path, t: float = 0.0) -> bool:
    import highspy

    from .value_function import _highs

    lp = path.scaled_form(t)
    h = _highs(replace(lp, c=np.zeros_like(lp.c)))  # feasibility alone: no objective to be unbounded in
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)
