"""The bad-input corpus: every public entry point of optmarkets with good data, and the ways to break it.

An entry point is a base set of good arguments and a `call(**args)` that builds the object and, for
models, solves the problem. A *mutation* replaces one argument by a bad value drawn from what the
good value is (a vector, a matrix, a number, a label list, a string option...). `outcome` runs one
mutated call and classifies it:

    "named"  an OptmarketsError whose message names a field (InputError: the mutated argument or
             one of the entry point's aliases for it; SolveError: typed, names the model)
    "ok"     a success: certified (`sol.certificate.ok()`) and, where a closed form exists, right
    "bare"   any other exception (TypeError, KeyError, a ValueError that is not an InputError,
             numpy / cvxpy / solver errors) -- a bug
    "wrong"  a success whose certificate fails or whose value contradicts the closed form -- a bug

Used by tests/fuzz/test_bad_inputs.py (hypothesis) and benchmarks/fuzz_corpus.py (the figures).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import optmarkets as om

# ====================================================================== closed forms


def uniform_price_revenue(values, probs) -> float:
    """max_p p P[v >= p] over the value grid, or 0 by selling nothing (a price above every value): one buyer's
    optimal revenue (posted price). Without the 0, values all negative had a "closed form" below the revenue of
    not selling, and a right answer (0) was reported wrong."""
    v, f = np.asarray(values, float), np.asarray(probs, float)
    return float(max(0.0, *(p * f[v >= p].sum() for p in v)))


def bbm_consumer_surplus(values, market) -> float:
    """BBM: with the uniform-profit floor the consumers get E[v] - max_p p D(p) (efficient, profit = floor)."""
    v, q = np.asarray(values, float), np.asarray(market, float)
    return float(v @ q - max(p * q[v >= p].sum() for p in v))


# ====================================================================== results


def _solution(result):
    return result if isinstance(result, om.Solution) else None


@dataclass
class Entry:
    name: str
    args: dict[str, Any]
    call: Callable[..., Any]
    #: closed form of the value from the (possibly mutated, accepted) args; None when there is none
    closed: Callable[..., float | None] | None = None
    #: extra field names an InputError about an argument may use (e.g. valuations for types)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: arguments not to mutate (labels of the object under test, say)
    frozen: tuple[str, ...] = ()
    #: hand-written mutations (argument, description, bad value) added to the generated ones; a callable
    #: returning them is called each time (for values that must be fresh, such as files)
    extra: Any = ()
    #: a check of an accepted non-Solution result (or of a Solution beyond its certificate): None when it
    #: is right, else what is wrong
    verify: Callable[..., str | None] | None = None


def _solve(model, solver=None, **kw):
    return model.solve(solver, **kw) if solver is not None else model.solve(**kw)


GLP = dict(values=[1.0, 2.0], mass=[0.4, 0.6], outside_option=[0.3, 0.3], gamma_u=1.0, gamma_pi=0.0)


def _glp_pq(values, mass, outside_option, gamma_u, gamma_pi, q):
    return om.PersonalDataEconomy(values, mass, outside_option, gamma_u=gamma_u, gamma_pi=gamma_pi
                                  ).platform_problem(q).solve()


def _glp_sb(values, mass, outside_option, gamma_u, gamma_pi):
    return om.PersonalDataEconomy(values, mass, outside_option, gamma_u=gamma_u, gamma_pi=gamma_pi
                                  ).second_best_problem().solve()


def _pq_closed(values, mass, outside_option, gamma_u, gamma_pi, q):
    # Sec. 4.1 of GLP: two types (1, 2), fees = values, gamma_pi = 0: V(q) = gamma_u min(q1, q2)
    if (list(np.asarray(values, float)) == [1.0, 2.0] and list(np.asarray(outside_option, float)) == [0.3, 0.3]
            and float(np.asarray(gamma_pi, float)) == 0.0):
        q = np.asarray(q, float)
        return float(np.asarray(gamma_u, float)) * float(min(q[0], q[1]))
    return None


def _yang(values, value_probs, costs, cost_probs):
    return om.DataBroker(values, value_probs, costs, cost_probs).solve()


def _yang_outside(outside):
    return om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 0.75], [0.5, 0.5]).mechanism_problem(outside).solve()


def _yang_closed(values, value_probs, costs, cost_probs):
    if (list(np.asarray(values, float)) == [1, 2, 3] and np.allclose(np.asarray(value_probs, float), 1 / 3)
            and list(np.asarray(costs, float)) == [0.25, 0.75] and np.allclose(np.asarray(cost_probs, float), 0.5)):
        return 11 / 24  # [Y]'s three-value example
    return None


HS_VAL = [[0.75, 1.0], [1.0, 2.0]]


def _hs(valuations, costs, market):
    return om.MultiProductSeller(valuations, costs).optimal_mechanism(market).solve()


def _hs_check(market, segments, weights):
    return om.MultiProductSeller(HS_VAL).check_segmentation(market, segments, weights)


def _bdhn(types, type_probs, state_prior, alpha, objective):
    s = om.InformationSeller(types, type_probs, state_prior, alpha=alpha)
    return (s.welfare_optimal() if objective == "welfare" else s.revenue_optimal()).solve()


def _bdhn_closed(types, type_probs, state_prior, alpha, objective):
    s = om.InformationSeller(types, type_probs, state_prior, alpha=alpha)
    if objective == "revenue" and not np.all(np.diff(s.virtual_values) >= 0):
        return None
    return float(s.greedy(objective).value)


def _game(players, actions, payoffs, objective):
    return om.correlated_equilibrium(om.FiniteGame(players, actions, payoffs), objective).solve()


CHICKEN = {"r": [[0.0, 7.0], [2.0, 6.0]], "c": [[0.0, 2.0], [7.0, 6.0]]}


def _game_closed(players, actions, payoffs, objective):
    try:
        same = all(np.array_equal(np.asarray(payoffs[p], float), CHICKEN[p]) for p in ("r", "c"))
    except Exception:
        return None
    if same and objective == "welfare" and list(players) == ["r", "c"]:
        return 10.5  # chicken: the welfare-maximising CE puts 1/4, 1/4, 1/2 on (D,C), (C,D), (C,C)... = 10.5
    return None


def _bce(states, prior, signals):
    g = om.FiniteGame(["r"], {"r": ["a", "b"]}, {"r": [[1.0, 0.0], [0.0, 1.0]]}, states=states, prior=prior)
    info = om.InformationStructure(g, signals)
    return om.bayes_correlated_equilibrium(g, info, "welfare").solve()


def _persuasion(states, prior, actions, receiver_payoff, sender_payoff):
    return om.persuasion(states, prior, actions, receiver_payoff, sender_payoff).solve()


def _persuasion_closed(states, prior, actions, receiver_payoff, sender_payoff):
    # KG's prosecutor: guilty w.p. p < 1/2, convict when P(guilty) >= 1/2: value 2p
    if (np.array_equal(np.asarray(receiver_payoff, float), [[1, 0], [0, 1]])
            and np.array_equal(np.asarray(sender_payoff, float), [[1, 0], [1, 0]])):
        p = float(np.asarray(prior, float)[0])
        return min(1.0, 2 * p)
    return None


def _segmentation(values, market, objective, profit_floor):
    return om.segmentation(values, market, objective, profit_floor).solve()


def _segmentation_closed(values, market, objective, profit_floor):
    if objective == "consumer_surplus" and profit_floor == "uniform":
        q = np.asarray(market, float)
        return bbm_consumer_surplus(values, q)
    return None


def _auction(values, prior, ic, ir):
    env = om.MechanismEnvironment.single_item(values, prior)
    return om.mechanism_design(env, "revenue", ic=ic, ir=ir).solve()


def _auction_closed(values, prior, ic, ir):
    v = values if not isinstance(values, dict) else list(values.values())
    if len(v) == 1 and ic in ("bayesian", "dominant") and ir in ("interim", "ex_post"):
        vals = np.asarray(v[0], float)
        f = np.full(vals.size, 1 / vals.size) if prior is None else np.asarray(next(iter(prior.values())), float)
        if vals.size == f.size and np.all(np.diff(vals) > 0):
            return uniform_price_revenue(vals, f)
    return None


def _env(agents, outcomes, prior, values):
    env = om.MechanismEnvironment(agents, outcomes, prior, values)
    return om.mechanism_design(env, "welfare").solve()


def _one_agent_welfare(prior, values):
    # one agent with transfers: its favourite outcome is efficient and incentive compatible with no
    # payments, so the welfare optimum is E[max_o V(type, o)]
    V = np.asarray(values["a"], float)
    return float(np.asarray(prior, float) @ V.max(axis=1))


def _audit(allocation, payment):
    env = om.MechanismEnvironment.single_item([[1, 2]], {"b1": [0.5, 0.5]})
    return om.audit_mechanism(env, allocation, payment)


def _solve_options(solver, tol):
    econ = om.PersonalDataEconomy([1, 2], [0.4, 0.6], [0.3, 0.3])
    return econ.platform_problem([0.4, 0.3]).solve(solver, tol=tol)


def _solve_options_closed(solver, tol):
    return 0.3


def _distribution(support, probs):
    return om.Distribution(support, probs)


def _glp_methods(form, q, prices):
    econ = om.PersonalDataEconomy(**GLP)
    econ.competitive_prices(q)
    econ.check_competitive_equilibrium(prices, q, np.eye(2))
    return econ.second_best_problem(form=form).solve()


def _yang_methods(objective, sense, segments, transfer):
    broker = om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 0.75], [0.5, 0.5])
    broker.evaluate(segments, transfer)
    return broker.optimal_face(objective, sense)


def _hs_methods(method, t, delta, q, pair):
    seller = om.MultiProductSeller.linear([1.0, 2.0, 3.0], [1.0, 2.0])
    seller.perturbation([0.2, 0.3, 0.5], t, delta)
    two = om.MultiProductSeller(HS_VAL)
    two.two_type_revenue(q, pair)
    return two.pareto_search([0.5, 0.5], method=method)


def _bdhn_methods(form, obedience_form, ic, objective):
    s = om.InformationSeller([1.0, 2.0, 3.0], [0.2, 0.3, 0.5])
    s.greedy(objective)
    return s.revenue_problem(form=form, obedience_form=obedience_form, ic=ic).solve()


def _mech_options(objective, ic, ir, budget, outside_option):
    env = om.MechanismEnvironment.single_item([[1.0, 2.0], [1.0, 2.0]])
    return om.mechanism_design(env, objective, ic=ic, ir=ir, budget=budget, outside_option=outside_option).solve()


ENTRIES: list[Entry] = [
    Entry("PersonalDataEconomy.platform_problem", dict(**GLP, q=[0.4, 0.3]), _glp_pq, _pq_closed,
          aliases={"gamma_u": ("gamma_pi",), "gamma_pi": ("gamma_u",), "mass": ("q",)}),
    Entry("PersonalDataEconomy.second_best_problem", dict(GLP), _glp_sb, None,
          aliases={"gamma_u": ("gamma_pi",), "gamma_pi": ("gamma_u",)}),
    Entry("DataBroker", dict(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5]),
          _yang, _yang_closed),
    Entry("DataBroker.mechanism_problem", dict(outside=[0.5, 0.25]), _yang_outside),
    Entry("MultiProductSeller.optimal_mechanism", dict(valuations=HS_VAL, costs=None, market=[0.25, 0.75]), _hs,
          aliases={"costs": ("valuations",), "valuations": ("types", "alternatives")}),
    Entry("MultiProductSeller.check_segmentation",
          dict(market=[0.375, 0.625], segments=[[0.25, 0.75], [0.75, 0.25]], weights=[0.75, 0.25]), _hs_check,
          aliases={"segments": ("weights",), "market": ("weights",), "weights": ("segments",)}),
    Entry("InformationSeller", dict(types=[1.0, 2.0, 3.0], type_probs=[0.2, 0.3, 0.5], state_prior=[0.5, 0.5],
                                    alpha=0.5, objective="welfare"), _bdhn, _bdhn_closed, frozen=("objective",)),
    Entry("correlated_equilibrium", dict(players=["r", "c"], actions={"r": ["D", "C"], "c": ["D", "C"]},
                                         payoffs=CHICKEN, objective="welfare"), _game, _game_closed,
          aliases={"players": ("payoffs", "actions"), "actions": ("payoffs",)}),
    Entry("bayes_correlated_equilibrium", dict(states=["x", "y"], prior=[0.3, 0.7],
                                               signals={"r": [[0.8, 0.2], [0.2, 0.8]]}), _bce,
          aliases={"states": ("prior", "payoffs"), "prior": ("states",)}),
    Entry("persuasion", dict(states=["guilty", "innocent"], prior=[0.3, 0.7], actions=["convict", "acquit"],
                             receiver_payoff=[[1.0, 0.0], [0.0, 1.0]], sender_payoff=[[1.0, 0.0], [1.0, 0.0]]),
          _persuasion, _persuasion_closed,
          aliases={"states": ("receiver_payoff", "sender_payoff", "prior"),
                   "actions": ("receiver_payoff", "sender_payoff")}),
    Entry("segmentation", dict(values=[1.0, 2.0, 3.0], market=[0.2, 0.3, 0.5], objective="consumer_surplus",
                               profit_floor="uniform"), _segmentation, _segmentation_closed),
    Entry("mechanism_design(single_item)", dict(values=[[1.0, 2.0]], prior={"b1": [0.25, 0.75]}, ic="bayesian",
                                                ir="interim"), _auction, _auction_closed,
          aliases={"values": ("agents", "prior"), "prior": ("values",)}),
    Entry("MechanismEnvironment", dict(agents={"a": ["lo", "hi"]}, outcomes=["x", "y"], prior=[0.5, 0.5],
                                       values={"a": [[1.0, 0.0], [0.0, 2.0]]}), _env,
          lambda agents, outcomes, prior, values: _one_agent_welfare(prior, values),
          aliases={"agents": ("values", "prior"), "outcomes": ("values",)}),
    Entry("audit_mechanism", dict(allocation=[[0, 0], [0, 1]], payment=[[0.0], [2.0]]), _audit),
    Entry("Solution.solve(options)", dict(solver="HIGHS", tol=1e-8), _solve_options, _solve_options_closed),
    Entry("PersonalDataEconomy methods", dict(form="disjunctive", q=[0.4, 0.3], prices=[0.3, 0.0]), _glp_methods),
    Entry("DataBroker methods", dict(objective="consumer_surplus", sense="max",
                                     segments=[[[1 / 3, 1 / 3, 1 / 3]], [[1 / 3, 1 / 3, 1 / 3]]], transfer=[0.5, 0.25]),
          _yang_methods),
    Entry("MultiProductSeller methods", dict(method="auto", t="t1", delta=0.1, q=0.5, pair=["t1", "t2"]), _hs_methods,
          aliases={"t": ("delta",)}),
    Entry("InformationSeller methods", dict(form="rule", obedience_form="general", ic="adjacent", objective="welfare"),
          _bdhn_methods),
    Entry("mechanism_design options", dict(objective="revenue", ic="bayesian", ir="interim", budget=None,
                                           outside_option=0.0), _mech_options),
    Entry("Distribution", dict(support=[1.0, 2.0], probs=[0.5, 0.5]), _distribution),
]
ENTRY_BY_NAME = {e.name: e for e in ENTRIES}


# ====================================================================== mutations

BAD_SCALARS: list[Any] = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e300, 1e-300, "abc", None, {}, [], [1.0, 2.0],
                          True, "", object()]
BAD_STRINGS: list[Any] = ["", "nope", "HIGHSX", 3, None, "__class__", ["HIGHS"], {"a": 1}]


def _vector_mutations(v: list) -> list[tuple[str, Any]]:
    a = np.asarray(v, float)
    n = a.size
    out: list[tuple[str, Any]] = [
        ("nan", [*a[:-1], math.nan]), ("inf", [math.inf, *a[1:]]), ("negative", [-abs(a[0]) - 0.1, *a[1:]]),
        ("off by 1e-3", [a[0] + 1e-3, *a[1:]]), ("shorter", list(a[:-1])), ("longer", [*a, a[-1]]),
        ("empty", []), ("reversed", list(a[::-1])), ("duplicate", [a[0], *a[:-1]]), ("string", "abc"),
        ("None", None), ("dict", {"x": 1.0}), ("strings", ["a"] * n), ("nested", [list(a)] * 2),
        ("huge", list(a * 1e200)), ("tiny", list(a * 1e-200)), ("zeros", [0.0] * n),
        ("labels mismatched", pd.Series(a, index=[f"zz{i}" for i in range(n)])),
        ("labels duplicated", pd.Series(a, index=["zz"] * n)),
        ("mixed", [*a[:-1], "x"]), ("object", [object()] * n), ("complex", [complex(1, 1)] * n),
        ("bool", True), ("2-D", [list(a)]),
    ]
    return out


def _matrix_mutations(m) -> list[tuple[str, Any]]:
    a = np.asarray(m, float)
    r, c = a.shape
    return [
        ("nan", np.where(np.eye(r, c, dtype=bool), math.nan, a).tolist()),
        ("inf", np.where(np.eye(r, c, dtype=bool), math.inf, a).tolist()),
        ("negative", (a - 5 * np.eye(r, c)).tolist()), ("fewer rows", a[:-1].tolist()),
        ("fewer cols", a[:, :-1].tolist()),
        ("ragged", [list(a[0]), list(a[-1][:-1])]), ("1-D", list(a[0])), ("3-D", [a.tolist()] * 2), ("empty", []),
        ("string", "abc"), ("None", None), ("strings", [["a"] * c] * r), ("huge", (a * 1e200).tolist()),
        ("tiny", (a * 1e-200).tolist()), ("transposed", a.T.tolist() if r != c else a[::-1].tolist()),
        ("labels mismatched", pd.DataFrame(a, index=[f"zr{i}" for i in range(r)],
                                           columns=[f"zc{j}" for j in range(c)])),
        ("dict of junk", {"x": {"y": "z"}}), ("off by 1e-3", (a + 1e-3 * np.eye(r, c)).tolist()),
    ]


def _mapping_mutations(d: dict) -> list[tuple[str, Any]]:
    keys = list(d)
    out: list[tuple[str, Any]] = [("empty", {}), ("None", None), ("string", "abc"), ("list", list(d.values())),
                                  ("unknown key", {**d, "zzz": next(iter(d.values()))}),
                                  ("missing key", {k: d[k] for k in keys[1:]}), ("int", 3)]
    for k in keys:
        v = d[k]
        sub = _vector_mutations(v) if _is_vector(v) else _matrix_mutations(v) if _is_matrix(v) else \
            [("junk", "abc"), ("None", None), ("empty", [])]
        out += [(f"[{k!r}] {what}", {**d, k: bad}) for what, bad in sub]
    return out


def _is_vector(v) -> bool:
    try:
        a = np.asarray(v, float)
    except (TypeError, ValueError):
        return False
    return a.ndim == 1 and a.size > 0


def _is_matrix(v) -> bool:
    try:
        a = np.asarray(v, float)
    except (TypeError, ValueError):
        return False
    return a.ndim == 2 and a.size > 0


def _label_mutations(v: list) -> list[tuple[str, Any]]:
    return [("empty", []), ("duplicate", [v[0], *v]), ("None", None), ("int", 3), ("string", "abc"),
            ("nested", [[1, 2], [3]]), ("dict", {"a": 1}), ("shorter", v[:-1]), ("longer", [*v, "zz_extra"])]


def mutations(entry: Entry) -> list[tuple[str, str, Any]]:
    """Every (argument, description, bad value) of an entry point."""
    out: list[tuple[str, str, Any]] = []
    for arg, good in entry.args.items():
        if arg in entry.frozen:
            continue
        if arg == "solver":
            cands = [(repr(s), s) for s in BAD_STRINGS]
        elif isinstance(good, str):
            cands = [(repr(s), s) for s in BAD_STRINGS if s != good]
        elif isinstance(good, dict):
            cands = _mapping_mutations(good)
        elif _is_matrix(good):
            cands = _matrix_mutations(good)
        elif _is_vector(good):
            cands = _vector_mutations(good)
        elif isinstance(good, list):
            cands = _label_mutations(good)
        elif good is None:
            cands = [("string", "abc"), ("nan vector", [math.nan, 1.0]), ("wrong length", [1.0, 2.0, 3.0]),
                     ("negative", [-1.0, -1.0]), ("dict", {"zz": 1.0})]
        else:
            cands = [(repr(s), s) for s in BAD_SCALARS]
        out += [(arg, what, bad) for what, bad in cands]
    out += list(entry.extra() if callable(entry.extra) else entry.extra)
    return out


# ====================================================================== classification


_BARE_MESSAGE = ("Traceback",)


def _names_field(entry: Entry, arg: str, exc: om.OptmarketsError) -> bool:
    if isinstance(exc, om.SolveError):
        return True  # typed: names the model and the solver
    msg = str(exc)
    names = (arg, *entry.aliases.get(arg, ()))
    return any(n in msg for n in names) or ":" in msg.split(" ")[0]


def outcome(entry: Entry, args: dict[str, Any]) -> tuple[str, str]:
    """Run one call and classify it: ("named" | "ok" | "bare" | "wrong", detail)."""
    mutated = [k for k in args if args[k] is not entry.args.get(k)]
    arg = mutated[0] if mutated else ""
    try:
        result = entry.call(**args)
    except om.OptmarketsError as exc:
        if isinstance(exc, om.InputError) and not _names_field(entry, arg, exc):
            return "bare", f"unnamed InputError: {exc}"
        return "named", f"{type(exc).__name__}: {str(exc)[:160]}"
    except Exception as exc:  # what the corpus is looking for
        return "bare", f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:200]}"
    if entry.verify is not None:
        try:
            problem = entry.verify(result, args)
        except Exception as exc:  # a result that cannot even be inspected is wrong too
            problem = f"verify raised {type(exc).__name__}: {exc}"
        if problem:
            return "wrong", problem
    sol = _solution(result)
    if sol is not None:
        if not sol.certificate.ok():
            return "wrong", f"certificate not ok: {sol.certificate}"
        if entry.closed is not None:
            try:
                want = entry.closed(**args)
            except Exception:  # the closed form does not apply to these args
                want = None
            if want is not None and not math.isclose(sol.value, want, rel_tol=1e-6, abs_tol=1e-9 * max(1.0, abs(want))):
                return "wrong", f"value {sol.value!r}, closed form {want!r}"
    return "ok", type(result).__name__
