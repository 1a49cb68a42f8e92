"""The symmetries of Example 2.1, and the smaller LP over one representative per orbit (`symmetry="auto"`).

Two relabellings map the seller's LPs onto themselves ([spec §B.2](bdhn.md#spec-b2)-§B.4):

* buyer swap (always: the buyers are ex ante identical, f iid and pi_2(a1, a2) = pi_1(a2, a1)):
  sigma(a1, a2 | theta, k1, k2) -> sigma(a2, a1 | theta, k2, k1), pit_1 <-> pit_2, t_1 <-> t_2;
  buyer 1's rows (interim, obedience, IC, IR) <-> buyer 2's, simplex row (theta, k1, k2) <-> (theta, k2, k1);
* state swap (only when rho = (1/2, 1/2) exactly): theta -> 1 - theta, a -> 1 - a. pi_i(1 - a; 1 - theta)
  = pi_i(a; theta), so pit, t, interim, IC and IR rows stay; obedience row (k, a, 1 - a) <-> (k, 1 - a, a),
  simplex row (theta, k1, k2) <-> (1 - theta, k1, k2).

Each maps feasible points to feasible points (it permutes every family's rows) and keeps the objective,
so the average of an optimum over the group is a symmetric optimum: the LP restricted to symmetric
points, x = E z (E the 0/1 map from orbits to entries), has the same value. On symmetric points the
rows of one orbit coincide, so one row per orbit is kept. Fewer columns, not added equalities.

Prices: each reduced row's price shared equally by the rows of its orbit, a symmetric optimal dual of the
full LP (`builders.symmetry`, the same machinery as the games' and mechanisms' `symmetric=True`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...builders.symmetry import Orbits
from ...core import validate as pr

SYMMETRY = ("none", "buyers", "auto")


@dataclass(frozen=True)
class Symmetry:
    """Which swaps the LP is solved under: buyers (always with "auto"/"buyers"), states (rho = (1/2, 1/2))."""

    buyers: bool
    states: bool

    @classmethod
    def of(cls, state_prior: np.ndarray, symmetry: object) -> Symmetry | None:
        if symmetry not in SYMMETRY:
            raise pr.InputError(f"symmetry: must be one of {SYMMETRY}, got {symmetry!r}")
        if symmetry == "none":
            return None
        # exact equality: a prior of 0.5 + 1e-17 is a different LP, whose optimum need not be state-symmetric
        return cls(buyers=True, states=symmetry == "auto" and state_prior[0] == state_prior[1])

    def rule(self, m: int) -> Orbits:
        """Orbits of the rule's entries sigma(a1, a2 | theta, k1, k2) (C order over (theta, k1, k2, a1, a2))."""
        shape = (2, m, m, 2, 2)
        theta, k1, k2, a1, a2 = np.unravel_index(np.arange(8 * m * m), shape)
        swaps = [np.ravel_multi_index((theta, k2, k1, a2, a1), shape)]
        if self.states:
            swaps.append(np.ravel_multi_index((1 - theta, k1, k2, 1 - a1, 1 - a2), shape))
        return Orbits.of_maps(8 * m * m, swaps)

    def cells(self, m: int) -> Orbits:
        """Orbits of the simplex rows (theta, k1, k2)."""
        shape = (2, m, m)
        theta, k1, k2 = np.unravel_index(np.arange(2 * m * m), shape)
        swaps = [np.ravel_multi_index((theta, k2, k1), shape)]
        if self.states:
            swaps.append(np.ravel_multi_index((1 - theta, k1, k2), shape))
        return Orbits.of_maps(2 * m * m, swaps)

    def reduced_form(self, m: int) -> Orbits:
        """Orbits of h_q(k1, k2) (C order over (k1, k2, q)): the buyer swap only (h does not see theta)."""
        shape = (m, m, 2)
        k1, k2, q = np.unravel_index(np.arange(2 * m * m), shape)
        return Orbits.of_maps(2 * m * m, [np.ravel_multi_index((k2, k1, 1 - q), shape)])

    def buyer_rows(self, n: int, *, recommended: bool = False) -> Orbits:
        """Orbits of both buyers' rows of one family, element i * n + r (buyer i + 1, row r).

        recommended=True: rows (k, a, 1 - a) in the obedience builder's order (row r = 2 k + a), which
        the state swap maps to (k, 1 - a, a); the other families' rows are fixed by it.
        """
        i, r = np.divmod(np.arange(2 * n), n)
        swaps = [(1 - i) * n + r]
        if self.states and recommended:
            swaps.append(i * n + (r ^ 1))
        return Orbits.of_maps(2 * n, swaps)
