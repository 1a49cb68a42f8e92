"""mechanism_design: the optimal finite mechanism as an om.Model (an LP).

Variables: `allocation` (profile x outcome, a lottery per reported profile, >= 0) and `payment`
(profile x agent, positive = paid by the agent, free in sign). Families, one per requirement:

    ic       "bayesian": rows (agent, type, report), interim expected utility gain of the truth;
             "ex_post" / "dominant": rows (agent, type, report, others[, others_true]).
    ir       "interim": rows (agent, type); "ex_post": rows (type of each agent..., agent);
             "ex_ante": rows (agent).
    lottery  rows (profile): the allocation sums to one.
    budget   rows (profile): sum of payments >= 0 ("no_subsidies") or == 0 ("balanced").

IC rows are in utility units (Bayesian rows: expected utility conditional on the type), so
`sol.prices["ic"]` is d(value)/d(required margin of truth-telling). `sol.prices["ir"]` is
d(value)/d(outside option) of that row. `symmetric=True`: the LP on the orbits of the agents' symmetry
(`mechanisms.symmetry`), every family built once on full variables, then on x = P z.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial

import cvxpy as cp
import numpy as np
import pandas as pd

from ..builders import incentives as inc
from ..builders import mechanisms as mb
from ..builders.symmetry import constrain_on_orbits, substituted, symmetric_mode
from ..core.errors import InputError
from ..core.exact_values import exact_parameter
from ..core.limits import mechanism_size
from ..core.model import Model
from ..core.validate import real_array
from .environment import MechanismEnvironment
from .interim import interim_table
from .symmetry import MechanismSymmetry, agent_symmetry, symmetric_variables

IC_MODES = ("bayesian", "dominant", "ex_post")
IR_MODES = ("interim", "ex_post", "ex_ante", None)
BUDGETS = (None, "no_subsidies", "balanced")


def outside_options(env: MechanismEnvironment, outside_option) -> list[np.ndarray]:
    """Per agent, the outside option of each of its types: a number, {agent: number or per-type
    values (a sequence or {type: value})}."""
    out = []
    for i, a in enumerate(env.agents):
        v = outside_option
        if isinstance(outside_option, Mapping):
            unknown = [k for k in outside_option if k not in env.types]
            if unknown:
                raise InputError(f"outside_option: unknown agent {unknown[0]!r}; agents are {env.agents}")
            v = outside_option.get(a, 0.0)
        if isinstance(v, Mapping | pd.Series):
            keys = list(v.index) if isinstance(v, pd.Series) else list(v)
            bad = [k for k in keys if k not in env.types[a]]
            if bad:
                raise InputError(f"outside_option[{a!r}]: unknown type {bad[0]!r}")
            v = [float(v.get(k, 0.0)) for k in env.types[a]]
        try:
            arr = np.broadcast_to(real_array(f"outside_option[{a!r}]", v), (env.sizes[i],)).copy()
        except InputError:
            raise
        except ValueError:  # a wrong length
            raise InputError(f"outside_option: for agent {a!r} expected a number or {env.sizes[i]} values, "
                             f"got {v!r}") from None
        if not np.isfinite(arr).all():
            raise InputError(f"outside_option: for agent {a!r} contains NaN or infinite entries")
        out.append(arr)
    return out


def _objective_weights(env: MechanismEnvironment, objective) -> np.ndarray:
    C = real_array("objective", objective, what="'revenue', 'welfare' or an array over (profile, outcome)")
    O = len(env.outcomes)
    if C.shape in ((*env.sizes, O), (env.n_profiles, O)):
        C = C.reshape(env.n_profiles, O)
    else:
        raise InputError(f"objective: an array must have shape {(*env.sizes, O)} or {(env.n_profiles, O)}, "
                         f"got {C.shape}")
    if not np.isfinite(C).all():
        raise InputError("objective: contains NaN or infinite entries")
    return C


def requirement_families(env: MechanismEnvironment, x, t, *, ic: str | None, ir: str | None, outside_option=0.0,
                         budget: str | None = None, ic_floor=0.0) -> dict:
    """The families of the requirements on allocation x and payment t (IC and IR from
    builders.incentives, lottery and budget from builders.mechanisms). outside_option: as in
    `mechanism_design`, or a cvxpy expression stacking every agent's types' outside options."""
    if ic not in (*IC_MODES, None):
        raise InputError(f"ic: must be one of {IC_MODES} (or None), got {ic!r}")
    if ir not in IR_MODES:
        raise InputError(f"ir: must be one of {IR_MODES}, got {ir!r}")
    if budget not in BUDGETS:
        raise InputError(f"budget: must be one of {BUDGETS}, got {budget!r}")
    agents = list(env.agents)
    types = [env.types[a] for a in agents]
    values = [env.value[a] for a in agents]
    beliefs = [env.beliefs_rationals[a] for a in agents]  # rationals: the rows' weights keep them for exact()
    fams = {"lottery": mb.lottery(x, env.profiles)}
    margin = ic_floor if isinstance(ic_floor, cp.Expression) else _ic_margin(ic_floor)
    per_row = not isinstance(margin, cp.Expression) and np.size(np.asarray(margin)) > 1
    first = 0.0 if per_row else margin  # a margin per row is checked against the rows built
    if ic == "bayesian":
        fams["ic"] = inc.bayesian_ic(values, x, t, agents, types, beliefs, floor=first)
    elif ic in ("dominant", "ex_post"):
        fams["ic"] = inc.ex_post_ic(values, x, t, agents, types, dominant=ic == "dominant", floor=first)
    if "ic" in fams and per_row:
        fam, rows = fams["ic"], np.asarray(margin, float)
        if rows.size != fam.lhs.size:
            raise InputError(f"ic_margin: has {rows.size} values, expected a number or one per IC row "
                             f"({fam.lhs.size} rows for ic={ic!r})")
        fams["ic"] = replace(fam, rhs=cp.Constant(rows.reshape(fam.lhs.shape)))
    if ir is not None:
        outside = outside_option if isinstance(outside_option, cp.Expression) else outside_options(env, outside_option)
        if ir == "interim":
            fams["ir"] = inc.interim_ir(values, x, t, agents, types, beliefs, outside)
        elif ir == "ex_post":
            fams["ir"] = inc.ex_post_ir(values, x, t, agents, types, outside)
        else:
            fams["ir"] = inc.ex_ante_ir(values, x, t, agents, types, env.prior_rationals, outside)
    if budget is not None:
        fams["budget"] = mb.budget(t, budget, env.profiles)
    return fams


def _ic_margin(value) -> np.ndarray | float:
    """The IC rows' right-hand side: a finite number, or finite numbers (one per row)."""
    arr = real_array("ic_margin", value, what="a number or one number per IC row")
    if not np.isfinite(arr).all():
        raise InputError(f"ic_margin: must be finite, got {value!r}")
    if arr.size == 0:
        raise InputError("ic_margin: is empty; give a number or one number per IC row")
    if arr.size == 1:
        return float(arr.reshape(-1)[0])
    if arr.ndim != 1:
        raise InputError(f"ic_margin: expected a number or a 1-D sequence (one per IC row), got shape {arr.shape}")
    return arr


