"""Reference numbers: a computed value next to an expected one that comes from outside the code under test.

Every reproduced number is a `Check`. It always has an `expected` number, a `source` saying where
that number comes from, and a `where` in the paper; `match` is always a comparison:

    |computed - expected| <= tol * max(1, |expected|)

The sources (`SOURCES`):
- "paper": a number printed in the paper;
- "paper-formula": the paper's closed form (or its stated result) evaluated at the instance;
- "derived": computed independently of the model under test (a closed form derived by hand, a
  quadrature, an independent reference script of the spec); the `note` says how;
- "corrected": the paper's statement is wrong; `expected` is the corrected value and `paper_value`
  the paper's.

A row's tolerance is its own (`tol`, default `REPRODUCE_TOL` = 1e-6): tighter where the expected
number is known more precisely (an exact table to 8 digits, a difference of probabilities), looser
where it is printed rounded (4 digits). A vertex (simplex) solver is held to that tolerance as it
stands; interior-point and first-order solvers cannot deliver more than their accuracy class
(`ACCURACY_TOL`: 1e-6 and 1e-4), so `with_accuracy` loosens a tighter row to that, never tightens one.

A row whose example raised is kept as a failed row (`Check.failed`, source "failed"): its note is
the error, its numbers NaN, and it never matches, so one exception does not hide the other rows.

Paper packages list their code-defined examples in an `Examples` registry of their own
(`papers/<paper>/examples.py`); the application's reproduce command imports those lists
explicitly. Nothing registers itself on import of the library.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from numbers import Real

from .errors import InputError
from .tolerances import REPRODUCE_TOL, REPRODUCE_TOL_FIRST_ORDER

#: where an expected number comes from (see the module docstring)
SOURCES = ("paper", "paper-formula", "derived", "corrected")
#: the source of a row whose example raised (`Check.failed`): no expected number, never a match
FAILED = "failed"

#: the loosest a row's own tolerance is allowed to be tightened to, by the solver's accuracy class
#: (solvers.registry `accuracy`): a vertex solver is held to the row's own tolerance (the entry is the
#: default row tolerance); interior points (optima to ~1e-8 relative) to at most 1e-6; first-order
#: solvers (SCS, ~1e-4 to 1e-6 at their default iteration caps) to at most 1e-4
ACCURACY_TOL = {"vertex": REPRODUCE_TOL, "interior": REPRODUCE_TOL, "first-order": REPRODUCE_TOL_FIRST_ORDER}


def _number(name: str, value: object, *, allow_nan: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | Fraction):
        raise InputError(f"check: {name}: must be a number, got {value!r}")
    out = float(value)
    if not (math.isfinite(out) or (allow_nan and math.isnan(out))):
        raise InputError(f"check: {name}: must be a finite number, got {value!r}")
    return out


@dataclass(frozen=True)
class Check:
    """One reproduced number: the expected value (with its source and place in the paper) next to the computed one."""

    example: str
    quantity: str
    expected: float
    computed: float
    source: str
    where: str
    tol: float = REPRODUCE_TOL
    note: str = ""
    #: the paper's own (wrong) value of a "corrected" row, when the paper states a number
    paper_value: float | None = None
    #: the verified rational optimum of the row's LP, when asked for (`reproduce --exact`)
    exact: str = ""

    def __post_init__(self) -> None:
        failed = self.source == FAILED  # only `Check.failed` makes one: no expected number
        object.__setattr__(self, "expected", _number("expected", self.expected, allow_nan=failed))
        object.__setattr__(self, "computed", _number("computed", self.computed, allow_nan=True))
        if failed and not self.note:
            raise InputError(f"check: a failed row needs the error in its note ({self.quantity!r})")
        if self.source not in SOURCES and not failed:
            raise InputError(f"check: source: {self.source!r} is not one of {list(SOURCES)}")
        if not isinstance(self.where, str) or not self.where.strip():
            raise InputError(f"check: where: give the section, equation, table or page ({self.quantity!r})")
        tol = _number("tol", self.tol)
        if not tol > 0:
            raise InputError(f"check: tol: must be positive, got {self.tol!r}")
        object.__setattr__(self, "tol", tol)
        if self.paper_value is not None:
            object.__setattr__(self, "paper_value", _number("paper_value", self.paper_value))
        if self.source == "corrected" and self.paper_value is None and not self.note:
            raise InputError(f"check: a corrected row needs the paper's value (paper_value) or a note "
                             f"({self.quantity!r})")
        if self.source == "derived" and not self.note:
            raise InputError(f"check: a derived row needs a note saying how it was derived ({self.quantity!r})")

    @classmethod
    def exactly(cls, example: str, quantity: str, computed: object, expected: object, source: str, where: str,
                *, note: str = "") -> Check:
        """A row comparing exact numbers (Fractions, or tuples of them): computed 1 when `computed == expected`
        exactly, else 0, against an expected 1; the computed value is kept as text in `exact`."""
        return cls(example, f"{quantity} (1 = equal as Fractions)", 1.0, float(computed == expected), source, where,
                   note=note, exact=str(computed))

    @classmethod
    def failed(cls, example: str, error: BaseException) -> Check:
        """The row of an example (or instance file) that raised: NaN numbers, the error as its note."""
        message = f"{type(error).__name__}: {error}".strip()
        return cls(example, "(the example raised; no rows computed)", math.nan, math.nan, FAILED,
                   "(not reached)", note=message)

    @property
    def error(self) -> float:
        """|computed - expected| / max(1, |expected|) (NaN when nothing was computed)."""
        return abs(self.computed - self.expected) / max(1.0, abs(self.expected))

    @property
    def match(self) -> bool:
        """|computed - expected| <= tol * max(1, |expected|); never true for a NaN."""
        return bool(self.error <= self.tol)

    def with_accuracy(self, accuracy: str) -> Check:
        """This row under a solver of accuracy class `accuracy`: its own tolerance for a vertex solver,
        loosened to the class's tolerance for the others (never tightened)."""
        if accuracy == "vertex":
            return self
        return replace(self, tol=max(self.tol, ACCURACY_TOL.get(accuracy, ACCURACY_TOL["first-order"])))

    def as_dict(self) -> dict[str, object]:
        return dict(example=self.example, quantity=self.quantity, expected=self.expected, computed=self.computed,
                    source=self.source, where=self.where, match=self.match, tol=self.tol, note=self.note,
                    paper_value=self.paper_value, exact=self.exact)


Example = Callable[[str | None], list[Check]]


class Examples(dict[str, Example]):
    """A paper's code-defined examples: name -> fn(solver) -> list of Checks."""

    def register(self, name: str) -> Callable[[Example], Example]:
        def decorate(fn: Example) -> Example:
            self[name] = fn
            return fn

        return decorate
