"""Solution.price_ranges: one-sided derivatives of the optimal value in each right-hand side.

Checked against closed forms (GLP's V(q) = gamma_u * min(q1, q2) at the kink, the BBM frontier
CS(f) = E[v] - f above the uniform profit) and against one-sided finite differences of independent
re-solves written directly with scipy.optimize.linprog, row by row, on random degenerate LPs.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from conftest import ce_welfare_lp, every_side_closed
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family

COLUMNS = ["price", "left", "right", "rhs_low", "rhs_high", "reason"]


def test_glp_kink_consistency_left_and_right():
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    sol = e.platform_problem([.3, .3]).solve()
    r = sol.price_ranges("consistency")
    assert list(r.columns) == COLUMNS
    assert list(r.index) == list(sol.prices["consistency"].index)
    # V(q) = min(q1, q2): decreasing either q by h loses h, increasing it gains nothing
    np.testing.assert_allclose(r["left"], [1.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(r["right"], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(r["price"], sol.prices["consistency"], atol=0)
    # where the vertex price holds: price 0 in q1 on [.3, inf), price 1 in q2 on [0, .3] (min(q1, q2))
    for w, (lo, hi) in zip(r.index, zip(r["rhs_low"], r["rhs_high"], strict=True), strict=True):
        p = r.loc[w, "price"]
        assert (lo, hi) == pytest.approx((0.3, np.inf)) if p == 0 else (lo, hi) == pytest.approx((0.0, 0.3))


def test_glp_rows_restricts():
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    sol = e.platform_problem([.3, .3]).solve()
    r = sol.price_ranges("consistency", rows=[2])
    assert list(r.index) == [2] and r["left"].iloc[0] == pytest.approx(1.0)
    with pytest.raises(om.InputError, match="rows"):
        sol.price_ranges("consistency", rows=[7])
    with pytest.raises(om.InputError, match="name: 'nope'"):
        sol.price_ranges("nope")


def test_bbm_profit_floor_right_price_is_frontier_slope():
    m = om.segmentation([1, 2, 3], [1 / 3] * 3)
    sol = m.solve()
    r = sol.price_ranges("profit_floor")
    # the frontier CS(f) = 2 - f for f >= 4/3 (E[v] = 2 is all surplus), flat below 4/3
    assert r["left"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert r["right"].iloc[0] == pytest.approx(-1.0, abs=1e-9)
    assert sol.value == pytest.approx(2 - 4 / 3)
    assert r["rhs_high"].iloc[0] == pytest.approx(4 / 3)  # price 0 holds only below the floor 4/3


def _random_lp(seed: int, sense: str):
    """max/min c.X over X >= 0 (3x2) with an equality family, a 2-D <= family and a >= family;
    small-integer data built around an integral point, so optima are often degenerate."""
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, (3, 2)).astype(float)
    M = rng.integers(-1, 3, (2, 3)).astype(float)
    G = rng.integers(0, 3, (2, 6)).astype(float)
    c = rng.integers(-2, 3, (3, 2)).astype(float)
    B = M @ x0 + rng.integers(0, 2, (2, 2))
    col = x0.sum(axis=0)
    g = G @ x0.reshape(-1, order="F") - rng.integers(0, 2, 2)
    m = om.Model(f"random{seed}", sense=sense)
    X = m.variable("X", (3, 2), nonneg=True)
    m.constrain("totals", family(cp.sum(X, axis=0), "==", col, index=pd.Index(["a", "b"], name="col")))
    m.constrain("caps", family(M @ X, "<=", B, index=(pd.Index([0, 1], name="i"), pd.Index(["a", "b"], name="j"))))
    m.constrain("floors", family(G @ cp.vec(X, order="F"), ">=", g))
    m.constrain("box", family(cp.sum(X), "<=", 4.0))
    (m.maximize if sense == "max" else m.minimize)(cp.sum(cp.multiply(c, X)))
    data = dict(c=c.reshape(-1, order="F"), M=M, B=B, col=col, G=G, g=g)
    return m, data


def _scipy_value(d: dict, sense: str, rhs: dict) -> float:
    """V written directly: x = vec_F(X) >= 0."""
    A_eq = np.kron(np.eye(2), np.ones((1, 3)))
    A_caps = np.vstack([np.kron(np.eye(2)[j], d["M"][i]) for i in range(2) for j in range(2)])  # C order (i, j)
    A_ub = np.vstack([A_caps, -d["G"], np.ones((1, 6))])
    b_ub = np.concatenate([rhs["caps"].reshape(-1), -rhs["floors"], [rhs["box"]]])
    cost = -d["c"] if sense == "max" else d["c"]
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=rhs["totals"], bounds=(0, None), method="highs")
    if res.status == 2:
        return -np.inf if sense == "max" else np.inf
    assert res.status == 0
    return -res.fun if sense == "max" else res.fun


@pytest.mark.parametrize("sense", ["max", "min"])
def test_random_degenerate_lps_match_one_sided_finite_differences(sense):
    h = 1e-6
    kinks = checked = 0
    for seed in range(25):
        m, d = _random_lp(seed, sense)
        try:
            sol = m.solve()
        except (om.InfeasibleError, om.UnboundedError):
            continue
        base = {"totals": d["col"], "caps": d["B"], "floors": d["g"], "box": np.array(4.0)}
        v0 = _scipy_value(d, sense, base)
        assert sol.value == pytest.approx(v0, abs=1e-8)
        for name in base:
            r = sol.price_ranges(name)
            for pos in range(r.shape[0]):
                fd = {}
                for side, step in (("right", h), ("left", -h)):
                    rhs = {k: np.array(v, float).copy() for k, v in base.items()}
                    rhs[name].reshape(-1)[pos] += step
                    v = _scipy_value(d, sense, rhs)
                    fd[side] = (v - v0) / step if np.isfinite(v) else (v if side == "right" else -v)
                for side in ("left", "right"):
                    got = r[side].iloc[pos]
                    if np.isinf(fd[side]):
                        assert got == fd[side], (seed, name, pos, side)
                    else:
                        assert got == pytest.approx(fd[side], abs=1e-5), (seed, name, pos, side, r)
                # the vertex price is a super/subgradient: between the one-sided derivatives
                lo, hi = sorted((r["left"].iloc[pos], r["right"].iloc[pos]))
                assert lo - 1e-7 <= r["price"].iloc[pos] <= hi + 1e-7
                kinks += abs(r["left"].iloc[pos] - r["right"].iloc[pos]) > 1e-6
                checked += 1
    assert checked > 50 and kinks >= 5  # the sample really is degenerate


def test_two_d_family_labels_are_a_multiindex_in_price_order():
    m, _ = _random_lp(3, "max")
    sol = m.solve()
    r = sol.price_ranges("caps")
    assert isinstance(r.index, pd.MultiIndex) and r.index.names == ["i", "j"]
    np.testing.assert_allclose(r["price"].to_numpy(), sol.prices["caps"].to_numpy().reshape(-1))


def test_rhs_range_is_where_the_vertex_price_holds():
    # on [rhs_low, rhs_high] the value is affine with slope `price` (scipy re-solves)
    checked = 0
    for seed in range(25):
        m, d = _random_lp(seed, "max")
        try:
            sol = m.solve()
        except (om.InfeasibleError, om.UnboundedError):
            continue
        base = {"totals": d["col"], "caps": d["B"], "floors": d["g"], "box": np.array(4.0)}
        v0 = _scipy_value(d, "max", base)
        r = sol.price_ranges("caps")
        for pos in range(4):
            lo, hi, p = r["rhs_low"].iloc[pos], r["rhs_high"].iloc[pos], r["price"].iloc[pos]
            b = base["caps"].reshape(-1)[pos]
            for point in (lo, hi, (lo + b) / 2, (hi + b) / 2):
                if not np.isfinite(point) or abs(point - b) < 1e-9:
                    continue
                rhs = {k: np.array(v, float).copy() for k, v in base.items()}
                rhs["caps"].reshape(-1)[pos] = point
                assert _scipy_value(d, "max", rhs) == pytest.approx(v0 + p * (point - b), abs=1e-7)
                checked += 1
    assert checked > 20


# ---------------------------------------------------------------- issue 23 item 15, issue 31 item 1
# The face LPs used to be re-run by the dual simplex from the previous row's optimum: from an
# ill-conditioned basis its phase 1 failed (kNotset after run() returned kError, or kUnknown) and
# the whole family raised. Each row now starts from the face's feasible basis (primal simplex),
# with checked fallbacks, and a row that still fails is NaN with a reason.

#: linprog's default feasibility tolerance (1e-7) moves V by ~1e-7: too much for differences over h = 1e-6
TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def _stacked(prices) -> pd.Series:
    return prices.stack(future_stack=True) if isinstance(prices, pd.DataFrame) else prices


def _one_sided(value, v0: float, step: float, side: str) -> float:
    """(V(b + step) - V(b)) / step, infinite where V is (the LP is infeasible on that side)."""
    if np.isfinite(value):
        return (value - v0) / step
    return value if side == "right" else -value


def _converged_difference(value_at, v0: float, side: str, steps=(1e-5, 1e-6, 1e-7), noise=5e-11):
    """The one-sided difference at the largest step that agrees with one ten times smaller, and the
    tolerance to compare with it. V is piecewise linear, so steps inside its first piece agree up to linprog's
    round-off (`noise` in V, so noise / step in the difference); random payoffs put kinks as close
    as 1e-6 to b, where a fixed step would straddle one."""
    sign = 1.0 if side == "right" else -1.0
    fds = [_one_sided(value_at(sign * h), v0, sign * h, side) for h in steps]
    for big, small, h in zip(fds, fds[1:], steps, strict=False):
        if big == small or abs(big - small) <= 40 * noise / h:  # the smaller step's round-off
            return big, 1e-5 + 4 * noise / h
    return fds[-1], 1e-5 + 4 * noise / steps[-1]


def _lp_model(A_eq, b_eq, A_ub, b_ub, c, box, sense):
    m = om.Model("lp", sense=sense)
    x = m.variable("x", len(c), nonneg=True)
    m.constrain("eq", family(A_eq @ x, "==", b_eq))
    m.constrain("ub", family(A_ub @ x, "<=", b_ub))
    m.constrain("box", family(cp.sum(x), "<=", box))
    (m.maximize if sense == "max" else m.minimize)(c @ x)
    return m


def _linprog_value(A_eq, b_eq, A_ub, b_ub, c, box, sense) -> float:
    A = np.vstack([A_ub, np.ones((1, len(c)))])
    res = linprog(-c if sense == "max" else c, A_ub=A, b_ub=np.append(b_ub, box), A_eq=A_eq, b_eq=b_eq,
                  bounds=(0, None), method="highs", options=TIGHT)
    if res.status == 2:
        return -np.inf if sense == "max" else np.inf
    assert res.status == 0, res.message
    return -res.fun if sense == "max" else res.fun


def _check_lp_against_linprog(A_eq, b_eq, A_ub, b_ub, c, box, sense, h=1e-6) -> tuple[int, int]:
    """Every row of every family: reason "", left/right = one-sided finite differences of linprog
    re-solves, price between them. Returns (rows checked, rows where left != right)."""
    data = dict(A_eq=A_eq, b_eq=b_eq, A_ub=A_ub, b_ub=b_ub, c=c, box=box, sense=sense)
    sol = _lp_model(**data).solve()
    v0 = _linprog_value(**data)
    assert sol.value == pytest.approx(v0, abs=1e-8)
    checked = kinks = 0
    for name, key in (("eq", "b_eq"), ("ub", "b_ub"), ("box", "box")):
        r = sol.price_ranges(name)
        assert list(r.columns) == COLUMNS and (r["reason"] == "").all(), r
        for pos in range(r.shape[0]):
            fd = {}
            for side, step in (("right", h), ("left", -h)):
                moved = dict(data)
                moved[key] = np.array(data[key], float).copy()
                moved[key].reshape(-1)[pos] += step
                fd[side] = _one_sided(_linprog_value(**moved), v0, step, side)
            for side in ("left", "right"):
                got = r[side].iloc[pos]
                if np.isinf(fd[side]):
                    assert got == fd[side], (name, pos, side, r)
                else:
                    assert got == pytest.approx(fd[side], abs=1e-5), (name, pos, side, r)
            lo, hi = sorted((r["left"].iloc[pos], r["right"].iloc[pos]))
            assert lo - 1e-7 <= r["price"].iloc[pos] <= hi + 1e-7
            kinks += r["left"].iloc[pos] != r["right"].iloc[pos]
            checked += 1
    return checked, kinks


def test_issue23_degenerate_lp_every_family_ranges():
    A_eq = np.array([[2, 1, 2, 2, 2, 0], [0, 1, 1, 2, 0, 0]], float)
    A_ub = np.array([[0, 1, 2, 0, 2, 0], [-1, 2, 2, 2, 2, 0], [-1, 1, 1, 0, 1, 0], [1, 2, -1, 0, 1, -1],
                     [1, 2, 2, 1, 2, 0]], float)
    checked, kinks = _check_lp_against_linprog(A_eq, np.array([6.0, 1.0]), A_ub, np.array([1.0, 1, 3, 1, 3]),
                                               np.array([0.0, 3, -2, -2, 0, -2]), 10.0, "max")
    assert checked == 8 and kinks >= 2  # eq row 0 and ub row 4 turn infeasible on one side


def degenerate_lp(seed: int) -> tuple:
    """(A_eq, b_eq, A_ub, b_ub, c, box, sense): small integer data around a 0/1 point, so degenerate optima
    are common."""
    rng = np.random.default_rng(1000 + seed)
    n, m_eq, m_ub = int(rng.integers(3, 7)), int(rng.integers(1, 3)), int(rng.integers(2, 6))
    x0 = rng.integers(0, 2, n).astype(float)
    A_eq = rng.integers(0, 3, (m_eq, n)).astype(float)
    A_ub = rng.integers(-1, 3, (m_ub, n)).astype(float)
    c = rng.integers(-2, 4, n).astype(float)
    return A_eq, A_eq @ x0, A_ub, A_ub @ x0 + rng.integers(0, 2, m_ub), c, float(n), "max" if seed % 2 else "min"


def test_random_degenerate_lps_300_against_linprog():
    """300 small LPs with integer data around a 0/1 point (so degenerate optima are common)."""
    checked = kinks = 0
    for seed in range(300):
        got = _check_lp_against_linprog(*degenerate_lp(seed))
        checked, kinks = checked + got[0], kinks + got[1]
    assert checked > 1700 and kinks > 400, (checked, kinks)  # degenerate: about a third of the rows at a kink


def _random_game(n_players: int, n_actions: int, seed: int) -> om.FiniteGame:
    rng = np.random.default_rng(seed)
    players = [f"p{i + 1}" for i in range(n_players)]
    shape = (n_actions,) * n_players
    return om.FiniteGame(players, {p: n_actions for p in players}, {p: rng.uniform(0, 1, shape) for p in players})


@pytest.mark.parametrize(("n_players", "n_actions", "seed", "sample"),
                         [(3, 6, 0, None), (3, 6, 1, 30), (4, 3, 0, None), (4, 3, 1, None)])
def test_random_game_obedience_ranges_all_computed(n_players, n_actions, seed, sample):
    g = _random_game(n_players, n_actions, seed)
    sol = om.correlated_equilibrium(g, objective="welfare").solve()
    r = sol.price_ranges("obedience")
    assert (r["reason"] == "").all(), r[r["reason"] != ""]
    assert not r[["left", "right"]].isna().any().any()
    # item 7: the same labels as the prices, level names included
    assert r.index.equals(sol.prices["obedience"].index) and r.index.names == sol.prices["obedience"].index.names
    np.testing.assert_array_equal(r["price"].to_numpy(), sol.prices["obedience"].to_numpy())
    lo = np.minimum(r["left"], r["right"]) - 1e-7
    assert ((lo <= r["price"]) & (r["price"] <= np.maximum(r["left"], r["right"]) + 1e-7)).all()
    # every row (or a sample) against one-sided finite differences of the CE written directly
    v0 = ce_welfare_lp(g, {})
    assert sol.value == pytest.approx(v0, abs=1e-8)
    labels = r.index if sample is None else r.index[np.random.default_rng(seed).choice(len(r), sample, replace=False)]
    for label in labels:
        for side in ("left", "right"):
            fd, tol = _converged_difference(lambda step, label=label: ce_welfare_lp(g, {label: step}), v0, side)
            if np.isinf(fd):
                assert r.loc[label, side] == fd, (label, side)
            else:
                assert r.loc[label, side] == pytest.approx(fd, abs=tol), (label, side, tol)


def test_two_d_family_labels_match_stacked_prices():
    m, _ = _random_lp(3, "max")
    sol = m.solve()
    r = sol.price_ranges("caps")
    assert r.index.equals(_stacked(sol.prices["caps"]).index)
    assert r.index.names == list(_stacked(sol.prices["caps"]).index.names)


def test_multiindex_rows_select_by_label():
    sol = om.correlated_equilibrium(_random_game(3, 3, 0), objective="welfare").solve()
    full = sol.price_ranges("obedience")
    want = [("p2", "none", 1, 0), ("p1", "none", 0, 2)]
    r = sol.price_ranges("obedience", rows=want)
    assert isinstance(r.index, pd.MultiIndex) and list(r.index) == want and r.index.names == full.index.names
    pd.testing.assert_frame_equal(r, full.loc[want])


def _force_face_lps(monkeypatch) -> None:
    """Every side of every row by face LPs (no shortcut): the reference the shortcuts are tested against, and
    the machinery whose failures the next tests provoke."""
    from optmarkets.solvers import ranging

    every_side_closed(monkeypatch)
    # no parametric step (issue 31 item 3) and no core LP either: every closed side goes to its face LP
    monkeypatch.setattr(ranging, "parametric_sides", _no_parametric_step)
    monkeypatch.setattr(ranging, "core_sides", _no_parametric_step)


def _no_parametric_step(lp, point, rows, want_min, want_max, *rest, **basis):
    return np.full(rows.size, np.nan), np.full(rows.size, np.nan), np.zeros((rows.size, 2), dtype=np.int64)


def test_a_row_no_highs_run_settles_is_nan_with_reason(monkeypatch):
    from optmarkets.solvers import face

    _force_face_lps(monkeypatch)
    monkeypatch.setattr(face, "_settle", lambda h, f, cost: (None, "kNotset"))
    sol = om.correlated_equilibrium(_random_game(3, 3, 0), objective="welfare").solve()
    r = sol.price_ranges("obedience")  # a frame, not an exception
    assert r.shape[0] == 18 and r[["left", "right"]].isna().all().all()
    assert r["reason"].str.contains("warm primal simplex: kNotset").all()
    assert r["reason"].str.contains("interior point with crossover: kNotset").all()
    np.testing.assert_array_equal(r["price"].to_numpy(), sol.prices["obedience"].to_numpy())


def _run_kind(h) -> str:
    solver, presolve = h.getOptionValue("solver")[1], h.getOptionValue("presolve")[1]
    if solver == "ipm":
        return "ipm"
    if presolve == "on":
        return "presolved"
    return "warm primal" if h.getOptionValue("simplex_strategy")[1] == 4 else "cold dual"


@pytest.mark.parametrize("survivor", ["cold dual", "presolved", "ipm"])
def test_failed_runs_are_retried_to_the_same_ranges(monkeypatch, survivor):
    """Every run but `survivor`'s reports kUnknown: each fallback alone gives the ranges."""
    from optmarkets.solvers import face

    sol = om.correlated_equilibrium(_random_game(3, 4, 2), objective="welfare").solve()
    expected = sol.price_ranges("obedience")  # with the shortcuts: the forced face LPs must agree
    _force_face_lps(monkeypatch)
    settle = face._settle
    seen: list[str] = []

    def only_survivor(h, f, cost):
        seen.append(_run_kind(h))
        return settle(h, f, cost) if seen[-1] == survivor else (None, "kUnknown")

    monkeypatch.setattr(face, "_settle", only_survivor)
    got = sol.price_ranges("obedience")
    assert seen.count(survivor) == seen.count("warm primal") == 2 * len(got)
    assert (got["reason"] == "").all(), got["reason"].iloc[0]
    pd.testing.assert_frame_equal(got, expected, atol=1e-9, rtol=0)


