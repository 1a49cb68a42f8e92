"""Sequential rationality: "chi must solve the follower's LP given q", as single-level constraints.

A leader (a planner, a monopsonist, a data union) chooses a database q; a follower (the platform)
then solves the LP

    P_q:  max_{chi >= 0}  sum v chi   s.t.  sum_a chi(a, w) = q(w)              [psi(w)]
                                            D vec(chi) >= 0  (obedience rows r)  [lambda(r) >= 0]

and the leader may only pick an optimal chi (optimistic bilevel program). Its dual is
min psi.q over the q-independent polyhedron
    Dual = {(psi, lambda >= 0): s(a, w) = psi(w) - v(a, w) - (D' lambda)(a, w) >= 0}.
Two exact single-level forms ([spec §A.3](glp.md#spec-a3)) are offered; both add P_q's primal feasibility
(families `consistency`, `obedience`) and then:

* form "disjunctive" (F1): given dual-feasible vectors psi_1..psi_K with V(q) = min_k psi_k.q for
  every q (the GLP economy's canonical duals psi_a, one per monopoly fee), chi is optimal iff
  sum v chi >= psi_k.q for some k (weak duality gives <= for every k). Either one LP per k (the
  candidate is a cvxpy Parameter, so the K LPs share one compilation; the answer is the best of
  them), or ("disjunctive-milp") one MILP with K binaries: sum v chi >= psi_k.q - M_k (1 - y_k),
  sum y = 1, M_k = sum_w psi_k(w)^+ cap(w) - sum_w min(0, min_a v(a, w)) cap(w).
* form "kkt" (F2): primal and dual feasibility and complementary slackness with binaries
  z(a, w) (chi > 0 => s = 0) and y(r) (lambda > 0 => obedience row binds):
      chi <= cap z,  s <= M_s (1 - z),  lambda <= M_lambda y,  D chi <= M_O (1 - y),
  with M_O(r) = sum_w D(r, .)^+ cap (always valid) and M_lambda, M_s supplied by the caller
  (scalars, or one bound per row / per (a, w)): they must bound SOME optimal dual for EVERY q (for
  the GLP payoffs with A ⊇ Omega, M_lambda = max(gamma_u - gamma_pi, 0), M_s = max(gamma_u,
  gamma_pi) max(Omega), or entrywise the canonical duals' slacks; other payoffs need their own
  derivation — too small a bound silently cuts off the optimum, so no default is guessed).

Any point the forms accept is optimal for P_q whatever the big-Ms; valid big-Ms make them exact.
The builder returns the families only. The caller declares the auxiliary variables and, for the
disjunctive LPs, solves the best of the K programs with `optmarkets.core.BestOf` over the `cut`
Parameter (`optmarkets.papers.glp.programs.leader_program` does both). The leader's objective is
the caller's, e.g. welfare sum (v + u - r) chi + R (GLP's SB) or social welfare
sum (v + u + pi - r) chi + R (App. B.1).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.family import Family, family
from ..core.validate import as_matrix, nonnegative
from .obedience import obedience, obedience_matrix
from .segmentation import consistency

FORMS = ("disjunctive", "disjunctive-milp", "kkt")


def value_cut(chi: cp.Expression, q: cp.Expression, payoff, psi, *, slack=None, index=None,
              description: str = "the follower earns a dual bound: sum v chi >= psi.q") -> Family:
    """sum v chi - Psi q (+ slack) >= 0, one row per candidate dual psi_k (rows of Psi).

    psi: a (n,) vector or cvxpy Parameter (one row) or a (K, n) matrix (K rows); slack: an optional
    (K,) expression added to the left (big-M relaxation of rows not selected).
    """
    earned = cp.sum(cp.multiply(np.asarray(payoff, float), chi))
    if isinstance(psi, cp.Expression) or np.ndim(psi) == 1:
        lhs = cp.reshape(earned - psi @ q, (1,), order="C")
    else:
        lhs = earned - np.asarray(psi, float) @ q
    if slack is not None:
        lhs = lhs + slack
    return family(lhs, ">=", 0.0, index, description)


def dual_slack(psi: cp.Expression, lam: cp.Expression, payoff, D, shape) -> cp.Expression:
    """s(a, w) = psi(w) - v(a, w) - (D' lambda)(a, w): the reduced cost of chi(a, w) in P_q."""
    n_act, n = shape
    # psi(w) is a price per type (P_q's dual); a (|A|, n) psi is a price per market (a, w) (Lindahl)
    spread = psi if len(psi.shape) == 2 else np.ones((n_act, 1)) @ cp.reshape(psi, (1, n), order="C")
    return spread - np.asarray(payoff, float) - cp.reshape(D.T @ lam, (n_act, n), order="C")


def sequential_rationality(chi: cp.Expression, q: cp.Expression, payoff, obey_pay, *, actions: pd.Index,
                           types: pd.Index, cap, form: str = "disjunctive", cut: cp.Expression | None = None,
                           dual_vertices=None, select: cp.Expression | None = None, dual=None,
                           dual_bounds: dict | None = None) -> dict[str, Family]:
    """The families that make `chi` solve the follower's LP P_q (payoff `payoff`, obedience `obey_pay`).

    chi: (|A|, n) variable; q: (n,) expression with 0 <= q <= cap (the caller's constraint);
    actions, types: labels of chi's rows and columns; form: "disjunctive", "disjunctive-milp" or
    "kkt". Per form, the caller supplies
      disjunctive:      cut, an (n,) Parameter holding one candidate psi_k (bind each in turn);
      disjunctive-milp: dual_vertices, (K, n) psi_k with V(q) = min_k psi_k.q, and select, a (K,)
                        boolean variable;
      kkt:              dual = (psi (n,), lam (R,) >= 0, z (|A|, n) boolean, y (R,) boolean) with R
                        the obedience rows (`obedience_rows`), and dual_bounds {"lambda", "slack"}.
    Returns {name: Family}: consistency, obedience, then value_cut (disjunctive), select_one and
    value_cut (MILP) or dual_feasibility, cs_chi, cs_slack, cs_lambda, cs_obedience (kkt).
    """
    if form not in FORMS:
        raise InputError(f"form: must be one of {FORMS}, got {form!r}")
    shape = tuple(chi.shape)
    if len(shape) != 2:
        raise InputError(f"chi: expected a 2-D (actions x types) expression, got shape {shape}")
    # DataFrames are aligned to (actions, types) by label, a Series cap to types
    payoff = as_matrix("payoff", payoff, shape=(shape[0], shape[1]), index=(actions, types))
    obey_pay = as_matrix("obey_pay", obey_pay, shape=(shape[0], shape[1]), index=(actions, types))
    cap = nonnegative("cap", cap, length=shape[1], index=types)
    out: dict[str, Family] = {}
    if isinstance(q, cp.Expression) and q.variables():
        # a decision q goes to the left: families keep data on the right (prices are d value / d rhs)
        out["consistency"] = family(cp.sum(chi, axis=0) - q, "==", 0.0, types,
                                    "the platform's measure adds up to the database q")
    else:
        out["consistency"] = consistency(chi, q, types)
    out["obedience"] = obedience(chi, obey_pay, actions)

    if form == "disjunctive":
        if cut is None:
            raise InputError("cut: the disjunctive form needs a Parameter holding one candidate dual psi_k")
        out["value_cut"] = value_cut(chi, q, payoff, cut, index=pd.Index(["cut"], name="value cut"))
        return out
    if form == "disjunctive-milp":
        psi = candidate_duals(dual_vertices, types)
        if select is None or tuple(select.shape) != (psi.shape[0],):
            raise InputError(f"select: the disjunctive MILP needs a boolean variable of shape ({psi.shape[0]},)")
        Psi = psi.to_numpy(float)
        floor = np.minimum(payoff.min(axis=0), 0.0) @ cap  # sum v chi >= floor for every feasible chi
        big = np.maximum(Psi, 0.0) @ cap - floor
        out["select_one"] = family(cp.sum(select), "==", 1.0, None, "exactly one candidate dual is used")
        out["value_cut"] = value_cut(chi, q, payoff, Psi, slack=cp.multiply(big, 1 - select), index=psi.index)
        return out

    # ---- form "kkt"
    if not dual_bounds or "lambda" not in dual_bounds or "slack" not in dual_bounds:
        raise InputError("dual_bounds: the KKT form needs {'lambda': M_lambda, 'slack': M_s}, bounds on some "
                         "optimal dual of P_q valid for every q; derive them for your payoff "
                         "(spec §A.3 (docs/glp.md#spec-a3), F2)")
    if dual is None or len(dual) != 4:
        raise InputError("dual: the KKT form needs the variables (psi, lam, z, y)")
    psi_var, lam, z, y = dual
    D, _ = obedience_matrix(obey_pay)
    try:
        m_lam = np.broadcast_to(np.asarray(dual_bounds["lambda"], float), (D.shape[0],)).copy()
        m_s = np.broadcast_to(np.asarray(dual_bounds["slack"], float), shape).copy()
    except ValueError:
        raise InputError(f"dual_bounds: 'lambda' must be a scalar or one bound per obedience row ({D.shape[0]}), "
                         f"'slack' a scalar or a {shape} matrix") from None
    if not (np.isfinite(m_lam).all() and np.isfinite(m_s).all() and m_lam.min() >= 0 and m_s.min() >= 0):
        raise InputError(f"dual_bounds: must be finite and >= 0, got lambda={dual_bounds['lambda']}, "
                         f"slack={dual_bounds['slack']}")
    rows = out["obedience"].index
    s = dual_slack(psi_var, lam, payoff, D, shape)
    obeyed = D @ cp.vec(chi, order="C")
    m_obey = np.asarray(D.maximum(0) @ np.tile(cap, shape[0])).ravel()
    idx = (actions, types)
    out["dual_feasibility"] = family(s, ">=", 0.0, idx, "(psi, lambda) is feasible for the dual of P_q")
    out["cs_chi"] = family(chi - cp.multiply(np.tile(cap, (shape[0], 1)), z), "<=", 0.0, idx,
                           "chi(a, w) > 0 only where z(a, w) = 1")
    out["cs_slack"] = family(s + cp.multiply(m_s, z), "<=", m_s, idx, "reduced cost is 0 where z(a, w) = 1")
    out["cs_lambda"] = family(lam - cp.multiply(m_lam, y), "<=", 0.0, rows, "lambda > 0 only where y = 1")
    out["cs_obedience"] = family(obeyed + cp.multiply(m_obey, y), "<=", m_obey, rows,
                                 "an obedience row with y = 1 binds")
    return out


def candidate_duals(dual_vertices, types: pd.Index) -> pd.DataFrame:
    """The candidate duals psi_k as a DataFrame (rows: candidates, columns: types)."""
    if dual_vertices is None:
        raise InputError("dual_vertices: the disjunctive forms need dual-feasible psi_k with "
                         "V(q) = min_k psi_k.q for every q (spec §A.3 (docs/glp.md#spec-a3), F1)")
    psi = dual_vertices if isinstance(dual_vertices, pd.DataFrame) else pd.DataFrame(
        as_matrix("dual_vertices", dual_vertices), columns=types)
    if psi.shape[1] != len(types):
        raise InputError(f"dual_vertices: need {len(types)} columns (one per type), got {psi.shape[1]}")
    return psi if psi.index.name is not None else psi.rename_axis("candidate")

