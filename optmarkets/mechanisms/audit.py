"""audit: re-check a given allocation and payment rule against every requirement, by brute force.

Independent of the LP and its builders: for every agent, true type and report it evaluates the
deviation directly (loops over agents, types and reports; numpy over the others' profiles) and
reports the most profitable deviation per agent and type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.tolerances import ECON_TOL
from ..core.validate import finite_number, real_array
from ..core.verdict import Verdict
from .design import BUDGETS, IC_MODES, IR_MODES, MechanismModel, outside_options
from .environment import MechanismEnvironment


@dataclass
class MechanismAudit(Verdict):
    """`.ok`, `.reasons`, and `.table`: one row per (agent, type) with its marginal probability, the
    interim utility of the truth, the most profitable report, its gain (<= tol when IC holds), the
    others' (reported, true) profile where an ex-post/dominant gain is largest, and the IR slack."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        return super().__str__() + "\n" + self.table.to_string()


def _array(env: MechanismEnvironment, data, name: str, columns: pd.Index) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        data = data.set_axis(env.profile_labels(f"{name} (rows)", data.index), axis=0)
        bad = [k for k in data.index if k not in env.profiles]
        if bad:
            raise InputError(f"{name}: unknown type profile {bad[0]!r}")
        bad = [c for c in data.columns if c not in columns]
        if bad:
            raise InputError(f"{name}: unknown label {bad[0]!r}; expected columns {list(columns)}")
        data = data.reindex(index=env.profiles, columns=columns)
    arr = real_array(name, data, what="a table of numbers")
    want = (env.n_profiles, len(columns))
    if arr.shape == (*env.sizes, len(columns)):
        arr = arr.reshape(want)
    if arr.shape != want:
        raise InputError(f"{name}: has shape {arr.shape}, expected {want} (profile x {columns.name or 'column'})")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: contains NaN (missing labels) or infinite entries")
    return arr


