"""Yang (2020), "Selling Consumer Data for Profit": every number of spec §A.6-§A.7.

Textbook market of [Y] §2, the discrete-cost counter-example to the transplanted cutoff formula
(spec Y-B4), and Example 1 on midpoint grids (spec §A.6 table).
"""

import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.instances import find, load
from optmarkets.app.reproduce import reproduce

TOL = 1e-7


@pytest.fixture(scope="module")
def textbook():
    return om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])


@pytest.fixture(scope="module")
def textbook_solution(textbook):
    return textbook.solve()


@pytest.fixture(scope="module")
def counter():
    return om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 1.25], cost_probs=[0.5, 0.5])


# ---------------------------------------------------------------- textbook (spec §A.7)
def test_textbook_public_api(textbook_solution):
    res = textbook_solution
    assert res.value == pytest.approx(11 / 24, abs=TOL)
    assert list(res["transfer"].index) == [0.25, 0.75]
    np.testing.assert_allclose(res["transfer"].to_numpy(), [7 / 12, 1 / 3], atol=TOL)


def test_textbook_outside_options_and_virtual_costs(textbook):
    np.testing.assert_allclose(textbook.outside_option.to_numpy(), [7 / 6, 5 / 6], atol=1e-12)
    np.testing.assert_allclose(textbook.uniform_pricing()["price"].to_numpy(), [2, 2])
    np.testing.assert_allclose(textbook.virtual_costs().to_numpy(), [0.25, 1.25])  # footnote 15
    np.testing.assert_allclose(textbook.ironed_virtual_costs().to_numpy(), [0.25, 1.25])
    assert textbook.satisfies_A1d() and textbook.satisfies_A1d_prime() and textbook.is_regular()


def test_textbook_outcome(textbook_solution):
    res = textbook_solution
    served = res["served"]
    np.testing.assert_allclose(served.loc[0.25].to_numpy(), [1 / 3] * 3, atol=TOL)  # value-revealing: q = 1
    np.testing.assert_allclose(served.loc[0.75].to_numpy(), [0, 1 / 3, 1 / 3], atol=TOL)  # v in {2, 3} exactly
    np.testing.assert_allclose(res["outcome"]["quantity"].to_numpy(), [1, 2 / 3], atol=TOL)
    assert res["welfare"]["consumer_surplus"] == pytest.approx(0, abs=TOL)
    assert res["welfare"]["total_surplus"] == pytest.approx(35 / 24, abs=TOL)
    assert res["welfare"]["producer_profit"] == pytest.approx(1, abs=TOL)  # both IRs bind: E[pi0] = 1
    # Pi (rows: report, columns: true cost), spec §A.7
    np.testing.assert_allclose(res["gross_profit"].to_numpy(), [[1.75, 1.25], [1.5, 7 / 6]], atol=TOL)


def test_textbook_regimes(textbook):
    reg = textbook.regimes()
    assert reg.loc["uniform pricing", "producer_profit"] == pytest.approx(1)
    assert reg.loc["uniform pricing", "consumer_surplus"] == pytest.approx(1 / 3)
    assert reg.loc["uniform pricing", "total_surplus"] == pytest.approx(4 / 3)
    assert reg.loc["data broker", "total_surplus"] == pytest.approx(35 / 24)
    assert reg.loc["vertical integration", "total_surplus"] == pytest.approx(3 / 2)
    assert reg.loc["value-revealing data alone", "revenue"] == pytest.approx(5 / 12)
    assert reg.loc["direct acquisition", "revenue"] == pytest.approx(1 / 3)
    for regime in ("price-controlling broker", "exclusive retail"):
        assert reg.loc[regime, "revenue"] == pytest.approx(11 / 24, abs=TOL)
    # Thm 5: consumers who own the data and sell it for E[CS_unif] = 1/3 keep 1/3; the broker nets 1/8
    assert reg.loc["data ownership", "consumer_surplus"] == pytest.approx(1 / 3)
    assert reg.loc["data ownership", "revenue"] == pytest.approx(11 / 24 - 1 / 3, abs=TOL)
    assert textbook.direct_acquisition() == pytest.approx((1 / 3, 7 / 6))
    assert textbook.value_revealing_alone() == pytest.approx((5 / 12, 5 / 12))
    # the v = 1 consumers excluded for c = 3/4 cost 1/24 of total surplus
    assert reg.loc["vertical integration", "total_surplus"] - reg.loc["data broker", "total_surplus"] == \
        pytest.approx(1 / 24)


