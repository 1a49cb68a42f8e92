"""The rational LP of a model whose derived data carry exact values: coefficients read consistently with
the data they come from (issue 32).

A builder that derives data from inputs (a joint prior as the product of marginals, an agent's belief as
the product of the others' marginals) gives them as Parameters with their exact rationals
(`core.exact_values.exact_parameter`, or `Model.parameter(..., exact=)`). Every coefficient of the LP is
then c0 + g * p_k for one entry p_k of those parameters (DPP: a parameter times constants) or a constant
c0. Reading the floats of the LP at four points (the parameters' values p, at 0, at p * r with r_k
distinct factors in (1, 1.5], and at p * s with s_k irregular factors) finds, for each coefficient, c0,
the entry k ((a(p r) - a(0)) / (a(p) - a(0)) = r_k) and g; the rational coefficient is then read(c0) +
read(g) * p_k exactly, with `read` the simplest rational of a float (the constants are the user's data:
values, payoffs). The r_k are evenly spaced, so a coefficient of two entries can land on a third's r_k
(p_a = p_b: (r_a + r_b) / 2 = r_{(a+b)/2}); the probe at p * s must then give s_k too, which a mixture does
not. A coefficient that does not fit (two entries, or a rational whose rounding is not the float) is
read as its float alone, and counted.

Read this way, an interim IC row's weights and the objective's prior masses are products of the same
exact marginals, so the rational LP is the LP of the user's data, bounded where the float one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..core.exact_values import as_fraction, shadows
from ..core.tolerances import EXACT_DATA_FIT
from .ranging import ModelForm, model_form

#: The seed of the confirming probe's factors (any fixed one: the same reading on every call).
CONFIRM_SEED = 20240601


@dataclass
class ExactData:
    """The rational data of a standard form: A's stored entries by key (column * rows + row), c, the row and
    column bounds (None where infinite) and the count of coefficients that had to be read from their floats
    alone."""

    A: dict[int, Fraction]
    c: list[Fraction]
    row_lower: list[Fraction | None]
    row_upper: list[Fraction | None]
    col_lower: list[Fraction | None]
    col_upper: list[Fraction | None]
    unfitted: int


def _keys(A: Any) -> np.ndarray:
    """Each stored entry's (column, row) as one sortable integer, in CSC order."""
    cols = np.repeat(np.arange(A.shape[1], dtype=np.int64), np.diff(A.indptr))
    return cols * A.shape[0] + A.indices.astype(np.int64)


def _aligned(base: Any, other: Any) -> np.ndarray:
    """`other`'s stored values at `base`'s stored positions (0 where it stores none)."""
    keys, okeys = _keys(base), _keys(other)
    order = np.argsort(okeys, kind="stable")
    pos = np.searchsorted(okeys[order], keys)
    pos = np.minimum(pos, max(okeys.size - 1, 0))
    found = okeys.size > 0
    out = np.zeros(keys.size)
    if found:
        hit = okeys[order][pos] == keys
        out[hit] = np.asarray(other.data, float)[order][pos[hit]]
    return out


