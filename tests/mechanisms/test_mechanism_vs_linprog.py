"""Random environments against the same LP written directly (plain loops) for scipy's HiGHS."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from optmarkets.mechanisms import MechanismEnvironment, audit, mechanism_design

MODES = [("bayesian", "interim", None), ("ex_post", "ex_post", None), ("dominant", "ex_post", None),
         ("bayesian", "ex_ante", "no_subsidies"), ("dominant", "interim", None)]


def random_env(rng, n, correlated, interdependent):
    sizes = tuple(int(k) for k in rng.integers(2, 4, n))
    O = int(rng.integers(2, 4))
    agents = {f"a{i}": [f"t{j}" for j in range(k)] for i, k in enumerate(sizes)}
    values = {a: rng.uniform(0, 3, (*sizes, O) if interdependent and i == 0 else (sizes[i], O))
              for i, a in enumerate(agents)}
    if correlated:
        prior = rng.dirichlet(np.ones(int(np.prod(sizes)))).reshape(sizes)
    else:
        prior = {a: rng.dirichlet(np.ones(k)) for a, k in zip(agents, sizes)}
    return MechanismEnvironment(agents, [f"o{j}" for j in range(O)], prior, values)


def direct_lp(env, ic, ir, budget, outside):
    """max E[sum_i t_i] over z = (x (P*O), t (P*n)); written profile by profile with loops."""
    sizes, n, O = env.sizes, len(env.agents), len(env.outcomes)
    profs = list(itertools.product(*[range(k) for k in sizes]))
    P = len(profs)
    pid = {p: j for j, p in enumerate(profs)}
    q = env.prior.ravel()
    N = P * O + P * n

    def val(i, true):
        return env.value[env.agents[i]][pid[true]]

    def u(i, true, rep):  # coefficient vector of agent i's utility
        c = np.zeros(N)
        c[pid[rep] * O: pid[rep] * O + O] = val(i, true)
        c[P * O + pid[rep] * n + i] = -1
        return c

    def sub(p, i, a):
        p = list(p)
        p[i] = a
        return tuple(p)

    A, b, Aeq, beq = [], [], [], []
    for i in range(n):
        others = list(itertools.product(*[range(k) for j, k in enumerate(sizes) if j != i]))

        def full(a, s, i=i):
            s = list(s)
            return tuple(a if j == i else s.pop(0) for j in range(n))

        for a in range(sizes[i]):
            marg = sum(q[pid[full(a, s)]] for s in others)
            for r in range(sizes[i]):
                if r == a:
                    continue
                if ic == "bayesian":
                    row = sum(q[pid[full(a, s)]] / marg * (u(i, full(a, s), full(r, s)) - u(i, full(a, s), full(a, s)))
                              for s in others)
                    A.append(row)
                    b.append(0)
                else:
                    for s in others:
                        reps = others if ic == "dominant" else [s]
                        for rr in reps:
                            A.append(u(i, full(a, s), full(r, rr)) - u(i, full(a, s), full(a, rr)))
                            b.append(0)
            if ir == "interim":
                A.append(-sum(q[pid[full(a, s)]] / marg * u(i, full(a, s), full(a, s)) for s in others))
                b.append(-outside)
        if ir == "ex_post":
            for p in profs:
                A.append(-u(i, p, p))
                b.append(-outside)
        if ir == "ex_ante":
            A.append(-sum(q[pid[p]] * u(i, p, p) for p in profs))
            b.append(-outside)
    for p in profs:
        row = np.zeros(N)
        row[pid[p] * O: pid[p] * O + O] = 1
        Aeq.append(row)
        beq.append(1)
        if budget == "no_subsidies":
            row = np.zeros(N)
            row[P * O + pid[p] * n: P * O + pid[p] * n + n] = -1
            A.append(row)
            b.append(0)
    c = np.zeros(N)
    for p in profs:
        c[P * O + pid[p] * n: P * O + pid[p] * n + n] = -q[pid[p]]
    bounds = [(0, None)] * (P * O) + [(None, None)] * (P * n)
    res = linprog(c, A_ub=np.array(A), b_ub=b, A_eq=np.array(Aeq), b_eq=beq, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return -res.fun


@pytest.mark.parametrize("seed", range(8))
def test_random_environment_matches_direct_lp_and_passes_audit(seed):
    rng = np.random.default_rng(100 + seed)
    n = 2 if seed % 2 == 0 else 3
    env = random_env(rng, n, correlated=seed % 4 < 2, interdependent=seed % 3 == 0)
    outside = float(rng.uniform(0, 0.5))
    for ic, ir, budget in MODES:
        m = mechanism_design(env, "revenue", ic=ic, ir=ir, budget=budget, outside_option=outside)
        sol = m.solve()
        ref = direct_lp(env, ic, ir, budget, outside)
        assert sol.value == pytest.approx(ref, abs=1e-6, rel=1e-7), (ic, ir, budget)
        assert sol["revenue"] == pytest.approx(sol.value, abs=1e-7)
        assert sol.certificate.ok(1e-6)
        report = audit(m, sol, tol=1e-6)
        assert report.ok, report.reasons
        assert (report.table["gain"] <= 1e-6).all()
        # the audit's interim utilities agree with a direct computation for one agent
        if ir == "interim":
            assert (report.table["ir_slack"] >= -1e-6).all()
