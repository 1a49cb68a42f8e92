"""om.value_function: V(t) of an LP along p(t) = start + t (end - start).

Checked against independent re-solves written directly with scipy.optimize.linprog on a grid of 201 t
(values, and kinks of the grid against the reported breakpoints both ways), against closed forms
(GLP's V(q) = min(q1, q2), Kamenica-Gentzkow's V = min(1, 2 P(guilty)), hand-built degenerate LPs) in
exact rationals, and against the model's own solves.
"""

from __future__ import annotations

from fractions import Fraction

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family

GRID = np.linspace(0.0, 1.0, 201)


def _linprog_value(sense, c, A_ub, b_ub, A_eq, b_eq):
    s = -1.0 if sense == "max" else 1.0
    r = linprog(s * c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs",
                options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    return s * r.fun if r.status == 0 else np.nan


def _random(seed: int, sense: str, where: str):
    """max/min c.x over x >= 0 (6 entries) with an equality row, 4 <= rows and a box; small-integer data around
    an integral point (degenerate optima are common). where="rhs": the <= rows' rhs is the parameter `b`;
    where="objective": the costs are the parameter `c`. Returns the model, the path and a linprog evaluator."""
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, 6).astype(float)
    G = rng.integers(-1, 3, (4, 6)).astype(float)
    e = rng.integers(0, 2, (1, 6)).astype(float)
    e[0, 0] = 1.0
    b0 = G @ x0 + rng.integers(0, 2, 4)
    b1 = b0 + rng.integers(-2, 6, 4)
    c0, c1 = rng.integers(-1, 4, 6).astype(float), rng.integers(-2, 3, 6).astype(float)
    c0 = c0 if sense == "max" else -c0
    m = om.Model(f"random{seed}", sense=sense)
    x = m.variable("x", 6, nonneg=True)
    m.constrain("balance", family(e @ x, "==", e @ x0))
    box = np.ones((1, 6))
    m.constrain("box", family(box @ x, "<=", [6.0]))
    rows = pd.Index(["r0", "r1", "r2", "r3"], name="row")
    if where == "rhs":
        b = m.parameter("b", b0, index=rows)
        m.constrain("rows", family(G @ x, "<=", b, index=rows))
        (m.maximize if sense == "max" else m.minimize)(c0 @ x)

        def at(t):
            return _linprog_value(sense, c0, np.vstack([G, box]), np.r_[b0 + t * (b1 - b0), 6.0], e, e @ x0)
        return m, "b", b0, b1, at
    cpar = m.parameter("c", c0)
    m.constrain("rows", family(G @ x, "<=", b0, index=rows))
    (m.maximize if sense == "max" else m.minimize)(cpar @ x)

    def at_c(t):
        return _linprog_value(sense, c0 + t * (c1 - c0), np.vstack([G, box]), np.r_[b0, 6.0], e, e @ x0)
    return m, "c", c0, c1, at_c


def _grid_kinks(values: np.ndarray) -> np.ndarray:
    """Grid points where the second difference is nonzero (both neighbours solvable)."""
    d2 = values[:-2] - 2 * values[1:-1] + values[2:]
    scale = 1e-7 * max(1.0, float(np.nanmax(np.abs(values))))
    return GRID[1:-1][np.abs(np.nan_to_num(d2)) > scale]


def _check_against_grid(vf, at):
    truth = np.array([at(t) for t in GRID])
    got = vf(GRID)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(truth))
    np.testing.assert_allclose(got, truth, atol=1e-7, rtol=1e-7, equal_nan=True)
    step = GRID[1] - GRID[0]
    kinks, bps = _grid_kinks(truth), vf.breakpoints
    for k in kinks:  # every kink of the grid is near a reported breakpoint
        assert bps.size and np.min(np.abs(bps - k)) <= step + 1e-12, (k, bps)
    for bp in bps:  # every breakpoint shows as a kink of the grid (unless it sits at a grid end)
        if GRID[1] < bp < GRID[-2]:
            assert kinks.size and np.min(np.abs(kinks - bp)) <= step + 1e-12, (bp, kinks)
    return truth


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sense", ["max", "min"])
@pytest.mark.parametrize("where", ["rhs", "objective"])
def test_random_lps_match_linprog_on_a_grid(seed, sense, where):
    m, name, start, end, at = _random(seed, sense, where)
    vf = om.value_function(m, name, start, end)
    assert vf.kind in (where, "constant")
    _check_against_grid(vf, at)
    # no doubled kinks: adjacent pieces differ in slope; pieces tile the solvable stretch
    p = vf.pieces
    assert (np.abs(np.diff(p["slope"].to_numpy(float))) > 1e-9).all()
    np.testing.assert_allclose(p["t_low"].to_numpy(float)[1:], p["t_high"].to_numpy(float)[:-1])
    # one-sided derivatives against the grid's difference quotients at interior points of pieces
    for t_lo, t_hi, s in zip(p["t_low"], p["t_high"], p["slope"], strict=True):
        if t_hi - t_lo > 1e-3:
            mid = (t_lo + t_hi) / 2
            assert vf.left(mid) == pytest.approx(s) and vf.right(mid) == pytest.approx(s)
            h = (t_hi - t_lo) / 4
            assert (at(mid + h) - at(mid - h)) / (2 * h) == pytest.approx(s, abs=1e-6)


