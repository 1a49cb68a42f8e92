"""Costly persuasion (issue 26, item 6): persuasion(information_cost="entropy", cost_weight=lam) maximises
E[sender payoff] - lam I(w; a), obedience kept. Checked against a Blahut-Arimoto fixed point (rational
inattention, Matejka-McKay 2015) and an exponential-cone program written here with cvxpy's ExpCone directly,
the Kamenica-Gentzkow prosecutor at lam -> 0, no information at a large lam, and the mutual information
recomputed from sol["mu"]."""

import math

import cvxpy as cp
import numpy as np
import pytest

from optmarkets.core.errors import InputError
from optmarkets.games import persuasion

STATES, ACTIONS = ["innocent", "guilty"], ["acquit", "convict"]
JUDGE = np.array([[1.0, 0.0], [0.0, 1.0]])
PROSECUTOR = np.array([[0.0, 1.0], [0.0, 1.0]])
KG_PRIOR = np.array([0.7, 0.3])

# rational inattention: three states, three actions, the decision maker's own payoff
RI_PRIOR = np.array([0.5, 0.3, 0.2])
RI_PAYOFF = np.array([[1.0, 0.5, 0.0],
                      [0.0, 0.8, 0.3],
                      [0.2, 0.0, 1.0]])


def costly(prior, receiver, sender, lam, states=STATES, actions=ACTIONS):
    return persuasion(states, list(prior), actions, receiver, sender, information_cost="entropy", cost_weight=lam)


def information(mu: np.ndarray, prior: np.ndarray) -> float:
    """I(w; a) in nats from the joint, written out cell by cell (0 log 0 = 0)."""
    marginal = mu.sum(axis=0)
    return sum(mu[w, a] * math.log(mu[w, a] / (prior[w] * marginal[a]))
               for w in range(mu.shape[0]) for a in range(mu.shape[1]) if mu[w, a] > 1e-14)


def blahut_arimoto(prior, payoff, lam, iterations=200_000):
    """Matejka-McKay's fixed point: P(a|w) proportional to m(a) exp(u(w, a) / lam), m(a) = sum_w p(w) P(a|w)."""
    marginal = np.full(payoff.shape[1], 1.0 / payoff.shape[1])
    kernel = np.exp((payoff - payoff.max()) / lam)
    for _ in range(iterations):
        policy = marginal * kernel
        policy /= policy.sum(axis=1, keepdims=True)
        new = prior @ policy
        if np.max(np.abs(new - marginal)) < 1e-15:
            break
        marginal = new
    joint = prior[:, None] * policy
    return joint, float(np.sum(joint * payoff)) - lam * information(joint, prior)


def exp_cone_program(prior, receiver, sender, lam, obedience=True):
    """max sum mu v - lam sum t with (-t, mu, p(w) m(a)) in the exponential cone (t >= mu log(mu / (p m)))."""
    n, k = receiver.shape
    mu, t = cp.Variable((n, k), nonneg=True), cp.Variable((n, k))
    independent = prior[:, None] @ cp.reshape(cp.sum(mu, axis=0), (1, k), order="C")
    cons = [cp.sum(mu, axis=1) == prior, cp.ExpCone(-t, mu, independent)]
    if obedience:  # sum_w mu[w, a] (u[w, a] - u[w, b]) >= 0 for a != b
        cons += [mu[:, a] @ (receiver[:, a] - receiver[:, b]) >= 0 for a in range(k) for b in range(k) if a != b]
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(mu, sender)) - lam * cp.sum(t)), cons)
    prob.solve(solver="CLARABEL")
    return mu.value, prob.value


@pytest.mark.parametrize("lam", [0.1, 0.3, 1.0])
def test_rational_inattention_is_the_blahut_arimoto_fixed_point(lam):
    labels = (["w1", "w2", "w3"], ["a1", "a2", "a3"])
    sol = costly(RI_PRIOR, RI_PAYOFF, RI_PAYOFF, lam, *labels).solve(solver="CLARABEL")
    joint, value = blahut_arimoto(RI_PRIOR, RI_PAYOFF, lam)
    assert sol.value == pytest.approx(value, abs=1e-6)
    assert sol["policy"].to_numpy() == pytest.approx(joint / RI_PRIOR[:, None], abs=1e-4)
    # obedience is slack: the program without it (rational inattention proper) has the same value
    assert exp_cone_program(RI_PRIOR, RI_PAYOFF, RI_PAYOFF, lam, obedience=False)[1] == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("lam", [0.3, 1.0, 3.0])
def test_prosecutor_matches_an_exponential_cone_program(lam):
    sol = costly(KG_PRIOR, JUDGE, PROSECUTOR, lam).solve(solver="CLARABEL")
    mu, value = exp_cone_program(KG_PRIOR, JUDGE, PROSECUTOR, lam)
    assert sol.value == pytest.approx(value, abs=1e-6)
    # the value is flat in mu at the optimum: the measure agrees to about the square root of the gap
    assert np.asarray(sol["mu"]).reshape(2, 2) == pytest.approx(mu, abs=1e-4)
    assert sol["sender_payoff"] == pytest.approx(float(mu[:, 1].sum()), abs=1e-4)
    assert sol.value < 0.6 - 1e-3  # information costs something: below the cost-free 0.6
    # obedience binds here: without it the sender would do better
    assert exp_cone_program(KG_PRIOR, JUDGE, PROSECUTOR, lam, obedience=False)[1] > value + 1e-3


