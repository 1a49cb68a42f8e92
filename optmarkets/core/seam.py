"""The seam between the core and the solver layer.

The core declares what it needs from a solver layer (`SolverLayer`); `optmarkets.solvers` plugs
itself in when it is imported, and `solvers()` imports it by name on first use. So the core imports
nothing above it, and every solve, whatever its strategy, reaches a solver through this one seam.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol

from .errors import OptmarketsError


class SolverLayer(Protocol):
    def get(self, name: str | None, *, integers: bool = False) -> Any: ...

    def resolve(self, name: str | None, model: Any) -> Any:
        """The backend for `model`: `name`'s, checked to take the model's cones, or by problem class."""
        ...

    def execute(self, problem: Any, backend: Any, options: dict, *, model: str, verbose: bool = False,
                warm: Any = None, rescale: bool = False) -> Any: ...

    def warm_session(self) -> Any: ...

    def mip_gap_note(self, problem: Any) -> str | None:
        """The certificate note of a MILP HiGHS solved: its final relative gap (`solvers.highs.mip_gap_note`)."""
        ...

    def price_ranges(self, model: Any, name: str, prices: Any, rows: Any = None,
                     parameters: dict[str, Any] | None = None, n_jobs: int = 1) -> Any: ...

    def exact(self, model: Any, parameters: dict[str, Any] | None = None, *, max_rows: int = ...,
              seed: Any = None, point: Mapping[str, Any] | None = None,
              point_prices: Mapping[str, Any] | None = None) -> Any: ...

    def explain_infeasible(self, model: Any) -> Any: ...

    def farkas(self, model: Any) -> Any:
        """An exact Farkas certificate of an infeasible LP (`solvers.farkas.FarkasCertificate`)."""
        ...

    def unbounded_ray(self, model: Any) -> Any:
        """An exact ray of an unbounded LP (`solvers.farkas_ray.UnboundedRay`)."""
        ...

    def export(self, model: Any, path: Any, fmt: str | None = None) -> Any:
        """Write the model's LP/MILP as an MPS or LP file (`solvers.export`); returns the path."""
        ...

    def value_function(self, model: Any, parameter: str, start: Any, end: Any, *, exact: bool = False) -> Any:
        """The optimal value along p(t) = start + t (end - start) (`solvers.value_function_result`)."""
        ...

    def selection_chain(self, problem: Any, goals: Any, variables: list, options: dict) -> Any:
        """A persistent solver holding the lexicographic stage program of the just solved `problem` and
        its goal vector (`core.strategies`), or None."""
        ...

    def row_generation(self, problem: Any, variables: list, options: dict, *, verbose: bool = False,
                       geometric: bool = False) -> Any:
        """A persistent solver holding the base program of a row generation (`core.rowgen`), or None."""
        ...


_layer: SolverLayer | None = None


def plug(layer: SolverLayer) -> None:
    """Install the solver layer (called once by `optmarkets.solvers`)."""
    global _layer
    _layer = layer


def solvers() -> SolverLayer:
    """The plugged-in solver layer; on first use, the package's own (`optmarkets.solvers`) is loaded."""
    if _layer is None:
        importlib.import_module("optmarkets.solvers")  # by name: the core does not depend on it statically
    if _layer is None:
        raise OptmarketsError("no solver layer is plugged in: optmarkets.solvers did not register itself")
    return _layer