class _Reader:
    """a = c0 + g * p_k read exactly, given a's float at p, 0, p * r and p * s."""

    def __init__(self, p_float: np.ndarray, p_exact: list[Fraction], r: np.ndarray, s: np.ndarray, read: Any):
        self.p_float, self.p_exact, self.r, self.s, self.read = p_float, p_exact, r, s, read
        self.unfitted = 0

    def __call__(self, a: np.ndarray, a0: np.ndarray, a1: np.ndarray, a2: np.ndarray) -> list[Fraction]:
        out: list[Fraction] = []
        delta = a - a0
        with np.errstate(divide="ignore", invalid="ignore"):
            safe = np.where(delta != 0, delta, 1.0)
            ratio = np.where(delta != 0, (a1 - a0) / safe, np.nan)
            second = np.where(delta != 0, (a2 - a0) / safe, np.nan)
        k = np.clip(np.searchsorted(self.r, ratio), 0, self.r.size - 1)
        below = np.clip(k - 1, 0, self.r.size - 1)
        k = np.where(np.abs(self.r[below] - ratio) < np.abs(self.r[k] - ratio), below, k)
        for j in range(a.size):
            value = float(a[j])
            if delta[j] == 0 or not np.isfinite(ratio[j]):
                out.append(self.read(value))
                continue
            kj = int(k[j])
            # the first probe names k; the irregular second must confirm it (a mixture of entries can hit r_k)
            if (abs(self.r[kj] - ratio[j]) > EXACT_DATA_FIT * self.r[kj] or self.p_float[kj] == 0
                    or not abs(self.s[kj] - second[j]) <= EXACT_DATA_FIT * self.s[kj]):
                self.unfitted += 1
                out.append(self.read(value))
                continue
            exact = self.read(float(a0[j])) + self.read(float(delta[j]) / float(self.p_float[kj])) * self.p_exact[kj]
            if float(exact) != value and abs(float(exact) - value) > EXACT_DATA_FIT * abs(value):
                self.unfitted += 1
                exact = self.read(value)
            out.append(exact)
        return out


def _bounds(reader: _Reader, a: np.ndarray, *probes: np.ndarray) -> list[Fraction | None]:
    finite = np.isfinite(a)
    out: list[Fraction | None] = [None] * a.size
    if finite.any():
        idx = np.flatnonzero(finite)
        zs = [np.where(np.isfinite(z[idx]), z[idx], a[idx]) for z in probes]
        for j, q in zip(idx.tolist(), reader(a[idx], *zs), strict=True):
            out[j] = q
    return out


def exact_data(model: Any, form: ModelForm, read: Any) -> ExactData | None:
    """The rational data of `form` (the model's standard form at its parameter values) read through the
    problem's parameters with exact values (`core.exact_values`, module docstring); None when it has none.
    `read(float) -> Fraction`: the reading of a constant."""
    held = shadows(model.problem)
    if not held:
        return None
    own = {spec.param.id: name for name, spec in model.parameters.items()}
    p_float = np.concatenate([np.asarray(param.value, float).ravel() for param, _ in held])
    p_exact = [as_fraction(q) for _, exact in held for q in exact.ravel()]
    r = 1.0 + 0.5 * (np.arange(p_float.size) + 1.0) / (p_float.size + 1.0)
    # irregular factors (fixed seed: the reading is reproducible): no affine relation among them to mimic r's
    s = np.random.default_rng(CONFIRM_SEED).uniform(1.0, 1.5, p_float.size)
    values = {n: np.asarray(model.value_of(n), float) for n in model.parameters}

    originals = [np.array(param.value, float) for param, _ in held]

    def form_at(factor: np.ndarray) -> ModelForm:
        """The form with every exact parameter at its value times `factor` (entrywise), the rest as they are."""
        at, start = dict(values), 0
        for (param, _), original in zip(held, originals, strict=True):
            size = param.size
            value = (original.ravel() * factor[start:start + size]).reshape(param.shape)
            start += size
            if param.id in own:
                at[own[param.id]] = value
            else:
                param.value = value
        return model_form(model, at)

    try:
        probes = [form_at(np.zeros_like(r)).lp, form_at(r).lp, form_at(s).lp]
    finally:
        for (param, _), value in zip(held, originals, strict=True):
            param.value = value
        model.write_parameters()
    lp = form.lp
    reader = _Reader(p_float, p_exact, r, s, read)
    A = dict(zip(_keys(lp.A).tolist(), reader(np.asarray(lp.A.data, float),
                                               *[_aligned(lp.A, z.A) for z in probes]), strict=True))
    c = reader(np.asarray(lp.c, float), *[np.asarray(z.c, float) for z in probes])
    row_lower, row_upper, col_lower, col_upper = (_bounds(reader, getattr(lp, f), *[getattr(z, f) for z in probes])
                                                  for f in ("row_lower", "row_upper", "col_lower", "col_upper"))
    return ExactData(A, c, row_lower, row_upper, col_lower, col_upper, reader.unfitted)
