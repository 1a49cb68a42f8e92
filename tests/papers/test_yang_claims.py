"""Yang (2020): the lemmas, theorems and figures of issue 27, checked against numbers worked by hand in this file,
brute force and independent scipy LPs (optmarkets/papers/yang/claims*.py)."""

from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.app.reproduce import reproduce
from optmarkets.core.errors import InfeasibleError, InputError
from optmarkets.papers.yang import claims, claims_partitional, claims_targeting
from optmarkets.papers.yang import claims_quasi_perfect as qp
from optmarkets.papers.yang import claims_reference as ref
from optmarkets.papers.yang import random_markets as rm
from optmarkets.papers.yang.continuum import direct_acquisition
from optmarkets.papers.yang.partitional import PartitionalBroker
from optmarkets.papers.yang.targeting import TargetingBroker

TOL = 1e-7
THIRD = 1 / 3
REVEALING = np.diag([THIRD] * 3)
RESIDENTIAL = np.array([[1 / 6, THIRD, 0.0], [1 / 6, 0.0, THIRD]])  # D_A = {2: 1/3, 1: 1/6}, D_H = {3: 1/3, 1: 1/6}


@pytest.fixture(scope="module")
def textbook():
    return claims.textbook()


def phibar(c):
    return np.minimum(2 * c, (1 + c) / 2)  # [Y] Example 1, by hand


# ---------------------------------------------------------------- Theorem 1 / Prop. 2 in the continuum limit
def test_theorem1_served_quantity_tends_to_one_minus_phibar():
    errors = {}
    for n in (5, 10):
        broker = om.DataBroker.discretized_example1(n)
        sol = broker.solve(rows="lazy")
        q = sol["outcome"]["quantity"].to_numpy()
        errors[n] = np.abs(q - (1 - phibar(broker.costs))).max()
        assert errors[n] <= 1 / n + TOL  # one grid step
        assert sol["welfare"]["consumer_surplus"] == pytest.approx(0, abs=TOL)  # Theorem 3
    pc = {n: om.DataBroker.discretized_example1(n).price_controlling_problem().solve()["quantity"].to_numpy()
          for n in (20, 40)}
    pc_err = {n: np.abs(q - (1 - phibar(om.DataBroker.discretized_example1(n).costs))).max() for n, q in pc.items()}
    assert errors[10] < errors[5] and pc_err[40] < pc_err[20] < errors[10]
    assert pc_err[40] == pytest.approx(1 / 40, abs=TOL)


def test_theorem1_cutoff_error_is_not_trivially_small():
    """The check can fail: a cutoff one step off everywhere (serving 1 - phibar + 2/n) breaks the bound."""
    broker = om.DataBroker.discretized_example1(10)
    q = broker.price_controlling_problem().solve()["quantity"].to_numpy()
    assert np.abs(q + 0.2 - (1 - phibar(broker.costs))).max() > 0.1


# ---------------------------------------------------------------- Example 1: direct acquisition <= 0
@pytest.mark.parametrize("t", [0.0, 0.04, 0.09, 0.25, 0.3, 2.0])
def test_example1_direct_acquisition_never_pays(t):
    by_hand = -(2 / 3) * t ** 1.5 if t <= 0.25 else 1 / 6 - t  # int_0^{min(1, 2 sqrt t)} (u^2/2 - t) du
    assert direct_acquisition(1, t) == pytest.approx(by_hand, abs=1e-12)
    assert direct_acquisition(1, t) <= 1e-15


