"""Galperti, Liu & Perego's code-defined reproduce examples.

Most of the paper's numbers are reproduced from the instance files `models/glp-section-4-1*.toml`
(and the Section 4.1 / App. B.2 equilibria by the application's reproduce command); here:
- glp-app-b1-one-type: App. B.1's one-type example (a traditional externality): one consumer type
  w = 1 with 0 < r(1) < 1 and gamma_u > gamma_pi = 0; the constrained socially efficient allocation
  trades everything, q•(1) = 1, but the only competitive equilibrium is no trade.
"""

from __future__ import annotations

from ...core.reference import Check, Examples
from .economy import PersonalDataEconomy

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

WHERE_B1 = "App. B.1 (one type: 'the only equilibrium is no trade')"


@EXAMPLES.register("glp-app-b1-one-type")
def _one_type(solver: str | None = None) -> list[Check]:
    name, rows = "glp-app-b1-one-type", []
    for r in (0.3, 0.7):
        econ = PersonalDataEconomy(values=[1], mass=[1.0], outside_option=[r], gamma_u=0.8, gamma_pi=0.0)
        tag = f"r(1) = {r}, gamma_u = 0.8"
        ce = econ.competitive_equilibria(solver)
        social = econ.second_best_problem(social=True).solve(solver)
        rows += [
            Check(name, f"number of competitive equilibria ({tag})", 1.0, float(len(ce)), "paper", WHERE_B1),
            Check(name, f"the equilibrium's q*(1): no trade ({tag})", 0.0, float(sum(ce["q"].iloc[0])), "paper",
                  WHERE_B1),
            Check(name, f"constrained socially efficient q•(1) ({tag})", 1.0, float(social["q"].iloc[0]), "paper",
                  "App. B.1 (one type: q•(1) = 1)"),
            Check(name, f"SW(q•, x•) ({tag})", 1.0, social.value, "derived", "App. B.1, eq. (B.1)",
                  note="v = gamma_u u = 0 and u = 0 at the fee a = 1 = w; the merchant earns a = 1 on mass 1, by hand"),
            Check(name, f"SW of the no-trade equilibrium = r ({tag})", r, float(ce["welfare"].iloc[0]),
                  "paper-formula", "App. B.1, SW(q_L*, x_L*) = rbar", note="no trade: every consumer keeps r(1)"),
        ]
    return rows
