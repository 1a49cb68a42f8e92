"""Solution: what a solve returns — value, labelled primal values, duals, prices and a certificate.

Price convention (the one place it is stated): for a constraint family written `lhs (<=|>=|==) rhs`,
its price is the derivative of the optimal value with respect to `rhs`, in the model's units,

    price = d(optimal value) / d(rhs).

So in a maximisation a binding `<=` family has a price >= 0 (more room is worth something) and a
binding `>=` family a price <= 0; in a minimisation the signs are reversed. Equality prices have
either sign. Where the optimal value is not differentiable (degenerate LPs) the price is one
supergradient (max) or subgradient (min); HiGHS returns the vertex one.
`Solution.duals` keeps cvxpy's raw multipliers for readers who want them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .display import clean
from .errors import CapabilityError, InputError
from .seam import solvers
from .tolerances import CERT_TOL
from .validate import positive_int


class _Residuals:
    """A Certificate's residuals: kept as given (a dict is cheap to build), read as a float Series
    (built on first read, then kept, so that writes into it stay)."""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = "_" + attr

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, cert: Any, owner: type | None = None) -> Any:
        if cert is None:
            return self
        values = getattr(cert, self.attr)
        if not isinstance(values, pd.Series):
            values = _series(values, self.name)
            setattr(cert, self.attr, values)
        return values

    def __set__(self, cert: Any, values: pd.Series | Mapping[str, float]) -> None:
        setattr(cert, self.attr, values)


def _need_lp(model: Any, what: str) -> None:
    """exact() and price_ranges() read a basis of an LP: any other model raises CapabilityError saying so."""
    if not model.is_lp:
        kind = "integer variables" if model.has_integers else "a quadratic objective or cones (a conic model)"
        raise CapabilityError(f"{what}: model '{model.name}' has {kind}; ranges and exact optima need an LP "
                              f"(affine objective and families, no integers): {what}() is LP-only, its prices "
                              "are the solver's duals")


class Certificate:
    """Optimality evidence recomputed from the problem data and the returned point.

    violations: largest violation of each constraint family and variable domain (>= 0), absolute.
    dual_sign: largest amount by which a price has the wrong sign for its family.
    dual_infeasibility: largest violation of the dual constraints (reduced costs), LPs only.
    column_dual_infeasibility: the largest reduced cost relative to its own column's terms (LPs). Not
        part of `ok()`: interior-point duals carry the solver's tolerance in the data's overall units.
        For a simplex vertex a large one (a column of values 1e-6 beside columns of 1e6) says the
        basis is not optimal, and the solve path re-solves it (`core.solve.run`).
    complementary_slackness: largest |price * slack| over inequality rows, LPs only.
    duality_gap: |dual objective - primal objective| at the returned multipliers, LPs only.
    relative: the same residuals divided by the magnitude of the data each is made of, so that
        they mean the same at any scale of the data (see `core.certificate`): a family's violation
        row by row, each by its own magnitude (sum |a_ij x_j| + |b_i|), reduced costs by the magnitude of
        their terms, the gap, complementary slackness and wrong-signed prices by the objective's
        magnitude (`objective_scale`). Keys "violation[name]", "dual_sign", "dual_infeasibility",
        "complementary_slackness", "duality_gap".
    `ok(tol)` decides on the relative residuals: a certificate that is ok at one scale of the data
    is ok at every scale.

    `violations` and `relative` are float Series; they may be given as dicts (name -> residual),
    and are labelled when first read (the solve path decides on them without building a Series).
    """

    def __init__(self, violations: pd.Series | Mapping[str, float] | None = None, dual_sign: float | None = None,
                 dual_infeasibility: float | None = None, complementary_slackness: float | None = None,
                 duality_gap: float | None = None, notes: list[str] | None = None,
                 relative: pd.Series | Mapping[str, float] | None = None, objective_scale: float | None = None):
        self._violations: pd.Series | Mapping[str, float] = {} if violations is None else violations
        self.dual_sign = dual_sign
        self.dual_infeasibility = dual_infeasibility
        self.complementary_slackness = complementary_slackness
        self.duality_gap = duality_gap
        self.notes: list[str] = [] if notes is None else notes
        self._relative: pd.Series | Mapping[str, float] = {} if relative is None else relative
        self.objective_scale = objective_scale
        self.column_dual_infeasibility: float | None = None
        #: the largest price on a row that is slack (relative slack above NEAR_ACTIVE_SLACK), |y_i| x the row's
        #: magnitude over the objective's (convex models): an interior point's mu / slack, not a derivative
        self.near_active_price: float | None = None

    violations = _Residuals("violation")
    relative = _Residuals("relative")

    @property
    def max_violation(self) -> float:
        """The largest absolute violation; NaN where one could not be computed (a NaN fails `ok`)."""
        values = [float(v) for _name, v in self._violations.items()]  # a dict or a Series
        return math.nan if any(v != v for v in values) else max(values, default=0.0)

    @property
    def computed(self) -> bool:
        """Whether any residual was recomputed (False for `solve(certify=False)`)."""
        return bool(len(self._violations) or len(self._relative))

    def worst(self) -> tuple[str, float]:
        """The largest relative residual (complementary slackness excluded, as in `ok`): (name, value).
        A NaN residual (the point or a price held NaN) is the worst there is: it is returned, and fails
        `ok`. A residual that was not computed is absent (or None), never NaN."""
        found: tuple[str, float] | None = None
        for name, raw in self._relative.items():  # a handful of entries: plain Python
            if name == "complementary_slackness" or raw is None:
                continue
            value = float(raw)
            if value != value:
                return str(name), value
            if found is None or value > found[1]:  # the first largest, as idxmax
                found = (str(name), value)
        return found if found is not None else ("none", 0.0)

    def ok(self, tol: float = CERT_TOL) -> bool:
        """Every relative residual below `tol` (dual ones are skipped where not computed).

        Complementary slackness is reported but not required: degenerate vertices and interior
        points legitimately carry small price * slack products that the duality gap already bounds.
        A certificate without relative residuals (built by hand) falls back on the absolute ones.
        """
        if len(self._relative):
            return self.worst()[1] <= tol  # False for NaN
        dual = [self.dual_sign, self.dual_infeasibility, self.duality_gap]
        return self.max_violation <= tol and all(d is None or d <= tol for d in dual)

    def to_series(self) -> pd.Series:
        rows = {f"violation[{k}]": v for k, v in self.violations.items()}
        rows.update(
            dual_sign=self.dual_sign,
            dual_infeasibility=self.dual_infeasibility,
            column_dual_infeasibility=self.column_dual_infeasibility,
            complementary_slackness=self.complementary_slackness,
            duality_gap=self.duality_gap,
        )
        rows.update({f"relative {k}": v for k, v in self.relative.items()})
        return pd.Series(rows, dtype=float, name="certificate")

    def __str__(self) -> str:
        lines = [f"  {k:<40s} {v:.3e}" for k, v in self.to_series().dropna().items()]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def __repr__(self) -> str:
        worst, value = self.worst() if self.computed else ("none", 0.0)
        return f"<Certificate: worst relative residual {worst} = {value:.3g}, {len(self.notes)} notes>"


def _series(values: pd.Series | Mapping[str, float], name: str) -> pd.Series:
    """A float Series of `values` (built from arrays: a dict goes through pandas' slower inference)."""
    if isinstance(values, pd.Series):
        return values
    return pd.Series(np.fromiter(values.values(), float, len(values)), index=pd.Index(list(values), dtype=object),
                     name=name)


@dataclass
class Solution:
    """The result of `Model.solve`.

    `sol.value` is the optimal value (float, model units); `sol[name]` a labelled primal value or
    derived output; `sol.prices[name]` the sign-normalised price of a constraint family (see the
    module docstring); `sol.certificate` the recomputed residuals.
    """

    model: str
    status: str
    value: float
    solver: str
    primal: MutableMapping[str, Any]
    duals: MutableMapping[str, Any]
    prices: MutableMapping[str, Any]
    certificate: Certificate
    parameters: MutableMapping[str, Any] = field(default_factory=dict)
    outputs: MutableMapping[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sense: str = "max"
    units: str = ""
    #: a frozen copy of the solved Model (`Model.snapshot`, set by `Model.solve`) for price ranges and
    #: exact optima: it describes the program solved, whatever happens to the model later; not pickled
    _model: Any = field(default=None, repr=False, compare=False)
    #: HiGHS's optimal basis of the solve that made this Solution (None for other solvers): exact() starts there,
    #: not from the model's last solve, which may be another program's (a later solve, another thread's copy)
    _basis: Any = field(default=None, repr=False, compare=False)
    #: the hidden (show=False) variables' values where the solve keeps no basis: with `primal`, the point exact()
    #: starts at (a game's decision rule is hidden behind its labelled tables); None otherwise; not pickled
    _hidden: Any = field(default=None, repr=False, compare=False)
    #: where a solution read by `Solution.load` came from: versions it was solved with, written_at, loaded_from
    provenance: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_model", "_basis", "_hidden")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_model", None)
        self.__dict__.setdefault("_basis", None)
        self.__dict__.setdefault("_hidden", None)
        self.__dict__.setdefault("provenance", {})  # pickled before solutions had one

    def _solved_model(self, what: str) -> Any:
        if self._model is None:
            if self.provenance.get("loaded_from"):
                raise CapabilityError(f"{what}: this solution was loaded from the file "
                                      f"'{self.provenance['loaded_from']}', which keeps no model; rebuild the model "
                                      f"and solve it again to use {what}()")
            raise InputError(f"{what}: this solution keeps no model (it was unpickled, or not made by a solve)")
        return self._model

    def price_ranges(self, name: str, rows: Any = None, n_jobs: int = 1) -> pd.DataFrame:
        """One-sided prices and price ranges of family `name`'s rows (LPs), one row per family row
        (labels as `prices[name]`, a MultiIndex for a 2-D family):

        price: the vertex price `prices[name]`; left: lim_{h↓0} (V(b) - V(b - h e_k)) / h;
        right: lim_{h↓0} (V(b + h e_k) - V(b)) / h (both ±inf where the LP turns infeasible on that
        side); rhs_low, rhs_high: the interval of that rhs on which the optimal basis, hence the
        vertex price, stays valid (NaN where `price` is not HiGHS's vertex price); reason: "" where the
        row was computed, else why not (its left/right NaN). Same sign convention as `prices`:
        d(optimal value)/d(rhs). `rows` restricts to some row labels (a list). `n_jobs` (a positive int):
        threads sharing the rows that need work (a parametric step from the optimal basis, else a face LP);
        the answers agree with n_jobs=1 to round-off (worth it only for families of thousands of rows at kinks).
        """
        model = self._solved_model("price_ranges")
        if not isinstance(name, str):
            raise InputError(f"name: must be the name of a constraint family (a str), got {name!r}; "
                             f"families: {list(model.families)}")
        if rows is not None and (isinstance(rows, str | bytes) or not isinstance(rows, Iterable)):
            raise InputError(f"rows: must be a list of row labels of family '{name}', got {rows!r}")
        if name not in model.families:
            hint = f" (on the orbits of its symmetry: '{name}_sym')" if f"{name}_sym" in model.families else ""
            raise InputError(f"name: '{name}' is not a constraint family of model '{self.model}'{hint}; "
                             f"families: {list(model.families)}")
        _need_lp(model, "price_ranges")
        price = self.prices.get(name)
        with model.exclusive:
            return solvers().price_ranges(model, name, None if price is None else np.asarray(price, float), rows,
                                          dict(self.parameters), n_jobs=n_jobs)

    def exact(self, max_rows: int | None = None) -> Any:
        """An exact certificate of optimality in rational arithmetic (LPs).

        Every coefficient of the LP is read as the simplest rational within half an ulp of its float
        (so 0.08333333333333333 is 1/12); the optimal basis is solved exactly and checked (primal
        and dual feasibility, equal objectives), pivoting exactly when the float basis is not
        optimal. Returns an object with `.value` (a Fraction, the model's sense and units),
        `.verified`, `.reason`, `.primal` and `.prices` (labelled Fractions, the price convention); unverified,
        `.value` is None and `.primal`, `.prices` are empty.
        The basis is this Solution's own (its solve's; without one, as after a selection chain or row
        generation, a basis at its point, with its prices where one basis gives both), so the vertex proved
        is the one reported.
        The basis is solved on its structural columns (basic slacks eliminated) by p-adic lifting: LPs over
        `max_rows` rows (default 20,000), or whose reduced basis has over 2,000 structural columns, come back
        unverified, with the reason.
        """
        model = self._solved_model("exact")
        _need_lp(model, "exact")
        limit = {} if max_rows is None else {"max_rows": positive_int("max_rows", max_rows)}
        with model.exclusive:
            # no basis of its own: start at its point (its hidden variables too)
            point = None if self._basis is not None else {**self.primal, **(self._hidden or {})}
            # the snapshot holds this solve's parameter values (its labelled copies need not bind back: a game's
            # payoffs carry a dummy 'state' level)
            return solvers().exact(model, None, seed=self._basis, point=point,
                                   point_prices=self.prices, **limit)

    def to_netcdf(self, path: Any, *, skip_unrepresentable: bool = False) -> Any:
        """Write the solution to the netCDF-3 file `path` (values, labelled tables, certificate, provenance);
        returns the path. See `optmarkets.core.persist` for what is kept and what is refused."""
        from .persist import write_solution

        return write_solution(self, path, skip_unrepresentable=skip_unrepresentable)

    @classmethod
    def load(cls, path: Any) -> Solution:
        """The Solution written by `to_netcdf` to `path`; it keeps no model (`exact`, `price_ranges`: rebuild)."""
        from .persist import load_solution

        return load_solution(path)

    def __getitem__(self, name: str) -> Any:
        for source in (self.outputs, self.primal, self.parameters):
            if name in source:
                return source[name]
        raise KeyError(f"'{name}' is not a variable, output or parameter of model '{self.model}'; "
                       f"available: {', '.join(self.keys())}")

    def interim(self, what: str) -> Any:
        """The interim (reduced-form) table `what` of a model that registers one as the output
        "interim_<what>": `mechanism_design`'s "allocation", "payment" and "utility", per (agent,
        type) the expectation given the own type (see `optmarkets.mechanisms.interim`)."""
        have = [k[len("interim_"):] for k in self.outputs if k.startswith("interim_")]
        if not isinstance(what, str) or f"interim_{what}" not in self.outputs:
            offer = f"one of {have}" if have else "none: this model registers no interim outputs"
            raise InputError(f"what: {what!r} is not an interim output of model '{self.model}'; {offer}")
        return self.outputs[f"interim_{what}"]

    def __contains__(self, name: str) -> bool:
        return name in self.outputs or name in self.primal or name in self.parameters

    def keys(self) -> list[str]:
        return list(dict.fromkeys([*self.outputs, *self.primal, *self.parameters]))

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def summary(self, *, digits: int = 6) -> str:
        """A printable report: value, primal values, prices, certificate and timings."""
        with pd.option_context("display.precision", digits, "display.width", 120):
            parts = [
                f"model {self.model}: {self.status} with {self.solver}",
                f"value = {clean(self.value):.{digits}g} {self.units}".rstrip(),
            ]
            for title, table in (("", self.outputs), ("", self.primal), ("price ", self.prices)):
                for name, obj in table.items():
                    parts.append(f"\n{title}{name}:\n{_show(obj)}")
            parts.append("\ncertificate (recomputed from the data):\n" + str(self.certificate))
            if self.timings:
                parts.append("timings [s]: " + ", ".join(f"{k} {v:.4f}" for k, v in self.timings.items()))
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"<Solution {self.model}: {self.status}, value={clean(self.value):.10g}, solver={self.solver}>"

    def to_record(self, outputs: Mapping[str, str] | None = None) -> dict:
        """A flat dict (status, value, solver, timings) for tabulating many solves."""
        record = {"model": self.model, "status": self.status, "value": self.value, "solver": self.solver}
        record.update({f"time_{k}": v for k, v in self.timings.items()})
        record["max_violation"] = self.certificate.max_violation
        return record


def _show(obj: object) -> str:
    obj = clean(obj)  # round-off shown as 0, never -0 (the arrays keep the solver's numbers)
    if isinstance(obj, pd.DataFrame | pd.Series):
        return obj.to_string()
    if isinstance(obj, float | np.floating):
        return f"{obj:.10g}"
    return str(obj)