# ---------------------------------------------------------------- Lemma 1: envelope identity
def test_lemma1_on_the_textbook_optimum_by_hand(textbook):
    """u_1(z) = 17/12 - z (value-revealing at 7/12), u_2(z) = (4 - 2z)/3 (residential at 1/3): they cross at z = 1/4,
    so Q*(z) = 2/3 on (1/4, 3/4] and U(1/4) - U(3/4) = 1/3 = 7/6 - 5/6."""
    tau = [7 / 12, 1 / 3]
    u, Q = qp.menu_utility(textbook, [REVEALING, RESIDENTIAL], tau, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(u[0], [17 / 12 - z for z in (0.25, 0.5, 0.75)], atol=1e-12)
    np.testing.assert_allclose(u[1], [(4 - 2 * z) / 3 for z in (0.25, 0.5, 0.75)], atol=1e-12)
    np.testing.assert_allclose(Q[1], [2 / 3] * 3, atol=1e-12)
    res = qp.envelope_residual(textbook, [REVEALING, RESIDENTIAL], tau)
    assert res["assertion 1"] == pytest.approx(0, abs=1e-12) and res["assertion 2"] >= -1e-12
    sol = textbook.solve()
    res = qp.envelope_residual(textbook, textbook.segments(sol), sol["transfer"].to_numpy())
    assert res["assertion 1"] == pytest.approx(0, abs=TOL) and res["assertion 2"] >= -TOL


def test_lemma1_detects_a_menu_that_is_not_ic(textbook):
    """Residential data priced 1/5 too high: c = 3/4 buys value-revealing data instead (u_1 = 2/3 > 5/6 - 1/5),
    so U(3/4) != u_2(3/4) and integral monotonicity fails."""
    res = qp.envelope_residual(textbook, [REVEALING, RESIDENTIAL], [7 / 12, 1 / 3 + 0.2])
    assert res["assertion 1"] == pytest.approx(2 / 3 - (5 / 6 - 0.2), abs=1e-12)
    assert res["assertion 2"] < -0.01


# ---------------------------------------------------------------- Lemma 2: condition (8)
def test_lemma2_textbook_menu_and_its_transfers(textbook):
    menu = [REVEALING, RESIDENTIAL]
    assert qp.quasi_perfect_violation(textbook, menu, [1, 2]) == 0
    assert qp.condition_8_violation(textbook, menu, [1, 2]) == 0
    # U_2 = pi0(3/4) = 5/6, U_1 = U_2 + Pi_{2|1} - Pi_{2|2} = 5/6 + 3/2 - 7/6; tau = Pi_{k|k} - U_k (by hand)
    np.testing.assert_allclose(qp.envelope_transfers(textbook, menu).to_numpy(), [7 / 4 - 7 / 6, 7 / 6 - 5 / 6])
    # a residential segment with its cutoff set above 2 is not 3-quasi-perfect for c = 3/4: price 2 beats 3 in D_A
    assert qp.quasi_perfect_violation(textbook, menu, [1, 3]) > 0


def test_condition_8_grid_form_differs_from_the_grid_points():
    """Values {3, 4, 6} (1/3 each), costs {0, 2, 3}, psi = (0, 4, 6) <= p0 = (3, 6, 6): [Y]'s (8) holds at the grid
    points, the grid form fails (c = 0 prices the psi = 4 segments at 3 < 4), binding local downward IC is not IC,
    yet IC transfers exist (no positive misreport cycle): (8) is sufficient, not necessary."""
    broker = om.DataBroker([3, 4, 6], [THIRD] * 3, [0, 2, 3], [THIRD] * 3)
    np.testing.assert_allclose(broker.uniform_pricing()["price"].to_numpy(), [3, 6, 6])  # 3 > 8/3 > 2 at c = 0
    psi = [0, 4, 6]
    scheme = qp.quasi_perfect_scheme(broker, psi)
    assert qp.quasi_perfect_violation(broker, scheme, psi) == 0
    assert qp.condition_8_violation(broker, scheme, psi, shifted=False) == 0
    assert qp.condition_8_violation(broker, scheme, psi) == pytest.approx(1)  # psi_2 - p_D(c_1) = 4 - 3
    assert broker.evaluate(scheme, qp.envelope_transfers(broker, scheme)).ic_violation > 0.1
    assert qp.positive_cycle(broker, scheme) <= TOL
    transfers = _ic_transfers_by_lp(broker, scheme)
    assert broker.evaluate(scheme, transfers).ic_violation <= TOL


def _ic_transfers_by_lp(broker, scheme):
    """Some IC transfers (tau_k - tau_j >= Pi_{k|j} - Pi_{j|j}) from scipy, independent of the package."""
    gross = broker.evaluate(scheme, np.zeros(broker.n_costs)).gross.to_numpy()
    K = broker.n_costs
    rows, rhs = [], []
    for j in range(K):
        for k in range(K):
            if j != k:
                row = np.zeros(K)
                row[j], row[k] = 1.0, -1.0  # tau_j - tau_k <= Pi_{j|j} - Pi_{k|j}
                rows.append(row)
                rhs.append(gross[j, j] - gross[k, j])
    res = linprog(np.zeros(K), A_ub=np.array(rows), b_ub=rhs, bounds=[(None, None)] * K, method="highs")
    assert res.status == 0
    return res.x


# ---------------------------------------------------------------- Lemma 3: every psi
@pytest.mark.parametrize("seed", range(6))
def test_lemma3_every_psi_on_random_regular_markets(seed):
    broker = rm.regular_market(np.random.default_rng(seed))
    paper, grid = claims.lemma3_audit(broker, shifted=False), claims.lemma3_audit(broker, shifted=True)
    assert paper["count"] >= max(1, grid["count"])  # the shifted range may be empty (c_k > p0(c_(k-1)))
    assert paper["quasi-perfect"] <= 1e-9 and paper["cycle"] <= TOL
    assert grid["condition 8"] <= 1e-9 and grid["envelope IC"] <= TOL


def test_lemma3_enumerates_every_distinct_psi(textbook):
    # p0 = (2, 2): psi_1 in {1/4, 1, 2}, psi_2 in {3/4, 1, 2}, nondecreasing: 3 + 2 + 1 + ... counted by hand
    psis = {tuple(p) for p in claims._every_psi(textbook, shifted=False)}
    assert psis == {(0.25, 0.75), (0.25, 1), (0.25, 2), (1, 1), (1, 2), (2, 2)}


def test_lemma3_lp_for_a_demand_that_is_not_regular():
    broker = om.DataBroker(*claims.NOT_REGULAR)
    assert not broker.is_regular()
    psi = np.array(claims.NOT_REGULAR_PSI)
    sol = qp.quasi_perfect_problem(broker, psi).solve()
    assert broker.audit(sol).ok
    assert qp.quasi_perfect_violation(broker, broker.segments(sol), psi) <= TOL
    # served exactly the values >= psi_k, each at its value (by hand: masses 0.6, 0.1, 0.3)
    np.testing.assert_allclose(sol["outcome"]["quantity"].to_numpy(), [1.0, 0.4, 0.3], atol=TOL)
    assert sol["welfare"]["consumer_surplus"] == pytest.approx(0, abs=TOL)


def test_no_quasi_perfect_scheme_above_the_uniform_price(textbook):
    """psi = (3, 3) > p0 = (2, 2): for c = 1/4 a segment topped by v = 3 holds at most 1.75 m3/... of the v = 2
    consumers (3 optimal needs 2.75 m3 >= 1.75 (m3 + m2)), so the v = 2 mass cannot be placed: infeasible."""
    with pytest.raises(InfeasibleError):
        qp.quasi_perfect_problem(textbook, [3, 3]).solve()
    scheme = qp.quasi_perfect_scheme(textbook, [3, 3])
    assert qp.quasi_perfect_violation(textbook, scheme, [3, 3]) > 0


def test_bad_cutoffs_are_refused(textbook):
    with pytest.raises(InputError, match="psi"):
        qp.quasi_perfect_scheme(textbook, [0.1, 1])  # psi_1 < c_1
    with pytest.raises(InputError, match="psi"):
        qp.condition_8_violation(textbook, [REVEALING, RESIDENTIAL], [1])
    with pytest.raises(InputError, match="cutoff"):
        qp.recommendation_partition(textbook, 4)


# ---------------------------------------------------------------- Figure 4
def test_figure4_partition_is_the_residential_data(textbook):
    part = qp.recommendation_partition(textbook, 1.25)
    np.testing.assert_allclose(part[["lo", "hi"]].to_numpy(), [[0, 0.5], [0.5, 1]])
    np.testing.assert_allclose(part.drop(columns=["lo", "hi"]).to_numpy(), RESIDENTIAL)


def test_figure4_partition_equals_eq_2_3_on_a_larger_market():
    values, mass = np.arange(1.0, 7.0), np.array([3, 1, 2, 2, 1, 1]) / 10
    broker = om.DataBroker(values, mass, [0.5, 2.0], [0.5, 0.5])
    for cutoff in (2.0, 3.5, 6.0):
        part = qp.recommendation_partition(broker, cutoff)
        top = mass[values >= cutoff].sum()
        lo = np.concatenate([[0], np.cumsum(mass[values >= cutoff])[:-1]]) / top  # (D0(psi) - D0(p))/D0(psi)
        np.testing.assert_allclose(part["lo"].to_numpy(), lo)
        np.testing.assert_allclose(part["hi"].to_numpy(), np.append(lo[1:], 1.0))
        scheme = qp.quasi_perfect_scheme(broker, [cutoff, max(cutoff, 2.0)])
        np.testing.assert_allclose(part.drop(columns=["lo", "hi"]).to_numpy(), scheme[0], atol=1e-15)
        # every C_p keeps the below-cutoff values in the market's proportions (eq. (2)), by hand
        below = part.drop(columns=["lo", "hi"]).to_numpy()[:, values < cutoff]
        np.testing.assert_allclose(below / below.sum(axis=1, keepdims=True) if below.size else below,
                                   np.tile(mass[values < cutoff] / mass[values < cutoff].sum(), (len(part), 1))
                                   if below.size else below)


# ---------------------------------------------------------------- Lemma 4: allocations
def test_lemma4_same_optimal_face_and_mapped_solutions():
    for _, broker in claims.lemma4_instances():
        pc, er = ref.pc_er_face(broker, "PC"), ref.pc_er_face(broker, "ER")
        assert pc.value == pytest.approx(er.value, abs=TOL)
        assert pc.value == pytest.approx(broker.price_controlling_problem().solve().value, abs=TOL)
        np.testing.assert_allclose(pc.quantity, er.quantity, atol=1e-6)
        np.testing.assert_allclose(pc.profit, er.profit, atol=1e-6)
        sol = broker.exclusive_retail_problem().solve()
        q = sol["quantity"].to_numpy()
        assert np.all(q >= pc.quantity[:, 0] - 1e-6) and np.all(q <= pc.quantity[:, 1] + 1e-6)
        x = sol["x"].to_numpy()
        mapped = ref.pc_apply(broker, x, x @ (broker.value_probs * broker.values) - sol["t"].to_numpy())
        assert mapped["IC"] <= TOL and mapped["IR"] <= TOL and mapped["revenue"] == pytest.approx(pc.value, abs=TOL)


def test_lemma4_textbook_allocation_by_hand():
    face = ref.pc_er_face(claims.textbook(), "ER")
    np.testing.assert_allclose(face.quantity, [[1, 1], [2 / 3, 2 / 3]], atol=1e-7)  # spec §A.7: unique outcome
    np.testing.assert_allclose(face.profit, [[7 / 6, 7 / 6], [5 / 6, 5 / 6]], atol=1e-7)


# ---------------------------------------------------------------- Lemma 15
def test_lemma15_lp_against_the_integral_of_the_inverse_demand():
    rng = np.random.default_rng(15)
    values = np.sort(rng.choice(np.arange(1, 20), 5, replace=False)).astype(float)
    weights = rng.integers(1, 6, 5)
    broker = om.DataBroker(values, weights / weights.sum(), [0.0], [1.0])
    for q in (0.0, 0.05, 0.3, 0.61, 0.99, 1.0):
        # int_0^q D0^-1 in exact arithmetic: the top values first
        left, total = Fraction(q), Fraction(0)
        for v, w in zip(values[::-1], weights[::-1]):
            take = min(left, Fraction(int(w), int(weights.sum())))
            total, left = total + take * Fraction(v), left - take
        assert ref.segmentation_revenue_lp(broker, q) == pytest.approx(float(total), abs=1e-9)
        assert broker.top_revenue(q)[0] == pytest.approx(float(total), abs=1e-12)


# ---------------------------------------------------------------- the reproduce rows
def test_claim_rows_all_match():
    table = reproduce(match="yang-claim")
    assert len(table) == 92 and table["match"].all(), table.loc[~table["match"], ["quantity", "computed"]]
    assert set(table["example"]) == {"yang-claim-theorem-8", "yang-claim-theorem-9", "yang-claim-theorems-10-11",
        "yang-claim-theorem-1-cutoff", "yang-claim-prop-2-cutoff", "yang-claim-example-1-direct-acquisition",
        "yang-claim-lemma-1-envelope", "yang-claim-lemma-2-condition-8", "yang-claim-lemma-3-every-psi",
        "yang-claim-figure-4-partition", "yang-claim-lemma-4-allocations", "yang-claim-lemma-15"}


# ---------------------------------------------------------------- Sec. 6.2: Theorems 8-9 (partitional)
def test_characteristic_lp_with_singletons_is_db_c(textbook):
    broker = PartitionalBroker([1, 2, 3], [THIRD] * 3, ["a", "b", "c"], [0.25, 0.75], [0.5, 0.5])
    assert broker.mechanism_problem().solve().value == pytest.approx(11 / 24, abs=TOL)


@pytest.mark.parametrize("seed", range(4))
def test_characteristic_lp_equals_measurable_db_c(seed):
    broker = rm.partitional_market(np.random.default_rng(100 + seed))
    sol = broker.mechanism_problem().solve()
    assert sol.value == pytest.approx(claims_partitional.measurable_value(broker), abs=TOL)
    audit = broker.market.evaluate(broker.segments(sol), sol["tau"].to_numpy())
    assert audit.ok and audit.revenue == pytest.approx(sol.value, abs=TOL)


def test_theorem8_two_blocks_and_the_finite_counter_example():
    two = PartitionalBroker(*claims_partitional.TWO_BLOCKS)
    face = two.max_surplus_on_the_optimal_face()
    assert face["revenue"] == pytest.approx(5 / 16, abs=TOL)
    assert two.theta_disclosed_surplus() == pytest.approx(0.25)  # v = 4 buys at 3 for both costs, by hand
    assert face["largest price"] <= 0.25 + TOL
    counter = PartitionalBroker(*claims_partitional.COUNTER)
    assert counter.theta_disclosed_surplus() == pytest.approx(0.2)  # 2/5 x 1/2, by hand
    # the hand-built menu: theta disclosed to c = 2.5 at 2/3, nothing to c = 5.5
    disclosed = counter.to_values(np.diag(counter.beta0))
    menu = [disclosed, counter.to_values(counter.beta0)]
    audit = counter.market.evaluate(menu, [2 / 3, 0.0])
    assert audit.ok and audit.revenue == pytest.approx(4 / 15)
    assert counter.market.cost_probs @ audit.consumer_surplus.to_numpy() == pytest.approx(0.3)
    assert counter.mechanism_problem().solve().value == pytest.approx(4 / 15, abs=TOL)  # and nothing does better


def test_theorem8_on_random_partitional_markets():
    """Counted, not asserted everywhere: a finite cost grid can break it (the counter-example); docs/yang.md counts
    150 markets of this sequence (benchmarks/yang_counts.py)."""
    rng = np.random.default_rng(rm.THEOREM8_SEED)
    held = sum(rm.theorem8_holds(rm.partitional_market(rng)) for _ in range(12))
    assert held >= 10


def test_theorem9_canonical_mechanism_where_the_grid_condition_holds():
    rng, tested = np.random.default_rng(rm.THEOREM9_SEED), 0
    while tested < 6:
        broker = rm.partitional_market(rng)
        mk = broker.market
        if not rm.theorem9_conditions(broker)[0]:  # the discrete condition
            continue
        tested += 1
        best = broker.mechanism_problem().solve().value
        revenues = []
        for pool in (False, True):
            audit = mk.evaluate(*broker.canonical_mechanism(pool_straddling=pool))
            assert audit.ok  # always IC and IR: a lower bound
            assert audit.revenue <= best + TOL
            revenues.append(audit.revenue)
        assert max(revenues) == pytest.approx(best, abs=TOL)


def test_theorem9_fails_once_on_a_finite_grid():
    """Values {1, 3, 5, 6, 8} (masses 1, 3, 3, 2, 2 over 11), theta = {1}, {3, 5}, {6, 8}, costs {0, 3/2}: the cutoff
    3 for c = 3/2 cannot be met inside {3, 5} (c prices 5 there): canonical 9/22 < R* = 21/44."""
    broker = PartitionalBroker([1, 3, 5, 6, 8], np.array([1, 3, 3, 2, 2]) / 11, [0, 1, 1, 2, 2], [0, 1.5], [0.5, 0.5])
    np.testing.assert_allclose(broker.cutoffs(), [0, 3])
    audit = broker.market.evaluate(*broker.canonical_mechanism())
    assert audit.ok and audit.revenue == pytest.approx(9 / 22)
    assert broker.mechanism_problem().solve().value == pytest.approx(21 / 44, abs=TOL)


def test_partitional_input_errors():
    with pytest.raises(InputError, match="characteristic"):
        PartitionalBroker([1, 2, 3], [THIRD] * 3, ["a", "b", "a"], [0.5], [1.0])
    with pytest.raises(InputError, match="characteristic"):
        PartitionalBroker([1, 2, 3], [THIRD] * 3, ["a", "b"], [0.5], [1.0])


# ---------------------------------------------------------------- Lemma 14 (price control: revenue equivalence)
def test_lemma14_pc_quantities_fall_and_rents_are_integrals():
    """IC of the price-controlling broker, on a grid: q is nonincreasing (assertion 2) and the rent step
    U_k - U_(k+1) lies between (c_(k+1) - c_k) q_(k+1) and (c_(k+1) - c_k) q_k (assertion 1 between grid points)."""
    for _, broker in claims.lemma4_instances():
        sol = broker.price_controlling_problem().solve()
        q, U, step = sol["quantity"].to_numpy(), sol["producer_profit"].to_numpy(), np.diff(broker.costs)
        assert np.all(np.diff(q) <= TOL)
        assert np.all(U[:-1] - U[1:] >= step * q[1:] - TOL) and np.all(U[:-1] - U[1:] <= step * q[:-1] + TOL)
        # the rents by hand from the allocation: U[j, j] = sum_i m_i x_ji (v_i - c_j) - tau_j
        x, tau = sol["x"].to_numpy(), sol["tau"].to_numpy()
        by_hand = (x * broker.value_probs) @ broker.values - broker.costs * q - tau
        np.testing.assert_allclose(U, by_hand, atol=1e-9)


# ---------------------------------------------------------------- Sec. 6.3: Theorems 10-11 (targeting)
def test_targeting_two_producers_by_hand():
    """Each product goes to the group that values it more (m = (0.1, 0.3, 0.6) on {1, 2, 3}); costs {1/4, 3/4}:
    c = 1/4 gets value-revealing data (W = 2.25), c = 3/4 serves v >= 2 (gross 1.725); U_2 = pi0(3/4) on the
    average market (0.35, 0.3, 0.35) = 1.25 x 0.65 = 0.8125, U_1 = U_2 + 0.5 x 0.9; revenue (0.9875 + 0.9125)/2."""
    broker = TargetingBroker([1, 2, 3], claims_targeting.GROUPS, [claims_targeting.COSTS] * 2,
                             [claims_targeting.PRIOR] * 2)
    for j in range(2):
        sol = broker.mechanism_problem(j).solve()
        assert sol.value == pytest.approx(0.95, abs=TOL)
        np.testing.assert_allclose(sol["tau"].to_numpy(), [0.9875, 0.9125], atol=TOL)
        np.testing.assert_allclose(sol["quantity"].to_numpy(), [1.0, 0.9], atol=TOL)
        assert broker.max_surplus_on_the_optimal_face(j)[1] <= TOL
        assert broker.price_controlling_problem(j).solve().value == pytest.approx(0.95, abs=TOL)
    assert claims_targeting.targeted_bound() == pytest.approx(0.95)


@pytest.mark.parametrize("seed", range(5))
def test_theorem10_zero_surplus_on_the_optimal_face(seed):
    broker = rm.targeting_market(np.random.default_rng(1000 + seed))
    revenue, surplus = broker.max_surplus_on_the_optimal_face(0)
    assert surplus <= TOL
    if broker.n_groups == 1:  # targeting can only add the power to show the product to fewer consumers
        assert revenue >= broker.markets[0].solve().value - TOL


def test_theorem11_price_control_is_a_relaxation_and_ties_under_the_condition():
    rng, tied = np.random.default_rng(rm.THEOREM11_SEED), 0
    for _ in range(20):
        broker = rm.targeting_market(rng)
        db = broker.mechanism_problem(0).solve().value
        pc = broker.price_controlling_problem(0).solve().value
        assert pc >= db - TOL
        if rm.theorem11_condition(broker):
            tied += 1
            assert db == pytest.approx(pc, abs=TOL)
    assert tied >= 3


def test_targeting_input_errors():
    with pytest.raises(InputError, match="group_probs"):
        TargetingBroker([1, 2], [[0.5, 0.5]], [[0.1]], [[1.0]])
    with pytest.raises(InputError, match="group_probs"):
        TargetingBroker([1, 2], [[[0.5, 0.6]]], [[0.1]], [[1.0]])
    with pytest.raises(InputError, match="costs"):
        TargetingBroker([1, 2], [[[0.5, 0.5]]], [[0.1], [0.2]], [[1.0]])
    with pytest.raises(InputError, match="producer"):
        TargetingBroker([1, 2], [[[0.5, 0.5]]], [[0.1]], [[1.0]]).mechanism_problem(1)
