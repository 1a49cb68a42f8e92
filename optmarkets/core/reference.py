"""Reference numbers: a computed value next to the value a paper (or a closed form) gives.

Paper packages list their code-defined examples in an `Examples` registry of their own
(`papers/<paper>/examples.py`); the application's reproduce command imports those lists
explicitly. Nothing registers itself on import of the library.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .tolerances import REPRODUCE_TOL


@dataclass
class Check:
    """One reproduced number: the paper's value next to the computed one."""

    example: str
    quantity: str
    paper: float | None
    computed: float
    tol: float = REPRODUCE_TOL
    note: str = ""

    @property
    def match(self) -> bool:
        if self.paper is None:
            return True  # a corrected value: see the note
        return math.isclose(self.computed, self.paper, rel_tol=self.tol, abs_tol=self.tol)


Example = Callable[[str | None], list[Check]]


class Examples(dict[str, Example]):
    """A paper's code-defined examples: name -> fn(solver) -> list of Checks."""

    def register(self, name: str) -> Callable[[Example], Example]:
        def decorate(fn: Example) -> Example:
            self[name] = fn
            return fn

        return decorate
