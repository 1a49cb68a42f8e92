"""GLP's remaining claims as reproduce rows (issue 27): Proposition B.1 on a grid of instances.

Prop. B.1 (App. B.1): if gamma_pi > gamma_u and r(w) is outside [gamma_pi w, (1 + gamma_pi) w] for every
type, every competitive equilibrium is constrained socially efficient; otherwise it can be inefficient.
With gamma_pi > gamma_u full disclosure is the platform's unique optimum, under which a record of
type w is worth (1 + gamma_pi) w to society (merchant profit w, platform gamma_pi w, consumer 0), so
(derived by hand, independent of the programs) the first-best and constrained social welfare are

    SW_dagger = SW_bullet = R + sum_w qbar(w) ((1 + gamma_pi) w - r(w))^+,

where the first best drops sequential rationality (pooling moves surplus from pi to u, worth
1 + gamma_u < 1 + gamma_pi per unit). The rows compare every competitive equilibrium the
enumeration finds (`competitive_equilibria`, each verified against Definition 4) with
`second_best(social=True)` and `first_best(social=True)`, and both programs with the formula.
The "otherwise" half: with r(w) strictly inside the interval for one type, that type does not sell in
equilibrium (its price gamma_pi w is below r(w)) although selling is socially worth
qbar(w) ((1 + gamma_pi) w - r(w)) more, the gap the rows check.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...core.reference import Check
from ...core.tolerances import ECON_TOL
from .economy import PersonalDataEconomy
from .examples import EXAMPLES

#: the grid: types, masses, (gamma_u, gamma_pi) with gamma_pi > gamma_u, and where r(w) sits for each type:
#: "below" gamma_pi w (r = gamma_pi w / 2) or "above" (1 + gamma_pi) w (r = (1 + gamma_pi) w + 1/4)
B1_VALUES, B1_MASS = (1.0, 2.0), (0.4, 0.6)
B1_GAMMAS = ((0.2, 0.6),)  # the tests add (0, 1/2), (1/2, 1) and three types
WHERE_B1 = "App. B.1, Prop. B.1"
HOW_B1 = ("by hand: full disclosure is the unique P_q optimum (gamma_pi > gamma_u), a record of type w is worth "
          "(1 + gamma_pi) w to society, so SW = R + sum qbar ((1 + gamma_pi) w - r)^+")


def outside_option(values, gamma_pi: float, placement) -> np.ndarray:
    """r(w) below gamma_pi w ("below": half of it) or above (1 + gamma_pi) w ("above": plus 1/4), or inside
    the interval ("inside": its midpoint (1/2 + gamma_pi) w)."""
    w = np.asarray(values, float)
    where = {"below": gamma_pi * w / 2, "above": (1 + gamma_pi) * w + 0.25, "inside": (0.5 + gamma_pi) * w}
    return np.array([where[p][k] for k, p in enumerate(placement)])


def social_welfare_by_hand(values, mass, r, gamma_pi: float) -> float:
    """R + sum qbar ((1 + gamma_pi) w - r)^+ (see the module docstring)."""
    w, qbar, r = (np.asarray(x, float) for x in (values, mass, r))
    return float(qbar @ r + qbar @ np.maximum((1 + gamma_pi) * w - r, 0.0))


def equilibrium_social_welfare(econ: PersonalDataEconomy, solver: str | None = None) -> list[float]:
    """SW(q*, x*) of every competitive equilibrium the enumeration finds."""
    table = econ.competitive_equilibria(solver)
    return [econ.welfare(np.asarray(row.q, float), np.asarray(row.x, float), social=True)
            for row in table.itertuples(index=False)]


def prop_b1_case(values, mass, gammas, placement, solver: str | None = None) -> dict:
    """One instance: the CE's social welfare, SW_bullet (second best, social), SW_dagger (first best, social),
    and the formula."""
    gamma_u, gamma_pi = gammas
    r = outside_option(values, gamma_pi, placement)
    econ = PersonalDataEconomy(values=list(values), mass=list(mass), outside_option=r, gamma_u=gamma_u,
                               gamma_pi=gamma_pi)
    return dict(ce=equilibrium_social_welfare(econ, solver),
                second_best=econ.second_best(social=True).solve(solver).value,
                first_best=econ.first_best(social=True).solve(solver).value,
                by_hand=social_welfare_by_hand(values, mass, r, gamma_pi))


def prop_b1_grid(values, mass, gammas_grid, solver: str | None = None) -> tuple[list, list, list]:
    """Over gammas_grid x {below, above}^n: |SW(CE) - SW•| per equilibrium, |program - formula| per program,
    and the number of equilibria found per instance."""
    gaps, programs, counts = [], [], []
    for gammas in gammas_grid:
        for placement in itertools.product(("below", "above"), repeat=len(values)):
            case = prop_b1_case(values, mass, gammas, placement, solver)
            counts.append(len(case["ce"]))
            gaps += [abs(sw - case["second_best"]) for sw in case["ce"]]
            programs += [abs(case["second_best"] - case["by_hand"]), abs(case["first_best"] - case["by_hand"])]
    return gaps, programs, counts


@EXAMPLES.register("glp-prop-b1")
def _prop_b1(solver: str | None = None) -> list[Check]:
    """Prop. B.1 on the grid {gammas} x {r below / above the interval, per type}, and one instance outside it."""
    name, rows = "glp-prop-b1", []
    gaps, programs, counts = prop_b1_grid(B1_VALUES, B1_MASS, B1_GAMMAS, solver)
    tag = f"{len(counts)} instances: (gamma_u, gamma_pi) in {list(B1_GAMMAS)}, r below/above per type"
    rows += [
        Check(name, f"every instance has a competitive equilibrium (1 = yes) ({tag})", 1.0, float(min(counts) >= 1),
              "paper", "Prop. 2 (existence)"),
        Check(name, f"largest |SW(CE) - SW•| over every equilibrium found ({tag})", 0.0, float(max(gaps)), "paper",
              WHERE_B1, ECON_TOL, "every CE is constrained socially efficient"),
        Check(name, f"largest |SW program - formula| (SW• and SW†) ({tag})", 0.0, float(max(programs)), "derived",
              WHERE_B1, ECON_TOL, HOW_B1),
    ]
    # "Otherwise the equilibrium allocation can be socially inefficient": type 1's r inside its interval
    gamma_u, gamma_pi = B1_GAMMAS[0]
    case = prop_b1_case(B1_VALUES, B1_MASS, (gamma_u, gamma_pi), ("inside", "below"), solver)
    gap = B1_MASS[0] * ((1 + gamma_pi) * B1_VALUES[0] - outside_option(B1_VALUES, gamma_pi, ("inside", "below"))[0])
    tag = f"gamma = ({gamma_u}, {gamma_pi}), r(1) = (1/2 + gamma_pi) w inside the interval"
    rows += [Check(name, f"SW• - SW(CE), for every equilibrium found ({tag})", gap,
                   float(max(case["second_best"] - sw for sw in case["ce"])), "derived", WHERE_B1 + " ('otherwise')",
                   ECON_TOL, "type 1 keeps r(1) in equilibrium (price gamma_pi w < r(1)) though selling is worth "
                                 "qbar(1) ((1 + gamma_pi) w - r(1)) more to society, by hand"),
             Check(name, f"SW• by the formula ({tag})", social_welfare_by_hand(
                 B1_VALUES, B1_MASS, outside_option(B1_VALUES, gamma_pi, ("inside", "below")), gamma_pi),
                   case["second_best"], "derived", WHERE_B1, ECON_TOL, HOW_B1)]
    return rows
