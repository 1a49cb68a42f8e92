"""The agents' symmetry of a mechanism-design LP: which permutations of the agents leave it unchanged.

A permutation pi of the agents (agent pi(k) takes the role of agent k) is a symmetry (`agent_maps`) when each agent
has as many types as the one whose role it takes (matched by position), the prior is unchanged when the types move
with the agents (prior[pi.p] = prior[p], (pi.p)_{pi(k)} = p_k), and some permutation s of the outcomes carries
every agent's values, and the objective, onto the permuted ones:

    value_{pi(k)}[pi.p, s(o)] = value_k[p, o],   objective[pi.p, s(o)] = objective[p, o]

for every agent k, profile p and outcome o. A single item: s moves "k gets it" to "pi(k) gets it". Each value and
each profile's prior is compared at its own magnitude (`builders.symmetry.agree`: within SYMMETRY_TOL of it, plus
the round-off of its type's values; a profile without mass only with one without), so agents whose types of 1e-4
differ are told apart next to types of 1e6; the outcome permutation is found by pairing each outcome's permuted
values with an outcome's own (`builders.symmetry.match_rows`). Every transposition is tried; then
(`builders.symmetry.permutation_generators`), for each two classes found so far a permutation taking one into the
other, searched among the permutations that keep invariants of the data (`_signature`: the joint law of each two
agents' types, ...): agents in a ring, whose prior links each agent's type to the next one's, are symmetric under
rotation and reflection only, and are found without trying n! orders (13 agents: two reflections, in 0.1 s).

On the LP the map moves allocation[p, o] to allocation[pi.p, s(o)] and payment[p, k] to payment[pi.p, pi(k)]; each
family's rows are then matched numerically (`builders.symmetry.row_map` on the family's coefficients, its outside
options and margins included): a family that this does not permute is no symmetry, and the map is dropped. The LP
on orbits is `builders.symmetry`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd

from ..builders.symmetry import (
    Orbits,
    agree,
    match_rows,
    mean_change,
    orbit_classes,
    permutation_generators,
    row_map,
    symmetric_mode,
)
from ..core.errors import InputError
from ..core.family import labelled
from ..core.tolerances import SYMMETRY_ROUNDOFF, SYMMETRY_SIGNATURE_ROUNDOFF, SYMMETRY_TOL
from ..solvers.linear_map import as_lin, linear_map
from .environment import MechanismEnvironment


@dataclass(frozen=True)
class AgentMap:
    """A symmetry: agent `agents[k]` takes the role of agent k, profile p goes to `profiles[p]`, outcome o to
    `outcomes[o]`."""

    agents: np.ndarray
    profiles: np.ndarray
    outcomes: np.ndarray

    def describe(self) -> str:
        return "the permutation of agents " + ", ".join(f"{k}->{int(a)}" for k, a in enumerate(self.agents) if a != k)


@dataclass(frozen=True)
class MechanismSymmetry:
    """The orbits of the mechanism LP: allocation entries and payment entries (flat in column-major order, as
    cvxpy stores them), and each family's rows; `maps` its generators, `classes` the agents' orbits."""

    maps: tuple[AgentMap, ...]
    classes: tuple[tuple[str, ...], ...]
    allocation: Orbits
    payment: Orbits
    rows: dict[str, Orbits]

    def describe(self) -> str:
        groups = "; ".join(", ".join(map(str, c)) for c in self.classes if len(c) > 1)
        n = self.allocation.n + self.payment.n
        k = self.allocation.count + self.payment.count
        rows = ", ".join(f"{name} {o.count} of {o.n}" for name, o in self.rows.items())
        swaps_only = all(int((m.agents != np.arange(m.agents.size)).sum()) == 2 for m in self.maps)
        kind = "agents exchangeable" if swaps_only else "agents permuted into each other"
        return f"{kind}: {groups}; the LP on orbits: {k} of {n} variables; rows {rows}"

    def invariant(self, name: str, stacked: np.ndarray, sizes: tuple[int, ...]) -> None:
        """InputError naming `name` unless the per-type values `stacked` (agents in order) agree across maps, each
        within SYMMETRY_TOL of its own magnitude."""
        start = np.concatenate([[0], np.cumsum(sizes)])
        for s in self.maps:
            for k, j in enumerate(s.agents):
                if not agree(stacked[start[k]:start[k + 1]], stacked[start[j]:start[j + 1]], 0.0).all():
                    raise InputError(f"{name}: differs between agents {k} and {int(j)}, which the model was built to "
                                     "treat alike (symmetric=True); rebuild it with symmetric=False")


def _profile_map(sizes: tuple[int, ...], pi: np.ndarray) -> np.ndarray:
    """Profile p to pi.p: agent pi(k) gets agent k's type."""
    coords = np.array(np.unravel_index(np.arange(int(np.prod(sizes))), sizes))
    moved = np.empty_like(coords)
    moved[pi] = coords
    return np.ravel_multi_index(tuple(moved), sizes)


