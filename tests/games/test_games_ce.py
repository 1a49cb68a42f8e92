"""Correlated and Bayes correlated equilibrium: Chicken, labels, random games against scipy's HiGHS."""

import itertools
import time

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.optimize import linprog

from optmarkets.builders.games import MeasureAxes, game_obedience
from optmarkets.core.errors import InputError
from optmarkets.games import FiniteGame, InformationStructure, bayes_correlated_equilibrium, correlated_equilibrium

U_ROW = np.array([[6.0, 2.0], [7.0, 0.0]])  # Chicken: rows the row player's action, columns the column player's


def chicken(**kw):
    return FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": U_ROW, "col": U_ROW.T}, **kw)


def test_chicken_welfare_ce():
    sol = correlated_equilibrium(chicken()).solve()
    assert sol.value == pytest.approx(10.5, abs=1e-8)
    mu = sol["mu"]
    assert isinstance(mu, xr.DataArray) and mu.dims == ("row", "col")
    assert mu.sel(row="C", col="C") == pytest.approx(0.5, abs=1e-8)
    assert mu.sel(row="C", col="D") == pytest.approx(0.25, abs=1e-8)
    assert mu.sel(row="D", col="C") == pytest.approx(0.25, abs=1e-8)
    assert mu.sel(row="D", col="D") == pytest.approx(0.0, abs=1e-8)
    assert sol.certificate.ok(1e-7)
    ob = sol.prices["obedience"]
    assert ob.index.names == ["player", "signal", "recommended", "deviation"]
    assert set(ob.index.get_level_values("player")) == {"row", "col"}
    assert sol.prices["consistency"].iloc[0] == pytest.approx(10.5, abs=1e-7)  # value is homogeneous in the mass
    assert sol["payoffs"].to_numpy() == pytest.approx([5.25, 5.25])


def test_chicken_objectives():
    assert correlated_equilibrium(chicken(), objective="row").solve().value == pytest.approx(7.0, abs=1e-8)
    worst = correlated_equilibrium(chicken(), sense="min").solve().value
    by_hand = -lp_by_hand([U_ROW[None], U_ROW.T[None]], [1.0], [np.ones((1, 1))] * 2, -(U_ROW + U_ROW.T)[None], (2, 2))
    assert worst == pytest.approx(by_hand, abs=1e-8)
    assert worst == pytest.approx(7.2, abs=1e-8)  # below both pure equilibria (9): mass on (D, D)
    weights = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert correlated_equilibrium(chicken(), objective=weights).solve().value == pytest.approx(0.5, abs=1e-8)


def test_chicken_dataframes_in_another_label_order():
    # row's payoff as a table with rows = row's action, columns = col's action, both in reverse order
    u_row = pd.DataFrame(U_ROW, index=["C", "D"], columns=["C", "D"]).loc[["D", "C"], ["D", "C"]]
    # col's payoff with named axes, transposed: rows are col's action
    u_col = pd.DataFrame(U_ROW, index=pd.Index(["C", "D"], name="col"), columns=pd.Index(["C", "D"], name="row"))
    u_col = u_col.loc[["D", "C"]]
    g = FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": u_row, "col": u_col})
    np.testing.assert_array_equal(g.payoffs["row"], U_ROW)
    np.testing.assert_array_equal(g.payoffs["col"], U_ROW.T)
    assert correlated_equilibrium(g).solve().value == pytest.approx(10.5, abs=1e-8)
    # an xarray payoff, dims in the other order, and a long Series
    da = xr.DataArray(U_ROW.T, coords={"col": ["C", "D"], "row": ["C", "D"]}, dims=["col", "row"])
    s = pd.Series(U_ROW.reshape(-1), index=pd.MultiIndex.from_product([["C", "D"], ["C", "D"]], names=["row", "col"]))
    g2 = FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": da, "col": s.iloc[::-1]})
    np.testing.assert_array_equal(g2.payoffs["row"], U_ROW.T.T)
    np.testing.assert_array_equal(g2.payoffs["col"], U_ROW)


