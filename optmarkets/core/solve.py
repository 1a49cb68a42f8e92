"""The one solve path: every model, every stage of a selection chain and every candidate of a
best-of program is solved by `run`.

`run` owns what a solve means in optmarkets, in this order: the backend and its options (the
model's per-backend defaults, then the caller's), the parameter values, the solver call (through the
solver layer's seam), typed errors for every non-optimal status, the labelled primal values, the
duals turned into prices (one sign convention, below), the certificate, the derived outputs and the
timings. Strategies (`core.strategies`) decide *which* programs to run; they never call a solver.

Price convention: for a family `lhs (<=|>=|==) rhs`, price = d(optimal value)/d(rhs), so
price = PRICE_SIGN[(objective sense, family sense)] * cvxpy's dual.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from .certificate import certify, remember
from .errors import InfeasibleError, InputError, OptmarketsError, SolveError, SolverFailedError, UnboundedError
from .family import PRICE_SIGN, LabelledValues
from .seam import solvers
from .solution import Certificate, Solution
from .tolerances import (
    CERT_PER_TOL,
    CERT_TOL,
    INTERIOR_COLUMN_TOL,
    NEAR_ACTIVE_PRICE,
    RETRY_MIN_SECONDS,
    RETRY_TIGHTEN,
    RETRY_TIME_FACTOR,
    SOLVE_TOL,
)

if TYPE_CHECKING:
    from .model import Model

_OPTIMAL = ("optimal", "optimal_inaccurate")  # inaccurate ones: `check_accuracy` decides
# only a proven status is typed as such: "infeasible_inaccurate" and "unbounded_inaccurate" are failures
_INFEASIBLE = ("infeasible",)
_UNBOUNDED = ("unbounded",)


@dataclass(frozen=True)
class Request:
    """How the caller asked for a solve: one object that strategies pass on unchanged."""

    solver: str | None = None
    tol: float | None = None
    verbose: bool = False
    certify: bool = True
    warm_start: bool = False
    options: dict = field(default_factory=dict)
    #: return an inaccurate or uncertified solve (status kept, `certificate.ok()` False) instead of raising
    accept_inaccurate: bool = False
    #: name the conflicting families of an infeasible model (an IIS); off for a strategy's inner
    #: programs, where infeasibility is an expected answer (a disjunctive candidate, a relaxed stage)
    explain: bool = True

    def but(self, **changes: Any) -> Request:
        return replace(self, **changes)


def backend_and_options(model: Model, request: Request, tighten: float = 1.0) -> tuple[Any, dict]:
    """The backend for the request and the options it gets: the model's defaults, then the caller's
    (`tighten`: the tolerance multiplied by it, for a retry). No solver named (by the request or the
    model's `default_solver`): HiGHS for LPs and MILPs, Clarabel for QPs and conic models; a named one
    that cannot take the model's cones raises CapabilityError naming the cone (`solvers.registry.resolve`)."""
    backend = solvers().resolve(request.solver if request.solver is not None else model.default_solver, model)
    defaults = dict(model.solver_defaults.get(backend.name, {}))
    tol = check_tol(request.tol) if request.tol is not None else defaults.pop("tol", SOLVE_TOL)
    defaults.pop("tol", None)
    return backend, backend.options(tol * tighten, **{**defaults, **request.options})


#: The loosest solver tolerance `solve(tol=...)` accepts.
MAX_TOL = 1e-2


def check_tol(tol: Any) -> float:
    """`tol` as a float: a finite number in (0, MAX_TOL], or an InputError naming it."""
    if isinstance(tol, bool) or not isinstance(tol, int | float | np.floating | np.integer):
        raise InputError(f"tol: must be a number in (0, {MAX_TOL:g}], got {tol!r}")
    value = float(tol)
    if not math.isfinite(value) or not 0.0 < value <= MAX_TOL:
        raise InputError(f"tol: must be a finite number in (0, {MAX_TOL:g}], got {tol!r}")
    return value


def check_request(request: Request) -> Request:
    """The request's own fields checked (solver name and options are the solver layer's to check)."""
    if request.tol is not None:
        check_tol(request.tol)
    for name in ("verbose", "certify", "warm_start", "accept_inaccurate"):
        if not isinstance(getattr(request, name), bool | np.bool_):
            raise InputError(f"{name}: must be True or False, got {getattr(request, name)!r}")
    return request


def run(model: Model, request: Request, *, derive: bool = True) -> Solution:
    """Solve `model` once and return its Solution (raise a typed error on any non-optimal status).

    A HiGHS LP is always certified, `certify=False` or not: its certificate is computed on the
    standard form HiGHS received (a few per cent of the solve) and is what tells a right answer from a
    wrong one. One whose answer fails it is solved again, cold: scaled by geometric-mean passes
    instead of Ruiz (`solvers.scaling.geometric_factors`: data whose rows mix magnitudes, values in
    units of 2^-30 next to probabilities, are then solved right), then with its tolerances
    RETRY_TIGHTEN times tighter (a bound held within HiGHS's tolerance by a variable that is ~0
    everywhere), each within RETRY_TIME_FACTOR times the first solve's time; the certificate notes say
    which. A certified answer with a column's reduced cost large beside its own terms
    (`column_dual_infeasibility`: data of 1e-6 beside data of 1e6) is retried the same way and kept,
    with a note, when no retry does better (on the simplex only: an interior point's retries cost
    seconds). Only a certificate that still fails raises.
    `certify=False` skips the certificate only where it costs a computation of its own (other backends)."""
    backend, options = backend_and_options(model, request)
    model.write_parameters()
    structure = model._structure
    warm = None
    if request.warm_start and backend.cvxpy_name == "HIGHS" and not model.has_integers:
        if structure.warm is None:
            structure.warm = solvers().warm_session()
        warm = structure.warm
    start = time.perf_counter()
    rescalable = backend.cvxpy_name == "HIGHS" and not model.has_integers
    # an interior point's answer is as accurate as its stopping gap: x to ~sqrt(gap) where the objective
    # is curved, so prices of a log or an entropy need a tighter gap than the value does
    interior = backend.accuracy == "interior" and not model.has_integers

    first_seconds: list[float] = []

    def attempt(kind: str) -> Solution:
        if kind == "first":
            began = time.perf_counter()
            try:
                return _attempt(model, request, backend, options, warm)
            finally:
                first_seconds.append(time.perf_counter() - began)
        if kind == "no_presolve":  # HiGHS's presolve can call a barely feasible LP infeasible at tight tolerances
            return _attempt(model, request, backend, {**options, "presolve": "off"}, None)
        # a retry may cost a few first solves, not more (geometric scaling can slow an interior point 20x)
        budget = max(RETRY_TIME_FACTOR * first_seconds[0], RETRY_MIN_SECONDS)
        tighten = {"tight": RETRY_TIGHTEN, "tighter": RETRY_TIGHTEN ** 2, "rescaled": RETRY_TIGHTEN ** 2}.get(kind)
        chosen = backend_and_options(model, request, tighten)[1] if tighten is not None else options
        limited = {**chosen, "time_limit": min(float(chosen.get("time_limit", math.inf)), budget)} \
            if _has_time_limit(backend) else chosen
        return _attempt(model, request, backend, limited, None, kind in ("geometric", "rescaled"))

    # a column flag alone is retried on the simplex (a few ms); an interior point's retries cost seconds
    sol = checked(model.name, backend.name, request, rescalable or interior, attempt,
                  RETRIES if rescalable else INTERIOR_RETRIES, columns=backend.name == "HIGHS" or interior,
                  unchecked=interior, column_tol=INTERIOR_COLUMN_TOL if interior and not rescalable else None,
                  confirm=rescalable)
    if derive:
        apply_derived(model, sol)
    sol.timings["total"] = time.perf_counter() - start
    return sol


#: The retries of a HiGHS LP whose certificate fails, in order (see `run`), and how each is noted.
RETRIES = ("geometric", "tight")
#: An interior point's retries (Clarabel, ECOS, ...): its tolerances RETRY_TIGHTEN^2 times tighter, then also
#: (Clarabel) its columns scaled by the answer before (`solvers.conic_scaling`), twice, each held to the same
#: certificate; the first one it passes is kept. Measured: an Eisenberg-Gale market at supply x1e-6 needs the
#: column scaling, costly persuasion near its no-information corner the other (scaling by an answer with
#: entries ~0 there stalls Clarabel); prices then right to 3e-7 where the first answer's were off by 2e-5.
INTERIOR_RETRIES = ("tighter", "rescaled", "rescaled")
_TIGHTENED = ("tight", "tighter", "rescaled")
_RETRY_NOTE = {"geometric": "re-solved with geometric scaling",
               "tight": f"re-solved with its tolerances {1 / RETRY_TIGHTEN:g} times tighter",
               "tighter": f"re-solved with its tolerances {RETRY_TIGHTEN ** -2:g} times tighter",
               "rescaled": f"re-solved with its tolerances {RETRY_TIGHTEN ** -2:g} times tighter and its columns "
                           "scaled by the answer before"}


def _has_time_limit(backend: Any) -> bool:
    """Whether the backend takes a `time_limit` option (HiGHS, Clarabel): a retry's time is capped by it."""
    names = backend.option_names() if backend.option_names is not None else frozenset()
    return "time_limit" in names


def checked(model: str, solver: str, request: Request, rescalable: bool,
            attempt: Callable[[str], Solution], retries: tuple[str, ...] = RETRIES, *,
            columns: bool = True, unchecked: bool = False, column_tol: float | None = None,
            confirm: bool = False) -> Solution:
    """`attempt("first")`, held to its certificate (`check_accuracy`); where it fails and `rescalable`
    (HiGHS LPs), `attempt(kind)` for each kind of `retries` until one is certified, noted in its
    certificate (none is: the first answer's failure is raised). `columns`: a certified answer whose
    `column_dual_infeasibility` is large is retried too, and kept with a note when no retry is sound.
    `unchecked` (interior points): an answer whose dual residuals could not be computed (no gradient at the
    point: an entropy at a zero cell) is re-solved once with the first retry's tighter tolerances, which its
    prices then have (costly persuasion's were 9e-5 off, certified on the primal residuals alone).
    `column_tol` (interior points): the column check's tolerance: a small term beside a large one in the
    objective (R log x0 + log x1, R = 1e9) is below the solver's scaled tolerance, and the answer's x1 was 0.68
    where it is 1, certified on the whole; a retry whose columns pass is preferred (there: the exact answer),
    else the first certified one, with a note.
    `confirm` (HiGHS LPs): an 'infeasible' or 'unbounded' verdict stands only if `attempt("no_presolve")` agrees
    (a segmentation with a value of mass 1e-9 was called infeasible by presolve; it has an optimum).
    The one place the solve path retries: `run` and row generation (`core.rowgen`) both come here."""
    try:
        sol = attempt("first")
    except (InfeasibleError, UnboundedError) as claim:
        if not confirm:
            raise
        try:
            sol = attempt("no_presolve")
        except SolveError:
            sol = _unproved_unbounded(model, solver, claim, attempt)
        else:
            sol.certificate.notes.append(f"HiGHS called the LP {claim.status} with presolve; solved again without "
                                         "it, it has this optimum")

    def sound(answer: Solution) -> bool:
        return _sound(answer, request, column_tol)

    blind = unchecked and sol.certificate.computed and any(
        note.startswith("dual residuals not computed") for note in sol.certificate.notes)
    if rescalable and (blind or not (_certified(sol, request) if not columns else sound(sol))):
        name, worst = sol.certificate.worst() if not _certified(sol, request) else \
            ("column_dual_infeasibility", sol.certificate.column_dual_infeasibility or 0.0) if not blind else \
            ("dual residuals (not computed)", math.nan)
        chosen: tuple[str, Solution] | None = None
        fallback: tuple[str, Solution] | None = None  # certified, its column flag standing
        last = sol
        for kind in retries[:1] if blind and _certified(sol, request) else retries:
            try:
                again = attempt(kind)
            except SolveError:
                continue
            last = again
            if sound(again) if columns else _certified(again, request):
                chosen = (kind, again)
                break
            if columns and fallback is None and _certified(again, request):
                fallback = (kind, again)
        if chosen is None and fallback is not None and (blind or not _certified(sol, request)):
            chosen = fallback  # certified relative to the data's magnitude, where the first is not (or is unchecked)
        kept = chosen[1] if chosen is not None else sol
        if kept is not last:  # the model holds the last attempt's values: solve the kept one again
            kept = attempt(chosen[0] if chosen is not None else "first")
        sol = kept
        if chosen is not None:
            kind = chosen[0]
            if kind in _TIGHTENED and sol.status == "optimal_inaccurate":
                # short of the tightened tolerance, within the one asked for: the certificate says so
                sol.status = "optimal"
                sol.certificate.notes.append("the solver called the tightened solve inaccurate; its "
                                             "certificate holds at the tolerance asked for")
            sol.certificate.notes.append(f"{_RETRY_NOTE[kind]}: the first answer's certificate failed "
                                         f"({name} {worst:.3g})" if not math.isnan(worst) else
                                         f"{_RETRY_NOTE[kind]}: the first answer's duals could not be checked")
        if columns and _certified(sol, request) and not sound(sol):
            near = sol.certificate.near_active_price
            sol.certificate.notes.append(
                f"a row that is slack carries a price of {near:.3g} of the objective's magnitude after every retry "
                "(an interior point's mu / slack: the prices of rows near active are uncertain by that much)"
                if column_tol is not None and near is not None and near > NEAR_ACTIVE_PRICE else
                f"a column's reduced cost is {sol.certificate.column_dual_infeasibility:.3g} of its own terms (its "
                "data small beside the largest), after every retry; the answer is certified relative to the data's "
                "magnitude")
    check_accuracy(model, solver, sol, request)
    return sol


def _unproved_unbounded(model: str, solver: str, claim: SolveError, attempt: Callable[[str], Solution]) -> Solution:
    """`claim` raised again, unless it says 'unbounded' and no ray proves it (`UnboundedError.ray`: the LP is
    bounded, HiGHS misled by data spanning 1e10: a mechanism's revenue, bounded by its welfare, was called
    unbounded): then the geometric retry's optimum, with a note, or a SolverFailedError saying so."""
    if not isinstance(claim, UnboundedError):
        raise claim from None
    try:
        ray = claim.ray()
    except OptmarketsError:
        raise claim from None
    if ray.verified:
        raise claim from None
    try:
        sol = attempt("geometric")
    except SolveError:
        raise SolverFailedError(model, solver, claim.status,
                                f"HiGHS called the LP unbounded but no ray proves it ({ray.reason}); the data may "
                                "span too many magnitudes: rescale them, or try another solver") from None
    sol.certificate.notes.append(f"HiGHS called the LP unbounded, but no ray proves it ({ray.reason}); re-solved "
                                 "with geometric scaling, it has this optimum")
    return sol


def _attempt(model: Model, request: Request, backend: Any, options: dict, warm: Any,
             rescale: bool = False) -> Solution:
    """One solver call and the Solution it gives (labels, prices, certificate, the call's timings);
    typed errors raised for non-optimal statuses."""
    structure = model._structure
    outcome = solvers().execute(model.problem, backend, options, model=model.name, verbose=request.verbose,
                                warm=warm, rescale=rescale)
    if outcome.program is None or outcome.program is not structure.last_program:
        structure.compilations += 1
        structure.last_program = outcome.program
    remember(model, getattr(outcome, "form", None))  # the standard form the certificate is computed on
    _confirm_with_reference(model, request, backend, outcome.status)
    raise_on_failure(model.name, backend.name, outcome.status, explain=model if request.explain else None)
    sol = Solution(
        model=model.name, status=outcome.status, value=outcome.value + 0.0, solver=backend.name,
        primal=primal_values(model), duals=LabelledValues(), prices=LabelledValues(),
        certificate=Certificate(), parameters=parameter_values(model),
        sense=model.sense, units=model.units, _model=model, _basis=outcome.basis,
        _hidden=hidden_values(model) if outcome.basis is None else None,
    )
    if not model.has_integers and backend.duals:
        sol.duals, sol.prices = duals_and_prices(model)
    form = getattr(outcome, "form", None)
    # on the form HiGHS received it costs ~2%; an interior point's answer is as good as its stopping gap: both
    # decide the retry, so they are certified whatever `certify` says (a sweep's conic prices were 1e-3 off)
    interior = backend.accuracy == "interior" and not model.has_integers
    if request.certify or form is not None or interior:
        sol.certificate = certify(model, form)
    if model.has_integers and backend.cvxpy_name == "HIGHS":  # how far from proven optimal a MILP's answer is
        note = solvers().mip_gap_note(model.problem)
        if note is not None:
            sol.certificate.notes.append(note)
    sol.timings = {"compile": outcome.compile_seconds, "solver": outcome.solver_seconds,
                   "cvxpy_wall": outcome.wall_seconds}
    return sol


def _confirm_with_reference(model: Model, request: Request, backend: Any, status: str) -> None:
    """A named solver's "infeasible" or "unbounded" is confirmed by the reference backend of the model's
    class (HiGHS for an LP, Clarabel for a conic model: what `solve()` with no solver uses) before it is
    raised as such: where the reference finds an optimum the claim is a SolverFailedError naming both
    (ECOS calls an Eisenberg-Gale market with budgets of 1e8 unbounded)."""
    if status not in _INFEASIBLE + _UNBOUNDED:
        return
    reference = solvers().resolve(None, model)
    if reference.name == backend.name:
        return
    try:
        ref_backend, options = backend_and_options(model, request.but(solver=reference.name, tol=None, options={}))
        outcome = solvers().execute(model.problem, ref_backend, options, model=model.name)
    except OptmarketsError:  # no second opinion: the named solver's status stands
        return
    if outcome.status == "optimal":
        raise SolverFailedError(model.name, backend.name, status,
                                f"{backend.name} calls it {status}, but {reference.name}, the reference for this "
                                f"model's class, finds an optimum ({outcome.value:.6g}); solve with "
                                f"solver={reference.name!r}")


def accepted_residual(request: Request) -> float:
    """The largest relative residual a certificate may show: CERT_TOL, or more for a loose `tol`
    (a caller who asks for tol = 1e-4 accepts residuals of that order)."""
    return CERT_TOL if request.tol is None else max(CERT_TOL, CERT_PER_TOL * request.tol)


def _certified(sol: Solution, request: Request) -> bool:
    """Whether `sol` passes (or was not asked for) its certificate."""
    cert = sol.certificate
    return not cert.computed or cert.ok(accepted_residual(request))


def _sound(sol: Solution, request: Request, column_tol: float | None = None) -> bool:
    """Certified, and no column's reduced cost large beside its own terms (`column_dual_infeasibility`:
    at a HiGHS vertex, a sign the basis is not optimal even where the data's magnitude hides it; `column_tol`:
    another tolerance for it, an interior point's)."""
    column = sol.certificate.column_dual_infeasibility
    limit = accepted_residual(request) if column_tol is None else max(column_tol, accepted_residual(request))
    near = sol.certificate.near_active_price if column_tol is not None else None  # interior points only
    return _certified(sol, request) and (column is None or column <= limit) and (
        near is None or near <= NEAR_ACTIVE_PRICE)


def check_accuracy(model: str, solver: str, sol: Solution, request: Request) -> None:
    """An inaccurate status or a certificate that is not ok raises SolverFailedError, naming the worst
    relative residual, unless the caller asked for inaccurate solutions (`accept_inaccurate=True`)."""
    if request.accept_inaccurate:
        if sol.status != "optimal":
            sol.certificate.notes.append(f"status {sol.status}: returned because accept_inaccurate=True")
        return
    cert = sol.certificate
    accept = accepted_residual(request)
    if cert.computed and not cert.ok(accept):
        name, worst = cert.worst()
        raise SolverFailedError(model, solver, sol.status,
                                f"the recomputed certificate fails: {name} is {worst:.3g} relative to the "
                                f"data's magnitude (> {accept:g}); try another solver, a tighter tol, or "
                                "accept_inaccurate=True to get the point anyway")
    if sol.status != "optimal":
        raise SolverFailedError(model, solver, sol.status,
                                "the solver stopped before reaching its tolerance (iteration or time limit); "
                                "raise the limit, try another solver, or pass accept_inaccurate=True")


def raise_on_failure(model: str, solver: str, status: str, *, explain: Model | None = None) -> None:
    """Raise the typed error of a non-optimal `status`. `explain`: the model solved, or None; when given,
    an infeasible model's conflicting families are named (an IIS) and the error keeps its frozen copy
    (`Model.snapshot()`) for `InfeasibleError.farkas()` / `UnboundedError.ray()`."""
    if status in _OPTIMAL:
        return
    frozen = explain.snapshot() if explain is not None and status in _INFEASIBLE + _UNBOUNDED else None
    if status in _INFEASIBLE:
        conflict = solvers().explain_infeasible(explain) if explain is not None else None
        if conflict is None or not conflict.names:
            raise InfeasibleError(model, solver, status, "no point satisfies every constraint family", snapshot=frozen)
        raise InfeasibleError(model, solver, status,
                              f"no point satisfies every constraint family; these conflict: {conflict}",
                              conflict=conflict.names, rows=conflict.rows, snapshot=frozen)
    if status in _UNBOUNDED:
        raise UnboundedError(model, solver, status, "the objective is unbounded", snapshot=frozen)
    raise SolverFailedError(model, solver, status, "try another solver or a looser tol")


def primal_values(model: Model) -> LabelledValues:
    """The shown variables' current values (copied: a later solve writes new ones), labelled on read."""
    out = LabelledValues()
    for name, v in model.variables.items():
        if v.show:
            out.defer(name, np.array(v.var.value, dtype=float), v.labels)
    return out


def hidden_values(model: Model) -> dict[str, np.ndarray]:
    """The hidden (show=False) variables' current values, copied, in their own shapes."""
    return {name: np.array(v.var.value, dtype=float) for name, v in model.variables.items()
            if not v.show and v.var.value is not None}


def parameter_values(model: Model) -> LabelledValues:
    """The parameter values of this solve, labelled on read."""
    out = LabelledValues()
    for name, p in model.parameters.items():
        out.defer(name, model.value_of(name), p.labels)
    return out


def duals_and_prices(model: Model) -> tuple[LabelledValues, LabelledValues]:
    """cvxpy's raw duals and the prices d(value)/d(rhs) of every family, labelled on read."""
    duals, prices = LabelledValues(), LabelledValues()
    for name, fam in model.families.items():
        raw = fam.constraint.dual_value
        if raw is None:
            continue
        dual = np.array(raw, dtype=float)
        duals.defer(name, dual, fam.labels)
        prices.defer(name, PRICE_SIGN[(model.sense, fam.sense)] * dual + 0.0, fam.labels)  # + 0.0: no -0.0
    return duals, prices


def apply_derived(model: Model, sol: Solution) -> None:
    """The model's derived outputs and prices, computed from the Solution in declaration order (lazy
    ones when first read)."""
    if not isinstance(sol.outputs, LabelledValues):
        sol.outputs = LabelledValues(sol.outputs)
    if not isinstance(sol.prices, LabelledValues):
        sol.prices = LabelledValues(sol.prices)
    for name, d in model.derived.items():
        if d.kind == "bundle":
            parts: Any = d.fn(sol)
            sol.outputs.update(parts.get("outputs", {}))
            sol.prices.update(parts.get("prices", {}))
            continue
        target = sol.outputs if d.kind == "output" else sol.prices
        if d.lazy:
            target.defer_call(name, partial(d.fn, sol))
        else:
            target[name] = d.fn(sol)
