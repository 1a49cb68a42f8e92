"""The reproduce registry: every instance file with checks, and every paper's code-defined examples.

The papers' example lists are imported here explicitly; nothing registers itself on import. Every
row is a `core.reference.Check`: an expected number with its source and place in the paper, the
computed one, and a comparison at the tolerance of the solver's accuracy class.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pandas as pd

from ..core.errors import InputError
from ..core.reference import Check, Example
from ..core.tolerances import NO_TRADE_TOL
from ..papers.bdhn import EXAMPLES as BDHN
from ..papers.glp import EXAMPLES as GLP
from ..papers.hs import EXAMPLES as HS
from ..papers.yang import EXAMPLES as YANG
from .instances import instance_dir, load

#: the columns of `reproduce`'s table, in order (the first seven are `reproduce --json`'s keys)
COLUMNS = ["example", "quantity", "expected", "computed", "source", "where", "match", "tol", "note", "paper_value",
           "exact"]

WHERE_B2 = "App. B.2 (Cases 1-3), Sec. 4.1"


def _glp_equilibria(solver: str | None = None) -> list[Check]:
    """Section 4.1 / App. B.2 equilibria of the glp-section-4-1-e* instances, found by
    `competitive_equilibria`, next to the paper's closed forms; SW_H corrected ([spec §A.10.1](glp.md#spec-a10-1))."""
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
        no_trade = bool(ce["q"].map(lambda q: q.sum() <= NO_TRADE_TOL).any())
        rows.append(Check(name, "no-trade CE exists (1 = yes)", float(gamma_u <= 2 * rbar), float(no_trade),
                          "paper-formula", WHERE_B2, note="Cases 1 and 3: yes iff gamma_u <= 2 rbar"))
        trade = ce[ce["q"].map(lambda q: q.sum() > NO_TRADE_TOL)]
        if rbar >= (1 + gamma_u) / 2 or gamma_u < rbar:
            rows.append(Check(name, "number of CE with trade", 0.0, float(len(trade)), "paper-formula", WHERE_B2,
                              note="Case 1: no trade only"))
            continue
        q, x = trade["q"].iloc[0], trade["x"].iloc[0]
        q2 = min(qbar2, qbar1 / rbar)
        printed = qbar1 * (3 + gamma_u) + rbar * max(0.0, qbar2 - qbar1 / rbar)
        rows += [
            Check(name, "q*(1)", qbar1, q[0], "paper-formula", WHERE_B2, note="Case 2: q*(1) = qbar1"),
            Check(name, "q*(2)", q2, q[1], "paper-formula", WHERE_B2, note="Case 2: q*(2) = min(qbar2, qbar1/rbar)"),
            Check(name, "W(q*, x*)", qbar1 * (1 + gamma_u) + rbar * max(qbar2 - qbar1 / rbar, 0.0),
                  econ.welfare(q, x), "paper-formula", "Sec. 4.1, Case 2",
                  note="W = qbar1 (1 + gamma_u) + rbar max(qbar2 - qbar1/rbar, 0)"),
            Check(name, "SW(q_H*, x_H*)", qbar1 * (3 + gamma_u) + (2 - rbar) * (q2 - qbar1) + rbar * (qbar2 - qbar1),
                  econ.welfare(q, x, social=True),
                  "corrected", "App. B.1, SW(q_H*, x_H*)", paper_value=printed,
                  note="the paper's qbar1(3 + gamma_u) + rbar max(0, qbar2 - qbar1/rbar) omits the merchant's profit "
                       "on high types charged a = 2; corrected qbar1(3 + gamma_u) + (2 - rbar)(q*2 - qbar1) "
                       "+ rbar(qbar2 - qbar1) (spec §A.10.1 (docs/glp.md#spec-a10-1))"),
        ]
    return rows


TEXTBOOK_WHERE = "textbook: a degenerate vertex (Chvatal, Linear Programming, ch. 10)"
TEXTBOOK_HOW = ("by hand: V(a_x, a_y, b) = min(a_x + a_y, b) near (1, 1, 2), so every row's left derivative "
                "(rhs lowered) is 1 and its right one (rhs raised) is 0")


