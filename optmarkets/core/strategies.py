"""Solve strategies: which programs to run for one `Model.solve()`, all on the one path `solve.run`.

* `Plain`: the model's own program (the default).
* `Lexicographic`: a selection among the optima. Stage 1 solves the model; stage k maximises goal k
  subject to the model's families and every earlier goal kept within a relative slack of its
  optimum. The stages share one derived program (compiled once per model structure: the goals
  are a vector G, the stage objective is weight @ G, the floors a Parameter), so the chain costs
  one compilation and len(goals) re-solves. Prices are stage 1's (an optimal dual of the model),
  the primal is the last stage's (an optimal primal of the model): together still a certified pair.
  On HiGHS LPs the stages run on one persistent HiGHS (`solvers.chain`, through the seam): the
  model's own standard form, just solved, plus one row per goal is loaded once; stage 1 starts
  from the model solve's optimal basis (the goal rows basic), and each later stage swaps the costs
  and the floor rows' bounds and re-runs from the previous stage's optimal basis. Same chain,
  same slack; other backends solve each stage through `solve.run`.
* `RowGeneration` (`core.rowgen`): the model's lazy families (IC, obedience or deviation rows) are
  added as they are violated; the answer is certified against every row of the full LP.
* `BestOf`: the best of candidate programs, one per value of a Parameter (e.g. one LP per candidate
  dual vertex of a follower's problem: a disjunctive program solved exactly).

`face_ranges` gives [min, max] of expressions over the optimal face, with the same derived program.
A model's `default_solver` (a backend name measured per paper, e.g. "HIGHS_IPM") is used when
`solve()` names none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import cvxpy as cp
import numpy as np
import pandas as pd

from .certificate import objective_magnitude
from .errors import CapabilityError, InfeasibleError, InputError, SolverFailedError
from .family import Family
from .rowgen import Lazy, RowGeneration
from .seam import solvers
from .solve import (
    Request,
    apply_derived,
    backend_and_options,
    check_accuracy,
    hidden_values,
    primal_values,
    raise_on_failure,
    run,
)
from .tolerances import LEX_RELAX, LEX_SLACK, LEX_SLACK_INTERIOR, TIE_TOL

if TYPE_CHECKING:
    from .model import Model
    from .solution import Solution


__all__ = ["PLAIN", "BestOf", "Lazy", "Lexicographic", "Plain", "RowGeneration", "Strategy", "face_ranges"]


class Strategy(Protocol):
    keywords: ClassVar[tuple[str, ...]]  # keyword arguments of Model.solve that belong to the strategy

    def solve(self, model: Model, request: Request, **keywords: Any) -> Solution: ...


class Plain:
    """Solve the model's own program."""

    keywords: ClassVar[tuple[str, ...]] = ()

    def solve(self, model: Model, request: Request, **keywords: Any) -> Solution:
        chosen = with_default(model, request)
        try:
            return run(model, chosen)
        except SolverFailedError as failure:
            if request.solver is not None:  # the caller's own solver: its failure is the answer
                raise
            # no solver named, and the default failed outright or its answer failed the certificate: another that
            # takes the model may certify its answer (BDHN's rule form at values x 1e-6: the interior point's
            # solver_error, the simplex optimal; max c.x s.t. |x|^2 <= 1e-3: Clarabel's prices 5e-5 off, ECOS's right)
            for name in _fallbacks(model, failure.solver):
                try:
                    sol = run(model, request.but(solver=name))
                except (SolverFailedError, CapabilityError):
                    continue
                why = "its answer failed the certificate" if failure.status.startswith("optimal") else failure.status
                sol.certificate.notes.append(f"the default solver {failure.solver} failed ({why}); solved with "
                                             f"{sol.solver}")
                return sol
            raise


def _fallbacks(model: Model, failed: str) -> list[str]:
    """The solvers tried, in order, after the default `failed`: the class's reference (HiGHS for an LP, Clarabel for
    a cone), then for a conic model ECOS and SCS (each only where it takes the model's cones)."""
    names = [solvers().resolve(None, model).name]
    if not model.is_lp:
        names += list(CONIC_FALLBACKS)
    return [name for name in dict.fromkeys(names) if name != failed]


#: the conic solvers a failed default falls back on, in order (ECOS's interior point is accurate where Clarabel's
#: SOC form of a sum of squares is not; SCS takes PSD cones)
CONIC_FALLBACKS = ("ECOS", "SCS")


PLAIN = Plain()


def with_default(model: Model, request: Request) -> Request:
    """The request with the model's `default_solver` where the caller named no solver."""
    default = getattr(model, "default_solver", None)
    return request.but(solver=default) if request.solver is None and default else request


