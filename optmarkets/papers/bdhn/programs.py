"""The seller's LPs ([spec §B.4](bdhn.md#spec-b4)) and the outside-option LP
([spec §B.3](bdhn.md#spec-b3)), with their labelled outputs.

Every problem is a `Model` over the full rule sigma(a1, a2 | theta, k1, k2) (`form="rule"`,
8 m^2 variables) or the reduced form h_i(k1, k2) of Lemma 5.1 (`form="reduced"`, 2 m^2; the same
optimal value, and the form to use at large m: from m = 40 a full-rule solution says so in
`sol["hint"]`):

    FB-W   max W = sum_i sum_k f_k v_k pit_i(k)       s.t. sum_a sigma = 1, sigma >= 0
    SB-W   max W                                       s.t. ... + obedience
    REV    max R = sum_i sum_k f_k t_i(k)             s.t. ... + obedience + IC + IR
    VS     max sum_i sum_k f_k phi_k pit_i(k)         s.t. ... + obedience
    REV-noObed  max R                                  s.t. simplex + IC + IR (at every type)

symmetry="auto" (opt-in; "buyers": the buyer swap only; default "none", the paper's LP as written)
solves each LP over one representative per orbit of its symmetries (`symmetry.py`): the buyer swap,
and the state swap when rho = (1/2, 1/2) exactly. This departs from the paper's literal LP in its
variables, not its value: sigma = E sigma_sym with 2 m^2 + m columns instead of 8 m^2 (4 m^2 + 2 m
under the buyer swap alone), pit_1 = pit_2 = pit_sym, t_1 = t_2 = t_sym, and one row per orbit of
rows (families `*_sym`). The optimal value is the full LP's (the group average of any optimum is a
symmetric optimum), but the returned vertex is a symmetric one, which a degenerate full LP need not
return, hence opt-in. `sol["sigma"]`, `sol["pit"]`, `sol["t"]` and every output keep the full LP's
shapes and labels; `sol.prices` has every full family (simplex, interim_i, obedience_i, truthful_i,
participation_i) as a symmetric optimal dual of the full LP: each reduced row's price shared evenly
by the identical rows of its orbit (half to each buyer; a quarter per simplex cell off the
diagonal under both swaps). `sol.price_ranges` ranges the reduced families (`*_sym`); use
symmetry="none" for the full LP's ranges. REV on the 2-core machine (build + compile + solve,
certified): m = 200 in 5.0 s instead of 51 s (`rows="lazy"` too: 4.2 s), m = 320 in 26 s.

The functions take an `InformationSeller` (its data and primitives) and are what its `*_problem`
methods call; nothing here imports the seller module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...builders import (
    consistency,
    expectation_floor,
    family,
    interim,
    obedience,
    participation,
    truthful,
)
from ...builders.algebra import conditional_expectation, report_utility
from ...builders.symmetry import constrain_on_orbits
from ...core import validate as pr
from ...core.family import Family
from ...core.model import Model
from ...core.tolerances import ECON_TOL
from . import lazy
from .exact import product_rule
from .symmetry import Symmetry

if TYPE_CHECKING:
    from .seller import InformationSeller

PLAYER_INDEX = pd.Index([1, 2], name="player")
STATE_INDEX = pd.Index([0, 1], name="theta")
ACTION_INDEX = pd.Index([0, 1], name="recommended")
PROFILE_INDEX = pd.MultiIndex.from_product([[0, 1], [0, 1]], names=["a1", "a2"])

#: from this grid size on, a full-rule solution carries a hint towards the reduced form (same optimum)
REDUCED_HINT_M = 40
REDUCED_HINT = ("form='reduced' (h of Lemma 5.1, 2 m^2 variables instead of 8 m^2) has the same optimal value "
                "and is much faster at this size; the full rule is needed only for sigma's recommendations, "
                "and symmetry='auto' solves it over one representative per orbit (same value, ~4x fewer columns)")


def share(a_own, a_rival, theta, alpha: float) -> np.ndarray:
    """pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta} (eq. (4), corrected)."""
    return (np.asarray(a_own) == theta) - alpha * (np.asarray(a_rival) == theta)


# ------------------------------------------------------------------ the outside option ([spec §B.3](bdhn.md#spec-b3))
def outside_option_problem(state_prior, alpha: float) -> Model:
    """K = min over the rival's rule sigma_j(a_j | theta) of max_{a_i} E[pi_i] (a 5-variable LP).

    The non-participant plays a best response a_i to the prior; the seller picks the rival's
    recommendations to minimise it. Example 2.1: K = p_max - alpha (the rival is told theta).
    """
    rho = np.asarray(state_prior, float)
    model = Model("BDHN outside option", sense="min", units="share (pi units)",
                  description="the seller-chosen worst outside option of a non-participant")
    rival = model.variable("rival", (2, 2), index=(STATE_INDEX, pd.Index([0, 1], name="a_rival")), nonneg=True)
    K = model.variable("K", ())
    theta, a_j = np.divmod(np.arange(4), 2)  # columns of vec(rival): (theta, a_j)
    # E[pi_i(a_i, A_j; theta)] for each a_i, rows a_i
    payoff = np.array([rho[theta] * share(a_i, a_j, theta, alpha) for a_i in (0, 1)])
    model.constrain("rival_rule", consistency(rival, np.ones(2), STATE_INDEX, axis=1,
                                              description="the rival's rule is a distribution given theta"))
    model.constrain("best_response", family(K - payoff @ cp.vec(rival, order="C"), ">=", 0.0,
                                            pd.Index([0, 1], name="a_own"),
                                            "K is the non-participant's best-response share"))
    model.minimize(K)
    return model


# ------------------------------------------------------------------ the seller's LPs ([spec §B.4](bdhn.md#spec-b4))
def welfare_problem(seller: InformationSeller, first_best: bool = False, *, form: str = "rule",
                    obedience_form: str = "general", implementable: bool = False, ic: str = "adjacent",
                    symmetry: str = "none") -> Model:
    """SB-W (obedient) or FB-W (`first_best=True`); `implementable` adds payments with IC and IR."""
    name = "BDHN FB-W" if first_best else "BDHN SB-W"
    model, pit, _ = _base(seller, name, form, obedience_form, obey=not first_best, pay=implementable, ic=ic,
                          units="welfare", symmetry=symmetry)
    model.maximize(_weighted(seller, pit, seller.types))
    return model


def revenue_problem(seller: InformationSeller, *, obedience: bool = True, form: str = "rule",
                    obedience_form: str = "general", ic: str = "adjacent", rows: str = "full",
                    symmetry: str = "none") -> Model:
    """REV: obedience + truthfulness + IR against K (`obedience=False`: REV-noObed).
    rows="lazy": the obedience rows by row generation (`papers.bdhn.lazy`; same certified optimum).
    It saves the dense obedience rows, not the rule sigma that dominates REV: m = 200 in 38 s on the
    2-core machine (one round), so the default stays "full".
    symmetry="auto": the same LP over one representative per orbit of the buyer (and, for rho =
    (1/2, 1/2), state) swap, 4x fewer columns (module docstring): m = 200 in 5.0 s (4.2 s lazy)."""
    model, _, t = _base(seller, "BDHN REV" if obedience else "BDHN REV-noObed", form, obedience_form,
                        obey=obedience, pay=True, ic=ic, units="revenue", symmetry=symmetry)
    model.maximize(cp.sum(seller.type_probs @ t))
    # the rule sigma: HiGHS's interior point with crossover (vertex duals) beats the dual simplex (full
    # rule m = 60: 1.22x; symmetric m = 200: 5.0 s against 9.0 s; benchmarks/bench_overhead.py, row ipm);
    # Lemma 5.1's reduced form: the dual simplex is 2-3x faster (m = 80: 0.09 s against 0.19 s; m = 400:
    # 3.8 s against 11.4 s). solve("HIGHS") or solve("HIGHS_IPM") overrides either.
    model.default_solver = "HIGHS" if form == "reduced" else "HIGHS_IPM"
    return lazy.obedience_lazy(model) if lazy.check_rows(rows) == "lazy" else model


def virtual_surplus_problem(seller: InformationSeller, *, form: str = "rule",
                            obedience_form: str = "general", symmetry: str = "none") -> Model:
    """VS: max sum_i sum_k f_k phi_k pit_i(k) s.t. obedience (= REV + 2 v_1 K when phi is monotone)."""
    model, pit, _ = _base(seller, "BDHN VS", form, obedience_form, obey=True, pay=False, ic="adjacent",
                          units="virtual surplus", symmetry=symmetry)
    model.maximize(_weighted(seller, pit, seller.virtual_values))
    return model


def _weighted(seller: InformationSeller, pit: cp.Expression, values: np.ndarray) -> cp.Expression:
    """sum_i sum_k f_k values_k pit_i(k)."""
    return cp.sum((seller.type_probs * values) @ pit)


def _base(seller: InformationSeller, name, form, obedience_form, *, obey, pay, ic, units, symmetry="none"):
    """The rule (sigma or h), the interim shares, obedience and (optionally) payments with IC/IR.

    With a `Symmetry` (`symmetry.py`) the model holds one representative per orbit: the variables
    sigma_sym (or h_sym), pit_sym, t_sym and buyer 1's families, one row per row orbit, named *_sym;
    sigma, pit, t and the full families' prices come back as outputs and prices of the full LP.
    """
    if form not in ("rule", "reduced"):
        raise pr.InputError(f"form: must be 'rule' or 'reduced', got {form!r}")
    if obedience_form not in ("general", "accuracy"):
        raise pr.InputError(f"obedience_form: must be 'general' or 'accuracy', got {obedience_form!r}")
    if form == "reduced" and obedience_form == "general":
        obedience_form = "accuracy"  # h carries no recommendation: Prop. 4.3 is its obedience
    s, types = seller, seller.type_index
    sym = Symmetry.of(s.state_prior, symmetry)
    model = Model(name, sense="max", units=units, description="" if sym is None else (
        "the paper's LP restricted to symmetric points (buyer swap" + (" and state swap" if sym.states else "")
        + "): one variable per orbit, one row per orbit of rows (*_sym); same optimal value, fewer columns"))
    measures = _rule_measures(s, model, sym) if form == "rule" else _reduced_measures(s, model, sym)
    pit, t = _interim_variables(s, model, pay, sym)
    for i, (M, payoff, accuracy_pay, groups) in enumerate(measures):  # buyer 1 only under symmetry
        n = i + 1
        _constrain(model, sym, f"interim_{n}", interim(pit[:, i], conditional_expectation(M, payoff, groups), types))
        if obey and obedience_form == "general":
            _constrain(model, sym, f"obedience_{n}",
                       obedience(M, payoff, ACTION_INDEX, groups=groups, group_index=types), recommended=True)
        elif obey:
            _constrain(model, sym, f"obedience_{n}", expectation_floor(
                conditional_expectation(M, accuracy_pay, groups), s.p_max, types,
                description="recommendations right at least p_max of the time (Prop. 4.3)"))
        if t is not None:  # pay=True
            U = report_utility(s.types, pit[:, i], t[:, i])
            _constrain(model, sym, f"truthful_{n}", truthful(U, types, pairs=ic))
            _constrain(model, sym, f"participation_{n}", participation(U, s.types * s.K, types))
    _outputs(s, model, form, obey and obedience_form, pay)
    if form == "rule" and s.m >= REDUCED_HINT_M:
        model.output("hint", lambda sol: REDUCED_HINT)
    return model, pit, t


def _interim_variables(seller: InformationSeller, model: Model, pay: bool, sym: Symmetry | None):
    """pit and t (types x buyers); under the buyer swap one column, pit_sym, stands for both buyers."""
    types, m = seller.type_index, seller.m
    if sym is None:
        pit = model.variable("pit", (m, 2), index=(types, PLAYER_INDEX), nonneg=False)
        t = model.variable("t", (m, 2), index=(types, PLAYER_INDEX), nonneg=False) if pay else None
        return pit, t
    both = np.ones((1, 2))  # pit_1 = pit_2 = pit_sym
    pit = model.variable("pit_sym", (m, 1), index=(types, PLAYER_INDEX[:1]), nonneg=False) @ both
    model.output("pit", lambda sol: _per_type(seller, sol["pit_sym"].to_numpy() @ both))
    if not pay:
        return pit, None
    t = model.variable("t_sym", (m, 1), index=(types, PLAYER_INDEX[:1]), nonneg=False) @ both
    model.output("t", lambda sol: _per_type(seller, sol["t_sym"].to_numpy() @ both))
    return pit, t


def _constrain(model: Model, sym: Symmetry | None, name: str, fam: Family, *, recommended: bool = False) -> None:
    """Add buyer 1's family `name` as built for the full LP; under symmetry only its rows that represent
    an orbit of both buyers' rows, as `<family>_sym`, with prices for both buyers' full families."""
    if sym is None:
        model.constrain(name, fam)
        return
    index = fam.index
    assert isinstance(index, pd.Index)
    constrain_on_orbits(model, name[:-2], fam, sym.buyer_rows(index.size, recommended=recommended),
                      [name, name[:-1] + "2"], index)


def _rule_measures(seller: InformationSeller, model: Model, sym: Symmetry | None):
    """sigma(a | theta, k1, k2) and, per buyer i, its conditional measure M_i[a_i, (k_i, theta, k_j, a_j)]
    (buyer 1 only under symmetry: sigma = E sigma_sym, one entry per orbit)."""
    m, rho, f = seller.m, seller.state_prior, seller.type_probs
    cells = _cells(seller, states=True)
    theta, k1, k2, a1, a2 = np.unravel_index(np.arange(8 * m * m), (2, m, m, 2, 2))  # vec_C(sigma)
    simplex = "sigma(.|theta, v) is a distribution over (a1, a2)"
    if sym is None:
        sigma = model.variable("sigma", (2 * m * m, 4), index=(cells, PROFILE_INDEX), nonneg=True)
        model.constrain("simplex", consistency(sigma, np.ones(2 * m * m), cells, axis=1, description=simplex))
        x, expand = cp.vec(sigma, order="C"), sp.identity(8 * m * m, format="csr")
    else:
        orbits, rows = sym.rule(m), sym.cells(m)
        labels = [np.asarray(STATE_INDEX)[theta], seller.types[k1], seller.types[k2], a1, a2]
        x = model.variable("sigma_sym", (orbits.count,), index=pd.MultiIndex.from_arrays(
            [level[orbits.representative] for level in labels], names=["theta", "v1", "v2", "a1", "a2"]), nonneg=True)
        expand = orbits.spread()
        model.output("sigma", lambda sol: _sigma_frame(seller, expand @ np.asarray(sol["sigma_sym"], float)))
        at = (rows.representative[:, None] * 4 + np.arange(4)).ravel()  # the representative cells' (a1, a2)
        fam = consistency(cp.reshape(expand[at] @ x, (rows.count, 4), order="C"), np.ones(rows.count),
                          cells[rows.representative], axis=1, description=simplex)
        constrain_on_orbits(model, "simplex", fam, rows, ["simplex"], cells)
    out = []
    for k_i, a_i, k_j, a_j in ((k1, a1, k2, a2), (k2, a2, k1, a1))[:1 if sym else 2]:
        n_s = 4 * m * m  # unobserved s = (k_i, theta, k_j, a_j), k_i being the group
        s = ((k_i * 2 + theta) * m + k_j) * 2 + a_j
        P = sp.csr_matrix((rho[theta] * f[k_j], (a_i * n_s + s, np.arange(8 * m * m))), shape=(2 * n_s, 8 * m * m))
        M = cp.reshape((P @ expand) @ x, (2, n_s), order="C")
        groups, s_theta, _, s_rival = np.unravel_index(np.arange(n_s), (m, 2, m, 2))
        payoff = np.array([seller.share(b, s_rival, s_theta) for b in (0, 1)])
        accuracy = np.array([(s_theta == b).astype(float) for b in (0, 1)])
        out.append((M, payoff, accuracy, groups))
    return out


def _reduced_measures(seller: InformationSeller, model: Model, sym: Symmetry | None):
    """h_q(k1, k2) in [0, 1] and, per buyer i, the measure f(k_j) h_q over s = (k_i, k_j, q)
    (buyer 1 only under symmetry: h_2(k1, k2) = h_1(k2, k1), h = E h_sym)."""
    m, f = seller.m, seller.type_probs
    cells = _cells(seller, states=False)
    probability = "h is a probability"
    if sym is None:
        h = model.variable("h", (m * m, 2), index=(cells, PLAYER_INDEX), nonneg=True)
        model.constrain("probability", family(h, "<=", 1.0, (cells, PLAYER_INDEX), probability))
        x, expand = cp.vec(h, order="C"), sp.identity(2 * m * m, format="csr")
    else:
        orbits = sym.reduced_form(m)
        entries = pd.MultiIndex.from_product([cells, PLAYER_INDEX])
        x = model.variable("h_sym", (orbits.count,), index=entries[orbits.representative], nonneg=True)
        expand = orbits.spread()
        model.output("h", lambda sol: pd.DataFrame((expand @ np.asarray(sol["h_sym"], float)).reshape(m * m, 2),
                                                   index=cells, columns=PLAYER_INDEX))
        fam = family(x, "<=", 1.0, entries[orbits.representative], probability)
        constrain_on_orbits(model, "probability", fam, orbits, ["probability"], (cells, PLAYER_INDEX))
    k1, k2, q = np.unravel_index(np.arange(2 * m * m), (m, m, 2))
    out = []
    for i, (k_i, k_j) in enumerate(((k1, k2), (k2, k1))[:1 if sym else 2]):
        s = (k_i * m + k_j) * 2 + q
        P = sp.csr_matrix((f[k_j], (s, np.arange(2 * m * m))), shape=(2 * m * m, 2 * m * m))
        M = cp.reshape((P @ expand) @ x, (1, 2 * m * m), order="C")
        own = (np.arange(2 * m * m) % 2 == i).astype(float)
        out.append((M, (own - seller.alpha * (1 - own))[None, :], own[None, :], np.arange(2 * m * m) // (2 * m)))
    return out


# ------------------------------------------------------------------ outputs
def _outputs(seller: InformationSeller, model: Model, form: str, obey, pay: bool) -> None:
    s = seller
    if form == "rule":
        model.output("h", lambda sol: _h_frame(s, s.marginals(sol["sigma"].to_numpy())))
    else:
        model.output("sigma", lambda sol: _sigma_frame(s, product_rule(*_h_arrays(s, sol["h"]))))
    model.output("accuracy", lambda sol: _per_type(s, s.accuracy(*_h_arrays(s, sol["h"]))))
    model.output("binding", lambda sol: sol["accuracy"] - s.p_max <= ECON_TOL)
    model.output("payments", (lambda sol: sol["t"]) if pay else
                 (lambda sol: _per_type(s, s.myerson_payments(sol["pit"].to_numpy()))))
    if obey:
        model.price("obedience_cost", lambda sol: _obedience_cost(s, sol))


def _obedience_cost(seller: InformationSeller, sol) -> pd.DataFrame:
    """-d(value)/d(floor_i(k)): what lowering buyer i's obedience floor at type k would be worth.

    General form: row (k, a, 1-a) reads accuracy_i(k) - rho(1-a) >= 0, so both rows of type k
    move with its floor and the cost is minus the sum of their prices.
    """
    cost = np.zeros((seller.m, 2))
    for i in range(2):
        price = np.asarray(sol.prices[f"obedience_{i + 1}"], dtype=float).reshape(seller.m, -1)
        cost[:, i] = -price.sum(axis=1)
    return _per_type(seller, cost + 0.0)


def _cells(seller: InformationSeller, *, states: bool) -> pd.MultiIndex:
    """Rows of sigma ((theta, v1, v2)) or of h ((v1, v2))."""
    if states:
        return pd.MultiIndex.from_product([STATE_INDEX, seller.type_index, seller.type_index],
                                          names=["theta", "v1", "v2"])
    return pd.MultiIndex.from_product([seller.type_index, seller.type_index], names=["v1", "v2"])


def _per_type(seller: InformationSeller, arr) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(arr, float).reshape(seller.m, 2), index=seller.type_index, columns=PLAYER_INDEX)


def _h_frame(seller: InformationSeller, h: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(np.column_stack([h[0].ravel(), h[1].ravel()]), index=_cells(seller, states=False),
                        columns=PLAYER_INDEX)


def _h_arrays(seller: InformationSeller, h: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    arr = h.to_numpy()
    return arr[:, 0].reshape(seller.m, seller.m), arr[:, 1].reshape(seller.m, seller.m)


def _sigma_frame(seller: InformationSeller, sigma: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(sigma.reshape(-1, 4), index=_cells(seller, states=True), columns=PROFILE_INDEX)
