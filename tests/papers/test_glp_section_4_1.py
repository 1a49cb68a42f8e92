"""GLP Section 4.1 example: every entry of spec §A.8's table (E1–E6), Lindahl prices, the CE cases
of Appendix B.2 and the corrected Appendix B.1 numbers (spec §A.10)."""

import numpy as np
import pytest

import optmarkets as om

# id: (qbar1, rbar, gamma_u)  — qbar2 = 1 - qbar1, Omega = A = {1, 2}, gamma_pi = 0
ROWS = {"E1": (.30, .5, .3), "E2": (.30, .3, .8), "E3": (.40, .8, 2.0), "E4": (.35, .4, .6),
        "E5": (.35, .6, .9), "E6": (.30, .7, .3)}

# spec §A.8 table: W° = W†, V(q°), high-trade CE (q*, W) or None, monopsony p, data-union p,
# mu, lambda(2|1) (None: any), SW° (None: not printed), SW_H (true; None: no high-trade CE), SW•
TABLE = {
    "E1": (.59, .09, None, (.5, -.5), (.59, -.124286), (.3, 0), .8, None, None, 1.79),
    "E2": (.66, .24, ((.3, .7), .54), (.3, -.7), (.66, .06), (1.2, 0), 1.5, 1.26, 1.94, 1.94),
    "E3": (1.36, .80, ((.4, .5), 1.28), (.8, -.2), (1.36, .426667), (1.4, 0), 2.2, 2.16, 2.28, 2.40),
    "E4": (.68, .21, ((.35, .65), .56), (.4, -.6), (.68, -.043077), (.8, 0), 1.2, 1.38, 1.86, 1.86),
    "E5": (.845, .315, ((.35, .583333), .705), (.6, -.4), (.845, .029615), (.7, 0), 1.3, 1.545, 1.871667, 1.965),
    "E6": (.70, 0.0, None, (.7, .7), (0, 0), (0, 0), None, None, None, 1.79),
}
TOL = 1e-6


def economy(qbar1, rbar, gamma_u):
    return om.PersonalDataEconomy([1, 2], [qbar1, 1 - qbar1], [rbar, rbar], gamma_u=gamma_u, gamma_pi=0.0)


@pytest.fixture(scope="module")
def solved():
    """Every E-row solved once: SB, FB, monopsony, data union, the SW planner, the CE enumeration."""
    out = {}
    for key, row in ROWS.items():
        econ = economy(*row)
        out[key] = dict(econ=econ, sb=econ.second_best().solve(), fb=econ.first_best().solve(),
                        mono=econ.monopsony_problem().solve(), union=econ.data_union_problem().solve(),
                        sw=econ.second_best(social=True).solve(), ce=econ.competitive_equilibria())
    return out


@pytest.mark.parametrize("key", ROWS)
def test_constrained_and_first_best_welfare(solved, key):
    qbar1, rbar, gamma_u = ROWS[key]
    s = solved[key]
    assert s["sb"].value == pytest.approx(TABLE[key][0], abs=TOL)
    assert s["fb"].value == pytest.approx(TABLE[key][0], abs=TOL)  # W° = W† when gamma_pi = 0
    # closed form of Section 4.1: q° = (qbar1, qbar1), W° = rbar + qbar1 (1 + gamma_u - 2 rbar), or no trade
    trade = rbar < (1 + gamma_u) / 2
    assert s["sb"].value == pytest.approx(rbar + qbar1 * (1 + gamma_u - 2 * rbar) if trade else rbar, abs=1e-9)
    np.testing.assert_allclose(s["sb"]["q"], [qbar1, qbar1] if trade else [0, 0], atol=1e-9)
    if trade:  # x°(1|w) = 1
        np.testing.assert_allclose(s["sb"]["x"].loc[1], [1, 1], atol=1e-9)


@pytest.mark.parametrize("key", ROWS)
def test_platform_value_at_second_best(solved, key):
    assert solved[key]["sb"]["platform_value"] == pytest.approx(TABLE[key][1], abs=TOL)


