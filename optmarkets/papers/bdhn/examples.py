"""This paper's code-defined reproduce examples ([spec §B.5](bdhn.md#spec-b5), §B.6) and the
reference tables they check.

`optmarkets.app.reproduce` imports `EXAMPLES` explicitly; nothing registers itself elsewhere.
"""

from __future__ import annotations

from fractions import Fraction
from functools import partial

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

#: Figs. 6-7 on the figures' grid (Exp(1), m = 16, vmax = 8), by references/bdhn_reference.py (numpy only, the
#: greedy of discrete Lemma 5.2 / Prop. 5.3; not this package): alpha -> revenue-optimal shares and payments
#: per cell, and (p_max, alpha) -> (W_FB, W_SB, R). tests/test_reference_scripts.py re-runs the script.
FIG6_TABLE = {
    0.25: {
        "share": (
            0.5, 0.5, 0.697250169853, 0.896921143169, 0.906526700514, 0.944217459963,
            0.944217459963, 0.944217459963, 0.944217459963, 0.966166179191, 0.966166179191, 0.966166179191,
            0.966166179191, 0.979478750344, 0.979478750344, 0.979478750344,
        ),
        "payment": (
            0.0, 0.0, 0.246562712316, 0.595986915619, 0.617599419646, 0.72124900813,
            0.72124900813, 0.72124900813, 0.72124900813, 0.825505424463, 0.825505424463, 0.825505424463,
            0.825505424463, 0.915365279747, 0.915365279747, 0.915365279747,
        ),
    },
    0.5: {
        "share": (
            0.25, 0.25, 0.335540176804, 0.806349921302, 0.858237536503, 0.921223361843,
            0.928245586943, 0.957454061495, 0.958404416318, 0.975106465816, 0.975106465816, 0.984901308289,
            0.984901308289, 0.990842180556, 0.990842180556, 0.994445501731,
        ),
        "payment": (
            0.0, 0.0, 0.106925221006, 0.930842273876, 1.04758940808, 1.22080042776,
            1.24362265934, 1.35315443891, 1.35719344691, 1.43652818202, 1.43652818202, 1.49284852624,
            1.49284852624, 1.53294941404, 1.53294941404, 1.56087515315,
        ),
    },
}
FIG7_TABLE = {
    (0.5, 0.25): (1.61077579318, 1.61077579318, 0.609711276257),
    (0.5, 0.5): (1.33346963753, 1.32299050043, 0.78170180534),
    (0.5, 1.0): (0.958664977412, 0.916748429014, 1.16760053375),
    (0.5, 2.0): (0.626297768797, 0.398251711101, 2.02109582612),
    (0.75, 0.25): (1.61077579318, 1.60497804993, 0.362797449883),
    (0.75, 0.5): (1.33346963753, 1.27520769368, 0.517798803324),
    (0.75, 1.0): (0.958664977412, 0.743867075715, 0.869719180452),
    (0.75, 2.0): (0.626297768797, -0.157070832267, 1.63759447913),
}


def _seller(dist, m, vmax, p_max, alpha) -> InformationSeller:
    return InformationSeller.from_distribution(dist, m=m, vmax=vmax, state_prior=[p_max, 1 - p_max], alpha=alpha)


#: where the exact table and the continuum values come from (BDHN prints no numbers)
EXACT_NOTE = ("spec §B.5's table, re-derived by references/bdhn_reference.py (numpy only): the greedy closed form of "
              "discrete Lemma 5.2 / Prop. 5.3 on the grid; BDHN prints no numbers")
CONTINUUM_NOTE = ("the closed forms of Props. 5.4-5.8 by quadrature: spec §B.6's table, re-derived by "
                  "references/bdhn_reference.py (scipy quad, not this package)")


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


GREEDY_NOTE = ("FIG6_TABLE / FIG7_TABLE: the exact greedy solution on the same grid (discrete Lemma 5.2 / "
               "Prop. 5.3, no LP) by references/bdhn_reference.py (numpy only, not this package; spec §B.5 "
               "(docs/bdhn.md#spec-b5))")


