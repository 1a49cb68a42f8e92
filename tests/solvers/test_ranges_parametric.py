"""Issue 31 items 3 and 4: one-sided derivatives of the optimal value by a parametric step from the optimal basis
(`solvers.ranging_step`), and `price_ranges(..., n_jobs=)`.

The references lie outside the code under test: the face LPs (`solvers.face`: max / min of the row dual over the
optimal dual face, a different LP solved by HiGHS), and one-sided finite differences of re-solves written directly
with scipy.optimize.linprog (the LP's rows shifted, or the correlated equilibrium written over mu here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import ce_welfare_lp, every_side_closed
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.solvers import ranging
from optmarkets.solvers.face import face_extremes
from optmarkets.solvers.highs import StandardForm
from optmarkets.solvers.ranging_step import BasisPoint, parametric_sides
from optmarkets.solvers.tangent_core import core_sides

TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
INF = np.inf


def degenerate_form(seed: int) -> StandardForm:
    """min c.x, L <= A x <= U, l <= x <= u with small integer data around an integer point x0: equality, <=, >= and
    boxed rows, most tight at x0 (so degenerate optima and kinks are common); columns boxed, fixed or [0, inf) with
    a cost >= 0 (so the LP is bounded)."""
    rng = np.random.default_rng(31_000 + seed)
    n, m = int(rng.integers(3, 8)), int(rng.integers(2, 7))
    x0 = rng.integers(0, 3, n).astype(float)
    A = rng.integers(-2, 3, (m, n)).astype(float)
    act = A @ x0
    kind = rng.integers(0, 4, m)  # 0: ==, 1: <=, 2: >=, 3: boxed
    below, above = rng.integers(0, 2, m), rng.integers(0, 2, m)  # 0: tight at x0
    L = np.where(kind == 1, -INF, np.where(kind == 0, act, act - below))
    U = np.where(kind == 2, INF, np.where(kind == 0, act, act + above))
    upper = np.where(rng.random(n) < 0.7, x0 + rng.integers(0, 2, n), INF)
    lower = np.zeros(n)
    fixed = rng.random(n) < 0.1
    lower[fixed], upper[fixed] = x0[fixed], x0[fixed]
    c = rng.integers(-2, 4, n).astype(float)
    c = np.where(np.isinf(upper), np.abs(c), c)
    return StandardForm(c=c, A=sp.csc_matrix(A), n_eq=0, row_lower=L, row_upper=U, col_lower=lower, col_upper=upper,
                        integer=[])


def linprog_value(lp: StandardForm, row: int, shift: float) -> float:
    """min c.x with row `row`'s bounds moved by `shift`, by scipy's linprog (inf where infeasible)."""
    L, U = lp.row_lower.copy(), lp.row_upper.copy()
    L[row] += shift
    U[row] += shift
    A = lp.A.toarray()
    eq = np.isfinite(L) & (L == U)
    ub, lb = ~eq & np.isfinite(U), ~eq & np.isfinite(L)
    bounds = [(lo, None if np.isinf(hi) else hi) for lo, hi in zip(lp.col_lower, lp.col_upper, strict=True)]
    res = linprog(lp.c, A_ub=np.vstack([A[ub], -A[lb]]), b_ub=np.concatenate([U[ub], -L[lb]]),
                  A_eq=A[eq] if eq.any() else None, b_eq=L[eq] if eq.any() else None, bounds=bounds,
                  method="highs", options=TIGHT)
    if res.status == 2:
        return INF
    assert res.status == 0, res.message
    return float(res.fun)


def solved(lp: StandardForm):
    h = ranging.solved_highs(lp)
    assert h.getModelStatus().name == "kOptimal"
    return h, float(h.getInfo().objective_function_value)


def all_sides(lp: StandardForm, h) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.arange(lp.A.shape[0])
    every = np.ones(rows.size, dtype=bool)
    return parametric_sides(lp, BasisPoint.of(h), rows, every, every)


def same(a: np.ndarray, b: np.ndarray, rel: float) -> np.ndarray:
    """Equal infinities, or finite values within rel * max(1, |b|)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= rel * np.maximum(1.0, np.abs(b))
    return (np.isinf(a) & (a == b)) | close


