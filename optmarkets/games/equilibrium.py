"""Correlated and Bayes correlated equilibrium as optmarkets Models.

Bayes correlated equilibrium (Bergemann and Morris 2016): a decision rule mu[w, t, a] (state w,
each player's signal t_i, each player's recommended action a_i) with

    consistency   sum_a mu[w, t, a] == prior[w] * prod_i P(t_i | w)               rows (state, signals)
    obedience     sum_{w, t_-i, a_-i} mu[w, t, a_i, a_-i] (u_i[w, a_i, a_-i] - u_i[w, b_i, a_-i]) >= 0
                  for every player i, own signal t_i, recommendation a_i, deviation b_i  rows (player,
                  signal, recommended, deviation)
    mu >= 0,

maximising sum_{w,t,a} mu[w, t, a] * c[w, a] with c the welfare (sum of payoffs), a player's payoff,
any outcome array (an event's indicator `game.event(state=..., p1=...)`: the event's probability) or
a list of (weight, selection) pairs (`games.events`). A correlated equilibrium is the case of one
state and no signals.

The model's Parameter `prior` enters the consistency rows (a sweep over the prior re-solves without
recompiling); `parametric=True` also makes every payoff a Parameter `u_<player>` (flat over the
outcomes, C order over (state, actions)), so `model.set(**{"u_row": U})` re-solves without
recompiling. `sol["mu"]` is the measure as an xarray.DataArray with dims state (if the game has
states), signal_<player> (informed players), then one dim per player (its action);
`sol.prices["consistency"]` = d value / d mass[w, t], `sol.prices["prior"]` = d value / d prior[w]
(the likelihoods held fixed), `sol["payoffs"]` each player's expected payoff.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..builders.games import MeasureAxes, game_consistency, game_obedience
from ..core.errors import InputError
from ..core.limits import bce_size
from ..core.model import Model
from ..core.validate import nonnegative, real_array
from .events import objective_vector
from .game import FiniteGame, InformationStructure


def bayes_correlated_equilibrium(game: FiniteGame, info: InformationStructure | None = None,
                                 objective="welfare", *, sense: str = "max", parametric: bool = False,
                                 name: str | None = None) -> Model:
    """The BCE linear program of `game` under `info` (None: players observe nothing) -> om.Model.

    objective: "welfare", a player's name, an outcome array (e.g. `game.event(state="G", p1="invest")`,
    whose expectation is the event's probability) or [(weight, selection or name), ...]
    (`games.events`)."""
    if not isinstance(game, FiniteGame):
        raise InputError(f"game: expected a FiniteGame, got {type(game).__name__}")
    if info is None:
        info = InformationStructure(game)
    elif not isinstance(info, InformationStructure) or info.game is not game:
        raise InputError("info: expected an InformationStructure built on this game")
    _size(game, info).check()
    axes = info.measure_axes()
    model = Model(name or f"BCE of {game.name}", sense=sense, units="expected payoff",
                  description="Bayes correlated equilibrium (Bergemann-Morris 2016)")
    model.game, model.info, model.axes = game, info, axes  # type: ignore[attr-defined]
    states = game.states if game.states is not None else pd.Index(["all"], name="state")
    n_states = len(game.prior)
    prior = model.parameter("prior", game.prior, index=states, nonneg=True,
                            validate=lambda v: nonnegative("prior", v, length=n_states))
    mu = model.variable("mu", axes.size, index=axes.flat_index(), show=False, nonneg=True)
    lik = info.likelihood_matrix()  # (states, signal profiles)
    spread = sp.diags(lik.reshape(-1)) @ sp.kron(sp.identity(n_states), np.ones((lik.shape[1], 1)), format="csr")
    model.constrain("consistency", game_consistency(mu, axes, spread @ prior))
    payoffs = _payoffs(model, game, axes, parametric)
    model.constrain("obedience", game_obedience(mu, axes, payoffs))
    c = _objective(game, objective, payoffs)
    select = axes.selection()
    goal = (select @ c) @ mu
    (model.maximize if sense == "max" else model.minimize)(goal)
    model.output("mu", lambda sol: measure(axes, mu.value))
    model.output("payoffs", lambda sol: pd.Series(
        {p: float(select @ np.asarray(_value(payoffs[i]), float).reshape(-1) @ mu.value)
         for i, p in enumerate(game.players)}, name="expected payoff"))
    model.price("prior", lambda sol: pd.Series(
        (np.asarray(sol.prices["consistency"], float).reshape(lik.shape) * lik).sum(axis=1) + 0.0,
        index=states, name="prior"))
    return model


def correlated_equilibrium(game: FiniteGame, objective="welfare", *, sense: str = "max", parametric: bool = False,
                           name: str | None = None) -> Model:
    """The correlated-equilibrium LP of a game without states (Aumann 1974) -> om.Model; objective as in
    `bayes_correlated_equilibrium` (e.g. `game.event(p1="C", p2="C")`: P(both play C))."""
    if isinstance(game, FiniteGame) and game.has_states:
        raise InputError("game: has states; a correlated equilibrium is for games without states — use "
                         "bayes_correlated_equilibrium(game, info) to say who observes what")
    if isinstance(game, FiniteGame):
        _size(game, None, engine="correlated_equilibrium").check()
    return bayes_correlated_equilibrium(game, None, objective, sense=sense, parametric=parametric,
                                        name=name or f"CE of {getattr(game, 'name', 'game')}")


def _size(game: FiniteGame, info: InformationStructure | None, *, engine: str = "bayes_correlated_equilibrium"):
    """The LP's size from the counts alone (`core.limits.bce_size`), before any array over its cells."""
    signals = [len(info.signals[p]) if info is not None and p in info.signals else 1 for p in game.players]
    return bce_size([len(game.actions[p]) for p in game.players], len(game.prior), signals, engine=engine)


