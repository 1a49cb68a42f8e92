"""Every paper model reads labelled pandas inputs by label, never by position (issue 12, finding 5).

For each model: a labelled input given in reversed order gives the same answer as the positional
input (and a different one from the reversed input read by position, so the test cannot pass by
accident), and a label that names nothing is an InputError naming it.
"""

import numpy as np
import pandas as pd
import pytest

import optmarkets as om


# ---------------------------------------------------------------------- Haghpanah-Siegel
def _hs_seller():
    return om.MultiProductSeller(pd.DataFrame({"L": [0.75, 1.0], "H": [1.0, 2.0]}, index=["t1", "t2"]))


def test_hs_market_is_read_by_type_label():
    seller = _hs_seller()
    # the reproducer: f = (t1: 1/4, t2: 3/4); sell H to t2 at 2 and nothing to t1 -> 1.5
    by_label = seller.optimal_mechanism(pd.Series({"t2": 0.75, "t1": 0.25})).solve()
    by_position = seller.optimal_mechanism([0.25, 0.75]).solve()
    misread = seller.optimal_mechanism([0.75, 0.25]).solve()
    assert by_label.value == pytest.approx(1.5, abs=1e-9)
    assert by_position.value == pytest.approx(1.5, abs=1e-9)
    assert misread.value == pytest.approx(1.0, abs=1e-9)  # what position-reading used to return
    assert by_label.certificate.ok()


def test_hs_costs_and_segmentation_are_read_by_label():
    seller = _hs_seller()
    costs = om.MultiProductSeller(seller.valuations, pd.Series({"H": 0.75, "L": 0.25}))
    assert costs.costs.tolist() == [0.25, 0.75]
    segments = pd.DataFrame([[0.75, 0.25], [0.25, 0.75]], columns=["t2", "t1"], index=["s1", "s2"])
    weights = pd.Series({"s2": 0.25, "s1": 0.75})
    chk = seller.check_segmentation(pd.Series({"t2": 0.625, "t1": 0.375}), segments, weights)
    positional = seller.check_segmentation([0.375, 0.625], [[0.25, 0.75], [0.75, 0.25]], [0.75, 0.25])
    assert chk.segments.to_numpy().tolist() == [[0.25, 0.75], [0.75, 0.25]]
    assert chk.weights.tolist() == [0.75, 0.25]
    assert chk.segment_revenue.to_numpy() == pytest.approx(positional.segment_revenue.to_numpy(), abs=1e-9)
    assert chk.revenue_before == pytest.approx(positional.revenue_before, abs=1e-9)


def test_hs_mismatched_labels_are_named():
    seller = _hs_seller()
    with pytest.raises(om.InputError, match=r"market: unknown labels \['tx'\]; missing \['t1'\]"):
        seller.optimal_mechanism(pd.Series({"t2": 0.75, "tx": 0.25}))
    with pytest.raises(om.InputError, match=r"costs: unknown labels \['M'\]"):
        om.MultiProductSeller(seller.valuations, pd.Series({"H": 0.5, "M": 0.25}))
    with pytest.raises(om.InputError, match=r"segments \(columns\): unknown column labels \['t3'\]"):
        seller.check_segmentation([0.5, 0.5], pd.DataFrame([[0.5, 0.5]], columns=["t1", "t3"]), [1.0])
    with pytest.raises(om.InputError, match=r"weights: unknown labels \['s9'\]"):
        seller.check_segmentation([0.5, 0.5], pd.DataFrame([[0.5, 0.5]], columns=["t1", "t2"], index=["s1"]),
                                  pd.Series({"s9": 1.0}))


# ---------------------------------------------------------------------- Yang
def test_yang_probabilities_are_read_by_value_and_cost_label():
    # [Y]'s three-value example: revenue 11/24 with costs (1/4, 3/4) equally likely
    broker = om.DataBroker([1, 2, 3], pd.Series({3: 1 / 3, 1: 1 / 3, 2: 1 / 3}), [0.25, 0.75],
                           pd.Series({0.75: 0.5, 0.25: 0.5}))
    assert broker.solve().value == pytest.approx(11 / 24, abs=1e-8)
    skewed = pd.Series({3: 0.5, 2: 0.3, 1: 0.2})
    by_label = om.DataBroker([1, 2, 3], skewed, [0.25, 0.75], pd.Series({0.75: 0.4, 0.25: 0.6}))
    by_position = om.DataBroker([1, 2, 3], [0.2, 0.3, 0.5], [0.25, 0.75], [0.6, 0.4])
    misread = om.DataBroker([1, 2, 3], [0.5, 0.3, 0.2], [0.25, 0.75], [0.4, 0.6])
    assert by_label.value_probs.tolist() == [0.2, 0.3, 0.5]
    v_label, v_pos = by_label.solve().value, by_position.solve().value
    assert v_label == pytest.approx(v_pos, rel=1e-9)
    assert abs(misread.solve().value - v_pos) > 1e-3
    # the IR benchmark of DB-C and an audited transfer, by cost label
    outside = by_position.outside_option
    m = by_position.mechanism_problem(outside=pd.Series(outside.to_numpy()[::-1], index=outside.index[::-1]))
    assert m.solve().value == pytest.approx(v_pos, rel=1e-9)
    tau = pd.Series({0.75: 1.0, 0.25: 2.0})
    assert by_position.evaluate([np.array([[0.2, 0.3, 0.5]])] * 2, tau).transfer.tolist() == [2.0, 1.0]