def test_misaligned_labels_refused():
    bad = pd.DataFrame(U_ROW, index=["C", "X"], columns=["C", "D"])
    with pytest.raises(InputError, match=r"payoffs\['row'\].*\['X'\]"):
        FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": bad, "col": U_ROW.T})
    with pytest.raises(InputError, match=r"payoffs\['col'\].*shape"):
        FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": U_ROW, "col": np.ones((2, 3))})
    with pytest.raises(InputError, match="players"):
        FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": U_ROW})
    with pytest.raises(InputError, match="duplicate"):
        FiniteGame(["row", "col"], {"row": ["C", "C"], "col": ["C", "D"]}, {"row": U_ROW, "col": U_ROW})
    with pytest.raises(InputError, match="states"):
        correlated_equilibrium(FiniteGame(["a"], {"a": [0, 1]}, {"a": np.eye(2)}, states=["x", "y"], prior=[.5, .5]))
    with pytest.raises(InputError, match="objective"):
        correlated_equilibrium(chicken(), objective="nobody")


def test_actions_as_lists_and_counts():
    g = FiniteGame(["row", "col"], [["C", "D"], 2], [U_ROW, U_ROW.T])
    assert list(g.actions["col"]) == [0, 1]
    assert correlated_equilibrium(g).solve().value == pytest.approx(10.5, abs=1e-8)


def test_builder_checks_orientation():
    axes = MeasureAxes(("row", "col"), (pd.Index(["C", "D"]), pd.Index(["C", "D"])))
    mu = cp.Variable(4)
    with pytest.raises(InputError, match=r"payoffs\['row'\]"):
        game_obedience(mu, axes, {"row": pd.DataFrame(U_ROW, index=["C", "D"], columns=["C", "Z"]), "col": U_ROW.T})
    with pytest.raises(InputError, match="mu"):
        game_obedience(cp.Variable(5), axes, {"row": U_ROW, "col": U_ROW.T})


def test_parametric_payoffs_resolve_without_recompiling():
    m = correlated_equilibrium(chicken(), parametric=True)
    assert m.solve().value == pytest.approx(10.5, abs=1e-8)
    scaled = m.set(u_row=2 * U_ROW, u_col=2 * U_ROW.T).solve()
    assert scaled.value == pytest.approx(21.0, abs=1e-7)
    lab = pd.DataFrame(U_ROW, index=["C", "D"], columns=["C", "D"])
    assert m.set(u_row=lab, u_col=U_ROW.T).solve().value == pytest.approx(10.5, abs=1e-7)
    assert m.compilations == 1


# ---------------------------------------------------------------- random games against scipy
def lp_by_hand(U, prior, lik, objective, shape_a):
    """The BCE LP written directly: variables mu[w, t_1..t_n, a_1..a_n], loops over rows; HiGHS."""
    n = len(shape_a)
    S = len(prior)
    T = [lk.shape[1] for lk in lik]
    cells = list(itertools.product(range(S), *[range(t) for t in T]))
    profiles = list(itertools.product(*[range(m) for m in shape_a]))
    entries = [(c, a) for c in cells for a in profiles]
    pos = {e: k for k, e in enumerate(entries)}
    c = np.array([objective[(cell[0], *a)] for cell, a in entries])
    A_eq, b_eq = [], []
    for cell in cells:
        row = np.zeros(len(entries))
        for a in profiles:
            row[pos[(cell, a)]] = 1
        A_eq.append(row)
        b_eq.append(prior[cell[0]] * np.prod([lik[i][cell[0], cell[1 + i]] for i in range(n)]))
    A_ub = []
    for i in range(n):
        for ti in range(T[i]):
            for ai in range(shape_a[i]):
                for bi in range(shape_a[i]):
                    if ai == bi:
                        continue
                    row = np.zeros(len(entries))
                    for (cell, a), k in pos.items():
                        if cell[1 + i] == ti and a[i] == ai:
                            dev = list(a)
                            dev[i] = bi
                            row[k] = -(U[i][(cell[0], *a)] - U[i][(cell[0], *dev)])
                    A_ub.append(row)
    res = linprog(-c, A_ub=np.array(A_ub), b_ub=np.zeros(len(A_ub)), A_eq=np.array(A_eq), b_eq=b_eq,
                  bounds=(0, None), method="highs")
    assert res.status == 0
    return -res.fun


def brute_force_obedience(mu, U, tol=1e-7):
    """Re-check obedience on the returned measure mu[w, t_1..t_n, a_1..a_n] with plain loops."""
    n = len(U)
    for i in range(n):
        m = mu.shape[1 + n + i]
        for ti in range(mu.shape[1 + i]):
            for ai in range(m):
                sl = [slice(None)] * mu.ndim
                sl[1 + i], sl[1 + n + i] = ti, ai
                cond = mu[tuple(sl)]  # axes: w, t_-i, a_-i
                for bi in range(m):
                    gain = 0.0
                    for idx in itertools.product(*[range(d) for d in cond.shape]):
                        w, rest = idx[0], list(idx[n:])  # idx: w, t_-i (n-1), a_-i (n-1)
                        a = [*rest[:i], ai, *rest[i:]]
                        b = [*rest[:i], bi, *rest[i:]]
                        gain += cond[idx] * (U[i][(w, *a)] - U[i][(w, *b)])
                    assert gain >= -tol, (i, ti, ai, bi, gain)


