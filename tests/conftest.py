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


@pytest.fixture
def rng():
    return np.random.default_rng(20231)
