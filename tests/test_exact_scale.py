"""exact() at scale (issue 25 item 4): the reduced basis (basic slacks eliminated, Dixon lifting) against the
dense m x m path, and certificates re-verified here in Fractions from the test's own data."""

from __future__ import annotations

import importlib
import math
from fractions import Fraction as F

import numpy as np
import pytest
import scipy.sparse as sp

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.solvers.exact import MAX_EXACT_ROWS, _Exact, _start, exact, rational
from optmarkets.solvers.ranging import model_form, solved_highs

pytest.importorskip("flint")
exact_module = importlib.import_module("optmarkets.solvers.exact")  # the package re-exports the function

DENOMINATORS = (1, 2, 3, 4, 5, 7, 10)


def random_lp(rows: int, cols: int, seed: int, per_col: int = 3, duplicate: int = 0):
    """max c.x, A x <= b, x >= 0 with small-denominator Fractions (each float reads back as itself); the
    first `duplicate` rows repeated at the end (degenerate: a repeated tight row keeps a basic slack at 0)."""
    rng = np.random.default_rng(seed)
    entries = {}
    for j in range(cols):
        for i in rng.choice(rows, per_col, replace=False):
            entries[int(i), j] = F(int(rng.integers(1, 10)), int(rng.choice(DENOMINATORS)))
    b = [F(int(rng.integers(4, 40)), int(rng.choice(DENOMINATORS))) for _ in range(rows)]
    c = [F(int(rng.integers(1, 13)), 12) for _ in range(cols)]
    entries.update({(rows + k, j): a for (i, j), a in list(entries.items()) for k in range(duplicate) if i == k})
    b += b[:duplicate]
    m_rows = rows + duplicate
    ij = np.array(list(entries), dtype=int).reshape(-1, 2)
    A = sp.csr_matrix(([float(a) for a in entries.values()], (ij[:, 0], ij[:, 1])), shape=(m_rows, cols))
    m = om.Model(f"random {m_rows} x {cols}", sense="max")
    x = m.variable("x", cols, nonneg=True)
    m.constrain("cap", family(A @ x, "<=", np.array([float(v) for v in b])))
    m.maximize(np.array([float(v) for v in c]) @ x)
    return m, entries, b, c


def assert_optimal_in_fractions(cert, entries, b, c):
    """The test's own proof: x >= 0, A x <= b, y >= 0, A'y >= c and c.x = b.y = value, all in Fractions."""
    assert cert.verified, cert.reason
    x = [F(v) for v in cert.primal["x"]]
    y = [F(v) for v in cert.prices["cap"]]
    assert all(isinstance(v, F) for v in x + y)
    ax = [F(0)] * len(b)
    aty = [F(0)] * len(c)
    for (i, j), a in entries.items():
        ax[i] += a * x[j]
        aty[j] += a * y[i]
    assert min(x) >= 0 and all(lhs <= rhs for lhs, rhs in zip(ax, b, strict=True))
    assert min(y) >= 0 and all(lhs >= cj for lhs, cj in zip(aty, c, strict=True))
    primal = sum(cj * xj for cj, xj in zip(c, x, strict=True))
    dual = sum(bi * yi for bi, yi in zip(b, y, strict=True))
    assert primal == dual == cert.value


def _flat(obj):
    return [obj] if isinstance(obj, F) else list(np.asarray(obj, dtype=object).ravel())


def assert_same_certificate(a, b):
    assert a.verified and b.verified, (a.reason, b.reason)
    assert a.value == b.value and a.pivots == b.pivots and a.widened == b.widened
    assert a.primal.keys() == b.primal.keys() and a.prices.keys() == b.prices.keys()
    for name in a.primal:
        assert _flat(a.primal[name]) == _flat(b.primal[name]), name
    for name in a.prices:
        assert _flat(a.prices[name]) == _flat(b.prices[name]), name


