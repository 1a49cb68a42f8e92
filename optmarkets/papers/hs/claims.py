"""Issue 27, item 5: the payment polytope P of [HS] Lemma 2 / Figure 5 and the genericity of a unique optimal
payment rule (Lemmas 3-4, Proposition 4), each checked against a brute force that never calls M-LP or HiGHS.

`payment_polytope(seller)` enumerates the vertices of the lifted polytope Q = {(x, p) IC, IR, x_t in Delta(A)}
over every set of active inequalities (numpy, batched), solves each vertex again in exact rationals, and keeps
the extreme points of the projections onto p: P_V. The reproduce rows compare the model's answers (M-LP's
revenue, its selected payment rule, `payment_ranges` over the optimal face) with P_V.

Departure from the paper (Lemma 2, §6.2 "the IR constraints guarantee that the set is bounded"): P is not
bounded. Lowering every payment by s >= 0 keeps IC and IR, so P = conv(P_V) + cone{-1}: a polyhedron with
finitely many vertices and one recession direction. The proofs of Lemmas 3 and 4 only use the maximisers of
f . p for markets f >= 0, f != 0; f . (-1) < 0, so these are attained on conv(P_V) and the lemmas stand.

Rows registered here (`optmarkets reproduce --only hs-claims`): hs-claims-lemma2, hs-claims-lemma4 and
hs-claims-lemma6 (Online App. B.1.1, checked on every optimal vertex of Q); the linear-valuation items (Figure 9,
Corollaries 2 and 4) are in `claims_c1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import comb

import numpy as np
import pandas as pd
from scipy import optimize

from ...core.errors import CapabilityError
from ...core.reference import Check
from ...core.tolerances import ECON_TOL, PRICE_TIE
from .examples import EXAMPLES, section3, three_type_example
from .seller import MultiProductSeller

Rational = tuple[Fraction, ...]


# ====================================================================== exact linear algebra
def _exact(value: float) -> Fraction:
    """The decimal a float was written as (0.1 -> 1/10): the instances are given in decimals."""
    return Fraction(repr(float(value)))


def _solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan elimination in rationals; None when A is singular."""
    n = len(A)
    M = [[*row, rhs] for row, rhs in zip(A, b)]
    for col in range(n):
        piv = next((r for r in range(col, n) if M[r][col] != 0), None)
        if piv is None:
            return None
        M[col], M[piv] = M[piv], M[col]
        inv = 1 / M[col][col]
        M[col] = [v * inv for v in M[col]]
        for r in range(n):
            if r != col and M[r][col] != 0:
                factor = M[r][col]
                M[r] = [a - factor * c for a, c in zip(M[r], M[col])]
    return [M[r][n] for r in range(n)]


# ====================================================================== the lifted polytope Q and P
@dataclass
class PaymentPolytope:
    """P = {p : (x, p) is IC-IR for some lotteries x} of one seller, computed by brute force.

    mechanisms: the vertices (x, p) of Q, in rationals (x: n x (k+1), outside option first; p: n);
    vertices: P_V, the extreme points of P (tuples of Fractions, one payment per type in the seller's order);
    P = conv(vertices) + cone{-(1, ..., 1)}.
    """

    seller: MultiProductSeller
    mechanisms: list[tuple[tuple[Rational, ...], Rational]]
    vertices: list[Rational]

    def revenue(self, market) -> Fraction:
        """max_{p in P_V} f . p (zero costs): the M-LP optimum by Lemma 2, in rationals."""
        f = [v if isinstance(v, Fraction) else _exact(v) for v in market]
        return max(sum((a * b for a, b in zip(f, p)), Fraction(0)) for p in self.vertices)

    def optimal(self, market) -> list[Rational]:
        """The vertices of P that maximise f . p (several exactly on a hyperplane H_{p,p'})."""
        f = [v if isinstance(v, Fraction) else _exact(v) for v in market]
        values = [sum((a * b for a, b in zip(f, p)), Fraction(0)) for p in self.vertices]
        top = max(values)
        return [p for p, v in zip(self.vertices, values) if v == top]

    def market_optimal(self) -> list[Rational]:
        """The vertices that are the unique maximiser of f . p for some market f with full support (the upper
        boundary of Figure 5; a zero-mass type's payment is free, so boundary markets are left out)."""
        return [p for p in self.vertices if _fan_market(self.vertices, [p]) is not None]

    def boundary_market(self, p: Rational, q: Rational) -> np.ndarray | None:
        """A market with full support on the hyperplane H_{p,q} (f . p = f . q) where p and q, and no other
        vertex, maximise f . p; None when p and q are not adjacent in the market fan."""
        return _fan_market(self.vertices, [p, q])


