"""Shared fixtures: seeded random GLP economies and an independent feasibility re-check."""

import numpy as np
import pytest

import optmarkets as om

CERT_TOL = 1e-7


def random_economy(rng: np.random.Generator, n: int | None = None, *, integer: bool | None = None,
                   gamma_u: float | None = None, gamma_pi: float | None = None) -> om.PersonalDataEconomy:
    """A random GLP economy: integer or real types, Dirichlet masses, r in [0, 1.2 max w]."""
    n = n or int(rng.integers(2, 5))
    integer = bool(rng.integers(2)) if integer is None else integer
    values = np.sort(rng.choice(np.arange(1, 3 * n + 1), n, replace=False)).astype(float) if integer \
        else np.sort(rng.uniform(0.5, 5.0, n))
    mass = rng.dirichlet(np.ones(n))
    r = rng.uniform(0, 1.2 * values.max(), n)
    gu = rng.uniform(0, 2) if gamma_u is None else gamma_u
    gp = rng.uniform(0, 2) if gamma_pi is None else gamma_pi
    return om.PersonalDataEconomy(values, mass, r, gamma_u=gu, gamma_pi=gp)


def random_database(rng, econ) -> np.ndarray:
    return econ.mass * rng.uniform(0.05, 1.0, econ.values.size)


def assert_obedient_and_consistent(econ, chi: np.ndarray, q: np.ndarray, tol: float = 1e-8) -> None:
    """Re-check P_q feasibility with plain loops over (a, a'), independent of the builders."""
    assert np.all(chi >= -tol)
    np.testing.assert_allclose(chi.sum(axis=0), q, atol=tol)
    pi = econ.merchant_profit
    for a in range(len(econ.actions)):
        for b in range(len(econ.actions)):
            if a != b:
                assert (pi[a] - pi[b]) @ chi[a] >= -tol, (a, b)


def assert_certified(sol, tol: float = CERT_TOL) -> None:
    cert = sol.certificate
    assert cert.max_violation <= tol, cert
    assert cert.duality_gap is not None and cert.duality_gap <= tol * max(1.0, abs(sol.value)), cert
    assert cert.dual_infeasibility <= tol and cert.dual_sign <= tol, cert


def every_side_closed(monkeypatch) -> None:
    """Price ranges with every side of every row past the shortcuts (`ranging.row_steps` and
    `ranging._duals_unique`) to the closed-side work (the parametric step, then face LPs)."""
    from optmarkets.solvers import ranging

    real = ranging.row_steps

    def closed(h, lp, rows):
        steps = real(h, lp, rows)
        steps.open_dn[:], steps.open_up[:] = False, False
        return steps

    monkeypatch.setattr(ranging, "row_steps", closed)
    monkeypatch.setattr(ranging, "_duals_unique", lambda h, lp: False)


def ce_welfare_lp(g, rhs: dict) -> float:
    """The welfare-maximising CE of a FiniteGame without states, written directly over mu (C order of the
    action profile) for scipy's linprog: obedience row (player, "none", recommended a, deviation b) >=
    rhs.get(row, 0); -inf where that is infeasible. The reference price ranges are tested against."""
    from scipy.optimize import linprog

    shape = tuple(len(g.actions[p]) for p in g.players)
    welfare = sum(np.asarray(g.payoffs[p], float).reshape(shape) for p in g.players)
    rows, b = [], []
    for i, p in enumerate(g.players):
        u = np.asarray(g.payoffs[p], float).reshape(shape)
        for a in range(shape[i]):
            for d in range(shape[i]):
                if a == d:
                    continue
                gain = np.zeros(shape)
                here = [slice(None)] * len(shape)
                here[i] = a
                gain[tuple(here)] = np.take(u, a, axis=i) - np.take(u, d, axis=i)
                rows.append(-gain.reshape(-1))
                b.append(-rhs.get((p, "none", a, d), 0.0))
    size = int(np.prod(shape))
    res = linprog(-welfare.reshape(-1), A_ub=np.array(rows), b_ub=np.array(b), A_eq=np.ones((1, size)), b_eq=[1.0],
                  bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status == 2:
        return -np.inf
    assert res.status == 0, res.message
    return -res.fun


@pytest.fixture
def rng():
    return np.random.default_rng(20231)
