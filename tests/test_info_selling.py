"""Bonatti–Dahleh–Horel–Nouripour: the seller's LPs against independent re-checks (spec Part B, Part C 10-15).

Feasibility is re-checked with plain loops over the paper's payoff table (not the builders); prices
against finite-difference re-solves; the LP forms against each other and against the greedy solver.
"""

import cvxpy as cp
import numpy as np
import pytest
from scipy import stats

import optmarkets as om
from optmarkets import InputError
from optmarkets.papers.bdhn.continuum import Continuum
from optmarkets.papers.bdhn.exact import product_rule

TOL = 1e-7


def random_seller(rng, m=None, **kw) -> om.InformationSeller:
    """Spec Part C: m in 3..7, Dirichlet f (not necessarily regular), random prior, alpha in (0.05, 2.5)."""
    m = m or int(rng.integers(3, 8))
    types = np.sort(rng.choice(np.arange(1, 4 * m + 1), m, replace=False)) * rng.uniform(0.2, 1.0)
    p = rng.uniform(0.5, 0.95)
    prior = [p, 1 - p] if rng.integers(2) else [1 - p, p]
    args = dict(types=types, type_probs=rng.dirichlet(np.ones(m)), state_prior=prior, alpha=rng.uniform(0.05, 2.5))
    args.update(kw)
    return om.InformationSeller(**args)


def payoff_table(alpha):
    """pi[i][theta][a1][a2] straight from the table of Example 2.1."""
    p1 = np.array([[[1 - alpha, 1], [-alpha, 0]], [[0, -alpha], [1, 1 - alpha]]])
    p2 = np.array([[[1 - alpha, -alpha], [1, 0]], [[0, 1], [-alpha, 1 - alpha]]])
    return p1, p2


def recheck(seller, sigma, t=None, tol=1e-7, obey=True):
    """Independent feasibility re-check of a rule (2,m,m,2,2) and payments t (m,2); returns pit (m,2)."""
    m, rho, f, v = seller.m, seller.state_prior, seller.type_probs, seller.types
    sig = np.asarray(sigma, float).reshape(2, m, m, 2, 2)
    assert sig.min() >= -tol
    np.testing.assert_allclose(sig.sum(axis=(3, 4)), 1.0, atol=tol)
    pay = payoff_table(seller.alpha)
    pit = np.zeros((m, 2))
    for i in range(2):
        for k in range(m):
            gain = np.zeros((2, 2))  # [recommended, deviation]
            for th in range(2):
                for kj in range(m):
                    for a1 in range(2):
                        for a2 in range(2):
                            cell = (th, k, kj) if i == 0 else (th, kj, k)
                            w = rho[th] * f[kj] * sig[(*cell, a1, a2)]
                            pit[k, i] += w * pay[i][th, a1, a2]
                            own = (a1, a2)[i]
                            dev = (1 - a1, a2) if i == 0 else (a1, 1 - a2)
                            gain[own, 1 - own] += w * (pay[i][th, a1, a2] - pay[i][(th, *dev)])
            if obey:
                assert gain[0, 1] >= -tol and gain[1, 0] >= -tol, (i, k, gain)
    if t is not None:
        K = seller.p_max - seller.alpha
        for i in range(2):
            for k in range(m):
                truth = v[k] * pit[k, i] - t[k, i]
                assert truth >= v[k] * K - tol, ("IR", i, k)
                for r in range(m):
                    assert truth >= v[k] * pit[r, i] - t[r, i] - tol, ("IC", i, k, r)
    return pit


def perturbed_value(model, name, direction, eps):
    """Re-solve the model with family `name`'s right-hand side moved by eps * direction."""
    fam = model.families[name]
    rhs = fam.rhs + eps * np.asarray(direction, float).reshape(fam.shape)
    new = {"<=": fam.lhs <= rhs, ">=": fam.lhs >= rhs, "==": fam.lhs == rhs}[fam.sense]
    cons = [f.constraint if n != name else new for n, f in model.families.items()]
    prob = cp.Problem(model.problem.objective, cons)
    prob.solve(solver="HIGHS")
    assert prob.status == "optimal"
    return prob.value


