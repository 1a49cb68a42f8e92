"""Mutation run of the core (issue 30): is every realistic one-line bug caught by the default test run?

Each mutation is one exact text replacement in one file of the package, with a line saying what it breaks.
For each mutation the working tree is copied to a temporary folder (without .git, .venv and caches), the
replacement is applied there (it must match exactly once: a mutation whose old text is gone or ambiguous
fails loudly, so the list stays in sync with the code), and the default test run

    python -m pytest -x -q -p no:cacheprovider -n 2

(the markers of pyproject.toml apply: slow cases excluded) runs from the copy's root with
PYTHONPATH=<copy>, so the copy's `optmarkets` is the one imported (checked before each run, also by the
test workers, notebooks' kernels and subprocesses, which inherit the environment). The run's environment
names the mutation applied (OPTMARKETS_MUTANT), so that the list's own sync test expects its new text there.

Verdicts: exit 0 is NOT caught; a non-zero exit that reports a failing (or erroring) test is caught; a run
stopped by the per-mutant time limit is caught only if it reported a test timeout (pytest-timeout) or a
failure before it was stopped; anything else (collection found nothing, pytest's own error) is an error,
not a catch.

    python benchmarks/mutations.py --list
    python benchmarks/mutations.py --baseline --out benchmarks/results/mutations.md
    python benchmarks/mutations.py --only flipped-min-leq-price --only retries-emptied
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the default test run, from the copy's root (pyproject.toml's addopts add -m 'not slow')
PYTEST = ("-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "2")
#: seconds one mutant's test run may take before it is stopped
TIME_LIMIT = 20 * 60
#: the environment variable naming the mutation applied in a mutant run's copy: the sync check of the list
#: (tests/test_mutations_script.py, --list) then expects that one mutation's new text instead of its old one
MUTANT_ENV = "OPTMARKETS_MUTANT"
#: what the copy leaves out: the environment, git's data, caches and build outputs
IGNORED = (".git", ".venv", ".venv-*", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
           ".hypothesis", "site", "build", "dist", "*.egg-info", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Mutation:
    """Replace `old` (found exactly once) by `new` in `file` (relative to the repository root)."""

    name: str
    file: str
    old: str
    new: str
    breaks: str


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("cert-tol-100x-looser", "optmarkets/core/tolerances.py",
             "CERT_TOL = 1e-7\n", "CERT_TOL = 1e-5\n",
             "the default certificate accepts residuals 100 times larger (CERT_TOL 1e-7 -> 1e-5)"),
    Mutation("cert-ignores-duality-gap", "optmarkets/core/certificate.py",
             '"duality_gap": _ratio(gap, scale)}', '"duality_gap": 0.0}',
             "the certificate records the relative duality gap as 0 (a gap never fails it)"),
    Mutation("cert-ignores-dual-residuals", "optmarkets/core/certificate.py",
             "cert.relative = {**primal, **relative}", "cert.relative = primal",
             "the certificate decides on the primal residuals only (dual sign, reduced costs and gap ignored)"),
    Mutation("cert-worst-skips-nan", "optmarkets/core/solution.py",
             "            if value != value:\n                return str(name), value\n",
             "            if value != value:\n                continue\n",
             "Certificate.worst/ok skip a NaN residual (a NaN point or price passes)"),
    Mutation("retry-only-when-certify", "optmarkets/core/solve.py",
             "if request.certify or form is not None or interior:", "if request.certify:",
             "certify=False skips the HiGHS and interior-point certificates, hence their retries (wrong answers "
             "returned)"),
    Mutation("flipped-min-leq-price", "optmarkets/core/family.py",
             '("min", "<="): -1.0', '("min", "<="): 1.0',
             "a minimisation's <= prices have the wrong sign (PRICE_SIGN)"),
    Mutation("flipped-max-geq-price", "optmarkets/core/family.py",
             '("max", ">="): -1.0', '("max", ">="): 1.0',
             "a maximisation's >= prices have the wrong sign (PRICE_SIGN)"),
    Mutation("price-ranges-left-right-swapped", "optmarkets/solvers/ranging.py",
             'left, right = (t_max, t_min) if form.sense == "max" else (t_min, t_max)',
             'left, right = (t_min, t_max) if form.sense == "max" else (t_max, t_min)',
             "price_ranges reports the left derivative as the right one and back"),
    Mutation("rhs-range-swapped", "optmarkets/solvers/ranging.py",
             "return np.minimum(a, b), np.maximum(a, b)", "return np.maximum(a, b), np.minimum(a, b)",
             "price_ranges' rhs_low and rhs_high are swapped"),
    Mutation("exact-verifies-half-feasible-basis", "optmarkets/solvers/exact.py",
             "if primal_ok and dual_ok:", "if primal_ok or dual_ok:",
             "exact() stops at a basis that is only primal (or dual) feasible and reports it verified"),
    Mutation("row-dual-unscaled-wrong", "optmarkets/solvers/scaling.py",
             "* r / sigma", "* r * sigma",
             "the row duals of a scaled LP are multiplied by the cost factor instead of divided by it"),
    Mutation("reference-tol-floor-1e-6", "optmarkets/core/reference.py",
             "return bool(self.error <= self.tol)", "return bool(self.error <= max(self.tol, REPRODUCE_TOL))",
             "a reproduced number with a tighter tolerance of its own is compared at 1e-6 again"),
    Mutation("one-product-ignores-lp-status", "optmarkets/papers/hs/one_product.py",
             "if res.status != 0 or res.x is None:", "if res.status == 2:",
             "the one-product revenue search reads a time-limited / numerically failed LP as an answer"),
    Mutation("solve-lock-removed", "optmarkets/core/model.py",
             "        with self.exclusive:  # bound copies share the problem",
             "        with threading.Lock():  # bound copies share the problem",
             "Model.solve takes a fresh lock: bound copies solved from threads overwrite each other's parameters"),
    Mutation("solution-keeps-live-model", "optmarkets/core/model.py",
             "            sol._model = frozen\n", "            pass\n",
             "a Solution keeps the live model, not its snapshot (later edits change its ranges and exact optimum)"),
    Mutation("derived-parameter-stops-following", "optmarkets/core/model.py",
             "if name not in values and any(s in values for s in sources):",
             "if name in values and any(s in values for s in sources):",
             "a derived parameter is no longer recomputed when its source is set (set, bind)"),
    Mutation("column-reduced-costs-variable-wide", "optmarkets/core/domains.py",
             "    own = bad / np.maximum(np.maximum(magnitude, COLUMN_FLOOR * largest), _TINY)\n",
             "    own = bad / max(largest, _TINY)\n",
             "a column's reduced cost is measured against its variable's largest column, not its own terms"),
    Mutation("column-flag-not-retried", "optmarkets/core/solve.py",
             "    return _certified(sol, request) and (column is None or column <= limit) and (\n",
             "    return _certified(sol, request) and (\n",
             "a certified vertex whose column reduced costs say it is not optimal is returned without a retry"),
    Mutation("prob-tol-1e-3", "optmarkets/core/tolerances.py",
             "PROB_TOL = 1e-9\n", "PROB_TOL = 1e-3\n",
             "probabilities that sum to 1 +- 1e-3 are accepted as a distribution"),
    Mutation("primal-violation-1e6-looser", "optmarkets/core/certificate.py",
             "row_viol / np.maximum(np.maximum(row_mag, row_floor), _TINY)",
             "row_viol / (1e6 * np.maximum(np.maximum(row_mag, row_floor), _TINY))",
             "a family's violation (standard-form certificate, HiGHS LPs) is relative to a magnitude 1e6 times larger"),
    Mutation("row-violation-at-the-largest-row", "optmarkets/core/certificate.py",
             "row_viol / np.maximum(np.maximum(row_mag, row_floor), _TINY)",
             "row_viol / max(float(np.max(row_mag, initial=0.0)), _TINY)",
             "each row's violation is relative to the largest row's magnitude, not its own (a unit row beside a "
             "row of 1e5 passed violated by 5e-4)"),
    Mutation("objective-gradient-net-only", "optmarkets/core/certificate.py",
             "np.maximum(np.abs(r), fterms[v.var]) if v.var in fterms else np.abs(r)", "np.abs(r)",
             "a convex objective's reduced costs are measured against its net gradient (~0 at an interior optimum: "
             "a QP's correct maximiser was refused by every solver)"),
    Mutation("norm-kink-ignored", "optmarkets/core/kkt.py",
             "if isinstance(node, Pnorm) and _at_zero(node.args[0]):", "if False:",
             "a 2-norm at its kink is judged by cvxpy's arbitrary gradient there (a correct optimum refused)"),
    Mutation("retry-rho-from-largest-rhs", "optmarkets/solvers/scaling.py",
             "rhs = float(np.sort(positive)[(positive.size - 1) // 2]) if median_rhs and positive.size else",
             "rhs = float(np.sort(positive)[-1]) if median_rhs and positive.size else",
             "the geometric retry scales right-hand sides by the largest, as the first solve (unit rows beside a "
             "rhs of 1e9 stay violated: the solve is refused)"),
    Mutation("vf-slopes-at-value-scale", "optmarkets/solvers/value_function_result.py",
             "max(first.slope_terms, line.slope_terms) or path.value_unit):", "path.value_unit):",
             "a value function's pieces merge when their slopes agree at V's scale: a constant 1e8 in V merged slopes "
             "1.17 and 0.90 (V(1) off by 0.043)"),
    Mutation("near-active-prices-unchecked", "optmarkets/core/solve.py",
             "near is None or near <= NEAR_ACTIVE_PRICE)", "True)",
             "an interior point's price on a slack row (mu / slack) is never re-solved: a twin row 1e-5 from active "
             "carried a price of 5e-5 and its binding twin's was 1.5e-4 off"),
    Mutation("primal-violation-1e6-looser-expressions", "optmarkets/core/certificate.py",
             "denominator = np.maximum(np.maximum(magnitude, floor), _TINY)",
             "denominator = 1e6 * np.maximum(np.maximum(magnitude, floor), _TINY)",
             "the same on the expression certificate (other solvers, non-LPs)"),
    Mutation("retries-emptied", "optmarkets/core/solve.py",
             'RETRIES = ("geometric", "tight")', "RETRIES = ()",
             "a HiGHS LP whose certificate fails is never re-solved (geometric scaling, tighter tolerances)"),
    Mutation("conic-duals-never-checked", "optmarkets/core/kkt.py",
             "    if any(g is None or not np.isfinite(matrix(g).data).all() for g in expr.grad.values()):",
             "    if True:",
             "a convex model's certificate never computes its dual residuals (prices unchecked, as before issue 26)"),
    Mutation("conic-duals-not-unscaled", "optmarkets/solvers/conic_scaling.py",
             "z = None if out.z is None else gamma * (E.T @ np.asarray(out.z, float))",
             "z = None if out.z is None else np.asarray(out.z, float)",
             "Clarabel's duals are read on the scaled program (prices off by the row and objective factors)"),
    Mutation("interior-retries-emptied", "optmarkets/core/solve.py",
             'INTERIOR_RETRIES = ("tighter", "rescaled", "rescaled")', "INTERIOR_RETRIES = ()",
             "an interior point's failed certificate is not retried tighter or rescaled (prices ~sqrt(gap) off)"),
    Mutation("exact-data-ignored", "optmarkets/solvers/exact.py",
             "data = exact_data(model, form, lambda x: read_rational(x)[0])", "data = None",
             "exact() reads every coefficient from its float again (issue 32's auction: unbounded ray)"),
    # the LPs on orbits of a symmetry (issue 29 item 2)
    Mutation("orbit-price-not-shared", "optmarkets/builders/symmetry.py",
             "return (np.asarray(totals, float).reshape(-1) / self.size)[self.of]",
             "return np.asarray(totals, float).reshape(-1)[self.of]",
             "a full row's price is its orbit's total, not its share (chicken's obedience: -3/2 for -3/4)"),
    Mutation("orbit-rows-not-representatives", "optmarkets/builders/symmetry.py",
             "        keep = orbits.representative\n", "        keep = np.arange(orbits.count)\n",
             "the reduced LP keeps the first rows instead of one row per orbit (some orbits twice, some not at all)"),
    Mutation("row-map-absolute", "optmarkets/builders/symmetry.py",
             "excess = abs(a - b) - SYMMETRY_ROW_TOL * abs(a).maximum(abs(b))  # <= 0 where entries agree",
             "excess = abs(a - b) - SYMMETRY_ROW_TOL * abs(M).max()  # <= 0 where entries agree",
             "rows are matched within a tolerance of the family's largest entry: a row of 1e-4 data matches any "
             "permutation beside one of 1e6"),
    Mutation("game-data-one-scale", "optmarkets/games/symmetry.py",
             "floor = SYMMETRY_ROUNDOFF * np.maximum(np.take(ax, low, axis) + np.take(ax, high, axis),",
             "floor = SYMMETRY_TOL * float(np.abs(x).max()) + 0.0 * np.maximum(np.take(ax, low, axis) + "
             "np.take(ax, high, axis),",
             "obedience gains are compared within SYMMETRY_TOL of the largest payoff, not at their own magnitude: "
             "an asymmetric game at 1e-4 beside one at 1e6 is taken as symmetric"),
    # segmentation on suffix masses and the certificate's data floor
    Mutation("suffix-shifted-by-one-price", "optmarkets/builders/segmentation.py",
             "(np.r_[r, r[below]], np.r_[r, r[below] + n])), shape=(m * n, m * n))",
             "(np.r_[r, r[below]], np.r_[r, r[below] + 1])), shape=(m * n, m * n))",
             "S[j, p] subtracts S[j, p + 1] instead of S[j + 1, p]: the suffix masses are not the segments'"),
    Mutation("dual-data-floor-off", "optmarkets/core/domains.py",
             "        magnitude = np.maximum(magnitude, data_floor)\n", "        magnitude = magnitude\n",
             "a column whose rows are all priced ~0 is measured against its own round-off (false dual infeasibility)"),
    Mutation("symmetric-prior-unchecked", "optmarkets/games/equilibrium.py",
             "        symmetry.invariant(\"prior\", arr)\n", "        pass  # no check\n",
             "set(prior=...) accepts an asymmetric prior on a model reduced by the players' symmetry"),
    Mutation("player-map-inverted", "optmarkets/games/symmetry.py",
             "            moved[d + np.arange(n)] = c[d + pi]\n", "            moved[d + pi] = c[d + np.arange(n)]\n",
             "a rotation of the players is paired with the wrong rotation of the states: the orbits are no symmetry"),
    Mutation("outcome-map-inverted", "optmarkets/mechanisms/symmetry.py",
             "    outcomes[found] = np.arange(found.size)  # s: value_k[p, o] = value_{pi k}[pi.p, s(o)]\n",
             "    outcomes[:] = found\n",
             "a rotation of the agents moves the outcomes the other way round: the maps are no symmetry"),
    Mutation("search-pair-transposed", "optmarkets/builders/symmetry.py",
             "            ok &= (np.abs(S[:, images, :] - S[:, done, i][:, :, None]) <= kind_tol).all(axis=(0, 1))\n",
             "            ok &= (np.abs(S[:, images, :] - S[:, i, done][:, :, None]) <= kind_tol).all(axis=(0, 1))\n",
             "the search compares the pair (k, i) with the images in the wrong order: a ring's rotation is pruned"),
    Mutation("search-budget-ignores-data", "optmarkets/builders/symmetry.py",
             "            if _search(S, tol, int(a), int(b), tried, budget, max(n, entries // ENTRIES_PER_NODE)):\n",
             "            if _search(S, tol, int(a), int(b), tried, budget, n):\n",
             "a candidate permutation costs the search n nodes however much data it reads: an 18-player search may "
             "read 1,000 times 4.7M entries"),
    Mutation("signature-pair-unmoved", "optmarkets/mechanisms/symmetry.py",
             "                S[1, i, j] = a @ (pair if i < j else pair.T) @ b ** 2\n",
             "                S[1, i, j] = a @ pair @ b ** 2\n",
             "the joint law of (t_i, t_j) is read with its axes in the wrong order for i > j: a ring of bidders is "
             "pruned"),
    Mutation("gain-payments-swapped", "optmarkets/builders/incentives.py",
             "    Gt = sp.csr_matrix((np.tile([-1.0, 1.0], agent.size),",
             "    Gt = sp.csr_matrix((np.tile([1.0, -1.0], agent.size),",
             "an IC row charges the lie's payment and refunds the truthful one: truth-telling is mis-stated"),
    Mutation("gain-lie-values-kept-positive", "optmarkets/builders/incentives.py",
             "    data[honest_at] = -value\n",
             "    data[honest_at] = value\n",
             "the lie's values are added, not subtracted: an IC row compares the truth with its sum with the lie"),
    Mutation("quotient-floats-divided-as-floats", "optmarkets/mechanisms/environment.py",
             "    rounded = np.array([n / d if d else np.nan for n, d in pairs], dtype=float)",
             "    rounded = np.array([float(n) / float(d) if d else np.nan for n, d in pairs], dtype=float)",
             "a prior's or a belief's floats rounded twice: not the rationals' rounding, so exact() reads the floats"),
    Mutation("rationals-parameter-rounded-off", "optmarkets/core/exact_values.py",
             "        param = cp.Parameter(exact.shape, value=exact.floats.copy(), **attributes)\n",
             "        param = cp.Parameter(exact.shape, value=np.nextafter(exact.floats, 1), **attributes)\n",
             "the BIC and IR weights' floats are one ulp off their rationals: exact() reads the floats alone"),
    Mutation("quotient-not-conditional", "optmarkets/mechanisms/environment.py",
             "        exact[:] = [flint.fmpq(n, d) if d else None for n, d in pairs]\n",
             "        exact[:] = [flint.fmpq(n, d + 1) if d else None for n, d in pairs]\n",
             "a belief is not the joint prior's conditional, nor the prior its distribution (exact rows inconsistent)"),
    Mutation("rationals-joined-out-of-order", "optmarkets/core/exact_values.py",
             "lambda: np.concatenate([p.exact() for p in parts])",
             "lambda: np.concatenate([p.exact() for p in parts[::-1]])",
             "the agents' gathered rationals are joined in another order than their floats: exact() reads wrong rows"),
    Mutation("affine-moved-coefficients-ignored", "optmarkets/solvers/affine.py",
             "                if not _same_matrix(rows[start:start + size].tocsc(), matrix):\n",
             "                if False:\n",
             "a re-solve keeps a constraint's old coefficients after the Parameter in them moved"),
    Mutation("row-stack-order-unchecked", "optmarkets/solvers/linear_map.py",
             "            if not bool((key[1:] >= key[:-1]).all()):\n",
             "            if False:\n",
             "blocks out of column-major order are stacked as if sorted: a non-canonical constraint matrix"),
    Mutation("core-answer-unchecked", "optmarkets/solvers/tangent_core.py",
             "        return np.where(ran & primal & dual & agree, extreme, np.nan)\n",
             "        return np.where(ran, extreme, np.nan)\n",
             "the core LP's optimum is reported without its full-space check: a core whose R is off reports wrong "
             "extremes"),
    Mutation("core-ray-unchecked", "optmarkets/solvers/tangent_core.py",
             "            out[cols] |= cone & grows\n",
             "            out[cols] |= True\n",
             "an infeasible core run is reported as an infinite derivative without checking its Farkas ray"),
    Mutation("core-rhs-negated", "optmarkets/solvers/tangent_core.py",
             "                h.changeRowsBounds(touched.size, touched, "
             "np.where(np.isfinite(self.row_lo0[touched]), g, -np.inf),\n",
             "                h.changeRowsBounds(touched.size, touched, "
             "np.where(np.isfinite(self.row_lo0[touched]), -g, -np.inf),\n",
             "the core's right-hand side moves the wrong way on rows bounded below: its answers fail their check"),
    Mutation("inverse-sparse-rows-dropped", "optmarkets/solvers/ranging_step.py",
             "                    return (self.inverse[rows].T if trans else self.inverse_t[rows].T) @ rhs[rows]\n",
             "                    return (self.inverse[rows[1:]].T if trans else self.inverse_t[rows[1:]].T) "
             "@ rhs[rows[1:]]\n",
             "the basis solve on a sparse right-hand side leaves out its first nonzero row"),
    Mutation("ranges-blas-threads-unlimited", "optmarkets/solvers/ranging.py",
             '        with _blas().limit(limits=1, user_api="blas"):\n',
             '        with _blas().limit(limits=None, user_api="blas"):\n',
             "the parametric step's dense products run on every core: the same time, a third more CPU"),
    Mutation("ruiz-stop-reused-for-other-magnitudes", "optmarkets/solvers/scaling.py",
             "    if same_a is not None and (same_a[1] is not None or all(\n",
             "    if same_a is not None and (True or all(\n",
             "a Ruiz stop shown with one b and c is reused for the same A with others: an LP left unscaled"),
    Mutation("ruiz-running-bound-from-first-pass", "optmarkets/solvers/scaling.py",
             "        if proof is not None and k > 0:\n", "        if proof is not None and k >= 0:\n",
             "Ruiz is stopped by bounds read before its first pass, when the factors can still shrink"),
    Mutation("ruiz-running-bound-without-rowmax", "optmarkets/solvers/scaling.py",
             "            if proof(np.round(log_r), np.round(log_r - np.log2(row_max)), np.round(log_t),\n",
             "            if proof(np.round(log_r), np.round(log_r), np.round(log_t),\n",
             "the rows' running upper bound is their current factor: Ruiz is stopped before its factors are known"),
    Mutation("ruiz-bound-without-rowmax", "optmarkets/solvers/scaling.py",
             "            hi = np.where(has, half - np.log2(np.where(has, top, 1.0)), 0.0)\n",
             "            hi = np.where(has, half, 0.0)\n",
             "Ruiz is 'shown' to be the identity without the rows' and columns' own maxima: badly scaled LPs unscaled"),
    # exact distributions with short denominators and round-off residues in scaling
    Mutation("distribution-always-simplest", "optmarkets/core/exact_values.py",
             "        if common.bit_length() > COMMON_DENOMINATOR_BITS:\n", "        if False:\n",
             "a random prior is read as simplest rationals whatever their common denominator (seconds per build)"),
    Mutation("distribution-always-binary", "optmarkets/core/exact_values.py",
             "COMMON_DENOMINATOR_BITS = 256\n", "COMMON_DENOMINATOR_BITS = 0\n",
             "a typed prior (0.1, 1/6) is read from its binary floats, not as the rationals meant"),
    Mutation("small-data-taken-for-residues", "optmarkets/solvers/scaling.py",
             "    return bool(np.all(absd[small] < bound))\n", "    return True\n",
             "entries that are the data (a column in other units) are taken for round-off: the LP is not scaled"),
    Mutation("nonpos-read-as-free", "optmarkets/core/domains.py",
             "    elif attrs.get(\"nonpos\"):\n        side[:] = -1.0\n", "    elif False:\n        side[:] = -1.0\n",
             "a nonpos=True variable's reduced cost is held to 0 (its bound's multiplier read as dual infeasibility)"),
    Mutation("value-function-absolute-slope-floor", "optmarkets/solvers/value_function.py",
             "    return abs(s1 - s2) <= VF_SLOPE_TOL * max(unit, abs(s1), abs(s2))",
             "    return abs(s1 - s2) <= VF_SLOPE_TOL * max(1.0, abs(s1), abs(s2))",
             "value functions compare slopes against an absolute 1 (data at 1e-10: every slope equal, no kink)"),
    Mutation("clarabel-infeasible-unchecked", "optmarkets/solvers/conic_scaling.py",
             "    if str(out.status) not in _NO_OPTIMUM:\n        return out\n", "    if True:\n        return out\n",
             "Clarabel's 'infeasible' on the scaled program stands without another scaling (min x^2, x >= 1e6)"),
    Mutation("yang-size-unchecked", "optmarkets/papers/yang/programs.py",
             "        mechanism_size(self.values, self.costs).check()",
             "        mechanism_size(self.values, self.costs)",
             "DB-C is built whatever its size (50 values x 50 costs: 1.7e8 nonzeros, gigabytes)"),
    Mutation("unchecked-duals-not-retried", "optmarkets/core/solve.py",
             "    blind = unchecked and sol.certificate.computed", "    blind = False and sol.certificate.computed",
             "an interior point whose duals cannot be checked is not re-solved tighter (persuasion prices 9e-5 off)"),
)


class MutationError(RuntimeError):
    """A mutation whose old text is not found exactly once (the list is out of sync with the code)."""


@dataclass
class Result:
    mutation: Mutation
    verdict: str  # "caught", "caught (test timeout)", "NOT caught", "NOT caught (time limit)", "error: ..."
    first_failure: str
    seconds: float
    returncode: int | None

    @property
    def caught(self) -> bool:
        return self.verdict.startswith("caught")


def occurrences(mutation: Mutation, root: Path = ROOT) -> int:
    """How many times the mutation's old text occurs in its file under `root` (0 when the file is gone)."""
    path = root / mutation.file
    return path.read_text().count(mutation.old) if path.is_file() else 0


