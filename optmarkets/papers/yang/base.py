"""What `DataBroker`'s mixins read from one another: the economy's data and the members each
mixin defines for the other (declared here for type checking; `DataBroker` sets and defines them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ...core.solution import Solution
    from .audit import MechanismAudit


class BrokerBase:
    """The data of Yang's economy (set by `DataBroker.__init__`) and the members the mixins share."""

    values: np.ndarray  # v_1 < ... < v_N
    value_probs: np.ndarray  # m
    costs: np.ndarray  # c_1 < ... < c_K
    cost_probs: np.ndarray  # g
    n_values: int
    n_costs: int
    value_index: pd.Index
    cost_index: pd.Index
    prices: np.ndarray  # V u {⊥}

    if TYPE_CHECKING:
        # economy.py
        @property
        def payoff(self) -> np.ndarray: ...

        @property
        def _uniform(self) -> tuple[np.ndarray, np.ndarray]: ...

        @property
        def outside_option(self) -> pd.Series: ...

        def best_prices(self, z, tie: float = ...) -> tuple[np.ndarray, np.ndarray]: ...

        # programs.py
        @property
        def _segments(self) -> tuple[np.ndarray, np.ndarray]: ...

        # audit.py
        def segments(self, sol: Solution, tol: float = ...) -> list[np.ndarray]: ...

        def evaluate(self, segments, transfer, tol: float = ...) -> MechanismAudit: ...
