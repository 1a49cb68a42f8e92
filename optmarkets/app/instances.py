"""Declarative instance files (TOML) and the registry of paper examples that `optmarkets reproduce` runs.

An instance file is data, never code. It names a model class from `MODELS`, its data, the problems
to solve (each a documented method of that class from `METHODS`, with arguments checked against the
method's signature) and, optionally, the numbers the paper prints for them:

    title = "..."; source = "..."; model = "PersonalDataEconomy"
    solver_options = {tol = 1e-8, time_limit = 60, max_iters = 10000}   # optional, numbers only
    [data]            # constructor arguments
    [solve.NAME]      # method = "platform_problem", args = {q = [0.3, 0.3]}, solver_options = {...}
    [[check]]         # solve = "NAME", output = "value" | a variable/output | "prices.<family>",
                      # loc = [...] (optional), quantity = "...", expected = 0.09,
                      # source = "paper" | "paper-formula" | "derived" | "corrected", where = "Sec. 4.1",
                      # tol = 1e-6, note = "...", paper_value = 0.33 (corrected rows: the paper's number)

Every number in [data] and in args is finite and at most `MAX_MAGNITUDE` (1e150) in absolute value, and
`max_iters` is a whole number from 1 to `MAX_ITERS` (2**31 - 1), all checked when the file is read.

Every [[check]] needs `quantity`, `expected` (a number), `source` (one of `core.reference.SOURCES`) and
`where` (section, equation, table or page); see `core.reference.Check`.

Nothing in a file reaches the file system or a solver's own options: `solver_options` takes only
the numeric `SOLVER_OPTION_KEYS` (a tolerance and limits), translated here for each solver. Before a
model is built its size is estimated (`app.sizes`: a FiniteGame file by the engines' own estimators);
above `max_size` (default `MAX_SIZE`) the file is refused at load with an InputError giving the
estimate and the override (`load(path, max_size=...)`, `optmarkets solve --max-size`), which also
raises the engines' limits (`core.limits`) while the file's models are built.

Examples that need code (random instances, derived tables) live in each paper's `examples` list;
`optmarkets.app.reproduce` runs both.
"""

from __future__ import annotations

import difflib
import inspect
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from numbers import Real
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.model import Model
from ..core.reference import SOURCES, Check
from ..core.tolerances import REPRODUCE_TOL
from ..games import FiniteGame
from ..papers.bdhn import InformationSeller
from ..papers.glp import PersonalDataEconomy
from ..papers.hs import MultiProductSeller
from ..papers.yang import DataBroker
from .readout import exact_value, extract
from .sizes import MAX_SIZE, check_size, engine_limits, estimate, size_estimate  # noqa: F401  (this module's API)

#: the model classes an instance file may name (an allow-list: files are data, never code)
MODELS: dict[str, type] = {cls.__name__: cls for cls in
                           (PersonalDataEconomy, DataBroker, MultiProductSeller, InformationSeller, FiniteGame)}

#: per model class, the documented problem and result methods a [solve.NAME] may call (an allow-list;
#: a class of MODELS without an entry here can be built but has no method a file may call)
METHODS: dict[str, tuple[str, ...]] = {
    "PersonalDataEconomy": (
        "platform_problem", "first_best", "first_best_problem", "second_best", "second_best_problem",
        "monopsony_problem", "data_union_problem", "ce_support_problem", "lindahl_support_problem",
        "competitive_prices", "competitive_equilibria", "platform_optimal_prices", "ce_supportable",
        "lindahl_supportable", "bbm_value",
    ),
    "DataBroker": (
        "mechanism_problem", "price_controlling_problem", "exclusive_retail_problem", "profile_problem",
        "regimes", "revenue_bound", "continuum_cutoff_revenue", "discrete_cutoff_mechanism", "cutoff_quantities",
        "uniform_pricing", "direct_acquisition", "value_revealing_alone", "vertical_integration", "optimal_face",
    ),
    "MultiProductSeller": (
        "optimal_mechanism", "mechanism_problem", "pareto_improving_segmentation", "pareto_search",
        "bbm_segmentation", "theorem1_segmentation", "corollary2_segmentation", "check_segmentation",
        "two_type_intervals", "two_type_revenue", "payment_ranges", "unique_payment_rule", "selected",
        "is_efficient", "virtual_values", "virtual_surplus", "virtual_surplus_profit",
    ),
    "InformationSeller": (
        "welfare_optimal", "welfare_problem", "revenue_optimal", "revenue_problem", "virtual_surplus_problem",
        "outside_option_problem", "greedy",
    ),
    "FiniteGame": ("correlated_equilibrium_problem", "bayes_correlated_equilibrium_problem"),
}

