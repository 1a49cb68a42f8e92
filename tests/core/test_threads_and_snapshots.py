"""Issue 23, items 1, 2 and 4: bound copies solved from threads give their serial answers; a Solution
describes the program it solved whatever happens to its model later; a derived parameter (the
segmentation's "uniform" profit floor) follows the market it is derived from."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import optmarkets as om
import optmarkets.solvers as layer
from optmarkets.games import FiniteGame, correlated_equilibrium

PRIORS = ([0.9, 0.1], [0.7, 0.3], [0.55, 0.45], [0.2, 0.8])
# Kamenica-Gentzkow: the judge convicts when P(guilty) >= 1/2; the prosecutor's value is min(1, 2 P(guilty))
KG_VALUE = [min(1.0, 2 * p[1]) for p in PRIORS]


def kg():
    return om.persuasion(["i", "g"], [0.7, 0.3], ["a", "c"], [[1, 0], [0, 1]], [[0, 1], [0, 1]])


def test_bound_copies_from_four_threads_give_the_serial_answers(monkeypatch):
    real = layer.execute

    def slow_execute(*args, **kwargs):  # widens the window between writing the parameters and solving
        time.sleep(0.002)
        return real(*args, **kwargs)

    monkeypatch.setattr(layer, "execute", slow_execute)
    base = kg()
    for _ in range(10):  # before the fix, 5 of 200 came back with another copy's answer (most, slowed down)
        clones = [base.bind(prior=p) for p in PRIORS]
        with ThreadPoolExecutor(4) as pool:
            sols = list(pool.map(lambda c: c.solve(), clones))
        assert [s.value for s in sols] == pytest.approx(KG_VALUE, abs=1e-9)
        for s, p in zip(sols, PRIORS):
            assert s.certificate.ok()
            assert s["policy"].loc["g", "c"] == pytest.approx(1.0, abs=1e-9)  # the guilty are always convicted
            assert np.asarray(s.parameters["prior"]) == pytest.approx(p)


def test_exact_and_price_ranges_from_threads_match_serial():
    base = kg()
    sols = [base.bind(prior=p).solve() for p in PRIORS]
    serial = [s.exact().value for s in sols]
    assert serial[0] == Fraction(1, 5) and serial[-1] == 1
    with ThreadPoolExecutor(4) as pool:
        exact = list(pool.map(lambda s: s.exact(), sols * 3))
        ranges = list(pool.map(lambda s: s.price_ranges("consistency"), sols * 2))
    assert [e.value for e in exact] == serial * 3 and all(e.verified for e in exact)
    for frame, sol in zip(ranges, sols * 2):
        assert frame["price"].to_numpy() == pytest.approx(np.asarray(sol.prices["consistency"]), abs=1e-9)


U_ROW = np.array([[6.0, 2.0], [7.0, 0.0]])  # Chicken: welfare 10.5 at the best CE, 36/5 at the worst


def chicken_ce():
    g = FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": U_ROW, "col": U_ROW.T})
    return correlated_equilibrium(g, objective="welfare")


def test_solution_describes_the_program_it_solved_after_the_objective_changes():
    m = chicken_ce()
    sol = m.solve()
    assert sol.value == pytest.approx(10.5)
    m.minimize(m.objective)  # now the welfare-minimising CE: 36/5
    assert m.solve().exact().value == Fraction(36, 5)
    cert = sol.exact()  # was 36/5 "verified" while sol.value was 10.5
    assert cert.value == Fraction(21, 2) and cert.verified
    ranges = sol.price_ranges("consistency")
    assert ranges["price"].iloc[0] == pytest.approx(10.5, abs=1e-9)  # the max program's value per unit mass


def test_solution_keeps_its_parameters_after_the_model_is_set_again():
    m = kg()
    sol = m.solve()
    m.set(prior=[0.9, 0.1])
    assert sol.exact().value == Fraction(3, 5)  # 2 * 0.3, the prior it was solved at
    assert m.solve().exact().value == Fraction(1, 5)


def test_solution_keeps_its_families_after_one_is_added():
    from optmarkets.core.family import family

    m = kg()
    sol = m.solve()
    m.constrain("cap", family(m.var("mu")[3], "<=", 0.1))  # mu[guilty, convict] (flat: state, action) <= 0.1
    assert m.solve().value == pytest.approx(0.2)
    assert sol.exact().value == Fraction(3, 5)
    assert "cap" not in sol.price_ranges("consistency").index.names


def yang_broker():
    """Yang's broker, 3 values x 2 costs: an LP with two optimal dual vertices (IR prices -1/4, -3/4 or 0, -1)."""
    return om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])


def exact_prices_are_the_float_prices(sol, ex, names):
    return all(np.allclose([float(e) for e in ex.prices[n]], np.asarray(sol.prices[n], float), atol=1e-9)
               for n in names)


