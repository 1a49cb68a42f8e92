"""Model: named variables, named constraint families, an objective and the parameters users sweep.

A paper's model module builds one of these from builders. Data that users sweep (a market q, a
weight, an outside option) enter as cvxpy Parameters, so a re-solve at new data reuses the compiled
problem (cvxpy's DPP cache). `Model.bind(...)` returns a model of the same class that shares the
compiled problem and carries its own parameter values; the values are written into the Parameters
at solve time.

Declaring is all a Model does; solving goes through its *strategy* (`core.strategies`): the plain
solve, a lexicographic selection among optima, or the best of candidate programs. Every strategy
reaches the solver through one path, `core.solve.run`.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np

from . import seam
from .certificate import certify
from .errors import InputError
from .exact_values import floats, register
from .family import Family, Labels
from .solve import Request, check_request
from .strategies import PLAIN
from .validate import leaf_bounds, leaf_labels, object_name, parameter_data, real_array, resolved

#: the tolerance of cvxpy's own sign check of a Parameter value (`Leaf._validate_value`)
_PROJECTION_TOL = cp.settings.GENERAL_PROJECTION_TOL

if TYPE_CHECKING:
    from .solution import Certificate, Solution
    from .strategies import Strategy


@dataclass
class _Var:
    var: cp.Variable
    labels: Labels
    show: bool

    @property
    def index(self) -> Any:
        return resolved(self.labels)


@dataclass
class _Param:
    param: cp.Parameter
    labels: Labels
    validate: Callable[[Any], Any] | None

    @property
    def index(self) -> Any:
        return resolved(self.labels)


@dataclass
class _Derived:
    fn: Callable[[Solution], object]
    kind: str  # "output", "price" or "bundle" (fn returns {"outputs": {...}, "prices": {...}})
    lazy: bool = False  # computed when first read (fn reads only the Solution)


@dataclass
class _Structure:
    """What bound copies of a model share: the compiled cvxpy problem and its bookkeeping.

    A solve writes its parameter values into the shared cvxpy Parameters and reads the values cvxpy
    writes back, so every use of the shared problem holds `lock` (bound copies solved from several
    threads then take turns and give their serial answers). Pickling keeps none of it (a solved cvxpy
    problem holds solver handles): the receiving process compiles once again.
    """

    problem: cp.Problem | None = None
    shared: bool = False  # bound copies exist: mutate only after copying
    compilations: int = 0
    last_program: object = field(default=None, repr=False)
    warm: Any = field(default=None, repr=False)  # the solver layer's warm-start session
    programs: dict = field(default_factory=dict, repr=False)  # strategies' derived programs (stages)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __reduce__(self) -> tuple:
        return (_Structure, ())


def _owned(name: str, value: Any) -> np.ndarray:
    """A parameter value as the model keeps it: its own read-only float copy, so that a caller writing into the
    array it passed changes neither the model nor a Solution made from it. Not numbers: an InputError naming it."""
    if np.iscomplexobj(value):
        raise InputError(f"{name}: must be real numbers, got complex values")
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: must be numbers, got {value!r:.80} ({exc})") from None
    arr.flags.writeable = False
    return arr


def _finite_data(where: str, *exprs: Any) -> None:
    """An InputError naming `where` and the entry when a constant in `exprs` is NaN or infinite (a solver
    would fail on it without saying where, or take NaN for a non-convex term)."""
    for expr in exprs:
        constants = expr.constants() if isinstance(expr, cp.Expression) else [cp.Constant(expr)]
        for c in constants:
            value = c.value
            data = value.data if hasattr(value, "tocoo") else np.asarray(value, dtype=float)
            if not np.isfinite(data).all():
                flat = np.asarray(data, dtype=float).reshape(-1)
                k = int(np.argmax(~np.isfinite(flat)))
                shown = "NaN" if np.isnan(flat[k]) else flat[k]
                raise InputError(f"{where}: a data entry is {shown} (entry {k} of a constant of shape "
                                 f"{tuple(c.shape)}); data must be finite numbers")


def _check_domain(name: str, param: cp.Parameter, value: np.ndarray) -> None:
    """cvxpy's check of a Parameter value against its attributes, once, when the value is set (an
    InputError naming it): non-negative and non-positive values with cvxpy's own tolerance, any
    other attribute through cvxpy's setter. NaN is never a value."""
    if not np.isfinite(value).all():
        k = int(np.argmax(~np.isfinite(value).reshape(-1)))
        bad = value.reshape(-1)[k]
        raise InputError(f"{name}: entry {k} is {'NaN' if np.isnan(bad) else bad} (a parameter's values must be "
                         "finite)")
    declared = {k for k, v in param.attributes.items() if v is not None and v is not False}
    if declared <= {"nonneg", "nonpos"}:
        for attribute, wrong, word in (("nonneg", value < -_PROJECTION_TOL, "non-negative"),
                                       ("nonpos", value > _PROJECTION_TOL, "non-positive")):
            if attribute in declared and wrong.any():
                at = int(np.argmax(wrong.reshape(-1)))
                raise InputError(f"{name}: entry {at} is {value.reshape(-1)[at]:g}; the parameter is {word}")
        return
    try:
        param.value = value
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None


