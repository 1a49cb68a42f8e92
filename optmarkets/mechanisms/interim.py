"""interim: the reduced form of a direct mechanism, per agent and type.

For agent i of type t_i, with beliefs P(t_-i | t_i) (`env.beliefs`: the prior conditional on the
own type; the product of the others' marginals for an independent prior),

    allocation   Q_i(t_i)[o] = E[ x(t_i, t_-i)[o]                    | t_i ]   (a lottery over outcomes)
    payment      M_i(t_i)    = E[ p_i(t_i, t_-i)                       | t_i ]   (positive: paid by i)
    utility      U_i(t_i)    = E[ v_i(t) . x(t_i, t_-i) - p_i(t_i, t_-i) | t_i ]   (truthful reports)

(the interim quantities Bayesian IC and interim IR are written on). For one item the probability
that agent i gets it is the column of the outcome "i": `sol.interim("allocation").loc["b1", "b1"]`
is Myerson's Q_1 over b1's types. A type whose interim beliefs are undefined (zero marginal under a joint prior,
see `MechanismEnvironment`) has NaN rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..builders.incentives import profile_map
from ..core.errors import InputError
from .environment import MechanismEnvironment

WHATS = ("allocation", "payment", "utility")


def interim(env, allocation=None, payment=None, *, what: str = "allocation") -> pd.DataFrame | pd.Series:
    """The interim (reduced-form) `what` of a direct mechanism, labelled by (agent, type).

    `interim(env, allocation, payment, what=...)` for any mechanism (allocation: profile x outcome,
    payment: profile x agent, labelled DataFrames or arrays, as `audit` takes them), or
    `interim(model, sol, what=...)` for a model from `mechanism_design` and its solution (the same
    as `sol.interim(what)`). what: "allocation" -> DataFrame (rows (agent, type), columns the
    outcomes); "payment" or "utility" -> Series over (agent, type). See the module docstring.
    """
    from .audit import _array  # design registers interim outputs, audit imports design
    from .design import MechanismModel

    if isinstance(env, MechanismModel):
        if payment is None and allocation is not None:
            allocation, payment = allocation["allocation"], allocation["payment"]
        env = env.environment
    if not isinstance(env, MechanismEnvironment):
        raise InputError(f"env: expected a MechanismEnvironment (or a mechanism_design model), "
                         f"got {type(env).__name__}")
    if what not in WHATS:
        raise InputError(f"what: must be one of {list(WHATS)}, got {what!r}")
    needs = {"allocation": ("allocation",), "payment": ("payment",), "utility": ("allocation", "payment")}[what]
    given = {"allocation": allocation, "payment": payment}
    missing = [n for n in needs if given[n] is None]
    if missing:
        raise InputError(f"{missing[0]}: required for the interim {what}")
    X = _array(env, allocation, "allocation", env.outcomes) if allocation is not None else np.zeros((0, 0))
    T = _array(env, payment, "payment", pd.Index(env.agents, name="agent")) if payment is not None else np.zeros((0, 0))
    return interim_table(env, what, X, T)


def interim_table(env: MechanismEnvironment, what: str, X: np.ndarray, T: np.ndarray) -> pd.DataFrame | pd.Series:
    """`interim` on validated arrays X (profiles x outcomes) and T (profiles x agents); an array
    `what` does not read may be empty."""
    rows = pd.MultiIndex.from_tuples([(a, k) for a in env.agents for k in env.types[a]], names=["agent", "type"])
    blocks = []
    for i, a in enumerate(env.agents):
        pm = profile_map(env.sizes, i)  # (own type, others' profile) -> flat profile
        belief = env.beliefs[a]  # (own type, others' profile), NaN rows where undefined
        if what == "allocation":
            blocks.append(np.einsum("ks,kso->ko", belief, X[pm]))
        elif what == "payment":
            blocks.append(np.sum(belief * T[pm, i], axis=1))
        else:
            blocks.append(np.sum(belief * (np.sum(env.value[a][pm] * X[pm], axis=-1) - T[pm, i]), axis=1))
    data = np.concatenate(blocks) + 0.0  # + 0.0: no -0.0
    if what == "allocation":
        return pd.DataFrame(data, index=rows, columns=env.outcomes.rename("outcome"))
    return pd.Series(data, index=rows, name=what)
