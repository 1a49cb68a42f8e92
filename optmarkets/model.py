"""Model: named variables, named constraint families, an objective and the parameters users sweep.

A paper's model module builds one of these from builders. Data that users sweep (a market q, a
weight, an outside option) enter as cvxpy Parameters, so a re-solve at new data reuses the compiled
problem (cvxpy's DPP cache). `Model.bind(...)` returns a model that shares the compiled problem and
carries its own parameter values; the values are written into the Parameters at solve time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
import pandas as pd

from . import backends
from .builders.base import Family, Labels, labelled
from .errors import InfeasibleError, SolverFailedError, UnboundedError
from .hotstart import HighsSession
from .primitives import InputError
from .solution import Certificate, Solution

# price = PRICE_SIGN[(objective sense, constraint sense)] * cvxpy dual  (see solution.py)
_PRICE_SIGN = {
    ("max", "<="): 1.0, ("max", ">="): -1.0, ("max", "=="): 1.0,
    ("min", "<="): -1.0, ("min", ">="): 1.0, ("min", "=="): -1.0,
}


@dataclass
class _Var:
    var: cp.Variable
    index: Labels
    show: bool


@dataclass
class _Param:
    param: cp.Parameter
    index: Labels
    validate: Callable[[object], np.ndarray] | None


@dataclass
class _Derived:
    fn: Callable[[Solution], object]
    kind: str  # "output" or "price"


@dataclass
class _Structure:
    """What bound copies of a model share: the compiled cvxpy problem and its bookkeeping."""

    problem: cp.Problem | None = None
    shared: bool = False  # bound copies exist: mutate only after copying
    compilations: int = 0
    last_program: object = field(default=None, repr=False)
    highs: HighsSession = field(default_factory=HighsSession, repr=False)  # warm re-solves


class Model:
    """A declarative optimisation model with labelled variables, constraint families and prices."""

    def __init__(self, name: str, *, sense: str = "max", units: str = "", description: str = ""):
        if sense not in ("max", "min"):
            raise InputError(f"sense: must be 'max' or 'min', got {sense!r}")
        self.name, self.sense, self.units, self.description = name, sense, units, description
        self.variables: dict[str, _Var] = {}
        self.parameters: dict[str, _Param] = {}
        self.families: dict[str, Family] = {}
        self.derived: dict[str, _Derived] = {}
        self.objective: cp.Expression | None = None
        self._values: dict[str, np.ndarray] = {}
        self._structure = _Structure()

    # ---------------------------------------------------------------- building
    def variable(self, name: str, shape, *, index: Labels = None, show: bool = True, **attributes) -> cp.Variable:
        """Add a variable; `attributes` are cvxpy's (nonneg=True, integer=True, boolean=True, ...)."""
        self._mutating()
        if name in self.variables:
            raise InputError(f"variable: '{name}' already exists in model '{self.name}'")
        var = cp.Variable(shape, name=name, **attributes)
        self.variables[name] = _Var(var, index, show)
        return var

    def parameter(self, name: str, value, *, index: Labels = None, validate=None, **attributes) -> cp.Parameter:
        """Add a parameter with its current value; `validate(value) -> array` checks new values."""
        self._mutating()
        value = np.asarray(validate(value) if validate else value, dtype=float)
        param = cp.Parameter(value.shape, name=name, **attributes)
        self.parameters[name] = _Param(param, index, validate)
        self._values[name] = value
        return param

    def constrain(self, name: str, fam: Family) -> Family:
        """Add a constraint family under `name` (its duals and prices come back under that name)."""
        self._mutating()
        if name in self.families:
            raise InputError(f"constraint: family '{name}' already exists in model '{self.name}'")
        if not isinstance(fam, Family):
            raise InputError(f"constraint '{name}': expected a Family from a builder, got {type(fam).__name__}")
        self.families[name] = fam
        return fam

    def maximize(self, expr) -> None:
        self._set_objective(expr, "max")

    def minimize(self, expr) -> None:
        self._set_objective(expr, "min")

    def _set_objective(self, expr, sense: str) -> None:
        self._mutating()
        self.objective, self.sense = expr, sense

    def output(self, name: str, fn: Callable[[Solution], object]) -> None:
        """Register a derived output `sol[name] = fn(sol)` (e.g. x(a|w) from the joint measure chi)."""
        self.derived = {**self.derived, name: _Derived(fn, "output")}  # never shared with bound copies

    def price(self, name: str, fn: Callable[[Solution], object]) -> None:
        """Register a derived price `sol.prices[name] = fn(sol)` built from the family prices."""
        self.derived = {**self.derived, name: _Derived(fn, "price")}

    def _mutating(self) -> None:
        # Copy-on-write: a bound copy that changes its structure stops sharing the compiled problem.
        if self._structure.problem is not None or self._structure.shared:
            self.variables, self.parameters = dict(self.variables), dict(self.parameters)
            self.families, self.derived = dict(self.families), dict(self.derived)
            self._structure = _Structure()

    # ---------------------------------------------------------------- data
    def bind(self, **values) -> Model:
        """A model sharing this one's compiled problem, with new parameter values."""
        self._structure.shared = True
        clone = object.__new__(Model)
        clone.__dict__.update(self.__dict__)
        clone._values = dict(self._values)
        clone.set(**values)
        return clone

    def set(self, **values) -> Model:
        """Change parameter values in place (validated); returns self."""
        for name, value in values.items():
            if name not in self.parameters:
                raise InputError(f"{name}: not a parameter of model '{self.name}'; parameters: {list(self.parameters)}")
            spec = self.parameters[name]
            arr = np.asarray(spec.validate(value) if spec.validate else value, dtype=float)
            if arr.shape != spec.param.shape:
                raise InputError(f"{name}: has shape {arr.shape}, expected {spec.param.shape}")
            self._values[name] = arr
        return self

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

    # ---------------------------------------------------------------- solving
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
    def compilations(self) -> int:
        """How many times the shared problem has been compiled (1 after any number of DPP re-solves)."""
        return self._structure.compilations

    @property
    def has_integers(self) -> bool:
        return any(v.var.attributes["integer"] or v.var.attributes["boolean"] for v in self.variables.values())

    def size(self) -> dict[str, int]:
        """Scalar variables and constraint rows."""
        return {
            "variables": sum(v.var.size for v in self.variables.values()),
            "constraints": sum(f.lhs.size for f in self.families.values()),
        }

    def solve(self, solver: str | None = None, *, tol: float | None = None, verbose: bool = False,
              certify: bool = True, warm_start: bool = False, **options) -> Solution:
        """Solve and return a Solution; raise InfeasibleError / UnboundedError / SolverFailedError.

        solver: a backend name (default HiGHS); tol: a tolerance translated into the solver's own
        options; options: passed to the solver verbatim (they override `tol`).
        warm_start: re-solve from a basis kept with the compiled problem (HiGHS LPs: the anchor
            basis of `optmarkets.hotstart`, so the result does not depend on the order of solves;
            other solvers: cvxpy's own warm start). Off by default: every solve is then a cold
            solve, a function of the data alone.
        """
        backend = backends.get(solver, integers=self.has_integers)
        problem = self.problem
        for name, spec in self.parameters.items():
            spec.param.value = self._values[name]
        if not verbose:
            backends.silence_highs_banner()
        hot = warm_start and backend.cvxpy_name == "HIGHS" and not self.has_integers
        start = time.perf_counter()
        try:
            if hot:
                self._solve_hot(problem, backend.options(tol, **options))
            else:
                problem.solve(solver=backend.cvxpy_name, verbose=verbose, warm_start=warm_start,
                              **backend.options(tol, **options))
        except cp.SolverError as exc:
            raise SolverFailedError(self.name, backend.name, "solver_error",
                                    f"{exc}; try another solver or a looser tol") from None
        except cp.DCPError as exc:
            raise InputError(f"model '{self.name}' is not convex as written: {exc}") from None
        wall = time.perf_counter() - start
        self._count_compilation(problem)
        self._raise_on_failure(problem.status, backend.name)

        sol = Solution(
            model=self.name, status=problem.status, value=float(problem.value), solver=backend.name,
            primal={n: labelled(v.var.value, v.index) for n, v in self.variables.items() if v.show},
            duals={}, prices={}, certificate=Certificate(pd.Series(dtype=float)),
            parameters={n: labelled(self._values[n], p.index) for n, p in self.parameters.items()},
            sense=self.sense, units=self.units,
        )
        if not self.has_integers and backend.duals:
            for name, fam in self.families.items():
                raw = fam.constraint.dual_value
                if raw is None:
                    continue
                sol.duals[name] = fam.label(raw)
                price = _PRICE_SIGN[(self.sense, fam.sense)] * np.asarray(raw, float) + 0.0  # no -0.0
                sol.prices[name] = fam.label(price)
        if certify:
            sol.certificate = self.certify()
        for name, d in self.derived.items():
            (sol.outputs if d.kind == "output" else sol.prices)[name] = d.fn(sol)
        stats = problem.solver_stats
        sol.timings = {
            "compile": float(problem.compilation_time or 0.0),
            "solver": float(stats.solve_time) if stats and stats.solve_time is not None else float("nan"),
            "total": time.perf_counter() - start,
        }
        sol.timings["cvxpy_wall"] = wall
        return sol

    def _solve_hot(self, problem: cp.Problem, options: dict) -> None:
        # cvxpy builds HiGHS's data (DPP: no recompilation) and unpacks the result; the solve in
        # between updates one persistent HiGHS instance and starts from the anchor basis.
        start = time.perf_counter()
        data, chain, inverse = problem.get_problem_data(cp.HIGHS)
        if chain.solver.name() != cp.HIGHS:
            raise cp.SolverError(f"warm start: the solving chain ends in {chain.solver.name()}, not HiGHS")
        problem._compilation_time = time.perf_counter() - start
        results = self._structure.highs.solve(data, options)
        problem.unpack_results(results, chain, inverse)

    def shares_problem_with(self, other: Model) -> bool:
        """Whether the two are bound copies of one compiled problem (so DPP and warm starts carry over)."""
        return self._structure is other._structure

    def reset_warm_start(self) -> None:
        """Forget the anchor basis of warm solves: the next `solve(warm_start=True)` starts cold."""
        self._structure.highs.reset()

    def _count_compilation(self, problem: cp.Problem) -> None:
        program = getattr(problem._cache, "param_prog", None)
        if program is None or program is not self._structure.last_program:
            self._structure.compilations += 1
            self._structure.last_program = program

    def _raise_on_failure(self, status: str, solver: str) -> None:
        if status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            return
        if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
            raise InfeasibleError(self.name, solver, status, "no point satisfies every constraint family")
        if status in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
            raise UnboundedError(self.name, solver, status, "the objective is unbounded")
        raise SolverFailedError(self.name, solver, status, "try another solver or a looser tol")

    # ---------------------------------------------------------------- certificate
    def certify(self) -> Certificate:
        """Recompute residuals from the data at the current variable values and duals.

        Primal: every family's largest violation and every variable's domain (sign, integrality).
        Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is
        affine; its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or
        >= 0 (min) on non-negative ones; then the dual objective is L(x) - r.x, and the gap is
        |sum y*slack - r.x|.
        """
        viol = {name: fam.violation() for name, fam in self.families.items()}
        for name, v in self.variables.items():
            x, attrs = np.asarray(v.var.value, float), v.var.attributes
            if attrs["nonneg"] or attrs["boolean"]:
                viol[f"{name} >= 0"] = float(max(0.0, -x.min())) if x.size else 0.0
            if attrs["integer"] or attrs["boolean"]:
                viol[f"{name} integral"] = float(np.abs(x - np.round(x)).max()) if x.size else 0.0
        cert = Certificate(pd.Series(viol, dtype=float, name="violation"))
        is_lp = self.objective.is_affine() and all(
            f.lhs.is_affine() and (not isinstance(f.rhs, cp.Expression) or f.rhs.is_affine())
            for f in self.families.values()
        )
        duals = {n: f.constraint.dual_value for n, f in self.families.items()}
        if self.has_integers or not is_lp or any(d is None for d in duals.values()):
            cert.notes.append("dual residuals not computed (integer variables, non-LP, or no duals)")
            return cert
        self._dual_residuals(cert)
        return cert

    def _dual_residuals(self, cert: Certificate) -> None:
        sign_viol, cs, lagrangian, slack_term = 0.0, 0.0, self.objective, 0.0
        for fam in self.families.values():
            y = _PRICE_SIGN[(self.sense, fam.sense)] * np.asarray(fam.constraint.dual_value, float)
            s = fam.slack()
            if fam.sense != "==":
                # max: <= rows need y >= 0, >= rows y <= 0 (slack is oriented so y*slack >= 0 is right)
                wrong = -y if (fam.sense == "<=") == (self.sense == "max") else y
                sign_viol = max(sign_viol, float(np.max(wrong, initial=0.0)))
                cs = max(cs, float(np.max(np.abs(y * s), initial=0.0)))
            # y = dV/d(rhs) is the multiplier of (rhs - lhs) for every sense
            slack_term += float(np.sum(y * (np.asarray(_value(fam.rhs)) - np.asarray(fam.lhs.value))))
            lagrangian = lagrangian + cp.sum(cp.multiply(y, fam.rhs - fam.lhs))  # rhs may hold variables
        grads = lagrangian.grad if isinstance(lagrangian, cp.Expression) else {}
        dual_inf, rx = 0.0, 0.0
        for v in self.variables.values():
            g = grads.get(v.var)
            r = np.zeros(v.var.size) if g is None else np.asarray(g.todense() if hasattr(g, "todense") else g).ravel()
            x = np.asarray(v.var.value, float).ravel(order="F")
            rx += float(r @ x)
            if v.var.attributes["nonneg"]:
                bad = r if self.sense == "max" else -r
                dual_inf = max(dual_inf, float(np.max(bad, initial=0.0)))
            else:
                dual_inf = max(dual_inf, float(np.max(np.abs(r), initial=0.0)))
        cert.dual_sign = sign_viol
        cert.dual_infeasibility = dual_inf
        cert.complementary_slackness = cs
        cert.duality_gap = abs(slack_term - rx)


def _value(expr):
    return expr.value if isinstance(expr, cp.Expression) else expr
