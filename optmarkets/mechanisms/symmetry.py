"""The agents' symmetry of a mechanism-design LP: which swaps of two agents leave it unchanged.

Agents i and j are exchangeable (`agent_swaps`) when they have as many types (matched by position), the
prior is unchanged when their types swap in the profile (prior[pi p] = prior[p]), and some permutation s of
the outcomes carries every agent's values, and the objective, onto the swapped ones:

    value_{pi(k)}[pi p, s(o)] = value_k[p, o],   objective[pi p, s(o)] = objective[p, o]

for every agent k, profile p and outcome o (pi the transposition (i j), on agents and on profiles). A single
item: s swaps the outcomes "i gets it" and "j gets it". The outcome permutation is found by matching each
outcome's swapped values to an outcome's own (rounded to SYMMETRY_TOL of their scale, then checked).

On the LP the swap moves allocation[p, o] to allocation[pi p, s(o)] and payment[p, k] to payment[pi p, pi(k)];
each family's rows are then matched numerically (`builders.symmetry.row_map` on the family's coefficients, its
outside options and margins included): a family that this does not permute is no symmetry, and the swap is
dropped. The LP on orbits is `builders.symmetry`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd

from ..builders.symmetry import Orbits, exchangeable_classes, row_map, symmetric_mode
from ..core.errors import InputError
from ..core.family import labelled
from ..core.tolerances import SYMMETRY_TOL
from ..solvers.linear_map import as_lin, linear_map
from .environment import MechanismEnvironment


@dataclass(frozen=True)
class AgentSwap:
    """Agents i and j exchangeable: profile p goes to `profiles[p]`, outcome o to `outcomes[o]`."""

    i: int
    j: int
    profiles: np.ndarray
    outcomes: np.ndarray


@dataclass(frozen=True)
class MechanismSymmetry:
    """The orbits of the mechanism LP: allocation entries and payment entries (flat in column-major order, as
    cvxpy stores them), and each family's rows; `classes` the exchangeable agents."""

    swaps: tuple[AgentSwap, ...]
    classes: tuple[tuple[str, ...], ...]
    allocation: Orbits
    payment: Orbits
    rows: dict[str, Orbits]

    def describe(self) -> str:
        groups = "; ".join(", ".join(map(str, c)) for c in self.classes if len(c) > 1)
        n = self.allocation.n + self.payment.n
        k = self.allocation.count + self.payment.count
        rows = ", ".join(f"{name} {o.count} of {o.n}" for name, o in self.rows.items())
        return f"agents exchangeable: {groups}; the LP on orbits: {k} of {n} variables; rows {rows}"

    def invariant(self, name: str, stacked: np.ndarray, sizes: tuple[int, ...]) -> None:
        """InputError naming `name` unless the per-type values `stacked` (agents in order) agree across swaps."""
        start = np.concatenate([[0], np.cumsum(sizes)])
        for s in self.swaps:
            a, b = stacked[start[s.i]:start[s.i + 1]], stacked[start[s.j]:start[s.j + 1]]
            if np.abs(a - b).max(initial=0.0) > SYMMETRY_TOL * (float(np.abs(stacked).max(initial=0.0)) or 1.0):
                raise InputError(f"{name}: differs between agents {s.i} and {s.j}, which the model was built to "
                                 "treat alike (symmetric=True); rebuild it with symmetric=False")


def _profile_swap(sizes: tuple[int, ...], i: int, j: int) -> np.ndarray:
    coords = np.array(np.unravel_index(np.arange(int(np.prod(sizes))), sizes))
    coords[[i, j]] = coords[[j, i]]
    return np.ravel_multi_index(tuple(coords), sizes)


def _swap(env: MechanismEnvironment, objective: np.ndarray | None, i: int, j: int) -> AgentSwap | None:
    sizes = env.sizes
    if sizes[i] != sizes[j]:
        return None
    profiles = _profile_swap(sizes, i, j)
    prior = env.prior_flat
    if np.abs(prior[profiles] - prior).max(initial=0.0) > SYMMETRY_TOL * float(prior.max(initial=0.0)):
        return None
    agents = np.arange(len(env.agents))
    agents[[i, j]] = [j, i]
    # D[o] = (value_k[p, o] over k, p; objective[p, o]), values and objective each relative to their own scale
    # (values of 1e-12 are told apart); the swapped data of o must be some outcome's own
    values = np.stack([env.value[a] for a in env.agents])
    kinds = [values] + ([objective[None]] if objective is not None else [])
    own = np.concatenate([d / (float(np.abs(d).max(initial=0.0)) or 1.0) for d in kinds])
    order = np.concatenate([agents, [len(agents)]]) if objective is not None else agents
    moved = own[order][:, profiles]  # moved[k, p, o] = own[pi k, pi p, o]: outcome o's data after the swap
    own_rows, moved_rows = own.transpose(2, 0, 1).reshape(own.shape[2], -1), moved.transpose(2, 0, 1).reshape(
        own.shape[2], -1)
    digits = int(-np.log10(SYMMETRY_TOL))  # entries at most 1
    keys: dict[bytes, list[int]] = {}
    for o, row in enumerate(own_rows):
        keys.setdefault(np.round(row, digits).tobytes(), []).append(o)
    outcomes = np.empty(own_rows.shape[0], dtype=np.int64)
    for o, row in enumerate(moved_rows):
        match = keys.get(np.round(row, digits).tobytes())
        if not match:
            return None
        outcomes[o] = match.pop()
    if np.abs(own_rows[outcomes] - moved_rows).max(initial=0.0) > SYMMETRY_TOL:
        return None
    return AgentSwap(i, j, profiles, outcomes)