def _textbook_ranges(solver: str | None = None) -> list[Check]:
    """The one-sided prices of a maximisation at a degenerate vertex, next to the hand derivation: max x + y s.t.
    x <= 1, y <= 1, x + y <= 2 (three rows binding at (1, 1); the min-sense side is bdhn-outside-option)."""
    import cvxpy as cp

    from ..core.family import family
    from ..core.model import Model

    name, rows = "lp-textbook-degenerate", []
    model = Model("textbook degenerate vertex", sense="max")
    x = model.variable("x", 2, index=pd.Index(["x", "y"], name="var"), nonneg=True)
    model.constrain("cap", family(x, "<=", [1.0, 1.0], pd.Index(["x", "y"], name="var")))
    model.constrain("joint", family(cp.hstack([cp.sum(x)]), "<=", [2.0], pd.Index(["x + y"], name="row")))
    model.maximize(cp.sum(x))
    sol = model.solve(solver)
    rows.append(Check(name, "optimal value x + y", 2.0, sol.value, "derived", TEXTBOOK_WHERE, note=TEXTBOOK_HOW))
    for fam in ("cap", "joint"):
        ranges = sol.price_ranges(fam)
        for label, row in ranges.iterrows():
            rows += [Check(name, f"left price of {fam}[{label}] (rhs lowered)", 1.0, float(row["left"]), "derived",
                           TEXTBOOK_WHERE, note=TEXTBOOK_HOW),
                     Check(name, f"right price of {fam}[{label}] (rhs raised)", 0.0, float(row["right"]), "derived",
                           TEXTBOOK_WHERE, note=TEXTBOOK_HOW)]
    # dual feasibility: y_cap[x] + y_joint = 1 = y_cap[y] + y_joint, whichever vertex the solver returns
    cap, joint = sol.prices["cap"], float(sol.prices["joint"].iloc[0])
    rows.append(Check(name, "vertex prices: cap[x] + joint = cap[y] + joint = 1 (largest deviation)", 0.0,
                      float(max(abs(cap.iloc[0] + joint - 1), abs(cap.iloc[1] + joint - 1))), "derived",
                      TEXTBOOK_WHERE, note="the dual's rows for x and y: the objective's coefficients"))
    return rows


KG_WHERE = "Kamenica & Gentzkow (2011, AER), Sec. I (the prosecutor) and Cor. 2 (the value is the concavification)"
KG_HOW = "the concavification of v(mu) = 1[mu >= 1/2] (mu = P(guilty)): V(mu) = min(1, 2 mu)"


def _kg_concavification(solver: str | None = None) -> list[Check]:
    """The prosecutor's value as the prior P(guilty) = t moves from 0 to 1 (`value_function` on the persuasion LP's
    prior, an rhs path, exact) against KG's concavification V(t) = min(1, 2t): the kink at 1/2, value 1, slopes 2, 0."""
    from ..core.parametric import value_function
    from ..games.design import persuasion

    name = "kg-value-function-prior"
    model = persuasion(["i", "g"], [0.7, 0.3], ["a", "c"], [[1, 0], [0, 1]], [[0, 1], [0, 1]])
    vf = value_function(model, "prior", [1, 0], [0, 1], exact=True)
    bps, values, slopes = vf.exact_breakpoints, vf.exact_values, list(vf.exact_pieces["slope"])
    rows = [Check(name, "V(t) verified in rationals on every piece (1 = yes)", 1.0, float(bool(vf.verified)),
                  "paper-formula", KG_WHERE, note=vf.reason or KG_HOW),
            Check(name, "number of kinks", 1.0, float(len(bps)), "paper-formula", KG_WHERE, note=KG_HOW),
            Check.exactly(name, "kink t* = 1/2", bps[0], Fraction(1, 2), "paper-formula", KG_WHERE, note=KG_HOW),
            Check.exactly(name, "V(t*) = 1", values[0], 1, "paper-formula", KG_WHERE, note=KG_HOW),
            Check(name, "slopes (2, 0) (1 = equal as Fractions)", 1.0, float(slopes == [2, 0]), "paper-formula",
                  KG_WHERE, note=KG_HOW, exact=", ".join(map(str, slopes))),
            Check(name, "V(0.3): the prosecutor convicts 60% at the prior 0.3", 0.6, float(vf(0.3)), "paper",
                  "Kamenica & Gentzkow (2011, AER), Sec. I")]
    return rows + [Check(name, f"V(t = {t}) = min(1, 2t)", min(1.0, 2 * t), float(vf(t)), "paper-formula", KG_WHERE,
                         note=KG_HOW) for t in (0.0, 0.25, 0.75, 1.0)]


BBM_WHERE = "Bergemann, Brooks & Morris (2015, AER), Theorem 1 and Fig. 1 (the surplus triangle)"


