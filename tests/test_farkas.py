"""Exact Farkas certificates of infeasible LPs and exact rays of unbounded ones (issue 25, item 1).

Every certificate is checked twice: by the library (`verified`) and here, with Fractions and data the
test builds itself (the random LPs' own matrices; for the mechanism, each family's affine map read off
its cvxpy expressions at unit points), so no optmarkets code takes part in the re-check."""

from __future__ import annotations

from fractions import Fraction

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.core.errors import CapabilityError, InfeasibleError
from optmarkets.solvers.farkas import render


def infeasibility(model: om.Model) -> InfeasibleError:
    with pytest.raises(om.InfeasibleError) as info:
        model.solve()
    return info.value


# --------------------------------------------------------------------------- (a) toys worked by hand
def test_two_family_toy_certificate_is_the_hand_one():
    # x >= 1 ("floor") and x <= 0 ("cap"): 1 * (x - 1) + 1 * (0 - x) = -1 >= 0, i.e. 0 >= 1
    m = om.Model("toy", sense="min")
    x = m.variable("x", 1)
    m.constrain("floor", family(x, ">=", 1.0))
    m.constrain("cap", family(x, "<=", 0.0))
    m.minimize(cp.sum(x))
    cert = infeasibility(m).farkas()
    assert cert.verified and cert.reason == ""
    assert {k: list(v) for k, v in cert.multipliers.items()} == {"floor": [Fraction(1)], "cap": [Fraction(1)]}
    assert all(type(w) is Fraction for s in cert.multipliers.values() for w in s)
    assert cert.delta == Fraction(1)
    text = cert.explain()
    assert "1 x floor[0]" in text and "+ 1 x cap[0]" in text and text.endswith("=> 0 >= 1")
    assert render(infeasibility(m)) == text


def test_a_variable_domain_carries_weight():
    # x >= 0 (its domain) and x <= -1/2: 1 * (-1/2 - x) + 1 * x = -1/2, i.e. 0 >= 1/2
    m = om.Model("domain", sense="min")
    x = m.variable("x", 1, nonneg=True)
    m.constrain("cap", family(x, "<=", -0.5))
    m.minimize(cp.sum(x))
    cert = infeasibility(m).farkas()
    assert cert.verified and cert.delta == Fraction(1, 2)
    assert list(cert.multipliers) == ["cap", "x >= 0"]
    assert list(cert.multipliers["cap"]) == [1] and list(cert.multipliers["x >= 0"]) == [1]
    assert "1 x (x[0] >= 0)" in cert.explain()


def test_an_equality_row_enters_with_its_sign_and_labels():
    # x_a + x_b == -1 and x_a, x_b >= 0 (a labelled family): -1 * (x_a + x_b + 1) + x_a + x_b = -1
    labels = pd.Index(["a", "b"], name="good")
    m = om.Model("signed", sense="min")
    x = m.variable("x", 2, index=labels)
    m.constrain("total", family(cp.sum(x), "==", -1.0))
    m.constrain("floors", family(x, ">=", [0.0, 0.0], labels))
    m.minimize(cp.sum(x))
    cert = infeasibility(m).farkas()
    assert cert.verified and cert.delta == 1
    assert list(cert.multipliers["total"]) == [Fraction(-1)]
    floors = cert.multipliers["floors"]
    assert list(floors.index) == ["a", "b"] and list(floors) == [1, 1]
    assert "- 1 x total[0]" in cert.explain()


# --------------------------------------------------------------------------- (b) Myerson-Satterthwaite
BUYER, SELLER = [1, 3, 5], [0, 2, 4]  # uniform, independent; trade is efficient iff value > cost