def apply(mutation: Mutation, root: Path) -> None:
    """Replace the old text by the new one in the file under `root`; MutationError unless it occurs exactly once."""
    path = root / mutation.file
    if not path.is_file():
        raise MutationError(f"{mutation.name}: {mutation.file} does not exist under {root}")
    text = path.read_text()
    found = text.count(mutation.old)
    if found != 1:
        raise MutationError(f"{mutation.name}: the old text {mutation.old!r} occurs {found} times in "
                            f"{mutation.file} (expected exactly once): update the mutation list")
    path.write_text(text.replace(mutation.old, mutation.new))


def select(names: Sequence[str] | None) -> list[Mutation]:
    """The mutations named (all when none is), in the list's order; an unknown name raises."""
    if not names:
        return list(MUTATIONS)
    known = {m.name for m in MUTATIONS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown mutation(s): {', '.join(unknown)}; see --list")
    return [m for m in MUTATIONS if m.name in set(names)]


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)


def environment(copy: Path, mutation: Mutation | None = None) -> dict[str, str]:
    """The environment of a run from `copy`: its root first on PYTHONPATH (inherited by workers and subprocesses),
    the mutation applied named in MUTANT_ENV."""
    env = dict(os.environ)
    env.pop(MUTANT_ENV, None)
    if mutation is not None:
        env[MUTANT_ENV] = mutation.name
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_import(copy: Path, python: str, env: dict[str, str]) -> None:
    """Fail unless `import optmarkets` from the copy imports the copy's package."""
    out = subprocess.run([python, "-c", "import optmarkets; print(optmarkets.__file__)"], cwd=copy, env=env,
                         capture_output=True, text=True, timeout=300)
    where = Path(out.stdout.strip() or "?").resolve()
    if out.returncode != 0 or not where.is_relative_to(copy.resolve()):
        raise MutationError(f"the copy at {copy} imports optmarkets from {where} (rc {out.returncode}): "
                            f"{out.stderr.strip()[-500:]}")