def _fan_market(vertices: list[Rational], tied: list[Rational]) -> np.ndarray | None:
    """max m over f in the simplex with f >= m, f . (p - p') = 0 within `tied`, f . (p - p') >= m for the other
    vertices p' (p = tied[0]): the most central such market, or None when m is not positive."""
    P, T = np.array(vertices, dtype=float), np.array(tied, dtype=float)
    others = np.array([v for v in vertices if v not in tied], dtype=float).reshape(-1, P.shape[1])
    n = P.shape[1]
    # variables (f, m): maximise m
    a_ub = np.vstack([np.hstack([others - T[0], np.ones((len(others), 1))]),
                      np.hstack([-np.eye(n), np.ones((n, 1))])])
    a_eq = np.vstack([np.hstack([T[1:] - T[0], np.zeros((len(T) - 1, 1))]),
                      np.concatenate([np.ones(n), [0.0]])[None, :]])
    b_eq = np.concatenate([np.zeros(len(T) - 1), [1.0]])
    res = optimize.linprog(np.concatenate([np.zeros(n), [-1.0]]), A_ub=a_ub, b_ub=np.zeros(len(a_ub)), A_eq=a_eq,
                           b_eq=b_eq, bounds=[(0, None)] * n + [(None, 1.0)], method="highs")
    if res.status != 0 or -res.fun <= ECON_TOL:
        return None
    return np.asarray(res.x[:n])


def _constraints(seller: MultiProductSeller) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """Q in rationals: equalities E z = 1 (lotteries) and inequalities G z <= 0 (x >= 0, IC, IR), z = (x, p)."""
    V = [[_exact(v) for v in row] for row in seller.V]
    n, k1 = len(V), len(V[0])
    N = n * k1 + n
    zero = Fraction(0)

    def row() -> list[Fraction]:
        return [zero] * N

    E = []
    for t in range(n):
        r = row()
        r[t * k1:(t + 1) * k1] = [Fraction(1)] * k1
        E.append(r)
    G = []
    for t in range(n):
        for a in range(k1):
            r = row()
            r[t * k1 + a] = Fraction(-1)
            G.append(r)
    for t in range(n):  # IC (t, s): v_t . x_s - p_s - v_t . x_t + p_t <= 0
        for s in range(n):
            if s != t:
                r = row()
                for a in range(k1):
                    r[s * k1 + a] += V[t][a]
                    r[t * k1 + a] -= V[t][a]
                r[n * k1 + s] -= 1
                r[n * k1 + t] += 1
                G.append(r)
    for t in range(n):  # IR (t): p_t - v_t . x_t <= 0
        r = row()
        for a in range(k1):
            r[t * k1 + a] = -V[t][a]
        r[n * k1 + t] = Fraction(1)
        G.append(r)
    return E, G


#: the brute force's limit on the number of active-constraint sets (3 types x 2 alternatives: 48,620, 0.6 s)
MAX_ACTIVE_SETS = 200_000
_POLYTOPES: dict[bytes, PaymentPolytope] = {}  # by the valuations' bytes: the rows of one run share them


def payment_polytope(seller: MultiProductSeller) -> PaymentPolytope:
    """P of `seller` (`_payment_polytope`), computed once per valuation table."""
    key = seller.V.tobytes() + bytes(str(seller.V.shape), "ascii")
    if key not in _POLYTOPES:
        _POLYTOPES[key] = _payment_polytope(seller)
    return _POLYTOPES[key]


