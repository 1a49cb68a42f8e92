"""The selection chain (`solvers.chain`) seeded from the model solve's optimal basis, against a cold
chain, the per-stage cvxpy solves and an LP per stage written here directly; numbers only."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core import strategies
from optmarkets.solvers import chain as chain_module
from optmarkets.solvers import cvxpy_internals as internals


def _seller(n: int, k: int, seed: int, scale: float = 1.0) -> tuple[om.MultiProductSeller, np.ndarray]:
    rng = np.random.default_rng(seed)
    seller = om.MultiProductSeller(rng.uniform(0.1, 2.0, (n, k)).round(3) * scale)
    return seller, rng.dirichlet(np.ones(n))


@pytest.fixture
def chains(monkeypatch):
    """Every chain built, with the values of its stages (`chain.values`, in order, retries included)."""
    made: list = []
    of, stage = chain_module.SelectionChain.of.__func__, chain_module.SelectionChain.stage

    def recording_of(cls, *args, **kwargs):
        chain = of(cls, *args, **kwargs)
        if chain is not None:
            chain.values = []
        made.append(chain)
        return chain

    def recording_stage(self, k, *args, **kwargs):
        answer = stage(self, k, *args, **kwargs)
        if answer.status == "optimal":
            self.values.append((k, answer.value))
        return answer

    monkeypatch.setattr(chain_module.SelectionChain, "of", classmethod(recording_of))
    monkeypatch.setattr(chain_module.SelectionChain, "stage", recording_stage)
    return made


def _selection(sol: om.Solution, seller: om.MultiProductSeller) -> dict[str, np.ndarray]:
    surplus = float((seller.Vnet * sol["allocation"].to_numpy()).sum())
    return {"value": np.array([sol.value]), "surplus": np.array([surplus]),
            "consumer_surplus": sol["consumer_surplus"].to_numpy(), "profit": sol["profit"].to_numpy(),
            "payment": sol["payment"].to_numpy()}


def _assert_same(a: dict, b: dict, tol: float = 1e-7) -> None:
    for name in a:
        assert a[name] == pytest.approx(b[name], abs=tol), name


def _stage_values(chain) -> np.ndarray:
    """The last value found for each stage (a stage retried with looser floors appears twice)."""
    last = dict(chain.values)
    return np.array([last[k] for k in sorted(last)])


@pytest.mark.parametrize(("n", "k", "seed"), [(5, 3, 0), (9, 4, 1), (14, 5, 2)])
@pytest.mark.parametrize("rule", ["efficient", "mincs"])
def test_seeded_chain_equals_cold_chain_and_per_stage_solves(n, k, seed, rule, monkeypatch, chains):
    seller, f = _seller(n, k, seed)
    seeded = seller.mechanism_problem(f).solve(rule=rule)  # HIGHS_IPM, the model's default
    chain = chains[-1]
    assert chain is not None and chain.seeded and chain.stalls == 0
    assert seeded.certificate.ok()

    monkeypatch.setattr(chain_module, "_seed", lambda *args: None)  # stage 1 from scratch
    cold = seller.mechanism_problem(f).solve(rule=rule)
    cold_chain = chains[-1]
    assert cold_chain is not None and not cold_chain.seeded
    assert _stage_values(chain) == pytest.approx(_stage_values(cold_chain), rel=1e-9, abs=1e-8)

    monkeypatch.setattr(strategies._StageProgram, "session", lambda self, model, request: None)
    per_stage = seller.mechanism_problem(f).solve(rule=rule)
    assert chains[-1] is not None  # (the last chain: no new one was built)
    for other in (cold, per_stage):
        _assert_same(_selection(seeded, seller), _selection(other, seller))
        for fam in ("IC", "IR", "lottery"):  # prices are the model solve's
            assert seeded.prices[fam].to_numpy() == pytest.approx(other.prices[fam].to_numpy(), abs=1e-7), fam


@pytest.mark.parametrize(("n", "k", "seed"), [(6, 3, 4), (8, 4, 5)])
def test_each_stage_against_an_independent_lp(n, k, seed, chains):
    """Stage j's value = max G_j over the mechanisms within a small slack of the earlier stages' values,
    from the M-LP written here directly in cvxpy (solved by cvxpy's own HiGHS call)."""
    seller, f = _seller(n, k, seed)
    sol = seller.mechanism_problem(f).solve()
    values = _stage_values(chains[-1])
    V, Vnet, c = seller.V, seller.Vnet, seller.c
    x, p = cp.Variable(V.shape, nonneg=True), cp.Variable(n)
    U = V @ x.T - cp.reshape(p, (1, n), order="C")  # U[t, s]: type t reporting s
    base = [cp.sum(x, axis=1) == 1, cp.diag(U) >= 0]
    base += [cp.diag(U)[t] >= U[t, s] for t in range(n) for s in range(n) if s != t]
    cs = [cp.sum(cp.multiply(V[t], x[t])) - p[t] for t in range(n)]
    goals = [cp.sum(cp.multiply(Vnet, x)), cp.sum(cp.hstack(cs)), *cs]  # the "efficient" rule
    revenue = f @ (p - x @ c)
    slack = 1e-9
    floors = [revenue >= sol.value - slack]
    assert values.size == len(goals) == n + 2
    for j, goal in enumerate(goals):
        best = cp.Problem(cp.Maximize(goal), [*base, *floors]).solve("HIGHS")
        assert values[j] == pytest.approx(best, abs=1e-6), j
        floors.append(goal >= values[j] - slack)


def test_stalled_stages_continue_perturbed(monkeypatch, chains):
    seller, f = _seller(10, 4, 6)
    normal = seller.mechanism_problem(f).solve()
    go_warm = chain_module.SelectionChain._go_warm

    def capped(self):
        self.cap = 1  # every warm stage that needs two pivots stalls
        go_warm(self)

    monkeypatch.setattr(chain_module.SelectionChain, "_go_warm", capped)
    stalled = seller.mechanism_problem(f).solve()
    assert chains[-1].stalls > 0
    _assert_same(_selection(normal, seller), _selection(stalled, seller))


def test_badly_scaled_data_keep_highs_scaling(chains):
    seller, f = _seller(8, 4, 7)
    big, _ = _seller(8, 4, 7, scale=2.0**20)
    sol, scaled = seller.mechanism_problem(f).solve(), big.mechanism_problem(f).solve()
    well, badly = chains
    assert well.highs.getOptionValue("simplex_scale_strategy")[1] == 0  # well scaled: HiGHS's is skipped
    assert badly.highs.getOptionValue("simplex_scale_strategy")[1] != 0
    for name, value in _selection(sol, seller).items():
        assert _selection(scaled, big)[name] / 2.0**20 == pytest.approx(value, abs=1e-7), name


def test_caller_options_turn_the_tuning_off(chains):
    seller, f = _seller(6, 3, 8)
    tuned = seller.mechanism_problem(f).solve("HIGHS")
    plain = seller.mechanism_problem(f).solve("HIGHS", simplex_scale_strategy=2)
    assert chains[0].tuned and not chains[1].tuned
    _assert_same(_selection(tuned, seller), _selection(plain, seller))


def test_goal_coefficients_match_cvxpy():
    x, y = cp.Variable((3, 2), nonneg=True), cp.Variable(3)
    rng = np.random.default_rng(9)
    W = rng.normal(size=(3, 2))
    goals = cp.hstack([cp.reshape(cp.sum(cp.multiply(W, x)) + 2.0, (1,), order="C"),
                       cp.sum(x, axis=1) - 3 * y + np.arange(3.0)])
    problem = cp.Problem(cp.Minimize(cp.sum(x) + cp.sum(y)), [y >= -1])  # both in the form
    data, _, inverse = problem.get_problem_data(cp.HIGHS)
    offsets = internals.variable_offsets(inverse, [x, y], data["A"].shape[1])
    assert offsets is not None
    extracted = chain_module.goal_coefficients(goals, offsets, 9)
    assert extracted is not None
    linear, constants = extracted
    point = rng.normal(size=9)
    x.value = np.abs(point[offsets[x.id]:offsets[x.id] + 6]).reshape((3, 2), order="F")
    y.value = point[offsets[y.id]:offsets[y.id] + 3]
    point[offsets[x.id]:offsets[x.id] + 6] = x.value.ravel(order="F")
    assert linear @ point + constants == pytest.approx(goals.value, abs=1e-12)
