"""This paper's code-defined reproduce examples (spec §B.5, §B.6) and the reference tables they check.

`optmarkets.app.reproduce` imports `EXAMPLES` explicitly; nothing registers itself elsewhere.
"""

from __future__ import annotations

from ...core.reference import Check, Examples
from ...core.tolerances import ECON_TOL, PROB_TOL, REPRODUCE_TOL
from .continuum import Continuum
from .seller import InformationSeller

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

#: LP values against the exact discrete table (spec §B.5), relative.
TABLE_TOL = ECON_TOL
#: The outside-option LP's K against p_max - alpha: a difference of probabilities, absolute.
K_TOL = PROB_TOL
#: Quadrature against the continuum table (printed to 6 digits).
CONTINUUM_TOL = REPRODUCE_TOL

#: spec §B.5: (dist, m, vmax, p_max, alpha) -> (W_SB, W_FB, R, pit_R(v_1))
EXACT_TABLE = {
    ("exponential", 10, 6, 0.5, 0.5): (1.32224905, 1.32885602, 0.81663235, 0.0),
    ("exponential", 10, 6, 0.75, 2): (-0.19017632, 0.60466158, 1.67289286, -1.25),
    ("uniform", 10, 1, 0.5, 0.5): (0.57250000, 0.58250000, 0.42950000, 0.0),
    ("uniform", 10, 1, 0.75, 2): (-0.38000000, 0.16500000, 0.79000000, -1.25),
    ("exponential", 40, 8, 0.5, 2): (0.45726335, 0.65932652, 1.78504781, -1.5),
}

#: spec §B.6: (dist, p_max, alpha) -> (v*, v~, W_FB, W_SB, R)
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


@EXAMPLES.register("bdhn-exact-table")
def _exact_table(solver=None) -> list[Check]:
    """Spec §B.5: the full-rule LPs reproduce the exact discrete table."""
    rows = []
    for (dist, m, vmax, p, a), (w_sb, w_fb, rev, pit1) in EXACT_TABLE.items():
        seller, tag = _seller(dist, m, vmax, p, a), f"{dist} m={m} vmax={vmax} p_max={p} alpha={a}"
        rv = seller.revenue_optimal().solve(solver)
        fb = seller.welfare_optimal(first_best=True).solve(solver)
        rows += [
            Check("bdhn-exact-table", f"W_SB ({tag})", w_sb, seller.welfare_optimal().solve(solver).value, TABLE_TOL),
            Check("bdhn-exact-table", f"W_FB ({tag})", w_fb, fb.value, TABLE_TOL),
            Check("bdhn-exact-table", f"R ({tag})", rev, rv.value, TABLE_TOL),
            Check("bdhn-exact-table", f"pit_R(v_1) ({tag})", pit1, float(rv["pit"].iloc[0, 0]) + 0.0, TABLE_TOL),
            Check("bdhn-exact-table", f"K = p_max - alpha ({tag})", p - a,
                  seller.outside_option_problem().solve(solver).value + 0.0, K_TOL),
        ]
    return rows


@EXAMPLES.register("bdhn-continuum")
def _continuum(solver=None) -> list[Check]:
    """Spec §B.6: the closed forms of Props. 5.4-5.8 by quadrature."""
    rows = []
    for (dist, p, a), (v_star, v_tilde, w_fb, w_sb, rev) in CONTINUUM_TABLE.items():
        c, tag = Continuum(dist, p, a), f"{dist} p_max={p} alpha={a}"
        rows += [
            Check("bdhn-continuum", f"v* ({tag})", v_star, c.v_star, CONTINUUM_TOL),
            Check("bdhn-continuum", f"v~ ({tag})", v_tilde, c.v_tilde, CONTINUUM_TOL),
            Check("bdhn-continuum", f"W_FB ({tag})", w_fb, c.welfare_first_best(), CONTINUUM_TOL),
            Check("bdhn-continuum", f"W_SB ({tag})", w_sb, c.welfare_second_best(), CONTINUUM_TOL),
            Check("bdhn-continuum", f"R ({tag})", rev, c.revenue(), CONTINUUM_TOL),
        ]
    return rows
