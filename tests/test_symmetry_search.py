"""The search for symmetries that are not swaps, beyond five players or agents (issue 29 item 2): rings of 6 to 12
players and of 6 agents, two rings of 7 and 9 players (16) and a ring of 13 bidders, found among n! orders by the
search that keeps the data's invariants (`builders.symmetry.permutation_generators`), reduce to the full optimum;
a search that runs out of nodes finds fewer symmetries, never a wrong one, and a search whose every candidate
reads much data tries fewer of them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ce_welfare_lp

import optmarkets as om
from optmarkets.builders import symmetry
from optmarkets.games import symmetry as game_symmetry


def ring_game(n: int, seed: int) -> om.FiniteGame:
    """n players with two actions in a ring: u_l = F(a_l, a_{l+1}), F not symmetric, so that the rotations are
    the only symmetries (a reflection reverses who is whose neighbour)."""
    F = np.random.default_rng(seed).uniform(0, 1, (2, 2))
    grid = np.indices((2,) * n)
    players = [f"p{l}" for l in range(n)]
    return om.FiniteGame(players, {p: 2 for p in players},
                         {p: F[grid[l], grid[(l + 1) % n]] for l, p in enumerate(players)})


def necklaces(n: int) -> int:
    """Binary words of length n up to rotation: (1/n) sum over d | n of phi(d) 2^(n/d)."""
    phi = [sum(math.gcd(k, d) == 1 for k in range(1, d + 1)) for d in range(n + 1)]
    return sum(phi[d] * 2 ** (n // d) for d in range(1, n + 1) if n % d == 0) // n


@pytest.mark.parametrize(("n", "seed"), [(6, 0), (7, 1), (8, 2)])
def test_a_ring_of_n_players_is_reduced_by_its_rotations(n, seed):
    game = ring_game(n, seed)
    model = om.correlated_equilibrium(game, symmetric=True)
    assert model.symmetry.classes == (tuple(game.players),)
    assert model.symmetry.entries.count == necklaces(n)  # 14, 20, 36 orbits of the 2^n action profiles
    assert model.symmetry.rows.count == 2 and model.symmetry.rows.n == 2 * n  # each player's two rows, rotated
    sol = model.solve()
    assert sol.value == pytest.approx(ce_welfare_lp(game, {}), rel=1e-9)  # the full LP, by scipy
    mu = np.asarray(sol["mu"], float)
    for i, p in enumerate(game.players):  # obedience of the returned rule, re-checked here
        u = np.asarray(game.payoffs[p], float)
        for a, d in ((0, 1), (1, 0)):
            assert (np.take(mu, a, axis=i) * (np.take(u, a, axis=i) - np.take(u, d, axis=i))).sum() >= -1e-9


def test_twelve_players_in_a_ring_are_found_without_trying_their_orders():
    game = ring_game(12, 3)
    model = om.correlated_equilibrium(game, symmetric=True)
    assert model.symmetry.classes == (tuple(game.players),)
    assert model.symmetry.entries.count == necklaces(12)  # 352 of 4,096
    assert model.solve().value == pytest.approx(om.correlated_equilibrium(game).solve().value, rel=1e-9)


def rings_game(lengths: list[int], seed: int) -> om.FiniteGame:
    """Players in disjoint rings of the given lengths, u_l = F(a_l, a_next(l)), one F for all: the symmetries are
    the rotations of each ring (and the exchanges of rings of one length)."""
    F = np.random.default_rng(seed).uniform(0, 1, (2, 2))
    n = sum(lengths)
    starts = np.cumsum([0, *lengths[:-1]])
    after = np.concatenate([s + (np.arange(k) + 1) % k for s, k in zip(starts, lengths)])
    grid = np.indices((2,) * n)
    players = [f"p{l}" for l in range(n)]
    return om.FiniteGame(players, {p: 2 for p in players},
                         {p: F[grid[l], grid[after[l]]] for l, p in enumerate(players)})


def test_two_rings_of_sixteen_players_are_reduced_by_their_rotations():
    """16 players (65,536 profiles) in rings of 7 and 9: no swap is a symmetry; the search finds a rotation of
    each ring, so the orbits are the pairs of necklaces, 20 x 60 of the 2^16 profiles."""
    game = rings_game([7, 9], 4)
    model = om.correlated_equilibrium(game, symmetric=True)
    assert model.symmetry.classes == (tuple(game.players[:7]), tuple(game.players[7:]))
    assert model.symmetry.entries.count == necklaces(7) * necklaces(9) == 1_200
    sol = model.solve()
    assert sol.value == pytest.approx(om.correlated_equilibrium(game).solve().value, rel=1e-9)
    mu = np.asarray(sol["mu"], float)
    assert mu.min() >= -1e-12 and mu.sum() == pytest.approx(1.0, abs=1e-9)
    for i, p in enumerate(game.players):  # obedience of the returned full rule, re-checked here
        u = np.asarray(game.payoffs[p], float)
        for a, d in ((0, 1), (1, 0)):
            assert (np.take(mu, a, axis=i) * (np.take(u, a, axis=i) - np.take(u, d, axis=i))).sum() >= -1e-9


def test_a_ring_of_thirteen_bidders_is_reduced_by_its_dihedral_group():
    """13 bidders with values 1, 2 (8,192 type profiles): the reflections found generate the dihedral group of
    26 elements; Burnside on (profile, outcome): the identity fixes 2^13 x 14 pairs, each of the 12 rotations 2
    profiles with outcome 'nobody', each of the 13 reflections 2^7 profiles with 2 outcomes."""
    env = ring_of_bidders(13, 0)
    model = om.mechanism_design(env, "revenue", ic="bayesian", ir="interim", symmetric=True)
    assert model.symmetry.classes == (tuple(env.agents),)
    assert model.symmetry.allocation.count == (2 ** 13 * 14 + 12 * 2 + 13 * 2 ** 7 * 2) // 26 == 4_540
    full = om.mechanism_design(env, "revenue", ic="bayesian", ir="interim")
    assert model.solve().value == pytest.approx(full.solve().value, rel=1e-9)
    assert model.size()["variables"] * 20 < full.size()["variables"]


def test_a_candidate_that_reads_much_data_costs_more_of_the_budget():
    """Where invariants tell nothing apart and no permutation is a symmetry, the search tries about SEARCH_NODES /
    n complete permutations, and fewer, SEARCH_NODES / (entries / ENTRIES_PER_NODE), when each reads more data
    (16 players with 2^16 profiles each: ~19, not ~1,250): the search's cost is bounded in data read."""
    n, swaps = 16, 16 * 15 // 2
    for entries, most in ((0, symmetry.SEARCH_NODES // n), (16 * 2 ** 16,
                                                            symmetry.SEARCH_NODES // (16 * 2 ** 16 // 1_000))):
        calls: list[np.ndarray] = []
        assert symmetry.permutation_generators(n, calls.append, None, 0.0, entries) == []  # append: None, rejected
        assert most // 2 <= len(calls) - swaps <= most


def test_the_search_tries_only_permutations_that_keep_the_invariants():
    """A ring of 10 described by its neighbour relation: no swap keeps it, and one rotation, found by trying a
    handful of permutations (of 10! = 3.6 million), joins all ten into one class."""
    n, tried = 10, []
    S = np.zeros((1, n, n))
    S[0, np.arange(n), (np.arange(n) + 1) % n] = 1.0  # i's data depend on i + 1's

    def accept(pi):
        tried.append(pi)
        return pi if all(pi[(i + 1) % n] == (pi[i] + 1) % n for i in range(n)) else None

    found = symmetry.permutation_generators(n, accept, S, 0.0)
    assert len(found) == 1 and symmetry.Orbits.of_maps(n, found).count == 1
    assert len(tried) == 1  # the first permutation that keeps the relation is the rotation


def test_a_search_out_of_nodes_finds_less_and_solves_the_full_lp(monkeypatch):
    game = ring_game(6, 0)
    monkeypatch.setattr(symmetry, "SEARCH_NODES", 0)
    assert om.correlated_equilibrium(game, symmetric="auto").symmetry is None
    with pytest.raises(om.InputError, match="symmetric"):
        om.correlated_equilibrium(game, symmetric=True)
    sol = om.correlated_equilibrium(game, symmetric="auto").solve()
    assert sol.value == pytest.approx(ce_welfare_lp(game, {}), rel=1e-9)


def test_a_game_with_no_symmetry_costs_no_search(monkeypatch):
    """Random payoffs: the invariants differ between any two players, so no permutation reaches `accept`."""
    rng = np.random.default_rng(5)
    players = [f"p{l}" for l in range(8)]
    game = om.FiniteGame(players, {p: 2 for p in players}, {p: rng.uniform(0, 1, (2,) * 8) for p in players})
    calls = []
    real = symmetry.permutation_generators

    def counting(n, accept, signature=None, tol=0.0, entries=0):
        return real(n, lambda pi: calls.append(pi) or accept(pi), signature, tol, entries)

    monkeypatch.setattr(game_symmetry, "permutation_generators", counting)
    assert om.correlated_equilibrium(game, symmetric="auto").symmetry is None
    assert calls == []


def ring_of_bidders(n: int, seed: int) -> om.MechanismEnvironment:
    """n bidders with values 1, 2 in a ring: prior proportional to prod_l f(t_l, t_{l+1}), f not symmetric. Around
    a cycle of two types there are as many steps 1 -> 2 as 2 -> 1, so the prior is unchanged by reflecting the
    ring too: its symmetry is the dihedral group (no swap of two, with six)."""
    f = np.random.default_rng(seed).uniform(0.2, 1.0, (2, 2))
    t = np.indices((2,) * n)
    prior = np.prod([f[t[l], t[(l + 1) % n]] for l in range(n)], axis=0)
    return om.MechanismEnvironment.single_item([[1, 2]] * n, prior / prior.sum())


@pytest.mark.parametrize(("ic", "ir"), [("bayesian", "interim"), ("dominant", "ex_post")])
def test_a_ring_of_six_bidders_is_reduced_by_its_rotations(ic, ir):
    env = ring_of_bidders(6, 0)
    model = om.mechanism_design(env, "revenue", ic=ic, ir=ir, symmetric=True)
    assert model.symmetry.classes == (tuple(env.agents),)
    # Burnside over the 12 elements of the dihedral group acting on (profile, outcome): fixed pairs of the six
    # rotations (2^gcd(r, 6) profiles, one outcome: nobody gets it, except the identity's 7), of the three
    # reflections through two bidders (2^4 profiles, 3 outcomes), of the three between bidders (2^3, 1)
    rotations = 64 * 7 + sum(2 ** math.gcd(r, 6) for r in range(1, 6))
    assert model.symmetry.allocation.count == (rotations + 3 * 16 * 3 + 3 * 8) // 12 == 53
    full = om.mechanism_design(env, "revenue", ic=ic, ir=ir)
    sol = model.solve()
    assert sol.value == pytest.approx(full.solve().value, rel=1e-9)
    assert om.audit_mechanism(model, sol).ok  # every report of every type tried against the truth, by brute force
    assert model.size()["variables"] * 4 < full.size()["variables"]


def planted_game(n: int, sigma: np.ndarray, seed: int) -> om.FiniteGame:
    """n players with two actions whose payoffs are random but unchanged by the permutation sigma of the players
    (u_{sigma(l)}[sigma.b] = u_l[b], (sigma.b)_{sigma(k)} = b_k): one random number per orbit of (player,
    profile) under the cyclic group sigma generates."""
    rng = np.random.default_rng(seed)
    profiles = list(np.ndindex(*(2,) * n))
    u = np.full((n, *(2,) * n), np.nan)
    for l in range(n):
        for b in profiles:
            if not np.isnan(u[(l, *b)]):
                continue
            value, player, prof = rng.uniform(), l, np.array(b)
            for _ in range(math.factorial(n)):  # walk the orbit: (l, b) -> (sigma(l), sigma.b)
                u[(player, *prof)] = value
                moved = np.empty_like(prof)
                moved[sigma] = prof
                player, prof = int(sigma[player]), moved
                if player == l and tuple(prof) == b:
                    break
    players = [f"p{l}" for l in range(n)]
    return om.FiniteGame(players, {p: 2 for p in players}, {p: u[l] for l, p in enumerate(players)})


@pytest.mark.parametrize("seed", range(6))
def test_a_planted_symmetry_is_found_and_the_reduced_lp_is_the_full_one(seed):
    """A random permutation of 4 to 7 players, planted in random payoffs: the classes found join at least its
    cycles, and the LP on orbits has the full LP's value (scipy)."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(4, 8))
    sigma = rng.permutation(n)
    game = planted_game(n, sigma, seed)
    model = om.correlated_equilibrium(game, symmetric="auto")
    cycles = symmetry.Orbits.of_maps(n, [sigma]).of
    if (sigma != np.arange(n)).any():
        found = symmetry.Orbits.of_maps(n, [m.players for m in model.symmetry.maps]).of
        assert all(found[i] == found[j] for i in range(n) for j in range(n) if cycles[i] == cycles[j])
    assert model.solve().value == pytest.approx(ce_welfare_lp(game, {}), rel=1e-9)


def planted_prior(n: int, sigma: np.ndarray, seed: int) -> np.ndarray:
    """A random prior over n agents' two types, unchanged when the types move with the agents under sigma
    (prior[sigma.p] = prior[p], (sigma.p)_{sigma(k)} = p_k): one random mass per orbit of profiles."""
    rng = np.random.default_rng(seed)
    prior = np.full((2,) * n, np.nan)
    for p in np.ndindex(*prior.shape):
        if np.isnan(prior[p]):
            mass, prof = rng.uniform(0.2, 1.0), np.array(p)
            for _ in range(math.factorial(n)):
                prior[tuple(prof)] = mass
                moved = np.empty_like(prof)
                moved[sigma] = prof
                prof = moved
                if tuple(prof) == p:
                    break
    return prior / prior.sum()


@pytest.mark.parametrize(("seed", "ic", "ir"), [(0, "bayesian", "interim"), (1, "dominant", "ex_post"),
                                                (2, "bayesian", "interim"), (3, "dominant", "ex_post")])
def test_a_planted_symmetry_of_bidders_is_found_and_the_reduced_lp_is_the_full_one(seed, ic, ir):
    """A random permutation of 4 to 6 bidders planted in a random prior: the classes found join at least its
    cycles; the LP on orbits has the full LP's value and its mechanism passes the brute-force audit."""
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(4, 7))
    sigma = rng.permutation(n)
    while (sigma == np.arange(n)).all():
        sigma = rng.permutation(n)
    env = om.MechanismEnvironment.single_item([[1, 2]] * n, planted_prior(n, sigma, seed))
    model = om.mechanism_design(env, "revenue", ic=ic, ir=ir, symmetric=True)
    cycles = symmetry.Orbits.of_maps(n, [sigma]).of
    found = symmetry.Orbits.of_maps(n, [m.agents for m in model.symmetry.maps]).of
    assert all(found[i] == found[j] for i in range(n) for j in range(n) if cycles[i] == cycles[j])
    sol = model.solve()
    assert sol.value == pytest.approx(om.mechanism_design(env, "revenue", ic=ic, ir=ir).solve().value, rel=1e-9)
    assert om.audit_mechanism(model, sol).ok
