"""Galperti, Liu & Perego's code-defined reproduce examples.

Most of the paper's numbers are reproduced from the instance files `models/glp-section-4-1*.toml`
(and the Section 4.1 / App. B.2 equilibria by the application's reproduce command); here:
- glp-app-b1-one-type: App. B.1's one-type example (a traditional externality): one consumer type
  w = 1 with 0 < r(1) < 1 and gamma_u > gamma_pi = 0; the constrained socially efficient allocation
  trades everything, q•(1) = 1, but the only competitive equilibrium is no trade.
- glp-value-function-q: Section 4.1's V(q) = gamma_u min{q(1), q(2)} walked along a straight path of
  databases q (`value_function`, exact): its kink at q(1) = q(2), the value there and the slopes, as Fractions.
"""

from __future__ import annotations

from fractions import Fraction

from ...core.parametric import value_function
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


WHERE_V = "Sec. 4.1, Case 1: 'V(q) = gamma_u min{q(1), q(2)}' (spec §A.8)"


@EXAMPLES.register("glp-value-function-q")
def _value_function(solver: str | None = None) -> list[Check]:
    """V along q(t) = a + t (b - a), a = (1/10, 4/10), b = (4/10, 1/10), gamma_u = 1 (parametric simplex on HiGHS,
    whatever `solver`), against the paper's V(q) = gamma_u min{q(1), q(2)} solved by hand in Fractions."""
    name = "glp-value-function-q"
    gamma, a, b = Fraction(1), (Fraction(1, 10), Fraction(4, 10)), (Fraction(4, 10), Fraction(1, 10))
    d = (b[0] - a[0], b[1] - a[1])
    kink = (a[1] - a[0]) / (d[0] - d[1])  # q1(t) = q2(t): t = 1/2
    econ = PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=float(gamma))
    vf = value_function(econ.platform_problem([float(x) for x in a]), "q", [float(x) for x in a],
                        [float(x) for x in b], exact=True)
    how = "the paper's V(q) = gamma_u min{q(1), q(2)} on the path, in Fractions: kink where q1(t) = q2(t)"
    pieces = vf.exact_pieces
    rows = [Check(name, "V(t) verified in rationals on every piece (1 = yes)", 1.0, float(bool(vf.verified)),
                  "paper-formula", WHERE_V, note=vf.reason or how),
            Check(name, "number of kinks of V(t)", 1.0, float(len(vf.exact_breakpoints)), "paper-formula", WHERE_V,
                  note="min of two affine functions that cross once"),
            Check.exactly(name, f"kink t* = {kink} (q1 = q2 = {a[0] + kink * d[0]})", vf.exact_breakpoints[0], kink,
                          "paper-formula", WHERE_V, note=how),
            Check.exactly(name, f"V(t*) = gamma_u q1(t*) = {gamma * (a[0] + kink * d[0])}", vf.exact_values[0],
                          gamma * (a[0] + kink * d[0]), "paper-formula", WHERE_V, note=how)]
    for k, slope in enumerate((gamma * d[0], gamma * d[1])):  # q1 is the min before the kink, q2 after it
        rows.append(Check.exactly(name, f"slope dV/dt of piece {k + 1} = {slope}", pieces["slope"].iloc[k], slope,
                                  "paper-formula", WHERE_V, note=how))
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        q = [float(a[i] + Fraction(t) * d[i]) for i in range(2)]
        rows.append(Check(name, f"V(t = {t}) = gamma_u min(q1, q2)", float(gamma) * min(q), float(vf(t)),
                          "paper-formula", WHERE_V))
    return rows

from . import claims  # noqa: F401,E402  (registers the claims' rows)
