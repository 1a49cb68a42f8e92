"""The seam between the core and the solver layer.

The core declares what it needs from a solver layer (`SolverLayer`); `optmarkets.solvers` plugs
itself in when it is imported (as `import optmarkets` does). So the core imports nothing above it,
and every solve, whatever its strategy, reaches a solver through this one seam.
"""

from __future__ import annotations

from typing import Any, Protocol

from .errors import OptmarketsError


class SolverLayer(Protocol):
    def get(self, name: str | None, *, integers: bool = False) -> Any: ...

    def execute(self, problem: Any, backend: Any, options: dict, *, model: str, verbose: bool = False,
                warm: Any = None) -> Any: ...

    def warm_session(self) -> Any: ...


_layer: SolverLayer | None = None


def plug(layer: SolverLayer) -> None:
    """Install the solver layer (called once by `optmarkets.solvers`)."""
    global _layer
    _layer = layer


def solvers() -> SolverLayer:
    if _layer is None:
        raise OptmarketsError("no solver layer is plugged in: import optmarkets (it loads optmarkets.solvers)")
    return _layer
