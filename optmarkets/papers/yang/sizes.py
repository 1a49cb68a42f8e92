"""How large Yang's LPs are, counted from the data before anything is built (`core.limits.Estimate`).

DB-C (`DataBroker.mechanism_problem`) has a segment per (report k, recommended price r) with r a price c_k may
charge (v_r >= c_k) or no sale: S segments over N values; its deviation rows bound each other cost's best profit
in each segment at each price p over the values that buy (v_i >= v_p): about N^2 / 2 nonzeros per (segment,
deviator), so S (K - 1) N^2 / 2 ~ K^2 N^3 / 2 in all, the bulk of the LP. DB-P (`profile_problem`) holds a dense
payoff table over (recommendation, profile, report, cost, value): (N + 1) x profiles x K^2 x N entries, with
C(N + K, K) monotone profiles at most (the product of the allowed price sets without monotonicity).
"""

from __future__ import annotations

import math

import numpy as np

from ...core.limits import Estimate


def _segments(values: np.ndarray, costs: np.ndarray) -> int:
    return int(sum(int((values >= c).sum()) + 1 for c in costs))


def mechanism_size(values: np.ndarray, costs: np.ndarray, *, engine: str = "DataBroker.mechanism_problem") -> Estimate:
    """DB-C's variables, rows and nonzeros (an upper bound: the full deviation rows, `reduced=False`)."""
    N, K = int(values.size), int(costs.size)
    S = _segments(values, costs)
    variables = S * N + S * (K - 1) + K
    deviation_rows, deviation = S * (K - 1) * N, S * (K - 1) * (N + N * (N + 1) // 2)
    obedience_rows = S * N  # each segment's recommended price against the N others
    rows = K * N + obedience_rows + deviation_rows + 2 * K * K
    nonzeros = S * N + obedience_rows * N + deviation + 2 * K * K * (N + 2)
    return Estimate(engine, S * N, f"{S:,} segments x {N:,} values, {K - 1:,} deviators each",
                    variables=variables, rows=rows, nonzeros=nonzeros)


def profile_size(values: np.ndarray, costs: np.ndarray, monotone: bool = True, *,
                 engine: str = "DataBroker.profile_problem") -> Estimate:
    """DB-P's payoff table (its largest allocation) and its LP, with the profiles counted at most."""
    N, K = int(values.size), int(costs.size)
    allowed = [int((values >= c).sum()) + 1 for c in costs]
    profiles = math.comb(N + K, K) if monotone else math.prod(allowed)
    table = (N + 1) * profiles * K * K * N
    variables = profiles * K * N
    obedience = profiles * K * K * N  # (profile, report, cost) obeys its recommended price against N others
    return Estimate(engine, table, f"at most {profiles:,} price profiles x {K:,} reports x {K:,} costs x "
                    f"{N:,} values x {N + 1:,} prices", variables=variables, rows=K * N + obedience,
                    nonzeros=variables + obedience * N)
