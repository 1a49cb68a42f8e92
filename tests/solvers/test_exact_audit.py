"""Audit of exact(): a coefficient of two exact entries is never read as one entry's (its probe ratio can land on
a third entry's factor), and the documented entry point `solvers.exact.exact` refuses bad keywords with an
InputError naming them. Expected values are computed here in Fractions, from the exact data alone."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.solvers.exact import exact

warnings.filterwarnings("ignore")

SMALL = Fraction(1, 3**30)  # denominators no float holds: a float reading of these entries is never exact


def _model(P: list[Fraction], pair: tuple[int, int], single: int) -> om.Model:
    """max x + y s.t. (p_a + p_b) x <= 1, p_single y <= 1."""
    m = om.Model("audit", sense="max")
    x = m.variable("x", 1, nonneg=True)
    y = m.variable("y", 1, nonneg=True)
    p = m.parameter("p", None, exact=np.array(P, dtype=object))
    a, b = pair
    m.constrain("pair", family((p[a] + p[b]) * x, "<=", np.ones(1)))
    m.constrain("single", family(p[single] * y, "<=", np.ones(1)))
    m.maximize(cp.sum(x) + cp.sum(y))
    return m


def _within_half_ulp(q: Fraction, f: float) -> bool:
    return abs(q - Fraction(f)) <= Fraction(math.ulp(f)) / 2


CASES = {
    # p0 = p2: the first probe's ratio is (r0 + r2) / 2 = r1 (the reproducer of the audit)
    "equal entries 0, 2 of 3": ([Fraction(1, 3) + SMALL, Fraction(1, 7), Fraction(1, 3) + SMALL], (0, 2), 1),
    # p3 = 2 p0: the ratio is (r0 + 2 r3) / 3 = r2
    "weights 1:2 on entries 0, 3 of 5": ([Fraction(1, 5) + SMALL, Fraction(2, 9), Fraction(1, 11),
                                          2 * (Fraction(1, 5) + SMALL), Fraction(3, 13)], (0, 3), 4),
    # p1 = p5 with 7 entries: the ratio is r3
    "equal entries 1, 5 of 7": ([Fraction(1, 17), Fraction(2, 3) + SMALL, Fraction(1, 19), Fraction(2, 19),
                                 Fraction(3, 19), Fraction(2, 3) + SMALL, Fraction(5, 7)], (1, 5), 3),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_coefficient_of_two_exact_entries_is_never_read_as_a_third(case):
    P, pair, single = CASES[case]
    cert = _model(P, pair, single).solve().exact()
    assert cert.verified, cert.reason
    true_x = 1 / (P[pair[0]] + P[pair[1]])
    # the single entry's coefficient is confirmed: y = 1 / p_single exactly
    assert cert.primal["y"] == 1 / P[single]
    x = cert.primal["x"]
    # the pair's coefficient is either exact or, as documented, read from its float and counted
    assert x == true_x or cert.stats["unfitted"] >= 1
    assert cert.stats["unfitted"] == 1
    coefficient = float(P[pair[0]]) + float(P[pair[1]])  # the float cvxpy forms
    assert _within_half_ulp(1 / x, coefficient)
    assert cert.value == x + cert.primal["y"]


def test_the_audit_reproducer_is_counted_as_unfitted():
    P = [Fraction(1, 3) + SMALL, Fraction(1, 7), Fraction(1, 3) + SMALL]
    m = om.Model("sum_of_params", sense="max")
    x = m.variable("x", 1, nonneg=True)
    p = m.parameter("p", None, exact=np.array(P, dtype=object))
    m.constrain("cap", family((p[0] + p[2]) * x, "<=", np.ones(1)))
    m.maximize(cp.sum(x) + p[1] * 0)
    cert = m.solve().exact()
    true = 1 / (P[0] + P[2])
    assert true == Fraction(205891132094649, 137260754729768)
    assert cert.value != Fraction(33752887999579, 22501925333053)  # the old reading: g * p1 with the wrong p1
    assert cert.value == true or cert.stats["unfitted"] == 1


def test_single_entry_coefficients_stay_exact():
    """Every coefficient of one entry passes both probes: the optimum is the exact data's."""
    P = [Fraction(1, 3) + SMALL, Fraction(2, 7) + SMALL, Fraction(5, 11) + SMALL]
    m = om.Model("singles", sense="max")
    x = m.variable("x", 3, nonneg=True)
    p = m.parameter("p", None, exact=np.array(P, dtype=object))
    m.constrain("caps", family(cp.hstack([p[k] * x[k] for k in range(3)]), "<=", np.ones(3)))
    m.constrain("total", family(cp.hstack([x[0] + x[1] + x[2]]), "<=", np.array([10.0])))
    m.maximize(p[0] * x[0] + 2 * x[1] + 3 * x[2])
    cert = m.solve().exact()
    assert cert.verified and cert.stats["unfitted"] == 0
    assert cert.value == P[0] / P[0] + 2 / P[1] + 3 / P[2]


# ---------------------------------------------------------------- bad keywords of solvers.exact.exact


@pytest.fixture(scope="module")
def small():
    m = om.Model("b", sense="max")
    x = m.variable("x", 2, nonneg=True)
    m.parameter("q", np.array([1.0, 2.0]))
    m.constrain("c", family(x, "<=", m.param("q")))
    m.maximize(cp.sum(x))
    m.solve()
    return m


@pytest.mark.parametrize(("keywords", "field"), [
    ({"max_basis": "a"}, "max_basis"), ({"max_basis": -1}, "max_basis"), ({"max_basis": 0}, "max_basis"),
    ({"max_basis": 2.0}, "max_basis"), ({"max_basis": True}, "max_basis"),
    ({"max_rows": "5"}, "max_rows"), ({"max_rows": -3}, "max_rows"), ({"max_rows": None}, "max_rows"),
    ({"parameters": {"zz": 1}}, "parameters"), ({"parameters": {"q": [1]}}, "parameters"),
    ({"parameters": {"q": [1, float("nan")]}}, "parameters"), ({"parameters": {"q": ["a", 1]}}, "parameters"),
    ({"parameters": [1, 2]}, "parameters"), ({"parameters": {3: [1, 2]}}, "parameters"),
])
def test_bad_keywords_are_input_errors_naming_the_field(small, keywords, field):
    with pytest.raises(om.InputError, match=field):
        exact(small, **keywords)


def test_good_keywords_still_give_the_exact_optimum(small):
    assert exact(small, max_basis=np.int64(5), max_rows=100).value == Fraction(3)
    cert = exact(small, parameters={"q": [Fraction(1, 3), 0.25]})
    assert cert.verified and cert.value == Fraction(1, 3) + Fraction(1, 4)
    assert exact(small, parameters={}).value == Fraction(3)  # the model's own values
    assert small.value_of("q").tolist() == [1.0, 2.0]  # the model keeps its values
