"""Brute-force evaluation of a data-broker mechanism: every cost re-optimises in every explicit segment
of every report's segmentation, independently of the LP that produced it ([spec §A.4](yang.md#spec-a4))."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.tolerances import CERT_TOL, ECON_TOL, ROUNDOFF
from ...core.verdict import Ok
from .base import BrokerBase

if TYPE_CHECKING:
    from ...core.solution import Solution


@dataclass
class MechanismAudit:
    """A mechanism re-evaluated by brute force: every cost re-optimises in every explicit segment.

    gross[k, j]: best gross profit of true cost c_j under report k's segmentation (rows: report);
    utility[j, k] = gross[k, j] - tau_k (rows: true cost); the truthful outcome (served mass,
    consumer surplus) is at the truthful cost's *largest* optimal price, [Y]'s convention.

    The verdict: `ok` (a bool) when the IC and IR violations are at most `tol` times the data's magnitude
    `scale` (the largest value: utilities are in the values' units, so the audit means the same at any
    scale of the data) and the segmentation's mass error (probabilities: absolute) at most `tol`
    (given to `evaluate`/`audit`), and `reasons` (one line per failure, empty when ok).
    The old call `audit.ok(tol)` still works for one release (a DeprecationWarning; it ignores `tol`).
    """

    gross: pd.DataFrame
    utility: pd.DataFrame
    transfer: pd.Series
    revenue: float
    ic_violation: float
    ir_violation: float
    mass_error: float
    served: pd.DataFrame
    consumer_surplus: pd.Series
    tol: float = ECON_TOL
    scale: float = 1.0
    ok: Ok = field(init=False)
    reasons: list[str] = field(init=False)

    def __post_init__(self) -> None:
        checks = (("IC", self.ic_violation, self.scale), ("IR", self.ir_violation, self.scale),
                  ("segment masses", self.mass_error, 1.0))
        self.reasons = [f"{name} violated by {err:.3g} > tol {self.tol:g}" + (f" x {unit:.3g} (the largest value)"
                                                                              if unit != 1.0 else "")
                        for name, err, unit in checks if err > self.tol * unit]
        self.ok = Ok(not self.reasons)

    def __bool__(self) -> bool:
        return bool(self.ok)


class AuditMixin(BrokerBase):
    """`DataBroker` methods: the explicit segments of a DB-C solution and their brute-force audit."""

    def segments(self, sol: Solution, tol: float = ROUNDOFF) -> list[np.ndarray]:
        """The explicit segments of every report's segmentation (one array of mass vectors per report). A mass
        below 0 by no more than the certificate's tolerance of the prior's scale is the solver's round-off (a
        floor 6.7e-10 above the optimum left z = -1.3e-9) and reads as 0; a larger one is left for `evaluate`
        to refuse."""
        z, seg_k = sol["z"].to_numpy(), self._segments[0]
        roundoff = (z < 0) & (z >= -CERT_TOL * float(np.max(self.value_probs)))
        z = np.where(roundoff, 0.0, z)
        return [z[(seg_k == k) & (z.sum(axis=1) > tol)] for k in range(self.n_costs)]

    def evaluate(self, segments, transfer, tol: float = ECON_TOL) -> MechanismAudit:
        """Re-optimise every cost in every segment of every report: the IC/IR audit of a mechanism.

        segments: one (n_segments, N) array of mass vectors per report; transfer: tau per report;
        tol: the largest IC/IR violation and mass error for which the audit is `ok`.
        """
        K, N = self.n_costs, self.n_values
        if isinstance(segments, str | dict) or not hasattr(segments, "__len__"):
            raise pr.InputError(f"segments: expected one segmentation per cost ({K}), got {type(segments).__name__}")
        if len(segments) != K:
            raise pr.InputError(f"segments: expected one segmentation per cost ({K}), got {len(segments)}")
        tau = pr.as_vector("transfer", transfer, length=K, index=self.cost_index)
        checked = []
        for k, seg in enumerate(segments):
            try:
                arr = np.atleast_2d(np.asarray(seg, dtype=float))
            except (TypeError, ValueError) as exc:
                raise pr.InputError(f"segments[{k}]: expected mass vectors over the {N} values ({exc})") from None
            if arr.ndim != 2 or arr.shape[1] != N:
                raise pr.InputError(f"segments[{k}]: has shape {arr.shape}, expected (segments, {N}) "
                                    "(one mass per value)")
            if not np.isfinite(arr).all() or (arr < 0).any():
                raise pr.InputError(f"segments[{k}]: masses must be finite and non-negative")
            checked.append(arr)
        segments = checked
        gross, served, cs, mass_err = np.zeros((K, K)), np.zeros((K, N)), np.zeros(K), 0.0
        for k, seg in enumerate(segments):
            seg = np.atleast_2d(np.asarray(seg, dtype=float)).reshape(-1, N)
            mass_err = max(mass_err, float(np.abs(seg.sum(axis=0) - self.value_probs).max()))
            best, price = self.best_prices(seg)
            gross[k] = best.sum(axis=0)
            buys = self.values[None, :] >= price[:, k][:, None]
            served[k] = (buys * seg).sum(axis=0)
            cs[k] = float((buys * seg * (self.values[None, :] - np.where(np.isinf(price[:, k]), 0,
                                                                          price[:, k])[:, None])).sum())
        U = gross.T - tau[None, :]  # U[j, k]: true j, report k
        own = np.diag(U)
        return MechanismAudit(
            gross=pd.DataFrame(gross, index=self.cost_index.rename("report"), columns=self.cost_index),
            utility=pd.DataFrame(U, index=self.cost_index, columns=self.cost_index.rename("report")),
            transfer=pd.Series(tau, index=self.cost_index, name="transfer"),
            revenue=float(self.cost_probs @ tau),
            ic_violation=float(max(0.0, (U - own[:, None]).max())),
            ir_violation=float(max(0.0, (self._uniform[0] - own).max())),
            mass_error=mass_err,
            served=pd.DataFrame(served, index=self.cost_index, columns=self.value_index),
            consumer_surplus=pd.Series(cs, index=self.cost_index, name="consumer_surplus"),
            tol=tol,
            scale=float(np.max(np.abs(self.values))),
        )

    def audit(self, sol: Solution, tol: float = ECON_TOL) -> MechanismAudit:
        """`evaluate` applied to a DB-C solution's explicit segments and transfers."""
        return self.evaluate(self.segments(sol), sol["transfer"], tol)
