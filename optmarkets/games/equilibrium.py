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

Only cells with mass are built: mu, its consistency rows and its obedience sums cover the (state,
signal profile) cells where prior[w] * prod_i P(t_i | w) > 0 (a private-values auction keeps 1/n^2
of the product). The likelihoods are fixed data, so a cell with likelihood 0 is never built. States
with prior 0 are left out too (`keep_zero_prior=True` keeps them, e.g. to sweep the prior onto
them): `model.set(prior=...)` putting mass on a state left out is an InputError naming `prior`.
`sol["mu"]` is still the full labelled array (zeros off the support); `sol.prices["consistency"]`
has one row per cell built (a cell with likelihood 0 can never receive mass, so it has no row);
`sol.prices["prior"]` has every state: at a state left out it is the full LP's price of prior[w],
from the optimal dual completed on that state's cells, y[w, t] = max_a (c[w, a] - prices of
obedience . gains[w, t, a]) (min in a minimisation): with mu = 0 there, that y keeps the full dual
feasible and complementary, so it is an optimal dual of the full LP. Like every price at a kink it
is a supergradient (subgradient in a minimisation): here at least the right derivative, the value
of the first mass put on that state, and equal to it where the obedience prices are unique.

symmetric=True ("auto": where there is one) solves the LP on the orbits of the players' symmetry
(`games.symmetry`: the permutations of the players that leave the game unchanged, each with its
permutation of the states; swaps of exchangeable players, and rotations such as a ring's): variable
mu_sym and families consistency_sym, obedience_sym, one per orbit (`builders.symmetry`); sol["mu"] is the
full rule, sol.prices["consistency"] and ["obedience"] the full families' prices (each orbit's price
shared equally: a symmetric optimal dual of the full LP), and the prior stays settable, symmetric only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..builders.games import MeasureAxes, game_consistency, game_obedience, support_cells, support_count
from ..builders.obedience import game_gain_matrix
from ..builders.symmetry import constrain_on_orbits, symmetric_mode
from ..core.errors import InputError
from ..core.family import Family
from ..core.limits import Estimate, bce_size
from ..core.model import Model
from ..core.validate import LazyLabels, nonnegative, real_array
from .events import objective_vector
from .game import FiniteGame, InformationStructure
from .symmetry import GameSymmetry, game_symmetry, player_maps


def bayes_correlated_equilibrium(game: FiniteGame, info: InformationStructure | None = None,
                                 objective="welfare", *, sense: str = "max", parametric: bool = False,
                                 keep_zero_prior: bool = False, symmetric: bool | str = False,
                                 name: str | None = None) -> Model:
    """The BCE linear program of `game` under `info` (None: players observe nothing) -> om.Model.

    objective: "welfare", a player's name, an outcome array (e.g. `game.event(state="G", p1="invest")`,
    whose expectation is the event's probability) or [(weight, selection or name), ...]
    (`games.events`). Built on the cells with mass only (module docstring); keep_zero_prior=True
    also builds the cells of states whose prior is 0 now. symmetric=True solves the LP on the orbits of
    the players' symmetry (an InputError where no permutation of the players is one), "auto" where
    there is one (module docstring)."""
    return bce_model(game, info, objective, sense=sense, parametric=parametric, keep_zero_prior=keep_zero_prior,
                     symmetric=symmetric, name=name)


