"""A probability distribution on a finite, labelled, strictly increasing support."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.validate import increasing, labels, probabilities


class Distribution:
    """A probability distribution on a finite, labelled, strictly increasing support."""

    def __init__(self, support, probs, *, name: str = "support", probs_name: str = "probs", strict: bool = False):
        self.support = increasing(name, support)
        self.probs = probabilities(probs_name, probs, length=self.support.size, strict=strict)
        self.name = name

    def __len__(self) -> int:
        return self.support.size

    def mean(self) -> float:
        return float(self.support @ self.probs)

    def cdf(self) -> np.ndarray:
        return np.cumsum(self.probs)

    def to_series(self) -> pd.Series:
        return pd.Series(self.probs, index=labels(self.name, self.support), name="prob")

    def __repr__(self) -> str:
        pairs = ", ".join(f"{s:g}: {p:.4g}" for s, p in zip(self.support, self.probs))
        return f"Distribution({{{pairs}}})"
