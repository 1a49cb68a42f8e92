"""Information design with one receiver: Bayesian persuasion and third-degree price discrimination.

Both are the Bayes-correlated-equilibrium LP of a one-player game with a state (see `equilibrium`):
the designer picks mu[w, a] >= 0 (state w, recommended action a) with

    consistency   sum_a mu[w, a] == prior[w]                                     rows: states
    obedience     sum_w mu[w, a] (u[w, a] - u[w, b]) >= 0  for a != b            rows: (receiver, none, a, b)

and maximises sum_{w,a} mu[w, a] v[w, a] (the sender's payoff v). By the revelation principle a
recommendation is a posterior, and the optimum is the concavification of the sender's value at
the prior (Kamenica and Gentzkow 2011); `sol.prices["consistency"]` is the slope of that
concave envelope, d value / d prior mass of each state.

`segmentation` is Bergemann, Brooks and Morris (2015): the state is a consumer's value, the
receiver is a seller whose action is a price p, u[v, p] = p 1{v >= p}; a segment is the set of
consumers recommended one price. Its extra family

    profit_floor  sum_{v,p} mu[v, p] p 1{v >= p} >= floor    (one row; "uniform": the uniform-price profit)

keeps the seller at least as well off as without segmentation.

Only states with mass are built (`bayes_correlated_equilibrium`): a persuasion state of prior 0 or a
segmentation value of market mass 0 has no cells in the LP; `sol["mu"]` still lists it (zeros), its
consistency row is absent, and `sol.prices["prior"]` completes its price from the optimal dual
(d value / d prior of the full LP). `model.set(prior=...)` with mass on such a state is an
InputError naming `prior` (rebuild the model instead). Costly persuasion keeps every state (its
mutual-information term is written over the full state x action table).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ..builders.game_labels import as_index, outcome_array
from ..builders.segmentation import price_obedience
from ..core.errors import InputError
from ..core.family import family
from ..core.limits import bce_size, segmentation_size
from ..core.model import Model
from ..core.validate import increasing, labels, nonnegative
from .costly import add_entropy_cost, checked_cost
from .equilibrium import bayes_correlated_equilibrium, bce_model
from .game import FiniteGame

RECEIVER = "receiver"


def persuasion(states, prior, actions, receiver_payoff, sender_payoff, *, parametric: bool = False,
               information_cost: str | None = None, cost_weight: float | None = None,
               name: str = "persuasion") -> Model:
    """Bayesian persuasion of one receiver -> om.Model (value: the sender's expected payoff).

    states, actions: lists of labels; prior: one probability per state; receiver_payoff,
    sender_payoff: state x action tables (arrays with rows = states, or DataFrames aligned by label).
    Outputs: sol["mu"] (state x action; its action dimension is named by the player, "receiver", as in every
    game's decision rule), sol["policy"] = P(a | w) and sol["posteriors"] = P(w | a) (axes "state", "action").
    information_cost="entropy" with cost_weight=lam >= 0 (costly persuasion, `games.costly`): the value is
    E[sender payoff] - lam I(w; a), I the mutual information in nats, obedience kept; an exponential-cone
    program (solve(solver="CLARABEL")); extra outputs sol["mutual_information"], sol["sender_payoff"], and
    the parameter `cost_weight` (model.set(cost_weight=...) re-solves without recompiling).
    """
    lam = checked_cost(information_cost, cost_weight)
    states_ix = as_index("states", states, axis_name="state")
    actions_ix = as_index("actions", actions, axis_name="action")  # the axis of the receiver's actions
    bce_size([len(actions_ix)], len(states_ix), cells=_positive(prior, len(states_ix)),
             engine="persuasion").check()  # before the state x action tables
    axes = {"state": states_ix, "action": actions_ix}
    receiver = outcome_array("receiver_payoff", _rename(receiver_payoff), axes)
    sender = outcome_array("sender_payoff", _rename(sender_payoff), axes)
    game = FiniteGame([RECEIVER], {RECEIVER: actions_ix}, {RECEIVER: receiver}, states=states_ix, prior=prior,
                      name=name)
    model = bayes_correlated_equilibrium(game, None, sender, parametric=parametric, name=name,
                                         keep_zero_prior=lam is not None)
    model.units = "sender's expected payoff"
    if lam is not None:
        add_entropy_cost(model, states_ix, actions_ix, sender, lam)
        model.default_solver = "CLARABEL"  # exponential cones: HiGHS cannot take them
    model.output("policy", lambda sol: _table(sol["mu"], states_ix, actions_ix).div(
        _table(sol["mu"], states_ix, actions_ix).sum(axis=1).replace(0.0, np.nan), axis=0))
    model.output("posteriors", lambda sol: _table(sol["mu"], states_ix, actions_ix).div(
        _table(sol["mu"], states_ix, actions_ix).sum(axis=0).replace(0.0, np.nan), axis=1))
    return model


#: From this many values the segmentation LP goes to HiGHS's interior point with crossover (vertex prices still)
#: unless solve() names a solver: BBM's consumer-surplus segmentation of a random market, dual simplex against
#: interior point, 120 values 3.6 s / 3.6 s, 150: 8.6 / 5.7, 200: 23 / 9, 400: 324 / 103 (2 cores).
IPM_FROM_VALUES = 150


def segmentation(values, market, objective: str = "consumer_surplus", profit_floor="uniform", *,
                 sense: str = "max", name: str = "segmentation") -> Model:
    """Bergemann-Brooks-Morris segmentation of a market of consumer values -> om.Model.

    values: increasing positive values (the seller's prices are the same grid); market: the mass of
    each value (length of values). objective: "consumer_surplus", "profit" or "total_surplus".
    sense: "max" (default: the best segmentation for the objective) or "min" (the worst, e.g. the
    bottom edge of the surplus triangle: consumer surplus 0). profit_floor: "uniform" (the profit of
    the best uniform price), a number, or None (no floor).
    Outputs: consumer_surplus, profit, total_surplus, segments (price x value masses: axes "price", "value").
    From IPM_FROM_VALUES (150) values the model's default solver is HIGHS_IPM (2.5-3x faster there).
    """
    if not isinstance(sense, str) or sense not in ("max", "min"):
        raise InputError(f"sense: must be 'max' or 'min', got {sense!r}")
    v = increasing("values", values, positive=True)
    size = segmentation_size(v.size, _positive(market, v.size)).check()  # before the value x price tables
    vals = labels("value", v)
    q = nonnegative("market", market, length=v.size, index=vals)  # a labelled Series is read by value
    if q.sum() <= 0:
        raise InputError("market: has no mass")
    prices = labels("price", v)  # the seller's action: a price on the value grid
    sale = v[:, None] >= v[None, :]  # sale[value, price]
    profit = v[None, :] * sale
    surplus = (v[:, None] - v[None, :]) * sale
    goals = {"consumer_surplus": surplus, "profit": profit, "total_surplus": surplus + profit}
    if not isinstance(objective, str) or objective not in goals:
        raise InputError(f"objective: must be one of {list(goals)}, got {objective!r}")
    game = FiniteGame(["seller"], {"seller": prices}, {"seller": profit}, states=vals, prior=q / q.sum(), name=name)
    model = bce_model(game, None, goals[objective], sense=sense, name=name, size=size,
                      measure=partial(_suffix_measure, prices=prices))
    model.units = objective.replace("_", " ")
    if v.size >= IPM_FROM_VALUES:
        model.default_solver = "HIGHS_IPM"
    model.set(prior=q)
    mu = model.measure  # type: ignore[attr-defined]
    select = axes_of(model).selection()
    if profit_floor is not None:
        if isinstance(profit_floor, str):
            if profit_floor != "uniform":
                raise InputError(f"profit_floor: must be 'uniform', a number or None, got {profit_floor!r}")
            # the best uniform price's profit of the market being solved: it follows `set(prior=...)`
            par = model.derived_parameter("profit_floor", ("prior",), partial(_uniform_profit, v), nonneg=True)
        else:
            floor = float(nonnegative("profit_floor", profit_floor, length=1)[0])
            par = model.parameter("profit_floor", floor, nonneg=True)
        model.constrain("profit_floor", family((select @ profit.reshape(-1)) @ mu, ">=", par,
                                               description="the seller earns at least the floor"))
        model.prior_terms.append(("profit_floor", profit))  # type: ignore[attr-defined]
    weights = {key: select @ table.reshape(-1) for key, table in goals.items()}
    for key in goals:
        model.output(key, _expectation(weights[key], mu))
    model.output("segments", lambda sol: _table(sol["mu"], vals, prices).T)
    return model


def _suffix_measure(model: Model, axes, *, prices: pd.Index) -> tuple:
    """mu (the variable "mu", kept values x prices) with the suffix masses S (the variable "suffix") and the
    families "suffix" and "obedience" (`builders.segmentation.price_obedience`: about 3 m n + 2 n^2 nonzeros
    instead of m n^2)."""
    size = axes.n_cells * len(prices)
    mu = model.variable("mu", size, index=axes.flat_labels(), show=False, nonneg=True)
    suffix = model.variable("suffix", size, show=False, nonneg=True)
    return mu, price_obedience(mu, suffix, axes.cells, prices, axes.obedience_labels(0))


def _positive(masses, n: int) -> int:
    """How many of the n masses are positive (n when they are not numbers yet: validated later)."""
    try:
        arr = np.asarray(getattr(masses, "values", masses))
        if arr.dtype.kind not in "biuf":  # complex, strings, objects: the validation names them
            return n
        arr = arr.astype(float).reshape(-1)
    except (TypeError, ValueError):
        return n
    return int(np.count_nonzero(arr > 0)) if arr.size == n else n


def _uniform_profit(values: np.ndarray, market: np.ndarray) -> float:
    """max_p p * (mass of values >= p): the seller's profit at the best uniform price."""
    return float(np.max(values * np.asarray(market, float)[::-1].cumsum()[::-1]))


def axes_of(model: Model):
    """The MeasureAxes a BCE model was built on."""
    return model.axes  # type: ignore[attr-defined]


def _expectation(weights: np.ndarray, mu):
    """sol -> the expectation of an outcome vector (flat over the measure) under the solved measure."""
    return lambda sol: float(weights @ mu.value)


def _rename(data):
    """A DataFrame's axis names are positional here (rows: states, columns: actions)."""
    return data.rename_axis(index=None, columns=None) if isinstance(data, pd.DataFrame) else data


def _table(mu, rows: pd.Index, cols: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(getattr(mu, "values", mu), float).reshape(len(rows), len(cols)),
                        index=rows, columns=cols)