def _payment_polytope(seller: MultiProductSeller, *, chunk: int = 20000) -> PaymentPolytope:
    """Brute-force P_V: every choice of n(k+1) active inequalities of Q (numpy, in chunks), the nonsingular
    feasible ones solved again in rationals, projected onto p and reduced to the extreme points of
    conv + cone{-1}. Costs are ignored (P is the set of payment rules); sizes up to 3 types x 2 alternatives."""
    n, k1 = seller.V.shape
    N, d = n * k1 + n, n * k1
    rows = n * k1 + n * n  # x >= 0, IC, IR
    if comb(rows, d) > MAX_ACTIVE_SETS:
        raise CapabilityError(f"valuations: the brute-force payment polytope tries C({rows}, {d}) = {comb(rows, d)} "
                              f"active sets, more than {MAX_ACTIVE_SETS}; use at most 3 types x 2 alternatives")
    E, G = _constraints(seller)
    Ef, Gf = np.array(E, dtype=float), np.array(G, dtype=float)
    rhs = np.concatenate([np.ones(n), np.zeros(d)])
    scale = max(1.0, float(np.abs(Gf).max()))  # the feasibility test's scale
    found: dict[tuple, tuple[int, ...]] = {}
    subsets = combinations(range(len(G)), d)
    while True:
        block = np.array([s for _, s in zip(range(chunk), subsets)], dtype=int)
        if block.size == 0:
            break
        A = np.concatenate([np.broadcast_to(Ef, (len(block), n, N)), Gf[block]], axis=1)
        sign, logdet = np.linalg.slogdet(A)  # LU: 10x faster than the singular values
        ok = (sign != 0) & (logdet > np.log(PRICE_TIE))
        if not ok.any():
            continue
        z = np.linalg.solve(A[ok], np.broadcast_to(rhs, (int(ok.sum()), N))[..., None])[..., 0]
        feasible = (z @ Gf.T <= ECON_TOL * scale).all(axis=1)
        for zz, s in zip(z[feasible], block[ok][feasible]):
            found.setdefault(tuple(np.round(zz, 9)), tuple(int(i) for i in s))  # not a tolerance: a key
    mechanisms, seen = [], set()
    for subset in found.values():
        sol = _solve_exact(E + [G[i] for i in subset], [Fraction(1)] * n + [Fraction(0)] * d)
        if sol is None or any(sum((g * v for g, v in zip(r, sol)), Fraction(0)) > 0 for r in G):
            continue  # a float artefact: singular or infeasible in rationals
        x = tuple(tuple(sol[t * k1:(t + 1) * k1]) for t in range(n))
        p = tuple(sol[n * k1:])
        if (x, p) not in seen:
            seen.add((x, p))
            mechanisms.append((x, p))
    points = sorted({p for _, p in mechanisms})
    return PaymentPolytope(seller, mechanisms, _extreme(points))


def _extreme(points: list[Rational]) -> list[Rational]:
    """The points not in conv(the others) + cone{-1} (an LP feasibility test per point)."""
    P = np.array(points, dtype=float)
    out = []
    for i, p in enumerate(P):
        others = np.delete(P, i, axis=0)
        if len(others) == 0:
            out.append(points[i])
            continue
        # lambda >= 0, sum lambda = 1, s >= 0: others' lambda - s 1 = p
        A_eq = np.vstack([np.hstack([others.T, -np.ones((len(p), 1))]),
                          np.concatenate([np.ones(len(others)), [0.0]])[None, :]])
        res = optimize.linprog(np.zeros(len(others) + 1), A_eq=A_eq, b_eq=np.append(p, 1.0), bounds=(0, None),
                               method="highs")
        if res.status != 0:
            out.append(points[i])
    return out
def is_bounded(seller: MultiProductSeller) -> bool:
    """Whether P is bounded: min sum_t p_t over Q (scipy, on the brute force's own constraint rows)."""
    E, G = _constraints(seller)
    n, k1 = seller.V.shape
    c = np.concatenate([np.zeros(n * k1), np.ones(n)])
    res = optimize.linprog(c, A_ub=np.array(G, dtype=float), b_ub=np.zeros(len(G)), A_eq=np.array(E, dtype=float),
                           b_eq=np.ones(n), bounds=[(None, None)] * len(c), method="highs")
    return res.status != 3  # 3: unbounded