def test_model_method_and_the_models_own_solves():
    e = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    m = e.platform_problem([0.1, 0.4])
    vf = m.value_function("q", [0.1, 0.4], [0.4, 0.1])
    for t in (0.0, 0.2, 0.5, 0.77, 1.0):
        q = np.array([0.1, 0.4]) + t * np.array([0.3, -0.3])
        assert vf(t) == pytest.approx(m.bind(q=q).solve().value, abs=1e-9)
        assert vf(t) == pytest.approx(min(q), abs=1e-9)  # V(q) = gamma_u * min(q1, q2) here
    np.testing.assert_allclose(vf.breakpoints, [0.5], atol=1e-9)
    assert vf.left(0.5) == pytest.approx(0.3) and vf.right(0.5) == pytest.approx(-0.3)
    assert list(vf.points.columns) == [1, 2] and vf.points.iloc[0].tolist() == pytest.approx([0.25, 0.25])
    assert np.isnan(vf.left(0.0)) and np.isnan(vf.right(1.0))
    # prices on each piece are the model's own prices there (rhs path: constant on a piece)
    for t, row in ((0.25, 0), (0.75, 1)):
        q = np.array([0.1, 0.4]) + t * np.array([0.3, -0.3])
        sol = m.bind(q=q).solve()
        got = vf.pieces["consistency"].iloc[row]
        np.testing.assert_allclose(got.to_numpy(float), sol.prices["consistency"].to_numpy(float), atol=1e-9)
    assert vf.regimes.shape[0] >= 1 and "binding" in vf.to_frame()


def test_glp_kink_exact():
    e = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    vf = om.value_function(e.platform_problem([0.1, 0.4]), "q", [0.1, 0.4], [0.4, 0.1], exact=True)
    assert vf.verified, vf.reason
    assert vf.exact_breakpoints == [Fraction(1, 2)] and vf.exact_values == [Fraction(1, 4)]
    assert list(vf.exact_pieces["slope"]) == [Fraction(3, 10), Fraction(-3, 10)]


def test_persuasion_breakpoint_is_one_half_exactly():
    m = om.persuasion(["i", "g"], [0.7, 0.3], ["a", "c"], [[1, 0], [0, 1]], [[0, 1], [0, 1]])
    vf = om.value_function(m, "prior", [1, 0], [0, 1], exact=True)
    assert vf.kind == "rhs" and vf.verified, vf.reason
    assert vf.exact_breakpoints == [Fraction(1, 2)] and vf.exact_values == [Fraction(1)]
    t = np.linspace(0, 1, 41)
    np.testing.assert_allclose(vf(t), np.minimum(1.0, 2 * t), atol=1e-9)  # V = min(1, 2 P(guilty))


def degenerate_rhs_model() -> om.Model:
    """max x + y: x <= p, y <= p, x + y <= 2p (redundant, binding at every p <= 1), x + 2y <= 3."""
    m = om.Model("degenerate")
    v = m.variable("v", 2, nonneg=True)
    p = m.parameter("p", 0.0)
    m.constrain("caps", family(v, "<=", cp.hstack([p, p])))
    m.constrain("sum", family(cp.sum(v), "<=", 2 * p))
    m.constrain("weighted", family(v[0] + 2 * v[1], "<=", 3.0))
    m.maximize(cp.sum(v))
    return m


def test_degenerate_rhs_path_exact():
    """max x + y: x <= p, y <= p, x + y <= 2p (redundant, binding at every p <= 1), x + 2y <= 3; p in [0, 3]:
    V = 2p up to p = 1, then (3 + p) / 2. Every vertex for p < 1 is degenerate."""
    m = degenerate_rhs_model()
    vf = m.value_function("p", 0.0, 3.0, exact=True)
    assert vf.verified and vf.exact_breakpoints == [Fraction(1, 3)], (vf.exact_breakpoints, vf.reason)
    np.testing.assert_allclose(vf.pieces["slope"], [6.0, 1.5])
    ps = 3 * GRID
    np.testing.assert_allclose(vf(GRID), np.where(ps <= 1, 2 * ps, (3 + ps) / 2), atol=1e-9)