# ---------------------------------------------------------------------------------------------- best of
@dataclass
class BestOf:
    """The best of the programs obtained by binding `parameter` to each row of `candidates`.

    The Solution is the winning program's, with `outputs["candidate"]` its label and
    `outputs["candidate_values"]` every candidate's optimal value (NaN where infeasible).
    """

    parameter: str
    candidates: pd.DataFrame
    keywords: ClassVar[tuple[str, ...]] = ()

    def solve(self, model: Model, request: Request, **keywords: Any) -> Solution:
        request = with_default(model, request)
        best: tuple[object, Solution] | None = None
        values: dict[object, float] = {}
        sign = 1.0 if model.sense == "max" else -1.0
        for label, row in self.candidates.iterrows():
            try:
                sol = run(model.bind(**{self.parameter: row.to_numpy()}), request.but(explain=False), derive=False)
            except InfeasibleError:
                values[label] = np.nan
                continue
            values[label] = sol.value
            if best is None or sign * (sol.value - best[1].value) > TIE_TOL * max(1.0, abs(best[1].value)):
                best = (label, sol)
        if best is None:
            backend, _ = backend_and_options(model, request)
            raise InfeasibleError(model.name, backend.name, "infeasible", "every candidate program is infeasible")
        label, sol = best
        sol.outputs["candidate"] = label
        sol.outputs["candidate_values"] = pd.Series(values, name="value").rename_axis(self.candidates.index.name)
        apply_derived(model, sol)
        return sol


# ---------------------------------------------------------------------------------------------- lexicographic
Goals = Callable[["Model"], cp.Expression]  # the model -> a vector of goals, each to be maximised in turn


@dataclass
class Lexicographic:
    """Select among the model's optima by maximising goals in turn (see the module docstring).

    rules: rule name -> a function of the model returning the goal vector (negate to minimise);
    default: the rule used when `solve()` gets none (`rule=None` there: the solver's vertex);
    free: a function of the model giving a lower bound no goal ever reaches (unfixed floors).
    """

    rules: Mapping[str, Goals]
    default: str | None
    free: Callable[[Model], float]
    keywords: ClassVar[tuple[str, ...]] = ("rule",)

    def solve(self, model: Model, request: Request, rule: str | None = "default", **keywords: Any) -> Solution:
        rule = self.default if rule == "default" else rule
        if rule is not None and rule not in self.rules:
            raise InputError(f"rule: must be one of {tuple(self.rules)} or None, got {rule!r}")
        request = with_default(model, request)
        sol = run(model, request.but(certify=False), derive=False)
        if rule is not None:
            backend, _ = backend_and_options(model, request)
            program = _stage_program(model, ("rule", rule), self.rules[rule], fix_goals=True, free=self.free)
            magnitude = max(abs(sol.value), objective_magnitude(model))  # the slack is relative to the data
            fast = program.session(model, request)  # one persistent HiGHS for every stage, or None
            sign = 1.0 if model.sense == "max" else -1.0
            relax = program.chain(model, request, sign * sol.value, _slack(backend), magnitude, fast)
            sol.outputs["selection_slack"] = relax * _slack(backend)
            sol.primal = primal_values(model)
            sol._basis = None  # stage 1's basis is not the selected point's: exact() starts at the point
            sol._hidden = hidden_values(model)
        if request.certify or sol.certificate.computed:  # (HiGHS: stage 1 was certified whatever `certify` says)
            if rule is not None or not sol.certificate.computed:  # the selected point, with stage 1's prices
                sol.certificate = model.certify()
            check_accuracy(model.name, sol.solver, sol, request)
        apply_derived(model, sol)
        sol.outputs["rule"] = rule
        return sol


def face_ranges(model: Model, request: Request, name: str, expressions: Goals, optimum: float,
                index: pd.Index | None = None) -> pd.DataFrame:
    """[low, high] of each entry of `expressions(model)` over the model's optimal face
    (objective within the lexicographic slack of `optimum`): 2 re-solves per entry."""
    request = with_default(model, request)
    backend, _ = backend_and_options(model, request)
    program = _stage_program(model, ("range", name), expressions, fix_goals=False, free=lambda m: 0.0)
    sign = 1.0 if model.sense == "max" else -1.0
    magnitude = max(abs(optimum), objective_magnitude(model))
    lo, hi = program.ranges(model, request, sign * optimum - _slack(backend) * magnitude)
    return pd.DataFrame({"low": lo, "high": hi}, index=index)


def _slack(backend: Any) -> float:
    """The selection's relative slack: LEX_SLACK for HiGHS (simplex, or interior point with crossover:
    vertex solutions either way), LEX_SLACK_INTERIOR for the other backends."""
    return LEX_SLACK if backend.cvxpy_name == "HIGHS" else LEX_SLACK_INTERIOR