def measure(axes: MeasureAxes, values):
    """The flat measure labelled: an xarray.DataArray over axes.labelled_axes() (a Series without xarray)."""
    arr = np.asarray(values, dtype=float).reshape(axes.shape)
    keep = ([] if axes.states is not None else [0]) + [1 + i for i, s in enumerate(axes.signals) if s is None]
    arr = arr.reshape([d for j, d in enumerate(arr.shape) if j not in keep])
    labelled = axes.labelled_axes()
    try:
        import xarray as xr
    except ImportError:  # pragma: no cover - xarray is optional
        return pd.Series(arr.reshape(-1), index=axes.flat_index(), name="mu")
    return xr.DataArray(arr, coords=labelled, dims=list(labelled), name="mu")


def _value(u):
    return u.value if isinstance(u, cp.Expression) else u


def _payoffs(model: Model, game: FiniteGame, axes: MeasureAxes, parametric: bool) -> list:
    flat = [game.payoff(p, with_state=True).reshape(-1) for p in game.players]
    if not parametric:
        return flat
    outcome_index = _outcome_index(game)
    out = []
    for p, u in zip(game.players, flat, strict=True):
        def check(v, p=p, n=u.size):
            arr = real_array(f"u_{p}", v) if not hasattr(v, "index") and not hasattr(v, "dims") else None
            if arr is not None and arr.ndim == 1 and arr.size == n:
                if not np.isfinite(arr).all():
                    raise InputError(f"u_{p}: contains NaN or infinite entries")
                return arr
            return game.outcome(f"u_{p}", v).reshape(-1)
        out.append(model.parameter(f"u_{p}", u, index=outcome_index, validate=check))
    return out


def _outcome_index(game: FiniteGame) -> pd.MultiIndex:
    axes = game.outcome_axes() if game.has_states else {"state": pd.Index(["all"]), **game.outcome_axes()}
    return pd.MultiIndex.from_product(list(axes.values()), names=list(axes))


def _objective(game: FiniteGame, objective, payoffs: list):
    """The objective's outcome vector (flat over (state, actions)): "welfare", a player's name, an outcome
    array (an event's indicator, `game.event(...)`, among them) or [(weight, selection or name), ...];
    see `games.events`."""
    return objective_vector(game, objective, payoffs)