# ------------------------------------------------------------------ the models of the existing exact tests
def _resource(sense):
    m = om.Model("resource", sense=sense)
    x = m.variable("x", 3, nonneg=True)
    A = np.array([[1, 2, 1], [3, 1, 2]], float)
    rel = "<=" if sense == "max" else ">="
    m.constrain("res", family(A @ x, rel, [F(7, 3), F(5, 2)]))
    (m.maximize if sense == "max" else m.minimize)(np.array([3, 2, 2.5]) @ x)
    return m


MODELS = {
    "yang 11/24": lambda: om.DataBroker(values=[1, 2, 3], value_probs=[F(1, 3)] * 3, costs=[0.25, 0.75],
                                        cost_probs=[F(1, 2)] * 2).mechanism_problem(),
    "yang 37/96": lambda: om.DataBroker(values=[1, 2, 3], value_probs=[F(1, 3)] * 3, costs=[F(1, 4), F(5, 4)],
                                        cost_probs=[F(1, 2)] * 2).mechanism_problem(),
    "platform": lambda: om.PersonalDataEconomy([1, 2], [F(2, 5), F(3, 5)], [F(3, 10), F(3, 10)],
                                               gamma_u=F(3, 2)).platform_problem([F(1, 3), F(2, 7)]),
    "platform tie": lambda: om.PersonalDataEconomy([1, 2], [F(2, 5), F(3, 5)], [F(3, 10), F(3, 10)],
                                                   gamma_u=F(3, 2)).platform_problem([F(3, 10), F(3, 10)]),
    "resource max": lambda: _resource("max"),
    "resource min": lambda: _resource("min"),
    "mixed magnitudes": lambda: om.PersonalDataEconomy(values=[1e-6, 1.0, 1e6], mass=[1 / 3] * 3,
                                                       outside_option=[0.0] * 3,
                                                       gamma_u=1.0).platform_problem([0.1] * 3),
    "persuasion": lambda: om.persuasion(["i", "g"], [0.7, 0.3], ["a", "c"], [[1, 0], [0, 1]], [[0, 1], [0, 1]]),
    "yang grid 3190 rows": None,  # over the dense limit: checked against the float solve below
    "random 300 x 360": lambda: random_lp(300, 360, seed=7)[0],
}


@pytest.mark.parametrize("name", [k for k, v in MODELS.items() if v is not None])
def test_reduced_path_gives_the_dense_paths_fractions(name):
    model = MODELS[name]()
    sol = model.solve()
    dense = exact(model, dict(sol.parameters), method="dense")
    reduced = exact(model, dict(sol.parameters), method="sparse")
    assert_same_certificate(dense, reduced)
    assert float(reduced.value) == pytest.approx(sol.value, rel=1e-9, abs=1e-12)


def test_paper_values_through_the_reduced_path():
    yang = exact(MODELS["yang 37/96"](), method="sparse")
    assert yang.value == F(37, 96)
    sol = om.DataBroker.discretized_example1(10).mechanism_problem().solve()
    grid = sol.exact()  # 3190 rows: refused before the reduction (max_rows=2000)
    assert grid.verified, grid.reason
    assert grid.stats["rows"] == 3190 and grid.stats["reduced"] < 3190
    assert float(grid.value) == pytest.approx(sol.value, abs=1e-9)


@pytest.mark.parametrize("sense", ["max", "min"])
def test_reduced_path_pivots_from_the_slack_basis_like_the_dense_one(sense):
    m = _resource(sense)
    sol = m.solve()
    slack = ([3, 4], ["lo", "lo", "lo", "hi", "hi"])
    dense = exact(m, sol.parameters, basis=slack, method="dense")
    reduced = exact(m, sol.parameters, basis=slack, method="sparse")
    assert reduced.pivots >= 1
    assert_same_certificate(dense, reduced)


# ------------------------------------------------------------------ structure
def test_degenerate_lp_is_certified_and_proved_here():
    model, entries, b, c = random_lp(200, 240, seed=3, duplicate=60)
    cert = exact(model, method="sparse")
    assert_optimal_in_fractions(cert, entries, b, c)
    # degenerate: some repeated row is tight at the optimum, so one of its two slacks is basic at 0
    x = np.array([F(v) for v in cert.primal["x"]], dtype=object)
    tight = [k for k in range(60) if sum(a * x[j] for (i, j), a in entries.items() if i == k) == b[k]]
    assert tight
    assert_same_certificate(cert, exact(model, method="dense"))


