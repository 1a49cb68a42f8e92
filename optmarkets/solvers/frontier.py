"""The frontier of two objectives: the projection of an LP model's feasible set onto their plane.

`frontier(model, {"u1": f1, "u2": f2})` computes the polygon {(f1(x), f2(x)) : x feasible} (the whole
polygon, not only its Pareto part) by its support function (Aneja and Nair 1979; Cohon's
"noninferior set estimation"): the maximisers of w . (f1, f2) for the four axis directions w are
points of the boundary in counter-clockwise order; for two consecutive points P, Q it maximises along
the outward normal of PQ. An optimum on the line PQ (within FRONTIER_TOL, relative) makes PQ an edge;
else the new point lies on the boundary between P and Q and both halves are examined in turn. Every
edge is thus certified by an LP, so the polygon is the projection, not an inner approximation. It costs
one LP per vertex and one per edge.

Every comparison is relative, each axis at its own objective's magnitude (the largest |F_i| . |x| + |d_i| of the
points found, f_i = F_i x + d_i), never the other's: a polygon scaled by S, or by (1e6, 0.05) axis by axis, is traced
as the same one (one scale for both took a cut box [0, 1e6] x [0, 0.05] for a segment, area 0 for 43750).

Each LP is the model's own families with the objective w . (f1, f2), its coefficients w1 F1 + w2 F2 formed as
numbers (a Parameter, compiled once; a cancellation's round-off set to 0), solved on the one solve path
(`Model.solve`, certified); the model's parameters keep their current values. `exact=True` runs the same
trace with integer normals, each LP proved optimal in rationals (`Solution.exact()`) and each point evaluated
in Fractions from the exact primal; a tie is then exact equality, so the exact polygon is verified: its
vertices are feasible points and every edge is supported by an exactly optimal LP.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd

from ..core.errors import CapabilityError, InputError, UnboundedError
from ..core.model import Model
from ..core.solution import Solution
from ..core.tolerances import DIVISION_FLOOR, FRONTIER_CANCEL_EPS, FRONTIER_TOL
from .exact import read_rational
from .plotting import axes

__all__ = ["Frontier", "frontier"]

#: At most this many LPs per frontier (a polygon of ~ MAX_LPS / 2 vertices): a guard, not a tolerance.
MAX_LPS = 4000
#: Integer weights beyond 2^53 are not floats exactly: the exact LP would not be the one intended.
_FLOAT_INT = 2 ** 53
_WEIGHTS = "frontier_weights"

Point = tuple[Any, Any]  # floats, or Fractions in the exact trace


class _UnverifiedError(Exception):
    """The exact trace cannot go on (an LP not proved, a coefficient not read as a rational)."""


@dataclass
class Frontier:
    """The projection of a model's feasible set onto the plane of two objectives (a convex polygon).

    vertices: DataFrame, one column per objective, one row per vertex, counter-clockwise from the vertex
        with the least first coordinate (then least second), no repeated vertex, no collinear middle
        point (one row: a point; two rows: a segment).
    solutions: solutions[i] is the Solution of the LP that found vertex i (its primal, `sol["mu"]`, is a
        point of the model's feasible set mapped onto vertex i; its value is w . vertex).
    directions: directions[i] the weights w of that LP.
    exact_vertices: with exact=True, the vertices as tuples of Fractions (None otherwise, or when the
        exact trace could not be verified: then `verified` is False and `reason` says why).
    """

    names: tuple[str, str]
    vertices: pd.DataFrame
    solutions: list[Solution]
    directions: list[tuple[float, float]]
    exact_vertices: list[tuple[Fraction, Fraction]] | None = None
    verified: bool | None = None
    reason: str = ""
    lps: int = 0
    _points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    _scale: np.ndarray = field(default_factory=lambda: np.zeros(2), repr=False)  # per objective (`_Linear.magnitude`)

    @property
    def area(self) -> float:
        """The polygon's area (shoelace formula; 0 for a point or a segment)."""
        return float(_shoelace(self._points))

    @property
    def exact_area(self) -> Fraction | None:
        """The exact polygon's area (shoelace in Fractions), with exact=True."""
        return None if self.exact_vertices is None else Fraction(_shoelace(self.exact_vertices))

    def contains(self, point: Sequence[float]) -> bool:
        """Whether `point` (two numbers, the objectives' order) lies in the polygon, within FRONTIER_TOL, each
        coordinate relative to its own objective's magnitude on the polygon."""
        arr = np.asarray(point, dtype=float).reshape(-1) if _numeric(point) else None
        if arr is None or arr.size != 2 or not np.isfinite(arr).all():
            raise InputError(f"point: must be two finite numbers ({', '.join(self.names)}), got {point!r}")
        # each axis in its objective's units (the polygon's magnitude there; no absolute floor, not the query's)
        unit = _units(np.maximum(self._scale, np.abs(self._points).max(axis=0)))
        pts, arr, eps = self._points / unit, arr / unit, FRONTIER_TOL
        if len(pts) == 1:
            return bool(np.abs(arr - pts[0]).max() <= eps)
        if len(pts) == 2:
            d = pts[1] - pts[0]
            t = min(1.0, max(0.0, float((arr - pts[0]) @ d / (d @ d))))
            return bool(np.linalg.norm(arr - (pts[0] + t * d)) <= eps)
        for p, q in zip(pts, np.roll(pts, -1, axis=0), strict=True):
            d = q - p
            # inside a counter-clockwise polygon: left of (or on) every edge; eps scaled by the edge's length
            if d[0] * (arr[1] - p[1]) - d[1] * (arr[0] - p[0]) < -eps * float(np.linalg.norm(d)):
                return False
        return True

    def plot(self, ax: Any = None, **style: Any) -> Any:
        """Draw the polygon (and its vertices) on `ax` (a new figure's axes by default); returns ax."""
        ax = axes(ax)
        pts = np.vstack([self._points, self._points[:1]])
        ax.fill(pts[:, 0], pts[:, 1], alpha=style.pop("alpha", 0.25), **style)
        ax.plot(pts[:, 0], pts[:, 1], "o-", color=style.get("color"))
        ax.set_xlabel(self.names[0])
        ax.set_ylabel(self.names[1])
        return ax


def frontier(model: Model, objectives: Mapping[str, Any], *, exact: bool = False) -> Frontier:
    """The projection of `model`'s feasible set onto the plane of two affine `objectives` (module docstring).

    objectives: {name: affine scalar cvxpy expression of the model's variables (`model.var(name)`)}, two
        entries. exact: also prove every LP in rationals and return the exact polygon (`exact_vertices`).
    Raises InputError naming the argument; CapabilityError for a model that is not an LP;
    InfeasibleError when the model has no feasible point; UnboundedError (its message names the
    direction w in the objectives' plane) when the projection is unbounded.
    """
    names, exprs = _checked(model, objectives, exact)
    lps, scale = [0], [np.zeros(2)]

    def solve(w: tuple[float, float]) -> Solution:
        if lps[0] >= MAX_LPS:
            raise InputError(f"objectives: the frontier needs more than {MAX_LPS} LPs (is the feasible set "
                             "polyhedral with few vertices in this plane?)")
        lps[0] += 1
        derived.set(**{_WEIGHTS: linear.combined(w)})
        try:
            sol = derived.solve()
        except UnboundedError as exc:
            raise UnboundedError(model.name, exc.solver, exc.status,
                                 f"the projection onto ({names[0]}, {names[1]}) is unbounded in direction "
                                 f"w = ({w[0]:g}, {w[1]:g}): w . ({names[0]}, {names[1]}) has no maximum") from None
        scale[0] = np.maximum(scale[0], linear.magnitude())  # the variables hold this solve's values
        return sol

    with model.exclusive:  # the derived program shares the model's Parameters and Variables
        model.write_parameters()  # the objectives' coefficients are read at the model's values
        linear = _linear(exprs)
        derived = _program(model, linear)
        if not exact:
            trace = _trace(lambda w: _float_point(solve(w), exprs, w), _float_normal, _float_final, scale)
            return _result(names, trace, lps[0], np.array([p for p, _, _ in trace], dtype=float), scale[0])
        forms = _rational_forms(linear)
        try:
            trace = _trace(lambda w: _exact_point(solve(w), w, forms), _exact_normal, _exact_final, scale)
        except _UnverifiedError as exc:
            out = frontier(model, objectives)
            out.verified, out.reason, out.lps = False, str(exc), out.lps + lps[0]
            return out
        result = _result(names, trace, lps[0], np.array([[float(c) for c in p] for p, _, _ in trace]), scale[0])
        result.exact_vertices = [(Fraction(p[0]), Fraction(p[1])) for p, _, _ in trace]
        result.verified = True
        return result


# ---------------------------------------------------------------------------------------------- input
def _checked(model: Any, objectives: Any, exact: Any) -> tuple[tuple[str, str], list[cp.Expression]]:
    if not isinstance(model, Model):
        raise InputError(f"model: expected an optmarkets Model, got {type(model).__name__}")
    if not isinstance(exact, bool | np.bool_):
        raise InputError(f"exact: must be True or False, got {exact!r}")
    if not isinstance(objectives, Mapping) or len(objectives) != 2:
        raise InputError("objectives: must map two names to affine expressions of the model's variables, "
                         f"e.g. {{'u1': expr1, 'u2': expr2}}; got {_short(objectives)}")
    known = {id(v.var) for v in model.variables.values()}
    names: list[str] = []
    exprs: list[cp.Expression] = []
    for key, expr in objectives.items():
        where = f"objectives[{key!r}]"
        if not isinstance(key, str):
            raise InputError(f"{where}: the names must be strings, got {type(key).__name__}")
        if not isinstance(expr, cp.Expression):
            raise InputError(f"{where}: must be a cvxpy expression of the model's variables, got {_short(expr)}")
        if expr.size != 1:
            raise InputError(f"{where}: must be a scalar expression, got shape {expr.shape}")
        if not expr.is_affine():
            raise InputError(f"{where}: must be affine (linear plus a constant) in the model's variables")
        foreign = [v.name() for v in expr.variables() if id(v) not in known]
        if foreign:
            raise InputError(f"{where}: uses variables {foreign} that are not model '{model.name}''s "
                             f"(its variables: {list(model.variables)}); build it from model.var(name)")
        names.append(key)
        exprs.append(cp.reshape(expr, (), order="F"))
    if model.has_integers or not all(f.lhs.is_affine() and (not isinstance(f.rhs, cp.Expression)
                                                           or f.rhs.is_affine()) for f in model.families.values()):
        raise CapabilityError(f"model: '{model.name}' is not an LP (integers or non-affine families); the "
                              "frontier is traced for polyhedral feasible sets")
    return (names[0], names[1]), exprs


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def _numeric(point: Any) -> bool:
    try:
        np.asarray(point, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class _Linear:
    """The objectives as numbers: f_i = coefs[i] @ x + constants[i], x the entries of `variables` stacked (each
    in cvxpy's F order). The weighted objective is formed from these, not as a cvxpy expression: its
    cancellations are then in numbers this module can clean (cvxpy's canonicalisation and the certificate's
    gradient would each keep w1 F1_j + w2 F2_j's round-off)."""

    variables: list[cp.Variable]
    coefs: np.ndarray  # (2, n)
    constants: np.ndarray  # (2,)

    def combined(self, w: tuple[Any, Any]) -> np.ndarray:
        """w1 F1 + w2 F2, then w1 d1 + w2 d2; an entry that is round-off of a cancellation is exactly 0 (an
        optimum on that column alone would have a certificate scale of ~1e-17, its round-off a 100% gap)."""
        one = float(w[0]) * np.append(self.coefs[0], self.constants[0])
        two = float(w[1]) * np.append(self.coefs[1], self.constants[1])
        total = one + two
        total[np.abs(total) <= FRONTIER_CANCEL_EPS * np.finfo(float).eps * (np.abs(one) + np.abs(two))] = 0.0
        return total

    def magnitude(self) -> np.ndarray:
        """|F_i| . |x| + |d_i| for each objective i at the variables' values: the size of the numbers its
        coordinate is made of (at least the coordinate's own), the scale of the trace's comparisons on axis i."""
        x = [np.asarray(v.value, dtype=float).reshape(-1, order="F") for v in self.variables]
        flat = np.concatenate(x) if x else np.zeros(0)
        return np.asarray(np.abs(self.coefs) @ np.abs(flat) + np.abs(self.constants), dtype=float)


def _linear(exprs: list[cp.Expression]) -> _Linear:
    variables = list({id(v): v for e in exprs for v in e.variables()}.values())
    saved = [v.value for v in variables]
    try:  # an affine expression's gradient is its coefficients; cvxpy gives it only at a value (in its domain)
        for v in variables:
            v.value = v.project(np.zeros(v.shape))
        at_values = np.array([_value(e) for e in exprs])
        grads = [e.grad for e in exprs]
        point = np.concatenate([np.asarray(v.value, float).reshape(-1, order="F") for v in variables]
                               or [np.zeros(0)])
    finally:
        for v, value in zip(variables, saved, strict=True):
            v.value = value
    coefs = np.zeros((2, sum(v.size for v in variables)))
    at = 0
    for v in variables:
        for i, grad in enumerate(grads):
            g = grad.get(v)
            if g is not None:
                coefs[i, at:at + v.size] = np.asarray(g.todense() if hasattr(g, "todense") else g, float).reshape(-1)
        at += v.size
    return _Linear(variables, coefs, at_values - coefs @ point)


def _program(model: Model, linear: _Linear) -> Model:
    """A Model over the same variables, parameters and families, maximising c . x + c0, (c, c0) a Parameter
    (`_Linear.combined`: the weighted objectives' coefficients and constant)."""
    derived = Model(model.name, sense="max", units="weighted objectives")
    # every variable shown, so that each vertex's Solution holds the model's primal values
    derived.variables = {name: replace(v, show=True) for name, v in model.variables.items()}
    derived.families = dict(model.families)
    derived.parameters = dict(model.parameters)
    derived._values = {name: model.value_of(name) for name in model.parameters}
    derived.solver_defaults = dict(model.solver_defaults)
    if _WEIGHTS in derived.parameters:
        raise InputError(f"model: has a parameter named '{_WEIGHTS}', the name the frontier's weights take")
    cost = derived.parameter(_WEIGHTS, linear.combined((1.0, 0.0)))
    n = linear.coefs.shape[1]
    objective = cost[n]
    at = 0
    for v in linear.variables:
        objective = objective + cost[at:at + v.size] @ cp.vec(v, order="F")
        at += v.size
    derived.maximize(objective)
    return derived


# ---------------------------------------------------------------------------------------------- the trace
Oracle = Callable[[tuple[Any, Any]], tuple[Point, Any, Solution]]
Trace = list[tuple[Point, tuple[float, float], Solution]]


def _trace(oracle: Oracle, normal: Callable[[Point, Point], tuple[Any, Any]], final: Callable[..., bool],
           scale: list[np.ndarray]) -> Trace:
    """The boundary points, counter-clockwise, each with its weights and Solution; then the vertices only.
    scale[0]: each objective's magnitude on the points found so far (the oracle raises it), its axis's scale."""
    ring: Trace = []
    for w in ((1, 0), (0, 1), (-1, 0), (0, -1)):  # support points of increasing angle: counter-clockwise
        point, _, sol = oracle(w)
        if not ring or not _same(point, ring[-1][0], final, scale[0]):
            ring.append((point, (float(w[0]), float(w[1])), sol))
    if len(ring) > 1 and _same(ring[-1][0], ring[0][0], final, scale[0]):
        ring.pop()
    if len(ring) == 1:
        return ring
    # pairs (i, i+1) still to examine; an insertion shifts later indices, so walk from the ring's end
    done: list[Any] = []
    pending = [(ring[i], ring[(i + 1) % len(ring)]) for i in range(len(ring))]
    while pending:
        p, q = pending.pop()
        n = normal(p[0], q[0])
        point, value, sol = oracle(n)
        if final(value, p[0], q[0], point, n, scale[0]):
            done.append((p, q))
            continue
        new = (point, (float(n[0]), float(n[1])), sol)
        pending.extend([(p, new), (new, q)])
    # the examined edges chain into the ring: follow each point to its successor
    after = {id(p): q for p, q in done}
    start = ring[0]
    out, at = [start], after[id(start)]
    while at is not start:
        out.append(at)
        at = after[id(at)]
    return _vertices(out, final, scale[0])


def _axes(scale: Any, *points: Point) -> tuple[float, float]:
    """Each axis's magnitude: the trace's `scale` there (default 0), at least the points' coordinates on it."""
    s = (0.0, 0.0) if scale is None else scale
    return max(float(s[0]), *(abs(float(p[0])) for p in points)), max(float(s[1]), *(abs(float(p[1])) for p in points))


def _units(size: Any) -> np.ndarray:
    """The axes' magnitudes as divisors: an axis of magnitude 0 (no unit of its own) reads in the other's."""
    return np.where(np.asarray(size) > 0, size, max(float(np.max(size)), DIVISION_FLOOR))


def _same(a: Point, b: Point, final: Callable[..., bool], scale: Any = None) -> bool:
    """a and b are one point: each coordinate within FRONTIER_TOL of its axis's magnitude (`scale`, per axis; at
    least their coordinates on it), no absolute floor and never the other axis's."""
    if final is _exact_final:
        return a == b
    size = _axes(scale, a, b)
    return abs(a[0] - b[0]) <= FRONTIER_TOL * size[0] and abs(a[1] - b[1]) <= FRONTIER_TOL * size[1]


def _vertices(ring: Trace, final: Callable[..., bool], scale: Any = None) -> Trace:
    """The ring without repeated points and collinear middle points, from its least point (lexicographic).
    scale: each axis's magnitude (default: the ring's largest coordinate on it)."""
    pts = list(ring)
    exact = final is _exact_final
    unit = None if exact else _units(_axes(scale, *(p for p, _, _ in ring)))
    changed = True
    while changed and len(pts) > 2:
        changed = False
        for i in range(len(pts)):
            a, b, c = pts[i - 1][0], pts[i][0], pts[(i + 1) % len(pts)][0]
            if _same(a, b, final, scale) or _collinear(a, b, c, exact, unit):
                del pts[i]
                changed = True
                break
    if len(pts) == 2 and _same(pts[0][0], pts[1][0], final, scale):
        pts = pts[:1]
    first = min(range(len(pts)), key=lambda i: (pts[i][0][0], pts[i][0][1]))
    return pts[first:] + pts[:first]


def _collinear(a: Point, b: Point, c: Point, exact: bool, unit: Any = None) -> bool:
    """b is a middle point of a -> b -> c: no turn (within FRONTIER_TOL of the lengths' product: the sine of the
    turn, each axis divided by its magnitude `unit`) and no reversal (a ring traced there and back turns back)."""
    if not exact and unit is not None:
        a, b, c = ((p[0] / unit[0], p[1] / unit[1]) for p in (a, b, c))
    cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
    onward = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) > 0
    if exact:
        return bool(cross == 0 and onward)
    return bool(onward and abs(cross) <= FRONTIER_TOL * math.hypot(b[0] - a[0], b[1] - a[1]) * math.hypot(
        c[0] - b[0], c[1] - b[1]))


# ---------------------------------------------------------------------------------------------- floats
def _float_point(sol: Solution, exprs: list[cp.Expression], w: tuple[Any, Any]) -> tuple[Point, Any, Solution]:
    point = (_value(exprs[0]), _value(exprs[1]))  # the variables hold this solve's values
    return point, float(sol.value), sol


def _value(expr: cp.Expression) -> float:
    value: Any = expr.value
    return float(value)


def _float_normal(p: Point, q: Point) -> tuple[float, float]:
    """The outward (right-hand) normal of p -> q, scaled to a largest entry of 1."""
    n = (q[1] - p[1], p[0] - q[0])
    size = max(abs(n[0]), abs(n[1]))
    return (n[0] / size, n[1] / size)


def _float_final(value: float, p: Point, q: Point, point: Point, n: tuple[float, float],
                 scale: Any = None) -> bool:
    """Whether the optimum along n is on the line pq (or at p or q): pq is then an edge. scale: each axis's
    magnitude (default: the points' largest coordinate on it); the gap n . (point - p) is allowed FRONTIER_TOL of
    |n1| s1 + |n2| s2, each coordinate at its own axis's scale s_i; no absolute floor, the same at any scale."""
    size = _axes(scale, p, q, point)
    edge = n[0] * p[0] + n[1] * p[1]
    return bool(value - edge <= FRONTIER_TOL * (abs(n[0]) * size[0] + abs(n[1]) * size[1])
                or _same(point, p, _float_final, size) or _same(point, q, _float_final, size))


# ---------------------------------------------------------------------------------------------- exact
def _exact_normal(p: Point, q: Point) -> tuple[int, int]:
    """The outward normal of p -> q as coprime integers (read exactly by the exact LP)."""
    a, b = Fraction(q[1] - p[1]), Fraction(p[0] - q[0])
    scale = math.lcm(a.denominator, b.denominator)
    x, y = int(a * scale), int(b * scale)
    g = math.gcd(x, y)
    x, y = x // g, y // g
    if max(abs(x), abs(y)) > _FLOAT_INT:
        raise _UnverifiedError(f"an edge's integer normal ({x}, {y}) is beyond 2^53: not a float exactly")
    return x, y


def _exact_final(value: Fraction, p: Point, q: Point, point: Point, n: tuple[int, int],
                 scale: float | None = None) -> bool:
    return bool(value == n[0] * p[0] + n[1] * p[1])


def _exact_point(sol: Solution, w: tuple[Any, Any], forms: list[dict[int, Any]]) -> tuple[Point, Any, Solution]:
    cert = sol.exact()
    if not cert.verified:
        raise _UnverifiedError(f"the LP along w = {w} was not proved optimal in rationals: {cert.reason}")
    model = sol._model
    flat = {id(model.variables[name].var): _flat(values, model.variables[name].var.shape)
            for name, values in cert.primal.items()}
    point = tuple(_evaluate(form, flat) for form in forms)
    if cert.value != w[0] * point[0] + w[1] * point[1]:
        raise _UnverifiedError(f"the exact optimum along w = {w} is {cert.value}, but the objectives read exactly "
                          f"give {w[0] * point[0] + w[1] * point[1]}: a coefficient was not read exactly")
    return (point[0], point[1]), cert.value, sol


def _rational_forms(linear: _Linear) -> list[dict[int, Any]]:
    """Each objective f = sum_v c_v . v + d in Fractions: {id(v): (v, c_v as Fractions, F-order), 0: d}."""
    out: list[dict[int, Any]] = []
    for coefs, constant in zip(linear.coefs, linear.constants, strict=True):
        form: dict[int, Any] = {0: _rational(constant)}
        at = 0
        for v in linear.variables:
            form[id(v)] = (v, [_rational(c) for c in coefs[at:at + v.size]])
            at += v.size
        out.append(form)
    return out


def _rational(x: float) -> Fraction:
    # read as exact() reads the LP's data; a misread shows in the check of the optimum (`_exact_point`)
    return read_rational(x)[0]


def _flat(values: Any, shape: tuple[int, ...]) -> list[Fraction]:
    """Labelled Fractions (as `exact()` returns them) flattened in cvxpy's (Fortran) order."""
    arr = np.asarray(values if not isinstance(values, Fraction) else [values], dtype=object)
    return list(arr.reshape(shape or (1,)).flatten(order="F"))


def _evaluate(form: dict[int, Any], flat: dict[int, list[Fraction]]) -> Fraction:
    total = Fraction(form[0])
    for key, entry in form.items():
        if key == 0:
            continue
        var, coefs = entry
        if key not in flat:
            raise _UnverifiedError(f"variable '{var.name()}' has no exact value (it is in no family)")
        total += sum((c * x for c, x in zip(coefs, flat[key], strict=True) if c), Fraction(0))
    return total


# ---------------------------------------------------------------------------------------------- results
def _result(names: tuple[str, str], trace: Trace, lps: int, points: np.ndarray, scale: np.ndarray) -> Frontier:
    return Frontier(names=names, vertices=pd.DataFrame(points, columns=list(names)).rename_axis("vertex"),
                    solutions=[sol for _, _, sol in trace], directions=[w for _, w, _ in trace],
                    lps=lps, _points=points, _scale=scale)


def _shoelace(points: Any) -> Any:
    pts = list(points)
    total: Any = 0
    for i in range(len(pts)):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % len(pts)]
        total += x1 * y2 - x2 * y1
    return total / 2