def test_random_degenerate_lps_300_parametric_and_core_equal_face_lps():
    """Every side of every row of 300 degenerate LPs, three ways: the parametric step (the sides it settles before
    its work model hands the rest on), the core LP (`tangent_core`, every side: it settles all, infinite ones by a
    checked Farkas ray), and the face LP's extreme (min y_k on the left, max y_k on the right): all equal; many
    sides took pivots, many rows sit at kinks, many sides are infinite."""
    sides = pivoted = kinks = infinite = stepped = 0
    for seed in range(300):
        lp = degenerate_form(seed)
        h, optimum = solved(lp)
        rows = np.arange(lp.A.shape[0])
        every = np.ones(rows.size, dtype=bool)
        lo, hi, pivots = all_sides(lp, h)
        core_lo, core_hi, _ = core_sides(lp, BasisPoint.of(h), rows, every, every)
        face_lo, face_hi, why = face_extremes(lp, optimum, rows)
        assert not np.isnan(core_lo).any() and not np.isnan(core_hi).any(), (seed, core_lo, core_hi)
        assert all(w == "" for w in why), (seed, why)
        assert same(core_lo, face_lo, 1e-7).all() and same(core_hi, face_hi, 1e-7).all(), (seed, core_lo, face_lo,
                                                                                           core_hi, face_hi)
        for step, face in ((lo, face_lo), (hi, face_hi)):
            done = ~np.isnan(step)
            assert same(step[done], face[done], 1e-7).all(), (seed, step, face)
            stepped += int(done.sum())
        sides, pivoted = sides + 2 * rows.size, pivoted + int((pivots > 0).sum())
        kinks += int((core_lo != core_hi).sum())
        infinite += int(np.isinf(core_lo).sum() + np.isinf(core_hi).sum())
    assert sides > 2200 and stepped > 2300 and pivoted > 500 and kinks > 400 and infinite > 250, (
        sides, stepped, pivoted, kinks, infinite)


def test_random_degenerate_lps_parametric_equals_one_sided_differences():
    """The same LPs (the first 70): left = (V(b) - V(b - h e_k)) / h and right = (V(b + h e_k) - V(b)) / h by
    linprog re-solves (h = 1e-6: integer data puts the next kink much farther), infinite where a side is
    infeasible."""
    step = 1e-6
    checked = 0
    for seed in range(70):
        lp = degenerate_form(seed)
        h, optimum = solved(lp)
        lo, hi, _ = all_sides(lp, h)
        v0 = linprog_value(lp, 0, 0.0)
        assert v0 == pytest.approx(optimum, abs=1e-9)
        for k in range(lp.A.shape[0]):
            up, down = linprog_value(lp, k, step), linprog_value(lp, k, -step)
            right = (up - v0) / step if np.isfinite(up) else INF
            left = (v0 - down) / step if np.isfinite(down) else -INF
            assert same(np.array([hi[k], lo[k]]), np.array([right, left]), 1e-5).all(), (seed, k, lo[k], hi[k],
                                                                                         left, right)
            checked += 1
    assert checked > 250


def game(n_players: int, n_actions: int, seed: int) -> om.FiniteGame:
    """Issue 31's games: players p1, p2, ... in that order, payoffs uniform on [0, 1] from default_rng(seed)."""
    rng = np.random.default_rng(seed)
    players = [f"p{i + 1}" for i in range(n_players)]
    shape = (n_actions,) * n_players
    return om.FiniteGame(players, {p: n_actions for p in players}, {p: rng.uniform(0, 1, shape) for p in players})


def ce_value(g: om.FiniteGame, row: tuple, shift: float) -> float:
    """The welfare-maximising CE by linprog with obedience row `row` = (player, "none", recommended, deviation)
    shifted to >= shift (`conftest.ce_welfare_lp`)."""
    return ce_welfare_lp(g, {row: shift})


def difference(g: om.FiniteGame, row: tuple, v0: float, side: str) -> tuple[float, float]:
    """The one-sided difference quotient at the largest of 1e-5, 1e-6, 1e-7 that agrees with the next smaller one
    (random payoffs put kinks close to b), and the tolerance for it (linprog's round-off over the step)."""
    sign = 1.0 if side == "right" else -1.0
    steps = (1e-5, 1e-6, 1e-7)
    quotients = []
    for h in steps:
        value = ce_value(g, row, sign * h)
        quotients.append((value - v0) / (sign * h) if np.isfinite(value) else -sign * value)
    noise = 5e-11
    for big, small, h in zip(quotients, quotients[1:], steps, strict=False):
        if big == small or abs(big - small) <= 40 * noise / h:
            return big, 1e-5 + 4 * noise / h
    return quotients[-1], 1e-5 + 4 * noise / steps[-1]


def _no_parametric_step(lp, point, rows, want_min, want_max, *rest, **basis):
    return np.full(rows.size, np.nan), np.full(rows.size, np.nan), np.zeros((rows.size, 2), dtype=np.int64)