def agent_swaps(env: MechanismEnvironment, objective: np.ndarray | None) -> list[AgentSwap]:
    """Every transposition of two agents that leaves prior, values and the objective weights (a (P, O) array, or
    None for revenue) unchanged, with its outcome permutation."""
    n = len(env.agents)
    return [s for i in range(n) for j in range(i + 1, n) if (s := _swap(env, objective, i, j)) is not None]


def mechanism_symmetry(env: MechanismEnvironment, swaps: list[AgentSwap], families: dict[str, Any],
                       x: cp.Variable, t: cp.Variable) -> MechanismSymmetry | None:
    """The orbits under the swaps that permute every family built on the full variables x (P, O), t (P, n)
    (`row_map`); None where no swap does."""
    P, O, n = env.n_profiles, len(env.outcomes), len(env.agents)
    size = P * O + P * n
    lins = {name: as_lin(linear_map(fam.lhs - fam.rhs, {x.id: 0, t.id: P * O}, size), size)
            for name, fam in families.items()}
    kept, column_maps = [], []
    row_maps: dict[str, list[np.ndarray]] = {name: [] for name in families}
    p, o = np.divmod(np.arange(P * O), O)  # C order of (p, o); column-major position p + P o
    q, k = np.divmod(np.arange(P * n), n)
    for s in swaps:
        agents = np.arange(n)
        agents[[s.i, s.j]] = [s.j, s.i]
        columns = np.empty(size, dtype=np.int64)
        columns[p + P * o] = s.profiles[p] + P * s.outcomes[o]
        columns[P * O + q + P * k] = P * O + s.profiles[q] + P * agents[k]
        maps = {name: row_map(lin.M, lin.k, columns) for name, lin in lins.items()}
        found = {name: m for name, m in maps.items() if m is not None}
        if len(found) < len(maps):
            continue
        kept.append(s)
        column_maps.append(columns)
        for name, m in found.items():
            row_maps[name].append(m)
    if not kept:
        return None
    # a swap moves allocation entries among themselves, and payment entries
    allocation = Orbits.of_maps(P * O, [c[:P * O] for c in column_maps], "allocation")
    payment = Orbits.of_maps(P * n, [c[P * O:] - P * O for c in column_maps], "payment")
    classes = exchangeable_classes(env.agents, [(s.i, s.j) for s in kept])
    rows = {name: Orbits.of_maps(lins[name].k.size, maps, name) for name, maps in row_maps.items()}
    return MechanismSymmetry(tuple(kept), classes, allocation, payment, rows)



def agent_symmetry(symmetric: Any, env: MechanismEnvironment, objective: np.ndarray | None, families: dict[str, Any],
                   x: cp.Variable, t: cp.Variable) -> MechanismSymmetry | None:
    """The symmetry `mechanism_design(symmetric=...)` reduces by, or None for the full LP: the swaps of
    `agent_swaps` that permute every family of `families` (built on the full variables x, t; its Parameters at
    their values now)."""
    symmetric = symmetric_mode(symmetric)
    if symmetric is False:
        return None
    swaps = agent_swaps(env, objective)
    found = mechanism_symmetry(env, swaps, families, x, t) if swaps else None
    if found is None and symmetric is True:
        raise InputError("symmetric: no two agents are exchangeable (as many types, and prior, values, objective, "
                         "outside options and every requirement unchanged when they swap)")
    return found


def symmetric_variables(model: Any, env: MechanismEnvironment, symmetry: MechanismSymmetry,
                        agent_index: pd.Index) -> tuple[cp.Expression, cp.Expression]:
    """allocation and payment as P z of one variable per orbit ("allocation_sym", "payment_sym"), with
    sol["allocation"] and sol["payment"] their full tables."""
    P, O, n = env.n_profiles, len(env.outcomes), len(env.agents)
    expressions = []
    for name, orbits, columns, nonneg in (("allocation", symmetry.allocation, env.outcomes, True),
                                          ("payment", symmetry.payment, agent_index, False)):
        rep = orbits.representative  # column-major positions p + P c
        index = pd.MultiIndex.from_arrays(
            [*(env.profiles[rep % P].to_frame().T.to_numpy()), np.asarray(columns, dtype=object)[rep // P]],
            names=[*env.profiles.names, columns.name or ("outcome" if name == "allocation" else "agent")])
        z = model.variable(f"{name}_sym", orbits.count, index=index, nonneg=nonneg)
        width = O if name == "allocation" else n
        expressions.append(cp.reshape(orbits.spread() @ z, (P, width), order="F"))

        def table(sol: Any, orbits: Orbits = orbits, width: int = width, columns: pd.Index = columns,
                  name: str = name) -> pd.DataFrame:
            full = orbits.expand(np.asarray(sol[f"{name}_sym"], float)).reshape((P, width), order="F")
            return labelled(full, (env.profiles, columns))
        model.output(name, table)
    return expressions[0], expressions[1]