def audit(env, allocation=None, payment=None, *, ic: str | None = "bayesian", ir: str | None = "interim",
          outside_option=0.0, budget: str | None = None, tol: float = ECON_TOL) -> MechanismAudit:
    """Audit a direct mechanism: `audit(env, allocation, payment, ic=..., ir=...)`, or
    `audit(model, sol)` for a model from `mechanism_design` and its solution (requirements taken
    from the model). allocation: profile x outcome, payment: profile x agent (labelled DataFrames or
    arrays). tol: absolute for the lottery's probabilities; relative for utilities and money, each at its own
    magnitude (`_Scales`): an agent's IC gains and IR slack at that agent's values and payments (never another
    agent's: a bidder valuing the item at 1-2 is judged at 2 beside one valuing it at 1e7), a profile's budget at
    the payments made there."""
    if isinstance(env, MechanismModel):
        req = env.requirements
        ic, ir, budget = req["ic"], req["ir"], req["budget"]
        outside_option = env.outside_option()
        if payment is None and allocation is not None:
            allocation, payment = allocation["allocation"], allocation["payment"]
        env = env.environment
    if not isinstance(env, MechanismEnvironment):
        raise InputError(f"env: expected a MechanismEnvironment, got {type(env).__name__}")
    # a NaN or infinite tol passes every check (x > nan is False), a negative one fails a valid mechanism
    tol = finite_number("tol", tol, positive=True)
    if ic not in (*IC_MODES, None) or ir not in IR_MODES or budget not in BUDGETS:
        raise InputError(f"ic, ir, budget: got {ic!r}, {ir!r}, {budget!r}; allowed {IC_MODES}, {IR_MODES}, {BUDGETS}")
    X = _array(env, allocation, "allocation", env.outcomes)
    T = _array(env, payment, "payment", pd.Index(env.agents, name="agent"))
    outside = outside_options(env, outside_option)
    # utilities and money against each agent's own magnitude (values at 1e-6: a 5% IC gain was 5e-8, under an
    # absolute 1e-7; a bidder valuing the item at 1-2 beside one at 1e7 was judged at 1e7, and a gain of 0.5 passed);
    # probabilities stay absolute
    scale = _Scales(env, T, outside, tol)
    reasons: list[str] = []
    if X.min() < -tol:
        p = int(np.argmin(X.min(axis=1)))
        reasons.append(f"lottery: negative probability {X.min():.3g} at profile {env.profiles[p]}")
    dev = np.abs(X.sum(axis=1) - 1)
    if dev.max() > tol:
        reasons.append(f"lottery: probabilities sum to {X.sum(axis=1)[np.argmax(dev)]:.9g} at profile "
                       f"{env.profiles[int(np.argmax(dev))]}")
    net = T.sum(axis=1)
    allowed = scale.budget()  # per profile
    if budget == "no_subsidies" and (net < -allowed).any():
        p = int(np.argmax(-net / allowed))
        reasons.append(f"budget: subsidy {-net[p]:.3g} at profile {env.profiles[p]}")
    if budget == "balanced" and (np.abs(net) > allowed).any():
        p = int(np.argmax(np.abs(net) / allowed))
        reasons.append(f"budget: imbalance {net[p]:.3g} at profile {env.profiles[p]}")
    rows = []
    axes = np.indices(env.sizes).reshape(len(env.sizes), -1).T  # (P, n) type positions per profile
    for i, a in enumerate(env.agents):
        V = env.value[a]
        others = [j for j in range(len(env.agents)) if j != i]
        # profiles with agent i's type replaced: flat index of (type b, others of profile p)
        def swap(p_types: np.ndarray, b: int, i: int = i) -> np.ndarray:
            q = p_types.copy()
            q[:, i] = b
            return np.ravel_multi_index(q.T, env.sizes)

        ex_ante_u = float(np.sum(env.prior_flat * (np.sum(V * X, axis=1) - T[:, i])))
        ex_ante_out = float(env.marginals[a] @ outside[i])
        for ka, type_a in enumerate(env.types[a]):
            at = np.flatnonzero(axes[:, i] == ka)  # true profiles with agent i of type a (C order of others)
            money = scale.of_type(i, at, ka)
            belief = env.beliefs[a][ka]
            truth = np.sum(V[at] * X[at], axis=1) - T[at, i]  # utility of the truth at each others' profile
            defined = bool(np.isfinite(belief).all())
            interim = float(belief @ truth) if defined else np.nan
            best, gain, where = type_a, 0.0, None
            cand: tuple[float, Any]
            if ic is not None:
                for kb, type_b in enumerate(env.types[a]):
                    if kb == ka:
                        continue
                    if ic == "dominant" and not env.private[a]:
                        # others report r, are truly s: true profile at[s], reported profile (b, r)
                        rep_r = swap(axes[at], kb)
                        lie = V[at] @ X[rep_r].T - T[rep_r, i][None, :]  # (s, r)
                        honest = V[at] @ X[at].T - T[at, i][None, :]
                        g = lie - honest
                        si, ri = (int(v) for v in np.unravel_index(int(np.argmax(g)), g.shape))
                        cand = (float(g[si, ri]), (_others(env, at[ri], others), _others(env, at[si], others)))
                    else:
                        rep = swap(axes[at], kb)
                        lie = np.sum(V[at] * X[rep], axis=1) - T[rep, i]
                        if ic == "bayesian":
                            if not defined:
                                continue
                            cand = (float(belief @ (lie - truth)), None)
                        else:
                            s = int(np.argmax(lie - truth))
                            cand = (float(lie[s] - truth[s]), _others(env, at[s], others))
                    if cand[0] > gain:
                        best, (gain, where) = type_b, cand
                if gain > money:
                    reasons.append(f"ic ({ic}): agent {a!r} of type {type_a!r} gains {gain:.6g} by reporting "
                                   f"{best!r}" + (f" when the others are {where}" if where is not None else ""))
            slack = np.nan
            if ir == "interim" and defined:
                slack = interim - outside[i][ka]
            elif ir == "ex_post":
                slack = float(np.min(truth - outside[i][ka]))
            elif ir == "ex_ante":
                slack = ex_ante_u - ex_ante_out
            if ir is not None and slack < -(scale.of_agent(i) if ir == "ex_ante" else money):
                reasons.append(f"ir ({ir}): agent {a!r} of type {type_a!r} falls short of the outside option "
                               f"by {-slack:.6g}")
            rows.append((a, type_a, float(env.marginals[a][ka]), interim, best, gain, where, slack))
    table = pd.DataFrame(rows, columns=["agent", "type", "probability", "interim_utility", "best_report", "gain",
                                        "at_others", "ir_slack"]).set_index(["agent", "type"])
    return MechanismAudit(ok=not reasons, reasons=reasons, table=table)