@pytest.mark.parametrize(("n_players", "n_actions", "seed"), [(3, 6, 0), (3, 6, 1), (4, 3, 0), (4, 3, 1)])
def test_game_obedience_ranges_by_parametric_steps(monkeypatch, n_players, n_actions, seed):
    """Issue 31's games, obedience rows: every range computed; every side by the parametric step equals every side
    by the face LP (relative 1e-5: the CE's duals reach 1e7, and the face LP's eps moves its extremes by ~1e-6),
    and the kinks' sides equal one-sided differences of the CE re-solved over mu."""
    g = game(n_players, n_actions, seed)
    sol = om.correlated_equilibrium(g, objective="welfare").solve()
    r = sol.price_ranges("obedience")
    assert (r["reason"] == "").all() and not r[["left", "right"]].isna().any().any()
    settled: list[float] = []
    real = ranging.parametric_sides

    def recorded(lp, point, rows, want_min, want_max, **basis):
        lo, hi, pivots = real(lp, point, rows, want_min, want_max, **basis)
        settled.append(float(np.mean(np.concatenate([~np.isnan(lo[want_min]), ~np.isnan(hi[want_max])]))))
        return lo, hi, pivots

    with monkeypatch.context() as patch:
        every_side_closed(patch)
        patch.setattr(ranging, "parametric_sides", recorded)
        by_steps = sol.price_ranges("obedience")
        patch.setattr(ranging, "parametric_sides", _no_parametric_step)
        patch.setattr(ranging, "core_sides", _no_parametric_step)
        by_faces = sol.price_ranges("obedience")
    assert settled[0] >= 0.9, settled  # the parametric step, not its face-LP fallback, did (nearly) all sides
    assert (by_steps["reason"] == "").all() and (by_faces["reason"] == "").all()
    for side in ("left", "right"):
        assert same(by_steps[side].to_numpy(), by_faces[side].to_numpy(), 1e-5).all(), side
        assert same(r[side].to_numpy(), by_steps[side].to_numpy(), 1e-9).all(), side
    v0 = ce_value(g, ("", "", -1, -1), 0.0)
    assert sol.value == pytest.approx(v0, abs=1e-8)
    kinks = r.index[(r["left"] != r["right"]).to_numpy()]
    assert len(kinks) > 0
    for label in kinks[:12]:
        for side in ("left", "right"):
            fd, tol = difference(g, label, v0, side)
            assert same(np.array([r.loc[label, side]]), np.array([fd]), tol).all(), (label, side, fd, tol)


def test_n_jobs_gives_the_serial_ranges(monkeypatch):
    """Two threads share the rows (every side sent to the closed-side work so both have some): the same frame."""
    sol = om.correlated_equilibrium(game(3, 6, 0), objective="welfare").solve()
    every_side_closed(monkeypatch)
    serial = sol.price_ranges("obedience")
    parallel = sol.price_ranges("obedience", n_jobs=2)
    pd.testing.assert_frame_equal(parallel, serial, atol=1e-9, rtol=0)
    assert (serial["left"] != serial["right"]).sum() > 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_invalid_n_jobs_is_an_input_error_naming_it(bad):
    sol = om.correlated_equilibrium(game(3, 3, 0), objective="welfare").solve()
    with pytest.raises(om.InputError, match=r"n_jobs: must be a positive int"):
        sol.price_ranges("obedience", n_jobs=bad)


def test_a_dsic_mechanisms_long_paths_settle_on_the_core_as_the_face_lps_do(monkeypatch):
    """A DSIC, ex-post IR revenue mechanism (2 bidders x 7 values, random prior): its IC rows' closed sides whose
    paths are long leave the parametric step for the core LP, which settles every one (no face LP runs); the frame
    equals the one with every closed side by its face LP (the reference, relative 1e-7)."""
    rng = np.random.default_rng(0)
    values = {f"b{i + 1}": np.sort(rng.choice(np.arange(1, 11), 7, replace=False)) for i in range(2)}
    env = om.MechanismEnvironment.single_item(values, rng.dirichlet(np.ones(49)).reshape(7, 7))
    sol = om.mechanism_design(env, ic="dominant", ir="ex_post").solve()
    asked: list[int] = []
    real_core = ranging.core_sides

    def core(lp, point, rows, want_min, want_max, *rest, **basis):
        asked.append(int(want_min.sum() + want_max.sum()))
        return real_core(lp, point, rows, want_min, want_max, *rest, **basis)

    def no_face(*args, **kwargs):
        raise AssertionError("a face LP ran")

    with monkeypatch.context() as patch:
        patch.setattr(ranging, "core_sides", core)
        patch.setattr(ranging, "face_extremes", no_face)
        fast = sol.price_ranges("ic")
    assert sum(asked) > 50, asked  # the core had work
    assert (fast["reason"] == "").all() and not fast[["left", "right"]].isna().any().any()
    with monkeypatch.context() as patch:
        patch.setattr(ranging, "parametric_sides", _no_parametric_step)
        patch.setattr(ranging, "core_sides", _no_parametric_step)
        slow = sol.price_ranges("ic")
    assert (fast["left"] != fast["right"]).sum() > 100  # rows at kinks
    for side in ("left", "right"):
        assert same(fast[side].to_numpy(), slow[side].to_numpy(), 1e-7).all(), side