#: the keys an instance file may have at the top level, and in a [solve.NAME] table
TOP_KEYS = frozenset({"title", "source", "model", "data", "solve", "check", "solver_options"})
REQUIRED_KEYS = ("model", "data", "solve")
SOLVE_KEYS = frozenset({"method", "args", "solver_options", "note"})
#: a file's solver options: numbers only, never a path or a solver's own option names
SOLVER_OPTION_KEYS = frozenset({"tol", "time_limit", "max_iters"})
#: the keys of a [[check]] table, and those it must have
CHECK_KEYS = frozenset({"solve", "quantity", "output", "loc", "expected", "source", "where", "tol", "note",
                        "paper_value"})
CHECK_REQUIRED = ("solve", "quantity", "expected", "source", "where")
#: the largest number, in absolute value, a file's [data] and args may hold: models subtract and multiply
#: data (payoff differences, scaled coefficients), and numbers near the float limit 1.8e308 overflow there
MAX_MAGNITUDE = 1e150
#: the range of a file's `max_iters`: a whole number; HiGHS and Gurobi keep iteration limits as 32-bit ints
MAX_ITERS = 2**31 - 1

# how the file's limits are spelled for each cvxpy solver ("a.b": b inside the dict option a)
_TIME_LIMIT = {"HIGHS": ("time_limit",), "CLARABEL": ("time_limit",), "SCS": ("time_limit_secs",),
               "SCIPY": ("scipy_options.time_limit",), "GUROBI": ("TimeLimit",), "MOSEK": ()}
_MAX_ITERS = {"HIGHS": ("simplex_iteration_limit", "ipm_iteration_limit"), "CLARABEL": ("max_iter",),
              "ECOS": ("max_iters",), "SCS": ("max_iters",), "SCIPY": ("scipy_options.maxiter",),
              "GUROBI": ("IterationLimit",)}