#: cvxpy's attributes of a variable or parameter (`Leaf.attributes`); the others are refused by name
_ATTRIBUTES = frozenset(cp.Variable(()).attributes)
_SIGNS = ("nonneg", "nonpos", "pos", "neg")
_INDEXED = ("boolean", "integer", "sparsity", "bounds")  # attributes that take more than True/False


def _attributes(name: str, shape: tuple[int, ...], attributes: dict[str, Any]) -> dict[str, Any]:
    """cvxpy attributes checked by name and value (an InputError naming the attribute), bounds as
    [lower, upper] floats or arrays of the leaf's shape."""
    for key, value in attributes.items():
        if key not in _ATTRIBUTES:
            raise InputError(f"{key}: not an attribute of '{name}' (cvxpy's attributes: {sorted(_ATTRIBUTES)})")
        if key not in _INDEXED and not isinstance(value, bool | np.bool_):
            raise InputError(f"{key}: must be True or False ('{name}'), got {value!r:.80}")
    signs = [k for k in _SIGNS if attributes.get(k)]
    if len(signs) > 1:
        raise InputError(f"{', '.join(signs)}: '{name}' may have one sign attribute, got {len(signs)} (use bounds= "
                         "for a box, or a parameter/variable fixed by a constraint)")
    if attributes.get("bounds") is not None:
        attributes = {**attributes, "bounds": leaf_bounds(name, attributes["bounds"], shape)}
    return attributes