@pytest.mark.parametrize("key", ROWS)
def test_high_trade_competitive_equilibrium(solved, key):
    ce = solved[key]["ce"]
    trade = ce[ce["q"].map(lambda q: q.sum() > 1e-9)]
    expected = TABLE[key][2]
    if expected is None:
        assert trade.empty
        return
    assert len(trade) == 1
    np.testing.assert_allclose(trade["q"].iloc[0], expected[0], atol=TOL)
    assert trade["welfare"].iloc[0] == pytest.approx(expected[1], abs=TOL)
    # Case 2 closed form: q* = (qbar1, min(qbar2, qbar1/rbar)), W = qbar1 (1 + gamma_u) + rbar (qbar2 - qbar1/rbar)^+
    qbar1, rbar, gamma_u = ROWS[key]
    q2 = min(1 - qbar1, qbar1 / rbar)
    np.testing.assert_allclose(trade["q"].iloc[0], [qbar1, q2], atol=1e-9)
    assert trade["welfare"].iloc[0] == pytest.approx(qbar1 * (1 + gamma_u) + rbar * max(1 - qbar1 - qbar1 / rbar, 0),
                                                     abs=1e-9)
    assert trade["welfare"].iloc[0] < solved[key]["sb"].value - 1e-6  # inefficiently high trade


@pytest.mark.parametrize("key", ROWS)
def test_ce_databases_match_appendix_b2(solved, key):
    """B.2's uniqueness claims: E1 only no trade, E2/E3 only high trade, E4/E5 both (Case 3)."""
    _, rbar, gamma_u = ROWS[key]
    qs = {tuple(np.round(q, 6)) for q in solved[key]["ce"]["q"]}
    no_trade = (0.0, 0.0) in qs
    assert no_trade == (gamma_u <= 2 * rbar)  # Cases 1, 3, and E6's efficient no trade
    assert len(qs) == 1 + (rbar < gamma_u <= 2 * rbar)


@pytest.mark.parametrize("key", ROWS)
def test_monopsony_prices_profit_and_consumer_welfare(solved, key):
    mono, sb, econ = solved[key]["mono"], solved[key]["sb"], solved[key]["econ"]
    np.testing.assert_allclose(mono.prices["monopsony"], TABLE[key][3], atol=TOL)
    assert mono.value == pytest.approx(sb.value - econ.reservation_welfare, abs=1e-9)  # Prop. 1
    assert mono["platform_profit"] == pytest.approx(sb.value - econ.reservation_welfare, abs=1e-9)
    assert mono["consumer_welfare"] == pytest.approx(econ.reservation_welfare, abs=1e-9)


@pytest.mark.parametrize("key", ROWS)
def test_data_union_prices_budget_and_welfare(solved, key):
    union, econ = solved[key]["union"], solved[key]["econ"]
    p = union.prices["data_union"].to_numpy()
    np.testing.assert_allclose(p, TABLE[key][4], atol=TOL)
    assert union.value == pytest.approx(TABLE[key][0], abs=TOL)  # Prop. 4: the union reaches W°
    assert union["consumer_welfare"] == pytest.approx(TABLE[key][0], abs=1e-9)
    # budget (corrected, spec §A.10.4): sum_w p(w) qbar(w) = V(q°)
    assert p @ econ.mass == pytest.approx(union["platform_value"], abs=1e-9)
    # participation: every member gets at least r (per capita: p + share sold * E u)
    q, x = union["q"].to_numpy(), union["x"].to_numpy()
    member = p + q / econ.mass * econ.expected_surplus(x) + (1 - q / econ.mass) * econ.outside_option
    assert np.all(member >= econ.outside_option - 1e-9)


@pytest.mark.parametrize("key", ROWS)
def test_first_best_duals(solved, key):
    fb = solved[key]["fb"]
    np.testing.assert_allclose(fb.prices["mu"], TABLE[key][5], atol=TOL)
    lam = fb.prices["lambda"]
    if TABLE[key][6] is not None:
        assert lam.loc[(1, 2)] == pytest.approx(TABLE[key][6], abs=TOL)
        assert lam.loc[(2, 1)] == pytest.approx(0.0, abs=TOL)
    assert (lam >= -1e-12).all()


