"""Yang (2020) Sec. 6.3, Theorems 10-11 (targeted marketing): reproduce rows (registered into `examples.EXAMPLES`
when `claims` is imported).

- yang-claim-theorems-10-11: two producers, two groups ordered pointwise with opposite tastes: the broker shows each
  product to the group that values it more, earns the ironed bound of that group's market, leaves consumers no
  surplus on the whole optimal face (Theorem 10), and the price-controlling broker earns the same with the same
  quantities (Theorem 11); with one group the LP is DB-C.
"""

from __future__ import annotations

import numpy as np

from ...core.reference import Check
from ...core.tolerances import ECON_TOL
from .examples import EXAMPLES
from .targeting import TargetingBroker

#: m[i, j]: group 0 values product 0 low and product 1 high, group 1 the reverse (values {1, 2, 3})
LOW, HIGH = (0.6, 0.3, 0.1), (0.1, 0.3, 0.6)
GROUPS = ((LOW, HIGH), (HIGH, LOW))
#: both producers have Sec. 2's costs {1/4, 3/4} (1/2 each)
COSTS, PRIOR = (0.25, 0.75), (0.5, 0.5)


def targeted_bound() -> float:
    """By hand: the broker shows a product to its HIGH group only; with virtual costs (1/4, 5/4) the ironed bound of
    that market, sum_k g_k sum_v m(v)(v - phi_k)^+ - pi0(c_K) with pi0 on the untargeted average market, is
    1/2 (2.25 + 1.275) - 0.8125 = 0.95 ((A1d') holds there, so the bound is attained)."""
    values, phi = np.array([1.0, 2.0, 3.0]), np.array([0.25, 1.25])
    gains = np.maximum(values[None, :] - phi[:, None], 0.0) @ np.array(HIGH)
    average = (np.array(LOW) + np.array(HIGH)) / 2
    pi0_top = max(max((p - COSTS[1]) * average[values >= p].sum() for p in values), 0.0)
    return float(np.array(PRIOR) @ gains - pi0_top)


@EXAMPLES.register("yang-claim-theorems-10-11")
def _targeting(solver: str | None = None) -> list[Check]:
    name, where = "yang-claim-theorems-10-11", "Sec. 6.3, Theorems 10-11"
    broker = TargetingBroker([1, 2, 3], GROUPS, [COSTS, COSTS], [PRIOR, PRIOR])
    bound, rows = targeted_bound(), []
    for j in range(broker.n_producers):
        sol = broker.mechanism_problem(j).solve(solver)
        pc = broker.price_controlling_problem(j).solve(solver)
        _, surplus = broker.max_surplus_on_the_optimal_face(j, solver)
        high = 1 - j  # the group that values product j more
        rows += [
            Check(name, f"producer {j}: broker revenue with targeting = the HIGH group's ironed bound", bound,
                  sol.value, "derived", where, note=targeted_bound.__doc__ or ""),
            Check(name, f"producer {j}: exposure of the HIGH group (both reports)", 1.0,
                  float(sol["q"].to_numpy()[:, high].min()), "derived", where,
                  note="by hand: the HIGH group dominates the other pointwise, so it is the whole audience"),
            Check(name, f"producer {j}: max consumer surplus over the optimal face", 0.0, surplus, "paper",
                  "Theorem 10", ECON_TOL, note="at the recommended prices (ties for the consumers): an upper bound"),
            Check(name, f"producer {j}: price-controlling revenue = the broker's", sol.value, pc.value, "paper",
                  "Theorem 11"),
            Check(name, f"producer {j}: quantity of c = 3/4, broker vs price control", float(sol["quantity"].iloc[1]),
                  float(pc["quantity"].iloc[1]), "paper", "Theorem 11",
                  note="0.9: the HIGH group's v >= 2 consumers (cutoff phi = 5/4)"),
        ]
    textbook = TargetingBroker([1, 2, 3], [[[1 / 3] * 3]], [COSTS], [PRIOR])
    rows.append(Check(name, "one group: the targeting LP on Sec. 2's market = DB-C's 11/24", 11 / 24,
                      textbook.mechanism_problem(0).solve(solver).value, "paper", "Sec. 2, menu M*",
                      note="one group can still be shown to fewer consumers; here that does not pay"))
    return rows
