"""The exact discrete solution ([spec §B.5](bdhn.md#spec-b5): discrete Lemma 5.2 / Prop. 5.3) and
Lemma 5.1's product rule.

The reduced form replaces sigma by h_i(k1, k2) = P[A_i = theta | k] in [0, 1]; the product rule
sigma(a | theta, k) = prod_i (h_i if a_i = theta else 1 - h_i) realises any h. Each row of the
optimal h is a greedy fill, so the LPs' values are known without an LP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...core import validate as pr
from ...theory.ironing import myerson_payments

if TYPE_CHECKING:
    from .seller import InformationSeller

OBJECTIVES = ("welfare", "first_best", "revenue", "virtual_surplus")


@dataclass
class ExactSolution:
    """The greedy solution of [spec §B.5](bdhn.md#spec-b5) (symmetric: buyer 2's h is buyer 1's transposed)."""

    objective: str
    value: float
    h1: np.ndarray  # P[A_1 = theta | k1, k2]
    h2: np.ndarray
    pit: np.ndarray  # interim share of either buyer, by type
    payments: np.ndarray | None  # revenue only


def greedy(seller: InformationSeller, objective: str = "welfare") -> ExactSolution:
    """The exact discrete solution (discrete Lemma 5.2 / Prop. 5.3), without an LP.

    Each row k1 of h_1(k1, .) maximises sum_k2 f(k2) w(k1, k2) h(k2) s.t. sum f h >= p_max,
    h in [0, 1], with w(k1, .) non-increasing: h = 1 where w > 0, then fill in increasing k2 up
    to mass p_max (fractional last cell). w = v_k1 - alpha v_k2 ("welfare", "first_best": no
    mass floor) or phi_k1 - alpha phi_k2 ("revenue", "virtual_surplus"; needs phi
    non-decreasing). h_2 = h_1^T. Revenue payments are the discrete Myerson payments with
    K = p_max - alpha.
    """
    if objective not in OBJECTIVES:
        raise pr.InputError(f"objective: must be welfare, first_best, revenue or virtual_surplus, "
                            f"got {objective!r}")
    f, a = seller.type_probs, seller.alpha
    values = seller.types if objective in ("welfare", "first_best") else seller.virtual_values
    if (np.diff(values) < 0).any():
        raise pr.InputError("type_probs: discrete virtual values are not non-decreasing (irregular grid); "
                            "the greedy solution needs them monotone — use revenue_optimal()")
    w = values[:, None] - a * values[None, :]
    h1 = (w > 0).astype(float)
    if objective != "first_best":
        fill = np.clip((seller.p_max - (seller.cdf - f)) / f, 0.0, 1.0)  # the mass floor, lowest k2 first
        h1 = np.maximum(h1, fill[None, :])
    h2 = h1.T
    pit = seller.shares(h1, h2)
    payments = None
    if objective in ("welfare", "first_best"):
        value = float(2 * (f * seller.types) @ pit[:, 0])
    elif objective == "virtual_surplus":
        value = float(2 * (f * seller.virtual_values) @ pit[:, 0])
    else:
        payments = myerson_payments(seller.types, pit[:, 0], floor=seller.K)
        value = float(2 * f @ payments)
    return ExactSolution(objective, value, h1, h2, pit[:, 0], payments)


def product_rule(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """Lemma 5.1: sigma(a | theta, k) = prod_i (h_i(k) if a_i = theta else 1 - h_i(k)); shape (2, m, m, 2, 2)."""
    h1, h2 = np.asarray(h1, float), np.asarray(h2, float)
    right1 = np.stack([h1, 1 - h1])  # [a_1 == theta, a_1 != theta]
    right2 = np.stack([h2, 1 - h2])
    out = np.empty((2, *h1.shape, 2, 2))
    for theta in (0, 1):
        for a1 in (0, 1):
            for a2 in (0, 1):
                out[theta, :, :, a1, a2] = right1[int(a1 != theta)] * right2[int(a2 != theta)]
    return out
