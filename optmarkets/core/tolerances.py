"""Every tolerance optmarkets uses, named once.

Checks of *data* (probabilities summing to one) are absolute: probabilities are dimensionless.
Checks of *solutions* (certificates, ties between optimal values, binding constraints) are
relative: a residual is compared with `tol * scale`, where the scale is the magnitude of the data
it is made of (see `core.solution.Certificate`). Paper modules import the names below; none
writes its own literal.
"""

from __future__ import annotations

#: Probabilities must sum to one within this absolute tolerance.
PROB_TOL = 1e-9
#: Default acceptance of a certificate: recomputed residuals relative to the data's magnitude.
CERT_TOL = 1e-7
#: A solve asked for with an explicit `tol` is accepted when its relative residuals are at most
#: max(CERT_TOL, CERT_PER_TOL * tol): a loose tolerance asked for is a loose answer accepted.
CERT_PER_TOL = 10.0
#: Default solver tolerance `Model.solve(tol=...)` translates into each backend's options.
SOLVE_TOL = 1e-8
#: Two optimal values are tied (best-of-candidates, ties between vertices) within this, relative.
TIE_TOL = 1e-12
#: Feasibility tolerances of HiGHS in the lexicographic selection chain (payments of light types
#: drift at 1e-7, [spec §0](hs.md#spec-0)).
SELECT_TOL = 1e-10
#: Slack when an earlier lexicographic objective is fixed, relative to max(1, |value|).
LEX_SLACK = 1e-10
#: The same slack for interior-point and first-order solvers (their optima are accurate to ~1e-8).
LEX_SLACK_INTERIOR = 1e-7
#: Successive multipliers of the lexicographic slack tried when a stage is infeasible by round-off.
LEX_RELAX = (1.0, 10.0, 1e2, 1e3, 1e4)
#: Comparisons of economic quantities read off a solution (surplus changes, binding rows), relative.
ECON_TOL = 1e-7
#: A payment rule is unique when every payment's range is below PAY_TOL * max(1, |revenue|) / f(t).
PAY_TOL = 1e-8
#: Binding-IC tolerance of the Haghpanah-Siegel Prop. 3 graph ([spec §B.5](hs.md#spec-b5): 1e-7 missed an edge).
BIND_TOL = 1e-6
#: Round-off in closed forms computed in floating point (hulls, cut-offs, greedy residuals).
ROUNDOFF = 1e-12
#: Relative tie between prices in a brute-force best response (Yang's evaluator).
PRICE_TIE = 1e-9
#: Relative MIP gap for exact MILP forms (HiGHS stops at 1e-4 by default).
MIP_GAP = 1e-9
#: Default tolerance of a reproduced number: |computed - expected| <= REPRODUCE_TOL * max(1, |expected|).
REPRODUCE_TOL = 1e-6
