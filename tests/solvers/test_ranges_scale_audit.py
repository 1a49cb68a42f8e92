"""Audit: `price_ranges` of a mechanism whose values are tiny (values x 1e-6, probabilities unchanged).

Values x s with the prior unchanged is the same LP after payments t' = t / s: the ic and ir rows (right-hand sides
in utility) keep their one-sided derivatives, the lottery rows' (right-hand side a probability) are s times the
scale-1 ones. Before the fix, ranges worked on an LP that Ruiz's equilibration left as it was (an IC row holds values
x probabilities of 1e-7 beside payment coefficients of 1, and every row and column maximum is already 1) while the
steps' and faces' tolerances assume magnitude one: (b1, 3 -> 1)'s left came out -0.025 instead of -0.1 at 1e-6, and
at 1e-7 six lottery rows read left = +inf (the LP infeasible) where the LP stays feasible.

The references: the same model at scale 1, and one-sided finite differences of the LP written here directly with
scipy.optimize.linprog (not through the package), in units HiGHS's absolute tolerances suit: payments in units of the
scale (u = t / s) and utility rows divided by s, an exact change of units (written at 1e-7 as it stands, linprog's
HiGHS reads a lottery row's right derivative 0.3 s where it is 0).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om

VALUES = {"b1": [1.0, 3.0, 4.0], "b2": [2.0, 3.0, 4.0]}
PRIOR = {"b1": [0.2, 0.5, 0.3], "b2": [0.1, 0.6, 0.3]}
AGENTS = ("b1", "b2")
TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def environment(scale: float) -> om.MechanismEnvironment:
    return om.MechanismEnvironment.single_item({k: [v * scale for v in vs] for k, vs in VALUES.items()}, prior=PRIOR)


def solved(scale: float, ic: str) -> om.Solution:
    return om.mechanism_design(environment(scale), "revenue", ic=ic, ir="ex_post").solve()


def same(got: np.ndarray, want: np.ndarray, rel: float) -> np.ndarray:
    """Equal infinities, or finite values within rel * max(|want|, |want|'s family scale)."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    scale = max(1e-300, float(np.abs(want[np.isfinite(want)]).max(initial=0.0)))
    with np.errstate(invalid="ignore"):
        close = np.abs(got - want) <= rel * np.maximum(scale, np.abs(want))
    return (np.isinf(want) & (got == want)) | close


@pytest.mark.parametrize("ic", ["bayesian", "dominant"])
@pytest.mark.parametrize("scale", [1e-6, 1e-7, 2.0 ** -20, 1e-8])
def test_mechanism_ranges_scale_with_the_values(ic, scale):
    """ic and ir: the scale-1 left and right; lottery: s times them; every row computed, every row's rhs range
    given (its basis is the solve's: the ranges start from it)."""
    base, small = solved(1.0, ic), solved(scale, ic)
    checked = 0
    for name in ("ic", "ir", "lottery"):
        factor = scale if name == "lottery" else 1.0
        want, got = base.price_ranges(name), small.price_ranges(name)
        assert (got["reason"] == "").all(), got["reason"]
        for side in ("left", "right"):
            ok = same(got[side].to_numpy() / factor, want[side].to_numpy(), 1e-9)
            assert ok.all(), (name, side, got[side].to_numpy()[~ok] / factor, want[side].to_numpy()[~ok])
            checked += ok.size
        assert got[["rhs_low", "rhs_high"]].notna().all().all(), (name, got)
    assert checked > 50


def mechanism_lp(scale: float, ic: str) -> tuple[dict, dict[tuple, tuple[str, int, float]]]:
    """The revenue LP (ex-post IR) at values x `scale`, written out: variables q[p, o] >= 0 (o: nobody, b1, b2) and
    free payments t[p, i] = scale u[p, i] per profile p; max sum_p f(p) sum_i t[p, i]; the utility rows (ic, ir) in
    units of the scale. Returns linprog's arguments (minimising the negated revenue) and, per row label (family,
    key), its kind ("eq" / "ge"), position and unit (a right-hand side moved by h moves the row written here by
    h / unit)."""
    types = VALUES
    profiles = list(itertools.product(range(3), range(3)))
    joint = {p: PRIOR["b1"][p[0]] * PRIOR["b2"][p[1]] for p in profiles}
    nq = 3 * len(profiles)
    nv = nq + 2 * len(profiles)

    def q(p, o):
        return 3 * profiles.index(p) + o

    def t(p, i):
        return nq + 2 * profiles.index(p) + i

    def utility(coef, i, true, p, weight):  # += weight * u_i(true type, outcome of profile p)
        coef[q(p, i + 1)] += weight * types[AGENTS[i]][true]
        coef[t(p, i)] -= weight

    c = np.zeros(nv)
    for p in profiles:
        c[t(p, 0)] = c[t(p, 1)] = -joint[p] * scale
    eq, ge, where = [], [], {}
    for p in profiles:
        row = np.zeros(nv)
        row[[q(p, o) for o in range(3)]] = 1.0
        where[("lottery", p)] = ("eq", len(eq), 1.0)
        eq.append((row, 1.0))
    for i, a, r in itertools.product(range(2), range(3), range(3)):
        if a == r:
            continue
        other = PRIOR[AGENTS[1 - i]]
        cases = [(None, list(range(3)))] if ic == "bayesian" else [(s, [s]) for s in range(3)]
        for key, others in cases:
            row = np.zeros(nv)
            for s in others:
                weight = other[s] if ic == "bayesian" else 1.0
                true, lie = ((a, s), (r, s)) if i == 0 else ((s, a), (s, r))
                utility(row, i, a, true, weight)
                utility(row, i, a, lie, -weight)
            where[("ic", (i, a, r) if key is None else (i, a, r, key))] = ("ge", len(ge), scale)
            ge.append((row, 0.0))
    for p in profiles:
        for i in range(2):
            row = np.zeros(nv)
            utility(row, i, p[i], p, 1.0)
            where[("ir", (p, i))] = ("ge", len(ge), scale)
            ge.append((row, 0.0))
    lp = {"c": c, "A_eq": np.array([r for r, _ in eq]), "b_eq": np.array([b for _, b in eq]),
          "A_ub": -np.array([r for r, _ in ge]), "b_ub": -np.array([b for _, b in ge]),
          "bounds": [(0, None)] * nq + [(None, None)] * (nv - nq)}
    return lp, where


def revenue(lp: dict, kind: str, position: int, shift: float) -> float:
    """The optimal revenue with one row's right-hand side moved by `shift` (-inf where infeasible)."""
    args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in lp.items()}
    if kind == "eq":
        args["b_eq"][position] += shift
    else:
        args["b_ub"][position] -= shift  # -row x <= -(b + shift)
    res = linprog(method="highs", options=TIGHT, **args)
    if res.status == 2:
        return -np.inf
    assert res.status == 0, res.message
    return -float(res.fun)


