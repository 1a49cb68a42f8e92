"""Seeded random markets of the Yang claim checks and the counts docs/yang.md prints over them.

The generators and the per-market checks are shared by tests/papers/test_yang_claims.py (which asserts them on a
few markets) and benchmarks/yang_counts.py (which counts them over many, into benchmarks/results/yang_counts.md):

* `regular_market`: Lemma 3's regular markets (values in 1..8, costs in {0, 0.5, ..., 4.5} below the top value);
* `partitional_market`: Theorems 8-9's partitional markets (3-5 values in 1..9, 2-3 costs, 1-4 characteristics);
* `targeting_market`: Theorems 10-11's one-producer markets (1-3 groups, 2-4 values, 2-3 costs).

The counts (`lemma3_rows`, `theorem8_rows`, `theorem9_rows`, `targeting_rows`) are rows (claim, count, of, what):
`count` of the `of` markets (or mechanisms) do `what`. Every market is drawn from the seeds the tests use: Lemma 3's
market i from default_rng(i) (3-5 costs and values in turn, 3 and 3 at i = 0 as in the test), Theorem 8's from one
default_rng(8), Theorem 9's from default_rng(9), Theorems 10-11's from default_rng(11).
"""

from __future__ import annotations

import numpy as np

from ...core.tolerances import ECON_TOL, ROUNDOFF
from . import claims
from .economy import DataBroker
from .partitional import PartitionalBroker
from .targeting import TargetingBroker

#: how many markets each count draws (docs/yang.md prints them)
LEMMA3_MARKETS, THEOREM8_MARKETS, THEOREM9_MARKETS, TARGETING_MARKETS = 2186, 150, 300, 120
#: the seeds of the tests' generators (Lemma 3: one seed per market, 0, 1, ...)
THEOREM8_SEED, THEOREM9_SEED, THEOREM11_SEED = 8, 9, 11

Row = tuple[str, int, int, str]


# ---------------------------------------------------------------- generators
def regular_market(rng: np.random.Generator, n_values: int = 3, n_costs: int = 3) -> DataBroker:
    """A random regular market whose top cost lies below the top value (redrawn until it is)."""
    while True:
        values = np.sort(rng.choice(np.arange(1, 9), n_values, replace=False)).astype(float)
        costs = np.sort(rng.choice(np.arange(0, 10), n_costs, replace=False)) / 2
        broker = DataBroker(values, rng.dirichlet(np.ones(n_values)), costs, rng.dirichlet(np.ones(n_costs)))
        if broker.is_regular() and costs[-1] < values[-1]:
            return broker


def partitional_market(rng: np.random.Generator) -> PartitionalBroker:
    """A random partitional market: 3-5 values, integer weights 1-4, characteristics cut at random, 2-3 costs."""
    n_values, n_costs = int(rng.integers(3, 6)), int(rng.integers(2, 4))
    values = np.sort(rng.choice(np.arange(1, 10), n_values, replace=False)).astype(float)
    weights = rng.integers(1, 5, n_values)
    cuts = np.sort(rng.choice(np.arange(1, n_values), rng.integers(1, n_values), replace=False))
    theta = np.searchsorted(cuts, np.arange(n_values), side="right")
    costs = np.sort(rng.choice(np.arange(0, 12), n_costs, replace=False)) / 2
    prior = rng.integers(1, 4, n_costs)
    return PartitionalBroker(values, weights / weights.sum(), theta, costs, prior / prior.sum())


def targeting_market(rng: np.random.Generator) -> TargetingBroker:
    """A random one-producer targeting market: 2-4 values, 1-3 groups, 2-3 costs."""
    n_values, n_groups, n_costs = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
    values = np.sort(rng.choice(np.arange(1, 10), n_values, replace=False)).astype(float)
    costs = np.sort(rng.choice(np.arange(0, 12), n_costs, replace=False)) / 2
    return TargetingBroker(values, rng.dirichlet(np.ones(n_values), size=(n_groups, 1)), [costs],
                           [rng.dirichlet(np.ones(n_costs))])