@EXAMPLES.register("bdhn-figure-6")
def _figure6(solver=None) -> list[Check]:
    """Fig. 6 (Exp(1), p_max = 3/4): the plotted shares and payments, checked against the reference table and the
    paper."""
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
        table = FIG6_TABLE[alpha]
        rows += [
            Check(name, f"max |LP - reference| interim share, grid ({tag})", 0.0,
                  float(np.abs(d["share"].to_numpy() - table["share"]).max()), "derived", "Fig. 6 (left)", TABLE_TOL,
                  GREEDY_NOTE),
            Check(name, f"max |LP - reference| payment, grid ({tag})", 0.0,
                  float(np.abs(d["payment"].to_numpy() - table["payment"]).max()), "derived", "Fig. 6 (right)",
                  TABLE_TOL, GREEDY_NOTE),
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
        for key, expected in zip(("W_FB", "W_SB", "R"), FIG7_TABLE[(row.p_max, row.alpha)], strict=True):
            rows.append(Check(name, f"{key}, grid m={figures.M} ({tag})", expected, getattr(row, key), "derived",
                              "Fig. 7", TABLE_TOL, GREEDY_NOTE))
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


#: the outside-option LP's alpha, and its two priors: p_max = 3/4 (a unique dual) and 1/2 (degenerate: the
#: best responses tie, so one-sided prices differ)
OUTSIDE_ALPHA, OUTSIDE_PRIORS = 0.5, (0.75, 0.5)
OUTSIDE_WHERE = "App., definition of K (a min LP)"
OUTSIDE_HOW = ("by hand: with rows sum_a r(theta, a) = c_theta and K - E[pi | a_own] >= b_a, the optimum is "
               "K = max_a (rho(a) c_a + b_a) - alpha sum_theta rho(theta) c_theta (the rival told theta)")


def _yes(flag: object) -> float:
    return float(bool(flag))


def _outside_row(rows: list[Check], name: str, tag: str, quantity: str, expected: float, computed: float) -> None:
    # an infinite range end where a finite one is expected is a mismatch (NaN), not an error that hides the rows
    computed = computed if np.isfinite(computed) else np.nan
    rows.append(Check(name, f"{quantity} ({tag})", expected, computed, "derived", OUTSIDE_WHERE, K_TOL, OUTSIDE_HOW))


@EXAMPLES.register("bdhn-outside-option")
def _outside_option(solver=None) -> list[Check]:
    """The outside option K (a minimisation): its sign-normalised prices dK/d(rhs), its one-sided prices and rhs
    ranges (left != right at the degenerate p_max = 1/2), and its exact rational optimum, against the hand
    derivation of `OUTSIDE_HOW`; they exercise the min-sense price, ranging and exact paths of the core."""
    name, a = "bdhn-outside-option", OUTSIDE_ALPHA
    rows: list[Check] = []
    for p in OUTSIDE_PRIORS:
        seller, tag = _seller("uniform", 2, 1, p, a), f"p_max = {p:g}, alpha = {a:g}"
        sol = seller.outside_option_problem().solve(solver)
        rival, best = sol.price_ranges("rival_rule"), sol.price_ranges("best_response")
        cert = sol.exact()
        exact_k = Fraction(p) - Fraction(a)  # 3/4, 1/2 are binary fractions: Fraction(float) is exact
        add = partial(_outside_row, rows, name, tag)
        add("K = p_max - alpha", p - a, sol.value)
        add("exact K = p_max - alpha as a Fraction (1 = equal)", 1.0, _yes(cert.value == exact_k))
        add("exact optimum verified (1 = yes)", 1.0, _yes(cert.verified))
        if p > 0.5:
            # a unique dual: dK/dc_0 = p (1 - alpha), dK/dc_1 = -alpha (1 - p); dK/db = (1, 0)
            for theta, price in ((0, p * (1 - a)), (1, -a * (1 - p))):
                add(f"price of rival_rule[theta={theta}] (min sense)", price, float(sol.prices["rival_rule"][theta]))
                add(f"exact price of rival_rule[theta={theta}] = {Fraction(price)} (1 = equal)", 1.0,
                    _yes(cert.prices["rival_rule"][theta] == Fraction(price)))
                add(f"left = right = price, rival_rule[theta={theta}] (1 = yes)", 1.0,
                    _yes(rival.loc[theta, "left"] == rival.loc[theta, "right"] == rival.loc[theta, "price"]))
            for a_own, price in ((0, 1.0), (1, 0.0)):
                add(f"price of best_response[a={a_own}]", price, float(sol.prices["best_response"][a_own]))
            # the basis stays optimal while the other best response stays slack: s = p c_0 + b_0 - (1-p) c_1 - b_1
            add("rhs_low of best_response[a=0] = -(2 p_max - 1)", 1 - 2 * p, float(best.loc[0, "rhs_low"]))
            add("rhs_high of best_response[a=0] = +inf (1 = yes)", 1.0, _yes(best.loc[0, "rhs_high"] == np.inf))
            add("rhs_high of best_response[a=1] = 2 p_max - 1", 2 * p - 1, float(best.loc[1, "rhs_high"]))
            add("rhs_low of best_response[a=1] = -inf (1 = yes)", 1.0, _yes(best.loc[1, "rhs_low"] == -np.inf))
            add("rhs_low of rival_rule[theta=0] = (1 - p_max)/p_max", (1 - p) / p, float(rival.loc[0, "rhs_low"]))
            add("rhs_low of rival_rule[theta=1] = 0 (r(1, 1) >= 0)", 0.0, float(rival.loc[1, "rhs_low"]))
            add("rhs_high of rival_rule[theta=1] = p_max/(1 - p_max)", p / (1 - p), float(rival.loc[1, "rhs_high"]))
            continue
        # p_max = 1/2: K = max(c_0/2 + b_0, c_1/2 + b_1) - alpha (c_0 + c_1)/2, a kink at c = 1, b = 0
        for k in (0, 1):
            add(f"left price of rival_rule[theta={k}] = -alpha/2", -a / 2, float(rival.loc[k, "left"]))
            add(f"right price of rival_rule[theta={k}] = (1 - alpha)/2", (1 - a) / 2, float(rival.loc[k, "right"]))
            add(f"left price of best_response[a={k}] = 0", 0.0, float(best.loc[k, "left"]))
            add(f"right price of best_response[a={k}] = 1", 1.0, float(best.loc[k, "right"]))
        prices = sol.prices["best_response"]
        add("vertex prices of best_response sum to 1 (K's column)", 1.0, float(prices.sum()))
        # the binding row's basis: its own rhs may rise, not fall; the other row's may fall, not rise
        top = int(prices.idxmax())
        add("rhs_low of the best_response row priced 1 = 0", 0.0, float(best.loc[top, "rhs_low"]))
        add("rhs_high of the best_response row priced 0 = 0", 0.0, float(best.loc[1 - top, "rhs_high"]))
        add("the other ends are -inf and +inf (1 = yes)", 1.0,
            _yes(best.loc[top, "rhs_high"] == np.inf and best.loc[1 - top, "rhs_low"] == -np.inf))
    return rows

from . import claims  # noqa: F401,E402  (registers the claims' rows)