def test_many_basic_slacks_leave_a_small_reduced_basis():
    model, entries, b, c = random_lp(1500, 30, seed=11, per_col=40)
    cert = exact(model)
    assert cert.stats["reduced"] <= 30  # at most one basic structural column per variable: >= 1470 slacks
    assert_optimal_in_fractions(cert, entries, b, c)


def test_lp_over_the_old_2000_row_limit_is_certified_and_proved_here():
    model, entries, b, c = random_lp(2600, 400, seed=5, per_col=6)
    cert = model.solve().exact()
    assert cert.stats["rows"] == 2600 > 2000
    assert_optimal_in_fractions(cert, entries, b, c)


def test_platform_at_2500_rows_matches_highs():
    econ = om.PersonalDataEconomy(np.arange(1.0, 51), np.random.default_rng(0).dirichlet(np.ones(50)), np.zeros(50),
                                  gamma_u=1.0, gamma_pi=0.25)
    sol = econ.platform_problem(econ.mass * 0.6).solve()
    cert = sol.exact()
    assert cert.verified, cert.reason
    assert cert.stats["rows"] == 2500
    assert float(cert.value) == pytest.approx(sol.value, rel=1e-9)
    # gamma_u * min-style closed forms do not hold here; the prices are HiGHS's duals to rounding
    np.testing.assert_allclose(np.array(cert.prices["consistency"], float), sol.prices["consistency"], atol=1e-7)


def test_exact_after_the_model_moved_on_still_certifies_its_own_parameters():
    """The HiGHS solve inside exact() starts from the model's last basis, which here belongs to other data."""
    e = om.PersonalDataEconomy([1, 2], [F(2, 5), F(3, 5)], [F(3, 10), F(3, 10)], gamma_u=F(3, 2))
    m = e.platform_problem([F(1, 3), F(2, 7)])
    first = m.solve()
    m.set(q=[F(1, 12), F(5, 12)])
    m.solve()
    assert first.exact().value == F(3, 2) * F(2, 7)


# ------------------------------------------------------------------ wrong bases
def _perturbed(model, seed):
    """HiGHS's optimal basis with one basic structural column swapped for a nonbasic structural column."""
    form = model_form(model)
    ex = _Exact(form, "sparse")
    basic, at = _start(solved_highs(form.lp), ex)
    rng = np.random.default_rng(seed)
    structural = [k for k, j in enumerate(basic) if j < ex.n]
    outside = sorted(set(range(ex.n)) - set(basic))
    k = structural[int(rng.integers(len(structural)))]
    leaving = basic[k]
    basic[k] = outside[int(rng.integers(len(outside)))]
    at[leaving] = "lo"
    return ex, basic, at


def test_a_perturbed_basis_is_not_accepted():
    model, entries, b, c = random_lp(300, 360, seed=7)
    verified = exact(model).value
    rejected = 0
    for seed in range(6):
        ex, basic, at = _perturbed(model, seed)
        try:
            v, y, d = ex.solve(basic, at)
        except ZeroDivisionError:
            rejected += 1
            continue
        # the vertex of the perturbed basis is not optimal: primal or dual infeasible in exact arithmetic
        assert ex.primal_infeasible(basic, v) is not None or ex.dual_infeasible(set(basic), at, d) is not None
        rejected += 1
        ex.dense = True
        v2, y2, d2 = ex.solve(basic, at)
        assert (v, y, d) == (v2, y2, d2)  # the dense path reads the same wrong vertex
        cert = exact(model, basis=(basic, at), method="sparse")
        assert cert.pivots >= 1 or not cert.verified
        if cert.verified:  # repaired by exact pivots: the same optimum, proved here
            assert cert.value == verified
            assert_optimal_in_fractions(cert, entries, b, c)
    assert rejected == 6