def test_degenerate_objective_path_exact():
    """max (1 - t) x + t y over x + y <= 1, x <= 1, y <= 1 (two rows binding at each vertex): V = max(1 - t, t)."""
    m = om.Model("tie")
    v = m.variable("v", 2, nonneg=True)
    w = m.parameter("w", [1.0, 0.0])
    m.constrain("sum", family(cp.sum(v), "<=", 1.0))
    m.constrain("caps", family(v, "<=", 1.0))
    m.maximize(w @ v)
    vf = m.value_function("w", [1, 0], [0, 1], exact=True)
    assert vf.kind == "objective" and vf.verified and vf.exact_breakpoints == [Fraction(1, 2)], vf.reason
    np.testing.assert_allclose(vf(GRID), np.maximum(1 - GRID, GRID), atol=1e-9)


def window_model() -> om.Model:
    """max x over 0 <= x <= 1, lohi[0] <= x <= lohi[1] (lohi a parameter)."""
    m = om.Model("window")
    x = m.variable("x", 1, nonneg=True)
    lohi = m.parameter("lohi", [2.0, 3.0])
    m.constrain("floor", family(x, ">=", lohi[0:1]))
    m.constrain("ceiling", family(x, "<=", lohi[1:2]))
    m.constrain("cap", family(x, "<=", 1.0))
    m.maximize(cp.sum(x))
    return m


def test_infeasible_at_both_ends():
    """max x over 0 <= x <= 1, 2 - 4t <= x <= 3 - 4t: feasible on [1/4, 3/4], V = min(1, 3 - 4t)."""
    m = window_model()
    vf = m.value_function("lohi", [2, 3], [-2, -1], exact=True)
    assert np.allclose(vf.infeasible, [(0.0, 0.25), (0.75, 1.0)], atol=1e-9)
    assert vf.verified and vf.exact_breakpoints == [Fraction(1, 2)], vf.reason
    assert vf.exact_pieces["t_low"].iloc[0] == Fraction(1, 4) and vf.exact_pieces["t_high"].iloc[-1] == Fraction(3, 4)

    def at(t):
        return _linprog_value("max", np.array([1.0]), np.array([[-1.0], [1.0], [1.0]]),
                              np.array([-(2 - 4 * t), 3 - 4 * t, 1.0]), None, None)
    _check_against_grid(vf, at)
    assert list(vf.to_frame()["status"]) == ["infeasible", "optimal", "optimal", "infeasible"]


def test_unbounded_stretch_of_an_objective_path():
    m = om.Model("ray")
    x = m.variable("x", 1, nonneg=True)
    c = m.parameter("c", [-1.0])
    m.constrain("floor", family(x, ">=", 0.5))
    m.maximize(cp.sum(cp.multiply(c, x)))
    vf = m.value_function("c", [-1.0], [1.0])
    assert np.allclose(vf.unbounded, [(0.5, 1.0)])
    assert vf(0.2) == pytest.approx(0.5 * (-1 + 2 * 0.2)) and vf(0.9) == np.inf


def test_bad_inputs_name_the_argument():
    e = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    m = e.platform_problem([0.1, 0.4])
    with pytest.raises(om.InputError, match="parameter: 'nope'"):
        om.value_function(m, "nope", [0.1, 0.4], [0.4, 0.1])
    with pytest.raises(om.InputError, match="q"):
        om.value_function(m, "q", [0.1, 0.4, 0.2], [0.4, 0.1])
    with pytest.raises(om.InputError, match="q"):
        om.value_function(m, "q", [0.1, 0.4], [-0.4, 0.1])
    with pytest.raises(om.InputError, match="exact"):
        om.value_function(m, "q", [0.1, 0.4], [0.4, 0.1], exact="yes")
    mi = om.Model("milp")
    z = mi.variable("z", 1, integer=True)
    mi.parameter("k", 1.0)
    mi.constrain("cap", family(z, "<=", mi.param("k") * np.ones(1)))
    mi.maximize(cp.sum(z))
    with pytest.raises(om.CapabilityError, match="not an LP"):
        om.value_function(mi, "k", 1.0, 2.0)
    mm = om.Model("bilinear")
    y = mm.variable("y", 1, nonneg=True)
    k = mm.parameter("k", 1.0)
    mm.constrain("scaled", family(k * y, "<=", 1.0))
    mm.constrain("cap", family(y, "<=", 5.0))
    mm.maximize(cp.sum(y))
    with pytest.raises(om.CapabilityError, match="multiplies a variable in families \\['scaled'\\]"):
        om.value_function(mm, "k", 1.0, 2.0)
    mb = om.Model("both")
    u = mb.variable("u", 1, nonneg=True)
    k2 = mb.parameter("k", 1.0)
    mb.constrain("cap", family(u, "<=", k2 * np.ones(1)))
    mb.maximize(cp.sum(k2 * u))
    with pytest.raises(om.CapabilityError, match="both the objective and the right-hand sides of \\['cap'\\]"):
        om.value_function(mb, "k", 1.0, 2.0)


