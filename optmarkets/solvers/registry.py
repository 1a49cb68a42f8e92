"""Solver registry: a name maps to a cvxpy solver, its capabilities and its tolerance options.

HiGHS is the default for LPs and MILPs: it returns vertex (basic) duals, which are the prices a
reader can reproduce by hand. A model may name another default (`Model.default_solver`, e.g.
HIGHS_IPM, HiGHS's interior point with crossover: vertex duals too). Interior-point solvers
(Clarabel, ECOS, MOSEK) and first-order ones (SCS, PDLP, cuOpt on a GPU) return equally valid but
possibly different, less accurate duals on degenerate problems; every Solution records which solver
made its prices.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CapabilityError, InputError, UnknownSolverError
from ..core.tolerances import MIP_ABS_GAP, PDLP_TOL

#: HIGHS_PDLP's default cap on PDLP's iterations, after which its point goes to the crossover as it is
PDLP_ITERATIONS = 100_000

DEFAULT_SOLVER = "HIGHS"
#: What a model may need beyond linear rows, in the words of errors and `optmarkets solvers`.
CONES = ("quadratic", "second-order", "exponential", "power", "psd")
_CONE_WORDS = {"quadratic": "a quadratic objective", "second-order": "the second-order cone",
               "exponential": "the exponential cone", "power": "the power cone",
               "psd": "the positive semidefinite cone"}
#: With no solver named, a model that is not an LP/MILP goes to the first installed of these that takes its
#: cones: Clarabel (interior point, ~1e-8; QPs with their quadratic objective as is, every cone) ...
CONIC_DEFAULTS = ("CLARABEL", "SCS", "ECOS", "MOSEK")
#: ... except a model with PSD cones: SCS first. Measured (cvxpy 1.9.3, Clarabel 0.11.1, SCS 3.3.1, tol 1e-8,
#: max-cut SDP relaxations n x n): n = 20: 0.11 s vs 0.045 s; n = 50: 1.76 s vs 0.10 s; n = 100: 45.7 s vs
#: 2.1 s, the optimal values agreeing to 2e-9 relative.
PSD_DEFAULTS = ("SCS", "CLARABEL", "MOSEK")
_ALL_CONES = frozenset(CONES)
_QP_SOC = frozenset({"quadratic", "second-order"})


@dataclass(frozen=True)
class Backend:
    """One solver as optmarkets sees it."""

    name: str
    cvxpy_name: str
    duals: bool  # returns dual values for LPs
    integers: bool  # handles integer / boolean variables
    accuracy: str  # "vertex" (simplex), "interior" (IPM, ~1e-8), "first-order" (~1e-4 to 1e-6)
    #: translate a tolerance into this solver's options
    tolerance_options: Callable[[float], dict] = field(repr=False, default=lambda tol: {})
    #: options always passed (e.g. iteration caps raised for accuracy)
    defaults: dict = field(default_factory=dict, repr=False)
    #: absolute tolerance options, multiplied by the data's magnitude at solve time (`execute`)
    absolute: tuple[str, ...] = field(default=(), repr=False)
    #: the option names the solver documents (None: not checked, the solver is not installed here)
    option_names: Callable[[], frozenset[str]] | None = field(default=None, repr=False)
    #: options holding a dict of further options, and the names allowed in it
    nested: Mapping[str, Callable[[], frozenset[str]]] = field(default_factory=dict, repr=False)
    #: runs on a GPU (cuOpt); the others run on the CPU
    gpu: bool = False
    #: what it takes beyond linear rows (`CONES`): a quadratic objective, second-order, exponential,
    #: power, positive semidefinite cones (as cvxpy's interface to it accepts them)
    cones: frozenset[str] = frozenset()
    #: the cones it takes together with integer variables (mixed-integer conic / MIQP)
    integer_cones: frozenset[str] = frozenset()

    @property
    def installed(self) -> bool:
        from .cvxpy_internals import installed_solvers

        return self.cvxpy_name in installed_solvers()

    def options(self, tol: float | None = None, **overrides: Any) -> dict:
        """The backend's defaults, `tol` translated, then `overrides`, each option name and value checked."""
        check_options(self, overrides)
        opts = dict(self.defaults)
        if tol is not None:
            opts.update(self.tolerance_options(tol))
        for name, value in overrides.items():  # nested dicts (highs_options, scipy_options) merge
            if name in self.nested and isinstance(opts.get(name), dict) and isinstance(value, Mapping):
                opts[name] = {**opts[name], **value}
            else:
                opts[name] = value
        return opts


