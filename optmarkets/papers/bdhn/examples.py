"""This paper's code-defined reproduce examples ([spec §B.5](bdhn.md#spec-b5), §B.6) and the
reference tables they check.

`optmarkets.app.reproduce` imports `EXAMPLES` explicitly; nothing registers itself elsewhere.
"""

from __future__ import annotations

import numpy as np

from ...core.reference import Check, Examples
from ...core.tolerances import ECON_TOL, PROB_TOL, REPRODUCE_TOL
from . import figures
from .continuum import Continuum
from .seller import InformationSeller

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

#: LP values against the exact discrete table ([spec §B.5](bdhn.md#spec-b5)), relative.
TABLE_TOL = ECON_TOL
#: The outside-option LP's K against p_max - alpha: a difference of probabilities, absolute.
K_TOL = PROB_TOL
#: Quadrature against the continuum table (printed to 6 digits).
CONTINUUM_TOL = REPRODUCE_TOL

#: [spec §B.5](bdhn.md#spec-b5): (dist, m, vmax, p_max, alpha) -> (W_SB, W_FB, R, pit_R(v_1))
EXACT_TABLE = {
    ("exponential", 10, 6, 0.5, 0.5): (1.32224905, 1.32885602, 0.81663235, 0.0),
    ("exponential", 10, 6, 0.75, 2): (-0.19017632, 0.60466158, 1.67289286, -1.25),
    ("uniform", 10, 1, 0.5, 0.5): (0.57250000, 0.58250000, 0.42950000, 0.0),
    ("uniform", 10, 1, 0.75, 2): (-0.38000000, 0.16500000, 0.79000000, -1.25),
    ("exponential", 40, 8, 0.5, 2): (0.45726335, 0.65932652, 1.78504781, -1.5),
}

#: [spec §B.6](bdhn.md#spec-b6): (dist, p_max, alpha) -> (v*, v~, W_FB, W_SB, R)
CONTINUUM_TABLE = {
    ("exponential", 0.5, 0.25): (0.693147, 0.923287, 1.6, 1.596004, 0.491056),
    ("exponential", 0.5, 0.5): (0.693147, 0.846574, 4 / 3, 1.317978, 0.632495),
    ("exponential", 0.5, 2): (0.693147, 0.386294, 2 / 3, 0.469628, 1.612818),
    ("exponential", 0.75, 0.5): (1.386294, 1.193147, 4 / 3, 1.263240, 0.447662),
    ("exponential", 0.75, 2): (1.386294, 1.772589, 2 / 3, -0.103289, 1.414610),
    ("uniform", 0.5, 0.5): (0.5, 0.5, 7 / 12, 55 / 96, 19 / 48),
    ("uniform", 0.75, 2): (0.75, 1.0, 1 / 6, -0.375, 0.75),
}


def _seller(dist, m, vmax, p_max, alpha) -> InformationSeller:
    return InformationSeller.from_distribution(dist, m=m, vmax=vmax, state_prior=[p_max, 1 - p_max], alpha=alpha)


#: where the exact table and the continuum values come from (BDHN prints no numbers)
EXACT_NOTE = ("the spec's independent reference computation (§B.5): the greedy closed form of discrete Lemma 5.2 / "
              "Prop. 5.3 on the grid; BDHN prints no numbers")
CONTINUUM_NOTE = "the closed forms of Props. 5.4-5.8 evaluated by the spec's reference script (§B.6)"


@EXAMPLES.register("bdhn-exact-table")
def _exact_table(solver=None) -> list[Check]:
    """Spec §B.5: the full-rule LPs reproduce the exact discrete table."""
    rows = []
    for (dist, m, vmax, p, a), (w_sb, w_fb, rev, pit1) in EXACT_TABLE.items():
        seller, tag = _seller(dist, m, vmax, p, a), f"{dist} m={m} vmax={vmax} p_max={p} alpha={a}"
        rv = seller.revenue_optimal().solve(solver)
        fb = seller.welfare_optimal(first_best=True).solve(solver)
        where = "Sec. 5 (Lemma 5.2, Prop. 5.3)"
        rows += [
            Check("bdhn-exact-table", f"W_SB ({tag})", w_sb, seller.welfare_optimal().solve(solver).value,
                  "derived", where, TABLE_TOL, EXACT_NOTE),
            Check("bdhn-exact-table", f"W_FB ({tag})", w_fb, fb.value, "derived", where, TABLE_TOL, EXACT_NOTE),
            Check("bdhn-exact-table", f"R ({tag})", rev, rv.value, "derived", where, TABLE_TOL, EXACT_NOTE),
            Check("bdhn-exact-table", f"pit_R(v_1) ({tag})", pit1, float(rv["pit"].iloc[0, 0]) + 0.0,
                  "paper-formula", "Prop. 5.8", TABLE_TOL, "pit_R(v_low) = K = p_max - alpha"),
            Check("bdhn-exact-table", f"K = p_max - alpha ({tag})", p - a,
                  seller.outside_option_problem().solve(solver).value + 0.0, "paper-formula",
                  "App., definition of K", K_TOL, "K = max_a E[1{a = theta}] - alpha"),
        ]
    return rows