# ------------------------------------------------------------------ the float path: the sandwich method
def _no_walk(monkeypatch):
    """Make the basis walk fail, so a float path must come from the sandwich method."""
    from optmarkets.solvers import value_function_result as vfr

    def refuse(*args, **kwargs):
        raise AssertionError("the float path fell back to the basis walk")
    monkeypatch.setattr(vfr, "walk", refuse)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sense", ["max", "min"])
@pytest.mark.parametrize("where", ["rhs", "objective"])
def test_sandwich_matches_the_basis_walk(seed, sense, where):
    """The sandwich's pieces (float path) are the walk's (exact=True walks): stretches, breakpoints, values,
    slopes. (Not always the binding families: where the optimal prices are not unique, either basis may give them.)"""
    m, name, start, end, _at = _random(seed, sense, where)
    walked = om.value_function(m, name, start, end, exact=True)
    fast = om.value_function(m, name, start, end)
    for got, want in ((fast.infeasible, walked.infeasible), (fast.unbounded, walked.unbounded)):
        np.testing.assert_allclose(np.reshape(got, (-1, 2)), np.reshape(want, (-1, 2)), atol=1e-9)
    np.testing.assert_allclose(fast.breakpoints, walked.breakpoints, atol=1e-7)
    for col in ("t_low", "t_high", "value_low", "value_high", "slope"):
        np.testing.assert_allclose(fast.pieces[col].to_numpy(float), walked.pieces[col].to_numpy(float), atol=1e-7)


def test_sandwich_splits_at_a_kink_with_an_interior_supergradient(monkeypatch):
    """max x s.t. x <= 4p, 1 + p, 2 - p, 4 - 4p, 1.5: V = min(4p, 1 + p, 2 - p, 4 - 4p), kinks 1/3, 1/2, 2/3.
    The end tangents 4p and 4 - 4p meet at the kink 1/2, where the row x <= 1.5 offers the supergradient 0,
    strictly inside [-1, 1]: the method must still find all three kinks, from the sandwich alone."""
    _no_walk(monkeypatch)
    m = om.Model("four")
    x = m.variable("x", 1, nonneg=True)
    b = m.parameter("b", [0.0, 1.0, 2.0, 4.0, 1.5])
    m.constrain("rows", family(cp.hstack([x, x, x, x, x]), "<=", b))
    m.maximize(cp.sum(x))
    vf = m.value_function("b", [0, 1, 2, 4, 1.5], [4, 2, 1, 0, 1.5])
    np.testing.assert_allclose(vf.breakpoints, [1 / 3, 1 / 2, 2 / 3], atol=1e-9)
    np.testing.assert_allclose(vf.pieces["slope"], [4.0, 1.0, -1.0, -4.0], atol=1e-9)
    np.testing.assert_allclose(vf(GRID), np.minimum.reduce([4 * GRID, 1 + GRID, 2 - GRID, 4 - 4 * GRID]), atol=1e-9)
    for t, row in ((1 / 6, 0), (0.4, 1), (0.6, 2), (0.9, 3)):  # prices on each piece: the one binding row
        prices = vf.pieces["rows"].iloc[row].to_numpy(float)
        np.testing.assert_allclose(prices, np.eye(5)[row], atol=1e-9, err_msg=f"t = {t}")