def bce_model(game: FiniteGame, info: InformationStructure | None, objective, *, sense: str = "max",
              parametric: bool = False, keep_zero_prior: bool = False, symmetric: bool | str = False,
              name: str | None = None,
              measure: Callable[[Model, MeasureAxes], tuple[cp.Expression, dict[str, Family]]] | None = None,
              size: Estimate | None = None) -> Model:
    """`bayes_correlated_equilibrium`, with the measure and its obedience from `measure(model, axes)` where
    given: mu as an expression of the hook's own variables, and families holding "obedience" (the game
    obedience's rows, in its order) and mu >= 0 (the segmentation's suffix masses, `price_obedience`); and the
    size guard `size` instead of the generic one."""
    if not isinstance(game, FiniteGame):
        raise InputError(f"game: expected a FiniteGame, got {type(game).__name__}")
    if info is None:
        info = InformationStructure(game)
    elif not isinstance(info, InformationStructure) or info.game is not game:
        raise InputError("info: expected an InformationStructure built on this game")
    (size or _size(game, info, keep_zero_prior=keep_zero_prior)).check()
    n_states = len(game.prior)
    tables = [info.likelihoods.get(p) for p in game.players]
    alive = np.ones(n_states) if keep_zero_prior else np.asarray(game.prior, float)
    lik = info.likelihood_matrix()  # (states, signal profiles)
    support = support_cells(alive, tables)
    axes = info.measure_axes(support=support if len(support) < lik.size else None)
    model = Model(name or f"BCE of {game.name}", sense=sense, units="expected payoff",
                  description="Bayes correlated equilibrium (Bergemann-Morris 2016)")
    model.game, model.info, model.axes = game, info, axes  # type: ignore[attr-defined]
    states = game.states if game.states is not None else pd.Index(["all"], name="state")
    left_out = np.flatnonzero(alive <= 0)
    payoffs = _payoffs(model, game, axes, parametric)
    c = _objective(game, objective, payoffs)
    symmetry = _symmetry(symmetric, game, info, axes, c, parametric)
    prior = model.parameter("prior", game.prior, index=states, nonneg=True,
                            validate=lambda v: _checked_prior(v, states, left_out, symmetry))
    special: dict[str, Family] = {}
    if measure is not None:  # a special form of the measure and its obedience (one player: no symmetry)
        mu, special = measure(model, axes)
    elif symmetry is None:
        mu = model.variable("mu", axes.size, index=axes.flat_labels(), show=False, nonneg=True)
    else:  # mu = P z, z one entry per orbit
        z = model.variable("mu_sym", symmetry.entries.count,
                           index=LazyLabels(symmetry.entries.count,
                                            lambda: axes.flat_index()[symmetry.entries.representative]),
                           show=False, nonneg=True)
        mu = symmetry.entries.spread() @ z
    model.symmetry, model.measure = symmetry, mu  # type: ignore[attr-defined]
    if axes.pruned:  # mass[c] = P(t_c | w_c) prior[w_c] on the kept cells only (no matrix over every cell)
        spread = sp.csr_matrix((lik.reshape(-1)[axes.cells], (np.arange(axes.n_cells), axes.cells // lik.shape[1])),
                               shape=(axes.n_cells, n_states))
    else:
        spread = sp.diags(lik.reshape(-1)) @ sp.kron(sp.identity(n_states), np.ones((lik.shape[1], 1)), format="csr")
    consistency = game_consistency(mu, axes, spread @ prior)
    if special:
        model.constrain("consistency", consistency)
        model.constrain_all(special)
    elif symmetry is None:
        model.constrain("consistency", consistency)
        model.constrain("obedience", game_obedience(mu, axes, payoffs))
    else:  # one row per orbit; the full rows' prices are the orbit prices shared (builders.symmetry)
        obedience_rows = game_obedience(mu, axes, payoffs)
        constrain_on_orbits(model, "consistency", consistency, symmetry.cells, ["consistency"], consistency.index)
        constrain_on_orbits(model, "obedience", obedience_rows, symmetry.rows, ["obedience"], obedience_rows.index)
    select = axes.selection()
    goal = (select @ c) @ mu
    (model.maximize if sense == "max" else model.minimize)(goal)
    # sol["mu"] is the full labelled array: built when first read from a copy of the kept entries (a
    # solve of a pruned model never allocates the full product unless it is read)
    model.bundle("mu", lambda sol: _defer_measure(sol, axes, mu))
    model.output("payoffs", lambda sol: pd.Series(
        {p: float(select @ np.asarray(_value(payoffs[i]), float).reshape(-1) @ mu.value)
         for i, p in enumerate(game.players)}, name="expected payoff"))
    # families a caller adds over mu (segmentation's profit floor): (name, coefficients over (state, profile)),
    # their prices enter the completion of the prices of the states left out
    terms: list[tuple[str, np.ndarray]] = []
    model.prior_terms = terms  # type: ignore[attr-defined]
    model.price("prior", lambda sol: pd.Series(
        _prior_prices(sol, axes, lik, left_out, tables, payoffs, c, sense, terms), index=states, name="prior"))
    return model


def correlated_equilibrium(game: FiniteGame, objective="welfare", *, sense: str = "max", parametric: bool = False,
                           symmetric: bool | str = False, name: str | None = None) -> Model:
    """The correlated-equilibrium LP of a game without states (Aumann 1974) -> om.Model; objective as in
    `bayes_correlated_equilibrium` (e.g. `game.event(p1="C", p2="C")`: P(both play C))."""
    if isinstance(game, FiniteGame) and game.has_states:
        raise InputError("game: has states; a correlated equilibrium is for games without states — use "
                         "bayes_correlated_equilibrium(game, info) to say who observes what")
    if isinstance(game, FiniteGame):
        _size(game, None, engine="correlated_equilibrium").check()
    return bayes_correlated_equilibrium(game, None, objective, sense=sense, parametric=parametric,
                                        symmetric=symmetric, name=name or f"CE of {getattr(game, 'name', 'game')}")


def _size(game: FiniteGame, info: InformationStructure | None, *, engine: str = "bayes_correlated_equilibrium",
          keep_zero_prior: bool = False):
    """The LP's size from the counts alone (`core.limits.bce_size`: the cells with mass), before any
    array over its cells."""
    signals = [len(info.signals[p]) if info is not None and p in info.signals else 1 for p in game.players]
    tables = [info.likelihoods.get(p) if info is not None else None for p in game.players]
    alive = np.ones(len(game.prior)) if keep_zero_prior else game.prior
    return bce_size([len(game.actions[p]) for p in game.players], len(game.prior), signals,
                    cells=support_count(alive, tables), engine=engine)


def _symmetry(symmetric, game: FiniteGame, info: InformationStructure, axes: MeasureAxes, objective,
              parametric: bool) -> GameSymmetry | None:
    """The players' symmetry the LP is reduced by (`games.symmetry`), or None for the full LP."""
    symmetric = symmetric_mode(symmetric)
    if symmetric is False:
        return None
    if parametric:
        raise InputError("symmetric: a parametric model's payoffs can be set to asymmetric ones; build it with "
                         "parametric=False to solve it on the players' symmetry")
    maps = player_maps(game, info, np.asarray(objective, float))
    if not maps:
        if symmetric == "auto":
            return None
        raise InputError("symmetric: no permutation of the players leaves the game unchanged (same numbers of "
                         "actions and signals, and payoffs, likelihoods, prior and objective unchanged)")
    return game_symmetry(game, info, axes, np.asarray(objective, float), maps)


def _checked_prior(value, states: pd.Index, left_out: np.ndarray, symmetry: GameSymmetry | None = None) -> np.ndarray:
    """A non-negative prior that puts no mass on the states the model was built without (and is symmetric where
    the model was built on the players' symmetry)."""
    arr = nonnegative("prior", value, length=len(states), index=states)  # a Series is read by its state labels
    if symmetry is not None:
        symmetry.invariant("prior", arr)
    if left_out.size and (arr[left_out] > 0).any():
        names = list(states[left_out[arr[left_out] > 0]])
        raise InputError(f"prior: puts mass on states {names}, whose prior was 0 when the model was built, so "
                         "their cells were left out of the LP (only cells with mass are built); rebuild the "
                         "model with this prior, or build it with keep_zero_prior=True")
    return arr


def _prior_prices(sol, axes: MeasureAxes, lik: np.ndarray, left_out: np.ndarray, tables: list, payoffs: list,
                  objective, sense: str, terms: list | None = None) -> np.ndarray:
    """d value / d prior[w] = sum_t price of mass[w, t] * P(t | w): the consistency prices of the cells
    built, completed on the states left out by the optimal dual y (module docstring), the families of `terms`
    included (name, coefficients over (state, action profile): a profit floor's row; left out, the completion
    was below the right derivative); cells of likelihood 0 weigh 0."""
    cell_price = np.zeros(lik.size)
    cell_price[axes.cells] = np.asarray(sol.prices["consistency"], float).reshape(-1)
    if left_out.size:
        indicator = np.zeros(lik.shape[0])
        indicator[left_out] = 1.0
        aux = MeasureAxes(axes.players, axes.actions, axes.states, axes.signals,
                          support=support_cells(indicator, tables))
        gains = game_gain_matrix(aux, [np.asarray(_value(u), float).reshape(-1) for u in payoffs])
        obedience_price = np.asarray(sol.prices["obedience"], float).reshape(-1)
        reduced = aux.selection() @ np.asarray(_value(objective), float).reshape(-1) - gains.T @ obedience_price
        per_cell = reduced.reshape(aux.n_cells, aux.n_profiles)
        state_of = np.unravel_index(np.asarray(aux.cells), lik.shape)[0]
        for name, table in terms or []:  # y multiplies (rhs - lhs): the reduced cost loses y * coefficient
            per_cell = per_cell - float(np.asarray(sol.prices[name], float).reshape(-1)[0]) * table[state_of]
        cell_price[aux.cells] = per_cell.max(axis=1) if sense == "max" else per_cell.min(axis=1)
    return (cell_price.reshape(lik.shape) * lik).sum(axis=1) + 0.0


def _defer_measure(sol, axes: MeasureAxes, mu: cp.Expression) -> dict:
    """Keep a copy of the solved kept entries; sol["mu"] expands them when first read."""
    sol.outputs.defer_call("mu", partial(measure, axes, np.array(mu.value, dtype=float)))
    return {}


def measure(axes: MeasureAxes, values):
    """The flat measure labelled: an xarray.DataArray over axes.labelled_axes() (a Series without xarray)."""
    arr = axes.expand(values)
    keep = ([] if axes.states is not None else [0]) + [1 + i for i, s in enumerate(axes.signals) if s is None]
    arr = arr.reshape([d for j, d in enumerate(arr.shape) if j not in keep])
    labelled = axes.labelled_axes()
    try:
        import xarray as xr
    except ImportError:  # pragma: no cover - xarray is optional
        full = MeasureAxes(axes.players, axes.actions, axes.states, axes.signals)
        return pd.Series(arr.reshape(-1), index=full.flat_index(), name="mu")
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