# ---------------------------------------------------------------- per-market checks
def theorem8_holds(broker: PartitionalBroker) -> bool:
    """Theorem 8 on one market: the maximal-surplus optimum, each cost re-priced at its largest optimal price,
    leaves consumers at most the surplus of theta disclosed."""
    face = broker.max_surplus_on_the_optimal_face()
    return bool(face["largest price"] <= broker.theta_disclosed_surplus() + ECON_TOL)


def theorem9_conditions(broker: PartitionalBroker) -> tuple[bool, bool]:
    """(the discrete condition: D0 regular, phi~_1 <= p-hat0(c_1), phi~_k <= p-hat0(c_(k-1)); [Y]'s condition:
    D0 regular and phi - p-hat0 nondecreasing)."""
    mk = broker.market
    p_hat, regular = broker.p_hat0(), mk.is_regular()
    ironed, phi = mk.ironed_virtual_costs().to_numpy(), mk.virtual_costs().to_numpy()
    discrete = regular and ironed[0] <= p_hat[0] and bool(np.all(ironed[1:] <= p_hat[:-1]))
    with np.errstate(invalid="ignore"):  # p-hat0 = inf (no sale): inf - inf is not nondecreasing
        paper = regular and bool(np.all(np.diff(phi - p_hat) >= -ROUNDOFF))
    return discrete, paper


def theorem9_audit(broker: PartitionalBroker) -> dict:
    """Both canonical mechanisms (eq. (11) and (12)-(13)) audited by brute force against the LP optimum R*:
    `attained` when one of them is IC and IR and earns R*; per variant whether it is IC, IR and optimal."""
    best = broker.mechanism_problem().solve().value
    audits = [broker.market.evaluate(*broker.canonical_mechanism(pool_straddling=pool)) for pool in (False, True)]
    ic = [a.ic_violation <= a.tol * a.scale for a in audits]
    ir = [a.ir_violation <= a.tol * a.scale for a in audits]
    optimal = [bool(a.ok) and a.revenue >= best - ECON_TOL for a in audits]
    return {"best": best, "revenues": [a.revenue for a in audits], "ok": [bool(a.ok) for a in audits],
            "IC": ic, "IR": ir, "optimal": optimal, "attained": any(optimal)}


def theorem11_condition(broker: TargetingBroker) -> bool:
    """Theorem 11's condition for producer 0: the groups' demands ordered pointwise and phi <= the uniform price of
    every group's market and of the average market, at every cost."""
    market = broker.markets[0]
    demand = np.cumsum(broker.group_probs[:, 0, ::-1], axis=1)[:, ::-1]
    ordered = all(np.all(a <= b + ROUNDOFF) or np.all(b <= a + ROUNDOFF) for a in demand for b in demand)
    prices = [DataBroker(broker.values, broker.group_probs[i, 0], market.costs, market.cost_probs)
              .uniform_pricing()["price"].to_numpy() for i in range(broker.n_groups)]
    prices.append(market.uniform_pricing()["price"].to_numpy())
    phi = market.virtual_costs().to_numpy()
    return bool(ordered and all(np.all(phi <= p) for p in prices))


