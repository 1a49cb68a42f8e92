"""om.frontier at any data magnitude: a polygon scaled by S is traced as the same polygon (no absolute
tolerance floor), and an edge normal whose cost cancels to round-off still gives a certified LP. Checked against
closed forms (a square with a corner cut) and against scipy's linprog (support values along many directions)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.exact_values import read_rational
from optmarkets.core.family import family

# the square [0, 1]^2 cut by x + y <= 1.9: five vertices counter-clockwise from (0, 0), area 1 - 0.1^2 / 2
PENTAGON = np.array([[0, 0], [1, 0], [1, 0.9], [0.9, 1], [0, 1]])
INSIDE = [(0.5, 0.5), (1, 0.9), (0.95, 0.94), (0, 0), (0.001, 0.999)]
OUTSIDE = [(-0.05, 0.5), (0.5, -0.01), (0.96, 0.96), (1.001, 0.5), (0.5, 1.01)]


def _pentagon(scale: float):
    model = om.Model("square")
    x = model.variable("x", 2)
    model.constrain("box", family(x, "<=", np.array([scale, scale])))
    model.constrain("pos", family(x, ">=", 0.0))
    model.constrain("cut", family(x[0] + x[1], "<=", 1.9 * scale))
    model.maximize(x[0])
    return model, {"u": x[0], "v": x[1]}


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_the_cut_square_is_the_same_polygon_at_every_scale(scale):
    # at 1e-6 an absolute floor of 1e-7 took the cut's edge for straight: 4 vertices, area 0.95, (-0.05, 0.5) inside
    model, objectives = _pentagon(scale)
    front = om.frontier(model, objectives)
    assert np.abs(front.vertices.to_numpy() / scale - PENTAGON).max() <= 1e-9
    assert front.area / scale**2 == pytest.approx(0.995, rel=1e-9)
    assert all(front.contains([scale * a, scale * b]) for a, b in INSIDE)
    assert not any(front.contains([scale * a, scale * b]) for a, b in OUTSIDE)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_the_exact_cut_square_contains_the_same_points_at_every_scale(scale):
    model, objectives = _pentagon(scale)
    front = om.frontier(model, objectives, exact=True)
    # the LP's data as exact() reads them (1e-6 is 1/10^6; 1.9e-6 the simplest rational within half an ulp)
    side, cut = read_rational(scale)[0], read_rational(1.9 * scale)[0]
    corner = cut - side
    assert front.verified and front.exact_vertices == [(0, 0), (side, 0), (side, corner), (corner, side), (0, side)]
    assert front.exact_area == side**2 - (2 * side - cut) ** 2 / 2
    assert abs(float(front.exact_area) / scale**2 - 0.995) <= 1e-9
    assert all(front.contains([scale * a, scale * b]) for a, b in INSIDE)
    assert not any(front.contains([scale * a, scale * b]) for a, b in OUTSIDE)


def _random_lp(seed: int, scale: float):
    """max over {A x <= b S, 0 <= x <= ub S} of the objectives F x (the audit's random family)."""
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 6), rng.integers(2, 6)
    a = rng.normal(size=(m, n)).round(2)
    b = rng.uniform(0, 3, size=m).round(2)
    f = rng.normal(size=(2, n)).round(2)
    ub = rng.integers(1, 4, size=n).astype(float)
    model = om.Model("random")
    x = model.variable("x", n)
    model.constrain("le", family(a @ x, "<=", b * scale))
    model.constrain("lb", family(x, ">=", 0.0))
    model.constrain("ub", family(x, "<=", ub * scale))
    model.maximize(x[0])
    return model, {"f": f[0] @ x, "g": f[1] @ x}, (a, b, f, ub)


@pytest.mark.parametrize("seed", [73, 74, 75, 79])  # each lost vertices at 1e-6 under the absolute floor
def test_random_polygons_at_1e_minus_6_are_the_ones_at_1_scaled(seed):
    unit = om.frontier(*_random_lp(seed, 1.0)[:2]).vertices.to_numpy()
    small = om.frontier(*_random_lp(seed, 1e-6)[:2]).vertices.to_numpy() / 1e-6
    assert small.shape == unit.shape and np.abs(small - unit).max() <= 1e-7 * np.abs(unit).max()


def test_a_cost_that_cancels_to_round_off_is_zero_and_the_lp_is_certified():
    # an edge normal w = (1, -0.48 / 1.55) makes column 3's cost 0.48 - 0.48 / 1.55 * 1.55 = 5.6e-17 in floats; the
    # optimum puts weight only on that column, so the certificate's scale was ~2e-17 and its round-off a 100% gap
    a = np.array([[-2.56, 0.42, -0.57, -0.45, -0.22], [-2.02, -0.23, -0.87, 3.32, 0.23]])
    b = np.array([1.55, 1.29])
    f = np.array([[-0.67, -1.06, -0.39, 0.48, -0.24], [0.96, -0.2, 0.02, 1.55, 0.55]])
    ub = np.array([1.0, 1.0, 1.0, 3.0, 2.0])
    model = om.Model("cancel")
    x = model.variable("x", 5)
    model.constrain("le", family(a @ x, "<=", b))
    model.constrain("lb", family(x, ">=", 0.0))
    model.constrain("ub", family(x, "<=", ub))
    model.maximize(x[0])
    front = om.frontier(model, {"f": f[0] @ x, "g": f[1] @ x})
    vertices = front.vertices.to_numpy()
    assert len(vertices) >= 3 and all(s.certificate.ok() for s in front.solutions)

    def support(d: np.ndarray) -> float:
        lp = linprog(-(d @ f), A_ub=a, b_ub=b, bounds=[(0, u) for u in ub], method="highs")
        return float(-lp.fun)

    for t in np.radians(np.arange(0, 360, 15)):  # the polygon's support function is the LP's
        d = np.array([np.cos(t), np.sin(t)])
        assert (vertices @ d).max() == pytest.approx(support(d), abs=1e-8)
    edges = np.roll(vertices, -1, axis=0) - vertices
    normals = np.column_stack([edges[:, 1], -edges[:, 0]]) / np.linalg.norm(edges, axis=1)[:, None]
    for i, vertex in enumerate(vertices):  # each vertex is the LP's optimum between its edges' outward normals
        d = normals[i - 1] + normals[i]
        assert vertex @ d == pytest.approx(support(d), abs=1e-8)
    # the weighted cost, formed in numbers: the cancelled column is exactly 0, the others as computed
    from optmarkets.solvers.frontier import _linear

    cost = _linear([f[0] @ x, f[1] @ x]).combined((1.0, -0.48 / 1.55))
    assert cost[3] == 0.0 and cost[0] == pytest.approx(-0.67 - 0.96 * 0.48 / 1.55, rel=1e-15)