@pytest.mark.parametrize("key", ROWS)
def test_social_welfare_values(solved, key):
    """SW°, the corrected SW_H and SW• (spec §A.10.1-2)."""
    qbar1, rbar, gamma_u = ROWS[key]
    qbar2 = 1 - qbar1
    s, econ = solved[key], solved[key]["econ"]
    sw_circ, sw_high, sw_bullet = TABLE[key][7:]
    if sw_circ is not None:
        assert s["sb"]["social_welfare"] == pytest.approx(sw_circ, abs=TOL)
        assert s["sb"]["social_welfare"] == pytest.approx(qbar1 * (3 + gamma_u) + rbar * (qbar2 - qbar1), abs=1e-9)
    if sw_high is not None:
        ce = s["ce"][s["ce"]["q"].map(lambda q: q.sum() > 0)].iloc[0]
        sw = econ.welfare(ce["q"], ce["x"], social=True)
        assert sw == pytest.approx(sw_high, abs=TOL)
        q2 = ce["q"][1]
        assert sw == pytest.approx(qbar1 * (3 + gamma_u) + (2 - rbar) * (q2 - qbar1) + rbar * (qbar2 - qbar1), abs=1e-9)
        # the paper's printed SW_H omits the merchant's profit on high types charged a = 2
        printed = qbar1 * (3 + gamma_u) + rbar * max(0.0, qbar2 - qbar1 / rbar)
        assert sw > printed + 1e-3 and sw > s["sb"]["social_welfare"]  # B.1's "SW_H < SW°" is false
        assert sw <= s["sw"].value + 1e-9  # SW_H <= SW• does hold
    assert s["sw"].value == pytest.approx(sw_bullet, abs=TOL)
    assert s["sw"].value == pytest.approx(qbar1 * (gamma_u + 1) + 2 * qbar2, abs=1e-9)  # corrected SW•
    np.testing.assert_allclose(s["sw"]["q"], [qbar1, qbar2], atol=1e-9)  # q• = qbar


@pytest.mark.parametrize("key", [k for k in ROWS if ROWS[k][1] < (1 + ROWS[k][2]) / 2])
def test_lindahl_prices_and_checker(solved, key):
    _, rbar, gamma_u = ROWS[key]
    econ, fb = solved[key]["econ"], solved[key]["fb"]
    P = fb.prices["lindahl"]
    assert P.loc[1, 1] == pytest.approx(gamma_u + 1 - rbar, abs=1e-9)
    assert P.loc[1, 2] == pytest.approx(-(1 - rbar), abs=1e-9)
    assert P.loc[2, 1] == pytest.approx(gamma_u + 1 - rbar, abs=1e-9)  # unused market: dual formula
    assert P.loc[2, 2] == pytest.approx(rbar, abs=1e-9)
    chi = fb["chi"].to_numpy()
    report = econ.check_lindahl(P, chi)
    assert report.ok, report
    # the paper's alternative prices for the unused market, p(2, w) = 0, also support it (spec §A.10.5)
    alt = P.copy()
    alt.loc[2] = 0.0
    assert econ.check_lindahl(alt, chi).ok
    # consumer welfare W† = R + mu.qbar, platform profit 0
    assert fb.value == pytest.approx(econ.reservation_welfare + fb.prices["mu"] @ econ.mass, abs=1e-9)
    assert float(np.sum((econ.platform_payoff - P.to_numpy()) * chi)) == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("key", ["E2", "E4"])
@pytest.mark.parametrize("where,delta,why", [((1, 1), 0.05, "platform"), ((1, 1), -0.05, "consumers"),
                                             ((1, 2), 0.05, "platform"), ((1, 2), -0.05, "consumers")])
def test_lindahl_checker_rejects_perturbed_price(solved, key, where, delta, why):
    econ, fb = solved[key]["econ"], solved[key]["fb"]
    P = fb.prices["lindahl"].copy()
    P.loc[where] += delta
    report = econ.check_lindahl(P, fb["chi"].to_numpy())
    assert not report.ok
    assert any(r.startswith(why) for r in report.reasons), report


def test_lindahl_checker_rejects_second_best_allocation_with_pooling_prices():
    econ = economy(*ROWS["E2"])
    sb = econ.second_best().solve()
    # any per-market prices with zero profit at chi° but a type strictly wanting to sell elsewhere
    P = econ.lindahl_prices([0.0, 0.0])
    report = econ.check_lindahl(P, sb["chi"].to_numpy())
    assert not report.ok and any("profit" in r or "consumers" in r for r in report.reasons)


def test_case_1_price_set_and_checker():
    """E1 (Case 1): no trade with p*=(gamma_u, 0) and every price in (B.2); none outside."""
    qbar1, rbar, gamma_u = ROWS["E1"]
    econ = economy(qbar1, rbar, gamma_u)
    x = np.eye(2)  # x*(w|w) = 1
    assert econ.check_competitive_equilibrium([gamma_u, 0], [0, 0], x).ok
    rng = np.random.default_rng(0)
    for _ in range(20):
        p1 = rng.uniform(-0.2, rbar + 0.2)
        p2 = rng.uniform(-0.2, rbar + 0.2)
        in_b2 = 0 <= p1 <= rbar and max(0, gamma_u - p1) <= p2 <= rbar
        assert econ.check_competitive_equilibrium([p1, p2], [0, 0], x).ok == in_b2, (p1, p2)
    assert econ.platform_optimal_prices([0, 0]).contains([gamma_u, 0])