@dataclass
class _StageProgram:
    """max weight @ G  s.t. the model's families, objective >= floor0 and G >= floor (G: the goals).

    Goals hold no Parameters, so the weighted objective stays DPP (one compilation for every stage).
    """

    stage: Model
    size: int  # number of goals
    free: float = field(default=0.0)
    goals: cp.Expression | None = None  # G, in the model's variables

    def _solve(self, model: Model, request: Request, weight: np.ndarray, floor0: float, floor: np.ndarray) -> float:
        self.stage._values.update(model._values)
        self.stage.set(weight=weight, floor0=np.array([floor0]), floor=floor)
        return run(self.stage, request.but(certify=False, warm_start=False, explain=False), derive=False).value

    def session(self, model: Model, request: Request) -> Any:
        """The solver layer's persistent chain (HiGHS LPs), or None: then each stage is a `run` of the
        stage program. It is built from `model`'s own standard form, just solved, and starts from that
        solve's optimal basis (the stage program itself is never compiled)."""
        backend, options = backend_and_options(self.stage, request)
        if backend.cvxpy_name != "HIGHS" or request.verbose or not self.stage.is_lp or self.goals is None:
            return None
        variables = [v.var for v in model.variables.values()]
        return solvers().selection_chain(model.problem, self.goals, variables, options)

    def chain(self, model: Model, request: Request, optimum: float, slack: float, magnitude: float,
              fast: Any = None) -> float:
        """Maximise each goal in turn; `magnitude`, the objective's, makes the slack relative to the data.
        `fast`: the solver layer's persistent chain (`session`), else each stage is a `run`.

        A stage infeasible by round-off (stage 1 solved the model, so every stage is feasible) is
        retried alone with the earlier goals fixed more loosely (the next factor of LEX_RELAX, kept for
        the later stages); returns the factor used."""
        values, scales = np.zeros(self.size), np.zeros(self.size)
        backend, _ = backend_and_options(self.stage, request)
        level = 0
        for k in range(self.size):
            while True:
                relax = LEX_RELAX[level]
                floor0 = optimum - slack * relax * magnitude
                floor = np.full(self.size, self.free)
                floor[:k] = values[:k] - slack * relax * scales[:k]
                try:
                    values[k], stage_magnitude = self._stage(model, request, backend, fast, k, floor0, floor,
                                                             cold_retry=level > 0)
                    break
                except InfeasibleError as exc:
                    if level == len(LEX_RELAX) - 1:
                        raise SolverFailedError(model.name, backend.name, exc.status,
                                                "a stage of the lexicographic selection found no point within "
                                                "the relaxed slack of the optimum (the model itself solved); "
                                                "try rule=None or another solver") from None
                    level += 1
            scales[k] = max(abs(values[k]), stage_magnitude, magnitude)
        if fast is not None:
            fast.write_back()
        return LEX_RELAX[level]

    def _stage(self, model: Model, request: Request, backend: Any, fast: Any, k: int, floor0: float,
               floor: np.ndarray, cold_retry: bool) -> tuple[float, float]:
        """Stage k's optimum G_k and the stage objective's magnitude (InfeasibleError if none found);
        a failed warm stage is re-solved cold only when `cold_retry` (after a first relaxation)."""
        if fast is None:
            value = self._solve(model, request, np.eye(self.size)[k], floor0, floor)
            return value, objective_magnitude(self.stage)
        stage = fast.stage(k, floor0, floor, cold_retry=cold_retry)
        raise_on_failure(self.stage.name, backend.name, stage.status)  # typed, as `run` raises
        if stage.status != "optimal":
            raise SolverFailedError(self.stage.name, backend.name, stage.status,
                                    "a stage of the selection stopped before its tolerance")
        return stage.value, stage.magnitude

    def ranges(self, model: Model, request: Request, floor0: float) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.empty(self.size), np.empty(self.size)
        floor = np.full(self.size, self.free)
        for j in range(self.size):
            e = np.eye(self.size)[j]
            hi[j] = self._solve(model, request, e, floor0, floor)
            lo[j] = -self._solve(model, request, -e, floor0, floor)
        return lo, hi


def _stage_program(model: Model, key: tuple, goals: Goals, *, fix_goals: bool,
                   free: Callable[[Model], float]) -> _StageProgram:
    """The derived program for `key`, built once per compiled structure (bound copies share it)."""
    from .model import Model as _Model  # the strategies are imported by model.py

    cache = model._structure.programs
    if key not in cache:
        if model.objective is None:
            raise InputError(f"objective: model '{model.name}' has none")
        sign = 1.0 if model.sense == "max" else -1.0
        G = cp.vec(goals(model), order="C")
        size = G.shape[0]
        stage = _Model(f"{model.name} [{key[0]} {key[1]}]", sense="max", units=model.units)
        stage.variables = dict(model.variables)
        stage.parameters = dict(model.parameters)
        stage._values = dict(model._values)
        stage.solver_defaults = model.solver_defaults
        for fname, fam in model.families.items():  # fresh constraints: the model's duals stay stage 1's
            stage.constrain(fname, Family(fam.lhs, fam.sense, fam.rhs, fam.labels, fam.description))
        weight = stage.parameter("weight", np.zeros(size))
        floor0 = stage.parameter("floor0", np.zeros(1))
        floor = stage.parameter("floor", np.zeros(size))
        stage.constrain("optimum", Family(cp.reshape(sign * model.objective, (1,), order="C"), ">=", floor0, None,
                                          "the model's objective kept at its optimum"))
        if fix_goals:
            stage.constrain("floors", Family(G, ">=", floor, None, "earlier goals kept at their optima"))
        stage.maximize(weight @ G)
        cache[key] = _StageProgram(stage, size, goals=G)
    program = cache[key]
    program.free = free(model)
    return program
