"""Yang (2020): the code-defined examples `optmarkets reproduce` runs (spec §A.6)."""

from __future__ import annotations

from ...core.reference import Check, Examples
from ...core.tolerances import REPRODUCE_TOL
from .economy import DataBroker

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

EXAMPLE1 = {5: 0.048, 10: 0.054, 20: 0.055125}  # spec §A.6: DB-C on the midpoint grid


@EXAMPLES.register("yang-example-1-convergence")
def _example1(solver: str | None = None) -> list[Check]:
    rows = []
    for n, expected in EXAMPLE1.items():
        broker = DataBroker.discretized_example1(n)
        rows.append(Check("yang-example-1-convergence", f"R_DB, Example 1 on an n={n} grid", expected,
                          broker.solve(solver).value, REPRODUCE_TOL,
                          "spec §A.6 table; continuum limit R* = 1/18 = 0.0556 (limit only)"))
        rows.append(Check("yang-example-1-convergence", f"transplanted cutoff formula, n={n} (NOT the optimum)", None,
                          broker.continuum_cutoff_revenue(), REPRODUCE_TOL,
                          "spec Y-B4: converges to 1/18 only in the limit"))
    return rows
