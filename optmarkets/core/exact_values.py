"""Exact values of derived data: a cvxpy Parameter may carry the rationals its float value rounds.

A builder that derives coefficients from inputs (a joint prior as the product of exactly normalised
marginals, an agent's interim belief as the product of the others' marginals) puts them in a Parameter
made by `exact_parameter`, or gives `Model.parameter(..., exact=)`. The solve path sees floats as ever;
`Solution.exact()` reads the LP through the rationals (`solvers.exact_data`), so that coefficients that
are products and conditionals of the same data are consistent in exact arithmetic, as in the model they
describe. A parameter set to another value since is read from its floats again (`shadows`).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import cvxpy as cp
import numpy as np

from .errors import InputError

#: Coefficients whose half-ulp rational has a larger denominator are read within a few ulps instead.
DENOMINATOR_LIMIT = 1 << 20
WIDEN_ULPS = (1.0, 2.0, 4.0, 8.0, 16.0)
#: A distribution whose entries' rationals need a longer common denominator is read from its floats' binary
#: values (`distribution`): 1,296 random entries' simplest rationals, normalised, have 35,000-bit denominators.
COMMON_DENOMINATOR_BITS = 256

class _KeptWhileAlive:
    """A value kept per object while the object lives, found by its id (cvxpy's == builds a constraint, and
    numpy arrays do not hash): a weak reference drops the entry when the object dies, and is checked on reading,
    so a reused id never returns another object's value. `id(obj) in kept`: whether one is held."""

    def __init__(self) -> None:
        self._held: dict[int, tuple[weakref.ref, Any]] = {}

    def __contains__(self, key: int) -> bool:
        return key in self._held

    def get(self, obj: Any) -> Any:
        held = self._held.get(id(obj))
        return None if held is None or held[0]() is not obj else held[1]

    def put(self, obj: Any, value: Any) -> None:
        key = id(obj)
        self._held[key] = (weakref.ref(obj, lambda _ref: self._held.pop(key, None)), value)


#: parameter -> its rationals
_SHADOWS = _KeptWhileAlive()
#: read-only array of rationals owning its data -> its floats (an environment's prior and beliefs, which every IC
#: and IR family reads again)
_FLOATS = _KeptWhileAlive()


def floats(exact: np.ndarray) -> np.ndarray:
    """The floats of an array of rationals (each correctly rounded), NaN where an entry is None (undefined).
    Each distinct object is rounded once: the rows' weights repeat a belief once per report. An array that can
    no longer change (read-only, owning its data: `frozen`) is rounded once while it lives."""
    if isinstance(exact, np.ndarray) and not exact.flags.writeable and exact.base is None:
        rounded = _FLOATS.get(exact)
        if rounded is None:
            rounded = _rounded(exact)
            _FLOATS.put(exact, rounded)
        return rounded.copy()
    return _rounded(exact)


def frozen(exact: np.ndarray, rounded: np.ndarray | None = None) -> np.ndarray:
    """`exact` (an object array of rationals owning its data) made read-only: `floats` then rounds it once.
    `rounded`: its floats where the caller computed them, each correctly rounded (NaN for None)."""
    exact = np.asarray(exact, dtype=object)
    if exact.base is not None:
        exact = exact.copy()
    exact.flags.writeable = False
    if rounded is not None:
        _FLOATS.put(exact, np.asarray(rounded, dtype=float).reshape(exact.shape))
    return exact


class Rationals:
    """Rationals whose floats are known now and whose objects are built when first read (`exact`): exact() alone
    reads them, and an fmpq costs about a microsecond (an environment's 5,184 beliefs at 4 agents x 6 types were
    most of its build). `floats`: each entry's correct rounding (NaN where undefined); `exact()`: the object array
    (None where undefined), built once. Indexing, ravel and `concatenate` gather the floats now and the rationals
    when read: a family's weights gathered from beliefs cost an index, not an object per term."""

    def __init__(self, floats: np.ndarray, build: Callable[[], np.ndarray]) -> None:
        self.floats = np.asarray(floats, dtype=float)
        self._build: Callable[[], np.ndarray] | None = build
        self._exact: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.floats.shape)

    @property
    def size(self) -> int:
        return int(self.floats.size)

    def exact(self) -> np.ndarray:
        """The rationals, an object array of `floats`' shape, built by the first reader (others wait for it)."""
        if self._exact is None:
            with self._lock:
                if self._exact is None:
                    assert self._build is not None
                    self._exact = np.asarray(self._build(), dtype=object).reshape(self.floats.shape)
                    self._build = None  # the build's references go
        return self._exact

    def __reduce__(self) -> tuple:
        """Pickled with its rationals built (a lock and a build do not travel: a process sweep's factory does)."""
        return _built_rationals, (self.floats, self.exact())

    def __getitem__(self, key: Any) -> Rationals:
        return Rationals(self.floats[key], lambda: self.exact()[key])

    def ravel(self) -> Rationals:
        return Rationals(self.floats.ravel(), lambda: self.exact().ravel())

    @staticmethod
    def concatenate(parts: Sequence[Rationals]) -> Rationals:
        parts = list(parts)
        return Rationals(np.concatenate([p.floats for p in parts]), lambda: np.concatenate([p.exact() for p in parts]))


def _built_rationals(floats: np.ndarray, exact: np.ndarray) -> Rationals:
    return Rationals(floats, lambda: exact)


def _rounded(exact: Any) -> np.ndarray:
    flat = np.asarray(exact, dtype=object).ravel()
    ids = np.fromiter(map(id, flat), dtype=np.int64, count=flat.size)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    rounded = np.array([np.nan if q is None else float(q) for q in flat[first]], dtype=float)
    return rounded[inverse].reshape(np.shape(exact))