#: the smallest values the solvers accept for these options (their documented ranges): a tighter `tol` is clipped
_HIGHS_MIN_DUAL_TOL = 1e-10  # not a tolerance: HiGHS's lower bound on its feasibility tolerances (primal, dual, MIP)
_HIGHS_MIN_IPM_TOL = 1e-12  # not a tolerance: HiGHS's lower bound on ipm_optimality_tolerance
_GUROBI_MIN_TOL = 1e-9  # not a tolerance: Gurobi's lower bound on FeasibilityTol and OptimalityTol


def _highs_tol(tol: float) -> dict:
    """HiGHS's feasibility and optimality tolerances at `tol`, and a MILP's gaps: relative `tol`, absolute `tol` up
    to MIP_ABS_GAP (HiGHS's default; in the model's units). At HiGHS's default mip_rel_gap (1e-4) a 14-item
    knapsack stopped at 7,511,171 for 7,511,247 (1.0e-5 below) at any tol. `mip_rel_gap=` / `mip_abs_gap=` passed
    to solve() override them."""
    feasibility = max(tol, _HIGHS_MIN_DUAL_TOL)  # HiGHS takes none below 1e-10 (a retry's tightened 1e-12 raised)
    return {
        "primal_feasibility_tolerance": feasibility,
        "dual_feasibility_tolerance": feasibility,
        "ipm_optimality_tolerance": max(tol, _HIGHS_MIN_IPM_TOL),
        "mip_feasibility_tolerance": feasibility,
        "mip_rel_gap": tol,
        "mip_abs_gap": min(tol, MIP_ABS_GAP),
    }


def _highs_ipm_tol(tol: float) -> dict:
    """As `_highs_tol`, with the crossover's dual feasibility 100 times tighter: HiGHS checks it on its own
    scaled LP, and at the solve tolerance a crossover basis can leave reduced costs that are 1e-7 of
    their column's magnitude (BDHN's full-rule LP, m = 60: the certificate fails at 6e-7; at tol / 100
    it passes at 1e-14, in the same time). HiGHS takes no dual tolerance below 1e-10."""
    return {**_highs_tol(tol), "dual_feasibility_tolerance": max(tol / 100, _HIGHS_MIN_DUAL_TOL)}


def _highs_pdlp_tol(tol: float) -> dict:
    """PDLP stops at PDLP_TOL (a first-order method's tolerance, at least `tol`); the crossover's simplex
    then holds the basis to `tol`, as `_highs_ipm_tol` does for the interior point."""
    return {**_highs_ipm_tol(tol), "pdlp_optimality_tolerance": max(tol, PDLP_TOL)}


# ---------------------------------------------------------------------------------------------- options
@functools.lru_cache(maxsize=1)
def _highs_names() -> frozenset[str]:
    """Every option name HiGHS documents (`HighsOptions`), plus the advanced ones `setOptionValue` takes."""
    try:
        import highspy
    except ImportError:
        return frozenset()
    names = {a for a in dir(highspy.HighsOptions()) if not a.startswith("_")}
    return frozenset(names | {"mip_feasibility_tolerance", "highs_options", "verbose"})


def _highs_known(name: str) -> bool:
    if name in _highs_names():
        return True
    try:
        import highspy
    except ImportError:
        return False
    silence_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return bool(h.getOptionType(name)[0] == highspy.HighsStatus.kOk)