@EXAMPLES.register("bdhn-continuum")
def _continuum(solver=None) -> list[Check]:
    """Spec §B.6: the closed forms of Props. 5.4-5.8 by quadrature."""
    rows = []
    for (dist, p, a), (v_star, v_tilde, w_fb, w_sb, rev) in CONTINUUM_TABLE.items():
        c, tag = Continuum(dist, p, a), f"{dist} p_max={p} alpha={a}"
        for name, expected, computed, where in (
                ("v*", v_star, c.v_star, "Sec. 5.2, v* = F^-1(p_max)"),
                ("v~", v_tilde, c.v_tilde, "Prop. 5.8"),
                ("W_FB", w_fb, c.welfare_first_best(), "Prop. 5.4"),
                ("W_SB", w_sb, c.welfare_second_best(), "Prop. 5.5"),
                ("R", rev, c.revenue(), "Props. 5.7-5.8")):
            rows.append(Check("bdhn-continuum", f"{name} ({tag})", expected, computed, "paper-formula", where,
                              CONTINUUM_TOL, CONTINUUM_NOTE))
    return rows


GREEDY_NOTE = ("the exact greedy solution on the same grid (discrete Lemma 5.2 / Prop. 5.3, no LP; "
               "spec §B.5 (docs/bdhn.md#spec-b5))")


@EXAMPLES.register("bdhn-figure-6")
def _figure6(solver=None) -> list[Check]:
    """Fig. 6 (Exp(1), p_max = 3/4): the plotted shares and payments, checked against the greedy and the paper."""
    name, data = "bdhn-figure-6", figures.figure6(solver)
    c = {a: Continuum("exponential", figures.FIG6_PRIOR, a) for a in figures.FIG6_ALPHAS}
    lo, hi = figures.FIG6_ALPHAS
    rows = [Check(name, "v* = ln 4 (p_max = 3/4)", float(np.log(4)), c[lo].v_star, "paper", "Fig. 6 caption"),
            Check(name, "v0 = phi^-1(0) < v* (Exp(1): phi(v) = v - 1)", 1.0, c[lo].v0, "derived", "Fig. 6 caption",
                  note="phi(v) = v - 1 for Exp(1), by hand")]
    width = figures.VMAX / figures.M
    for alpha, d in data.groupby("alpha"):
        tag = f"alpha = {alpha:g}"
        low = d["v"].to_numpy() + width / 2 <= min(c[alpha].v_star, c[alpha].v_tilde)
        rows += [
            Check(name, f"max |LP - greedy| interim share, grid ({tag})", 0.0,
                  float((d["share"] - d["share_greedy"]).abs().max()), "derived", "Fig. 6 (left)", TABLE_TOL,
                  GREEDY_NOTE),
            Check(name, f"max |LP - greedy| payment, grid ({tag})", 0.0,
                  float((d["payment"] - d["payment_greedy"]).abs().max()), "derived", "Fig. 6 (right)", TABLE_TOL,
                  GREEDY_NOTE),
            Check(name, f"lowest type's share = p_max - alpha ({tag})", figures.FIG6_PRIOR - alpha,
                  float(d["share"].iloc[0]), "paper-formula", "Fig. 5-6 captions", TABLE_TOL),
            Check(name, f"largest payment of cells below min(v*, v~) ({tag})", 0.0,
                  float(d["payment"][low].abs().max()), "paper-formula", "Sec. 5.3, Prop. 5.8", TABLE_TOL,
                  "t = 0 on [v_low, min(v*, v~)]"),
        ]
    between = np.linspace(c[lo].v0, c[lo].v_star, 7)[1:-1]
    fiercer = all(float(c[hi].payment_revenue(v)) <= float(c[lo].payment_revenue(v)) + ECON_TOL for v in between)
    rows.append(Check(name, "types in (v0, v*) pay less when competition is fiercer (alpha 1/2 vs 1/4; 1 = yes)",
                      1.0, float(fiercer), "paper", "Sec. 5.4 (Fig. 6)",
                      note="continuum payments t(v) of Prop. 5.8 at 5 types between v0 and v*"))
    return rows


@EXAMPLES.register("bdhn-figure-7")
def _figure7(solver=None) -> list[Check]:
    """Fig. 7 (Exp(1)): W_FB, W_SB and R against alpha for p_max = 1/2 and 3/4."""
    name, data = "bdhn-figure-7", figures.figure7(solver)
    rows = []
    for row in data.itertuples(index=False):
        tag = f"p_max = {row.p_max:g}, alpha = {row.alpha:g}"
        for key in ("W_FB", "W_SB", "R"):
            rows.append(Check(name, f"{key}, grid m={figures.M} ({tag})", getattr(row, f"{key}_greedy"),
                              getattr(row, key), "derived", "Fig. 7", TABLE_TOL, GREEDY_NOTE))
        rows.append(Check(name, f"W_FB continuum = 2/(1 + alpha) ({tag})", 2 / (1 + row.alpha), row.W_FB_continuum,
                          "derived", "Fig. 7, Prop. 5.4", CONTINUUM_TOL,
                          "E(X - alpha Y)^+ = 1/(1 + alpha) for iid Exp(1), by hand "
                          "(spec §B.6 (docs/bdhn.md#spec-b6))"))
    for p, d in data.groupby("p_max"):
        for key, up, claim in (("W_FB", False, "welfare decreases"), ("W_SB", False, "welfare decreases"),
                               ("R", True, "revenue increases")):
            rows.append(Check(name, f"{key} continuum {'increasing' if up else 'decreasing'} in alpha "
                              f"(p_max = {p:g}; 1 = yes)", 1.0,
                              float(figures.monotone(d[f"{key}_continuum"], up)), "paper", "Sec. 5.4 (Fig. 7)",
                              note=f"'{claim} as competition increases', at alpha = {list(figures.FIG7_ALPHAS)}"))
    return rows
