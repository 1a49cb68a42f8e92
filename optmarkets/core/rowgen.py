"""Row generation: solve an LP whose largest constraint families are added lazily (`RowGeneration`).

A model declares *lazy* families: ordinary families over every row (so labels, `model.size()` and a
plain solve of the full LP stay what they were), each with a starting subset of its rows. The
strategy solves the *restricted* LP (the model with only the selected rows of each lazy family) on
the one path `solve.run`, computes every lazy row's violation at its solution as one sparse
matrix-vector product, adds the violated rows (per group, the `per_group` most violated: e.g. a
deviator's best price), and repeats until no lazy row is violated by more than `ROWGEN_TOL` times
its row's magnitude (sum |a_ij x_j| + |b_i|, the certificate's measure).

The restricted LP is a relaxation, so its optimum bounds the full LP's; a point that also satisfies
every lazy row is feasible for the full LP, and its dual extended by zeros on the rows never added
is dual feasible for the full LP with the same value: a certified optimum of the full LP. The
Solution says so: its certificate is the restricted LP's with each lazy family's violation
recomputed over ALL its rows, and its prices for a lazy family are full-length (zeros on rows never
added), labelled like the full family's. `sol.outputs["row_generation"]` gives the rounds and rows.

Lazy families must be affine inequalities without Parameters (their row matrix is extracted once
per model structure, with cvxpy's public `grad`). Each round compiles the restricted program once.
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

from .certificate import certify
from .errors import InputError, SolverFailedError
from .family import Family
from .solve import Request, apply_derived, check_accuracy, duals_and_prices, run

if TYPE_CHECKING:
    from .model import Model
    from .solution import Solution

#: a lazy row is added when it is violated by more than this times its row's magnitude
ROWGEN_TOL = 1e-9
#: rounds before giving up (each adds at least one row, so this only bounds pathological cases)
ROWGEN_MAX_ROUNDS = 200


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
        variables = [v.var for v in model.variables.values()]
        masks = {name: _start(model, name, spec) for name, spec in self.lazy.items()}
        start = time.perf_counter()
        history: list[dict[str, int]] = []
        compile_s = solver_s = 0.0
        for _ in range(self.rounds):
            restricted, selected = _restricted(model, rows, masks, variables)
            sol = run(restricted, request.but(certify=False, warm_start=False), derive=False)
            compile_s += sol.timings.get("compile", 0.0)
            solver_s += sol.timings.get("solver", 0.0)
            history.append({name: int(mask.sum()) for name, mask in masks.items()})
            x = _stacked(variables)
            added = 0
            for name, spec in self.lazy.items():
                viol, _ = _violation(rows[name], x)
                new = _select(viol, masks[name], spec)
                masks[name][new] = True
                added += new.size
            if added == 0:
                break
        else:
            raise SolverFailedError(model.name, sol.solver, "row_generation",
                                    f"lazy rows still violated after {self.rounds} rounds")
        # the restricted LP's duals, extended by zeros, are the full LP's: write them to the full families
        for name, fam in model.families.items():
            if name in rows:
                full = np.zeros(fam.lhs.size)
                if name in restricted.families:
                    full[selected[name]] = np.asarray(restricted.families[name].constraint.dual_value,
                                                      float).ravel()
                fam.constraint.save_dual_value(full.reshape(fam.lhs.shape, order="F") if fam.lhs.ndim else full)
        sol.model, sol._model = model.name, model
        sol.duals, sol.prices = duals_and_prices(model)
        if request.certify:
            cert = certify(restricted)  # the restricted LP's standard form, from its last solve
            for name in rows:  # each lazy family's violation over ALL its rows
                viol, rel = _violation(rows[name], x)
                cert.violations[name] = float(max(0.0, viol.max(initial=0.0)))
                cert.relative[f"violation[{name}]"] = rel
            cert.notes.append(f"row generation: lazy families {list(rows)} certified over all their rows "
                              f"({len(history)} rounds)")
            sol.certificate = cert
            check_accuracy(model.name, sol.solver, sol, request)
        apply_derived(model, sol)
        sol.outputs["row_generation"] = pd.DataFrame(history, index=pd.RangeIndex(1, len(history) + 1,
                                                                                  name="round"))
        sol.timings = {"compile": compile_s, "solver": solver_s, "total": time.perf_counter() - start}
        return sol


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
            out[name] = _Rows(D, abs(D), np.broadcast_to(c, (fam.lhs.size,)).copy(), sign)
        cache[key] = out
    return cache[key]  # type: ignore[no-any-return]


def _stacked(variables: list[cp.Variable]) -> np.ndarray:
    return np.concatenate([np.asarray(v.value, float).ravel(order="F") for v in variables])


def _violation(rows: _Rows, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Each row's violation (>= 0 when violated) and the family's largest violation relative to its
    rows' magnitude (as the certificate measures it: max over rows of sum |a_ij x_j| + |b_i|, at least
    max |a_ij| max |x_j|)."""
    viol = -rows.sign * (rows.D @ x + rows.c)
    magnitude = rows.absD @ np.abs(x) + np.abs(rows.c)
    scale = max(float(magnitude.max(initial=0.0)),
                float(rows.absD.max()) * float(np.abs(x).max(initial=0.0)) if rows.absD.nnz else 0.0)
    worst = float(max(0.0, viol.max(initial=0.0)))
    return viol, worst / scale if scale > 1e-300 else worst


def _select(viol: np.ndarray, mask: np.ndarray, spec: Lazy) -> np.ndarray:
    """Rows to add: violated beyond ROWGEN_TOL of the family's magnitude, not yet held; per group the
    `per_group` most violated."""
    scale = max(float(np.abs(viol).max(initial=0.0)), 1e-300)
    cand = np.flatnonzero((viol > ROWGEN_TOL * scale) & ~mask)
    if cand.size == 0 or spec.groups is None:
        return cand
    groups = np.asarray(spec.groups)[cand]
    order = np.lexsort((-viol[cand], groups))  # by group, most violated first
    cand, groups = cand[order], groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    rank = np.arange(cand.size) - np.repeat(first, np.diff(np.r_[first, cand.size]))
    return cand[rank < spec.per_group]


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