def test_textbook_both_lps_and_bound(textbook):
    assert len(textbook.profiles()) == 10 and len(textbook.profiles(monotone=False)) == 16
    assert textbook.profile_problem().solve().value == pytest.approx(11 / 24, abs=TOL)
    assert textbook.profile_problem(monotone=False).solve().value == pytest.approx(11 / 24, abs=TOL)
    assert textbook.solve("CLARABEL").value == pytest.approx(11 / 24, abs=1e-6)
    assert textbook.revenue_bound() == pytest.approx(11 / 24)
    assert textbook.continuum_cutoff_revenue() == pytest.approx(11 / 24)  # exact under (A1d')


def test_textbook_unique_over_the_optimal_face(textbook):
    assert textbook.optimal_face("consumer_surplus") <= 1e-7  # Theorem 3 on the whole face
    for k, q in ((0, 1.0), (1, 2 / 3)):
        assert textbook.optimal_face(f"quantity:{k}", "min") == pytest.approx(q, abs=1e-7)
        assert textbook.optimal_face(f"quantity:{k}", "max") == pytest.approx(q, abs=1e-7)


def test_papers_menu_is_ic_ir_by_brute_force(textbook):
    third = 1 / 3
    revealing = np.diag([third] * 3)
    residential = np.array([[1 / 6, 0, third], [1 / 6, third, 0]])  # D_H = {3: 1/3, 1: 1/6}, D_A = {2: 1/3, 1: 1/6}
    audit = textbook.evaluate([revealing, residential], [7 / 12, 1 / 3], tol=1e-12)
    assert audit.ok and audit.reasons == []
    assert audit.revenue == pytest.approx(11 / 24)
    assert audit.consumer_surplus.max() == pytest.approx(0, abs=1e-12)


def test_canonical_segmentation_reproduces_residential_data(textbook):
    segments, transfer = textbook.canonical_mechanism()
    np.testing.assert_allclose(segments[0], np.diag([1 / 3] * 3))
    np.testing.assert_allclose(segments[1], [[1 / 6, 1 / 3, 0], [1 / 6, 0, 1 / 3]])
    np.testing.assert_allclose(transfer.to_numpy(), [7 / 12, 1 / 3])
    assert textbook.evaluate(segments, transfer, tol=1e-12).ok


def test_textbook_duals_degenerate_family(textbook_solution, textbook):
    """HiGHS returns mu = (1/4, 3/4), lambda_{1->2} = 1/4; any lambda in [0, 1/2] is optimal."""
    mu = -textbook_solution.prices["IR"].to_numpy()
    lam = -textbook_solution.prices["IC"]
    assert mu.sum() == pytest.approx(1)
    assert 0 <= lam.loc[(0.25, 0.75)] <= 0.5 + 1e-9
    assert mu[0] == pytest.approx(0.5 - lam.loc[(0.25, 0.75)]) and mu[1] == pytest.approx(0.5 + lam.loc[(0.25, 0.75)])
    np.testing.assert_allclose(textbook.rent_flow(textbook_solution).to_numpy(), 0, atol=1e-12)


def test_textbook_lp_size(textbook):
    """34 variables (spec §A.2); 6 equality rows; the 46 inequality rows of the spec plus 6 implied
    obedience rows of the shared obedience builder (here: the deviations to ⊥)."""
    model = textbook.mechanism_problem(reduced=False)
    assert model.size()["variables"] == 34
    rows = {name: fam.lhs.size for name, fam in model.families.items()}
    assert rows["segmentation"] == 6
    assert rows["deviation"] + rows["IC"] + rows["IR"] == 46 - 18
    nontrivial = model.families["obedience"].index
    implied = nontrivial.get_level_values("deviation") == np.inf
    assert (~implied).sum() == 18
    reduced = textbook.mechanism_problem()  # Topkis-reduced deviation rows: same value, fewer rows
    assert reduced.families["deviation"].lhs.size < rows["deviation"]
    assert reduced.solve().value == pytest.approx(model.solve().value, abs=1e-12)