def test_a_face_that_never_solves_is_nan_with_reason(monkeypatch):
    from optmarkets.solvers import face

    build = face.dual_face

    def impossible(lp, optimum, face_tol):  # dual objective >= optimum + 1: empty face
        f = build(lp, optimum, face_tol)
        f.r_lo[-1] += 1.0
        return f

    monkeypatch.setattr(face, "dual_face", impossible)
    _force_face_lps(monkeypatch)
    sol = om.correlated_equilibrium(_random_game(3, 3, 0), objective="welfare").solve()
    r = sol.price_ranges("obedience")
    assert r[["left", "right"]].isna().all().all()
    assert r["reason"].str.contains(r"optimal dual face \(eps 1e-08\) did not solve: kInfeasible").all()


# ---------------------------------------------------------------- issue 31 item 2: rows that need no LP
# Where HiGHS's optimal basis is primal non-degenerate the optimal duals are unique: every row's
# left = right = its vertex price, and no face LP is solved.


def _counting_face_extremes(monkeypatch) -> list[int]:
    from optmarkets.solvers import ranging

    calls: list[int] = []
    real = ranging.face_extremes

    def counted(lp, optimum, rows, *sides):
        calls.append(len(rows))
        return real(lp, optimum, rows, *sides)

    monkeypatch.setattr(ranging, "face_extremes", counted)
    return calls