class _Scales:
    """The money a comparison is allowed, tol times the magnitude of the numbers it is made of.

    Agent i's magnitude m_i: its largest |value|, |payment| and |outside option| (another agent's never enter its
    utilities). A type's IC gains and IR slack are made of its own values, the agent's payments (a report's) and
    its outside option: tol * max(|V_i at the type|, |T_i|, |o_i(type)|); ex-ante IR at m_i. A profile's budget
    (the sum of its payments) at the payments there, sum_i |T_pi|, and never finer than the smallest m_i (a profile
    where nobody pays is not held to its round-off). A zero magnitude leaves tol absolute."""

    def __init__(self, env: MechanismEnvironment, T: np.ndarray, outside: list[np.ndarray], tol: float) -> None:
        self.env, self.T, self.tol = env, T, tol
        self.outside = [np.abs(np.asarray(o, float)).reshape(-1) for o in outside]
        self.paid = [float(np.abs(T[:, i]).max(initial=0.0)) for i in range(len(env.agents))]
        self.agents = [max(self.paid[i], float(np.abs(env.value[a]).max(initial=0.0)),
                           float(self.outside[i].max(initial=0.0))) for i, a in enumerate(env.agents)]

    def _money(self, magnitude: Any) -> Any:
        return self.tol * np.where(magnitude > 0, magnitude, 1.0)

    def of_agent(self, i: int) -> float:
        return float(self._money(self.agents[i]))

    def of_type(self, i: int, at: np.ndarray, ka: int) -> float:
        own = float(np.abs(self.env.value[self.env.agents[i]][at]).max(initial=0.0))
        return float(self._money(max(own, self.paid[i], float(self.outside[i][ka]))))

    def budget(self) -> np.ndarray:
        smallest = min((m for m in self.agents if m > 0), default=0.0)
        return np.asarray(self._money(np.maximum(np.abs(self.T).sum(axis=1), smallest)), float)


def _others(env: MechanismEnvironment, p: int, others: list[int]) -> tuple:
    label = env.profiles[p]
    label = label if isinstance(label, tuple) else (label,)
    out = tuple(label[j] for j in others)
    return out[0] if len(out) == 1 else out


def audit_mechanism(env, allocation=None, payment=None, *, ic: str | None = "bayesian", ir: str | None = "interim",
                    outside_option=0.0, budget: str | None = None, tol: float = ECON_TOL) -> MechanismAudit:
    """Audit a direct mechanism by brute force (the public name of `audit`; same arguments):
    `audit_mechanism(env, allocation, payment, ic=..., ir=..., outside_option=..., budget=..., tol=...)`, or
    `audit_mechanism(model, sol)` for a model from `mechanism_design` and its solution. Every report of every
    type is tried against truth: `.ok`, `.reasons` (each failed IC or IR row, named) and `.table` (interim
    utility, best report, gain and IR slack per agent and type)."""
    return audit(env, allocation, payment, ic=ic, ir=ir, outside_option=outside_option, budget=budget, tol=tol)