class Model:
    """A declarative optimisation model with labelled variables, constraint families and prices."""

    #: the backend `solve()` uses when the caller names none (None: the registry's default, HiGHS);
    #: a paper sets it where another backend is measured faster (README, "Solvers")
    default_solver: str | None = None

    def __init__(self, name: str, *, sense: str = "max", units: str = "", description: str = ""):
        object_name("model", name)
        if sense not in ("max", "min"):
            raise InputError(f"sense: must be 'max' or 'min', got {sense!r}")
        self.name, self.sense, self.units, self.description = name, sense, units, description
        self.variables: dict[str, _Var] = {}
        self.parameters: dict[str, _Param] = {}
        self.families: dict[str, Family] = {}
        self.derived: dict[str, _Derived] = {}
        self.objective: cp.Expression | None = None
        #: options a backend gets unless the caller overrides them, by backend name ("tol" included)
        self.solver_defaults: dict[str, dict] = {}
        self.strategy: Strategy | None = None  # None: the plain solve
        self._values: dict[str, np.ndarray] = {}
        #: derived parameters: name -> (the parameters it follows, the rule giving its value from theirs)
        self._rules: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {}
        self._structure = _Structure()

    # ---------------------------------------------------------------- building
    def variable(self, name: str, shape: Any, *, index: Labels = None, show: bool = True,
                 **attributes: Any) -> cp.Variable:
        """Add a variable; `attributes` are cvxpy's (nonneg=True, integer=True, boolean=True, bounds=[lo, hi], ...).
        index: one label per entry (C order) or (rows, columns) labels of a 2-D variable."""
        self._mutating()
        self._new_name("variable", name)
        dims = (shape,) if isinstance(shape, int | np.integer) else shape  # cvxpy reads a bool as 1, -1 late
        if not isinstance(dims, tuple | list) or any(
                isinstance(d, bool | np.bool_) or not isinstance(d, int | np.integer) or d < 0 for d in dims):
            raise InputError(f"shape: variable '{name}' needs a whole number >= 0 or a tuple of them, got {shape!r}")
        dims = tuple(int(d) for d in dims)
        leaf_labels("variable", name, index, dims)
        attributes = _attributes(name, dims, attributes)
        try:
            var = cp.Variable(dims, name=name, **attributes)
        except (TypeError, ValueError) as exc:  # what cvxpy refuses that the checks above let through
            raise InputError(f"variable '{name}': {exc}") from None
        self.variables[name] = _Var(var, index, show)
        return var

    def parameter(self, name: str, value: Any, *, index: Labels = None,
                  validate: Callable[[Any], Any] | None = None, exact: Any = None, **attributes: Any) -> cp.Parameter:
        """Add a parameter with its current value; `validate(value) -> array` checks new values. A pandas value
        (here, in `set` and `bind`) is read by the labels `index` (`core.validate.by_label`; labels missing, extra
        or repeated are an InputError), by position only where it has a default RangeIndex.

        `exact`: the value as exact rationals (an array of Fractions of the value's shape) where it is derived
        from data (a joint prior as the product of exactly normalised marginals): `Solution.exact()` then reads
        the LP's coefficients from them, consistent with one another, instead of from their floats. When
        given, the value is their rounding to floats."""
        self._mutating()
        self._new_name("parameter", name)
        if exact is not None:
            value = floats(np.asarray(exact, dtype=object))
        value = parameter_data(name, value, index, validate)
        value = _owned(name, validate(value) if validate else value)
        leaf_labels("parameter", name, index, value.shape)
        attributes = _attributes(name, value.shape, attributes)
        try:
            param = cp.Parameter(value.shape, name=name, **attributes)
        except (TypeError, ValueError) as exc:
            raise InputError(f"parameter '{name}': {exc}") from None
        _check_domain(name, param, value)
        self.parameters[name] = _Param(param, index, validate)
        self._values[name] = value
        if exact is not None:
            register(param, exact)
        return param

    def _new_name(self, what: str, name: Any) -> None:
        """A variable's or parameter's name: a string no variable or parameter has (sol[name] reads either)."""
        object_name(what, name)
        for kind, taken in (("variable", self.variables), ("parameter", self.parameters)):
            if name in taken:
                raise InputError(f"{what}: '{name}' already exists in model '{self.name}'"
                                 + ("" if kind == what else f" as a {kind} (sol['{name}'] would read either)"))

    def derived_parameter(self, name: str, sources: tuple[str, ...], rule: Callable[..., Any], *,
                          index: Labels = None, **attributes: Any) -> cp.Parameter:
        """A parameter whose value is `rule(*values of sources)` (e.g. the profit of the best uniform price
        of the market `prior`): recomputed whenever a source is set (`set`, `bind`), so that it never
        describes another market. Setting it directly detaches it: it then keeps the value given."""
        for source in sources:
            if source not in self.parameters:
                raise InputError(f"{name}: follows '{source}', which is not a parameter of model '{self.name}'")
        param = self.parameter(name, rule(*(self._values[s] for s in sources)), index=index, **attributes)
        self._rules = {**self._rules, name: (tuple(sources), rule)}
        return param

    def constrain(self, name: str, fam: Family) -> Family:
        """Add a constraint family under `name` (its duals and prices come back under that name)."""
        self._mutating()
        object_name("constraint family", name)
        if name in self.families:
            raise InputError(f"constraint: family '{name}' already exists in model '{self.name}'")
        if not isinstance(fam, Family):
            raise InputError(f"constraint '{name}': expected a Family from a builder, got {type(fam).__name__}")
        _finite_data(f"constraint '{name}'", fam.lhs, fam.rhs)
        self.families[name] = fam
        return fam

    def constrain_all(self, families: dict[str, Family], prefix: str = "") -> list[str]:
        """Add several families (as a builder that returns a dict of them gives); returns their names."""
        for name, fam in families.items():
            self.constrain(prefix + name, fam)
        return [prefix + name for name in families]

    def maximize(self, expr: Any) -> None:
        self._set_objective(expr, "max")

    def minimize(self, expr: Any) -> None:
        self._set_objective(expr, "min")

    def _set_objective(self, expr: Any, sense: str) -> None:
        if not isinstance(expr, cp.Expression):
            expr = cp.Constant(real_array("objective", expr, what="a cvxpy expression or a number"))
        if not expr.is_scalar():
            raise InputError(f"objective: must be one number (a scalar expression), got shape {tuple(expr.shape)}; "
                             "sum it (cp.sum) or weight it (w @ x) first")
        _finite_data("objective", expr)
        self._mutating()
        self.objective, self.sense = expr, sense

    def output(self, name: str, fn: Callable[[Solution], object], *, lazy: bool = False) -> None:
        """Register a derived output `sol[name] = fn(sol)` (e.g. x(a|w) from the joint measure chi).

        lazy=True: computed when first read, not at every solve (a sweep that never reads it never
        pays for it). Only for a `fn` that reads nothing but its Solution (`sol[...]`, `sol.prices`,
        fixed data): the Solution's values are its own copy, while cvxpy's variables and parameters
        are overwritten by the next solve. An error in `fn` is then raised where the output is read.
        """
        self.derived = {**self.derived, name: _Derived(fn, "output", lazy)}  # never shared with bound copies

    def price(self, name: str, fn: Callable[[Solution], object], *, lazy: bool = False) -> None:
        """Register a derived price `sol.prices[name] = fn(sol)` built from the family prices (lazy: as
        in `output`)."""
        self.derived = {**self.derived, name: _Derived(fn, "price", lazy)}

    def bundle(self, name: str, fn: Callable[[Solution], dict]) -> None:
        """Register several derived outputs and prices computed together (one follow-up solve, say):
        `fn(sol)` returns {"outputs": {...}, "prices": {...}}."""
        self.derived = {**self.derived, name: _Derived(fn, "bundle")}

    def _mutating(self) -> None:
        # Copy-on-write: a bound copy that changes its structure stops sharing the compiled problem.
        if self._structure.problem is not None or self._structure.shared:
            self.variables, self.parameters = dict(self.variables), dict(self.parameters)
            self.families, self.derived = dict(self.families), dict(self.derived)
            self._structure = _Structure()

    # ---------------------------------------------------------------- data
    def bind(self, **values: Any) -> Model:
        """A model of the same class sharing this one's compiled problem, with new parameter values."""
        self._structure.shared = True
        clone = copy.copy(self)
        clone._values = dict(self._values)
        clone.set(**values)
        return clone

    def set(self, **values: Any) -> Model:
        """Change parameter values in place (validated); returns self. Derived parameters
        (`derived_parameter`) follow their sources; one set directly is detached from them."""
        for name in values:
            if name not in self.parameters:
                raise InputError(f"{name}: not a parameter of model '{self.name}'; parameters: {list(self.parameters)}")
        checked = {name: self._checked(name, value) for name, value in values.items()}
        # under the solve's lock: a solve in another thread reads one set of values from start to end (its value,
        # sol.parameters and snapshot once came from different data)
        with self.exclusive:
            for name, (sources, rule) in self._rules.items():
                if name not in values and any(s in values for s in sources):
                    checked[name] = self._checked(name, rule(*(checked.get(s, self._values[s]) for s in sources)))
            if any(name in self._rules for name in values):
                self._rules = {k: v for k, v in self._rules.items() if k not in values}
            self._values.update(checked)  # all or nothing: a bad value leaves every value as it was
        return self

    def _checked(self, name: str, value: Any) -> np.ndarray:
        spec = self.parameters[name]
        value = parameter_data(name, value, spec.labels, spec.validate)
        arr = _owned(name, spec.validate(value) if spec.validate else value)
        if arr.shape != spec.param.shape:
            raise InputError(f"{name}: has shape {arr.shape}, expected {spec.param.shape}")
        _check_domain(name, spec.param, arr)
        return arr

    def snapshot(self) -> Model:
        """A frozen copy describing the program as it is now, for a Solution to keep: later changes
        to this model (a new objective, a new family: copy-on-write, see `_mutating`; new parameter
        values) never reach it. It shares the compiled problem and its lock."""
        self._structure.shared = True
        frozen = copy.copy(self)
        frozen._values = dict(self._values)
        return frozen

    def value_of(self, name: str) -> np.ndarray:
        """The current value of parameter `name`."""
        return self._values[name]

    def var(self, name: str) -> cp.Variable:
        """The cvxpy variable `name`, for writing new constraints on a model (prototyping)."""
        if name not in self.variables:
            raise InputError(f"{name}: not a variable of model '{self.name}'; variables: {list(self.variables)}")
        return self.variables[name].var

    def param(self, name: str) -> cp.Parameter:
        """The cvxpy Parameter `name` (its value is written from the model's data at solve time)."""
        if name not in self.parameters:
            raise InputError(f"{name}: not a parameter of model '{self.name}'; parameters: {list(self.parameters)}")
        return self.parameters[name].param

    def write_parameters(self) -> None:
        """Write this model's parameter values into the shared cvxpy Parameters (before a solve); they
        were checked against the Parameters' attributes when set (`_check_domain`)."""
        for name, spec in self.parameters.items():
            spec.param.save_value(self._values[name])

    # ---------------------------------------------------------------- the compiled problem
    @property
    def problem(self) -> cp.Problem:
        """The cvxpy problem, built once and shared by bound copies."""
        if self._structure.problem is None:
            if self.objective is None:
                raise InputError(f"objective: model '{self.name}' has none; call maximize() or minimize()")
            goal = cp.Maximize(self.objective) if self.sense == "max" else cp.Minimize(self.objective)
            self._structure.problem = cp.Problem(goal, [f.constraint for f in self.families.values()])
        return self._structure.problem

    @property
    def exclusive(self) -> threading.RLock:
        """The lock every use of the compiled problem holds (solves, price ranges, exact optima): bound
        copies share the problem, so they take turns from several threads."""
        return self._structure.lock

    @property
    def compilations(self) -> int:
        """How many times the shared problem has been compiled (1 after any number of DPP re-solves)."""
        return self._structure.compilations

    @property
    def has_integers(self) -> bool:
        return any(v.var.attributes["integer"] or v.var.attributes["boolean"] for v in self.variables.values())

    @property
    def is_lp(self) -> bool:
        """Affine objective and families, no integers: duals are prices and certificates are complete."""
        return not self.has_integers and self.objective is not None and self.objective.is_affine() and all(
            f.lhs.is_affine() and (not isinstance(f.rhs, cp.Expression) or f.rhs.is_affine())
            for f in self.families.values())

    def size(self) -> dict[str, int]:
        """Scalar variables and constraint rows."""
        return {
            "variables": sum(v.var.size for v in self.variables.values()),
            "constraints": sum(f.lhs.size for f in self.families.values()),
        }

    def shares_problem_with(self, other: Model) -> bool:
        """Whether the two are bound copies of one compiled problem (so DPP and warm starts carry over)."""
        return self._structure is other._structure

    def reset_warm_start(self) -> None:
        """Forget the anchor basis of warm solves: the next `solve(warm_start=True)` starts cold."""
        if self._structure.warm is not None:
            self._structure.warm.reset()

    # ---------------------------------------------------------------- solving
    def solve(self, solver: str | None = None, *, tol: float | None = None, verbose: bool = False,
              certify: bool = True, warm_start: bool = False, accept_inaccurate: bool = False,
              **options: Any) -> Solution:
        """Solve with the model's strategy and return a Solution.

        solver: a backend name (default HiGHS); tol: a tolerance translated into the solver's own
        options; options: passed to the solver (they override `tol`), except the keywords the
        model's strategy takes (e.g. `rule=` of a lexicographic selection).
        warm_start: re-solve from a basis kept with the compiled problem (HiGHS LPs: the anchor
            basis of `optmarkets.solvers.highs`, so the result does not depend on the order of
            solves). Off by default: every solve is then a cold solve, a function of the data alone.
        tol: default `core.tolerances.SOLVE_TOL` (1e-8, or the model's per-backend default); it must be
            a finite number in (0, 1e-2]. Option names are checked against the backend's documented ones.
        accept_inaccurate: an inaccurate solve (iteration or time limit: status "optimal_inaccurate")
            or one whose recomputed certificate fails relative to the data's magnitude raises
            SolverFailedError; with True it is returned instead, status kept and `certificate.ok()` False.
        Raises InfeasibleError (only a proven infeasibility) / UnboundedError / SolverFailedError;
        bad options raise InputError naming the option, an unknown solver UnknownSolverError.
        """
        strategy = self.strategy or PLAIN
        keywords = {k: options.pop(k) for k in list(options) if k in strategy.keywords}
        request = check_request(Request(solver=solver, tol=tol, verbose=verbose, certify=certify,
                                        warm_start=warm_start, options=options, accept_inaccurate=accept_inaccurate))
        with self.exclusive:  # bound copies share the problem: one solve at a time writes into it
            frozen = self.snapshot()
            sol = strategy.solve(self, request, **keywords)
        if sol._model is self:
            sol._model = frozen
        return sol

    def value_function(self, parameter: str, start: Any, end: Any, *, exact: bool = False) -> Any:
        """The optimal value along p(t) = start + t (end - start), t in [0, 1] (`core.parametric.value_function`)."""
        from .parametric import value_function

        return value_function(self, parameter, start, end, exact=exact)

    def certify(self) -> Certificate:
        """The certificate of the current variable values and duals (see `core.certificate`)."""
        return certify(self)

    def to_mps(self, path: str | os.PathLike) -> Path:
        """Write the LP (or MILP) HiGHS receives, at the current parameter values, as an MPS file: rows
        `family[i]` and columns `variable[j]` (C order of labels), the objective in the model's sense
        with its constant as HiGHS's objective offset (`optmarkets.solvers.export`). Returns the path."""
        with self.exclusive:
            return seam.solvers().export(self, path, "mps")

    def to_lp(self, path: str | os.PathLike) -> Path:
        """As `to_mps`, in the CPLEX LP format (names `family(i)`, `variable(j)`: `[` is LP syntax)."""
        with self.exclusive:
            return seam.solvers().export(self, path, "lp")

    def __repr__(self) -> str:
        size = self.size()
        return (f"<{type(self).__name__} '{self.name}': {self.sense} over {size['variables']} variables, "
                f"{len(self.families)} families ({size['constraints']} rows)>")
