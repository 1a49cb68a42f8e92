"""What the Haghpanah-Siegel searches return: `ParetoCheck` (the verdict of `check_segmentation`),
`Segmentation` (a constructed split with its check) and `ParetoSearch` (a segmentation or why none)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class ParetoCheck:
    """Does a segmentation Pareto-improve a market ([spec §B.3](hs.md#spec-b3))?

    cs_before: CS(t, f) of the selected mechanism of f; cs_segments: CS(t, f_i) per segment (NaN off the
    segment's support); cs_change = cs_segments - cs_before; revenue_before / segment_revenue /
    revenue_after = weights @ segment_revenue. `ok` (= `pareto_improving`) and `reasons` (why not, one
    line each: which type loses in which segment, or that no type gains strictly) make it a verdict.
    """

    market: pd.Series
    segments: pd.DataFrame
    weights: pd.Series
    cs_before: pd.Series
    cs_segments: pd.DataFrame
    revenue_before: float
    segment_revenue: pd.Series
    tol: float

    @property
    def cs_change(self) -> pd.DataFrame:
        return self.cs_segments - self.cs_before

    @property
    def revenue_after(self) -> float:
        return float(self.weights @ self.segment_revenue)

    @property
    def revenue_change(self) -> float:
        return self.revenue_after - self.revenue_before

    @property
    def average_cs_change(self) -> float:
        """Change in expected consumer surplus (the weaker welfare criterion of footnote 4)."""
        after = float((self.weights.to_numpy()[:, None] * self.segments.to_numpy()
                       * np.nan_to_num(self.cs_segments.to_numpy())).sum())
        return after - float(self.market @ self.cs_before)

    @property
    def weakly_dominating(self) -> pd.Series:
        """Per segment: no type in its support is worse off."""
        return (self.cs_change.fillna(np.inf) >= -self.tol).all(axis=1)

    @property
    def dominating(self) -> pd.Series:
        """Per segment: weakly dominating and some type in its support strictly better off."""
        return self.weakly_dominating & (self.cs_change.fillna(-np.inf) > self.tol).any(axis=1)

    @property
    def pareto_improving(self) -> bool:
        return bool(self.weakly_dominating.all() and self.dominating.any())

    @property
    def ok(self) -> bool:
        """The verdict: the segmentation is Pareto improving."""
        return self.pareto_improving

    @property
    def reasons(self) -> list[str]:
        """Why the segmentation is not Pareto improving (empty when it is)."""
        change = self.cs_change
        out = [f"type {t!r} loses {-float(d):.6g} of consumer surplus in segment {i}"
               for i, row in change.iterrows() for t, d in row.items() if d < -self.tol]
        if not out and not self.dominating.any():
            out.append(f"no type gains consumer surplus (by more than {self.tol:.3g}) in any segment")
        return out

    def __bool__(self) -> bool:
        return self.ok


@dataclass
class Segmentation:
    """A segmentation of `market`: `segments` (one row per segment, a market over the types) and
    `weights` (summing to one, weights @ segments == market), built by `method`; `check` holds the
    consumer-surplus and revenue comparison with the unsegmented market."""

    segments: pd.DataFrame
    weights: pd.Series
    method: str
    check: ParetoCheck
    details: dict = field(default_factory=dict)

    @property
    def market(self) -> pd.Series:
        return self.check.market

    @property
    def pareto_improving(self) -> bool:
        return self.check.pareto_improving

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def reasons(self) -> list[str]:
        return self.check.reasons

    @property
    def revenue_before(self) -> float:
        return self.check.revenue_before

    @property
    def revenue_after(self) -> float:
        return self.check.revenue_after

    @property
    def revenue_change(self) -> float:
        return self.check.revenue_change

    @property
    def cs_change(self) -> pd.DataFrame:
        return self.check.cs_change

    def __repr__(self) -> str:
        return (f"<Segmentation ({self.method}): {len(self.weights)} segments, revenue "
                f"{self.revenue_before:.6g} -> {self.revenue_after:.6g}, "
                f"Pareto improving={self.pareto_improving}>")


@dataclass
class ParetoSearch:
    """The answer of `pareto_search`: a segmentation, or None with the reason.

    status: "found", "efficient", "multiple payment rules", "breakpoint" or "not found".
    """

    segmentation: Segmentation | None
    status: str
    reason: str