# ---------------------------------------------------------------- counter-example (spec Y-B4)
def test_counter_example_revenue_and_transfers(counter):
    res = counter.solve()
    assert res.value == pytest.approx(37 / 96, abs=TOL)
    np.testing.assert_allclose(res["transfer"].to_numpy(), [7 / 12, 3 / 16], atol=TOL)
    # c = 5/4 serves v = 3 and 3/4 of the v = 2 consumers: q_2 = s_2 = 7/12
    np.testing.assert_allclose(res["served"].loc[1.25].to_numpy(), [0, 0.25, 1 / 3], atol=TOL)
    np.testing.assert_allclose(res["outcome"]["producer_profit"].to_numpy(), counter.outside_option.to_numpy(),
                               atol=TOL)  # both IRs bind
    assert counter.price_controlling_problem().solve().value == pytest.approx(37 / 96, abs=TOL)


def test_counter_example_discrete_cutoff(counter):
    """Spec Y-B5: in quantity space the discrete cutoff is the average uniform quantity s_2 = 7/12."""
    mech = counter.discrete_cutoff_mechanism()
    np.testing.assert_allclose(mech["quantity"].to_numpy(), [1, 7 / 12])
    np.testing.assert_allclose(mech["transfer"].to_numpy(), [7 / 12, 3 / 16])
    assert counter.top_revenue(7 / 12)[0] == pytest.approx(1.5)  # v = 3 and a quarter of the market at v = 2


def test_counter_example_formula_is_not_the_optimum(counter):
    np.testing.assert_allclose(counter.virtual_costs().to_numpy(), [0.25, 2.25])
    np.testing.assert_allclose(counter.uniform_pricing()["price"].to_numpy(), [2, 3])
    assert not counter.satisfies_A1d_prime()
    assert counter.continuum_cutoff_revenue() == pytest.approx(5 / 12)
    assert counter.continuum_cutoff_revenue() > counter.solve().value + 0.03  # not attainable
    assert counter.revenue_bound() >= counter.solve().value


# ---------------------------------------------------------------- Example 1 (spec §A.6)
@pytest.mark.parametrize("n, db, formula, bound", [(5, 0.048, 0.088, 0.104), (10, 0.054, 0.072, 0.095)])
def test_example1_discretized(n, db, formula, bound):
    broker = om.DataBroker.discretized_example1(n)
    assert broker.solve().value == pytest.approx(db, abs=1e-7)
    assert broker.price_controlling_problem().solve().value == pytest.approx(db, abs=1e-7)
    assert broker.continuum_cutoff_revenue() == pytest.approx(formula, abs=1e-7)
    assert broker.revenue_bound() == pytest.approx(bound, abs=1e-7)


def test_example1_n20_converges_towards_one_eighteenth():
    broker = om.DataBroker.discretized_example1(20)
    value = broker.solve().value
    assert value == pytest.approx(0.055125, abs=1e-7)
    assert 0.054 < value < 1 / 18  # from below, error O(1/n^2)


# ---------------------------------------------------------------- instance files
@pytest.mark.parametrize("name", ["yang-textbook", "yang-discrete-cutoff", "yang-example-1"])
def test_instance_files_reproduce(name):
    rows = load(find(name)).reproduce()
    assert rows and all(r.match for r in rows), [(r.quantity, r.paper, r.computed) for r in rows if not r.match]
    if name == "yang-discrete-cutoff":
        got = {r.quantity.split(" (")[0]: r.computed for r in rows}
        assert got["broker revenue R_DB"] == pytest.approx(37 / 96)
        assert got["transfer of report c = 5/4"] == pytest.approx(3 / 16)


def test_registered_convergence_example():
    table = reproduce(match="yang-example-1-convergence")
    assert len(table) == 6 and table["match"].all()
    exact = table[table["source"] == "derived"]
    np.testing.assert_allclose(exact["computed"].to_numpy(), [0.048, 0.054, 0.055125], atol=1e-7)
