"""The GLP programs: the platform's P_q, the first best FB' with Lindahl prices, and the leaders'
programs (second best SB, monopsony, data union, the social-welfare planner).

With the joint measure chi(a, w) = x(a|w) q(w) the platform's problem P_q is the LP ([spec §A.2](glp.md#spec-a2))

    V(q) = max_{chi >= 0}  sum_{a,w} v(a,w) chi(a,w)
           s.t.  sum_a chi(a,w) = q(w)                                      [psi(w)]
                 sum_w (pi(a,w) - pi(a',w)) chi(a,w) >= 0   for all a != a'  [lambda(a'|a)]

The price of the consistency row, psi(w) = dV/dq(w), is the marginal value of one more w-record
to the platform: the competitive price of a w-record.

The planner's programs (welfare W(q, x) = sum (v + u) chi + sum (qbar - q) r, R = sum qbar r):

    SB  (second_best)  W° = max_{q <= qbar, chi optimal for P_q}  sum (v + u - r) chi + R
        (bilevel; made single-level exactly by `builders.sequential_rationality`: the disjunctive
        form F1 — one LP per candidate monopoly fee a with the value cut sum v chi >= psi_a . q,
        solved as `BestOf("psi_cut", candidates)` — or the KKT MILP F2 with big-Ms
        M_lambda = max(gamma_u - gamma_pi, 0), M_s = max(gamma_u, gamma_pi) max(Omega); [spec §A.3](glp.md#spec-a3))
    FB' (first_best)   W† = max_{chi >= 0, obedient}  sum (v + u - r) chi + R
                             s.t. sum_a chi(a, w) <= qbar(w)                   [mu(w) >= 0]
        Lindahl prices p*(a, w) = mu(w) + r(w) - u(a, w) (Prop. 5, [spec §A.7](glp.md#spec-a7))
    monopsony: SB's allocation, prices p(w) = r(w) - E_x u(., w), profit W° - R (Prop. 1)
    data union: SB plus transfers P(w) with budget sum P = V(q) and participation (Prop. 4)
    social welfare (App. B.1): the same programs with the planner counting v + u + pi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np
import pandas as pd

from ... import solvers as backends
from ...builders import consistency, family, obedience, supply_limit
from ...builders.sequential import FORMS, candidate_duals, sequential_rationality
from ...core import validate as pr
from ...core.model import Model
from ...core.strategies import BestOf
from ...core.tolerances import MIP_GAP

if TYPE_CHECKING:
    from ...core.solution import Solution
    from .economy import PersonalDataEconomy


def platform_template(e: PersonalDataEconomy) -> Model:
    """P_q with q as a Parameter (bound to new databases by `PersonalDataEconomy.platform_problem`)."""
    model = Model("P_q", sense="max", units="platform payoff",
                  description="the platform's information-design problem given database q")
    q = model.parameter("q", e.mass, index=e.type_labels, validate=e.database, nonneg=True)
    chi = model.variable("chi", (e.actions.size, e.values.size), index=(e.fee_labels, e.type_labels), nonneg=True)
    model.constrain("consistency", consistency(chi, q, e.type_labels))
    model.constrain("obedience", obedience(chi, e.merchant_profit, e.fee_labels))
    model.maximize(cp.sum(cp.multiply(e.platform_payoff, chi)))
    model.output("x", lambda sol: e.mechanism(sol["chi"], sol["q"]), lazy=True)  # a sweep reads it rarely
    return model


def first_best_problem(e: PersonalDataEconomy, social: bool = False) -> Model:
    """FB' (see `PersonalDataEconomy.first_best_problem`): an LP over obedient chi with sum_a chi <= qbar."""
    kind = "SW" if social else "W"
    model = Model(f"FB ({kind})", sense="max", units="social welfare" if social else "welfare",
                  description="first best with obedience, no sequential rationality (FB')")
    chi = model.variable("chi", (e.actions.size, e.values.size), index=(e.fee_index, e.type_index), nonneg=True)
    model.constrain("supply", supply_limit(cp.sum(chi, axis=0), e.mass, e.type_index,
                                           description="records sold <= consumers of each type"))
    model.constrain("obedience", obedience(chi, e.merchant_profit, e.fee_index))
    net = e.planner_payoff(social) - e.outside_option[None, :]
    model.maximize(cp.sum(cp.multiply(net, chi)) + e.reservation_welfare)
    model.output("q", lambda sol: sol["chi"].sum(axis=0).clip(0.0, None).rename("q"))
    model.output("x", lambda sol: e.mechanism(sol["chi"], sol["q"]))
    model.output("zeta", lambda sol: (sol["chi"].clip(lower=0.0) / e.mass[None, :]))
    model.price("mu", lambda sol: sol.prices["supply"].rename("mu"))
    model.price("lambda", lambda sol: (-sol.prices["obedience"] + 0.0).rename("lambda"))
    if not social:
        model.price("lindahl", lambda sol: e.lindahl_prices(sol.prices["supply"]))
    return model


