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
#: A segment an LP's segmentation gives at most this mass is dropped (absolute; masses are probabilities).
SEGMENT_MASS_TOL = 1e-12
#: Corollary 2 split ([HS] App. C): the perturbed market must raise the type's expected quality by more
#: than this (a threshold of the construction, not a round-off tolerance).
QUALITY_RISE = 1e-4
#: Row generation adds a lazy row violated by more than this times its row's magnitude, relative.
ROWGEN_TOL = 1e-9
#: A magnitude below this is zero when it would be divided by (a guard against 0/0, not a tolerance).
DIVISION_FLOOR = 1e-300
#: Price ranges (`solvers.ranging`, `solvers.face`): the optimal dual face is {dual objective >=
#: optimum - eps * max(1, |optimum|)}, eps the first of these for which it is feasible (the optimum is a float).
RANGE_FACE_TOLS = (1e-12, 1e-10, 1e-8)
#: HiGHS's primal and dual feasibility tolerances on the face LPs (tighter than the face's eps above).
RANGE_HIGHS_TOL = 1e-10
#: A face point or ray HiGHS returns is accepted when it violates no face row by more than this,
#: relative to the row's terms (recomputed, not HiGHS's word).
RANGE_CHECK_TOL = 1e-7
#: A one-sided derivative within this (relative) of the vertex price is the vertex price: the face
#: relaxation by eps moves the extremes by round-off.
RANGE_SNAP_TOL = 1e-9
#: The given price is HiGHS's vertex price (so rhs_low, rhs_high apply to it) within this, relative.
RANGE_PRICE_TOL = 1e-7
#: The family-to-standard-form row map's probe residual above this (relative) means the map is wrong.
RANGE_PROBE_TOL = 1e-7
#: A basic variable's entry of B^-1 e_k below this in magnitude does not limit the rhs ranging ratio test.
RANGE_PIVOT_TOL = 1e-12
#: Certificate: a variable that is ~0 everywhere has its sign violations measured against this fraction
#: of the model's largest |x|.
DOMAIN_FLOOR = 1e-3
#: Certificate: a column's reduced cost is relative to its own terms |grad f_j| + sum_i |y_i a_ij|, at least
#: this fraction of the variable's largest column (round-off in the duals, ~1e-16 of it, stays far below CERT_TOL).
COLUMN_FLOOR = 1e-8
#: ... and an interior point's (Clarabel, ECOS, SCS) column reduced costs relative to their own terms, above which
#: it is retried and then refused: its accuracy is its stopping gap, not a vertex's round-off (measured over the
#: conic tests: certified answers up to 8e-5, a term below the solver's scaled tolerance at 0.03 to 1).
INTERIOR_COLUMN_TOL = 1e-4
#: Loosest a reproduced number's tolerance is tightened to for first-order solvers (SCS reaches ~1e-4 to
#: 1e-6 at its default iteration caps); vertex and interior-point solvers are held to REPRODUCE_TOL.
REPRODUCE_TOL_FIRST_ORDER = 1e-4
#: A competitive equilibrium whose traded quantities sum to at most this (absolute) is the no-trade one.
NO_TRADE_TOL = 1e-9
#: A number a paper prints to 4 decimals is matched within half a unit of its last digit.
PRINTED_4_TOL = 5e-5
#: Richardson limit of two grid LP values against the continuum optimum (Yang Example 1): the
#: extrapolation keeps the O(1/n^2) oscillation, so it matches to this, not to REPRODUCE_TOL.
RICHARDSON_TOL = 1e-5
#: Unbounded supports are integrated up to the (1 - TAIL_MASS) quantile (the truncated mass).
TAIL_MASS = 1e-15
#: Absolute and relative accuracy asked of scipy's quadrature (`integrate.quad`) for closed-form integrals.
QUAD_TOL = 1e-12
#: Absolute x tolerance of scipy's bounded scalar minimisation (`minimize_scalar(..., "bounded")`).
SCALAR_XTOL = 1e-10
#: Two abscissae of a concave majorant / convex minorant within this (absolute) are the same point.
HULL_X_TOL = 1e-15
#: The lexicographic chain's extracted goal coefficients must reproduce cvxpy's value of each goal at the
#: optimum within this, relative (else the extraction is wrong and the chain falls back).
GOAL_CHECK_TOL = 1e-9
#: An IIS's elastic slack above this (absolute) puts its row "in conflict".
IIS_SLACK_TOL = 1e-9
#: A HiGHS LP whose certificate fails under both scalings is solved once more with its tolerances
#: multiplied by this (`core.solve.run`).
RETRY_TIGHTEN = 1e-2
#: The CLI's tables print a number below this in magnitude as 0 (display only: round-off, never "-0").
DISPLAY_ZERO = 1e-9
#: A retry of a HiGHS LP (`core.solve.run`) may take this many times the first solve's time (at least
#: RETRY_MIN_SECONDS): a scaling that suits a simplex can slow an interior point twentyfold.
RETRY_TIME_FACTOR = 3.0
RETRY_MIN_SECONDS = 1.0
#: Value functions (`solvers.value_function`): two path positions t in [0, 1] within this are one point (the
#: walk's resolution: a linear piece shorter than this may be bridged by its chord).
VF_T_TOL = 1e-9
#: The first probe past a breakpoint is this far along the path (in t); cut eightfold while it skips a piece.
VF_PROBE_STEP = 1e-6
#: In a basis's ratio test, a rate of change below this times the group's largest rate is zero (round-off).
VF_RATE_TOL = 1e-11
#: Adjacent pieces whose slopes agree within this, relative to max(1, |slope|), are one piece.
VF_SLOPE_TOL = 1e-9
#: The standard form at the path's midpoint must be the mean of its ends within this, relative (else the
#: parameter does not enter affinely: a derived parameter, say).
VF_AFFINE_TOL = 1e-9
#: Frontier (`solvers.frontier`): an optimum along an edge's normal within this of the edge (relative to the
#: points' magnitude) makes it an edge; points this close are one vertex, turns with a sine below it are straight.
FRONTIER_TOL = 1e-7
#: ... and an entry of its LPs' cost w1 F1_j + w2 F2_j within this many machine epsilons of |w1 F1_j| + |w2 F2_j| is
#: round-off of a cancellation, set to 0 (0.48 - (0.48 / 1.55) 1.55 = 5.6e-17 made a certificate's scale 2e-17).
FRONTIER_CANCEL_EPS = 8.0
#: Price ranges: the optimal basis is primal non-degenerate (so the duals are unique and every row's one-sided
#: derivatives are its vertex price, no face LP) when every basic variable is farther than this from its bounds,
#: relative to max(1, |bound|) (HiGHS's default primal feasibility tolerance: closer may be on the bound).
RANGE_NONDEGENERATE_TOL = 1e-7
#: Farkas certificates and unbounded rays (`solvers.farkas`): a float weight below this times the largest, each in
#: its own units (the equilibrated auxiliary LP: a weight 1/K on a row K x0 >= K is ~1 there), is zero before
#: rounding to rationals, and a column (row) sum below this times its terms is cancelled (tight).
FARKAS_ZERO_TOL = 1e-9
#: exact(): HiGHS's primal and dual feasibility tolerances for the basis it then proves in rationals (at the
#: default 1e-7 a BBM segmentation at n = 60 ended 11 basic variables off their bounds: 26 exact pivots; 1e-9: 0).
EXACT_HIGHS_TOL = 1e-10
#: exact() of a Solution without its own basis (a selection chain's, row generation's, an interior point's): a row
#: or column bound within this of the Solution's point (relative to its family's or variable's magnitude) is one
#: the point meets ...
POINT_BASIS_TOL = 1e-7
#: ... and the vertex found is the Solution's when no column is farther than this from its point, relative to its
#: variable's largest entry: a selection chain's point lies within its stages' slack of P's vertex, not on it (HS
#: with 40 random types: 4.4e-6 off at a 1e-9 slack; 80 types: 9.2e-7).
POINT_MOVED_TOL = 1e-5
#: Conic (Clarabel) mechanisms of a continuum of qualities (`papers.hs.continuous`): qualities and consumer surpluses
#: compared within this, relative (an interior point's optimum is accurate to about 1e-8; surpluses are differences).
CONIC_CS_TOL = 1e-6
#: Corollary 2 on a continuous cost: phi(t) lowered by this (relative to max v) must keep a(t) optimal, i.e. phi(t) -
#: step >= C'_-(a(t)); far above the solver's error in phi and a, far below the gaps between a cost's slopes.
CONTINUOUS_PHI_STEP = 1e-4
#: ... where C'_-(a) is the difference quotient over this step (relative to the largest efficient quality), small
#: against CONTINUOUS_PHI_STEP so that a strictly convex C (quotient a - step/2 for a^2/2) never passes the test.
CONTINUOUS_DIFF_STEP = 1e-6
#: Clarabel's tolerance on these programs: at a degenerate optimum (a quality on a bound with a zero multiplier, as
#: a-bar = 1 for v = 1, C = a^2/2 on [0, 1]) the quality's error is about sqrt(tol): 1e-4 at 1e-8, 1e-6 at 1e-12.
CONIC_SOLVE_TOL = 1e-12
#: Price ranges by a parametric step (`solvers.ranging_step`): a tableau entry of the leaving row below this times the
#: row's largest is round-off, never a pivot (a tiny pivot blows the tangent direction up).
RANGE_STEP_PIVOT_TOL = 1e-9
#: ... and reduced costs are relaxed by this (relative to max(1, max |c|)) in its two-pass (Harris) ratio test, so that
#: among near-ties the largest pivot is taken: the step's dual stays feasible to this, far below the face LPs' eps.
RANGE_STEP_DUAL_TOL = 1e-11
#: Price ranges on the basis's degenerate core (`solvers.tangent_core`): an entry of B^-1 [A, -I] below this times its
#: column's largest is round-off of the solve and left out of the core LP (each answer is then checked on A itself).
RANGE_CORE_DROP_TOL = 1e-12
#: A conic program's rescaled retry scales each column by its entry of the first answer, at least this
#: fraction of the largest (`solvers.conic_scaling`): entries that are 0 at the optimum keep a scale.
COLUMN_SCALE_FLOOR = 1e-6
#: HIGHS_PDLP: HiGHS's first-order PDLP stops at this relative optimality (or the solve's tol, if looser);
#: its crossover then finds an optimal basis (a random LP, 300 x 600: 0.26 s of PDLP, 2 ms of crossover).
PDLP_TOL = 1e-6
#: exact() through exact parameters (`solvers.exact_data`): a coefficient's probe ratio must be within this of its
#: entry's factor r_k (factors ~1/K apart), and its exact value's rounding within this of its float, relative.
EXACT_DATA_FIT = 1e-9
#: Symmetry of a game or a mechanism (`games.symmetry`, `mechanisms.symmetry`): a permutation is a symmetry when
#: every entry of the LP's data (each obedience or IC coefficient, the objective, the prior, the likelihoods) equals
#: its image within this, relative to the entry's own magnitude (plus SYMMETRY_ROUNDOFF: never a global scale, under
#: which an asymmetric game at 1e-4 beside payoffs of 1e6 was taken as symmetric).
SYMMETRY_TOL = 1e-9
#: Rows of a family matched under a symmetry (`builders.symmetry.row_map`): their coefficients and right-hand
#: sides must agree within this, each relative to its own magnitude (plus SYMMETRY_ROUNDOFF of the row's largest).
SYMMETRY_ROW_TOL = 1e-9
#: The symmetry search's invariants (`permutation_generators`' signature: means over a game's or a mechanism's
#: data) are compared within a few SYMMETRY_TOL plus this, their own round-off (means of up to millions of terms).
SYMMETRY_SIGNATURE_ROUNDOFF = 1e-12
#: Certificate: a column's reduced cost is also measured against its data at the model's price scale, this
#: fraction of max_i |a_ij| x max |y|: a column whose rows are all priced ~0 (a segmentation's suffix masses at a
#: vertex that prices no obedience row) has only round-off in its own terms, and its reduced cost (round-off of
#: the model's prices, 2e-12 at n = 60) is no dual infeasibility. A column of small data keeps a small floor.
DUAL_DATA_FLOOR = 1e-5
#: Symmetry (`builders.symmetry.agree`): besides SYMMETRY_TOL of its own magnitude, an entry of the LP's data may
#: differ from its image by this times the magnitudes it is computed from (a gain u(b') - u(b): |u(b')| + |u(b)|;
#: a value: its type's largest), a few machine epsilons: their round-off, not a difference the LP can see.
SYMMETRY_ROUNDOFF = 1e-15
#: A 2-norm (any p-norm, 1 < p < inf) is at its kink where its argument is below this times the argument's own
#: terms (sum |a_ij x_j| + |b_i|): an interior point's min |x - q| stops at |x - q| ~ 1e-9, where cvxpy's gradient
#: is a unit vector pointing anywhere, and the certificate read a correct optimum as dual infeasible by 100%.
NORM_KINK_TOL = 1e-6
#: HiGHS's MILP absolute gap (`registry._highs_tol`): at most this, its own default, however loose `tol` is (the
#: gap is in the model's units); a tighter `tol` tightens it too, as it does mip_rel_gap.
MIP_ABS_GAP = 1e-6
#: A row is held to its coefficients times its variables' largest entry (the certificate's and row generation's
#: floor, for a row ~0 at the point) only where its right-hand side is below this times that floor: a homogeneous
#: row (obedience, a massless consistency cell) or one whose rhs is round-off at that scale (a lexicographic
#: stage's floor of 1e-12 on goals of 1). A row with a rhs of its own (x1 >= 1 beside x0 = 1e8 in one variable)
#: is held to |b_i| + sum |a_ij x_j|: under the floor of 1e8 it passed violated by 39%. Beyond 1e9 (x0 = 1e10)
#: a rhs of 1 is below the solver's resolution at the variable's scale and the floor applies.
ROW_FLOOR_RHS = 1e-9
#: Value functions' `binding` (`value_function_result._binding`): a price whose terms y_i a_ij are below this in the
#: path's LP scaled to magnitude one (`Path.d_unit`) is round-off of the dual solve (1e-16 on a row whose columns
#: cost 0 is not a price), whatever its share of the columns it prices.
VF_PRICE_ROUNDOFF = 1e-12
#: The sandwich (`solvers.value_function_sandwich`) compares V(t*) with a supporting line's value within VF_SLOPE_TOL
#: of the slopes' terms over the interval plus this times |V| (the values' own round-off): with a constant 1e8 in V,
#: a gap of 0.04 at t* read as 4e-10 of V and a kink was dropped (V(1) off by 0.043).
VF_VALUE_ROUNDOFF = 1e-11
#: An interior point's price on a row that is slack (relative slack above NEAR_ACTIVE_SLACK) is the solver's mu /
#: slack, not a derivative: where such a price exceeds NEAR_ACTIVE_PRICE of the objective's magnitude (times the
#: row's), the answer is re-solved tighter (a row 1e-7 from active carried 1.4% of the price of its twin).
NEAR_ACTIVE_SLACK = 1e-7
NEAR_ACTIVE_PRICE = 1e-6