_SUMMARY = re.compile(r"^(FAILED|ERROR) (.+)$")
_CRASHED = re.compile(r"worker '[^']+' crashed while running '([^']+)'")
_TIMEOUT = re.compile(r"\+{3,} Timeout \+{3,}|Failed: Timeout >")


def first_failure(output: str) -> str:
    """The first failing (or erroring) test id pytest's summary names, else a crashed worker's test, else ""."""
    for line in output.splitlines():
        match = _SUMMARY.match(line.strip())
        if match:
            return match.group(2).split(" - ", 1)[0].strip()
    crashed = _CRASHED.search(output)
    return crashed.group(1) if crashed else ""


def verdict(returncode: int | None, output: str, timed_out: bool) -> tuple[str, str]:
    """(verdict, first failing test) of one run's exit code and output (see the module docstring)."""
    failure = first_failure(output)
    test_timeout = bool(_TIMEOUT.search(output))
    if timed_out:
        if test_timeout:
            return "caught (test timeout)", failure
        return ("caught", failure) if failure else ("NOT caught (time limit)", "")
    if returncode == 0:
        return "NOT caught", ""
    if test_timeout:
        return "caught (test timeout)", failure
    if failure:
        return "caught", failure
    return f"error: pytest exit code {returncode}, no failing test reported", ""