def _bbm_frontier(solver: str | None = None) -> list[Check]:
    """The (consumer surplus, profit) pairs of all segmentations of the uniform market on values {1, 2, 3}
    (`om.frontier`, exact) against BBM's triangle (0, pi*), (E[v] - pi*, pi*), (0, E[v]), pi* = max_p p P(v >= p)."""
    import numpy as np

    from ..games.design import axes_of, segmentation
    from ..solvers.frontier import frontier

    name, values = "bbm-surplus-frontier", [1, 2, 3]
    model = segmentation(values, [1 / 3] * 3, profit_floor=None)
    v = np.asarray(values, float)
    sale = v[:, None] >= v[None, :]  # sale[value, price]
    select, mu = axes_of(model).selection(), model.var("mu")
    objectives = {"consumer_surplus": (select @ ((v[:, None] - v[None, :]) * sale).reshape(-1)) @ mu,
                  "profit": (select @ (v[None, :] * sale).reshape(-1)) @ mu}
    front = frontier(model, objectives, exact=True)
    q = Fraction(1, 3)
    best = max(p * q * sum(1 for w in values if w >= p) for p in values)  # pi* = 4/3
    mean = sum(w * q for w in values)  # E[v] = 2
    triangle = [(Fraction(0), best), (mean - best, best), (Fraction(0), mean)]
    how = f"pi* = max_p p P(v >= p) = {best}, E[v] = {mean}, in Fractions"
    got = list(front.exact_vertices or [])
    rows = [Check(name, "the polygon verified in rationals (1 = yes)", 1.0, float(bool(front.verified)),
                  "paper-formula", BBM_WHERE, note=front.reason or how),
            Check(name, "number of vertices", 3.0, float(len(got)), "paper-formula", BBM_WHERE, note=how)]
    labels = ("(0, pi*): no information", "(E[v] - pi*, pi*): consumer-optimal", "(0, E[v]): perfect discrimination")
    for label, vertex in zip(labels, triangle, strict=True):
        rows.append(Check(name, f"vertex {label} = ({vertex[0]}, {vertex[1]}) (1 = a vertex, equal as Fractions)",
                          1.0, float(tuple(vertex) in [tuple(g) for g in got]), "paper-formula", BBM_WHERE, note=how))
    rows.append(Check(name, "area = (E[v] - pi*)^2 / 2", float((mean - best) ** 2 / 2), float(front.area),
                      "paper-formula", BBM_WHERE, note=how))
    return rows


#: name -> fn(solver) -> list of Checks, in the order `optmarkets reproduce` prints them
EXAMPLES: dict[str, Example] = {**GLP, **YANG, **HS, **BDHN, "glp-section-4-1-equilibria": _glp_equilibria,
                                "lp-textbook-degenerate": _textbook_ranges,
                                "kg-value-function-prior": _kg_concavification, "bbm-surplus-frontier": _bbm_frontier}


def tasks(folder: Path | None = None, match: str = "") -> list[tuple[str, object]]:
    """(name, instance path or example function) of everything `reproduce` runs, in order."""
    folder = Path(folder) if folder is not None else instance_dir()
    if not folder.is_dir():
        raise InputError(f"models: no folder '{folder}'")
    match = match.casefold()  # --only is case-insensitive: "GLP" finds glp-section-4-1
    out: list[tuple[str, object]] = [(p.stem, p) for p in sorted(folder.glob("*.toml")) if match in p.stem.casefold()]
    return out + [(name, fn) for name, fn in EXAMPLES.items() if match in name.casefold()]


def accuracy(solver: str | None) -> str:
    """The accuracy class of a solver ("vertex", "interior", "first-order"), from the solver registry."""
    from .. import solvers as backends

    return backends.get(solver).accuracy


def reproduce(solver: str | None = None, folder: Path | None = None, match: str = "", *, exact: bool = False,
              progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """Run every instance file with checks and every registered example; one row per number.

    Rows are held to the tolerance of `solver`'s accuracy class (`core.reference.ACCURACY_TOL`).
    `exact` adds the verified rational optimum of instance-file rows whose output is an LP's value.
    `progress(done, total, name)` is called before each file or example. A file or example that
    raises is one failed row (`Check.failed`: the error as its note, never a match), not an abort.
    """
    todo = tasks(folder, match)
    acc = accuracy(solver)
    rows: list[Check] = []
    for i, (name, item) in enumerate(todo):
        if progress is not None:
            progress(i, len(todo), name)
        try:
            if isinstance(item, Path):
                inst = load(item)
                if not inst.checks:
                    continue
                rows += inst.reproduce(solver, exact=exact)
            else:
                rows += item(solver)  # type: ignore[operator]
        except Exception as error:  # any error is one failed row; the other rows still print
            rows.append(Check.failed(name, error))
    if progress is not None:
        progress(len(todo), len(todo), "")
    rows = [r.with_accuracy(acc) for r in rows]
    return pd.DataFrame([r.as_dict() for r in rows], columns=COLUMNS)