def _on_hyperplane(f: np.ndarray, p: Rational, q: Rational) -> list[Fraction]:
    """A rational market near f exactly on H_{p,q}: f rounded to 1/10^4, then moved along e_i - e_j."""
    g = [Fraction(round(float(v) * 10**4), 10**4) for v in f[:-1]]
    g.append(1 - sum(g, Fraction(0)))
    d = [a - b for a, b in zip(p, q)]
    i, j = int(np.argmax(f)), int(np.argmin(f))
    if d[i] == d[j]:
        j = next(t for t in range(len(d)) if d[t] != d[i])
    lam = -sum((a * b for a, b in zip(d, g)), Fraction(0)) / (d[i] - d[j])
    g[i] += lam
    g[j] -= lam
    return g


def tied_markets_two_types(P: PaymentPolytope) -> tuple[Fraction, ...]:
    """Two types: the q = f(t2) in (0, 1) on a hyperplane H_{p,p'} (p, p' in P_V) where both p and p' are optimal."""
    out = set()
    for p, r in combinations(P.vertices, 2):
        d1, d2 = p[0] - r[0], p[1] - r[1]
        if d1 == d2:
            continue  # f . (p - r) = d1 + q (d2 - d1) is never 0 on the simplex, or always
        q = d1 / (d1 - d2)
        if 0 < q < 1 and {p, r} <= set(P.optimal([1 - q, q])):
            out.add(q)
    return tuple(sorted(out))


def _as_fractions(points) -> list[Rational]:
    return sorted(tuple(Fraction(v) for v in p) for p in points)


# ====================================================================== reproduce rows
WHERE_L2 = "Sec. 6.2, Lemma 2, Fig. 5 (a)"
WHERE_L4 = "Sec. 6.2, Lemmas 3-4, Prop. 4, Fig. 5 (b)"
BRUTE = ("brute force (optmarkets/papers/hs/claims.py `payment_polytope`): every set of active inequalities of "
         "{(x, p) IC, IR, lotteries}, solved in exact rationals, projected onto p; no M-LP, no HiGHS")
SEC3_MENUS = ("by hand: the three menus of Sec. 3 (H at 1 to both; L at 3/4 and H at 7/4; only H at 2) "
              "give payment rules (1, 1), (3/4, 7/4), (0, 2)")
MARKETS_611 = ((0.625, 0.1442, 0.2308), (0.2, 0.3, 0.5), (0.1, 0.45, 0.45))


def _vertex_distance(pay: np.ndarray, vertices: list[Rational]) -> float:
    return float(np.abs(np.array(vertices, dtype=float) - pay).max(axis=1).min())