class _HighsNames(frozenset):
    """HiGHS's option names: membership asks HiGHS itself (it also takes undocumented advanced options)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _highs_known(name)


def _highs_all() -> frozenset[str]:
    return _HighsNames(_highs_names())


def _clarabel_names() -> frozenset[str]:
    try:
        import clarabel
    except ImportError:
        return frozenset()
    return frozenset({a for a in dir(clarabel.DefaultSettings()) if not a.startswith("_")}
                     | {"use_quad_obj", "accept_unknown"})


_ECOS = frozenset({"feastol", "abstol", "reltol", "feastol_inacc", "abstol_inacc", "reltol_inacc", "max_iters",
                   "nitref", "verbose"})
_SCS = frozenset({"max_iters", "eps_abs", "eps_rel", "eps_infeas", "alpha", "scale", "adaptive_scale", "normalize",
                  "rho_x", "acceleration_lookback", "acceleration_interval", "time_limit_secs", "write_data_filename",
                  "log_csv_filename", "use_indirect", "gpu", "mkl", "verbose", "warm_start", "use_quad_obj"})
_SCIPY_NESTED = frozenset({"method", "maxiter", "disp", "presolve", "time_limit", "dual_feasibility_tolerance",
                           "primal_feasibility_tolerance", "ipm_optimality_tolerance", "mip_rel_gap", "node_limit",
                           "simplex_dual_edge_weight_strategy", "autoscale", "tol", "rr", "rr_method"})

#: Fragments of option names that are numeric tolerances or limits (what `safe_options` lets through).
_TOLERANCE_WORDS = ("tol", "eps", "gap")
_LIMIT_WORDS = ("time_limit", "timelimit", "max_iter", "maxiter", "iteration_limit", "node_limit", "max_nodes")


def _kind(name: str) -> str | None:
    low = name.lower()
    if "file" in low:
        return "path"
    if any(w in low for w in _LIMIT_WORDS):
        return "limit"
    if any(w in low for w in _TOLERANCE_WORDS):
        return "tolerance"
    return None


def _check_value(backend: str, name: str, value: Any) -> None:
    kind = _kind(name)
    if kind not in ("tolerance", "limit"):
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{name}: option of {backend} must be a number, got {value!r}")
    low = name.lower()
    zero_ok = "gap" in low or (kind == "limit" and "time" not in low)  # mip_rel_gap=0, max_iter=0 mean something
    if math.isnan(value) or value < 0 or (value == 0 and not zero_ok) or (kind == "tolerance" and math.isinf(value)):
        need = "finite" if kind == "tolerance" else ""
        need = f"a {need} {'non-negative' if zero_ok else 'positive'} number".replace("  ", " ")
        raise InputError(f"{name}: option of {backend} must be {need}, got {value!r}")


def check_options(backend: Backend, options: Mapping[str, Any]) -> None:
    """Each option a name `backend` documents and, for tolerances and limits, a positive number;
    otherwise an InputError naming the option and the backend."""
    for name, value in options.items():
        if not isinstance(name, str):
            raise InputError(f"options: option names must be strings, got {name!r}")
        if backend.option_names is not None and name not in backend.option_names() and name not in backend.nested:
            raise InputError(f"{name}: not an option of {backend.name}; see its documentation "
                             f"(tol= sets its tolerances)")
        if name in backend.nested:
            if not isinstance(value, Mapping):
                raise InputError(f"{name}: option of {backend.name} must be a dict of options, got {value!r}")
            allowed = backend.nested[name]()
            for inner, v in value.items():
                if not isinstance(inner, str) or inner not in allowed:
                    raise InputError(f"{name}[{inner!r}]: not an option of {backend.name}")
                _check_value(backend.name, inner, v)
            continue
        _check_value(backend.name, name, value)


def safe_options(backend: str | Backend, options: Mapping[str, Any]) -> dict:
    """`options` checked for use from a data file (instance files): only numeric tolerances and limits,
    never a path or any other option; an InputError names the first one that is not."""
    b = backend if isinstance(backend, Backend) else get(backend)
    if not isinstance(options, Mapping):
        raise InputError(f"options: expected a table of solver options, got {type(options).__name__}")
    check_options(b, options)
    flat: list[tuple[str, Any]] = []
    for name, value in options.items():
        flat.extend(value.items() if name in b.nested and isinstance(value, Mapping) else [(name, value)])
    for name, value in flat:
        if _kind(name) not in ("tolerance", "limit") or isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{name}: only numeric tolerances and limits may come from a file "
                             f"(no paths, no other {b.name} options)")
    return dict(options)


def _pdlp_tol(tol: float) -> dict:
    """PDLP (OR-Tools) stops on relative and absolute optimality residuals: both set to `tol`."""
    from ortools.pdlp import solvers_pb2

    params = solvers_pb2.PrimalDualHybridGradientParams()
    criteria = params.termination_criteria.simple_optimality_criteria
    criteria.eps_optimal_relative = tol
    criteria.eps_optimal_absolute = tol
    return {"parameters_proto": params}


#: the options cvxpy's PDLP interface reads (`parameters_proto`: an OR-Tools PrimalDualHybridGradientParams)
_PDLP = frozenset({"parameters_proto", "time_limit_sec"})


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    """Add (or replace) a backend; names are case-insensitive."""
    _REGISTRY[backend.name.upper()] = backend
    return backend


_HIGHS_OPTIONS: dict[str, Any] = {"option_names": _highs_all, "nested": {"highs_options": _highs_all}}

for _backend in (
    Backend("HIGHS", "HIGHS", duals=True, integers=True, accuracy="vertex", tolerance_options=_highs_tol,
            **_HIGHS_OPTIONS),  # LPs and MILPs only: its path reads a linear standard form (cvxpy's takes QPs)
    # HiGHS's interior point with crossover: vertex duals still, often faster on large dense LPs
    Backend("HIGHS_IPM", "HIGHS", duals=True, integers=False, accuracy="vertex", tolerance_options=_highs_ipm_tol,
            defaults={"highs_options": {"solver": "ipm", "run_crossover": "on"}}, **_HIGHS_OPTIONS),
    # HiGHS's first-order PDLP to PDLP_TOL, then a crossover to an optimal basis (`highs.run`): vertex duals
    Backend("HIGHS_PDLP", "HIGHS", duals=True, integers=False, accuracy="vertex", tolerance_options=_highs_pdlp_tol,
            defaults={"highs_options": {"solver": "pdlp", "pdlp_iteration_limit": PDLP_ITERATIONS}}, **_HIGHS_OPTIONS),
    Backend(
        "CLARABEL", "CLARABEL", duals=True, integers=False, accuracy="interior",
        tolerance_options=lambda tol: {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol},
        absolute=("tol_gap_abs", "tol_feas"), option_names=_clarabel_names, cones=_ALL_CONES,
    ),
    Backend(
        "ECOS", "ECOS", duals=True, integers=False, accuracy="interior",
        tolerance_options=lambda tol: {"abstol": tol, "reltol": tol, "feastol": tol},
        defaults={"max_iters": 500}, absolute=("abstol", "feastol"), option_names=lambda: _ECOS,
        cones=frozenset({"quadratic", "second-order", "exponential"}),
    ),
    Backend(
        "SCS", "SCS", duals=True, integers=False, accuracy="first-order",
        tolerance_options=lambda tol: {"eps_abs": tol, "eps_rel": tol},
        defaults={"max_iters": 200_000}, absolute=("eps_abs",), option_names=lambda: _SCS, cones=_ALL_CONES,
    ),
    Backend(
        "SCIPY", "SCIPY", duals=True, integers=True, accuracy="vertex",
        tolerance_options=lambda tol: {"scipy_options": {"primal_feasibility_tolerance": tol,
                                                         "dual_feasibility_tolerance": tol}},
        option_names=lambda: frozenset(), nested={"scipy_options": lambda: _SCIPY_NESTED},
    ),
    Backend("GLPK", "GLPK", duals=True, integers=False, accuracy="vertex"),
    Backend("GLPK_MI", "GLPK_MI", duals=False, integers=True, accuracy="vertex"),
    Backend("CBC", "CBC", duals=False, integers=True, accuracy="vertex"),
    Backend("SCIP", "SCIP", duals=False, integers=True, accuracy="vertex", cones=_QP_SOC, integer_cones=_QP_SOC),
    Backend("GUROBI", "GUROBI", duals=True, integers=True, accuracy="vertex",
            tolerance_options=lambda tol: {"FeasibilityTol": max(tol, _GUROBI_MIN_TOL),
                                           "OptimalityTol": max(tol, _GUROBI_MIN_TOL)},
            cones=_QP_SOC, integer_cones=_QP_SOC),
    Backend("MOSEK", "MOSEK", duals=True, integers=True, accuracy="interior", cones=_ALL_CONES,
            integer_cones=_ALL_CONES - {"psd"}),
    # first-order LP solvers (cvxpy's interfaces): duals of ~tol accuracy, not vertices
    Backend("PDLP", "PDLP", duals=True, integers=False, accuracy="first-order", tolerance_options=_pdlp_tol,
            option_names=lambda: _PDLP),
    # NVIDIA cuOpt: PDLP on the GPU for LPs (duals), branch and bound for MILPs (no duals there);
    # `optimality` sets its relative and absolute tolerances; its many parameters are not checked here
    Backend("CUOPT", "CUOPT", duals=True, integers=True, accuracy="first-order",
            tolerance_options=lambda tol: {"optimality": tol}, gpu=True, cones=_QP_SOC),
):
    register(_backend)


def available() -> list[str]:
    """Names of the registered backends whose solver is installed."""
    return [name for name, backend in _REGISTRY.items() if backend.installed]


def registered() -> dict[str, Backend]:
    return dict(_REGISTRY)


def get(name: str | None, *, integers: bool = False) -> Backend:
    """The backend for `name` (default HiGHS), checked to be installed and able to handle the model."""
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise UnknownSolverError(f"solver: expected the name of a backend, got {name!r}; "
                                 f"available: {', '.join(available())}")
    key = (name or DEFAULT_SOLVER).strip().upper()
    backend = _REGISTRY.get(key)
    if backend is None:
        raise UnknownSolverError(f"solver: unknown solver '{name}'; available: {', '.join(available())}")
    if not backend.installed:
        raise UnknownSolverError(
            f"solver: '{backend.name}' is registered but not installed; available: {', '.join(available())}"
        )
    if integers and not backend.integers:
        milp = [n for n in available() if _REGISTRY[n].integers]
        raise CapabilityError(
            f"solver: '{backend.name}' cannot handle integer variables; MILP-capable: {', '.join(milp)}"
        )
    return backend


def resolve(name: str | None, model: Any) -> Backend:
    """The backend that solves `model` (an `optmarkets.Model`): `name`, checked to take the model's cones,
    or with no name HiGHS for an LP or a MILP, the first installed of PSD_DEFAULTS for a model with PSD
    cones and of CONIC_DEFAULTS for anything else (a QP, second-order, exponential or power cones:
    `cvxpy_internals.model_cones`). A backend that
    cannot take a cone raises CapabilityError naming the cone, where it comes from, and who can take it."""
    from .cvxpy_internals import model_cones

    integers = model.has_integers
    needs = model_cones(model.problem, {id(f.constraint): n for n, f in model.families.items()})  # an LP's: {}
    if name is not None or not needs:
        backend = get(name, integers=integers)
        takes = backend.integer_cones if integers else backend.cones
        missing = [c for c in CONES if c in needs and c not in takes]
        if missing:
            raise CapabilityError(f"solver: {backend.name} cannot take {_needs_text(needs, missing, integers)}; "
                                  f"{_who_takes(needs, integers)}")
        return backend
    for candidate in (*(PSD_DEFAULTS if "psd" in needs else CONIC_DEFAULTS), *_REGISTRY):
        backend = _REGISTRY[candidate]
        if backend.installed and set(needs) <= (backend.integer_cones if integers else backend.cones):
            return backend
    raise CapabilityError(f"solver: no installed solver takes {_needs_text(needs, list(needs), integers)}; "
                          f"{_who_takes(needs, integers)}")


def _needs_text(needs: Mapping[str, list[str]], cones: list[str], integers: bool) -> str:
    parts = [f"{_CONE_WORDS[c]} (from {'; '.join(needs[c])})" for c in cones]
    return ("integer variables with " if integers else "") + " or ".join(parts)


def _who_takes(needs: Mapping[str, list[str]], integers: bool) -> str:
    able = [b for b in _REGISTRY.values() if set(needs) <= (b.integer_cones if integers else b.cones)]
    installed = [b.name for b in able if b.installed]
    others = [b.name for b in able if not b.installed]
    said = f"installed solvers that can: {', '.join(installed) or 'none'}"
    return said + (f" (also, when installed: {', '.join(others)})" if others else "")


def cone_table() -> list[dict[str, Any]]:
    """One row per registered backend: installed, duals, integers, accuracy, and a column per cone family
    (`CONES`): "yes", "+int" (with integer variables too) or "" (cannot take it)."""
    rows = []
    for b in _REGISTRY.values():
        row: dict[str, Any] = dict(name=b.name, installed=b.installed, duals=b.duals, integers=b.integers,
                                   accuracy=b.accuracy)
        for cone in CONES:
            row[cone] = "+int" if cone in b.integer_cones else "yes" if cone in b.cones else ""
        rows.append(row)
    return rows


def milp_solvers() -> list[str]:
    """Installed backends that accept integer variables."""
    return [n for n in available() if _REGISTRY[n].integers]


_banner_done = False


def silence_highs_banner() -> None:
    """HiGHS prints a copyright banner on the first `Highs()` of a process; take it once, quietly."""
    global _banner_done
    if _banner_done:
        return
    _banner_done = True
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