def bilateral_trade(budget: str | None) -> om.Model:
    env = om.MechanismEnvironment(
        agents={"buyer": BUYER, "seller": SELLER}, outcomes=["none", "trade"],
        prior={"buyer": [1 / 3] * 3, "seller": [1 / 3] * 3},
        values={"buyer": np.array([[0.0, v] for v in BUYER]), "seller": np.array([[0.0, -c] for c in SELLER])})
    m = om.mechanism_design(env, "revenue", ic="bayesian", ir="interim", budget=budget)
    efficient = np.array([[1.0 if v > c else 0.0 for c in SELLER] for v in BUYER]).reshape(-1)
    m.constrain("efficiency", family(m.var("allocation")[:, 1], "==", efficient, env.profiles))
    return m


def test_myerson_satterthwaite_deficit_by_hand():
    # By hand: trade probabilities Q_b = (1/3, 2/3, 1), Q_s = (1, 2/3, 1/3). The buyer pays at most
    # P(1) = 1/3, P(3) = 1/3 + 3 (1/3) = 4/3, P(5) = 4/3 + 5 (1/3) = 3 (IR at 1, downward IC), mean 14/9;
    # the seller gets at least R(4) = 4/3, R(2) = 4/3 + 2 (1/3) = 2, R(0) = 2, mean 16/9. So every
    # efficient, BIC, interim-IR mechanism runs an expected deficit of at least 2/9, and budget balance fails.
    sol = bilateral_trade(None).solve()
    assert sol.value == pytest.approx(-2 / 9, abs=1e-9)


def affine_rows(expr: cp.Expression, variables: list[cp.Variable]) -> tuple[list[dict], list[Fraction]]:
    """The rows of the affine `expr` (flattened in C order) as ({(variable, C position): coefficient},
    constant), read off its values at 0 and at each unit point, as Fractions (the data are ratios of
    small integers)."""
    def frac(v: float) -> Fraction:
        return Fraction(v).limit_denominator(10_000)

    def value() -> np.ndarray:
        return np.asarray(expr.value, float).reshape(-1)

    for v in variables:
        v.value = np.zeros(v.shape)
    base = value()
    rows: list[dict] = [{} for _ in base]
    for v in variables:
        for pos in range(v.size):
            point = np.zeros(v.size)
            point[pos] = 1.0
            v.value = point.reshape(v.shape)
            for k, coef in enumerate(value() - base):
                if coef != 0:
                    rows[k][(v.name(), pos)] = frac(coef)
        v.value = np.zeros(v.shape)
    return rows, [frac(b) for b in base]


def test_myerson_satterthwaite_certificate_is_verified_twice():
    m = bilateral_trade("balanced")
    error = infeasibility(m)
    cert = error.farkas()
    assert cert.verified, cert.reason
    assert set(cert.multipliers) >= {"ic", "ir", "budget", "efficiency"}
    ic = cert.multipliers["ic"]
    assert isinstance(ic.index, pd.MultiIndex) and list(ic.index.names) == ["agent", "type", "report"]
    # the independent check: sum of w * slack over the named rows plus the domain terms is a constant < 0
    variables = [m.var("allocation"), m.var("payment")]
    total: dict = {}
    constant = Fraction(0)
    for name, weights in cert.multipliers.items():
        if name == "allocation >= 0":
            for pos, w in enumerate(weights):  # C order of (profile, outcome), the variable's flat order
                assert w >= 0
                total[("allocation", pos)] = total.get(("allocation", pos), 0) + w
            continue
        fam = m.families[name]
        reading = -1 if fam.sense == "<=" else 1  # slack = reading * (lhs - rhs)
        lhs, lhs0 = affine_rows(fam.lhs, variables)
        rhs = np.broadcast_to(np.asarray(fam.rhs.value if isinstance(fam.rhs, cp.Expression) else fam.rhs, float),
                              fam.shape).reshape(-1)
        assert len(weights) == len(lhs)
        for row, b0, b, w in zip(lhs, lhs0, rhs, weights, strict=True):
            if fam.sense != "==":
                assert w >= 0
            for key, a in row.items():
                total[key] = total.get(key, 0) + w * reading * a
            constant += w * reading * (b0 - Fraction(b).limit_denominator(10_000))
    assert all(coef == 0 for coef in total.values())
    assert constant < 0 and -constant == cert.delta
    assert "ic[buyer, 3, 1]" in cert.explain(terms=20) and cert.explain().endswith(f"=> 0 >= {cert.delta}")