def label_key(name: str, label: tuple, env: om.MechanismEnvironment) -> tuple:
    """The written LP's key of a price_ranges row label (types as positions)."""
    pos = {a: {v: k for k, v in enumerate(env.types[a])} for a in AGENTS}
    if name == "lottery":
        return tuple(pos[a][v] for a, v in zip(AGENTS, label, strict=True))
    agent, true, report, *rest = label
    i = AGENTS.index(agent)
    other = [pos[AGENTS[1 - i]][v] for v in rest]
    return (i, pos[agent][true], pos[agent][report], *other)


@pytest.mark.parametrize("ic,scale,name", [("bayesian", 1e-6, "ic"), ("bayesian", 1e-7, "lottery"),
                                           ("dominant", 1e-7, "lottery"), ("dominant", 1e-6, "ic")])
def test_mechanism_ranges_equal_one_sided_differences_of_linprog(ic, scale, name):
    """left and right against (V(b) - V(b - h)) / h and (V(b + h) - V(b)) / h of the LP written above, at the small
    scale itself (h: 1e-4 of the row's unit: a probability, or a value x scale)."""
    sol = solved(scale, ic)
    got = sol.price_ranges(name)
    lp, where = mechanism_lp(scale, ic)
    v0 = revenue(lp, "eq", 0, 0.0)
    assert v0 == pytest.approx(sol.value, rel=1e-9)
    h = 1e-4 * (1.0 if name == "lottery" else scale)
    env = environment(scale)
    for label, row in got.iterrows():
        kind, position, unit_h = where[(name, label_key(name, label, env))]
        left = (v0 - revenue(lp, kind, position, -h / unit_h)) / h
        right = (revenue(lp, kind, position, h / unit_h) - v0) / h
        unit = scale if name == "lottery" else 1.0  # the derivatives' magnitude
        assert row["left"] == pytest.approx(left, abs=1e-6 * unit), (label, row["left"], left)
        assert row["right"] == pytest.approx(right, abs=1e-6 * unit), (label, row["right"], right)