def assert_price_brackets(model, sol, name, direction, price, eps=1e-5, tol=1e-6):
    """V is concave in the rhs of a max LP: right difference <= price . direction <= left difference."""
    right = (perturbed_value(model, name, direction, eps) - sol.value) / eps
    left = (sol.value - perturbed_value(model, name, direction, -eps)) / eps
    assert right - tol <= price <= left + tol, (name, right, price, left)
    return right, left


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("kwargs, field", [
    (dict(types=[1, 3, 2]), "types"),
    (dict(types=[0, 1, 2]), "types"),
    (dict(types=[-1, 1, 2]), "types"),
    (dict(types=[1, 1, 2]), "types"),
    (dict(state_prior=[0.5, 0.6]), "state_prior"),
    (dict(state_prior=[0.2, 0.3, 0.5]), "state_prior"),
    (dict(alpha=-0.1), "alpha"),
    (dict(type_probs=[0.5, 0.5]), "type_probs"),
    (dict(type_probs=[0.5, 0.5, 0.0]), "type_probs"),
    (dict(type_probs=[0.5, 0.6, -0.1]), "type_probs"),
])
def test_bad_inputs(kwargs, field):
    args = dict(types=[1, 2, 3], type_probs=[0.2, 0.3, 0.5], state_prior=[0.5, 0.5], alpha=0.5)
    args.update(kwargs)
    with pytest.raises(InputError, match=field):
        om.InformationSeller(**args)


@pytest.mark.parametrize("kwargs, field", [
    (dict(distribution="gamma"), "distribution"),
    (dict(distribution=stats.norm()), "distribution"),
    (dict(distribution=42), "distribution"),
    (dict(m=0), "m"),
    (dict(m=2.5), "m"),
    (dict(vmax=None), "vmax"),
    (dict(vmax=-1), "vmax"),
    (dict(distribution="uniform", vmax=2), "vmax"),
    (dict(alpha=-1), "alpha"),
    (dict(state_prior=[1, 1]), "state_prior"),
])
def test_bad_distribution_inputs(kwargs, field):
    args = dict(distribution="exponential", m=5, vmax=4, state_prior=[0.5, 0.5], alpha=0.5)
    args.update(kwargs)
    with pytest.raises(InputError, match=field):
        om.InformationSeller.from_distribution(**args)


def test_bad_problem_options():
    seller = om.InformationSeller([1, 2], [0.5, 0.5], [0.5, 0.5], 0.5)
    with pytest.raises(InputError, match="form"):
        seller.welfare_optimal(form="joint")
    with pytest.raises(InputError, match="obedience_form"):
        seller.revenue_optimal(obedience_form="prop43")
    with pytest.raises(InputError, match="pairs"):
        seller.revenue_optimal(ic="some")
    with pytest.raises(InputError, match="objective"):
        seller.greedy("profit")
    with pytest.raises(InputError, match="distribution"):
        seller.continuum()
    with pytest.raises(InputError, match="p_max"):
        Continuum("uniform", 0.3, 0.5)


def test_greedy_refuses_irregular_grid():
    # a light middle cell makes phi fall: phi = [1 - 0.6/0.4, 2 - 0.5/0.1, 3] = [-0.5, -3, 3]
    seller = om.InformationSeller([1, 2, 3], [0.4, 0.1, 0.5], [0.5, 0.5], 0.5)
    assert (np.diff(seller.virtual_values) < 0).any()
    with pytest.raises(InputError, match="type_probs"):
        seller.greedy("revenue")


