"""The lexicographic selection chain on one persistent HiGHS (`solvers.chain`) against the per-stage
solves it replaces and against an independent LP; the per-model default solver; standard-form offsets."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core import strategies
from optmarkets.solvers import chain as chain_module
from optmarkets.solvers.cvxpy_internals import solver_data, variable_offsets, write_point


def _seller(n: int, k: int, seed: int) -> tuple[om.MultiProductSeller, np.ndarray]:
    rng = np.random.default_rng(seed)
    seller = om.MultiProductSeller(rng.uniform(0.1, 2.0, (n, k)).round(3))
    return seller, rng.dirichlet(np.ones(n))


@pytest.fixture
def count_chains(monkeypatch):
    calls = []
    original = chain_module.SelectionChain.of.__func__

    def of(cls, *args, **kwargs):
        made = original(cls, *args, **kwargs)
        calls.append(made)
        return made

    monkeypatch.setattr(chain_module.SelectionChain, "of", classmethod(of))
    return calls


def _per_stage(monkeypatch):
    monkeypatch.setattr(strategies._StageProgram, "session", lambda self, model, request: None)


@pytest.mark.parametrize(("n", "k", "seed"), [(4, 3, 0), (8, 4, 1), (12, 5, 2), (16, 4, 3)])
@pytest.mark.parametrize("rule", ["efficient", "mincs"])
def test_chain_equals_the_per_stage_solves(n, k, seed, rule, monkeypatch, count_chains):
    seller, f = _seller(n, k, seed)
    fast = seller.mechanism_problem(f).solve("HIGHS", rule=rule)
    assert count_chains and count_chains[-1] is not None  # the persistent chain ran
    assert fast.certificate.ok()
    _per_stage(monkeypatch)
    slow = seller.mechanism_problem(f).solve("HIGHS", rule=rule)
    assert fast.value == pytest.approx(slow.value, rel=1e-9, abs=1e-9)
    # the goals the chain maximises agree (the point itself may be another one of the final face)
    for name in ("consumer_surplus", "profit"):
        assert fast[name].to_numpy() == pytest.approx(slow[name].to_numpy(), abs=1e-6), name
    surplus = lambda sol: float((seller.Vnet * sol["allocation"].to_numpy()).sum())
    assert surplus(fast) == pytest.approx(surplus(slow), abs=1e-6)
    # prices are stage 1's: the model's own optimal duals
    for fam in ("IC", "IR", "lottery"):
        assert fast.prices[fam].to_numpy() == pytest.approx(slow.prices[fam].to_numpy(), abs=1e-7), fam


@pytest.mark.parametrize(("n", "k", "seed"), [(6, 3, 4), (10, 4, 5)])
def test_chain_second_stage_against_an_independent_lp(n, k, seed):
    """Total surplus of the selected mechanism = max total surplus over the revenue-optimal mechanisms,
    from an LP written here directly in cvxpy (solved by Clarabel)."""
    seller, f = _seller(n, k, seed)
    sol = seller.mechanism_problem(f).solve()
    V, c = seller.V, seller.c
    x, p = cp.Variable(V.shape, nonneg=True), cp.Variable(n)
    U = V @ x.T - cp.reshape(p, (1, n), order="C")  # U[t, s]: type t reporting s
    base = [cp.sum(x, axis=1) == 1, cp.diag(U) >= 0]
    base += [cp.diag(U)[t] >= U[t, s] for t in range(n) for s in range(n) if s != t]
    revenue = f @ (p - x @ c)
    best = cp.Problem(cp.Maximize(revenue), base).solve("CLARABEL")
    assert sol.value == pytest.approx(best, abs=1e-6)
    def surplus(slack: float) -> float:
        return cp.Problem(cp.Maximize(cp.sum(cp.multiply(seller.Vnet, x))),
                          [*base, revenue >= best - slack]).solve("CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10,
                                                                   tol_feas=1e-10)

    chosen = float((seller.Vnet * sol["allocation"].to_numpy()).sum())
    # surplus is steep in the revenue slack here (~400 per unit): the chain's slack is 1e-10 relative
    assert chosen == pytest.approx(surplus(1e-10), abs=1e-5)  # 1e-5: ~400 x (Clarabel's revenue error)
    assert chosen <= surplus(1e-8) + 1e-7


def test_other_backends_keep_the_per_stage_path(count_chains):
    seller, f = _seller(5, 3, 6)
    sol = seller.mechanism_problem(f).solve("CLARABEL")
    assert sol.solver == "CLARABEL" and not count_chains


def test_model_default_solver_and_explicit_choice():
    seller, f = _seller(6, 3, 7)
    model = seller.mechanism_problem(f)
    assert model.default_solver == "HIGHS_IPM"
    ipm, simplex = model.solve(), model.solve("HIGHS")
    assert ipm.solver == "HIGHS_IPM" and simplex.solver == "HIGHS"
    assert ipm.value == pytest.approx(simplex.value, abs=1e-9)
    assert om.Model("plain").default_solver is None


def test_bdhn_revenue_default_solver_and_reduced_hint():
    seller = om.InformationSeller.from_distribution("exponential", m=10, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)
    model = seller.revenue_optimal()
    assert model.default_solver == "HIGHS_IPM"
    sol = model.solve()
    assert sol.solver == "HIGHS_IPM"
    assert sol.value == pytest.approx(0.81663235, abs=1e-7)  # the README's paper value
    assert sol.value == pytest.approx(model.solve("HIGHS").value, abs=1e-9)
    assert "hint" not in sol.outputs  # small grids carry no hint
    reduced = seller.revenue_optimal(form="reduced")  # the dual simplex is faster on Lemma 5.1's form
    assert reduced.default_solver == "HIGHS"
    assert reduced.solve().value == pytest.approx(0.81663235, abs=1e-7)


def test_offsets_round_trip():
    x, y = cp.Variable((2, 3), nonneg=True), cp.Variable(2)
    problem = cp.Problem(cp.Minimize(cp.sum(x) + cp.sum(y)), [x >= 1, y >= 2])
    data, _, inverse = solver_data(problem, cp.HIGHS)
    offsets = variable_offsets(inverse, [x, y], data["A"].shape[1])
    assert offsets is not None
    point = np.arange(8.0)
    write_point(point, [x, y], offsets)
    assert x.value[1, 0] == point[offsets[x.id] + 1]  # Fortran order, as cvxpy stacks columns
    assert y.value.tolist() == point[offsets[y.id]:offsets[y.id] + 2].tolist()
    assert variable_offsets(inverse, [x], data["A"].shape[1]) is None  # not every column is named
