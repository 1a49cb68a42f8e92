"""Independent reference numbers for Bonatti, Dahleh, Horel & Nouripour (Example 2.1), numpy/scipy only.

Written from the paper's formulas as the spec restates them (docs/bdhn.md, spec §B.1, §B.5, §B.6),
without importing optmarkets, so that `optmarkets reproduce` compares its LPs with numbers the
package did not compute:

- "exact": the exact discrete table of spec §B.5 (W_SB, W_FB, R, pit_R(v_1)) by the greedy of discrete
  Lemma 5.2 / Prop. 5.3 on the reference grid;
- "figure6": Fig. 6's revenue-optimal interim shares and payments on the figures' grid (Exp(1),
  m = 16 cells of width 1/2, p_max = 3/4, alpha = 1/4 and 1/2);
- "figure7": Fig. 7's W_FB, W_SB and R on the same grid (p_max = 1/2, 3/4; alpha = 1/4, 1/2, 1, 2);
- "continuum": the closed forms of Props. 5.4-5.8 (v*, v~, W_FB, W_SB, R) by adaptive quadrature.

Run `python references/bdhn_reference.py` for the JSON; tests/test_reference_scripts.py re-runs it and
checks that the tables shipped in optmarkets/papers/bdhn/examples.py are its output.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
from scipy import integrate

#: significant digits of the figures' tables (the shipped literals are this output, digit for digit)
DIGITS = 12
#: Figures 6-7's grid: Exp(1) cut at VMAX in M cells
FIG_M, FIG_VMAX = 16, 8.0
FIG6_PRIOR, FIG6_ALPHAS = 0.75, (0.25, 0.5)
FIG7_PRIORS, FIG7_ALPHAS = (0.5, 0.75), (0.25, 0.5, 1.0, 2.0)
#: spec §B.5's exact table: (dist, m, vmax, p_max, alpha)
EXACT_CASES = (("exponential", 10, 6.0, 0.5, 0.5), ("exponential", 10, 6.0, 0.75, 2.0),
               ("uniform", 10, 1.0, 0.5, 0.5), ("uniform", 10, 1.0, 0.75, 2.0),
               ("exponential", 40, 8.0, 0.5, 2.0))
#: spec §B.6's continuum table: (dist, p_max, alpha)
CONTINUUM_CASES = (("exponential", 0.5, 0.25), ("exponential", 0.5, 0.5), ("exponential", 0.5, 2.0),
                   ("exponential", 0.75, 0.5), ("exponential", 0.75, 2.0), ("uniform", 0.5, 0.5),
                   ("uniform", 0.75, 2.0))


def cdf(dist: str, v):
    v = np.asarray(v, float)
    if dist == "exponential":
        return np.where(v > 0, 1 - np.exp(-np.maximum(v, 0)), 0.0)
    return np.clip(v, 0.0, 1.0)


def grid(dist: str, m: int, vmax: float) -> tuple[np.ndarray, np.ndarray]:
    """Spec §B.1: cells [e_{k-1}, e_k) of linspace(0, vmax, m + 1), midpoints, the last cell takes the tail."""
    e = np.linspace(0.0, vmax, m + 1)
    big_f = cdf(dist, e)
    big_f[-1] = 1.0
    return (e[:-1] + e[1:]) / 2, np.diff(big_f)


def greedy_rows(w: np.ndarray, f: np.ndarray, p_max: float | None) -> np.ndarray:
    """Discrete Lemma 5.2: each row k1 maximises sum_k2 f w h s.t. sum f h >= p_max, h in [0, 1], with
    w(k1, .) non-increasing: h = 1 where w > 0, then fill increasing k2 until the mass is p_max."""
    h = (w > 0).astype(float)
    if p_max is None:  # first best: no obedience
        return h
    for k1 in range(len(f)):
        need = p_max - f @ h[k1]
        for k2 in range(len(f)):
            if need <= 0:
                break
            if h[k1, k2] < 1:
                add = min(1.0 - h[k1, k2], need / f[k2])
                h[k1, k2] += add
                need -= add * f[k2]
    return h


def shares(h: np.ndarray, f: np.ndarray, alpha: float) -> np.ndarray:
    """pit_1(k1) = sum_k2 f(k2) (h_1(k1, k2) - alpha h_2(k1, k2)), with h_2(k1, k2) = h(k2, k1) by symmetry."""
    return (h - alpha * h.T) @ f


def discrete(dist: str, m: int, vmax: float, p_max: float, alpha: float) -> dict:
    """W_FB, W_SB, R, and the revenue-optimal shares and payments on the grid (spec §B.5)."""
    v, f = grid(dist, m, vmax)
    big_f = np.cumsum(f)
    # discrete virtual values, phi_m = v_m
    phi = np.append(v[:-1] - np.diff(v) * (1 - big_f[:-1]) / f[:-1], v[-1])
    assert np.all(np.diff(phi) >= 0), "the greedy needs non-decreasing virtual values"

    def welfare(h: np.ndarray) -> float:
        return 2 * float(f @ (v * shares(h, f, alpha)))

    w_fb = welfare(greedy_rows(v[:, None] - alpha * v[None, :], f, None))
    w_sb = welfare(greedy_rows(v[:, None] - alpha * v[None, :], f, p_max))
    pit = shares(greedy_rows(phi[:, None] - alpha * phi[None, :], f, p_max), f, alpha)
    # downward-adjacent IC binding; IR binding at v_1 with K = p_max - alpha
    t = np.empty(m)
    t[0] = v[0] * (pit[0] - (p_max - alpha))
    for k in range(1, m):
        t[k] = t[k - 1] + v[k] * (pit[k] - pit[k - 1])
    return dict(W_FB=w_fb, W_SB=w_sb, R=2 * float(f @ t), share=pit, payment=t)


def continuum(dist: str, p_max: float, alpha: float) -> dict:
    """Spec §B.6 (Props. 5.4-5.8) by quadrature: v*, v~, W_FB, W_SB, R."""
    if dist == "exponential":
        pdf, stop, v_star = (lambda x: math.exp(-x)), 60.0, -math.log(1 - p_max)  # Exp(1) beyond 60: < 1e-25
        phi, phi_inv = (lambda x: x - 1), (lambda y: y + 1)
    else:
        pdf, stop, v_star = (lambda x: 1.0), 1.0, p_max
        phi, phi_inv = (lambda x: 2 * x - 1), (lambda y: (y + 1) / 2)
    v_low, k = 0.0, p_max - alpha

    def big_f(x: float) -> float:
        return float(cdf(dist, x))

    def big_g(y: float) -> float:  # P(phi(V) <= y), clipped through F
        return big_f(phi_inv(y))

    def pit_sb(x: float) -> float:  # Prop. 5.5
        return max(big_f(v_star), big_f(x / alpha)) + alpha * (x > v_star) * big_f(alpha * x) - alpha

    def pit_r(x: float) -> float:  # Prop. 5.8
        return max(big_f(v_star), big_g(phi(x) / alpha)) + alpha * (x > v_star) * big_g(alpha * phi(x)) - alpha

    v_tilde = phi_inv(alpha * phi(v_star))
    kinks = sorted({v_star, v_tilde, alpha * v_star, v_star / alpha, phi_inv(0.0), 1.0})
    edges = [0.0, *[x for x in kinks if 0 < x < stop], stop]

    def expect(fn) -> float:  # E[fn(V)], split at the kinks
        return sum(integrate.quad(lambda x: fn(x) * pdf(x), a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
                   for a, b in itertools.pairwise(edges))

    def gain(x: float) -> float:  # E[(x - alpha Y)^+] for the rival's Y
        top = min(stop, x / alpha)
        return integrate.quad(lambda y: (x - alpha * y) * pdf(y), 0.0, top, epsabs=1e-13, epsrel=1e-12)[0]

    return {"v*": v_star, "v~": v_tilde,
            "W_FB": 2 * expect(gain),  # Prop. 5.4: h_i = 1{V_i >= alpha V_j}
            "W_SB": 2 * expect(lambda x: x * pit_sb(x)),
            "R": 2 * expect(lambda x: phi(x) * pit_r(x)) - 2 * v_low * k}  # Prop. 5.7: R = 2E[phi pit_R] - 2 v_low K


def _round(x: float) -> float:
    return float(f"{x:.{DIGITS}g}") + 0.0


def tables() -> dict:
    exact = []
    for dist, m, vmax, p, a in EXACT_CASES:
        d = discrete(dist, m, vmax, p, a)
        exact.append(dict(dist=dist, m=m, vmax=vmax, p_max=p, alpha=a, W_SB=d["W_SB"], W_FB=d["W_FB"], R=d["R"],
                          pit_R_v1=float(d["share"][0])))
    figure6 = {}
    for a in FIG6_ALPHAS:
        d = discrete("exponential", FIG_M, FIG_VMAX, FIG6_PRIOR, a)
        figure6[str(a)] = dict(share=[_round(x) for x in d["share"]], payment=[_round(x) for x in d["payment"]])
    figure7 = []
    for p in FIG7_PRIORS:
        for a in FIG7_ALPHAS:
            d = discrete("exponential", FIG_M, FIG_VMAX, p, a)
            figure7.append(dict(p_max=p, alpha=a, W_FB=_round(d["W_FB"]), W_SB=_round(d["W_SB"]), R=_round(d["R"])))
    cont = [dict(dist=dist, p_max=p, alpha=a, **continuum(dist, p, a)) for dist, p, a in CONTINUUM_CASES]
    return dict(grid=dict(m=FIG_M, vmax=FIG_VMAX), exact=exact, figure6=figure6, figure7=figure7, continuum=cont)


if __name__ == "__main__":
    print(json.dumps(tables(), indent=1))