def test_yang_mismatched_labels_are_named():
    with pytest.raises(om.InputError, match=r"value_probs: unknown labels \['4'\]; missing \['1'\]"):
        om.DataBroker([1, 2, 3], pd.Series({4: 1 / 3, 2: 1 / 3, 3: 1 / 3}), [0.25, 0.75], [0.5, 0.5])
    with pytest.raises(om.InputError, match=r"cost_probs: unknown labels \['0.5'\]"):
        om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 0.75], pd.Series({0.5: 0.5, 0.25: 0.5}))


# ---------------------------------------------------------------------- Bonatti et al.
def test_bdhn_type_probs_and_prior_are_read_by_label():
    by_position = om.InformationSeller([1, 2, 3], [0.2, 0.3, 0.5], [0.3, 0.7], alpha=0.5)
    by_label = om.InformationSeller([1, 2, 3], pd.Series({3: 0.5, 1: 0.2, 2: 0.3}), pd.Series({1: 0.7, 0: 0.3}),
                                    alpha=0.5)
    misread = om.InformationSeller([1, 2, 3], [0.5, 0.3, 0.2], [0.3, 0.7], alpha=0.5)
    exact = by_position.greedy("welfare").value  # the exact discrete solution, no LP
    sol = by_label.welfare_optimal().solve()
    assert sol.value == pytest.approx(exact, abs=1e-8)
    assert sol.certificate.ok()
    assert by_label.state_prior.tolist() == [0.3, 0.7]
    assert abs(misread.greedy("welfare").value - exact) > 1e-3


def test_bdhn_mismatched_labels_are_named():
    with pytest.raises(om.InputError, match=r"type_probs: unknown labels \['5'\]"):
        om.InformationSeller([1, 2, 3], pd.Series({5: 0.5, 1: 0.2, 2: 0.3}))
    with pytest.raises(om.InputError, match=r"state_prior: unknown labels \['2'\]"):
        om.InformationSeller([1, 2, 3], [0.2, 0.3, 0.5], pd.Series({2: 0.7, 0: 0.3}))


# ---------------------------------------------------------------------- GLP
def test_glp_reversed_labels_give_the_positional_answer():
    econ = om.PersonalDataEconomy([1, 2], pd.Series({2: 0.6, 1: 0.4}), pd.Series({2: 0.3, 1: 0.3}),
                                  gamma_u=1.0)
    sol = econ.platform_problem(pd.Series({2: 0.3, 1: 0.4})).solve()
    assert sol.value == pytest.approx(0.3, abs=1e-9)  # gamma_u min(q1, q2)
    with pytest.raises(om.InputError, match=r"mass: unknown labels \['3'\]"):
        om.PersonalDataEconomy([1, 2], pd.Series({3: 0.6, 1: 0.4}), [0.3, 0.3])


# ---------------------------------------------------------------------- games and mechanisms
def test_bbm_segmentation_market_is_read_by_value():
    by_label = om.segmentation([1, 2, 3], pd.Series({3: 0.5, 2: 0.3, 1: 0.2})).solve()
    by_position = om.segmentation([1, 2, 3], [0.2, 0.3, 0.5]).solve()
    # BBM: profit stays at the uniform-price profit max_p p D(p) = max(1, 1.6, 1.5) = 1.6 and the
    # surplus frontier gives consumers E[v] - 1.6 = 2.3 - 1.6 = 0.7
    assert by_label.value == pytest.approx(by_position.value, abs=1e-9)
    assert by_label.value == pytest.approx(0.7, abs=1e-8)
    with pytest.raises(om.InputError, match=r"market: unknown labels \['4'\]"):
        om.segmentation([1, 2, 3], pd.Series({4: 0.5, 2: 0.3, 1: 0.2}))


def test_mechanism_and_game_priors_are_read_by_label():
    env_pos = om.MechanismEnvironment.single_item([[1, 2]], prior={"b1": [0.25, 0.75]})
    env_lab = om.MechanismEnvironment.single_item([[1, 2]], prior={"b1": pd.Series({2: 0.75, 1: 0.25})})
    # one buyer, values 1 (1/4) and 2 (3/4): post price 2 -> 1.5, price 1 -> 1
    assert om.mechanism_design(env_lab).solve().value == pytest.approx(1.5, abs=1e-8)
    assert om.mechanism_design(env_pos).solve().value == pytest.approx(1.5, abs=1e-8)
    with pytest.raises(om.InputError, match="unknown type 3"):
        om.MechanismEnvironment.single_item([[1, 2]], prior={"b1": pd.Series({3: 0.75, 1: 0.25})})
    g = om.FiniteGame(["r"], {"r": ["a", "b"]}, {"r": [[1.0, 0.0], [0.0, 1.0]]}, states=["x", "y"],
                      prior=pd.Series({"y": 0.7, "x": 0.3}))
    assert g.prior.tolist() == [0.3, 0.7]
    with pytest.raises(om.InputError, match="prior"):
        om.FiniteGame(["r"], {"r": ["a", "b"]}, {"r": [[1.0, 0.0], [0.0, 1.0]]}, states=["x", "y"],
                      prior=pd.Series({"z": 0.7, "x": 0.3}))