# ---------------------------------------------------------------- construction
def test_reference_discretization():
    s = om.InformationSeller.from_distribution("exponential", m=4, vmax=2, state_prior=[0.5, 0.5], alpha=0.5)
    np.testing.assert_allclose(s.types, [0.25, 0.75, 1.25, 1.75])
    e = np.exp(-np.array([0, 0.5, 1.0, 1.5]))
    np.testing.assert_allclose(s.type_probs, [e[0] - e[1], e[1] - e[2], e[2] - e[3], e[3]])  # tail in last cell
    frozen = om.InformationSeller.from_distribution(stats.expon(), m=4, vmax=2, state_prior=[0.5, 0.5], alpha=0.5)
    np.testing.assert_allclose(frozen.type_probs, s.type_probs)
    u = om.InformationSeller.from_distribution("uniform", m=5, state_prior=[0.5, 0.5], alpha=0.5)
    np.testing.assert_allclose(u.types, [0.1, 0.3, 0.5, 0.7, 0.9])
    np.testing.assert_allclose(u.type_probs, 0.2)
    # footnote 3 corrected: U[0,1] has phi(v) = 2v - 1, and the discrete phi of this grid is exact
    np.testing.assert_allclose(u.virtual_values[:-1], 2 * u.types[:-1] - 1 + 0.1, atol=1e-12)
    assert Continuum("uniform", 0.5, 0.5).phi(0.3) == pytest.approx(-0.4)


def test_api_example_and_outputs():
    s = om.InformationSeller.from_distribution("exponential", m=10, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)
    grid = om.InformationSeller(types=s.types, type_probs=s.type_probs, state_prior=[0.5, 0.5], alpha=0.5)
    assert grid.welfare_optimal().solve().value == pytest.approx(1.32224905, abs=1e-8)
    sol = grid.revenue_optimal().solve()
    assert sol.value == pytest.approx(0.81663235, abs=1e-8)
    assert grid.welfare_optimal(first_best=True).solve().value == pytest.approx(1.32885602, abs=1e-8)
    assert sol["sigma"].shape == (2 * 10 * 10, 4) and list(sol["sigma"].index.names) == ["theta", "v1", "v2"]
    assert sol["pit"].shape == (10, 2) and sol["payments"].shape == (10, 2)
    assert sol["binding"].dtypes.eq(bool).all()
    assert (sol.prices["obedience_cost"] >= -1e-9).all().all()
    assert sol.certificate.ok(1e-7)
    h = sol["h"].to_numpy()
    np.testing.assert_allclose(np.column_stack(grid.marginals(sol["sigma"].to_numpy())).reshape(-1),
                               np.column_stack([h[:, 0].reshape(10, 10), h[:, 1].reshape(10, 10)]).reshape(-1))


# ---------------------------------------------------------------- K from its own LP
@pytest.mark.parametrize("seed", range(12))
def test_outside_option_lp_is_p_max_minus_alpha(seed):
    rng = np.random.default_rng(seed)
    s = random_seller(rng)
    sol = s.outside_option_problem().solve()
    assert sol.value == pytest.approx(s.p_max - s.alpha, abs=1e-9)
    assert sol.value == pytest.approx(s.K, abs=1e-12)  # the data K is the LP's value
    assert s.outside_option == s.K and isinstance(s.K, float)
    # the rival told theta is a minimiser: both of buyer i's actions then give rho(a) - alpha <= K
    rival = np.eye(2)
    for a in (0, 1):
        share = sum(s.state_prior[th] * rival[th, aj] * ((a == th) - s.alpha * (aj == th))
                    for th in (0, 1) for aj in (0, 1))
        assert share <= sol.value + 1e-9