def test_a_singular_basis_is_refused_with_the_reason():
    model, *_ = random_lp(40, 50, seed=1)
    form = model_form(model)
    ex = _Exact(form, "sparse")
    basic, at = _start(solved_highs(form.lp), ex)
    structural = [k for k, j in enumerate(basic) if j < ex.n]
    basic[structural[0]] = basic[structural[1]]  # a repeated column
    for method in ("sparse", "dense"):
        cert = exact(model, basis=(basic, at), method=method)
        assert not cert.verified and cert.value is None and "singular" in cert.reason


# ------------------------------------------------------------------ limits
def test_refusals_beyond_the_limits_say_why():
    model, *_ = random_lp(80, 90, seed=1)  # over DENSE_ROWS: "auto" takes the reduced path
    rows = exact(model, max_rows=10)
    assert not rows.verified and rows.value is None
    assert "80 rows" in rows.reason and "max_rows=10" in rows.reason
    basis = exact(model, max_basis=2)
    assert not basis.verified and basis.value is None
    assert "max_basis=2" in basis.reason and "structural columns" in basis.reason
    assert exact(model, max_basis=80).verified
    assert model.solve().exact(max_rows=10).reason == rows.reason  # Solution.exact passes max_rows on


def test_dense_method_is_refused_above_its_own_limit(monkeypatch):
    model, *_ = random_lp(40, 50, seed=1)
    monkeypatch.setattr(exact_module, "MAX_DENSE_ROWS", 30)
    cert = exact(model, method="dense")
    assert not cert.verified and "method='dense'" in cert.reason and "30 rows" in cert.reason
    assert exact(model, method="sparse").verified


def test_default_limit_and_bad_method():
    assert MAX_EXACT_ROWS == 20_000 and exact.__kwdefaults__["max_rows"] == MAX_EXACT_ROWS
    model, *_ = random_lp(10, 12, seed=2)
    with pytest.raises(om.InputError, match="method: must be one of"):
        exact(model, method="fast")


# ------------------------------------------------------------------ reading the data
def _simplest_recursive(lo, hi):
    fl = math.floor(lo)
    if fl == lo:
        return F(fl)
    if fl + 1 <= hi:
        return F(fl + 1)
    return fl + 1 / _simplest_recursive(1 / (hi - fl), 1 / (lo - fl))


def test_half_ulp_reading_is_the_continued_fraction_definition():
    rng = np.random.default_rng(4)
    xs = [*(rng.uniform(0, 1, 300) * 10.0 ** rng.integers(-6, 7, 300)), 1 / 12, 0.1, 37 / 96, math.pi, 0.001]
    for x in xs:
        half = F(math.ulp(x)) / 2
        assert rational(x) == _simplest_recursive(F(x) - half, F(x) + half)
        assert rational(-x) == -rational(x)