@pytest.mark.parametrize("seed", range(4))
def test_random_three_player_games(seed):
    rng = np.random.default_rng(seed)
    shape_a = tuple(int(x) for x in rng.integers(2, 4, 3))
    U = [rng.integers(-5, 6, shape_a).astype(float) for _ in range(3)]
    players = ["a", "b", "c"]
    g = FiniteGame(players, {p: list(range(m)) for p, m in zip(players, shape_a)}, dict(zip(players, U)))
    sol = correlated_equilibrium(g).solve()
    expect = lp_by_hand([u[None] for u in U], [1.0], [np.ones((1, 1))] * 3, sum(U)[None], shape_a)
    assert sol.value == pytest.approx(expect, abs=1e-7)
    assert sol.certificate.ok(1e-7)
    mu = sol["mu"].transpose(*players).values
    brute_force_obedience(mu.reshape((1, 1, 1, 1, *shape_a)), [u[None] for u in U])


@pytest.mark.parametrize("seed", range(4))
def test_random_two_player_games_with_a_private_signal(seed):
    rng = np.random.default_rng(100 + seed)
    S, m1, m2, T = 2, int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.integers(2, 4))
    U = [rng.integers(-4, 5, (S, m1, m2)).astype(float) for _ in range(2)]
    prior = rng.dirichlet(np.ones(S))
    pi = rng.dirichlet(np.ones(T), size=S)  # P(t_row | w)
    g = FiniteGame(["row", "col"], {"row": list("xyz"[:m1]), "col": list(range(m2))}, {"row": U[0], "col": U[1]},
                   states=["lo", "hi"], prior=prior)
    table = pd.DataFrame(pi[::-1], index=["hi", "lo"], columns=[f"t{k}" for k in range(T)])  # rows in another order
    info = InformationStructure(g, {"row": table})
    obj = rng.uniform(0, 1, (S, m1, m2))
    sol = bayes_correlated_equilibrium(g, info, objective=obj).solve()
    expect = lp_by_hand(U, prior, [pi, np.ones((S, 1))], obj, (m1, m2))
    assert sol.value == pytest.approx(expect, abs=1e-7)
    mu = sol["mu"]
    assert mu.dims == ("state", "signal_row", "row", "col")
    brute_force_obedience(mu.values.reshape(S, T, 1, m1, m2), U)
    np.testing.assert_allclose(mu.sum(dim=["row", "col"]).values, prior[:, None] * pi, atol=1e-8)
    # informing the row player can only shrink the set of outcomes: the no-signal BCE is at least as good
    assert bayes_correlated_equilibrium(g, None, objective=obj).solve().value >= sol.value - 1e-8


def test_large_game_builds_fast():
    rng = np.random.default_rng(7)
    players = ["a", "b", "c"]
    g = FiniteGame(players, {p: 6 for p in players}, {p: rng.normal(size=(5, 6, 6, 6)) for p in players},
                   states=list(range(5)), prior=np.full(5, 0.2))
    start = time.perf_counter()
    m = bayes_correlated_equilibrium(g)
    m.problem.get_problem_data(cp.CLARABEL)
    elapsed = time.perf_counter() - start
    assert m.size() == {"variables": 5 * 216, "constraints": 5 + 3 * 30}
    assert elapsed < 1.0, elapsed
    sol = m.solve()
    assert sol.certificate.ok(1e-6)


def test_parametric_matches_numeric_with_signals():
    rng = np.random.default_rng(11)
    U = {p: rng.normal(size=(2, 3, 2)) for p in ("row", "col")}
    g = FiniteGame(["row", "col"], {"row": 3, "col": 2}, U, states=["lo", "hi"], prior=[0.4, 0.6])
    info = InformationStructure(g, {"col": np.array([[0.8, 0.2], [0.3, 0.7]])})
    fixed = bayes_correlated_equilibrium(g, info).solve().value
    m = bayes_correlated_equilibrium(g, info, parametric=True)
    assert m.solve().value == pytest.approx(fixed, abs=1e-7)
    V = {p: rng.normal(size=(2, 3, 2)) for p in ("row", "col")}
    h = FiniteGame(["row", "col"], {"row": 3, "col": 2}, V, states=["lo", "hi"], prior=[0.4, 0.6])
    expect = bayes_correlated_equilibrium(h, InformationStructure(h, {"col": info.likelihoods["col"]})).solve().value
    assert m.set(u_row=V["row"], u_col=V["col"]).solve().value == pytest.approx(expect, abs=1e-7)
    assert m.compilations == 1