# ---------------------------------------------------------------- Part C item 10 (+ Prop. 4.3)
@pytest.mark.parametrize("seed", range(5))
def test_general_obedience_equals_prop_4_3_for_random_objectives(seed):
    rng = np.random.default_rng(10 + seed)
    s = random_seller(rng)
    c = rng.normal(size=(2 * s.m * s.m, 4))
    values = []
    for form in ("general", "accuracy"):
        model = s.welfare_optimal(obedience_form=form)
        model.maximize(cp.sum(cp.multiply(c, model.var("sigma"))))
        sol = model.solve()
        recheck(s, sol["sigma"].to_numpy())
        values.append(sol.value)
    assert values[0] == pytest.approx(values[1], rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_rule_lp_equals_reduced_lp_and_forms_agree(seed):
    """Item 10: sigma-LP = h-LP for SB-W and REV; general obedience = Prop. 4.3 form."""
    rng = np.random.default_rng(20 + seed)
    s = random_seller(rng)
    for make in (s.welfare_optimal, s.revenue_optimal):
        vals = [make(form="rule").solve().value, make(form="rule", obedience_form="accuracy").solve().value,
                make(form="reduced").solve().value]
        assert vals[1] == pytest.approx(vals[0], rel=1e-8, abs=1e-9)
        assert vals[2] == pytest.approx(vals[0], rel=1e-8, abs=1e-9)


# ---------------------------------------------------------------- Part C items 11, 12
@pytest.mark.parametrize("seed", range(8))
def test_welfare_ordering_and_revenue_bound(seed):
    rng = np.random.default_rng(30 + seed)
    s = random_seller(rng)
    fb = s.welfare_optimal(first_best=True).solve().value
    sb = s.welfare_optimal().solve().value
    rev = s.revenue_optimal().solve()
    pit = recheck(s, rev["sigma"].to_numpy(), rev["t"].to_numpy())
    w_rev = float(np.sum(s.type_probs[:, None] * s.types[:, None] * pit))
    assert fb >= sb - 1e-9 >= w_rev - 2e-9
    mean = float(s.type_probs @ s.types)
    K = s.p_max - s.alpha
    assert rev.value <= w_rev - K * 2 * mean + 1e-9  # spec §B.8.6: not R <= W


@pytest.mark.parametrize("seed", range(8))
def test_revenue_solution_properties(seed):
    rng = np.random.default_rng(40 + seed)
    s = random_seller(rng)
    sol = s.revenue_optimal().solve()
    pit = recheck(s, sol["sigma"].to_numpy(), sol["t"].to_numpy())
    np.testing.assert_allclose(pit, sol["pit"].to_numpy(), atol=1e-8)
    K = s.p_max - s.alpha
    assert s.K == pytest.approx(K, abs=1e-9)
    assert (np.diff(pit, axis=0) >= -1e-8).all()  # monotone shares
    assert (pit >= K - 1e-8).all()  # obedience implies pit >= K (spec §B.8.5)
    assert (sol["accuracy"].to_numpy() >= s.p_max - 1e-8).all()
    # payments are the discrete Myerson payments of its own shares (IR binding at v_1)
    myerson = np.cumsum(s.types[:, None] * np.diff(pit, axis=0, prepend=K), axis=0)
    np.testing.assert_allclose(sol["t"].to_numpy(), myerson, atol=1e-7)
    assert sol.value == pytest.approx(float(s.type_probs @ myerson.sum(axis=1)), abs=1e-8)
    assert sol.certificate.ok(1e-7)


# ---------------------------------------------------------------- Part C item 13
@pytest.mark.parametrize("seed", range(5))
def test_values_non_increasing_in_p_max(seed):
    rng = np.random.default_rng(50 + seed)
    base = random_seller(rng)
    ps = np.sort(rng.uniform(0.5, 0.95, 3))
    sb, rev = [], []
    for p in ps:
        s = om.InformationSeller(base.types, base.type_probs, [p, 1 - p], base.alpha)
        sb.append(s.welfare_optimal(form="reduced").solve().value)
        rev.append(s.revenue_optimal(form="reduced").solve().value)
    assert (np.diff(sb) <= 1e-9).all() and (np.diff(rev) <= 1e-9).all()


# ---------------------------------------------------------------- Part C item 14
@pytest.mark.parametrize("seed", range(5))
def test_product_rule_reproduces_marginals(seed):
    rng = np.random.default_rng(60 + seed)
    s = random_seller(rng)
    h1, h2 = rng.uniform(size=(2, s.m, s.m))
    sigma = product_rule(h1, h2)
    assert sigma.min() >= 0
    np.testing.assert_allclose(sigma.sum(axis=(3, 4)), 1.0)
    g1, g2 = s.marginals(sigma)
    np.testing.assert_allclose(g1, h1, atol=1e-12)
    np.testing.assert_allclose(g2, h2, atol=1e-12)
    # P[A_i = theta | theta, v] = h_i in each state separately (the rule ignores the prior)
    np.testing.assert_allclose(sigma[0, :, :, 0, :].sum(-1), h1)
    np.testing.assert_allclose(sigma[1, :, :, :, 1].sum(-1), h2)
    # and the reduced LP's sigma output is such a rule, feasible for the original constraints
    sol = s.revenue_optimal(form="reduced").solve()
    pit = recheck(s, sol["sigma"].to_numpy(), sol["t"].to_numpy())
    np.testing.assert_allclose(pit, sol["pit"].to_numpy(), atol=1e-8)


# ---------------------------------------------------------------- Part C item 15
@pytest.mark.parametrize("seed", range(5))
def test_adjacent_ic_equals_all_pairs(seed):
    rng = np.random.default_rng(70 + seed)
    s = random_seller(rng)
    for obey in (True, False):
        a = s.revenue_optimal(obedience=obey, ic="adjacent").solve()
        b = s.revenue_optimal(obedience=obey, ic="all").solve()
        assert a.value == pytest.approx(b.value, rel=1e-8, abs=1e-9)
        recheck(s, b["sigma"].to_numpy(), b["t"].to_numpy(), obey=obey)


# ---------------------------------------------------------------- other relations of spec §B.4
@pytest.mark.parametrize("seed", range(4))
def test_second_best_is_implementable_and_virtual_surplus(seed):
    rng = np.random.default_rng(80 + seed)
    s = random_seller(rng)
    sb = s.welfare_optimal().solve().value
    assert s.welfare_optimal(implementable=True).solve().value == pytest.approx(sb, rel=1e-8, abs=1e-9)  # Prop 5.5
    rev = s.revenue_optimal().solve().value
    assert s.revenue_optimal(obedience=False).solve().value >= rev - 1e-9
    if (np.diff(s.virtual_values) >= 0).all():
        vs = s.virtual_surplus_problem().solve().value
        assert vs == pytest.approx(rev + 2 * s.types[0] * s.K, rel=1e-8, abs=1e-9)


def test_cross_solver_agreement():
    s = om.InformationSeller.from_distribution("uniform", m=5, state_prior=[0.6, 0.4], alpha=0.7)
    for make in (s.welfare_optimal, s.revenue_optimal):
        ref = make().solve().value
        assert make().solve("CLARABEL").value == pytest.approx(ref, abs=1e-6)


# ---------------------------------------------------------------- prices: finite-difference re-solves
def test_obedience_cost_matches_finite_differences():
    s = om.InformationSeller.from_distribution("exponential", m=6, vmax=4, state_prior=[0.5, 0.5], alpha=0.8)
    for form in ("general", "accuracy"):
        model = s.welfare_optimal(obedience_form=form)
        sol = model.solve()
        cost = sol.prices["obedience_cost"]
        assert (cost.to_numpy()[~sol["binding"].to_numpy()] == pytest.approx(0.0, abs=1e-9))
        binding = np.flatnonzero(sol["binding"][1].to_numpy())
        assert binding.size and cost[1].iloc[binding].max() > 1e-4  # obedience is costly here
        for k in range(s.m):
            rows = 2 if form == "general" else 1
            direction = np.zeros(s.m * rows)
            direction[k * rows:(k + 1) * rows] = -1.0  # lower the floor of type k
            right, left = assert_price_brackets(model, sol, "obedience_1", direction, cost[1].iloc[k])
            assert right == pytest.approx(left, abs=1e-6)  # differentiable here: the price is the derivative


def test_every_price_family_brackets_a_finite_difference():
    rng = np.random.default_rng(5)
    s = random_seller(rng, m=4)
    model = s.revenue_optimal()
    sol = model.solve()
    for name in model.families:
        price = np.asarray(sol.prices[name], float).reshape(-1)
        for row in rng.choice(price.size, size=min(3, price.size), replace=False):
            e = np.zeros(price.size)
            e[row] = 1.0
            assert_price_brackets(model, sol, name, e, price[row], eps=1e-5)


def test_participation_prices_match_finite_differences():
    s = om.InformationSeller.from_distribution("uniform", m=6, state_prior=[0.75, 0.25], alpha=0.5)
    model = s.revenue_optimal()
    sol = model.solve()
    price = sol.prices["participation_1"].to_numpy()
    assert (price <= 1e-12).all()
    # IR binds on the whole bottom interval where t = 0 and pit = K (degenerate: each row's price
    # is only bracketed by its one-sided differences) ...
    for k in range(s.m):
        assert_price_brackets(model, sol, "participation_1", np.eye(s.m)[k], price[k])
    # ... but one more unit of outside utility at every type lowers every Myerson payment of buyer 1
    # by one: both one-sided differences are -sum_k f_k = -1, and so is the sum of the prices
    right, left = assert_price_brackets(model, sol, "participation_1", np.ones(s.m), price.sum())
    assert right == pytest.approx(-1.0, abs=1e-6) and left == pytest.approx(-1.0, abs=1e-6)
    assert price.sum() == pytest.approx(-1.0, abs=1e-8)


def test_outside_option_price():
    s = om.InformationSeller([1, 2], [0.5, 0.5], [0.7, 0.3], alpha=0.4)
    model = s.outside_option_problem()
    sol = model.solve()
    price = np.asarray(sol.prices["rival_rule"], float)
    for row in range(2):
        e = np.zeros(2)
        e[row] = 1.0
        # min problem: V convex in rhs, left difference <= price <= right difference
        right = (perturbed_value(model, "rival_rule", e, 1e-5) - sol.value) / 1e-5
        left = (sol.value - perturbed_value(model, "rival_rule", e, -1e-5)) / 1e-5
        assert left - 1e-6 <= price[row] <= right + 1e-6


# ---------------------------------------------------------------- naming: data, *_problem, deprecated aliases
def test_k_is_data_and_outside_option_problem_solves_to_it():
    s = om.InformationSeller([1, 2, 3], [0.2, 0.3, 0.5], [0.3, 0.7], alpha=1.2)
    assert type(s.K) is float and s.K == pytest.approx(0.7 - 1.2, abs=1e-15)
    assert float(s.outside_option) == s.K  # the data value, not a method
    assert s.outside_option_problem().solve().value == pytest.approx(s.K, abs=1e-12)
    assert list(s.type_index) == [1, 2, 3] and s.type_index.name == "v"


def test_stable_problem_names_do_not_warn(recwarn):
    s = om.InformationSeller([1, 2, 3], [0.2, 0.3, 0.5], [0.5, 0.5], alpha=0.5)
    assert s.welfare_optimal().solve().value == pytest.approx(s.welfare_problem().solve().value, abs=1e-12)
    assert s.welfare_optimal(first_best=True).solve().value == pytest.approx(
        s.welfare_problem(first_best=True).solve().value, abs=1e-12)
    assert s.revenue_optimal().solve().value == pytest.approx(s.revenue_problem().solve().value, abs=1e-12)
    assert isinstance(om.InformationSeller.from_distribution("uniform", m=3), om.InformationSeller)
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_deprecated_virtual_surplus_alias():
    s = om.InformationSeller([1, 2, 3], [0.2, 0.3, 0.5], [0.5, 0.5], alpha=0.5)
    with pytest.warns(DeprecationWarning, match="virtual_surplus_problem"):
        model = s.virtual_surplus(form="reduced")
    assert model.solve().value == pytest.approx(s.virtual_surplus_problem(form="reduced").solve().value, abs=1e-12)


def test_deprecated_outside_option_call():
    s = om.InformationSeller([1, 2], [0.5, 0.5], [0.7, 0.3], alpha=0.4)
    with pytest.warns(DeprecationWarning, match="outside_option_problem"):
        model = s.outside_option()
    assert isinstance(model, om.Model)
    assert model.solve().value == pytest.approx(s.outside_option_problem().solve().value, abs=1e-15)
    assert model.solve().value == pytest.approx(s.K, abs=1e-12)
