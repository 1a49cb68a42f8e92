"""Haghpanah and Siegel (2021), "Pareto-Improving Segmentation of Multi-Product Markets".

Modules:

* `seller`: `MultiProductSeller` (data, markets, the mechanism LP M-LP(f) of [spec §B.1](hs.md#spec-b1) with the
  selection chain of [spec §B.2](hs.md#spec-b2), payment ranges over the optimal face);
* `segmentation`: the Pareto check ([spec §B.3](hs.md#spec-b3)) and the constructions (BBM greedy, Lemma 1 /
  Proposition 2 for two types, Proposition 3 / Lemma 5 and Theorem 1 for any number of types);
* `linear`: linear valuations (virtual values, virtual surplus, Corollary 2);
* `results`: `ParetoCheck`, `Segmentation`, `ParetoSearch`;
* `examples`: the Section 3 and §6.1.1 sellers and the reproduce checks `EXAMPLES`;
* `continuous`: a continuum of qualities with a convex cost (Appendix C; `MultiProductSeller.continuous`);
* `claims`, `claims_c1`, `claims_continuous`: issue 27's claim checks (the payment polytope by brute force,
  Lemmas 2-4 and 6, Figure 9, Corollaries 2 and 4, Appendix C), registered into `EXAMPLES`.

Departures from the paper ([spec §B.2](hs.md#spec-b2), §B.6):
* The paper leaves the selection rule open; the chain is ours ([spec §B.2](hs.md#spec-b2)). With it q = 1/4 in
  the Section 3 example selects the efficient mechanism and q = 3/4 the screening one.
* Section 3 says the unsegmented market has "a quarter of the consumers of type 1"; that is
  q = f(t_2) = 3/4 (at q = 1/4 screening only ties with the efficient menu).
* Footnote 11 claims that if an inefficient optimum is selected at q = 1/4 the market cannot be
  improved. That is false for the pure screening optimum (selected by the `mincs` rule): the split
  1/4 = 0.625 (q = 0.1) + 0.375 (q = 0.5) is Pareto improving ([spec §B.6](hs.md#spec-b6)); it is true for the
  randomised optima.
* The Theorem 1 construction needs a unique optimal payment rule; it is tested with 2|supp f| LPs
  (each payment's range over the optimal face, [spec §B.2](hs.md#spec-b2)) at HiGHS tolerances 1e-10. When a
  lexicographic stage is infeasible by round-off, the earlier goals are re-fixed with a slack 10x
  larger (up to 1e-6 relative); `sol["selection_slack"]` reports the slack used.
* Markets are solved on their support ([spec §B.1](hs.md#spec-b1) recommendation): zero-mass types do not affect
  revenue and are reported choosing their favourite entry of the selected menu.
"""

from .examples import EXAMPLES, section3, three_type_example
from .results import ParetoCheck, ParetoSearch, Segmentation
from .seller import MultiProductSeller

__all__ = ["EXAMPLES", "MultiProductSeller", "ParetoCheck", "ParetoSearch", "Segmentation", "section3",
           "three_type_example"]
