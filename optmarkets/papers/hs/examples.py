"""The paper's examples: the sellers of Section 3 and §6.1.1, and the code-defined reproduce
checks (`EXAMPLES`, a `core.reference.Examples` registry the application's reproduce command reads)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core.reference import Check, Examples
from .results import ParetoSearch
from .seller import MultiProductSeller

EXAMPLES = Examples()  # this paper's code-defined reproduce examples


def section3(qualities: int = 2) -> MultiProductSeller:
    """[HS] Section 3: t1 values (L, H) = (0.75, 1), t2 (1, 2); one quality keeps only H."""
    table = pd.DataFrame({"L": [0.75, 1.0], "H": [1.0, 2.0]}, index=["t1", "t2"])
    return MultiProductSeller(table if qualities == 2 else table[["H"]])


def three_type_example() -> MultiProductSeller:
    """[HS] §6.1.1: t1 = (1, 0.5), t2 = (2, 2.5), t3 = (2, 4) over (a1, a2) (spec §B.5)."""
    return MultiProductSeller(pd.DataFrame({"a1": [1.0, 2.0, 2.0], "a2": [0.5, 2.5, 4.0]},
                                           index=["t1", "t2", "t3"]))


def _found(search: ParetoSearch, attribute: str) -> float:
    """A number of the segmentation the search found (NaN when it found none: the check then fails
    and its note carries the search's reason)."""
    return np.nan if search.segmentation is None else float(getattr(search.segmentation, attribute))


def _note(search: ParetoSearch, note: str) -> str:
    return note if search.segmentation is not None else search.reason


@EXAMPLES.register("hs-section-3")
def _section3_checks(solver: str | None = None) -> list[Check]:
    two, one = section3(2), section3(1)
    rows = []
    for q in (0.1, 0.5, 0.9):
        sol = two.mechanism_problem([1 - q, q]).solve(solver)
        rows.append(Check("hs-section-3", f"Rev(q={q}) = max(1, 0.75 + q, 2q)", max(1, 0.75 + q, 2 * q), sol.value))
    none = two.pareto_search([0.25, 0.75])
    rows.append(Check("hs-section-3", "q = 3/4 has no Pareto-improving segmentation (1 = none)", 1.0,
                      float(none.segmentation is None), note=none.reason))
    seg = two.pareto_search([0.5, 0.5])
    rows.append(Check("hs-section-3", "q = 1/2: Prop 2 split raises revenue (> 0)", None,
                      _found(seg, "revenue_change"), note=_note(seg, "Pareto improving; revenue strictly up")))
    for y in (0.1, 0.2, 0.25):
        chk = one.check_segmentation([0.25, 0.75], *_single_split(y))
        rows.append(Check("hs-section-3", f"one quality, q = 3/4: split y = {y} revenue = 1.75 - y",
                          1.75 - y, chk.revenue_after, note=f"Pareto improving: {chk.pareto_improving}"))
    mincs = two.check_segmentation([0.75, 0.25], [[0.9, 0.1], [0.5, 0.5]], [0.625, 0.375], rule="mincs")
    rows.append(Check("hs-section-3", "footnote 11 (corrected): q = 1/4 under min-CS selection, "
                      "split 0.625 (q=.1) + 0.375 (q=.5) revenue", None, mincs.revenue_after,
                      note=f"paper: not improvable; spec §B.6: Pareto improving = {mincs.pareto_improving}, "
                      "revenue 1 -> 1.09375"))
    return rows


def _single_split(y: float) -> tuple[np.ndarray, np.ndarray]:
    """Section 3, one quality, q = 3/4: (all t1 + mass y of t2) and the rest."""
    first = np.array([0.25, y])
    rest = np.array([0.0, 0.75 - y])
    w = np.array([first.sum(), rest.sum()])
    return np.vstack([first / w[0], rest / w[1]]), w


@EXAMPLES.register("hs-6-1-1")
def _three_type_checks(solver: str | None = None) -> list[Check]:
    seller = three_type_example()
    f = [0.625, 0.1442, 0.2308]  # spec §B.5 prints it rounded to (0.625, 0.144, 0.231)
    fp, _, _ = seller.prop3_market(f)
    rows = [Check("hs-6-1-1", f"Prop 3 market f'({t})", paper, float(fp[t]), note="spec §B.5 (paper gives no numbers)")
            for t, paper in zip(seller.type_index, (0.75, 0.21875, 0.03125))]
    seg = seller.pareto_search(f)
    rows.append(Check("hs-6-1-1", "Theorem 1 split: revenue before", 1.4616, _found(seg, "revenue_before"),
                      note=_note(seg, "spec §B.5")))
    rows.append(Check("hs-6-1-1", "Theorem 1 split: revenue after", 1.4822, _found(seg, "revenue_after"),
                      note=_note(seg, "spec §B.5")))
    rows.append(Check("hs-6-1-1", "Theorem 1 split is Pareto improving (1 = yes)", 1.0,
                      _found(seg, "pareto_improving")))
    return rows
