"""Solution: what a solve returns — value, labelled primal values, duals, prices and a certificate.

Price convention (the one place it is stated): for a constraint family written `lhs (<=|>=|==) rhs`,
its price is the derivative of the optimal value with respect to `rhs`, in the model's units,

    price = d(optimal value) / d(rhs).

So in a maximisation a binding `<=` family has a price >= 0 (more room is worth something) and a
binding `>=` family a price <= 0; in a minimisation the signs are reversed. Equality prices have
either sign. Where the optimal value is not differentiable (degenerate LPs) the price is one
supergradient (max) or subgradient (min); HiGHS returns the vertex one.
`Solution.duals` keeps cvxpy's raw multipliers for readers who want them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .tolerances import CERT_TOL


@dataclass
class Certificate:
    """Optimality evidence recomputed from the problem data and the returned point.

    violations: largest violation of each constraint family and variable domain (>= 0).
    dual_sign: largest amount by which a price has the wrong sign for its family.
    dual_infeasibility: largest violation of the dual constraints (reduced costs), LPs only.
    complementary_slackness: largest |price * slack| over inequality rows, LPs only.
    duality_gap: |dual objective - primal objective| at the returned multipliers, LPs only.
    """

    violations: pd.Series
    dual_sign: float | None = None
    dual_infeasibility: float | None = None
    complementary_slackness: float | None = None
    duality_gap: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def max_violation(self) -> float:
        return float(self.violations.max()) if len(self.violations) else 0.0

    def ok(self, tol: float = CERT_TOL) -> bool:
        """All recomputed residuals below `tol` (dual ones are skipped where not computed)."""
        dual = [self.dual_sign, self.dual_infeasibility, self.duality_gap]
        return self.max_violation <= tol and all(d is None or d <= tol for d in dual)

    def to_series(self) -> pd.Series:
        rows = {f"violation[{k}]": v for k, v in self.violations.items()}
        rows.update(
            dual_sign=self.dual_sign,
            dual_infeasibility=self.dual_infeasibility,
            complementary_slackness=self.complementary_slackness,
            duality_gap=self.duality_gap,
        )
        return pd.Series(rows, dtype=float, name="certificate")

    def __str__(self) -> str:
        lines = [f"  {k:<40s} {v:.3e}" for k, v in self.to_series().dropna().items()]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


@dataclass
class Solution:
    """The result of `Model.solve`.

    `sol.value` is the optimal value (float, model units); `sol[name]` a labelled primal value or
    derived output; `sol.prices[name]` the sign-normalised price of a constraint family (see the
    module docstring); `sol.certificate` the recomputed residuals.
    """

    model: str
    status: str
    value: float
    solver: str
    primal: dict[str, Any]
    duals: dict[str, Any]
    prices: dict[str, Any]
    certificate: Certificate
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sense: str = "max"
    units: str = ""

    def __getitem__(self, name: str) -> Any:
        for source in (self.outputs, self.primal, self.parameters):
            if name in source:
                return source[name]
        raise KeyError(f"'{name}' is not a variable, output or parameter of model '{self.model}'; "
                       f"available: {', '.join(self.keys())}")

    def __contains__(self, name: str) -> bool:
        return name in self.outputs or name in self.primal or name in self.parameters

    def keys(self) -> list[str]:
        return list(dict.fromkeys([*self.outputs, *self.primal, *self.parameters]))

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def summary(self, *, digits: int = 6) -> str:
        """A printable report: value, primal values, prices, certificate and timings."""
        with pd.option_context("display.precision", digits, "display.width", 120):
            parts = [
                f"model {self.model}: {self.status} with {self.solver}",
                f"value = {self.value:.{digits}g} {self.units}".rstrip(),
            ]
            for title, table in (("", self.outputs), ("", self.primal), ("price ", self.prices)):
                for name, obj in table.items():
                    parts.append(f"\n{title}{name}:\n{_show(obj)}")
            parts.append("\ncertificate (recomputed from the data):\n" + str(self.certificate))
            if self.timings:
                parts.append("timings [s]: " + ", ".join(f"{k} {v:.4f}" for k, v in self.timings.items()))
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"<Solution {self.model}: {self.status}, value={self.value:.10g}, solver={self.solver}>"

    def to_record(self, outputs: Mapping[str, str] | None = None) -> dict:
        """A flat dict (status, value, solver, timings) for tabulating many solves."""
        record = {"model": self.model, "status": self.status, "value": self.value, "solver": self.solver}
        record.update({f"time_{k}": v for k, v in self.timings.items()})
        record["max_violation"] = self.certificate.max_violation
        return record


def _show(obj: object) -> str:
    if isinstance(obj, pd.DataFrame | pd.Series):
        return obj.to_string()
    if isinstance(obj, float | np.floating):
        return f"{obj:.10g}"
    return str(obj)