@dataclass
class Instance:
    path: Path
    title: str
    source: str
    model: str
    data: dict
    solves: dict[str, dict]
    checks: list[dict] = field(default_factory=list)
    solver_options: dict = field(default_factory=dict)
    max_size: float = MAX_SIZE

    @property
    def name(self) -> str:
        return self.path.stem

    def build(self):
        """The model object (e.g. a PersonalDataEconomy) built from the file's data (size checked first)."""
        cls = _model_class(self.model, self.path.name)
        params = inspect.signature(cls).parameters
        unknown = sorted(set(self.data) - set(params))
        if unknown:
            raise InputError(f"{self.path.name}: data: {self.model} takes no {unknown}; "
                             f"its data are {[p for p in params if p != 'self']}")
        missing = [p for p, spec in params.items() if spec.default is inspect.Parameter.empty
                   and spec.kind in (spec.POSITIONAL_OR_KEYWORD, spec.KEYWORD_ONLY) and p not in self.data]
        if missing:
            raise InputError(f"{self.path.name}: data: {self.model} needs {missing}")
        check_size(self.model, self.data, None, self.max_size, self.path.name)
        try:
            with self.engine_limits():
                return cls(**self.data)
        except TypeError as exc:  # a value of the wrong kind deep in the constructor
            raise InputError(f"{self.path.name}: data: {exc}") from None

    def run(self, solve: str, solver: str | None = None):
        """Call the named problem's method; a Model result is solved, anything else returned as is."""
        spec = self._spec(solve)
        where = f"{self.path.name}: [solve.{solve}]"
        check_size(self.model, self.data, spec, self.max_size, self.path.name)
        method = _method(self.build(), self.model, spec, where)
        args = dict(spec.get("args", {}))
        if solver is not None and "solver" in inspect.signature(method).parameters:
            args["solver"] = solver
        with self.engine_limits():
            result = method(**args)
        return result.solve(solver, **self.solve_options(solve, solver)) if isinstance(result, Model) else result

    def engine_limits(self):
        """A block in which the engines' limits are at least this file's max_size (`sizes.engine_limits`)."""
        return engine_limits(self.max_size)

    def solve_options(self, solve: str, solver: str | None = None) -> dict:
        """The keywords of `Model.solve` that the file's `solver_options` (top level, then the problem's) mean."""
        opts = {**self.solver_options, **self._spec(solve).get("solver_options", {})}
        return translate_solver_options(opts, solver)

    def factory(self, solve: str) -> ProblemFactory:
        """`factory(**point)`: the [solve.NAME] Model with data or method arguments replaced by the point's."""
        self._spec(solve)
        return ProblemFactory(self, solve)

    def reproduce(self, solver: str | None = None, *, exact: bool = False) -> list[Check]:
        """One Check per [[check]]; with `exact`, rows whose output is the value of an LP Solution also
        carry its verified rational optimum (`Solution.exact()`)."""
        results: dict[str, object] = {}
        rows = []
        for i, chk in enumerate(self.checks):
            key = chk["solve"]
            if key not in results:
                results[key] = self.run(key, solver)
            output = chk.get("output", "value")
            found = results[key] is not None  # a search that found nothing: the row cannot match
            computed = extract(results[key], output, chk.get("loc"), where=f"{self.path.name}: check {i}") \
                if found else math.nan
            note = chk.get("note", "") if found else f"[solve.{key}] returned nothing; " + chk.get("note", "")
            row = Check(self.name, chk["quantity"], chk["expected"], computed, chk["source"], chk["where"],
                        chk.get("tol", REPRODUCE_TOL), note, chk.get("paper_value"))
            if exact and output == "value":
                row = replace(row, exact=exact_value(results[key]))
            rows.append(row)
        return rows

    def _spec(self, solve: str) -> dict:
        if solve not in self.solves:
            raise InputError(f"{self.path.name}: solve: no [solve.{solve}]; have {list(self.solves)}")
        return self.solves[solve]


class ProblemFactory:
    """An instance file's problem as a sweep factory: point keys name [data] fields or the method's args.

    The model object (e.g. the economy) is rebuilt only when the point changes its data, so a sweep
    over method arguments (the database q of `platform_problem`) re-solves one compiled problem. The
    first object built is kept, so the points sharing the first point's data share its problem.
    """

    def __init__(self, instance: Instance, solve: str):
        self.instance, self.solve = instance, solve
        self.spec = instance.solves[solve]
        self._built: dict[str, object] = {}  # data point -> model object (not pickled)

    def keys(self) -> set[str]:
        """The names a point may set: the file's [data] fields and the method's arguments."""
        cls = _model_class(self.instance.model, self.instance.path.name)
        method = _allowed(self.instance.model, self.spec.get("method"),
                          f"{self.instance.path.name}: [solve.{self.solve}]")
        params = inspect.signature(getattr(cls, method)).parameters
        return set(self.instance.data) | set(self.spec.get("args", {})) | (set(params) - {"self", "solver"})

    def __call__(self, **point) -> Model:
        args = dict(self.spec.get("args", {}))
        unknown = set(point) - self.keys()
        if unknown:
            raise InputError(f"grid: {sorted(unknown)} are neither [data] fields nor arguments of "
                             f"[solve.{self.solve}]; those are {sorted(self.keys())}")
        data_point = {k: v for k, v in point.items() if k in self.instance.data and k not in args}
        args.update({k: v for k, v in point.items() if k not in data_point})
        key = repr(sorted(data_point.items()))
        if key not in self._built:
            if len(self._built) > 1:  # keep the first object built (a warm sweep's anchor) and the last
                self._built.pop(list(self._built)[-1])
            self._built[key] = replace(self.instance, data={**self.instance.data, **data_point}).build()
        where = f"{self.instance.path.name}: [solve.{self.solve}]"
        spec = {**self.spec, "args": args}
        check_size(self.instance.model, {**self.instance.data, **data_point}, spec, self.instance.max_size,
                   self.instance.path.name)
        with self.instance.engine_limits():
            result = _method(self._built[key], self.instance.model, spec, where)(**args)
        if not isinstance(result, Model):
            raise InputError(f"{self.instance.path.name}: [solve.{self.solve}] returns a {type(result).__name__}, "
                             "not a Model; sweeps need a problem to solve")
        return result

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_built": {}}  # workers rebuild the model from data