# ------------------------------------------------------------------ bounds the models do not reach
def test_bounded_columns_and_ranged_rows_agree_and_are_optimal_here():
    """A standard form with columns at nonzero bounds (their A x_N enters the right-hand side), ranged and
    equality rows: the reduced and dense solves of HiGHS's basis agree, and the test proves the vertex optimal
    (bounds, rows and complementary reduced costs recomputed in Fractions)."""
    from types import SimpleNamespace

    from optmarkets.solvers.highs import StandardForm

    rng = np.random.default_rng(9)
    rows, cols = 70, 90
    A = sp.random(rows, cols, density=0.08, random_state=9, format="csc")
    a_num, a_den = rng.integers(1, 9, A.nnz) * rng.choice([-1, 1], A.nnz), rng.choice(DENOMINATORS, A.nnz)
    A.data = a_num / a_den
    a_frac = [F(int(p), int(q)) for p, q in zip(a_num, a_den, strict=True)]
    col_lower = rng.choice([-2.0, 0.0, 0.5, -np.inf], cols)
    col_upper = np.where(rng.random(cols) < 0.6, col_lower + rng.integers(1, 5, cols) / 4, np.inf)
    col_upper[np.isinf(col_lower)] = np.inf
    x0 = np.where(np.isfinite(col_upper), (np.maximum(col_lower, -2) + col_upper) / 2, np.maximum(col_lower, 0) + 1)
    activity = A @ x0
    row_lower = np.where(rng.random(rows) < 0.5, np.floor(activity * 4) / 4 - 1, -np.inf)
    row_upper = np.ceil(activity * 4) / 4 + rng.integers(0, 3, rows) / 2
    equal = rng.random(rows) < 0.15
    row_lower[equal] = row_upper[equal] = np.round(activity[equal] * 8) / 8
    c_num = rng.integers(-6, 7, cols)
    c, c_frac = c_num / 6, [F(int(k), 6) for k in c_num]
    lp = StandardForm(c=c, A=A, n_eq=0, row_lower=row_lower, row_upper=row_upper, col_lower=col_lower,
                      col_upper=col_upper, integer=[])
    h = solved_highs(lp)
    assert h.getModelStatus().name == "kOptimal"
    sparse, dense = (_Exact(SimpleNamespace(lp=lp, offset=0.0), method) for method in ("sparse", "dense"))
    basic, at = _start(h, sparse)
    v, y, d = sparse.solve(basic, at)
    assert any(v[j] != 0 for j in set(range(cols)) - set(basic))  # columns at nonzero bounds
    assert (v, y, d) == dense.solve(basic, at)
    # the bounds are dyadic (F(float) is exact); A and c are the test's Fractions
    x = [F(int(vj.p), int(vj.q)) for vj in v[:cols]]
    s = [F(int(vj.p), int(vj.q)) for vj in v[cols:]]
    yy = [F(int(yi.p), int(yi.q)) for yi in y]
    ax, aty = [F(0)] * rows, [F(0)] * cols
    for i, j, a in zip(A.indices.tolist(), np.repeat(np.arange(cols), np.diff(A.indptr)).tolist(), a_frac,
                       strict=True):
        ax[i] += a * x[j]
        aty[j] += a * yy[i]
    assert ax == s
    for val, lo, hi in zip(x + s, [*col_lower, *row_lower], [*col_upper, *row_upper], strict=True):
        assert (lo == -np.inf or val >= F(lo)) and (hi == np.inf or val <= F(hi))
    # min c.x: reduced costs of x (c - A'y) and of s (y); >= 0 where the variable can only rise, <= 0 where
    # it can only fall, 0 where it is basic or strictly inside its bounds
    reduced = [cj - t for cj, t in zip(c_frac, aty, strict=True)] + yy
    for val, r, lo, hi in zip(x + s, reduced, [*col_lower, *row_lower], [*col_upper, *row_upper], strict=True):
        at_lo, at_hi = lo != -np.inf and val == F(lo), hi != np.inf and val == F(hi)
        assert (r == 0) or (r > 0 and at_lo) or (r < 0 and at_hi)
    value = sum(cj * xj for cj, xj in zip(c_frac, x, strict=True))
    assert float(value) == pytest.approx(h.getInfo().objective_function_value, abs=1e-9)


def test_a_held_basis_off_in_rationals_gives_way_to_highs_cold_basis(monkeypatch):
    """When the basis HiGHS reaches from the model's last solve is not optimal in rationals, exact() takes the
    basis of a cold HiGHS solve before pivoting (here the first start is replaced by the all-slack basis)."""
    model, entries, b, c = random_lp(80, 90, seed=4)
    model.solve()  # holds the basis the first HiGHS run starts from
    real = exact_module._start
    calls = []

    def slack_first(h, ex):
        calls.append(1)
        if len(calls) > 1:
            return real(h, ex)
        return list(range(ex.n, ex.n + ex.m)), ["lo"] * ex.n + ["hi"] * ex.m

    monkeypatch.setattr(exact_module, "_start", slack_first)
    cert = exact(model)
    assert len(calls) == 2 and cert.stats["cold_restart"] == 1 and cert.pivots == 0
    assert_optimal_in_fractions(cert, entries, b, c)
    monkeypatch.setattr(exact_module, "_start", real)
    assert "cold_restart" not in exact(model).stats
