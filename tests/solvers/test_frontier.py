"""om.frontier: the projection of a model's feasible set onto two objectives, against closed forms
(Bergemann-Brooks-Morris's surplus triangle, Chicken's CE payoff polygon solved by hand) and against
independent scipy LPs (support functions along 360 directions, scipy.spatial.ConvexHull)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.spatial import ConvexHull

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.games.design import axes_of

DIRECTIONS = np.array([(np.cos(t), np.sin(t)) for t in np.radians(np.arange(360))])


def _ccw(points: np.ndarray) -> bool:
    """Every turn of the closed polygon is to the left (strictly)."""
    d = np.roll(points, -1, axis=0) - points
    e = np.roll(d, -1, axis=0)
    return bool((d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0] > 0).all())


def _same_vertices(a: np.ndarray, b: np.ndarray, tol: float = 1e-7) -> bool:
    return len(a) == len(b) and all(np.abs(b - p).max(axis=1).min() <= tol for p in a)


def _segmentation_objectives(values, market):
    model = om.segmentation(values, market, profit_floor=None)
    v = np.asarray(values, float)
    sale = v[:, None] >= v[None, :]  # sale[value, price]
    select = axes_of(model).selection()
    mu = model.var("mu")
    weights = {"consumer_surplus": select @ ((v[:, None] - v[None, :]) * sale).reshape(-1),
               "profit": select @ (v[None, :] * sale).reshape(-1)}
    return model, {name: w @ mu for name, w in weights.items()}, weights


def _bbm_triangle(values, market):
    """(0, pi*), (E[v] - pi*, pi*), (0, E[v]) in Fractions: pi* = max_p p * P(v >= p)."""
    v = [Fraction(x) for x in values]
    q = [Fraction(x).limit_denominator(1000) for x in market]
    q = [x / sum(q) for x in q]
    best = max(p * sum(qi for vi, qi in zip(v, q, strict=True) if vi >= p) for p in v)
    mean = sum(vi * qi for vi, qi in zip(v, q, strict=True))
    return [(Fraction(0), best), (mean - best, best), (Fraction(0), mean)]


def test_bbm_surplus_triangle_exact():
    model, objectives, weights = _segmentation_objectives([1, 2, 3], [Fraction(1, 3)] * 3)
    front = om.frontier(model, objectives, exact=True)
    triangle = _bbm_triangle([1, 2, 3], [1, 1, 1])
    assert triangle == [(0, Fraction(4, 3)), (Fraction(2, 3), Fraction(4, 3)), (0, 2)]
    assert front.verified and front.exact_vertices == triangle  # counter-clockwise from the least vertex
    assert front.exact_area == Fraction(1, 2) * Fraction(2, 3) * Fraction(2, 3)
    assert list(front.vertices.columns) == ["consumer_surplus", "profit"]
    assert np.allclose(front.vertices.to_numpy(), np.array(triangle, dtype=float), atol=1e-9)
    assert front.area == pytest.approx(2 / 9, rel=1e-9)
    # each vertex's solution is a segmentation with the vertex's surpluses
    for sol, vertex in zip(front.solutions, triangle, strict=True):
        mu = np.asarray(sol["mu"], float).reshape(-1)
        assert mu.min() >= -1e-9 and mu.sum() == pytest.approx(1.0)
        assert [weights[k] @ mu for k in objectives] == pytest.approx([float(c) for c in vertex], abs=1e-9)
    assert front.contains([0.1, 1.5]) and not front.contains([0.5, 1.9]) and not front.contains([-0.01, 1.5])


def test_bbm_triangle_on_a_skewed_market():
    values, market = [1, 2, 4, 5], [0.1, 0.2, 0.3, 0.4]
    model, objectives, _ = _segmentation_objectives(values, market)
    front = om.frontier(model, objectives)
    expected = np.array(_bbm_triangle(values, market), dtype=float)
    assert _same_vertices(front.vertices.to_numpy(), expected, 1e-8)
    assert _ccw(front.vertices.to_numpy())


# ---------------------------------------------------------------------------------------------- Chicken
CHICKEN = np.array([[6.0, 2.0], [7.0, 0.0]])  # row player's payoff; rows own action C, D


def _chicken_ce_lp():
    """The CE polytope of Chicken written directly: p over (CC, CD, DC, DD), obedience as A_ub p <= 0."""
    u_row = CHICKEN.reshape(-1)
    u_col = CHICKEN.T.reshape(-1)
    rows = []
    for a, b in ((0, 1), (1, 0)):  # row told a does not gain by b: sum_c p(a, c) (u(b, c) - u(a, c)) <= 0
        r = np.zeros((2, 2))
        r[a, :] = CHICKEN[b, :] - CHICKEN[a, :]
        rows.append(r.reshape(-1))
        c = np.zeros((2, 2))  # the column player, by symmetry: u_col(r, c) = CHICKEN[c, r]
        c[:, a] = CHICKEN[b, :] - CHICKEN[a, :]
        rows.append(c.reshape(-1))
    return np.array(rows), np.vstack([u_row, u_col])


def _support_points(a_ub, b_ub, a_eq, b_eq, payoff, offset=(0.0, 0.0), bounds=(0, None)):
    points = []
    for w in DIRECTIONS:
        res = linprog(-(w @ payoff), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert res.status == 0
        points.append(payoff @ res.x + np.asarray(offset))
    return np.array(points)


def test_chicken_correlated_equilibrium_payoffs():
    game = om.FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": CHICKEN, "col": CHICKEN.T})
    model = om.correlated_equilibrium(game, objective="welfare")
    mu, select = model.var("mu"), axes_of(model).selection()
    objectives = {p: (select @ game.payoff(p, with_state=True).reshape(-1)) @ mu for p in ("row", "col")}
    front = om.frontier(model, objectives, exact=True)

    # the polygon in closed form: the Nash equilibria (2, 7), (7, 2); the welfare-max CE (21/4, 21/4)
    # (p(CC) = 1/2, p(CD) = p(DC) = 1/4); the welfare-min CE (18/5, 18/5) (p(CD) = p(DC) = 2/5,
    # p(DD) = 1/5: both "told D" rows bind). The mixed NE (14/3, 14/3) is inside, not a vertex.
    expected = [(2, 7), (Fraction(18, 5), Fraction(18, 5)), (7, 2), (Fraction(21, 4), Fraction(21, 4))]
    assert front.verified and front.exact_vertices == expected
    assert front.contains([14 / 3, 14 / 3]) and not front.contains([3.5, 3.5])

    # against the CE LP written here, solved by scipy along 360 directions
    a_ub, payoff = _chicken_ce_lp()
    points = _support_points(a_ub, np.zeros(4), np.ones((1, 4)), [1.0], payoff)
    hull = points[ConvexHull(points).vertices]  # counter-clockwise in 2-D
    assert _same_vertices(front.vertices.to_numpy(), hull, 1e-7)
    assert front.area == pytest.approx(ConvexHull(points).volume, rel=1e-9)
    support = (DIRECTIONS @ front.vertices.to_numpy().T).max(axis=1)
    assert np.allclose(support, (DIRECTIONS * points).sum(axis=1), atol=1e-8)
    # each vertex's solution is a correlated equilibrium with the vertex's payoffs
    for sol, vertex in zip(front.solutions, expected, strict=True):
        p = np.asarray(sol["mu"], float).reshape(-1)  # (row, col) in C order, as CHICKEN
        assert (a_ub @ p).max() <= 1e-9 and p.sum() == pytest.approx(1.0) and p.min() >= -1e-12
        assert payoff @ p == pytest.approx([float(c) for c in vertex], abs=1e-9)


# ---------------------------------------------------------------------------------------------- random LP
def test_random_lp_polygon_against_brute_force():
    rng = np.random.default_rng(7)
    n, m = 4, 9
    a, b = rng.normal(size=(m, n)), rng.uniform(0.5, 2.0, size=m)
    c, d = rng.normal(size=(2, n)), np.array([0.5, -1.0])
    model = om.Model("random polygon")
    x = model.variable("x", n)
    model.constrain("rows", family(a @ x, "<=", b))
    model.constrain("box", family(x, "<=", 3.0))
    model.constrain("floor", family(x, ">=", -3.0))
    front = om.frontier(model, {"f": c[0] @ x + d[0], "g": c[1] @ x + d[1]})
    verts = front.vertices.to_numpy()
    assert _ccw(verts) and len(verts) >= 4

    a_ub = np.vstack([a, np.eye(n), -np.eye(n)])
    b_ub = np.concatenate([b, np.full(n, 3.0), np.full(n, 3.0)])
    points = _support_points(a_ub, b_ub, None, None, c, d, bounds=(None, None))
    hull = points[ConvexHull(points).vertices]
    # every vertex the brute force sees is a vertex of the frontier, the support functions agree along
    # all 360 directions, and every vertex's solution is feasible and maps onto the vertex
    assert all(np.abs(verts - p).max(axis=1).min() <= 1e-7 for p in hull)
    support = (DIRECTIONS @ verts.T).max(axis=1)
    assert np.allclose(support, (DIRECTIONS * points).sum(axis=1), atol=1e-7)
    # 1-degree directions can miss a vertex with a narrow normal cone: the brute-force hull is inside, and
    # scipy along each edge's outward normal finds nothing beyond the edge (the polygon holds the projection)
    assert front.area >= ConvexHull(points).volume * (1 - 1e-9)
    for p, q in zip(verts, np.roll(verts, -1, axis=0), strict=True):
        normal = np.array([q[1] - p[1], p[0] - q[0]])
        res = linprog(-(normal @ c), A_ub=a_ub, b_ub=b_ub, bounds=(None, None), method="highs")
        assert -res.fun + normal @ d == pytest.approx(normal @ p, abs=1e-7 * np.abs(normal).sum())
    for sol, vertex in zip(front.solutions, verts, strict=True):
        xv = np.asarray(sol["x"], float)
        assert (a_ub @ xv - b_ub).max() <= 1e-8
        assert c @ xv + d == pytest.approx(vertex, abs=1e-8)


# ---------------------------------------------------------------------------------------------- degenerate
def _box():
    model = om.Model("box")
    x = model.variable("x", 2, nonneg=True)
    model.constrain("cap", family(x, "<=", 1.0))
    return model, x


def test_segment_point_and_square():
    model, x = _box()
    segment = om.frontier(model, {"a": x[0] + x[1], "b": x[0] + x[1]}, exact=True)
    assert segment.exact_vertices == [(0, 0), (2, 2)] and segment.area == 0.0
    assert segment.contains([1, 1]) and not segment.contains([1, 1.1])
    point = om.frontier(model, {"a": 3 + 0 * x[0], "b": 2 + 0 * x[1]})
    assert point.vertices.to_numpy().tolist() == [[3.0, 2.0]] and point.contains([3, 2])
    square = om.frontier(model, {"a": 2 * x[0] - 1, "b": x[1]}, exact=True)
    assert square.exact_vertices == [(-1, 0), (1, 0), (1, 1), (-1, 1)] and square.exact_area == 2


def test_unbounded_and_infeasible():
    model = om.Model("ray")
    x = model.variable("x", 2, nonneg=True)
    model.constrain("c", family(x[0] - x[1], "<=", 1.0))
    with pytest.raises(om.UnboundedError, match=r"projection onto \(a, b\) is unbounded in direction"):
        om.frontier(model, {"a": x[0], "b": x[1]})
    model.constrain("d", family(x[0] + x[1], "<=", -1.0))
    with pytest.raises(om.InfeasibleError):
        om.frontier(model, {"a": x[0], "b": x[1]})


def test_bad_input_names_the_argument():
    model, x = _box()
    other = om.Model("other").variable("y", 1)
    good = {"a": x[0], "b": x[1]}
    cases = [
        ([x[0], x[1]], "objectives: must map two names"),
        ({"a": x[0]}, "objectives: must map two names"),
        ({**good, "c": x[0]}, "objectives: must map two names"),
        ({"a": cp.square(x[0]), "b": x[1]}, r"objectives\['a'\]: must be affine"),
        ({"a": x[0], "b": x[1] + other[0]}, r"objectives\['b'\]: uses variables \['y'\]"),
        ({"a": x[0], "b": 2.0}, r"objectives\['b'\]: must be a cvxpy expression"),
        ({"a": x, "b": x[1]}, r"objectives\['a'\]: must be a scalar"),
        ({1: x[0], "b": x[1]}, r"objectives\[1\]: the names must be strings"),
    ]
    for objectives, message in cases:
        with pytest.raises(om.InputError, match=message):
            om.frontier(model, objectives)
    with pytest.raises(om.InputError, match="model: expected an optmarkets Model"):
        om.frontier("box", good)
    with pytest.raises(om.InputError, match="exact: must be True or False"):
        om.frontier(model, good, exact="yes")
    integer = om.Model("integer")
    z = integer.variable("z", 2, integer=True)
    integer.constrain("cap", family(z, "<=", 1.0))
    with pytest.raises(om.CapabilityError, match="model: 'integer' is not an LP"):
        om.frontier(integer, {"a": z[0], "b": z[1]})
    with pytest.raises(om.InputError, match="point: must be two finite numbers"):
        om.frontier(model, good).contains([1.0])


def test_exact_failure_is_reported_not_hidden(monkeypatch):
    model, x = _box()
    monkeypatch.setattr(om.Solution, "exact", lambda self: SimpleNamespace(verified=False, reason="no basis"))
    front = om.frontier(model, {"a": x[0], "b": x[1]}, exact=True)
    assert front.verified is False and front.exact_vertices is None and "no basis" in front.reason
    assert _same_vertices(front.vertices.to_numpy(), np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float))


def test_plot(monkeypatch):
    model, x = _box()
    front = om.frontier(model, {"a": x[0], "b": x[1]})
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = front.plot()
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    import matplotlib.pyplot as plt

    plt.close("all")
    monkeypatch.setitem(__import__("sys").modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"plot: needs matplotlib; install the plot extra"):
        front.plot()


def test_a_segment_traced_there_and_back_keeps_its_ends():
    # a vertical segment whose E and W maximisers (ties) are both its middle: the ring mid, top, mid, bottom
    from optmarkets.solvers.frontier import _exact_final, _float_final, _vertices

    for final, half in ((_float_final, 0.5), (_exact_final, Fraction(1, 2))):
        ring = [((1, half), (1.0, 0.0), None), ((1, 1), (0.0, 1.0), None), ((1, half), (-1.0, 0.0), None),
                ((1, 0), (0.0, -1.0), None)]
        assert [p for p, _, _ in _vertices(ring, final)] == [(1, 0), (1, 1)]