# --------------------------------------------------------------------------- (c) random infeasible LPs
def random_infeasible(seed: int) -> tuple[om.Model, dict]:
    """An LP in x >= 0 (n1) and free z (n2) with families "le" (A x + B z <= b), "ge" and "eq",
    made infeasible by one extra "le" row: minus a nonnegative combination of others, its bound 1 short."""
    rng = np.random.default_rng(seed)
    n1, n2 = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    n = n1 + n2
    dens = [1, 2, 3, 4, 5]
    def rand(shape):
        return np.array([[Fraction(int(rng.integers(-6, 7)), int(rng.choice(dens))) for _ in range(shape[1])]
                         for _ in range(shape[0])], dtype=object)
    x0 = np.array([Fraction(int(rng.integers(0, 4))) for _ in range(n1)]
                  + [Fraction(int(rng.integers(-3, 4))) for _ in range(n2)], dtype=object)
    k_le, k_ge, k_eq = (int(v) for v in rng.integers(1, 4, 3))
    data = {"le": rand((k_le, n)), "ge": rand((k_ge, n)), "eq": rand((k_eq, n))}
    rhs = {"le": data["le"] @ x0 + [Fraction(int(rng.integers(0, 3))) for _ in range(k_le)],
           "ge": data["ge"] @ x0 - [Fraction(int(rng.integers(0, 3))) for _ in range(k_ge)],
           "eq": data["eq"] @ x0}
    # rows valid as "row . v <= bound": le as is, ge negated, eq either way; combine a few with weights >= 0
    pool = [(a, b) for a, b in zip(data["le"], rhs["le"], strict=True)]
    pool += [(-a, -b) for a, b in zip(data["ge"], rhs["ge"], strict=True)]
    pool += [(s * a, s * b) for a, b in zip(data["eq"], rhs["eq"], strict=True) for s in (1, -1)]
    weights = [Fraction(int(rng.integers(0, 3))) for _ in pool]
    weights[int(rng.integers(len(pool)))] += 1
    comb = sum(w * a for w, (a, _) in zip(weights, pool, strict=True))
    bound = sum(w * b for w, (_, b) in zip(weights, pool, strict=True))
    data["le"] = np.vstack([data["le"], -comb])  # -comb . v <= -bound - 1 contradicts comb . v <= bound
    rhs["le"] = np.append(rhs["le"], -bound - 1)
    m = om.Model(f"random{seed}", sense="min")
    x = m.variable("x", n1, nonneg=True)
    z = m.variable("z", n2)
    v = cp.hstack([x, z])
    for name, sense in (("le", "<="), ("ge", ">="), ("eq", "==")):
        m.constrain(name, family(data[name].astype(float) @ v, sense, rhs[name].astype(float)))
    m.minimize(cp.sum(x) + cp.sum(z))
    return m, {"data": data, "rhs": rhs, "n1": n1, "n": n}


