"""Row generation (`core.rowgen`): the lazy solve equals the full LP's, independently re-solved, and
its point and extended duals certify the FULL model (every lazy row, recomputed from expressions)."""

import numpy as np
import pytest

import optmarkets as om


def _broker(n, k, seed):
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(1, 4 * n + 1), n, replace=False)) / (4 * n)
    costs = np.sort(rng.choice(np.arange(0, 80), k, replace=False)) / 100 * values.max()
    return om.DataBroker(values, rng.dirichlet(np.ones(n)), costs, rng.dirichlet(np.ones(k)))


def _check(lazy_model, full_sol, lazy_names):
    sol = lazy_model.solve()
    assert sol.value == pytest.approx(full_sol.value, rel=1e-7, abs=1e-9)
    assert sol.certificate.ok()
    # independent: the full model's certificate from its expressions at the returned point and prices
    full_cert = lazy_model.certify()
    assert full_cert.ok(), full_cert.worst()
    for name in lazy_names:
        fam = lazy_model.families[name]
        assert np.asarray(sol.prices[name]).size == fam.lhs.size  # full length
        assert fam.violation() <= 1e-7 * max(1.0, float(np.abs(fam.lhs.value).max()))
    return sol


@pytest.mark.parametrize("n,k,seed", [(4, 3, 0), (6, 4, 1), (8, 5, 2), (10, 6, 3)])
def test_yang_lazy_equals_full(n, k, seed):
    broker = _broker(n, k, seed)
    full = broker.mechanism_problem().solve()
    sol = _check(broker.mechanism_problem(rows="lazy"), full, ["deviation"])
    # the dual is not unique in general (degenerate LPs): the prices satisfy the full certificate
    # (checked in _check) and the rent-flow identity every optimal dual satisfies
    assert broker.rent_flow(sol).abs().max() <= 1e-7


def test_yang_textbook_lazy():
    broker = om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])
    assert broker.solve(rows="lazy").value == pytest.approx(11 / 24, abs=1e-9)


@pytest.mark.parametrize("m", [6, 10, 20])
def test_bdhn_lazy_equals_full(m):
    s = om.InformationSeller.from_distribution("exponential", m=m, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)
    full = s.revenue_optimal().solve()
    _check(s.revenue_optimal(rows="lazy"), full, ["obedience_1", "obedience_2"])


def test_bdhn_example_value():
    s = om.InformationSeller.from_distribution("exponential", m=10, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)
    assert s.revenue_optimal(rows="lazy").solve().value == pytest.approx(0.81663235, abs=1e-8)


def test_row_matrix_matches_family():
    broker = _broker(5, 3, 7)
    model = broker.mechanism_problem(rows="lazy")
    model.solve()
    from optmarkets.core.rowgen import _row_data, _stacked

    rows = _row_data(model, model.strategy.lazy)["deviation"]
    x = _stacked([v.var for v in model.variables.values()])
    fam = model.families["deviation"]
    assert np.allclose(rows.D @ x + rows.c, (fam.lhs.value - 0.0).ravel(order="F"), atol=1e-12)


def test_rows_argument_checked():
    with pytest.raises(om.InputError):
        _broker(4, 3, 0).mechanism_problem(rows="some")