def test_case_3_no_trade_prices_and_negative_test():
    qbar1, rbar, gamma_u = ROWS["E4"]  # rbar < gamma_u <= 2 rbar
    econ = economy(qbar1, rbar, gamma_u)
    x = np.eye(2)
    assert econ.check_competitive_equilibrium([gamma_u / 2, gamma_u / 2], [0, 0], x).ok
    assert econ.check_competitive_equilibrium([rbar, gamma_u - rbar], [0, 0], x).ok
    report = econ.check_competitive_equilibrium([gamma_u, 0], [0, 0], x)  # type 1 strictly wants to sell
    assert not report.ok
    assert any(r.startswith("consumers: type w=1 gains") for r in report.reasons), report
    # and the Case-2 equilibrium coexists
    q = [qbar1, min(1 - qbar1, qbar1 / rbar)]
    xq = np.array([[1, q[0] / q[1]], [0, 1 - q[0] / q[1]]])
    assert econ.check_competitive_equilibrium([gamma_u, 0], q, xq).ok


def test_case_2_is_unique_and_checker_explains_failures():
    qbar1, rbar, gamma_u = ROWS["E2"]
    econ = economy(qbar1, rbar, gamma_u)
    q = np.array([qbar1, min(1 - qbar1, qbar1 / rbar)])
    xq = np.array([[1, q[0] / q[1]], [0, 1 - q[0] / q[1]]])
    assert econ.check_competitive_equilibrium([gamma_u, 0], q, xq).ok
    bad = econ.check_competitive_equilibrium([gamma_u + 0.1, 0], q, xq)
    assert any(r.startswith("platform: profit") for r in bad.reasons), bad
    bad = econ.check_competitive_equilibrium([gamma_u - 0.1, 0], q, xq)
    assert any(r.startswith("platform: buying more") for r in bad.reasons) or \
        any(r.startswith("platform: profit") for r in bad.reasons), bad
    # the Section 4.1 mechanism for q1 > q2 breaks obedience (spec §A.10.3)
    q = np.array([0.3, 0.1])
    paper_x = np.array([[0.1 / 0.3, 1.0], [1 - 0.1 / 0.3, 0.0]])
    bad = econ.check_competitive_equilibrium([gamma_u, 0], q, paper_x)
    assert any("disobeys" in r for r in bad.reasons), bad
    sol = econ.platform_problem(q).solve()
    np.testing.assert_allclose(sol["x"].loc[1], [1, 1], atol=1e-9)  # corrected: x(1|w) = 1
    assert not econ.check_competitive_equilibrium([gamma_u, 0], [0, 0], np.eye(2)).ok  # no-trade fails


def test_case_4_continuum_of_trade_equilibria():
    qbar1, rbar = 0.3, 0.5
    econ = economy(qbar1, rbar, rbar)  # gamma_u = rbar
    for q1 in (0.05, 0.15, 0.3):
        q = np.array([q1, min(1 - qbar1, q1 / rbar)])
        xq = np.array([[1, q[0] / q[1]], [0, 1 - q[0] / q[1]]])
        assert econ.check_competitive_equilibrium([rbar, 0], q, xq).ok, q1
        assert econ.ce_supportable(q)


@pytest.mark.parametrize("key", [k for k in ROWS if ROWS[k][1] < (1 + ROWS[k][2]) / 2])
def test_second_best_database_is_never_ce_supportable(solved, key):
    econ, sb = solved[key]["econ"], solved[key]["sb"]
    assert not econ.ce_supportable(sb["q"].to_numpy())
    # and the paper's Case 1 no-trade database is supportable iff gamma_u <= 2 rbar
    _, rbar, gamma_u = ROWS[key]
    assert econ.ce_supportable([0, 0]) == (gamma_u <= 2 * rbar)


def test_section_4_1_instance_files_reproduce():
    from optmarkets.app.reproduce import reproduce

    table = reproduce(match="glp-section-4-1-e")
    assert len(table) >= 6 * 8
    assert table["match"].all(), table[~table["match"]]
    corrected = table[table["source"] == "corrected"]
    assert len(corrected) >= 3 and corrected["note"].str.len().gt(20).all()


def test_cli_solves_an_instance_file(capsys):
    from optmarkets.app import cli

    assert cli.main(["solve", "glp-section-4-1-e2", "--problem", "sb_kkt"]) == 0
    out = capsys.readouterr().out
    assert "value = 0.66 welfare" in out and "price psi" in out