def _continuous_lp(seed: int) -> dict:
    """Continuous random data around an interior point x0 > 0: non-degenerate with probability one."""
    rng = np.random.default_rng(5000 + seed)
    n, m_eq, m_ub = int(rng.integers(4, 9)), int(rng.integers(1, 3)), int(rng.integers(2, 6))
    x0 = rng.uniform(0.2, 1.0, n)
    A_eq, A_ub = rng.uniform(0, 2, (m_eq, n)), rng.uniform(-1, 2, (m_ub, n))
    return dict(A_eq=A_eq, b_eq=A_eq @ x0, A_ub=A_ub, b_ub=A_ub @ x0 + rng.uniform(0.05, 1.0, m_ub),
                c=rng.uniform(-2, 3, n), box=float(x0.sum() + rng.uniform(0.1, 2.0)),
                sense="max" if seed % 2 else "min")


@pytest.mark.parametrize("seed", range(12))
def test_nondegenerate_lp_takes_the_shortcut_and_matches_face_lps_and_linprog(monkeypatch, seed):
    data = _continuous_lp(seed)
    sol = _lp_model(**data).solve()
    calls = _counting_face_extremes(monkeypatch)
    fast = {name: sol.price_ranges(name) for name in ("eq", "ub", "box")}
    assert calls == [], calls  # the shortcut: no face LP for any row of any family
    for r in fast.values():
        assert (r["reason"] == "").all() and (r["left"] == r["price"]).all() and (r["right"] == r["price"]).all()
    # the same frames by the face LPs, forced
    _force_face_lps(monkeypatch)
    for name, r in fast.items():
        slow = sol.price_ranges(name)
        pd.testing.assert_frame_equal(r, slow, atol=1e-9, rtol=0)
    assert len(calls) == 3
    monkeypatch.undo()
    checked, kinks = _check_lp_against_linprog(**data)  # one-sided linprog re-solves, through the shortcut
    assert checked == len(data["b_eq"]) + len(data["b_ub"]) + 1 and kinks == 0