def test_small_cost_recovers_the_cost_free_value():
    free = persuasion(STATES, list(KG_PRIOR), ACTIONS, JUDGE, PROSECUTOR).solve().value
    assert free == pytest.approx(0.6, abs=1e-8)
    for lam in (0.0, 1e-7):
        sol = costly(KG_PRIOR, JUDGE, PROSECUTOR, lam).solve(solver="CLARABEL")
        assert sol.value == pytest.approx(0.6, abs=1e-6)
        assert sol["sender_payoff"] == pytest.approx(0.6, abs=1e-6)
    # the KG signal (convict all guilty and 3/7 of the innocent) carries 0.1950 nats: value 0.6 - lam * 0.1950
    kg = np.array([[0.4, 0.3], [0.0, 0.3]])
    assert costly(KG_PRIOR, JUDGE, PROSECUTOR, 1e-3).solve(solver="CLARABEL").value == pytest.approx(
        0.6 - 1e-3 * information(kg, KG_PRIOR), abs=1e-6)


def test_large_cost_buys_no_information():
    sol = costly(KG_PRIOR, JUDGE, PROSECUTOR, 100.0).solve(solver="CLARABEL")
    assert sol["mutual_information"] == pytest.approx(0.0, abs=1e-7)
    assert sol.value == pytest.approx(0.0, abs=1e-6)  # the judge acquits at the prior: the prosecutor gets 0
    ri = costly(RI_PRIOR, RI_PAYOFF, RI_PAYOFF, 100.0, ["w1", "w2", "w3"], ["a1", "a2", "a3"]).solve(solver="CLARABEL")
    assert ri["mutual_information"] == pytest.approx(0.0, abs=1e-7)
    assert ri.value == pytest.approx(max(RI_PRIOR @ RI_PAYOFF), abs=1e-6)  # a1 at the prior: 0.54 (a2: 0.49)


@pytest.mark.parametrize("lam", [0.5, 2.0])
def test_reported_mutual_information_is_the_formula(lam):
    sol = costly(KG_PRIOR, JUDGE, PROSECUTOR, lam).solve(solver="CLARABEL")
    mu = np.asarray(sol["mu"]).reshape(2, 2)
    assert sol["mutual_information"] == pytest.approx(information(mu, KG_PRIOR), abs=1e-9)
    assert sol["mutual_information"] > 0.01
    assert sol.value == pytest.approx(sol["sender_payoff"] - lam * sol["mutual_information"], abs=1e-7)
    # no solver named: the model's default takes exponential cones (HiGHS cannot)
    assert costly(KG_PRIOR, JUDGE, PROSECUTOR, lam).solve().value == pytest.approx(sol.value, abs=1e-7)


def test_prices_and_a_sweep_without_recompiling():
    model = costly(KG_PRIOR, JUDGE, PROSECUTOR, 1.0)
    base = model.solve(solver="CLARABEL")
    h = 1e-4
    for k, state in enumerate(STATES):
        up, down = KG_PRIOR.copy(), KG_PRIOR.copy()
        up[k] += h
        down[k] -= h
        fd = (model.set(prior=up).solve(solver="CLARABEL").value
              - model.set(prior=down).solve(solver="CLARABEL").value) / (2 * h)
        assert base.prices["prior"][state] == pytest.approx(fd, abs=1e-4)
    model.set(prior=KG_PRIOR)
    values = [model.set(cost_weight=lam).solve(solver="CLARABEL").value for lam in (0.5, 1.0, 2.0)]
    assert values == pytest.approx([exp_cone_program(KG_PRIOR, JUDGE, PROSECUTOR, lam)[1] for lam in (0.5, 1.0, 2.0)],
                                   abs=1e-6)
    assert model.compilations == 1


def test_bad_inputs():
    with pytest.raises(InputError, match="information_cost"):
        persuasion(STATES, list(KG_PRIOR), ACTIONS, JUDGE, PROSECUTOR, information_cost="shannon", cost_weight=1.0)
    for bad in (-1.0, float("nan"), float("inf"), "1", True):
        with pytest.raises(InputError, match="cost_weight"):
            costly(KG_PRIOR, JUDGE, PROSECUTOR, bad)
    with pytest.raises(InputError, match="cost_weight"):
        persuasion(STATES, list(KG_PRIOR), ACTIONS, JUDGE, PROSECUTOR, information_cost="entropy")
    with pytest.raises(InputError, match="cost_weight"):
        persuasion(STATES, list(KG_PRIOR), ACTIONS, JUDGE, PROSECUTOR, cost_weight=1.0)
    with pytest.raises(InputError, match="cost_weight"):
        costly(KG_PRIOR, JUDGE, PROSECUTOR, 1.0).set(cost_weight=-2.0)