@pytest.mark.parametrize("factor", [1.1, -1.0])
def test_the_core_reports_no_extreme_its_full_space_check_rejects(factor):
    """The core LP's answers rest on its checks on A, not on R: with R's entries scaled by 1.1 or negated (a wrong
    core), every side it still reports -- finite by its optimality check, infinite by its Farkas ray's -- equals
    the face LP's extreme, and the others come back NaN (left to the face LP)."""
    import optmarkets.solvers.tangent_core as tc

    reported = rejected = 0
    for seed in range(60):
        lp = degenerate_form(seed)
        h, optimum = solved(lp)
        rows = np.arange(lp.A.shape[0])
        core = tc.TangentCore.of(lp, BasisPoint.of(h))
        if core is None or core.R.nnz == 0:
            continue
        core.R = core.R * factor
        core.h = core._highs(core.cost[core.N] - core.MT[core.N] @ core.y)
        face_lo, face_hi, _ = face_extremes(lp, optimum, rows)
        for sign, face in ((-1.0, face_lo), (1.0, face_hi)):
            got, _ = core.extremes(rows, np.full(rows.size, sign))
            done = ~np.isnan(got)
            assert same(got[done], face[done], 1e-7).all(), (seed, got, face)
            reported, rejected = reported + int(done.sum()), rejected + int((~done).sum())
    assert reported > 100 and rejected > 30, (reported, rejected)


def _ranges_of(lp: StandardForm, row_scale: float, cost_scale: float) -> dict[str, pd.DataFrame]:
    """price_ranges of every family of `lp` written as a model (== rows, <= rows, >= rows, column upper bounds),
    its rows multiplied by `row_scale` and its costs by `cost_scale`."""
    from optmarkets.builders import family

    A, L, U = lp.A.toarray() * row_scale, lp.row_lower * row_scale, lp.row_upper * row_scale
    model = om.Model("scaled", sense="min")
    x = model.variable("x", A.shape[1], nonneg=True)
    eq = np.isfinite(L) & (L == U)
    kinds = {"eq": (eq, "==", L), "le": (~eq & np.isfinite(U), "<=", U), "ge": (~eq & np.isfinite(L), ">=", L)}
    for name, (rows, sense, bound) in kinds.items():
        if rows.any():
            model.constrain(name, family(A[rows] @ x, sense, bound[rows]))
    upper = np.isfinite(lp.col_upper)
    model.constrain("ub", family(x[np.flatnonzero(upper)], "<=", lp.col_upper[upper]))
    model.minimize((lp.c * cost_scale) @ x)
    sol = model.solve()
    return {name: sol.price_ranges(name) for name in model.families}


@pytest.mark.parametrize("row_scale,cost_scale", [(1e6, 1e-6), (1e-6, 1e6), (1e6, 1.0)])
def test_one_sided_derivatives_scale_exactly_with_the_data(row_scale, cost_scale):
    """Rows x a and costs x s multiply every row's left and right derivative by s / a (a column bound's by s): at
    rows x 1e6 and costs x 1e-6 (duals at 1e-12) the steps' and faces' absolute floors took round-off for zero, and
    34 derivatives of 120 LPs came out wrong (an audit); price_ranges now works on the LP equilibrated to one."""
    checked = 0
    for seed in range(80):
        lp = degenerate_form(seed)
        if (lp.col_lower == lp.col_upper).any():  # a fixed column has no nonneg-and-upper-bound model here
            continue
        base, scaled = _ranges_of(lp, 1.0, 1.0), _ranges_of(lp, row_scale, cost_scale)
        for name, frame in base.items():
            factor = cost_scale / (1.0 if name == "ub" else row_scale)
            for side in ("left", "right"):
                want, got = frame[side].to_numpy() * factor, scaled[name][side].to_numpy()
                assert same(got / factor, want / factor, 1e-7).all(), (seed, name, side, got, want)
                checked += want.size
    assert checked > 300