def as_fraction(q: Any) -> Fraction:
    """A rational (Fraction, int, or python-flint's fmpq) as a Fraction."""
    return Fraction(int(q.p), int(q.q)) if hasattr(q, "p") else Fraction(q)


def register(param: cp.Parameter, exact: Any) -> None:
    """Keep `exact` (rationals of the parameter's shape: Fractions or fmpq, or `Rationals`) as the exact value of
    `param`."""
    _SHADOWS.put(param, exact if isinstance(exact, Rationals) else np.asarray(exact, dtype=object).reshape(param.shape))


def exact_parameter(exact: Any, **attributes: Any) -> cp.Parameter:
    """A Parameter whose value is the rounding of `exact` (an array of rationals, or `Rationals`: their floats,
    the rationals built when exact() reads them), which it keeps."""
    if isinstance(exact, Rationals):  # a copy: cvxpy keeps the array it is given, and the floats may be a view
        param = cp.Parameter(exact.shape, value=exact.floats.copy(), **attributes)
    else:
        exact = np.asarray(exact, dtype=object)
        param = cp.Parameter(exact.shape, value=floats(exact), **attributes)
    register(param, exact)
    return param


def shadows(problem: cp.Problem) -> list[tuple[cp.Parameter, np.ndarray]]:
    """The problem's parameters with exact values whose rounding is still their value."""
    out: list[tuple[cp.Parameter, np.ndarray]] = []
    param: cp.Parameter
    for param in problem.parameters():
        exact = _SHADOWS.get(param)
        if exact is None:
            continue
        if param.value is None:
            continue
        if isinstance(exact, Rationals):  # built now, and checked against the floats the solve used
            if not np.array_equal(exact.floats.reshape(param.shape), param.value):
                continue
            exact = exact.exact().reshape(param.shape)
        if np.array_equal(floats(exact), param.value):
            out.append((param, exact))
    return out


# ------------------------------------------------------------ reading a float as a rational
def _simplest(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in [lo, hi], 0 < lo <= hi: continued fractions, on the
    integers a/b = lo, c/d = hi (the terms fl of lo and hi agree until one of the two stops)."""
    a, b, c, d = lo.numerator, lo.denominator, hi.numerator, hi.denominator
    terms: list[int] = []
    while True:
        fl = a // b
        if fl * b == a:
            last = fl
            break
        if (fl + 1) * d <= c:
            last = fl + 1
            break
        terms.append(fl)  # fl + 1 / simplest(1 / (hi - fl), 1 / (lo - fl))
        a, b, c, d = d, c - fl * d, b, a - fl * b
    num, den = last, 1
    for fl in reversed(terms):
        num, den = fl * num + den, num
    return Fraction(num, den)


def rational(x: float, ulps: float = 0.5) -> Fraction:
    """The simplest rational within `ulps` ulps of the float `x` (half an ulp by default:
    0.08333333333333333 -> 1/12)."""
    x = float(x)
    if not math.isfinite(x):
        raise InputError(f"rational: {x} is not finite")
    if x == int(x):
        return Fraction(int(x))
    half = Fraction(math.ulp(x)) * Fraction(ulps)
    a = Fraction(abs(x))
    r = _simplest(a - half, a + half)
    return r if x > 0 else -r


def read_rational(x: float) -> tuple[Fraction, bool]:
    """How exact() reads a coefficient: the simplest rational within half an ulp; where that has a
    denominator above DENOMINATOR_LIMIT (a coefficient computed in floating point, 7/6 one ulp off),
    the simplest within WIDEN_ULPS ulps if its denominator is below the limit. Returns (rational,
    widened)."""
    r = rational(x)
    if r.denominator <= DENOMINATOR_LIMIT:
        return r, False
    for ulps in WIDEN_ULPS:
        w = rational(x, ulps)
        if w.denominator <= DENOMINATOR_LIMIT:
            return w, True
    return r, False


def distribution(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Nonnegative floats as an exact distribution: integer numerators N (an object array of `values`' shape)
    and their total M, so that entry k of the distribution is N[k] / M. The entries are read as their
    rationals (`read_rational`: 0.1 is 1/10) when these share a denominator of at most
    COMMON_DENOMINATOR_BITS bits, else as their floats' exact binary values, which share a power of two:
    either way the normalised entries keep short denominators, and beliefs (N[k] / a row's sum) too."""
    distinct, inverse = np.unique(np.asarray(values, dtype=float).ravel(), return_inverse=True)  # each read once
    read: list[Fraction] = []
    common = 1
    for v in distinct.tolist():
        q = read_rational(v)[0]
        common = math.lcm(common, q.denominator)
        if common.bit_length() > COMMON_DENOMINATOR_BITS:
            break
        read.append(q)
    else:
        nums = [q.numerator * (common // q.denominator) for q in read]
        return _numerators(nums, inverse, values)
    ratios = [v.as_integer_ratio() for v in distinct.tolist()]  # denominators: powers of two
    common = max(d for _, d in ratios)
    return _numerators([n * (common // d) for n, d in ratios], inverse, values)


def _numerators(distinct: list[int], inverse: np.ndarray, values: Any) -> tuple[np.ndarray, int]:
    """The distinct values' integer numerators put back in `values`' places, and their total there."""
    numerators = np.array(distinct, dtype=object)[inverse].reshape(np.shape(values))
    return numerators, sum(numerators.ravel().tolist())
