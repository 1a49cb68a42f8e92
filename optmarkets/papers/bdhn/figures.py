"""The data of BDHN's Figures 6 and 7 (Exp(1) types), from the LPs on a grid and from the closed forms.

Figure 6: the revenue-optimal interim market share pit_R(v) and payment t(v) against the type, for
alpha = 1/4 and 1/2, with the biased prior p_max = 3/4 (v* = ln 4 > v0 = 1).
Figure 7: first-best and second-best welfare and the optimal revenue against alpha, for the priors
p_max = 1/2 and 3/4.

`figure6` and `figure7` return the plotted data as DataFrames; `examples.py` checks them against the
exact greedy solution on the same grid (an LP-free closed form) and against the paper's statements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .continuum import Continuum
from .seller import InformationSeller

#: the reference grid of the figures' LP data (Exp(1) cut at VMAX; cells of width VMAX/M)
M, VMAX = 16, 8.0
FIG6_PRIOR, FIG6_ALPHAS = 0.75, (0.25, 0.5)
FIG7_PRIORS, FIG7_ALPHAS = (0.5, 0.75), (0.25, 0.5, 1.0, 2.0)


def seller(p_max: float, alpha: float, m: int = M, vmax: float = VMAX) -> InformationSeller:
    return InformationSeller.from_distribution("exponential", m=m, vmax=vmax, state_prior=[p_max, 1 - p_max],
                                               alpha=alpha)


def figure6(solver: str | None = None, alphas=FIG6_ALPHAS, p_max: float = FIG6_PRIOR) -> pd.DataFrame:
    """One row per (alpha, type): the LP's interim share and payment, the greedy's, and the continuum's."""
    frames = []
    for alpha in alphas:
        s = seller(p_max, alpha)
        sol, exact, cont = s.revenue_optimal().solve(solver), s.greedy("revenue"), Continuum("exponential", p_max,
                                                                                            alpha)
        v = s.types
        frames.append(pd.DataFrame({
            "alpha": alpha, "v": v,
            "share": sol["pit"].iloc[:, 0].to_numpy(), "payment": sol["t"].iloc[:, 0].to_numpy(),
            "share_greedy": exact.pit, "payment_greedy": exact.payments,
            "share_continuum": cont.pit_revenue(v), "payment_continuum": [float(cont.payment_revenue(x)) for x in v],
        }))
    return pd.concat(frames, ignore_index=True)


def figure7(solver: str | None = None, priors=FIG7_PRIORS, alphas=FIG7_ALPHAS) -> pd.DataFrame:
    """One row per (p_max, alpha): W_FB, W_SB and R from the LPs on the grid, from the greedy, and in the continuum."""
    rows = []
    for p in priors:
        for alpha in alphas:
            s, c = seller(p, alpha), Continuum("exponential", p, alpha)
            rows.append(dict(
                p_max=p, alpha=alpha,
                W_FB=s.welfare_optimal(first_best=True).solve(solver).value,
                W_SB=s.welfare_optimal().solve(solver).value,
                R=s.revenue_optimal().solve(solver).value,
                W_FB_greedy=s.greedy("first_best").value, W_SB_greedy=s.greedy("welfare").value,
                R_greedy=s.greedy("revenue").value,
                W_FB_continuum=c.welfare_first_best(), W_SB_continuum=c.welfare_second_best(),
                R_continuum=c.revenue()))
    return pd.DataFrame(rows)


def monotone(values, increasing: bool) -> bool:
    """Strictly monotone in the order given."""
    d = np.diff(np.asarray(values, float))
    return bool((d > 0).all() if increasing else (d < 0).all())