def test_sandwich_on_degenerate_paths_needs_few_solves(monkeypatch):
    """The degenerate rhs and objective paths above, from the sandwich alone, in at most 2k + 1 solves (+ k
    midpoint solves on an objective path)."""
    from optmarkets.solvers import value_function_result as vfr
    from optmarkets.solvers import value_function_sandwich as vfs

    _no_walk(monkeypatch)
    counts = []

    def counted(*args, **kwargs):
        stats: dict[str, int] = {}
        out = vfs.sandwich(*args, stats=stats, **kwargs)
        counts.append(stats["solves"])
        return out
    monkeypatch.setattr(vfr, "sandwich", counted)
    m = degenerate_rhs_model()
    vf = m.value_function("p", 0.0, 3.0)
    np.testing.assert_allclose(vf.breakpoints, [1 / 3], atol=1e-9)
    np.testing.assert_allclose(vf.pieces["slope"], [6.0, 1.5])
    assert counts[0] <= 3
    m2 = om.Model("tie")
    w2 = m2.variable("v", 2, nonneg=True)
    w = m2.parameter("w", [1.0, 0.0])
    m2.constrain("sum", family(cp.sum(w2), "<=", 1.0))
    m2.constrain("caps", family(w2, "<=", 1.0))
    m2.maximize(w @ w2)
    vf2 = m2.value_function("w", [1, 0], [0, 1])
    np.testing.assert_allclose(vf2.breakpoints, [0.5], atol=1e-9)
    np.testing.assert_allclose(vf2(GRID), np.maximum(1 - GRID, GRID), atol=1e-9)
    assert counts[-1] <= 3 + 2


def test_sandwich_failure_falls_back_to_the_walk(monkeypatch):
    """Where the sandwich fails its own checks, the basis walk gives the same answer."""
    from optmarkets.solvers import value_function_result as vfr
    from optmarkets.solvers.value_function_sandwich import SandwichFailedError

    def fail(*args, **kwargs):
        raise SandwichFailedError("forced")
    monkeypatch.setattr(vfr, "sandwich", fail)
    m, name, start, end, at = _random(3, "max", "rhs")
    _check_against_grid(om.value_function(m, name, start, end), at)
    e = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    vf = om.value_function(e.platform_problem([0.1, 0.4]), "q", [0.1, 0.4], [0.4, 0.1])
    np.testing.assert_allclose(vf.breakpoints, [0.5], atol=1e-9)


def test_sandwich_with_infeasible_ends(monkeypatch):
    """The window LP above: no optimum at t = 0 or 1, so the solvable interval's LPs find [1/4, 3/4] and the
    sandwich runs there (no walk)."""
    _no_walk(monkeypatch)
    m = window_model()
    vf = m.value_function("lohi", [2, 3], [-2, -1])
    assert np.allclose(vf.infeasible, [(0.0, 0.25), (0.75, 1.0)], atol=1e-9)
    np.testing.assert_allclose(vf.breakpoints, [0.5], atol=1e-9)
    t = np.linspace(0.25, 0.75, 21)
    np.testing.assert_allclose(vf(t), np.minimum(1.0, 3 - 4 * t), atol=1e-9)


def test_a_solved_model_lends_the_path_its_basis():
    """After a solve, the path's first HiGHS run starts from that solve's optimal basis (`held_basis`): at the
    point solved it takes no pivot, where a cold start takes some; the answers equal a cold path's, for every
    random LP of the grid test (the seed changes where the simplex starts, never what it finds)."""
    import highspy

    from optmarkets.solvers.value_function import _highs, held_basis, path_of

    for seed, sense, where in ((0, "max", "rhs"), (3, "min", "objective"), (5, "max", "objective")):
        m, name, start, end, _at = _random(seed, sense, where)
        cold = om.value_function(m, name, start, end)
        assert held_basis(m) is None  # a path does not solve through the model
        m.bind(**{name: start}).solve()
        seed_basis = held_basis(m)
        assert seed_basis is not None and seed_basis.valid
        path = path_of(m, name, np.asarray(start, float), np.asarray(end, float))
        assert path.seed is seed_basis
        for basis, pivots in ((seed_basis, lambda k: k == 0), (None, lambda k: k > 0)):
            h = _highs(path.standard_form(0.0), basis)
            h.run()
            assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            assert pivots(h.getInfo().simplex_iteration_count), (seed, basis is None)
        warm = om.value_function(m, name, start, end)
        np.testing.assert_allclose(warm.breakpoints, cold.breakpoints, atol=1e-9)
        for col in ("t_low", "t_high", "value_low", "value_high", "slope"):
            np.testing.assert_allclose(warm.pieces[col].to_numpy(float), cold.pieces[col].to_numpy(float), atol=1e-9)
    other = om.Model("other")  # a basis of another size is not used
    y = other.variable("y", 2, nonneg=True)
    other.constrain("cap", family(cp.sum(y), "<=", 1.0))
    other.maximize(cp.sum(y))
    other.solve()
    m, name, start, end, _at = _random(0, "max", "rhs")
    path = path_of(m, name, np.asarray(start, float), np.asarray(end, float))
    h = _highs(path.standard_form(0.0), held_basis(other))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