# ---------------------------------------------------------------- the counts of docs/yang.md
def lemma3_rows(n: int = LEMMA3_MARKETS) -> list[Row]:
    """Market i (seed i, 3 + i % 3 costs, 3 + (i // 3) % 3 values) and one psi drawn from [c, p0] (every psi the
    market tells apart, `claims._every_psi`): [Y]'s construction audited as in `claims.lemma3_audit`."""
    quasi = cond8 = envelope = cycle = 0
    for seed in range(n):
        rng = np.random.default_rng(seed)
        broker = regular_market(rng, n_values=3 + (seed // 3) % 3, n_costs=3 + seed % 3)
        psis = claims._every_psi(broker, shifted=False)
        audit = claims.lemma3_audit(broker, shifted=False, psis=[psis[int(rng.integers(len(psis)))]])
        quasi += audit["quasi-perfect"] <= ECON_TOL
        cycle += audit["cycle"] <= ECON_TOL
        cond8 += audit["condition 8"] > ECON_TOL
        envelope += audit["envelope IC"] > ECON_TOL
    return [("Lemma 3", n, n, "random regular markets with 3-5 costs and 3-5 values, one random psi in [c, p0] each"),
            ("Lemma 3", quasi, n, "the construction is psi-quasi-perfect"),
            ("Lemma 3", cycle, n, "IC transfers exist (no positive misreport cycle)"),
            ("Lemma 3", cond8, n, "violate the grid form of (8)"),
            ("Lemma 3", envelope, n, "the envelope transfers are not IC")]


def theorem8_rows(n: int = THEOREM8_MARKETS) -> list[Row]:
    rng = np.random.default_rng(THEOREM8_SEED)
    held = sum(theorem8_holds(partitional_market(rng)) for _ in range(n))
    return [("Theorem 8", held, n, "random partitional markets where it held (largest-price re-pricing of the "
                                   "maximal-surplus optimum)")]


def theorem9_rows(n: int = THEOREM9_MARKETS) -> list[Row]:
    rng = np.random.default_rng(THEOREM9_SEED)
    discrete = discrete_hit = paper = paper_miss = 0
    not_ic = not_ir = not_ir_discrete = 0
    for _ in range(n):
        broker = partitional_market(rng)
        (is_discrete, is_paper), audit = theorem9_conditions(broker), theorem9_audit(broker)
        discrete += is_discrete
        discrete_hit += is_discrete and audit["attained"]
        paper += is_paper
        paper_miss += is_paper and not audit["attained"]
        not_ic += sum(not ok for ok in audit["IC"])
        not_ir += sum(not ok for ok in audit["IR"])
        not_ir_discrete += is_discrete * sum(not ok for ok in audit["IR"])
    return [("Theorem 9", n, n, "random partitional markets"),
            ("Theorem 9", discrete, n, "meet the discrete condition"),
            ("Theorem 9", discrete_hit, discrete, "discrete condition: the better canonical mechanism is IC, IR "
                                                  "and attains R*"),
            ("Theorem 9", paper, n, "meet [Y]'s condition"),
            ("Theorem 9", paper_miss, paper, "[Y]'s condition: no canonical mechanism is IC, IR and attains R*"),
            ("Theorem 9", 2 * n, 2 * n, "canonical mechanisms built (two per market)"),
            ("Theorem 9", not_ic, 2 * n, "mechanisms not IC"),
            ("Theorem 9", not_ir, 2 * n, "mechanisms not IR"),
            ("Theorem 9", not_ir_discrete, not_ir, "not IR, under the discrete condition")]


def targeting_rows(n: int = TARGETING_MARKETS) -> list[Row]:
    rng = np.random.default_rng(THEOREM11_SEED)
    zero = condition = tied = tied_outside = relaxation = 0
    for _ in range(n):
        broker = targeting_market(rng)
        db, surplus = broker.max_surplus_on_the_optimal_face(0)
        pc = broker.price_controlling_problem(0).solve().value
        meets, tie = theorem11_condition(broker), abs(pc - db) <= ECON_TOL
        zero += surplus <= ECON_TOL
        relaxation += pc >= db - ECON_TOL
        condition += meets
        tied += meets and tie
        tied_outside += not meets and tie
    return [("Theorem 10", n, n, "random one-producer markets (1-3 groups, 2-4 values, 2-3 costs)"),
            ("Theorem 10", zero, n, "zero consumer surplus over the optimal face"),
            ("Theorem 11", condition, n, "meet the theorem's condition"),
            ("Theorem 11", tied, condition, "condition met: the price-controlling broker earns the broker's revenue"),
            ("Theorem 11", tied_outside, n - condition, "condition not met: the price-controlling broker earns the "
                                                        "broker's revenue"),
            ("Theorem 11", relaxation, n, "the price-controlling broker earns at least the broker's revenue")]
