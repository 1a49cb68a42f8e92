"""The reproduce registry: every instance file with checks, and every paper's code-defined examples.

The papers' example lists are imported here explicitly; nothing registers itself on import.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core.errors import InputError
from ..core.reference import Check, Example
from ..papers.bdhn import EXAMPLES as BDHN
from ..papers.glp import EXAMPLES as GLP
from ..papers.hs import EXAMPLES as HS
from ..papers.yang import EXAMPLES as YANG
from .instances import instance_dir, load


def _glp_equilibria(solver: str | None = None) -> list[Check]:
    """Section 4.1 / App. B.2 equilibria of the glp-section-4-1-e* instances, found by
    `competitive_equilibria`, next to the paper's closed forms; SW_H corrected (spec §A.10.1)."""
    try:
        paths = sorted(instance_dir().glob("glp-section-4-1-e*.toml"))
    except InputError:
        return []
    rows = []
    for path in paths:
        inst = load(path)
        econ, name = inst.build(), f"{path.stem} (CE)"
        (qbar1, qbar2), rbar, gamma_u = econ.mass, econ.outside_option[0], econ.gamma_u
        ce = econ.competitive_equilibria(solver)
        no_trade = bool(ce["q"].map(lambda q: q.sum() <= 1e-9).any())
        rows.append(Check(name, "no-trade CE exists (1 = yes)", float(gamma_u <= 2 * rbar), float(no_trade),
                          note="Case 1/3: yes iff gamma_u <= 2 rbar (App. B.2)"))
        trade = ce[ce["q"].map(lambda q: q.sum() > 1e-9)]
        if rbar >= (1 + gamma_u) / 2 or gamma_u < rbar:
            rows.append(Check(name, "trade CE exist", 0.0, float(len(trade)), note="Case 1: no trade only"))
            continue
        q, x = trade["q"].iloc[0], trade["x"].iloc[0]
        q2 = min(qbar2, qbar1 / rbar)
        printed = qbar1 * (3 + gamma_u) + rbar * max(0.0, qbar2 - qbar1 / rbar)
        rows += [
            Check(name, "q*(1)", qbar1, q[0], note="q*(1) = qbar1"),
            Check(name, "q*(2)", q2, q[1], note="q*(2) = min(qbar2, qbar1/rbar)"),
            Check(name, "W(q*, x*)", qbar1 * (1 + gamma_u) + rbar * max(qbar2 - qbar1 / rbar, 0.0),
                  econ.welfare(q, x), note="W = qbar1 (1 + gamma_u) + rbar max(qbar2 - qbar1/rbar, 0)"),
            Check(name, "SW(q_H*, x_H*)", None, econ.welfare(q, x, social=True),
                  note=f"paper prints {printed:.6g}: it omits the "
                       f"merchant's profit 2(q*2 - qbar1) on high types charged a = 2 (spec §A.10.1)"),
        ]
    return rows


#: name -> fn(solver) -> list of Checks, in the order `optmarkets reproduce` prints them
EXAMPLES: dict[str, Example] = {**GLP, **YANG, **HS, **BDHN, "glp-section-4-1-equilibria": _glp_equilibria}


def reproduce(solver: str | None = None, folder: Path | None = None, match: str = "") -> pd.DataFrame:
    """Run every instance file with checks and every registered example; one row per number."""
    rows: list[Check] = []
    folder = Path(folder) if folder is not None else instance_dir()
    if not folder.is_dir():
        raise InputError(f"models: no folder '{folder}'")
    for path in sorted(folder.glob("*.toml")):
        if match in path.stem:
            rows += load(path).reproduce(solver)
    for name, fn in EXAMPLES.items():
        if match in name:
            rows += fn(solver)
    return pd.DataFrame(
        [dict(example=r.example, quantity=r.quantity, paper=r.paper, computed=r.computed, match=r.match,
              note=r.note) for r in rows]
    )