@EXAMPLES.register("hs-claims-lemma2")
def _lemma2_rows(solver: str | None = None) -> list[Check]:
    """Lemma 2 / Fig. 5 (a): P_V by brute force on Sec. 3 and Sec. 6.1.1; M-LP's optimum is max over P_V."""
    name, rows = "hs-claims-lemma2", []
    two, three = section3(), three_type_example()
    P2, P3 = payment_polytope(two), payment_polytope(three)
    menus = [(Fraction(0), Fraction(2)), (Fraction(3, 4), Fraction(7, 4)), (Fraction(1), Fraction(1))]
    rows.append(Check.exactly(name, "Sec. 3: the vertices of P optimal for some market", P2.market_optimal(), menus,
                              "derived", WHERE_L2, note=SEC3_MENUS + "; computed: " + BRUTE))
    for label, seller, P, markets in (("Sec. 3", two, P2, ((0.9, 0.1), (0.5, 0.5), (0.2, 0.8))),
                                      ("Sec. 6.1.1", three, P3, MARKETS_611)):
        for f in markets:
            sol = seller.selected(list(f), solver=solver)
            rows.append(Check(name, f"{label}, f = {f}: M-LP revenue = max over P_V of f . p", float(P.revenue(f)),
                              sol.value, "derived", WHERE_L2, note=BRUTE, exact=str(P.revenue(f))))
            rows.append(Check(name, f"{label}, f = {f}: the selected payment rule is a vertex of P (distance)", 0.0,
                              _vertex_distance(sol["payment"].to_numpy(), P.vertices), "derived", WHERE_L2,
                              note=BRUTE))
    rows.append(Check(name, "Sec. 6.1.1: mechanism (b) p = (1, 1, 3) and M* p = (1, 3/2, 3/2) are vertices "
                      "of P (1 = yes)", 1.0, float({(1, 1, 3), (1, Fraction(3, 2), Fraction(3, 2))}
                                               <= set(P3.market_optimal())),
                      "paper-formula", "Sec. 6.1.1, Fig. 3 (b)-(c)",
                      note="(b): p(a1) = v(t1, a1) = 1, p(a2) = 4 - 2 + 1 = 3; (c): p(a2) = 1.5 (spec §B.5)"))
    rows.append(Check(name, "P is bounded (1 = yes)", 0.0, float(is_bounded(two)), "corrected", WHERE_L2,
                      paper_value=1.0, note="Sec. 6.2 says IR and the lotteries bound the set; lowering every "
                      "payment by s >= 0 keeps IC and IR, so P = conv(P_V) + cone{-1} (a scipy LP min sum p is "
                      "unbounded). Lemmas 3-4 only need maximisers of f . p with f >= 0, which lie on conv(P_V)"))
    return rows


def _hyperplane_rows(name: str, label: str, seller: MultiProductSeller, P: PaymentPolytope,
                     solver: str | None) -> list[Check]:
    """For each adjacent pair (p, p') of market-optimal vertices: a full-support market on H_{p,p'} has several
    optimal payment rules, its payment ranges span p and p', and markets just off H select p and p'."""
    rows, top = [], P.market_optimal()
    for i, p in enumerate(top):
        for q in top[i + 1:]:
            f = P.boundary_market(p, q)
            if f is None:
                continue
            exact = _on_hyperplane(f, p, q)
            f = np.array(exact, dtype=float)
            tied = _as_fractions(P.optimal(exact))
            shown = tuple(round(float(v), 4) for v in exact)
            if tied != _as_fractions([p, q]):  # rounding moved f off H_{p,q}: not this pair's market
                continue
            ranges = seller.payment_ranges(f, solver=solver)
            low = np.minimum(np.array(p, dtype=float), np.array(q, dtype=float))
            high = np.maximum(np.array(p, dtype=float), np.array(q, dtype=float))
            note = f"p = {tuple(map(str, p))}, p' = {tuple(map(str, q))}; " + BRUTE
            rows.append(Check(name, f"{label}, f = {shown} on H_(p,p'): unique optimal payment rule (1 = yes)", 0.0,
                              float(ranges["unique"].all()), "derived", WHERE_L4, note=note))
            rows.append(Check(name, f"{label}, f = {shown}: payment ranges over the optimal face = [min, max] of "
                              "p, p' (largest gap)", 0.0,
                              float(max(np.abs(ranges["low"].to_numpy() - low).max(),
                                        np.abs(ranges["high"].to_numpy() - high).max())), "derived", WHERE_L4,
                              note="the optimal face's payment rules are conv{p, p'}; " + note))
            d = np.array(p, dtype=float) - np.array(q, dtype=float)
            d -= d.mean()
            for sign, want in ((1, p), (-1, q)):
                g = f + sign * 0.01 * d / np.abs(d).max() * f.min()  # not a tolerance: a step off H
                pay = seller.selected(g, solver=solver)["payment"].to_numpy()
                rows.append(Check(name, f"{label}, f {'+' if sign > 0 else '-'} 1% off H_(p,p'): selected payment "
                                  f"rule = {tuple(map(str, want))} (largest gap)", 0.0,
                                  float(np.abs(pay - np.array(want, dtype=float)).max()), "derived",
                                  "Fig. 5 (b), f_2", note="the unique maximiser of g . p over P_V; " + BRUTE))
    return rows