@pytest.mark.parametrize("seed", range(20))
def test_random_infeasible_lp_certificate_checks_independently(seed):
    m, lp = random_infeasible(seed)
    cert = infeasibility(m).farkas()
    assert cert.verified, cert.reason
    combo = np.array([Fraction(0)] * lp["n"], dtype=object)  # sum of w * slack: coefficients, then constant
    constant = Fraction(0)
    for name, reading in (("le", -1), ("ge", 1), ("eq", 1)):
        weights = cert.multipliers.get(name)
        if weights is None:
            continue
        assert len(weights) == len(lp["rhs"][name])
        for w, a, b in zip(weights, lp["data"][name], lp["rhs"][name], strict=True):
            assert type(w) is Fraction and (name == "eq" or w >= 0)
            combo = combo + w * reading * a
            constant -= w * reading * b
    if "x >= 0" in cert.multipliers:
        domain = list(cert.multipliers["x >= 0"])
        assert len(domain) == lp["n1"] and all(w >= 0 for w in domain)
        combo[:lp["n1"]] = combo[:lp["n1"]] + np.array(domain, dtype=object)
    assert set(cert.multipliers) <= {"le", "ge", "eq", "x >= 0"}
    assert all(c == 0 for c in combo), combo
    assert constant < 0 and -constant == cert.delta
    assert max(abs(w) for k, s in cert.multipliers.items() if k != "x >= 0" for w in s) == 1  # the scaling


# --------------------------------------------------------------------------- (d) unbounded rays
def test_unbounded_ray_of_a_max_is_the_hand_one():
    # max x_a s.t. x_a - x_b <= 1, x >= 0: along d = (1, 1) the row stays put and x_a grows by t
    labels = pd.Index(["a", "b"], name="good")
    m = om.Model("ray", sense="max")
    x = m.variable("x", 2, index=labels, nonneg=True)
    m.constrain("gap", family(x[0] - x[1], "<=", 1.0))
    m.maximize(x[0])
    with pytest.raises(om.UnboundedError) as info:
        m.solve()
    ray = info.value.ray()
    assert ray.verified and ray.reason == ""
    d = ray.direction["x"]
    assert list(d.index) == ["a", "b"] and list(d) == [Fraction(1), Fraction(1)]
    assert ray.slope == Fraction(1)
    # re-checked here: gap's lhs moves by d_a - d_b = 0 <= 0, the domain by d >= 0, the objective by d_a
    assert d["a"] - d["b"] <= 0 and min(d) >= 0 and d["a"] == ray.slope > 0
    assert "x[a] += 1 t" in ray.explain() and render(info.value) == ray.explain()


def test_unbounded_ray_of_a_min_moves_down():
    m = om.Model("down", sense="min")
    y = m.variable("y", 1)
    m.constrain("cap", family(y, "<=", 3.0))
    m.minimize(2 * cp.sum(y))
    with pytest.raises(om.UnboundedError) as info:
        m.solve()
    ray = info.value.ray()
    assert ray.verified and list(ray.direction["y"]) == [Fraction(-1)] and ray.slope == Fraction(-2)


# --------------------------------------------------------------------------- (e) what has no certificate
def test_farkas_on_a_milp_is_a_capability_error():
    m = om.Model("milp", sense="min")
    k = m.variable("k", 1, integer=True)
    m.constrain("between", family(2 * k, "==", 1.0))  # 2k = 1: the LP relaxation is feasible
    m.minimize(cp.sum(k))
    error = infeasibility(m)
    with pytest.raises(CapabilityError, match="integer variables"):
        error.farkas()


def test_farkas_on_a_conic_model_is_a_capability_error():
    m = om.Model("cone", sense="min")
    x = m.variable("x", 2)
    m.constrain("ball", family(cp.norm(x, 2), "<=", 1.0))
    m.constrain("far", family(x[0], ">=", 2.0))
    m.minimize(cp.sum(x))
    with pytest.raises(om.InfeasibleError) as info:
        m.solve(solver="CLARABEL")
    with pytest.raises(CapabilityError, match="not an LP"):
        info.value.farkas()


def test_an_error_without_a_model_has_no_certificate():
    with pytest.raises(CapabilityError, match="holds no model"):
        InfeasibleError("m", "HIGHS", "infeasible").farkas()
    with pytest.raises(CapabilityError, match="holds no model"):
        om.UnboundedError("m", "HIGHS", "unbounded").ray()
    with pytest.raises(CapabilityError, match="only an infeasible or unbounded"):
        render(om.SolverFailedError("m", "HIGHS", "time_limit"))


