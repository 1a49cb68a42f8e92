"""Costly information design: persuasion that pays lam x the mutual information of state and recommendation.

With the measure mu[w, a] (state w, recommended action a), the prior p(w) = sum_a mu[w, a] and the
recommendation's marginal m(a) = sum_w mu[w, a], the signal's cost is (in nats)

    I(w; a) = sum_{w,a} mu[w, a] log( mu[w, a] / (p(w) m(a)) ) = sum_{w,a} rel_entr(mu[w, a], p(w) m(a)),

jointly convex in mu (rel_entr(x, y) = x log(x / y) is jointly convex and p(w) m(a) is affine in mu), so
maximising E[sender payoff] - lam I(w; a) under consistency and obedience is an exponential-cone program.
It is written as sum rel_entr(lam mu, (lam p(w)) m(a)) = lam I, with lam p a derived parameter
(`weighted_prior`, following `prior` and `cost_weight`): DPP, so `set(cost_weight=...)` or
`set(prior=...)` re-solves without recompiling. With the sender's payoff equal to the receiver's and
obedience slack this is rational inattention (Matejka and McKay 2015).
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.model import Model

#: the information costs `persuasion(information_cost=...)` accepts
INFORMATION_COSTS = ("entropy",)


def checked_cost(information_cost, cost_weight) -> float | None:
    """The cost weight lam (a finite number >= 0) when an information cost is asked for, else None."""
    if information_cost is None:
        if cost_weight is not None:
            raise InputError("cost_weight: given without an information_cost; pass information_cost='entropy'")
        return None
    if not isinstance(information_cost, str) or information_cost not in INFORMATION_COSTS:
        raise InputError(f"information_cost: must be one of {list(INFORMATION_COSTS)} or None, "
                         f"got {information_cost!r}")
    if cost_weight is None:
        raise InputError("cost_weight: required with information_cost='entropy' (lam, the price of a nat)")
    return _weight(cost_weight)


def _weight(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"cost_weight: must be a number >= 0, got {value!r}")
    if not math.isfinite(float(value)) or float(value) < 0:
        raise InputError(f"cost_weight: must be a finite number >= 0, got {value!r}")
    return float(value)


def add_entropy_cost(model: Model, states: pd.Index, actions: pd.Index, sender: np.ndarray,
                     cost_weight: float) -> None:
    """Subtract cost_weight x I(w; a) from the objective of a one-receiver BCE model (`persuasion`).

    Adds the parameter `cost_weight`, the derived parameter `weighted_prior`, the outputs
    `mutual_information` (nats) and `sender_payoff` (the expected payoff before the cost), and makes
    `sol.prices["prior"]` = d value / d prior[w] = consistency price + lam (the cost's own dependence on
    p(w): d/dp(w) of -lam sum_a mu log(mu / (p(w) m(a))) = lam sum_a mu[w, a] / p(w) = lam).
    """
    n_states, n_actions = len(states), len(actions)
    mu = model.var("mu")
    joint = cp.reshape(mu, (n_states, n_actions), order="C")  # the flat measure is state-major (C order)
    weight = model.parameter("cost_weight", cost_weight, nonneg=True, validate=_weight)
    weighted_prior = model.derived_parameter("weighted_prior", ("prior", "cost_weight"),
                                             lambda prior, lam: np.asarray(prior, float) * float(lam), nonneg=True)
    marginal = cp.sum(joint, axis=0)  # m(a)
    independent = cp.reshape(weighted_prior, (n_states, 1), order="C") @ cp.reshape(marginal, (1, n_actions),
                                                                                    order="C")
    weighted_information = cp.sum(cp.rel_entr(weight * joint, independent))  # = lam I(w; a)
    payoff = model.objective
    model.maximize(payoff - weighted_information)
    model.units = "sender's expected payoff less cost_weight x mutual information (nats)"

    def information(sol) -> float:
        table = np.asarray(getattr(sol["mu"], "values", sol["mu"]), float).reshape(n_states, n_actions)
        return mutual_information(table, np.asarray(sol.parameters["prior"], float).reshape(-1))

    model.output("mutual_information", information)
    sender_flat = np.asarray(sender, float).reshape(-1)  # states x actions, C order: the measure's order
    model.output("sender_payoff", lambda sol: float(sender_flat @ np.asarray(
        getattr(sol["mu"], "values", sol["mu"]), float).reshape(-1)))
    model.price("prior", lambda sol: pd.Series(
        np.asarray(sol.prices["consistency"], float).reshape(-1) + float(sol.parameters["cost_weight"]),
        index=states, name="prior"))


def mutual_information(joint: np.ndarray, prior: np.ndarray) -> float:
    """sum_{w,a} mu log(mu / (p(w) m(a))) in nats over the cells with mu > 0 (0 log 0 = 0); the solver's
    round-off (tiny negative masses) is clipped to 0."""
    mass = np.clip(joint, 0.0, None)
    independent = prior[:, None] * mass.sum(axis=0)[None, :]
    cells = (mass > 0) & (independent > 0)
    return float(max(0.0, np.sum(mass[cells] * np.log(mass[cells] / independent[cells]))))
