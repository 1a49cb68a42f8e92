"""Row generation: solve an LP whose largest constraint families are added lazily (`RowGeneration`).

A model declares *lazy* families: ordinary families over every row (so labels, `model.size()` and a
plain solve of the full LP stay what they were), each with a starting subset of its rows. The
strategy solves the *restricted* LP (the model with only the selected rows of each lazy family),
computes every lazy row's violation at its solution as one sparse matrix-vector product, adds the
violated rows (per group, the `per_group` most violated: e.g. a deviator's best price), and repeats
until no row left out is violated by more than `ROWGEN_TOL` times ITS OWN magnitude (sum_j |a_ij x_j| +
|b_i|, at least max_j |a_ij| max |x_v|, v the variable of entry j: a row ~0 at the point is judged by
its coefficients; the certificate's measure). A row is never judged against another row's slack: a
family with one row of right-hand side 1e5 would otherwise hide a row violated by a third of its size.

A restricted LP that is unbounded says nothing about the full LP while rows are left out: those the
solver's ray increases (on HiGHS; every row left out where no ray is at hand) are added and the
rounds go on. Only an unbounded LP holding every row is reported (UnboundedError).

The restricted LP is a relaxation, so its optimum bounds the full LP's; a point that also satisfies
every lazy row is feasible for the full LP, and its dual extended by zeros on the rows never added
is dual feasible for the full LP with the same value: a certified optimum of the full LP. The
Solution's prices for a lazy family are full-length (zeros on rows never added), labelled like the
full family's; `sol.outputs["row_generation"]` gives the rows each family held in each round.

On HiGHS (the default) every round runs on ONE persistent solver (`solvers.rowgen_highs`, through
the seam): the model without its lazy families (the *base* program) is compiled once by cvxpy and
loaded once; each round appends only the newly added rows and re-runs the dual simplex from the basis
HiGHS holds. At the end cvxpy unpacks the base program (its families' duals come back as from a plain
solve), and the certificate is computed on the FULL LP's standard form (the base's rows and every
lazy row, `_full_form`): every row's violation, the dual residuals and the gap of the extended dual.
Other backends solve each round's restricted program on the one path `solve.run` (compiled per
round); their certificate is the restricted LP's with each lazy family's violation recomputed over
ALL its rows.

Lazy families must be affine inequalities without Parameters (their row matrix is extracted once
per model structure, with cvxpy's public `grad`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .certificate import LinearForm, certify, homogeneous_floor
from .errors import InputError, SolveError, SolverFailedError
from .family import Family
from .seam import solvers
from .solution import Certificate, Solution
from .solve import (
    Request,
    apply_derived,
    backend_and_options,
    check_accuracy,
    checked,
    duals_and_prices,
    parameter_values,
    primal_values,
    raise_on_failure,
    run,
)
from .tolerances import DIVISION_FLOOR, RETRY_TIGHTEN, ROWGEN_TOL

if TYPE_CHECKING:
    from .model import Model

#: rounds before giving up (each adds at least one row, so this only bounds pathological cases)
ROWGEN_MAX_ROUNDS = 200
#: statuses of a restricted LP that may be the relaxation's unboundedness, not the full LP's
_MAYBE_UNBOUNDED = ("unbounded", "unbounded_inaccurate", "infeasible_or_unbounded")


@dataclass(frozen=True)
class Lazy:
    """A lazy family: `start(model)` gives the boolean mask (F-order over the family's rows) of the rows
    the first restricted LP holds; `groups` (one integer per row, or None) makes each round add only
    the `per_group` most violated rows of a group (None: every violated row)."""

    start: Callable[[Model], np.ndarray] | np.ndarray
    groups: np.ndarray | None = None
    per_group: int = 1


@dataclass
class _Rows:
    """A lazy family as data: lhs - rhs = D x + c over the stacked variables (each F-order)."""

    D: sp.csr_matrix
    absD: sp.csr_matrix
    c: np.ndarray
    sign: float  # +1 for >=: slack = sign * (D x + c)
    #: per row and variable (columns in stacking order) the largest |a_ij| over the variable's entries j
    coefficient: np.ndarray
    sizes: tuple[int, ...]  # each variable's number of entries, in stacking order


@dataclass
class RowGeneration:
    """Solve the model by adding the rows of its lazy families as they are violated (module docstring)."""

    lazy: Mapping[str, Lazy]
    keywords: ClassVar[tuple[str, ...]] = ()
    rounds: int = field(default=ROWGEN_MAX_ROUNDS)

    def solve(self, model: Model, request: Request, **keywords: Any) -> Solution:
        from .strategies import with_default  # strategies imports this module

        request = with_default(model, request)
        rows = _row_data(model, self.lazy)
        masks = {name: _start(model, name, spec) for name, spec in self.lazy.items()}
        backend, options = backend_and_options(model, request)
        session = None
        if backend.cvxpy_name == "HIGHS" and model.is_lp:
            model.write_parameters()
            variables = [v.var for v in model.variables.values()]
            session = solvers().row_generation(_base_problem(model, rows), variables, options,
                                               verbose=request.verbose)
        if session is None:
            return self._by_programs(model, request, rows, masks, backend.name)
        start = time.perf_counter()

        def attempt(kind: str) -> Solution:  # each attempt from the starting rows
            # "tight": the session's scaling is fixed by the starting rows, so a row added later with a rhs far
            # below theirs (1 beside 1e10) is held only to HiGHS's tolerance at their scale: tighter tolerances
            chosen = backend_and_options(model, request, RETRY_TIGHTEN)[1] if kind == "tight" else options
            held = session if kind == "first" else solvers().row_generation(
                _base_problem(model, rows), variables, chosen, verbose=request.verbose, geometric=True)
            if held is None:
                raise SolverFailedError(model.name, backend.name, "row_generation", "no session to retry in")
            return self._in_session(model, request, rows, {n: m.copy() for n, m in masks.items()}, held,
                                    backend.name)

        sol = checked(model.name, backend.name, request, True, attempt, ("geometric", "tight"))
        apply_derived(model, sol)
        sol.timings["total"] = time.perf_counter() - start
        return sol

    def _in_session(self, model: Model, request: Request, rows: dict[str, _Rows], masks: dict[str, np.ndarray],
                    session: Any, solver: str) -> Solution:
        """Every round on one persistent solver: append the new rows, re-run from the held basis (the
        Solution before its accuracy check and derived outputs)."""
        history: list[dict[str, int]] = []
        appended: list[tuple[str, np.ndarray]] = []  # (family, its rows) in the solver's order

        def append(name: str, new: np.ndarray) -> None:
            if new.size:  # cvxpy's orientation of `lhs >= rhs` / `lhs <= rhs`: -sign (D x + c) <= 0
                r = rows[name]
                session.add(-r.sign * r.D[new], r.sign * r.c[new])
                appended.append((name, new))

        for name, mask in masks.items():
            append(name, np.flatnonzero(mask))
        for _ in range(self.rounds):
            history.append({name: int(mask.sum()) for name, mask in masks.items()})
            status = session.run()
            if status in _MAYBE_UNBOUNDED:  # the relaxation's ray: add the rows that cut it off
                bounding = _bounding_rows(rows, masks, session.ray())
                for name, new in bounding.items():
                    masks[name][new] = True
                    append(name, new)
                if bounding:
                    continue
            raise_on_failure(model.name, solver, status, explain=model if request.explain else None)
            x = session.point()
            added = 0
            for name, spec in self.lazy.items():
                new = _select(*_violation(rows[name], x), masks[name], spec)
                masks[name][new] = True
                append(name, new)
                added += new.size
            if added == 0:
                break
        else:
            raise SolverFailedError(model.name, solver, "row_generation",
                                    f"lazy rows still violated after {self.rounds} rounds")
        duals = session.finish()  # cvxpy writes the point and the base families' duals
        full = {name: np.zeros(model.families[name].lhs.size) for name in rows}
        offset = 0
        for name, held in appended:  # the appended rows' duals, zeros on rows never added
            full[name][held] = duals[offset:offset + held.size]
            offset += held.size
        _save_duals(model, full)
        sol = Solution(model=model.name, status=status, value=float(session.problem.value), solver=solver,
                       primal=primal_values(model), duals={}, prices={},
                       certificate=Certificate(), parameters=parameter_values(model),
                       sense=model.sense, units=model.units, _model=model)
        sol.duals, sol.prices = duals_and_prices(model)
        # always certified, whatever `certify` says: the certificate decides the scaling retry (`solve.run`)
        sol.certificate = certify(model, _full_form(model, session.form, rows))
        sol.certificate.notes.append(
            f"row generation: certified on the full LP's standard form, every row of the lazy families "
            f"{list(rows)} ({len(history)} rounds, {offset} of {sum(r.c.size for r in rows.values())} "
            "lazy rows held)")
        sol.outputs["row_generation"] = _history(history)
        sol.timings = {"compile": session.compile_seconds, "solver": session.solver_seconds}
        return sol

    def _by_programs(self, model: Model, request: Request, rows: dict[str, _Rows],
                     masks: dict[str, np.ndarray], solver: str) -> Solution:
        """Each round's restricted program compiled and solved through `solve.run` (non-HiGHS backends)."""
        variables = [v.var for v in model.variables.values()]
        start = time.perf_counter()
        history: list[dict[str, int]] = []
        compile_s = solver_s = 0.0
        for _ in range(self.rounds):
            restricted, selected = _restricted(model, rows, masks, variables)
            try:
                sol = run(restricted, request.but(certify=False, warm_start=False), derive=False)
            except SolveError as error:  # no ray here: every row left out is added
                bounding = _bounding_rows(rows, masks, None) if error.status in _MAYBE_UNBOUNDED else {}
                if not bounding:
                    raise
                history.append({name: int(mask.sum()) for name, mask in masks.items()})
                for name, new in bounding.items():
                    masks[name][new] = True
                continue
            compile_s += sol.timings.get("compile", 0.0)
            solver_s += sol.timings.get("solver", 0.0)
            history.append({name: int(mask.sum()) for name, mask in masks.items()})
            x = _stacked(variables)
            added = 0
            for name, spec in self.lazy.items():
                new = _select(*_violation(rows[name], x), masks[name], spec)
                masks[name][new] = True
                added += new.size
            if added == 0:
                break
        else:
            raise SolverFailedError(model.name, solver, "row_generation",
                                    f"lazy rows still violated after {self.rounds} rounds")
        # the restricted LP's duals, extended by zeros, are the full LP's: write them to the full families
        full = {}
        for name in rows:
            full[name] = np.zeros(model.families[name].lhs.size)
            if name in restricted.families:
                full[name][selected[name]] = np.asarray(restricted.families[name].constraint.dual_value,
                                                        float).ravel()
        _save_duals(model, full)
        sol.model, sol._model = model.name, model
        sol.duals, sol.prices = duals_and_prices(model)
        if request.certify:
            cert = certify(restricted)  # the restricted LP's standard form, from its last solve
            for name in rows:  # each lazy family's violation over ALL its rows
                viol, magnitude = _violation(rows[name], x)
                cert.violations[name] = float(max(0.0, viol.max(initial=0.0)))
                cert.relative[f"violation[{name}]"] = _worst_relative(viol, magnitude)
            cert.notes.append(f"row generation: lazy families {list(rows)} certified over all their rows "
                              f"({len(history)} rounds)")
            sol.certificate = cert
            check_accuracy(model.name, sol.solver, sol, request)
        apply_derived(model, sol)
        sol.outputs["row_generation"] = _history(history)
        sol.timings = {"compile": compile_s, "solver": solver_s, "total": time.perf_counter() - start}
        return sol


def _history(history: list[dict[str, int]]) -> pd.DataFrame:
    """The rows each lazy family held in each round."""
    return pd.DataFrame(history, index=pd.RangeIndex(1, len(history) + 1, name="round"))


def _save_duals(model: Model, full: dict[str, np.ndarray]) -> None:
    """Write full-length duals (F-order) onto the lazy families, in cvxpy's convention."""
    for name, dual in full.items():
        fam = model.families[name]
        fam.constraint.save_dual_value(dual.reshape(fam.lhs.shape, order="F") if fam.lhs.ndim else dual)


def _base_problem(model: Model, rows: dict[str, _Rows]) -> cp.Problem:
    """The model without its lazy families, built once per model structure (its constraints are the
    model's own: cvxpy's unpacking writes their duals onto the model's families)."""
    key = ("row_generation base", tuple(rows))
    cache = model._structure.programs
    if key not in cache:
        objective = model.objective
        if objective is None:
            raise InputError(f"objective: model '{model.name}' has none")
        goal = cp.Maximize(objective) if model.sense == "max" else cp.Minimize(objective)
        cache[key] = cp.Problem(goal, [f.constraint for n, f in model.families.items() if n not in rows])
    return cache[key]  # type: ignore[no-any-return]


def _full_form(model: Model, base: LinearForm, rows: dict[str, _Rows]) -> LinearForm:
    """The full LP's standard form: the base program's rows with every lazy family's rows put where
    cvxpy would stack them (equality families first, then inequalities, each in declaration order),
    lazy rows in cvxpy's orientation -sign (D x + c) <= 0."""
    columns = np.concatenate([base.columns[v.var.id] + np.arange(v.var.size) for v in model.variables.values()])
    A = sp.csr_matrix(base.A)
    blocks: list[sp.csr_matrix] = []
    bounds: list[np.ndarray] = []
    at = 0  # the next base row
    for equality in (True, False):
        for name, fam in model.families.items():
            if (fam.sense == "==") != equality:
                continue
            if name in rows:
                r = rows[name]
                blocks.append(sp.csr_matrix((-r.sign * r.D.data, columns[r.D.indices], r.D.indptr),
                                            shape=(r.D.shape[0], A.shape[1])))
                bounds.append(r.sign * r.c)
            else:
                size = int(fam.lhs.size)
                blocks.append(A[at:at + size])
                bounds.append(np.asarray(base.b, float)[at:at + size])
                at += size
    return LinearForm(c=base.c, offset=base.offset, A=sp.csc_matrix(sp.vstack(blocks, format="csr")),
                      b=np.concatenate(bounds), n_eq=base.n_eq, columns=base.columns, orientation=base.orientation)


def _start(model: Model, name: str, spec: Lazy) -> np.ndarray:
    fam = model.families[name]
    mask = spec.start(model) if callable(spec.start) else spec.start
    mask = np.asarray(mask, bool).ravel(order="F")
    if mask.size != fam.lhs.size:
        raise InputError(f"lazy family '{name}': start mask has {mask.size} entries, the family {fam.lhs.size} rows")
    return mask.copy()


def _row_data(model: Model, lazy: Mapping[str, Lazy]) -> dict[str, _Rows]:
    """Each lazy family's row matrix over the stacked variables, once per model structure."""
    key = ("row_generation", tuple(lazy))
    cache = model._structure.programs
    if key not in cache:
        variables = [v.var for v in model.variables.values()]
        out = {}
        for name in lazy:
            if name not in model.families:
                raise InputError(f"lazy family '{name}': not a family of model '{model.name}'")
            fam = model.families[name]
            expr = fam.lhs - fam.rhs
            if fam.sense == "==" or not expr.is_affine() or expr.parameters():
                raise InputError(f"lazy family '{name}': must be an affine inequality without Parameters")
            saved = [var.value for var in variables]  # grad needs values; the constant is lhs - rhs at 0
            try:
                for var in variables:
                    var.value = np.zeros(var.shape)
                grads = expr.grad or {}
                c = np.asarray(expr.value, float).ravel(order="F")
            finally:
                for var, value in zip(variables, saved):
                    var.value = value
            blocks = []
            for var in variables:
                g = grads.get(var)
                blocks.append(sp.csr_matrix((fam.lhs.size, var.size)) if g is None
                              else sp.csr_matrix(sp.csc_matrix(g).T))
            D = sp.hstack(blocks, format="csr")
            sign = 1.0 if fam.sense == ">=" else -1.0
            coefficient = np.column_stack([np.zeros(fam.lhs.size)] + [
                np.asarray(abs(b).max(axis=1).todense(), float).ravel() if b.nnz else np.zeros(fam.lhs.size)
                for b in blocks])[:, 1:]  # the zeros column keeps the shape when there are no variables
            out[name] = _Rows(D, abs(D), np.broadcast_to(c, (fam.lhs.size,)).copy(), sign, coefficient,
                              tuple(int(var.size) for var in variables))
        cache[key] = out
    return cache[key]  # type: ignore[no-any-return]


def _stacked(variables: list[cp.Variable]) -> np.ndarray:
    return np.concatenate([np.asarray(v.value, float).ravel(order="F") for v in variables])


def _violation(rows: _Rows, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's violation (>= 0 when violated) and its own magnitude (`_row_magnitude`, > 0)."""
    viol = -rows.sign * (rows.D @ x + rows.c)
    return viol, np.maximum(_row_magnitude(rows, x), DIVISION_FLOOR)


def _row_magnitude(rows: _Rows, x: np.ndarray) -> np.ndarray:
    """Each row's own magnitude at x, as the certificate measures it: sum_j |a_ij x_j| + |b_i|, at least
    max_j |a_ij| max |x_v| where the row is homogeneous (v the variable of entry j: a row ~0 at the point, its
    variables at 0, is judged by its coefficients, each at its own variable's scale; a row with a rhs of its own
    by that rhs, not by a large entry elsewhere in its variables)."""
    absx = np.abs(x)
    ends = np.cumsum(rows.sizes, dtype=np.int64)
    scale = np.array([absx[end - size:end].max(initial=0.0) for size, end in zip(rows.sizes, ends)])
    floor = (rows.coefficient * scale).max(axis=1, initial=0.0)
    data = np.abs(rows.c)
    return np.maximum(rows.absD @ absx + data, homogeneous_floor(floor, data))


def _worst_relative(viol: np.ndarray, magnitude: np.ndarray) -> float:
    """The family's largest violation, each row's relative to its own magnitude."""
    return float(max(0.0, (viol / magnitude).max(initial=0.0)))


def _select(viol: np.ndarray, magnitude: np.ndarray, mask: np.ndarray, spec: Lazy) -> np.ndarray:
    """Rows to add: not yet held and violated beyond ROWGEN_TOL of their own magnitude (never another
    row's: a large slack elsewhere must not hide them); per group the `per_group` most violated."""
    cand = np.flatnonzero((viol > ROWGEN_TOL * magnitude) & ~mask)
    if cand.size == 0 or spec.groups is None:
        return cand
    groups = np.asarray(spec.groups)[cand]
    order = np.lexsort((-viol[cand], groups))  # by group, most violated first
    cand, groups = cand[order], groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    rank = np.arange(cand.size) - np.repeat(first, np.diff(np.r_[first, cand.size]))
    return cand[rank < spec.per_group]


def _bounding_rows(rows: dict[str, _Rows], masks: dict[str, np.ndarray],
                   ray: np.ndarray | None) -> dict[str, np.ndarray]:
    """The rows to add when the restricted LP is unbounded: those left out that the ray d increases
    (their violation grows along d); where there is no ray, or it increases none, every row left out
    (the full LP decides). Empty when every row is held: the unboundedness is then the full LP's."""
    out: dict[str, np.ndarray] = {}
    if ray is not None:
        for name, r in rows.items():
            growth = -r.sign * (r.D @ ray)
            new = np.flatnonzero((growth > ROWGEN_TOL * (r.absD @ np.abs(ray))) & ~masks[name])
            if new.size:
                out[name] = new
    if not out:
        out = {name: np.flatnonzero(~mask) for name, mask in masks.items() if not mask.all()}
    return out


def _restricted(model: Model, rows: dict[str, _Rows], masks: dict[str, np.ndarray],
                variables: list[cp.Variable]) -> tuple[Model, dict[str, np.ndarray]]:
    """The model with only the selected rows of each lazy family (the others: the model's own Family
    objects, so their duals land on the model)."""
    from .model import Model as _Model

    stage = _Model(f"{model.name} [restricted]", sense=model.sense, units=model.units)
    stage.variables = dict(model.variables)
    stage.parameters = dict(model.parameters)
    stage._values = dict(model._values)
    stage.solver_defaults = model.solver_defaults
    stage.default_solver = model.default_solver
    x = cp.hstack([cp.vec(v, order="F") for v in variables])
    selected = {}
    for name, fam in model.families.items():
        if name not in rows:
            stage.constrain(name, fam)
            continue
        sel = np.flatnonzero(masks[name])
        selected[name] = sel
        r = rows[name]
        if sel.size == 0:
            continue
        lhs = r.D[sel] @ x
        stage.constrain(name, Family(lhs, fam.sense, cp.Constant(-r.c[sel]), None, fam.description))
    objective = model.objective
    if objective is None:
        raise InputError(f"objective: model '{model.name}' has none")
    if model.sense == "max":
        stage.maximize(objective)
    else:
        stage.minimize(objective)
    return stage, selected