def _model_class(name: object, where: str) -> type:
    cls = MODELS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise InputError(f"{where}: model: unknown model class {name!r}; one of {sorted(MODELS)}")
    return cls


def _allowed(model: str, name: object, where: str) -> str:
    allowed = METHODS.get(model, ())
    if not isinstance(name, str) or name not in allowed:
        raise InputError(f"{where}: method: {model} has no method {name!r} an instance file may call; "
                         f"one of {sorted(allowed)}")
    return name


def _method(obj, model: str, spec: dict, where: str) -> Callable[..., Any]:
    """The allow-listed method a [solve.NAME] names, with its `args` checked against its signature."""
    method = getattr(obj, _allowed(model, spec.get("method"), where))
    args = spec.get("args", {})
    params = inspect.signature(method).parameters
    named = {p for p, s in params.items() if s.kind in (s.POSITIONAL_OR_KEYWORD, s.KEYWORD_ONLY)}
    unknown = sorted(set(args) - named) + (["solver"] if "solver" in args else [])
    if unknown:
        raise InputError(f"{where}: args: {spec['method']} takes no {unknown}; its arguments are "
                         f"{sorted(named - {'solver'})}" + (" (the solver is chosen by the caller)"
                                                            if "solver" in args else ""))
    missing = [p for p in named if params[p].default is inspect.Parameter.empty and p not in args]
    if missing:
        raise InputError(f"{where}: args: {spec['method']} needs {missing}")
    return method


def translate_solver_options(opts: dict, solver: str | None) -> dict:
    """A file's {tol, time_limit, max_iters} as keywords of `Model.solve` for `solver` (default HiGHS)."""
    from .. import solvers as backends

    out: dict[str, Any] = {}
    if "tol" in opts:
        out["tol"] = float(opts["tol"])
    cvxpy_name = backends.get(solver).cvxpy_name
    for key, table in (("time_limit", _TIME_LIMIT), ("max_iters", _MAX_ITERS)):
        if key not in opts:
            continue
        names = table.get(cvxpy_name)
        if not names:
            raise InputError(f"solver_options: {key}: optmarkets cannot set it for {cvxpy_name}")
        value = float(opts[key]) if key == "time_limit" else int(opts[key])
        for name in names:
            outer, _, inner = name.partition(".")
            if inner:
                out[outer] = {**out.get(outer, {}), inner: value}
            else:
                out[name] = value
    return out