def run_pytest(copy: Path, python: str, env: dict[str, str], limit: float, log: Path,
               tests: Sequence[str] = ()) -> tuple[int | None, str, bool]:
    """The test run from `copy`, stopped after `limit` seconds: (exit code, output, timed out)."""
    with open(log, "w") as sink:
        proc = subprocess.Popen([python, *PYTEST, *tests], cwd=copy, env=env, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop(proc)
    return (None if timed_out else proc.returncode), log.read_text(errors="replace"), timed_out


def _stop(proc: subprocess.Popen) -> None:
    """End the run this script started: its process group (pytest, its xdist workers), TERM then KILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_one(mutation: Mutation | None, *, root: Path = ROOT, python: str = sys.executable,
            limit: float = TIME_LIMIT, tests: Sequence[str] = (), log_dir: Path | None = None) -> Result:
    """Copy the tree, apply `mutation` (None: the unmutated baseline) and run the tests on the copy."""
    shown = mutation if mutation is not None else Mutation("(baseline: no mutation)", "", "", "", "")
    with tempfile.TemporaryDirectory(prefix="optmarkets-mutant-") as tmp:
        copy = Path(tmp) / "tree"
        copy_tree(root, copy)
        if mutation is not None:
            apply(mutation, copy)
        env = environment(copy, mutation)
        check_import(copy, python, env)
        log = Path(tmp) / "pytest.log"
        start = time.perf_counter()
        code, output, timed_out = run_pytest(copy, python, env, limit, log, tests)
        seconds = time.perf_counter() - start
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            (log_dir / f"{mutation.name if mutation else 'baseline'}.log").write_text(output)
    said, failure = verdict(code, output, timed_out)
    return Result(shown, said, failure, seconds, code)


def commit(root: Path = ROOT) -> str:
    """`git rev-parse --short HEAD`, with "with uncommitted changes" when the tree is dirty (read-only git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} with uncommitted changes" if dirty else head


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(results: Iterable[Result], *, date: str, revision: str, command: str,
             baseline: Result | None = None, partial: bool = False, tests: Sequence[str] = ()) -> str:
    """The Markdown report: date, commit, command, totals and one table row per mutation."""
    results = list(results)
    caught = sum(r.caught for r in results)
    total = sum(r.seconds for r in results)
    lines = ["# Mutation run (issue 30)", "",
             f"`{command}`; {date}; commit {revision}.", ""]
    if baseline is not None:
        lines += [f"Baseline (the unmutated tree): {baseline.verdict.replace('NOT caught', 'passes')}"
                  f"{', first failing test ' + baseline.first_failure if baseline.first_failure else ''}, "
                  f"{baseline.seconds:.0f} s.", ""]
    run = (f"`python {' '.join([*PYTEST, *tests])}` (a subset of the tests, not the default test run)" if tests
           else f"the default test run (`python {' '.join(PYTEST)}`)")
    lines += [f"**{caught} of {len(results)} mutations caught** by {run}, {total:.0f} s in all"
              + (" (a partial run: not every mutation of the list)." if partial else "."), "",
              "| mutation | file | what it breaks | caught? | first failing test | seconds |",
              "|---|---|---|---|---|---:|"]
    for r in results:
        m = r.mutation
        lines.append(f"| {_cell(m.name)} | {_cell(m.file)} | {_cell(m.breaks)} | {_cell(r.verdict)} | "
                     f"{_cell('`' + r.first_failure + '`' if r.first_failure else '-')} | {r.seconds:.0f} |")
    return "\n".join(lines) + "\n"


def in_sync(mutation: Mutation, root: Path = ROOT) -> tuple[bool, str]:
    """Whether the mutation applies to the tree under `root` (its old text occurs exactly once), and a word on it.
    In a mutant run's copy (MUTANT_ENV names the mutation applied) that mutation's new text is expected instead."""
    if os.environ.get(MUTANT_ENV) == mutation.name:
        found = occurrences(Mutation(mutation.name, mutation.file, mutation.new, mutation.old, ""), root)
        return found == 1, "applied (this is its mutant run)" if found == 1 else f"new text found {found} times"
    found = occurrences(mutation, root)
    return found == 1, "ok" if found == 1 else f"OUT OF SYNC: old text found {found} times"


def listing(root: Path = ROOT) -> tuple[str, bool]:
    """The mutation list (name, file, whether it applies, what it breaks) and whether all apply."""
    rows, all_in_sync = [], True
    for m in MUTATIONS:
        ok, state = in_sync(m, root)
        all_in_sync &= ok
        rows.append(f"{m.name:42s} {m.file:40s} {state}\n    {m.breaks}")
    return "\n".join(rows), all_in_sync


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", metavar="NAME", help="run this mutation (repeatable; default all)")
    ap.add_argument("--list", action="store_true", help="list the mutations and whether each applies; run nothing")
    ap.add_argument("--out", type=Path, help="write the Markdown report here (e.g. benchmarks/results/mutations.md)")
    ap.add_argument("--baseline", action="store_true", help="run the unmutated tree first; stop if it fails")
    ap.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per mutant (default %(default)s)")
    ap.add_argument("--python", default=sys.executable, help="the interpreter that runs pytest (default: this one)")
    ap.add_argument("--root", type=Path, default=ROOT, help="the working tree to copy (default: this repository)")
    ap.add_argument("--log-dir", type=Path, help="keep each run's pytest output here")
    ap.add_argument("--tests", nargs="+", default=(), metavar="PATH",
                    help="run only these test paths (development of this script; not the default run)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    if args.list:
        text, ok = listing(root)
        print(text)
        return 0 if ok else 1
    chosen = select(args.only)
    for m in chosen:  # fail loudly before any run: the list must match the code
        if occurrences(m, root) != 1:
            raise MutationError(f"{m.name}: the old text {m.old!r} occurs {occurrences(m, root)} times in "
                                f"{m.file} (expected exactly once): update the mutation list")
    common = dict(root=root, python=args.python, limit=args.time_limit, tests=tuple(args.tests),
                  log_dir=args.log_dir)
    baseline = None
    if args.baseline:
        baseline = run_one(None, **common)
        print(f"baseline: {baseline.verdict} {baseline.first_failure} ({baseline.seconds:.0f} s)", file=sys.stderr)
        if baseline.verdict != "NOT caught":
            print("the unmutated tree does not pass the test run: no mutation can be judged", file=sys.stderr)
            return 2
    results = []
    for k, m in enumerate(chosen, 1):
        result = run_one(m, **common)
        results.append(result)
        print(f"[{k}/{len(chosen)}] {m.name}: {result.verdict} {result.first_failure} ({result.seconds:.0f} s)",
              file=sys.stderr, flush=True)
    shown = " ".join(["python benchmarks/mutations.py", *(argv if argv is not None else sys.argv[1:])])
    report = markdown(results, date=dt.date.today().isoformat(), revision=commit(root), command=shown,
                      baseline=baseline, partial=len(chosen) < len(MUTATIONS) or bool(args.tests), tests=args.tests)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    print(report)
    return 0 if all(r.caught for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