def test_exact_starts_from_the_basis_of_its_own_solve_not_the_models_last():
    """sol.exact() proves the vertex sol reports, whatever the model solves later: before the fix it started from
    the basis of the model's last solve (at other data) and proved the other optimal dual vertex, IR (0, -1)."""
    m = yang_broker().mechanism_problem()
    sol = m.solve()
    m.set(outside=[0.3, 0.1])
    m.solve()
    ex = sol.exact()
    assert ex.verified and ex.value == Fraction(11, 24) == Fraction(sol.value).limit_denominator(1000)
    assert [str(p) for p in ex.prices["IR"]] == ["-1/4", "-3/4"]
    assert exact_prices_are_the_float_prices(sol, ex, ("IR", "IC"))


def test_exact_from_eight_threads_proves_each_solutions_own_vertex():
    """Bound copies of one HS mechanism solved and exact()-ed on 8 threads: each exact certificate's prices are its
    own solution's (before the fix, 14 of 40 were another copy's vertex, verified)."""
    seller = om.MultiProductSeller(valuations=pd.DataFrame({"L": [0.75, 1.0], "H": [1.0, 2.0]}, index=["t1", "t2"]))
    model = seller.optimal_mechanism(market=[0.25, 0.75])
    points = [0.21875694, 0.5, 0.91618078, 0.11503874, 0.3, 0.7, 0.6, 0.4]

    def work(p):
        sol = model.bind(market=[p, 1 - p]).solve()
        return sol, sol.exact()

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(work, points * 4))
    assert all(ex.verified and exact_prices_are_the_float_prices(sol, ex, ("IC", "IR")) for sol, ex in done)


def test_an_array_written_after_set_changes_neither_model_nor_solution():
    """The model keeps its own copy of a parameter value: the caller reusing its array (no re-solve) leaves sol and
    its exact() at the program solved (KG: V = min(1, 2 P(guilty)) = 3/5 at P(guilty) = 0.3)."""
    m = kg()
    arr = np.array([0.7, 0.3])
    m.set(prior=arr)
    sol = m.solve()
    arr[:] = [0.4, 0.6]
    assert list(sol["prior"]) == [0.7, 0.3] and list(m.value_of("prior")) == [0.7, 0.3]
    assert sol.exact().value == Fraction(3, 5)
    assert sol.price_ranges("consistency")["right"].to_numpy() == pytest.approx([0.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        m.value_of("prior")[0] = 0.5


# ------------------------------------------------------------------------------------ derived parameters
def bbm_bound(values, market):
    """BBM: with the uniform-price profit as floor, the best segmentation for consumers leaves the
    seller that profit and trades efficiently: CS = E[v] - max_p p * P(v >= p)."""
    v, q = np.asarray(values, float), np.asarray(market, float)
    return float(v @ q - np.max(v * q[::-1].cumsum()[::-1]))


@pytest.mark.parametrize("market", [[0.1, 0.1, 0.8], [0.5, 0.3, 0.2], [0.2, 0.5, 0.3]])
def test_segmentation_floor_follows_the_prior_it_is_derived_from(market):
    m = om.segmentation([1, 2, 3], [1 / 3] * 3)
    assert m.solve().value == pytest.approx(bbm_bound([1, 2, 3], [1 / 3] * 3))
    m.set(prior=market)
    assert m.value_of("profit_floor") == pytest.approx(np.max(np.array([1, 2, 3]) * np.cumsum(market[::-1])[::-1]))
    assert m.solve().value == pytest.approx(bbm_bound([1, 2, 3], market), abs=1e-9)
    bound = om.segmentation([1, 2, 3], [1 / 3] * 3).bind(prior=market)
    assert bound.solve().value == pytest.approx(bbm_bound([1, 2, 3], market), abs=1e-9)


def test_segmentation_floor_set_directly_stays_as_given():
    m = om.segmentation([1, 2, 3], [0.1, 0.1, 0.8])
    m.set(profit_floor=0.5)
    m.set(prior=[1 / 3] * 3)
    assert float(m.value_of("profit_floor")) == 0.5
    with pytest.raises(om.InputError, match="profit_floor"):
        m.set(profit_floor=-1.0)


# ------------------------------------------------------------------------------------ knobs (issue 23, item 10)
@pytest.mark.parametrize("max_rows", [float("nan"), "x", 0, -1, True, 2.5])
def test_exact_max_rows_is_a_whole_number(max_rows):
    sol = kg().solve()
    with pytest.raises(om.InputError, match="max_rows: must be a whole number >= 1"):
        sol.exact(max_rows=max_rows)
    assert sol.exact(max_rows=10).verified


@pytest.mark.parametrize("call, message", [
    (lambda s: s.price_ranges(["x"]), "name: must be the name of a constraint family"),
    (lambda s: s.price_ranges("consistency", rows=3), "rows: must be a list of row labels"),
    (lambda s: s.price_ranges("consistency", rows="i"), "rows: must be a list of row labels"),
    (lambda s: s.price_ranges("nope"), "name: 'nope' is not a constraint family"),
])
def test_price_ranges_arguments_are_named(call, message):
    with pytest.raises(om.InputError, match=message):
        call(kg().solve())