def test_degenerate_lps_solve_face_lps_only_for_closed_sides(monkeypatch):
    """A degenerate basis: a row's side on which the basis stays optimal (no degenerate basic variable moving
    with the row, `row_steps`) takes the vertex price; only the other sides go to face LPs. GLP's kink: both
    consistency rows at the kink need them. On the degenerate sample every frame equals the all-face-LP one,
    every row at a kink (left != right) went to a parametric step or a face LP, and most rows needed neither."""
    from optmarkets.solvers import ranging

    calls = _counting_face_extremes(monkeypatch)
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    r = e.platform_problem([.3, .3]).solve().price_ranges("consistency")
    # the GLP kink: degenerate, both rows' closed sides settled by the parametric step (issue 31 item 3), no face LP
    assert calls == [] and (r["left"] != r["right"]).all()
    sides: list[tuple[np.ndarray, np.ndarray]] = []
    real_steps = ranging.row_steps

    def recorded(h, lp, rows):
        steps = real_steps(h, lp, rows)
        sides.append((steps.open_dn.copy(), steps.open_up.copy()))
        return steps

    rows = shortcut = kinked = 0
    for seed in range(40):
        sol = _lp_model(*degenerate_lp(seed)).solve()
        for name in ("eq", "ub", "box"):
            monkeypatch.setattr(ranging, "row_steps", recorded)
            fast = sol.price_ranges(name)
            open_dn, open_up = sides[-1]
            with monkeypatch.context() as forced:
                _force_face_lps(forced)
                slow = sol.price_ranges(name)
            pd.testing.assert_frame_equal(fast, slow, atol=1e-9, rtol=0)
            at_kink = (fast["left"] != fast["right"]).to_numpy()
            assert not (at_kink & open_dn & open_up).any(), (seed, name)  # a kink never takes the shortcut
            rows, shortcut, kinked = rows + len(fast), shortcut + int((open_dn & open_up).sum()), kinked + at_kink.sum()
    assert kinked >= 10 and shortcut >= rows // 2, (rows, shortcut, kinked)