class MechanismModel(Model):
    """The Model `mechanism_design` returns: it also knows its environment and requirements, which
    `audit(model, sol)` reads (the outside option is the Parameter "outside_option")."""

    environment: MechanismEnvironment
    requirements: dict
    symmetry: MechanismSymmetry | None

    def outside_option(self) -> dict:
        """{agent: its types' outside options} as this (possibly bound) model holds them now."""
        stacked, start, out = self.value_of("outside_option"), 0, {}
        for a, k in zip(self.environment.agents, self.environment.sizes):
            out[a], start = stacked[start:start + k], start + k
        return out


def mechanism_design(env: MechanismEnvironment, objective="revenue", *, ic: str = "bayesian",
                     ir: str | None = "interim", outside_option=0.0, budget: str | None = None,
                     ic_margin=0.0, symmetric: bool | str = False, name: str = "mechanism_design") -> MechanismModel:
    """The designer's LP over direct mechanisms in `env`, an om.Model (maximise).

    objective: "revenue" (expected payments), "welfare" (expected sum of the agents' values of the
        allocation) or an array c over (profile, outcome) (shape (k_1, ..., k_n, O) or (P, O)):
        maximise E_prior[c(profile) . allocation(profile)].
    ic: "bayesian" | "dominant" | "ex_post"; ir: "interim" | "ex_post" | "ex_ante" | None;
    outside_option: a number, or {agent: number or per-type values}; budget: None |
    "no_subsidies" | "balanced"; ic_margin: the right-hand side of the IC rows (truth must beat
    each report by this much; a number or one value per row). Outputs: sol["allocation"],
    sol["payment"], sol["revenue"], sol["welfare"], the interim (reduced-form) tables
    `sol.interim("allocation" | "payment" | "utility")` per (agent, type) (see `mechanisms.interim`);
    prices of the families "ic", "ir", "lottery" (and "budget").

    The outside option is the model's Parameter "outside_option" (every agent's types stacked in
    agent order; `bind`/`set` take any form `outside_option` takes), so a sweep over it re-solves
    the one compiled problem: `[m.bind(outside_option=v).solve() for v in grid]`.

    symmetric=True solves the LP on the orbits of the agents' symmetry (`mechanisms.symmetry`: permutations
    of agents with as many types that leave prior, values, objective, outside options and every family
    unchanged, swaps and, up to 12 agents, others such as a ring's rotation; an InputError where there is
    none), "auto" where there is one: variables "allocation_sym" and
    "payment_sym" (one per orbit), families "<family>_sym" (one row per orbit); sol["allocation"],
    sol["payment"] and the prices of the full families are mapped back (`builders.symmetry`).
    """
    if not isinstance(env, MechanismEnvironment):
        raise InputError(f"env: expected a MechanismEnvironment, got {type(env).__name__}")
    mechanism_size(env.sizes, len(env.outcomes), ic=ic, ir=ir, budget=budget,
                   interdependent=ic == "dominant" and not all(env.private.values())).check()
    P, O, n = env.n_profiles, len(env.outcomes), len(env.agents)
    m = MechanismModel(name, sense="max", description=f"finite mechanism design: ic={ic}, ir={ir}, budget={budget}")
    agent_index = pd.Index(env.agents, name="agent")
    welfare_weights = sum(env.value[a] for a in env.agents)
    if isinstance(objective, str):
        weights = welfare_weights if objective == "welfare" else None
    else:
        weights = _objective_weights(env, objective)
    symmetry: MechanismSymmetry | None = None
    type_index = pd.MultiIndex.from_tuples([(a, k) for a in env.agents for k in env.types[a]], names=["agent", "type"])

    def stacked(value) -> np.ndarray:
        arr = _stacked_options(env, value)
        if symmetry is not None:
            symmetry.invariant("outside_option", arr, env.sizes)
        return arr

    outside = m.parameter("outside_option", outside_option, index=type_index, validate=stacked)
    x: cp.Expression
    t: cp.Expression
    requirements = dict(ic=ic, ir=ir, outside_option=outside, budget=budget, ic_floor=ic_margin)
    families = None  # the default path builds its families on the LP's own variables
    if symmetric_mode(symmetric) is not False:  # built once on full variables, matched under the maps
        x_full, t_full = cp.Variable((P, O)), cp.Variable((P, n))
        families = requirement_families(env, x_full, t_full, **requirements)
        m.write_parameters()  # the outside options' values, which the families' rows are matched with
        symmetry = agent_symmetry(symmetric, env, weights, families, x_full, t_full)
    if symmetry is None:
        x = m.variable("allocation", (P, O), index=(env.profiles, env.outcomes), nonneg=True)
        t = m.variable("payment", (P, n), index=(env.profiles, agent_index))
    else:
        x, t = symmetric_variables(m, env, symmetry, agent_index)
    if families is None:
        m.constrain_all(requirement_families(env, x, t, **requirements))
    else:  # put on the LP's variables, or on x = P z
        for fam_name, fam in families.items():
            fam = substituted(fam, {x_full.id: x, t_full.id: t})
            if symmetry is None:
                m.constrain(fam_name, fam)
            else:  # one row per orbit; the full families' prices are the orbit prices shared
                constrain_on_orbits(m, fam_name, fam, symmetry.rows[fam_name], [fam_name], fam.index)
    m.symmetry = symmetry
    q = env.prior_flat
    prior = exact_parameter(env.prior_rationals.ravel(), nonneg=True)  # q in rationals, for exact()
    if isinstance(objective, str):
        if objective == "revenue":
            m.maximize(prior @ (t @ np.ones(n)))
        elif objective == "welfare":
            m.maximize(cp.sum(cp.multiply(cp.multiply(cp.reshape(prior, (P, 1), order="C"), welfare_weights), x)))
        else:
            raise InputError(f"objective: must be 'revenue', 'welfare' or an array, got {objective!r}")
    else:
        C = _objective_weights(env, objective)
        m.maximize(cp.sum(cp.multiply(cp.multiply(cp.reshape(prior, (P, 1), order="C"), C), x)))
    m.output("revenue", lambda sol: float(q @ sol["payment"].to_numpy().sum(axis=1)))
    m.output("welfare", lambda sol: float(np.sum(q[:, None] * welfare_weights * sol["allocation"].to_numpy())))
    for what in ("allocation", "payment", "utility"):  # sol.interim(what); lazy: a sweep never pays for them
        m.output(f"interim_{what}", partial(_interim, env, what), lazy=True)
    m.environment = env
    m.requirements = {"ic": ic, "ir": ir, "budget": budget}
    return m


def _stacked_options(env: MechanismEnvironment, value) -> np.ndarray:
    """Every agent's types' outside options stacked in agent order, from any form `outside_option` takes."""
    if not isinstance(value, Mapping | cp.Expression) and np.ndim(value) == 1 and len(env.agents) > 1 \
            and np.size(value) == sum(env.sizes):  # already stacked (as `value_of` returns it)
        value = dict(zip(env.agents, np.split(np.asarray(value, dtype=float), np.cumsum(env.sizes)[:-1])))
    return np.concatenate(outside_options(env, value))


def _interim(env: MechanismEnvironment, what: str, sol):
    return interim_table(env, what, sol["allocation"].to_numpy(), sol["payment"].to_numpy())


def _vec(x):
    return cp.vec(x, order="C")