def test_a_certificate_rounding_breaks_is_solved_exactly_on_its_support():
    # the float weights pushed 1e-6 off (far past any rounding window): no rounding passes the exact check,
    # and the exact solve on their support recovers a certificate with delta = 1, as it solves for
    import importlib

    farkas_module = importlib.import_module("optmarkets.solvers.farkas")
    from optmarkets.solvers.ranging import model_form

    m, _ = random_infeasible(3)
    form = model_form(m)
    rf = farkas_module.RationalForm(form.lp)
    g = farkas_module.float_farkas(form.lp)
    noisy = g * (1 + 1e-6 * np.random.default_rng(0).standard_normal(g.size))
    _, answer, reason = farkas_module.first_rounding(noisy, lambda w: farkas_module.check_farkas(rf, w)[::2])
    assert answer is None and reason
    support = sorted(farkas_module.rounded(noisy))
    exact = farkas_module._repair(rf, noisy, support)
    delta, _, why = farkas_module.check_farkas(rf, exact)
    assert delta == 1, why  # the repair solves for delta = 1 exactly


def test_myerson_satterthwaite_certificate_holds_on_the_mps_file_read_back(tmp_path):
    """The issue's second check: the LP written as MPS (`Model.to_mps`) and read back with highspy, the
    certificate's weights applied to its named rows `family[i]` and columns `variable[j]` in Fractions, with
    no optmarkets code in the check: every column cancels and the constant is -delta < 0. An inequality row's
    slack is fixed by its one finite bound; an equality family's sign (lhs - rhs or rhs - lhs in the file) is
    found by trying both."""
    import itertools

    import highspy

    m = bilateral_trade("balanced")
    cert = infeasibility(m).farkas()
    assert cert.verified
    path = m.to_mps(tmp_path / "ms.mps")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    lp = h.getLp()
    rows = {h.getRowName(i)[1]: i for i in range(lp.num_row_)}
    cols = {h.getColName(j)[1]: j for j in range(lp.num_col_)}
    start, index, value = lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_
    by_row: dict[int, dict[int, Fraction]] = {}
    for j in range(lp.num_col_):
        for k in range(start[j], start[j + 1]):
            by_row.setdefault(index[k], {})[j] = Fraction(value[k]).limit_denominator(10_000)

    def q(v: float) -> Fraction:
        return Fraction(v).limit_denominator(10_000)

    def combine(signs: dict[str, int]) -> tuple[dict[int, Fraction], Fraction]:
        total: dict[int, Fraction] = {}
        constant = Fraction(0)
        for name, weights in cert.multipliers.items():
            if name.endswith(">= 0"):  # a domain: w x_j >= 0
                var = name.split()[0]
                for pos, w in enumerate(weights):
                    total[cols[f"{var}[{pos}]"]] = total.get(cols[f"{var}[{pos}]"], Fraction(0)) + w
                continue
            for pos, w in enumerate(weights):
                i = rows[f"{name}[{pos}]"]
                lo, up = lp.row_lower_[i], lp.row_upper_[i]
                if lo == up:  # an equality: slack = signs[name] * (a x - b)
                    s, b = signs[name], q(lo)
                elif np.isfinite(up):  # a x <= up: slack = up - a x
                    s, b = -1, q(up)
                else:  # a x >= lo: slack = a x - lo
                    s, b = 1, q(lo)
                for j, a in by_row.get(i, {}).items():
                    total[j] = total.get(j, Fraction(0)) + w * s * a
                constant -= w * s * b
        return total, constant

    equalities = [n for n in cert.multipliers if not n.endswith(">= 0") and m.families[n].sense == "=="]
    found = []
    for choice in itertools.product((1, -1), repeat=len(equalities)):
        total, constant = combine(dict(zip(equalities, choice, strict=True)))
        if all(c == 0 for c in total.values()):
            found.append(constant)
    assert found and all(c == -cert.delta for c in found) and cert.delta == Fraction(2, 11)