def _map(env: MechanismEnvironment, objective: np.ndarray | None, pi: np.ndarray,
         own: tuple[np.ndarray, np.ndarray]) -> AgentMap | None:
    """The permutation `pi` of the agents as a symmetry (module docstring), else None; `own[0][k, p, o]`: agent k's
    values (then the objective), `own[1]` their round-off floors (`_data`). Each profile's prior and each value
    is compared at its own magnitude (`builders.symmetry.agree`; a profile without mass only with one without)."""
    sizes = env.sizes
    if any(sizes[k] != sizes[j] for k, j in enumerate(pi)):
        return None
    profiles = _profile_map(sizes, pi)
    prior = env.prior_flat
    if not agree(prior[profiles], prior, 0.0).all():
        return None
    order = np.concatenate([pi, [len(pi)]]) if objective is not None else pi

    def by_outcome(d: np.ndarray) -> np.ndarray:  # one row per outcome: its data over (agent, profile)
        return d.transpose(2, 0, 1).reshape(d.shape[2], -1)

    # moved[k, p, o] = own[pi k, pi.p, o]: outcome o's data after the map
    found = match_rows(by_outcome(own[0]), by_outcome(own[1]), by_outcome(own[0][order][:, profiles]),
                       by_outcome(own[1][order][:, profiles]))  # own_rows[found[o]] = moved_rows[o]
    if found is None:
        return None
    outcomes = np.empty_like(found)
    outcomes[found] = np.arange(found.size)  # s: value_k[p, o] = value_{pi k}[pi.p, s(o)]
    return AgentMap(np.asarray(pi, dtype=np.int64), profiles, outcomes)