def leader_program(econ: PersonalDataEconomy, kind: str, form: str = "disjunctive", tight: bool = True) -> Model:
    """A leader's program over (q, chi) in which chi must solve the platform's P_q ([spec §A.3](glp.md#spec-a3)-A.5).

    kind: "welfare" (SB, value W°), "social" (App. B.1, value SW•), "monopsony" (value W° - R) or
    "union" (data union, value W°). The sequential-rationality families come from
    `optmarkets.builders.sequential_rationality` in the chosen exact form; this function declares
    their auxiliary variables. The disjunctive form is solved as the best of one LP per candidate
    dual (`model.strategy = BestOf("psi_cut", candidates)`); the MILP forms run to a relative gap of
    `MIP_GAP`. The Solution's prices `psi`, `lambda` are P_q's at the optimal q (re-solved as an LP).
    """
    if form not in FORMS:
        raise pr.InputError(f"form: must be one of {FORMS}, got {form!r}")
    econ._require_fees_contain_types(f"the exact '{form}' form of the platform's sequential rationality")
    name, units, description = _LEADER_TITLES[kind]
    model = Model(f"{name} [{form}]", sense="max", units=units, description=description)
    e, n, k = econ, econ.values.size, econ.actions.size
    q = model.variable("q", n, index=e.type_index, nonneg=True)
    chi = model.variable("chi", (k, n), index=(e.fee_index, e.type_index), nonneg=True)
    model.constrain("supply", supply_limit(q, e.mass, e.type_index, description="the database q(w) <= qbar(w)"))
    common = dict(actions=e.fee_index, types=e.type_index, cap=e.mass, form=form)
    if form == "disjunctive":
        psi = candidate_duals(e.canonical_duals(), e.type_index)
        cut = model.parameter("psi_cut", psi.iloc[0].to_numpy(), index=e.type_index)
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, cut=cut, **common)
        model.strategy = BestOf("psi_cut", psi)
    elif form == "disjunctive-milp":
        psi = candidate_duals(e.canonical_duals(), e.type_index)
        select = model.variable("select", psi.shape[0], index=psi.index, boolean=True)
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, dual_vertices=psi,
                                          select=select, **common)
    else:
        rows = e.obedience_index
        dual = (model.variable("psi", n, index=e.type_index),
                model.variable("lambda", len(rows), index=rows, nonneg=True),
                model.variable("cs_z", (k, n), index=(e.fee_index, e.type_index), boolean=True, show=False),
                model.variable("cs_y", len(rows), index=rows, boolean=True, show=False))
        families = sequential_rationality(chi, q, e.platform_payoff, e.merchant_profit, dual=dual,
                                          dual_bounds=e.dual_bounds(tight), **common)
    model.constrain_all(families)
    model.solver_defaults = {"HIGHS": {"mip_rel_gap": MIP_GAP}, "SCIPY": {"scipy_options": {"mip_rel_gap": MIP_GAP}}}
    r, R, u = e.outside_option, e.reservation_welfare, e.consumer_surplus
    if kind == "union":
        P = model.variable("P", n, index=e.type_index)  # total transfer to the type-w members
        earned = cp.sum(cp.multiply(e.platform_payoff, chi))
        model.constrain("budget", family(cp.reshape(cp.sum(P) - earned, (1,), order="C"), "==", 0.0, None,
                                         "the union pays out what it earns: sum_w P(w) = V(q)"))
        model.constrain("participation", family(P - cp.sum(cp.multiply(r[None, :] - u, chi), axis=0), ">=",
                                                0.0, e.type_index, "members are no worse off than keeping r"))
        model.maximize(cp.sum(P) + cp.sum(cp.multiply(u, chi)) + R - r @ q)
    else:
        net = e.planner_payoff(kind == "social") - r[None, :]
        model.maximize(cp.sum(cp.multiply(net, chi)) + (0.0 if kind == "monopsony" else R))
    model.bundle("leader", lambda sol: _leader_outputs(econ, kind, sol))
    return model


_LEADER_TITLES = {"welfare": ("SB", "welfare", "second best: constrained efficiency (Definition 3)"),
                  "social": ("SB (SW)", "social welfare", "constrained social efficiency (App. B.1, Definition 7)"),
                  "monopsony": ("monopsony", "platform profit", "monopsonist economy (Definition 2, Prop. 1)"),
                  "union": ("data union", "consumer welfare", "data union (Section 5.1, Prop. 4)")}


def _leader_outputs(e: PersonalDataEconomy, kind: str, sol: Solution) -> dict:
    """The leader's economics at its optimum: the clipped database q, the mechanism x, P_q's prices."""
    q = pd.Series(np.clip(sol.primal["q"].to_numpy(), 0.0, e.mass), index=e.type_index, name="q")
    x = e.mechanism(sol["chi"].clip(lower=0.0), q)
    qa, xa = q.to_numpy(), x.to_numpy()
    # MILPs return no duals: the sequential-rationality prices come from P_q at the optimal q
    lp = sol.solver if backends.get(sol.solver).duals else None
    pq = e.platform_problem(qa).solve(lp, certify=False)
    outputs = dict(q=q, x=x, platform_value=pq.value, welfare=e.welfare(qa, xa),
                   social_welfare=e.welfare(qa, xa, social=True))
    prices = {"psi": pq.prices["consistency"].rename("psi"),
              "lambda": (-pq.prices["obedience"] + 0.0).rename("lambda")}
    surplus = e.expected_surplus(xa)
    if kind == "monopsony":
        p = e.outside_option - surplus
        prices["monopsony"] = pd.Series(p, index=e.type_index, name="p")
        outputs.update(zeta=pd.Series(qa / e.mass, index=e.type_index, name="zeta"),
                       platform_profit=pq.value - float(p @ qa),
                       consumer_welfare=float(qa @ (p + surplus) + (e.mass - qa) @ e.outside_option))
    elif kind == "union":
        W = e.welfare(qa, xa)
        p = qa / e.mass * (e.outside_option - surplus) + (W - e.reservation_welfare) / e.mass.sum()
        prices["data_union"] = pd.Series(p, index=e.type_index, name="p")
        outputs.update(transfers=sol["P"],
                       consumer_welfare=float(e.mass @ p + qa @ surplus + (e.mass - qa) @ e.outside_option))
    return {"outputs": outputs, "prices": prices}