ON_H_HALF = " (q = 1/2 lies on H_((1,1),(0,2)), but neither is optimal there)"


@EXAMPLES.register("hs-claims-lemma4")
def _lemma4_rows(solver: str | None = None) -> list[Check]:
    """Lemma 4 / Prop. 4 / Fig. 5 (b): several optimal payment rules exactly on the hyperplanes H_{p,p'};
    a unique one, kept under perturbation (Lemma 3), off them."""
    name, two, three = "hs-claims-lemma4", section3(), three_type_example()
    P2, P3 = payment_polytope(two), payment_polytope(three)
    rows = [Check.exactly(name, "Sec. 3: markets q = f(t2) with several optimal vertices of P (on some H_(p,p'))",
                          tied_markets_two_types(P2), (Fraction(1, 4), Fraction(3, 4)), "paper", "Sec. 3, Fig. 1 (a), "
                          "Fig. 2", note="the interval ends; computed: every pair of P_V, q solving f . (p - p') = 0 "
                          "in [0, 1], kept when p and p' both maximise f . p; " + BRUTE)]
    rows += _hyperplane_rows(name, "Sec. 3", two, P2, solver)
    where_q = "Sec. 3, Fig. 1: q = 1/4 and 3/4, the only markets with several optimal payment rules"
    for q, (t1, t2) in ((0.25, ((0.75, 1.0), (1.0, 1.75))), (0.75, ((0.0, 0.75), (1.75, 2.0)))):
        ranges = two.payment_ranges([1 - q, q], solver=solver)
        for t, (lo, hi) in zip(("t1", "t2"), (t1, t2)):
            rows += [Check(name, f"Sec. 3, q = {q}: lowest optimal payment of {t}", lo, ranges.loc[t, "low"],
                           "derived", where_q, note="spec §B.6 (docs/hs.md#spec-b6), by hand: the two tied menus"),
                     Check(name, f"Sec. 3, q = {q}: highest optimal payment of {t}", hi, ranges.loc[t, "high"],
                           "derived", where_q, note="spec §B.6 (docs/hs.md#spec-b6), by hand: the two tied menus")]
    for q in (0.1, 0.5, 0.9):
        rows.append(Check(name, f"Sec. 3, q = {q}: unique optimal payment rule (1 = yes)", 1.0,
                          float(two.unique_payment_rule([1 - q, q], solver=solver)), "derived", WHERE_L4,
                          note="one vertex of P_V maximises f . p" + (ON_H_HALF if q == 0.5 else "")))
    f = np.array(MARKETS_611[0])
    for step in (0.01, -0.01):  # not a tolerance: Lemma 3's small perturbation
        g = f + step * (np.full(3, 1 / 3) - f)
        rows.append(Check(name, f"Sec. 6.1.1, f moved {step:+g} toward uniform: selected payments = (1, 1, 3) of "
                          "mechanism (b) (largest gap)", 0.0,
                          float(np.abs(three.selected(g, solver=solver)["payment"].to_numpy() - [1, 1, 3]).max()),
                          "paper-formula", "Sec. 6.2, Lemma 3", note="f has the unique optimal payment rule (1, 1, 3) "
                          "(spec §B.5), so markets close to f keep it: p(a1) = 1, p(a2) = 4 - 2 + 1"))
    rows += _hyperplane_rows(name, "Sec. 6.1.1", three, P3, solver)[:8]
    return rows


# ====================================================================== Lemma 6 (Online App. B.1.1)
def simple_example() -> MultiProductSeller:
    """A simple environment (Online App. B.1.1): t_L = (1, 2) is below every type on every alternative and a2 is
    every type's best alternative: t2 = (3, 4), t3 = (2, 5) over (a1, a2)."""
    return MultiProductSeller(pd.DataFrame({"a1": [1.0, 3.0, 2.0], "a2": [2.0, 4.0, 5.0]}, index=["tL", "t2", "t3"]))