def load(path: str | os.PathLike, *, max_size: float = MAX_SIZE) -> Instance:
    """Read and validate an instance file; every problem is an InputError naming the field."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"instance: no file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"instance: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"instance: {path.name} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise InputError(f"instance: {path.name}: arrays or tables nested too deeply to read") from None
    return parse(raw, path, max_size=max_size)


def parse(raw: dict, path: str | os.PathLike = "<instance>", *, max_size: float = MAX_SIZE) -> Instance:
    """An Instance from a file's parsed TOML (a dict), validated as `load` does."""
    path = Path(path)
    name = path.name
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise InputError(f"{name}: unknown keys {unknown}; an instance file has {sorted(TOP_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise InputError(f"{name}: has no '{key}'")
    if not isinstance(max_size, Real) or isinstance(max_size, bool) or not max_size > 0:
        raise InputError(f"max_size: must be a positive number, got {max_size!r}")
    _model_class(raw["model"], name)
    for key in ("title", "source"):
        if not isinstance(raw.get(key, ""), str):
            raise InputError(f"{name}: {key}: must be a string, got {raw[key]!r}")
    if not isinstance(raw["data"], dict):
        raise InputError(f"{name}: data: must be a table ([data]), got {type(raw['data']).__name__}")
    check_numbers(raw["data"], f"{name}: data")
    check_size(raw["model"], raw["data"], None, max_size, name)
    solves = raw["solve"]
    if not isinstance(solves, dict) or not solves:
        raise InputError(f"{name}: solve: must be one or more [solve.NAME] tables")
    for key, spec in solves.items():
        where = f"{name}: [solve.{key}]"
        if not isinstance(spec, dict):
            raise InputError(f"{where}: must be a table with 'method' (and 'args')")
        extra = sorted(set(spec) - SOLVE_KEYS)
        if extra:
            raise InputError(f"{where}: unknown keys {extra}; a problem has {sorted(SOLVE_KEYS)}")
        if "method" not in spec:
            raise InputError(f"{where}: has no 'method'")
        _allowed(raw["model"], spec["method"], where)
        if not isinstance(spec.get("args", {}), dict):
            raise InputError(f"{where}: args: must be a table (args = {{name = value}}), "
                             f"got {type(spec['args']).__name__}")
        check_numbers(spec.get("args", {}), f"{where}: args")
        _solver_options(spec.get("solver_options", {}), f"{where}: solver_options")
        check_size(raw["model"], raw["data"], spec, max_size, name)  # refused at load, before anything is built
    _solver_options(raw.get("solver_options", {}), f"{name}: solver_options")
    checks = raw.get("check", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) for c in checks):
        raise InputError(f"{name}: check: must be [[check]] tables")
    for i, chk in enumerate(checks):
        _check_table(chk, f"{name}: check {i}", solves)
    return Instance(path, raw.get("title", path.stem), raw.get("source", ""), raw["model"], raw["data"],
                    solves, checks, dict(raw.get("solver_options", {})), max_size)


