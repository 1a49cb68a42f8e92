"""How large the model an instance file builds is, estimated from the file's data before anything is built.

A FiniteGame file is counted by the engines' own estimators (`core.limits`: the game's payoffs, the
(Bayes) correlated-equilibrium LP's nonzeros over the cells with mass, prior x likelihoods > 0, the
only cells the engine builds), so a 2 KB file of three players with 100 signals each
is refused at load with the same estimate the engine would give; a paper's file by `size_estimate`
(~n^3 nonzeros; Yang's DB-C and DB-P by their own, `papers.yang.sizes`).
Above `max_size` (default `MAX_SIZE`) `check_size` refuses it with the estimate and
the override (`instances.load(path, max_size=...)`, `optmarkets solve --max-size`); `engine_limits`
raises the engines' limits to that override while the file's models are built.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from contextlib import AbstractContextManager

import numpy as np

from ..core import limits
from ..core.errors import InputError

#: the default limit of `size_estimate` (about n = 215 types); `load(..., max_size=)` and --max-size raise it
MAX_SIZE = 10_000_000


def engine_limits(max_size: float) -> AbstractContextManager[limits.Limits]:
    """A block in which the engines' limits (`core.limits`) are at least max_size, so that a file's
    override lets its game past them as well as past the file's estimate."""
    now = limits.current()
    return limits.limits(max_entries=max(now.max_entries, max_size), max_nonzeros=max(now.max_nonzeros, max_size))


def size_estimate(values: Iterable[object]) -> tuple[int, int]:
    """(n, n**3): the largest dimension n of any list in `values` and the model-size estimate n^3.

    The models here have ~n^2 variables (a rule or mechanism over type pairs) and ~n^3 nonzeros
    (obedience or incentive constraints between every pair of types, each over n terms).
    """
    n = 1
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            n = max(n, len(item))
            if item and isinstance(item[0], list | tuple):
                stack.append(item[0])  # the next axis (rectangular data; ragged data fails in the model)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return n, n ** 3


def estimate(model: str, data: dict, spec: dict | None = None) -> tuple[int, str, str]:
    """(size, unit, how) of what a file builds: its model object (spec None) or a [solve.NAME]'s problem.

    A FiniteGame file is counted by the engines' own estimators (`core.limits`: the game's payoffs, the
    (Bayes) correlated-equilibrium LP's nonzeros); a paper's file by `size_estimate` (~n^3 nonzeros).
    """
    if model == "FiniteGame":
        est = _game_estimate(data, spec)
        return est.size, "nonzeros" if est.nonzeros else "entries", f"{est.engine}: {est.detail}"
    broker = _broker_estimate(data, spec) if model == "DataBroker" else None
    if broker is not None:
        return broker.size, "nonzeros" if broker.nonzeros else "entries", f"{broker.engine}: {broker.detail}"
    n, size = size_estimate([*data.values(), *(spec or {}).get("args", {}).values()])
    return size, "nonzeros", f"largest data dimension n = {n}, ~n^3"


def _broker_estimate(data: dict, spec: dict | None) -> limits.Estimate | None:
    """Yang's DB-C (mechanism_problem, optimal_face) and DB-P (profile_problem), whose sizes grow as K^2 N^3 and
    C(N + K, K), counted by the engine's own estimators (`papers.yang.sizes`); None for the other methods or
    data not yet well formed (the engine names what is wrong)."""
    from ..papers.yang.sizes import mechanism_size, profile_size

    method = (spec or {}).get("method")
    values, costs = data.get("values"), data.get("costs")
    numbers = [v for v in (values, costs) if isinstance(v, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in v)]
    if len(numbers) != 2 or method not in ("mechanism_problem", "optimal_face", "profile_problem"):
        return None
    v, c = (np.asarray(x, float) for x in numbers)
    if method != "profile_problem":
        return mechanism_size(v, c)
    monotone = (spec or {}).get("args", {}).get("monotone", True)
    return profile_size(v, c, monotone is not False)


def _count(labels: object) -> int:
    """How many labels a file gives: a list's length or an int n (0..n-1); 1 for anything else (the
    engine then names what is wrong with it)."""
    if isinstance(labels, int) and not isinstance(labels, bool):
        return max(labels, 0)
    return len(labels) if isinstance(labels, list | tuple) else 1


def _game_estimate(data: dict, spec: dict | None) -> limits.Estimate:
    players = data.get("players")
    # names only: anything else (a list as a name) is left to the engine, which names what is wrong
    players = list(players) if isinstance(players, list) and all(isinstance(p, str) for p in players) else []
    actions = data.get("actions")
    if isinstance(actions, dict):
        counts = [_count(actions.get(p)) for p in players] if players else [_count(a) for a in actions.values()]
    else:
        counts = [_count(a) for a in actions] if isinstance(actions, list) else [1]
    n_states = _count(data["states"]) if data.get("states") is not None else 1
    method, args = (spec or {}).get("method"), (spec or {}).get("args", {})
    if method == "correlated_equilibrium_problem":
        return limits.bce_size(counts, 1, engine="correlated_equilibrium")
    if method == "bayes_correlated_equilibrium_problem":
        signals = args.get("signals") if isinstance(args.get("signals"), dict) else {}
        tables = [signals.get(p) for p in players]  # a table: one row per state, one column per signal
        return limits.bce_size(counts, n_states, [_count(t[0]) if isinstance(t, list) and t else 1 for t in tables],
                               cells=_cells_with_mass(data.get("prior"), tables, n_states))
    return limits.game_size(counts, n_states)


def _cells_with_mass(prior: object, tables: list, n_states: int) -> int | None:
    """How many (state, signal profile) cells have mass, prior[w] * prod_i P(t_i | w) > 0: the cells the
    engine builds. Counted from the file's lists without building them; None (every cell) where the
    data is not yet well formed (the engine then names what is wrong)."""
    weights = prior if isinstance(prior, list) and len(prior) == n_states else [1.0] * n_states
    total = 0
    for w, mass in enumerate(weights):
        if not isinstance(mass, int | float) or isinstance(mass, bool):
            return None
        if mass <= 0:
            continue
        count = 1
        for table in tables:
            if table is None:
                continue
            if not isinstance(table, list) or len(table) != n_states or not isinstance(table[w], list):
                return None
            row = table[w]
            if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in row):
                return None
            count *= sum(1 for x in row if x > 0)
        total += count
    return total


def check_size(model: str, data: dict, spec: dict | None, max_size: float, where: str) -> None:
    """An InputError giving the estimate (`estimate`) when it is above max_size."""
    size, unit, how = estimate(model, data, spec)
    if size > max_size:
        raise InputError(f"{where}: size: the model is estimated at {size:.3g} {unit} ({how}), above the limit "
                         f"{max_size:.3g}; to build it anyway pass --max-size {_round_up(size):.0e} "
                         "(Python: instances.load(path, max_size=...))")


def _round_up(x: float) -> float:
    """x rounded up to one significant digit (an override that lets x through)."""
    scale = 10.0 ** math.floor(math.log10(x))
    return math.ceil(x / scale) * scale