def test_objectives_over_bounded_variables_are_read_in_their_domain():
    """The objectives are read as numbers at a point of the variables' domain (zeros broke bounds=[0.25, 2]:
    cvxpy refuses the value): u = x0 + 1 and v = x1 over the box cut by x0 + x1 <= 3, vertices by hand."""
    import cvxpy as cp

    import optmarkets as om
    from optmarkets.builders import family

    model = om.Model("box")
    x = model.variable("x", 2, bounds=[0.25, 2.0])
    model.constrain("cut", family(cp.sum(x), "<=", 3.0))
    model.maximize(x[0])
    fr = om.frontier(model, {"u": x[0] + 1, "v": x[1]})
    want = {(1.25, 0.25), (3.0, 0.25), (3.0, 1.0), (2.0, 2.0), (1.25, 2.0)}
    assert {tuple(np.round(p, 9)) for p in fr.vertices.to_numpy()} == want


# ------------------------------------------------------------------------- each objective in its own units
def _cut_box(big: float, small: float):
    """x in [0, big] x [0, small] cut by x0 + (big / small) x1 <= 1.5 big: the pentagon (0, 0), (big, 0),
    (big, small / 2), (big / 2, small), (0, small) (by hand), area big small - (big / 2)(small / 2) / 2."""
    model = om.Model("box")
    x = model.variable("x", 2, nonneg=True)
    model.constrain("cap", family(x, "<=", np.array([big, small])))
    model.constrain("cut", family(x[0] + (big / small) * x[1], "<=", 1.5 * big))
    model.maximize(x[0] + x[1])
    return model, {"u1": x[0], "u2": x[1]}


@pytest.mark.parametrize(("big", "small"), [(1.0, 1.0), (1e6, 0.05), (1e8, 1.0), (1.0, 1e-7)])
def test_objectives_in_units_1e7_apart_give_the_pentagon(big, small):
    # one tolerance at the larger objective's scale took the corner for straight: 2 vertices, area 0 for 43750
    model, objectives = _cut_box(big, small)
    front = om.frontier(model, objectives)
    pentagon = np.array([[0, 0], [1, 0], [1, 0.5], [0.5, 1], [0, 1]]) * [big, small]
    assert np.abs((front.vertices.to_numpy() - pentagon) / [big, small]).max() <= 1e-9
    assert front.area == pytest.approx(0.875 * big * small, rel=1e-9)
    assert front.contains([0.5 * big, 0.9 * small]) and front.contains([big, 0.5 * small])
    assert not front.contains([0.5 * big, 1.9 * small]) and not front.contains([0.75 * big, 0.76 * small])
    assert not front.contains([big, 0.51 * small]) and not front.contains([0.5 * big, -0.01 * small])
    exact = om.frontier(model, objectives, exact=True)  # the exact trace: ties are equalities
    assert exact.verified and np.array(exact.exact_vertices, dtype=float).tolist() == front.vertices.to_numpy().tolist()


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
@pytest.mark.parametrize("units", [(1e6, 0.05), (1.0, 1e-7)])
def test_random_polygons_in_mixed_units_are_the_unit_ones_rescaled(seed, units):
    # the same LP, the objectives multiplied by (1e6, 0.05): the polygon is the unit one stretched axis by axis
    # (one scale for both lost vertices on every seed here); its support function is linprog's
    model, objectives, (a, b, f, ub) = _random_lp(seed, 1.0)
    unit = om.frontier(model, objectives).vertices.to_numpy()
    model, objectives, _ = _random_lp(seed, 1.0)
    mixed = om.frontier(model, {"f": units[0] * objectives["f"], "g": units[1] * objectives["g"]})
    stretched = mixed.vertices.to_numpy() / units
    assert stretched.shape == unit.shape and np.abs(stretched - unit).max() <= 1e-7 * np.abs(unit).max()
    assert mixed.area == pytest.approx(om.frontier(*_random_lp(seed, 1.0)[:2]).area * units[0] * units[1], rel=1e-9)
    for t in np.radians(np.arange(0, 360, 20)):
        d = np.array([np.cos(t), np.sin(t)])
        lp = linprog(-(d @ f), A_ub=a, b_ub=b, bounds=[(0, u) for u in ub], method="highs")
        assert (stretched @ d).max() == pytest.approx(-lp.fun, abs=1e-8)