def _data(env: MechanismEnvironment, objective: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """D[k, p, o] = value_k[p, o] (then objective[p, o]), and each entry's round-off floor: SYMMETRY_ROUNDOFF of
    its type's largest value (the IC rows see a type's values across outcomes), the objective's at its profile's
    largest objective and values (welfare is their sum)."""
    values = np.stack([np.asarray(env.value[a], float) for a in env.agents])
    type_scale = np.abs(values).max(axis=2, initial=0.0)[:, :, None]
    data, floor = [values], [np.broadcast_to(SYMMETRY_ROUNDOFF * type_scale, values.shape)]
    if objective is not None:
        goal = np.asarray(objective, float).reshape(values.shape[1:])
        data.append(goal[None])
        scale = np.abs(goal).max(axis=1, initial=0.0) + type_scale[:, :, 0].sum(axis=0)
        floor.append(np.broadcast_to(SYMMETRY_ROUNDOFF * scale[None, :, None], (1, *goal.shape)))
    return np.concatenate(data), np.concatenate(floor)


def agent_maps(env: MechanismEnvironment, objective: np.ndarray | None) -> list[AgentMap]:
    """Generators of the agents' symmetry (`builders.symmetry.permutation_generators`): the permutations that
    leave prior, values and the objective weights (a (P, O) array, or None for revenue) unchanged, each with
    its outcome permutation."""
    own = _data(env, objective)
    signature, tol = _signature(env, objective)
    return permutation_generators(len(env.agents), lambda pi: _map(env, objective, pi, own), signature, tol,
                                  own[0].size)


def _signature(env: MechanismEnvironment, objective: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Invariants that prune the search for symmetries (`permutation_generators`), with their tolerances: S[:, i, j]
    how agent i's data depend on agent j's, unchanged by a symmetry pi (S[:, pi(i), pi(j)] = S[:, i, j]): counts
    of types; the joint law of (t_i, t_j) weighted by their positions (a / k_i) (b / k_j)^2 (t_i's alone on the
    diagonal); the mean of agent i's values and their mean change when t_j moves one place (cyclically: types
    are matched by position), and the objective's (each relative to its scale). `_map` admits each profile's prior
    and each value within SYMMETRY_TOL of its own magnitude (so within that of the largest), plus the floors of
    `_data` (the objective's, at the values' scale, can exceed SYMMETRY_TOL of the objective's)."""
    n, sizes = len(env.agents), env.sizes
    prior = env.prior_flat.reshape(sizes)
    values = [env.value[a].reshape(*sizes, -1) for a in env.agents]
    v_scale = max(float(np.abs(v).max(initial=0.0)) for v in values) or 1.0
    goal = None if objective is None else np.asarray(objective, float).reshape(*sizes, -1)
    g_scale = 1.0 if goal is None else float(np.abs(goal).max(initial=0.0)) or 1.0
    S = np.zeros((5, n, n))
    for i in range(n):
        S[0, i, i] = sizes[i]
        S[2, i, i] = values[i].mean() / v_scale
        if goal is not None:
            S[4, i, i] = mean_change(goal, i, g_scale)
        a = (np.arange(sizes[i]) + 1.0) / sizes[i]
        for j in range(n):
            b = (np.arange(sizes[j]) + 1.0) / sizes[j]
            if i == j:
                S[1, i, i] = prior.sum(axis=tuple(k for k in range(n) if k != i)) @ a
            else:
                pair = prior.sum(axis=tuple(k for k in range(n) if k not in (i, j)))  # axes in order (min, max)
                S[1, i, j] = a @ (pair if i < j else pair.T) @ b ** 2
            S[3, i, j] = mean_change(values[i], j, v_scale)
    moved = 4.0 * SYMMETRY_TOL + SYMMETRY_SIGNATURE_ROUNDOFF  # and the means' round-off
    law = 2.0 * SYMMETRY_TOL * float(prior.max(initial=0.0)) * prior.size + SYMMETRY_SIGNATURE_ROUNDOFF
    g_floor = 4.0 * SYMMETRY_ROUNDOFF * (g_scale + sum(float(np.abs(v).max(initial=0.0)) for v in values)) / g_scale
    return S, np.array([0.5, law, moved, moved, moved + g_floor])


def mechanism_symmetry(env: MechanismEnvironment, maps: list[AgentMap], families: dict[str, Any],
                       x: cp.Variable, t: cp.Variable) -> MechanismSymmetry | None:
    """The orbits under the maps that permute every family built on the full variables x (P, O), t (P, n)
    (`row_map`); None where no map does."""
    P, O, n = env.n_profiles, len(env.outcomes), len(env.agents)
    size = P * O + P * n
    lins = {name: as_lin(linear_map(fam.lhs - fam.rhs, {x.id: 0, t.id: P * O}, size), size)
            for name, fam in families.items()}
    kept, column_maps = [], []
    row_maps: dict[str, list[np.ndarray]] = {name: [] for name in families}
    p, o = np.divmod(np.arange(P * O), O)  # C order of (p, o); column-major position p + P o
    q, k = np.divmod(np.arange(P * n), n)
    for s in maps:
        columns = np.empty(size, dtype=np.int64)
        columns[p + P * o] = s.profiles[p] + P * s.outcomes[o]
        columns[P * O + q + P * k] = P * O + s.profiles[q] + P * s.agents[k]
        matched = {name: row_map(lin.M, lin.k, columns) for name, lin in lins.items()}
        found = {name: m for name, m in matched.items() if m is not None}
        if len(found) < len(matched):
            continue
        kept.append(s)
        column_maps.append(columns)
        for name, m in found.items():
            row_maps[name].append(m)
    if not kept:
        return None
    # a map moves allocation entries among themselves, and payment entries
    allocation = Orbits.of_maps(P * O, [c[:P * O] for c in column_maps], "allocation")
    payment = Orbits.of_maps(P * n, [c[P * O:] - P * O for c in column_maps], "payment")
    classes = orbit_classes(env.agents, [s.agents for s in kept])
    rows = {name: Orbits.of_maps(lins[name].k.size, found_maps, name) for name, found_maps in row_maps.items()}
    return MechanismSymmetry(tuple(kept), classes, allocation, payment, rows)


def agent_symmetry(symmetric: Any, env: MechanismEnvironment, objective: np.ndarray | None, families: dict[str, Any],
                   x: cp.Variable, t: cp.Variable) -> MechanismSymmetry | None:
    """The symmetry `mechanism_design(symmetric=...)` reduces by, or None for the full LP: the maps of
    `agent_maps` that permute every family of `families` (built on the full variables x, t; its Parameters at
    their values now)."""
    symmetric = symmetric_mode(symmetric)
    if symmetric is False:
        return None
    maps = agent_maps(env, objective)
    found = mechanism_symmetry(env, maps, families, x, t) if maps else None
    if found is None and symmetric is True:
        raise InputError("symmetric: no permutation of the agents leaves the LP unchanged (as many types, and prior, "
                         "values, objective, outside options and every requirement unchanged)")
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
