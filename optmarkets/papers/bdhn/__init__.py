"""Bonatti, Dahleh, Horel & Nouripour (2022), "Selling Information in Competitive Environments".

Modules: `seller` (InformationSeller: data and primitives), `programs` (the LPs and their
outputs), `symmetry` (orbits of the buyer and state swaps), `lazy` (row generation), `exact` (the
greedy exact solution, product rule), `continuum` (closed forms), `examples` (the reproduce registry
and reference tables).

Example 2.1 (binary product choice): two buyers i in {1, 2} choose a_i in {0, 1} in a state
theta in {0, 1} with prior rho (p_max = max rho). Buyer i's share is (eq. (4), corrected)

    pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta},       alpha >= 0,

worth v_i pi_i - t_i to a buyer of private type v_i. Types lie on a grid v_1 < ... < v_m (all > 0)
with probabilities f_k > 0, iid across buyers and independent of theta. The seller commits to a
recommendation rule sigma(a1, a2 | theta, k1, k2) and interim payments t_i(k) ([spec §B.2](bdhn.md#spec-b2)). With the
auxiliary interim shares ([spec §B.3](bdhn.md#spec-b3))

    pit_i(k) = sum_{theta, k_j, a} rho(theta) f(k_j) sigma(a | theta, k) pi_i(a; theta)

the problems ([spec §B.4](bdhn.md#spec-b4), all LPs over the full rule: 8 m^2 variables) are

    FB-W   max W = sum_i sum_k f_k v_k pit_i(k)       s.t. sum_a sigma = 1, sigma >= 0
    SB-W   max W                                       s.t. ... + obedience
    REV    max R = sum_i sum_k f_k t_i(k)             s.t. ... + obedience + IC + IR
    VS     max sum_i sum_k f_k phi_k pit_i(k)         s.t. ... + obedience
    REV-noObed  max R                                  s.t. simplex + IC + IR (at every type)

* obedience (general form, the shared builder; buyer i observes its report k_i and recommendation
  a_i, not (theta, k_j, a_j)): for a_i' = 1 - a_i,
  sum_{theta,k_j,a_j} rho(theta) f(k_j) sigma(a_i, a_j | theta, k) [pi_i(a_i,a_j;theta) - pi_i(a_i',a_j;theta)] >= 0;
  Prop. 4.3 form (equivalent in Example 2.1): accuracy_i(k) = P[A_i = theta | k_i] >= p_max.
* IC (truthfulness): v_k pit_i(k) - t_i(k) >= v_k pit_i(k') - t_i(k') (all pairs, or adjacent pairs).
* IR against the seller's worst outside option: v_k pit_i(k) - t_i(k) >= v_k K, where
  K = min_{sigma_j(.|theta)} max_{a_i} E[pi_i] is the value of its own 5-variable LP
  (`outside_option_problem()`); in Example 2.1 K = p_max - alpha (the rival is told theta),
  which is the data `InformationSeller.K` (= `outside_option`).
* phi_k = v_k - (v_{k+1} - v_k)(1 - F_k)/f_k (phi_m = v_m) are discrete virtual values.

The reduced form (Lemma 5.1) replaces sigma by h_i(k1, k2) = P[A_i = theta | k] in [0, 1]; the
product rule sigma(a|theta,k) = prod_i (h_i if a_i = theta else 1 - h_i) realises any h. The exact
discrete solution ([spec §B.5](bdhn.md#spec-b5)) is a greedy fill of each row of h (`InformationSeller.greedy`,
`exact.greedy`), and
`Continuum` gives the paper's closed forms (Props. 5.4-5.8) that the grids converge to ([spec §B.6](bdhn.md#spec-b6)).

Departures from the paper ([spec §B.8](bdhn.md#spec-b8)), each implemented in its corrected form:
1. Eq. (4) prints pi_i = 1{a_i = theta} - alpha 1{a_i = theta}; the payoff table (and this module)
   use 1{a_j = theta} in the externality term.
2. Prop. B.3 prints h_i = 1{V_i <= max{v_i*(V_i), v*}}; the rule is 1{V_j <= max{v_j*(V_i), v*}}
   (main text), as in `Continuum.rule_*`.
3. Prop. 5.4's case display ("(theta, theta) otherwise") holds only for alpha <= 1; for alpha > 1
   both buyers get the wrong action in the middle region, as eq. (7) says. The maps and
   `Continuum` use eq. (7).
4. Footnote 3: for U[0, 1] the virtual value is phi(v) = 2v - 1 (not v - 1); v0 = 1/2 as stated.
5. Lemma 5.6 assumes pit(v_low) >= K; it is implied by obedience (E[h_i|k] >= p_max and
   E[h_j|k] <= 1 give pit_i >= p_max - alpha = K), so IR binds only at the lowest type.
6. Revenue can exceed welfare when K < 0 (alpha > p_max); the valid bound is
   R <= W(sigma_R) - K sum_i E[V_i] (tested), not R <= W.
Not a departure in value: `symmetry="auto"` (opt-in) solves the same LPs over one variable per
orbit of the buyer swap (and of the state swap when rho = (1/2, 1/2)), 2 m^2 + m columns for the rule
instead of 8 m^2, with the same optimum (`symmetry`, `programs`).
Also: the paper's types start at v_low = 0 (Exp(1)); the grid here must be positive (the reference
discretization uses cell midpoints), so that obedience scaled by v equals obedience in pi-units and
IC = truthfulness + obedience (Prop. 4.1).
"""

from .continuum import Continuum
from .exact import ExactSolution, product_rule
from .examples import EXAMPLES
from .seller import InformationSeller

__all__ = ["EXAMPLES", "Continuum", "ExactSolution", "InformationSeller", "product_rule"]