# ---------------------------------------------------------------- issue 23: axis names, complex numbers, strings
def _chicken_with(u_col):
    return FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": U_ROW, "col": u_col})


def test_payoff_frame_with_named_axes_is_read_by_name():
    # col's payoff with rows = col's action: read by name it is Chicken, worth 10.5
    u_col = pd.DataFrame(U_ROW, index=pd.Index(["C", "D"], name="col"), columns=pd.Index(["C", "D"], name="row"))
    assert correlated_equilibrium(_chicken_with(u_col)).solve().value == pytest.approx(10.5, abs=1e-8)


@pytest.mark.parametrize(("index_name", "columns_name", "match"), [
    # misspelt: read by position this was a game worth 14, not Chicken's 10.5
    ("col", "Row", r"^payoffs\['col'\]: axis names \['Row'\] name no axis \(expected names \['row', 'col'\]\)$"),
    ("Col", "row", r"^payoffs\['col'\]: axis names \['Col'\] name no axis"),
    ("col", None, r"^payoffs\['col'\]: only some axes are named \(\['col', None\]\); name every axis after "
                  r"\['row', 'col'\], or none to have them read by position$"),
    (None, "row", r"^payoffs\['col'\]: only some axes are named \(\[None, 'row'\]\)"),
])
def test_payoff_frame_with_misspelt_or_partial_axis_names_is_refused(index_name, columns_name, match):
    u_col = pd.DataFrame(U_ROW, index=pd.Index(["C", "D"], name=index_name),
                         columns=pd.Index(["C", "D"], name=columns_name))
    with pytest.raises(InputError, match=match):
        _chicken_with(u_col)


def test_payoff_series_with_partial_level_names_is_refused():
    s = pd.Series(U_ROW.T.reshape(-1), index=pd.MultiIndex.from_product([["C", "D"], ["C", "D"]], names=["col", None]))
    with pytest.raises(InputError, match=r"^payoffs\['col'\]: only some axes are named"):
        _chicken_with(s)


@pytest.mark.parametrize("u_col", [U_ROW.T + 1j, pd.DataFrame(U_ROW.T + 0j, index=["C", "D"], columns=["C", "D"]),
                                   pd.Series((U_ROW.T + 1j).reshape(-1), index=pd.MultiIndex.from_product(
                                       [["C", "D"], ["C", "D"]], names=["row", "col"])),
                                   xr.DataArray(U_ROW.T + 1j, dims=["row", "col"],
                                                coords={"row": ["C", "D"], "col": ["C", "D"]})])
def test_complex_payoffs_are_refused(u_col):
    with pytest.raises(InputError, match=r"^payoffs\['col'\]: has complex entries; only real numbers are accepted$"):
        _chicken_with(u_col)


def test_complex_priors_likelihoods_and_parameters_are_refused():
    with pytest.raises(InputError, match=r"^prior: has complex entries"):
        FiniteGame(["a"], {"a": [0, 1]}, {"a": np.eye(2)}, states=["x", "y"], prior=np.array([0.5, 0.5 + 0j]))
    g = FiniteGame(["a"], {"a": [0, 1]}, {"a": np.eye(2)}, states=["x", "y"], prior=[0.5, 0.5])
    with pytest.raises(InputError, match=r"^signals\['a'\]: has complex entries"):
        InformationStructure(g, {"a": np.eye(2) + 0j})
    m = correlated_equilibrium(chicken(), parametric=True)
    with pytest.raises(InputError, match=r"^u_row: has complex entries"):
        m.set(u_row=(U_ROW + 1j).reshape(-1))


def test_a_bare_string_is_not_a_list_of_labels():
    with pytest.raises(InputError, match=r"^states: expected a list of labels, got the string 'xy' "
                                         r"\(write \['xy'\] for a single label\)$"):
        FiniteGame(["a"], {"a": [0, 1]}, {"a": np.eye(2)}, states="xy", prior=[0.5, 0.5])
    with pytest.raises(InputError, match=r"^actions\['a'\]: expected a list of labels, got the string 'CD'"):
        FiniteGame(["a"], {"a": "CD"}, {"a": np.ones(2)})
