"""Verdicts: what every `check_*` returns — `.ok` (a bool) and `.reasons` (why not, one line each)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .deprecation import warn_renamed


class Ok(int):
    """The boolean `.ok` of a verdict. It is an int 0/1 (so `if v.ok`, `v.ok is True`-free code
    and `bool(v.ok)` work) that can still be called as the old `.ok(tol)` method for one release."""

    def __new__(cls, value: bool) -> Ok:
        return super().__new__(cls, bool(value))

    def __call__(self, tol: float | None = None) -> bool:
        warn_renamed("ok()", "ok (a bool attribute; set the tolerance where the check is made)")
        return bool(self)

    def __repr__(self) -> str:
        return repr(bool(self))

    __str__ = __repr__


@dataclass
class Verdict:
    """A plain verdict: `ok` and the `reasons` it is not (empty when ok)."""

    ok: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __str__(self) -> str:
        return "ok" if self.ok else "not ok: " + "; ".join(self.reasons)