def _check_table(chk: dict, where: str, solves: dict) -> None:
    """A [[check]] table: its keys, an expected number, a known source and a place in the paper."""
    unknown = sorted(set(chk) - CHECK_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown keys {unknown}; a check has {sorted(CHECK_KEYS)}")
    if not isinstance(chk.get("solve"), str) or chk["solve"] not in solves:  # a list is unhashable
        raise InputError(f"{where}: solve: {chk.get('solve')!r} is not one of {list(solves)}")
    for key in CHECK_REQUIRED:
        if key not in chk:
            raise InputError(f"{where}: {key}: missing; a check needs {list(CHECK_REQUIRED)}")
    for key in ("quantity", "where", "note"):
        if not isinstance(chk.get(key, ""), str) or (key != "note" and not chk[key].strip()):
            raise InputError(f"{where}: {key}: must be a non-empty string" if key != "note"
                             else f"{where}: note: must be a string")
    if not isinstance(chk.get("output", "value"), str):
        raise InputError(f"{where}: output: must be a string (value, a variable, an output or prices.<family>), "
                         f"got {chk['output']!r}")
    loc = chk.get("loc", [0])
    if not isinstance(loc, list) or not loc or not all(isinstance(v, str | int | float) for v in loc):
        raise InputError(f"{where}: loc: must be a non-empty list of row/column labels, got {loc!r}")
    if chk["source"] not in SOURCES:
        raise InputError(f"{where}: source: {chk['source']!r} is not one of {list(SOURCES)}")
    for key in ("expected", "tol", "paper_value"):
        value = chk.get(key, 1.0)
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise InputError(f"{where}: {key}: must be a finite number, got {value!r}")
    if not chk.get("tol", 1.0) > 0:
        raise InputError(f"{where}: tol: must be positive, got {chk['tol']!r}")
    if chk["source"] == "corrected" and "paper_value" not in chk and not chk.get("note"):
        raise InputError(f"{where}: paper_value: a corrected check shows the paper's value (or a note)")
    if chk["source"] == "derived" and not chk.get("note"):
        raise InputError(f"{where}: note: a derived check says how it was derived")


def check_numbers(value: object, where: str) -> None:
    """Every number in a file's data is finite and at most MAX_MAGNITUDE in absolute value: checked
    here, before the model does arithmetic on it (1.7e308 - (-1.7e308) overflows to inf); no list holds a
    boolean (a flag is a scalar argument, `social = true`)."""
    stack: list[tuple[object, str]] = [(value, "")]
    while stack:  # not recursive: TOML nests as deep as its parser allows
        item, at = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed([(v, f"{at}.{k}" if at else str(k)) for k, v in item.items()]))  # first first
        elif isinstance(item, list):
            flags = [i for i, v in enumerate(item) if isinstance(v, bool)]
            if flags:  # TOML's true/false in a list of data: read as 1/0 it would pass as a number
                raise InputError(f"{where}: {at}[{flags[0]}]: {str(item[flags[0]]).lower()} is a boolean in a list of "
                                 "data; write the number or the label meant")
            stack.extend(reversed([(v, f"{at}[{i}]") for i, v in enumerate(item)]))
        elif isinstance(item, float) and not (math.isfinite(item) and abs(item) <= MAX_MAGNITUDE):
            raise InputError(f"{where}: {at}: {item!r} is " + ("not finite" if not math.isfinite(item) else
                             f"above {MAX_MAGNITUDE:g} in absolute value, the largest number a file may hold"))
        elif isinstance(item, str) and _looks_numeric(item):  # gamma_u = "0.8": a label, not the number meant
            raise InputError(f"{where}: {at}: {item!r} is a string; write the number without quotes")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_MAGNITUDE:
            shown = str(item) if abs(item) < 10**30 else f"an integer of {len(str(abs(item)))} digits"
            raise InputError(f"{where}: {at}: {shown} is above {MAX_MAGNITUDE:g} in absolute value, the largest "
                             "number a file may hold")


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _solver_options(opts: object, where: str) -> None:
    if not isinstance(opts, dict):
        raise InputError(f"{where}: must be a table of {sorted(SOLVER_OPTION_KEYS)}")
    unknown = sorted(set(opts) - SOLVER_OPTION_KEYS)
    if unknown:
        raise InputError(f"{where}: {unknown} not allowed; a file may set only {sorted(SOLVER_OPTION_KEYS)} "
                         "(numbers)")
    for key, value in opts.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or float(value) <= 0:
            raise InputError(f"{where}: {key}: must be a positive number, got {value!r}")
        if key == "max_iters" and (value != int(float(value)) or float(value) > MAX_ITERS):
            raise InputError(f"{where}: max_iters: must be a whole number from 1 to {MAX_ITERS}, got {value!r}")


def instance_dir() -> Path:
    """Where the instance files are: $OPTMARKETS_MODELS, ./models, the source tree, or the wheel's copy."""
    package = Path(__file__).resolve().parent.parent  # optmarkets/
    candidates = [os.environ.get("OPTMARKETS_MODELS"), Path.cwd() / "models", package.parent / "models",
                  package / "instances"]  # the source tree's models/, or the wheel's copy (pyproject force-include)
    for cand in candidates:
        if cand and Path(cand).is_dir() and any(Path(cand).glob("*.toml")):
            return Path(cand)
    raise InputError("models: no instance folder found; pass --models DIR or set OPTMARKETS_MODELS")


def problem_model(file: str, solve: str | None = None, max_size: float | None = None) -> tuple[Instance, str, Any]:
    """(the instance, KEY, the Model of its [solve.KEY] problem): KEY the file's first where None (`optmarkets
    path` and `export` build it as a sweep does, `Instance.factory`)."""
    inst = load(find(file), max_size=max_size or MAX_SIZE)
    key = solve if solve is not None else next(iter(inst.solves), None)
    if key is None:
        raise InputError(f"solve: {inst.path.name} has no [solve.KEY] table")
    return inst, key, inst.factory(key)()


def find(name: str) -> Path:
    """An instance path from a file path or a bare name like 'glp-section-4-1'."""
    path = Path(name)
    if path.is_file():
        return path
    cand = instance_dir() / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    if cand.is_file():
        return cand
    names = sorted(p.stem for p in instance_dir().glob("*.toml"))
    close = difflib.get_close_matches(path.stem, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InputError(f"instance: no file '{name}' (looked in ./ and {instance_dir()}){hint} "
                     "(`optmarkets list` shows them all)")
