"""Bad input to the GLP programs and checkers: each raises an InputError naming the argument; the LP
programs certify themselves."""

import numpy as np
import pytest
from conftest import assert_certified

import optmarkets as om
from optmarkets import InputError


@pytest.fixture
def econ():
    return om.PersonalDataEconomy([1, 2], [0.3, 0.7], [0.3, 0.3], gamma_u=0.8)


@pytest.mark.parametrize("call,field", [
    (lambda e: e.check_competitive_equilibrium([0.8], [0.3, 0.7], np.eye(2)), "prices"),
    (lambda e: e.check_competitive_equilibrium([0.8, np.nan], [0.3, 0.7], np.eye(2)), "prices"),
    (lambda e: e.check_competitive_equilibrium([0.8, 0], [0.3, 0.9], np.eye(2)), "q"),
    (lambda e: e.check_competitive_equilibrium([0.8, 0], [0.3, 0.7], np.eye(3)), "x"),
    (lambda e: e.check_competitive_equilibrium([0.8, 0], [0.3, 0.7], np.eye(2), zeta=[1]), "zeta"),
    (lambda e: e.check_lindahl(np.zeros((2, 3)), np.zeros((2, 2))), "prices"),
    (lambda e: e.check_lindahl(np.zeros((2, 2)), np.zeros(2)), "allocation"),
    (lambda e: e.lindahl_supportable(np.ones((3, 2))), "allocation"),
    (lambda e: e.lindahl_prices([1.0]), "mu"),
    (lambda e: e.welfare([0.3, 0.3], np.eye(3)), "x"),
    (lambda e: e.welfare([-0.1, 0.3], np.eye(2)), "q"),
    (lambda e: e.platform_optimal_prices([0.3, 0.3, 0.1]), "q"),
    (lambda e: e.ce_support_problem([0.4, 0.3]), "q"),
    (lambda e: e.expected_surplus(np.eye(3)), "x"),
    (lambda e: e.platform_optimal_prices([0.3, 0.3]).contains([1.0]), "prices"),
])
def test_bad_input_names_the_field(econ, call, field):
    with pytest.raises(InputError, match=field):
        call(econ)


def test_lp_programs_certify_themselves(econ):
    fb = econ.first_best().solve()
    assert_certified(fb)
    sb = econ.second_best().solve()
    assert_certified(sb)  # the winning disjunctive LP
    assert sb.certificate.max_violation <= 1e-9
    for form in ("disjunctive-milp", "kkt"):
        milp = econ.second_best(form).solve()
        assert milp.certificate.max_violation <= 1e-7  # primal residuals, binaries integral
        assert "cs_z integral" in milp.certificate.violations.index or form != "kkt"


def test_social_first_best_has_no_lindahl_prices_but_its_duals(econ):
    fb = econ.first_best(social=True).solve()
    assert "lindahl" not in fb.prices and {"mu", "lambda"} <= set(fb.prices)
    # the social planner also counts merchant profit: everyone trades, W-dagger(SW) >= SW•
    assert fb.value >= econ.second_best(social=True).solve().value - 1e-9
    assert fb.value == pytest.approx(econ.reservation_welfare + fb.prices["mu"] @ econ.mass, abs=1e-9)


def test_reports_read_like_sentences(econ):
    ok = econ.check_competitive_equilibrium([0.8, 0.0], [0.3, 0.7], [[1, 3 / 7], [0, 4 / 7]])
    assert ok and str(ok) == "a competitive equilibrium"
    bad = econ.check_competitive_equilibrium([0.8, 0.0], [0.0, 0.0], np.eye(2))
    assert not bad and str(bad).startswith("not a competitive equilibrium:\n  - consumers: type w=1")


def test_verdicts_have_ok_and_reasons(econ):
    good = econ.check_lindahl(np.zeros((2, 2)), np.zeros((2, 2)))
    bad = econ.check_competitive_equilibrium([0.8, 0.0], [0.0, 0.0], np.eye(2))
    for verdict in (good, bad):
        assert isinstance(verdict.ok, bool) and isinstance(verdict.reasons, list)
        assert bool(verdict) is verdict.ok and verdict.ok == (not verdict.reasons)
    assert not bad.ok and bad.reasons[0].startswith("consumers: type w=1")


# ---------------------------------------------------------------- names: stable, renamed and deprecated
def test_stable_names_do_not_warn(econ, recwarn):
    econ.platform_problem([0.3, 0.3]), econ.first_best(), econ.second_best(), econ.competitive_prices([0.3, 0.3])
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
    assert econ.first_best().name == econ.first_best_problem().name
    assert econ.second_best().name == econ.second_best_problem().name


@pytest.mark.parametrize("old,new", [("types", "type_index"), ("fees", "fee_index")])
def test_deprecated_label_names(econ, old, new):
    with pytest.warns(DeprecationWarning, match=new):
        labels = getattr(econ, old)
    assert labels.equals(getattr(econ, new))


@pytest.mark.parametrize("old,new", [("monopsony", "monopsony_problem"), ("data_union", "data_union_problem")])
def test_deprecated_leader_programs(econ, old, new):
    with pytest.warns(DeprecationWarning, match=new):
        sol = getattr(econ, old)().solve()
    ref = getattr(econ, new)().solve()
    assert sol.value == ref.value
    np.testing.assert_array_equal(sol["q"], ref["q"])


def test_deprecated_ce_support(econ):
    with pytest.warns(DeprecationWarning, match="ce_support_problem"):
        sol = econ.ce_support([0.3, 0.6]).solve()
    assert sol.value == econ.ce_support_problem([0.3, 0.6]).solve().value


def test_deprecated_lindahl_support(econ):
    chi = econ.first_best().solve()["chi"].to_numpy()
    with pytest.warns(DeprecationWarning, match="lindahl_support_problem"):
        sol = econ.lindahl_support(chi).solve()
    assert sol.value == econ.lindahl_support_problem(chi).solve().value