@EXAMPLES.register("hs-claims-lemma6")
def _lemma6_rows(solver: str | None = None) -> list[Check]:
    """Lemma 6 on every optimal vertex of Q (brute force: the optimal face is their hull) and on the selected
    mechanisms; then the two-type market (1 - eps) t_L + eps t_abar that Pareto-dominates f."""
    name, where = "hs-claims-lemma6", "Online App. B.1.1, Lemma 6"
    seller, f = simple_example(), [0.5, 0.3, 0.2]
    V, best, low = seller.V, 2, 0  # a2 is the best alternative (column 2), tL the lowest type
    P = payment_polytope(seller)
    revenue = P.revenue(f)
    optimal = [(np.array(x, dtype=float), np.array(p, dtype=float)) for x, p in P.mechanisms
               if sum((_exact(a) * b for a, b in zip(f, p)), Fraction(0)) == revenue]
    selected = [seller.selected(f, rule=rule, solver=solver) for rule in ("efficient", "mincs")]
    mechanisms = optimal + [(s["allocation"].to_numpy(), s["payment"].to_numpy()) for s in selected]

    def holds(x: np.ndarray, p: np.ndarray) -> tuple[bool, bool, bool]:
        cs_low = V[low] @ x[low] - p[low]
        gets_best = x[:, best] >= 1 - ECON_TOL
        return (abs(cs_low) <= ECON_TOL, bool(gets_best.any()),
                bool((p[gets_best] > V[low, best] + ECON_TOL).any()))

    verdicts = np.array([holds(x, p) for x, p in mechanisms])
    brute = f"{len(optimal)} optimal vertices of Q ({BRUTE}) and the 'efficient' and 'mincs' selections"
    rows = [Check(name, "the market f = (0.5, 0.3, 0.2) is inefficient (1 = yes)", 1.0,
                  float(not selected[0]["efficient"]), "derived", where,
                  note="t2 gets the lottery (a1 + a2)/2: computed by hand from the selected menu")]
    for k, claim in enumerate(("(1) t_L's surplus is 0", "(2) some type gets the best alternative a2",
                               "(3) that type pays more than v(t_L, a2) = 2")):
        rows.append(Check(name, f"{claim} in every optimal mechanism checked (1 = yes)", 1.0,
                          float(verdicts[:, k].all()), "paper", where, note=brute))
    # the two-type market of the proof of Prop. 3 for simple environments
    t_best = int(np.flatnonzero(selected[0]["allocation"].to_numpy()[:, best] >= 1 - ECON_TOL)[-1])
    gap = V[low, best] - np.delete(V[low], best)
    eps = 0.5 * float((gap / (gap + V[t_best, best])).min())
    g = np.zeros(3)
    g[low], g[t_best] = 1 - eps, eps
    two = seller.selected(g, solver=solver)
    note = (f"eps = {eps:.6g}, half of min_a (v(tL, a2) - v(tL, a)) / (v(tL, a2) - v(tL, a) + v(t_abar, a2)) "
            "= 1/6, so that (1 - eps)(v(tL, a2) - v(tL, a)) > eps v(t_abar, a2)")
    rows += [Check(name, "two-type market: the price of a2 equals v(t_L, a2) (efficient menu)", V[low, best],
                   float(two["payment"].iloc[t_best]), "paper-formula", "Online App. B.1.1", note=note),
             Check(name, f"two-type market: CS({seller.type_index[t_best]}) = v(t_abar, a2) - v(t_L, a2)",
                   V[t_best, best] - V[low, best], float(two["consumer_surplus"].iloc[t_best]), "paper-formula",
                   "Online App. B.1.1", note=note),
             Check(name, "the two-type market Pareto-dominates f (1 = yes)", 1.0,
                   float(two["consumer_surplus"].iloc[t_best] > selected[0]["consumer_surplus"].iloc[t_best]
                         + ECON_TOL and abs(two["consumer_surplus"].iloc[low]) <= ECON_TOL), "paper",
                   "Online App. B.1.1 (Prop. 3 for simple environments)", note=note)]
    return rows
