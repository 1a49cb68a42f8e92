"""Events over a game's outcomes, and objectives built from them.

An *event* is a set of outcomes (state if the game has states, then one action per player) given as
a product of selections: `event(game, state="G", p1="invest", p2="invest")` is the indicator array
over the outcome axes (the axes of a payoff, `game.outcome_axes()`) that is 1 where the state is G
and both players invest, 0 elsewhere. Each keyword names a player (or `state`); its value is one
label or a list of labels; a player not named may take any action. So E_mu[event] = P(event) under
a decision rule mu, and an event array is an objective wherever an outcome array is one.

An *objective* (`correlated_equilibrium`, `bayes_correlated_equilibrium`, `expectation`) is

- "welfare" (the sum of the payoffs) or a player's name (that player's payoff);
- an outcome array (numpy, pandas or xarray, as a payoff), e.g. `game.event(...)` or
  `2 * game.event(p1="invest") + game.welfare()`;
- a list of (weight, term) pairs, each term a selection {player or "state": label(s)} (the event it
  selects) or one of the strings above: the objective is sum_k weight_k * term_k. E.g.
  `[(1.0, {"p1": "invest", "p2": "invest"})]` is P(both invest) and
  `[(1.0, {"state": "G", "p1": "invest"}), (0.1, "welfare")]` adds a tenth of the welfare.

A mapping is not an objective (a selection alone would read as {player: weight}): write
`game.event(**selection)` or `[(1.0, selection)]`.

`expectation(model, objective)` is the objective's expectation under the decision rule of a model
built by `correlated_equilibrium` / `bayes_correlated_equilibrium` (or `persuasion`): an affine
cvxpy expression in the model's variable `mu`, for `om.frontier(model, {name: expression, ...})`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.validate import finite_number

if TYPE_CHECKING:
    from ..core.model import Model
    from .game import FiniteGame

_COLLECTIONS = (list, tuple, set, frozenset, pd.Index, np.ndarray, pd.Series)


def event(game: FiniteGame, selections: Mapping[str, Any], *, name: str = "event") -> np.ndarray:
    """The indicator array (floats 0/1, shape `game.outcome_shape()`) of the outcomes `selections`
    picks: {player or "state": one label or a list of labels}; an unnamed axis is not restricted.
    An unknown keyword or label is an InputError naming `name` and the keyword, listing the valid ones."""
    axes = game.outcome_axes()
    if not isinstance(selections, Mapping):
        raise InputError(f"{name}: expected a selection {{player or 'state': label(s)}}, "
                         f"got {type(selections).__name__}")
    for key in selections:
        if key not in axes:
            if key == "state":
                raise InputError(f"{name}: state: the game has no states (select players' actions: "
                                 f"{list(game.players)})")
            raise InputError(f"{name}: {key!r} is neither a player of the game nor 'state'; "
                             f"valid keywords: {list(axes)}")
    masks = [_mask(name, key, index, selections[key]) if key in selections else np.ones(len(index))
             for key, index in axes.items()]
    indicator = masks[0]
    for mask in masks[1:]:  # one outer product per axis: the product set's indicator
        indicator = np.multiply.outer(indicator, mask)
    return np.asarray(indicator, dtype=float).reshape(game.outcome_shape())


def _mask(name: str, key: str, index: pd.Index, value: Any) -> np.ndarray:
    """1 on the labels `value` selects on the axis `key` (one label or a collection of labels)."""
    what = "states" if key == "state" else f"actions of {key}"
    if isinstance(value, _COLLECTIONS):
        chosen = list(value)
        if not chosen:
            raise InputError(f"{name}: {key}: selects no label (an empty list); valid {what}: {list(index)}")
    else:
        chosen = [value]
    try:
        positions = index.get_indexer(pd.Index(chosen, dtype=object))
    except (TypeError, ValueError):  # unhashable labels
        positions = np.full(len(chosen), -1)
    unknown = [lab for lab, pos in zip(chosen, positions, strict=True) if pos < 0]
    if unknown:
        raise InputError(f"{name}: {key}: {unknown} are not {what}; valid {what}: {list(index)}")
    mask = np.zeros(len(index))
    mask[positions] = 1.0
    return mask


def objective_vector(game: FiniteGame, objective: Any, payoffs: Sequence[Any], *, name: str = "objective"):
    """The objective's vector over outcomes (flat, C order over (state, actions); a state axis of
    length 1 when the game has none), from the module's forms. payoffs: each player's flat payoff
    (an array, or the model's Parameter `u_<player>` when it is parametric)."""
    if isinstance(objective, str):
        return _named(game, objective, payoffs, name)
    if isinstance(objective, Mapping):
        raise InputError(f"{name}: a mapping is not an objective; for the probability of an event write "
                         f"game.event(**selection) or [(1.0, selection)], e.g. [(1.0, {{'{game.players[0]}': "
                         f"{game.actions[game.players[0]][0]!r}}})]")
    if _is_pairs(objective):
        total: Any = np.zeros(int(np.prod(game.outcome_shape())))
        for k, pair in enumerate(objective):
            field = f"{name}[{k}]"
            if not (isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2):
                raise InputError(f"{field}: expected a (weight, selection) pair, got {pair!r}")
            weight = finite_number(f"{field} weight", pair[0])
            term = pair[1]
            if isinstance(term, str):
                vector = _named(game, term, payoffs, field)
            elif isinstance(term, Mapping):
                vector = event(game, term, name=field).reshape(-1)
            else:
                raise InputError(f"{field}: the term must be a selection {{player or 'state': label(s)}}, "
                                 f"'welfare' or a player's name, got {type(term).__name__}")
            total = weight * vector + total  # an expression first: ndarray + Expression stays an Expression
        return total
    return game.outcome(name, objective).reshape(-1)


def _is_pairs(objective: Any) -> bool:
    """A list of (weight, term) pairs: a list or tuple whose first entry pairs a number with a term.
    (A nested list of numbers, an outcome array, never holds a mapping or a string.)"""
    if not isinstance(objective, list | tuple) or not objective:
        return False
    first = objective[0]
    return (isinstance(first, list | tuple) and len(first) == 2
            and isinstance(first[1], Mapping | str))


def _named(game: FiniteGame, objective: str, payoffs: Sequence[Any], name: str):
    if objective == "welfare":
        return sum(payoffs[1:], payoffs[0])
    if objective in game.players:
        return payoffs[game.players.index(objective)]
    raise InputError(f"{name}: '{objective}' is neither 'welfare' nor a player ({list(game.players)})")


def expectation(model: Model, objective: Any = "welfare") -> cp.Expression:
    """E_mu[objective] as an affine cvxpy expression in the decision rule `mu` of `model`, a model built
    by `correlated_equilibrium`, `bayes_correlated_equilibrium` or `persuasion`; objective in any of
    the module's forms (an event array gives the event's probability). With `parametric=True` the
    payoff terms ("welfare", a player) use the model's payoff Parameters."""
    from .game import FiniteGame

    game, axes = getattr(model, "game", None), getattr(model, "axes", None)
    measure = getattr(model, "measure", None)  # mu, or P z on a symmetric model
    if measure is None and "mu" in getattr(model, "variables", {}):
        measure = model.var("mu")
    if not isinstance(game, FiniteGame) or axes is None or measure is None:
        raise InputError(f"model: expected a model built by correlated_equilibrium or "
                         f"bayes_correlated_equilibrium, got {type(model).__name__}")
    payoffs = [model.param(f"u_{p}") if f"u_{p}" in model.parameters
               else game.payoff(p, with_state=True).reshape(-1) for p in game.players]
    return (axes.selection() @ objective_vector(game, objective, payoffs)) @ measure