def test_closed_sides_run_on_one_blas_thread_and_the_setting_is_restored(monkeypatch):
    """The parametric step's dense products run on one BLAS thread (more gain no time there and cost CPU: DSIC
    2 x 10's ranges 2.8 CPU s on two, 1.8 s on one, the same 1.9 s of wall time); the caller's setting is back
    after (GLP's kink: both consistency rows have closed sides)."""
    from threadpoolctl import threadpool_info

    from optmarkets.solvers import ranging

    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library reported by threadpoolctl")
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    sol = e.platform_problem([.3, .3]).solve()
    seen: list[list[int]] = []
    real = ranging.closed_sides

    def watched(*args, **kwargs):
        seen.append(blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(ranging, "closed_sides", watched)
    r = sol.price_ranges("consistency")
    assert seen and all(threads == [1] * len(before) for threads in seen), seen
    assert blas_threads() == before
    assert (r["left"] != r["right"]).all() and (r["reason"] == "").all()


@pytest.mark.parametrize("sense", ["max", "min"])
def test_a_ge_family_whose_rows_read_zero_keeps_its_orientation(sense):
    """0 x >= b at b = 0 (a receiver indifferent between its actions gives persuasion such obedience rows): the
    probe cannot tell the row's orientation from its values, which are 0 everywhere; the family's sense does. Raising
    b makes the LP infeasible, lowering it changes nothing (re-solved here at b = +-1e-6): max: left 0, right -inf;
    min: left 0, right +inf. Before the fix both sides were mirrored."""

    def build(b):
        m = om.Model("zero_row", sense=sense)
        x = m.variable("x", 1, nonneg=True)
        m.constrain("cap", family(x, "<=", 1.0))
        m.constrain("zero", family(0 * x, ">=", m.parameter("b", np.array([b]))))
        (m.maximize if sense == "max" else m.minimize)(cp.sum(x) if sense == "max" else -cp.sum(x))
        return m

    m = build(0.0)
    v0 = m.solve().value
    with pytest.raises(om.InfeasibleError):
        build(1e-6).solve()
    assert (v0 - build(-1e-6).solve().value) / 1e-6 == pytest.approx(0.0, abs=1e-9)
    r = m.solve().price_ranges("zero").iloc[0]
    assert r["left"] == 0.0 and r["right"] == (-np.inf if sense == "max" else np.inf)
