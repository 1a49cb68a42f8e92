"""A HiGHS answer that fails its certificate is solved once more with geometric scaling (`core.solve.run`).

Yang's compact LP with values and costs in units of 2^-30: its IC rows mix v * z (about 1e-9) with
transfers of coefficient 1, a fixed point of Ruiz's max-based scaling, and HiGHS's absolute
tolerances then read the v * z terms as zeros (value off by a factor -4.5, certificate failing).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import optmarkets as om
from optmarkets.solvers import scaling


def _broker(scale: float = 1.0) -> om.DataBroker:
    rng = np.random.default_rng(3)
    values = np.sort(rng.choice(np.arange(1, 25), 6, replace=False)) / 24
    costs = np.sort(rng.choice(np.arange(0, 80), 4, replace=False)) / 100 * values.max()
    return om.DataBroker(values * scale, rng.dirichlet(np.ones(6)), costs * scale, rng.dirichlet(np.ones(4)))


@pytest.mark.parametrize("power", [-30, -40, 30])
def test_scaled_data_give_the_scaled_optimum_certified(power):
    base = _broker().solve()
    scale = 2.0 ** power
    sol = _broker(scale).solve()
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(base.value * scale, rel=1e-9)
    np.testing.assert_allclose(sol["transfer"].to_numpy(), base["transfer"].to_numpy() * scale, rtol=1e-7,
                               atol=1e-9 * scale)
    rescued = any("geometric scaling" in note for note in sol.certificate.notes)
    assert rescued == (power < 0)  # Ruiz alone is right for large data, wrong for tiny ones


def test_a_well_scaled_model_is_solved_once():
    sol = _broker().solve()
    assert not any("geometric scaling" in note for note in sol.certificate.notes)


def test_geometric_factors_are_powers_of_two_and_balance_mixed_rows():
    import scipy.sparse as sp

    A = sp.csc_matrix(np.array([[2.0**-30, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 2.0**-30, 2.0**-29]]))
    r, t = scaling.geometric_factors(A)
    assert np.all(np.log2(r) == np.round(np.log2(r))) and np.all(np.log2(t) == np.round(np.log2(t)))
    scaled = abs(sp.diags(r) @ A @ sp.diags(t)).tocsr()
    spread = [np.log2(row.data.max() / row.data.min()) for row in scaled]
    assert max(spread) < 30  # Ruiz leaves the first row at 2^30 : 1


def _form(A, b, c):
    import scipy.sparse as sp

    from optmarkets.solvers.highs import StandardForm

    A = sp.csc_matrix(np.asarray(A, dtype=float))
    m, n = A.shape
    return StandardForm(c=np.asarray(c, float), A=A, n_eq=0, row_lower=np.full(m, -np.inf),
                        row_upper=np.asarray(b, float), col_lower=np.zeros(n), col_upper=np.full(n, np.inf), integer=[])


def test_round_off_residues_do_not_make_an_lp_badly_scaled():
    """0.3 - 0.30000000000000004 (a value less a bid on another grid) is a residue of its row and column:
    the LP goes to HiGHS as given, without computing Ruiz factors (HiGHS drops entries below 1e-9 as it
    reads a matrix)."""
    residue = 0.3 - np.linspace(0, 1, 11)[3]
    assert 0 < abs(residue) < 1e-16
    A = [[1.0, residue, 0.5], [0.25, 1.0, residue], [1.0, 1.0, 1.0]]
    assert scaling.near_one(_form(A, [1, 1, 2], [-1, -1, -1]))


@pytest.mark.parametrize("tiny", [1e-12, 2.0 ** -31])
def test_small_entries_that_are_the_data_are_still_scaled(tiny):
    """A column whose every entry is small (data in other units) is not a residue: its column's largest
    entry is as small. Nor is a small entry that is the largest of its row."""
    column = [[1.0, tiny], [0.5, 2 * tiny]]
    row = [[1.0, 0.5], [tiny, 0.0]]
    for A in (column, row):
        assert not scaling.near_one(_form(A, [1, 1], [-1, -1]))
    assert not scaling.equilibrate(_form(column, [1, 1], [-1, -1])).identity


def test_a_first_price_auction_with_residues_is_solved_unscaled_and_certified(monkeypatch):
    """Its 2,680 residues (of 180,980 entries) no longer cost a Ruiz equilibration (0.13 s at 1.2M nonzeros)."""
    ruiz = []
    monkeypatch.setattr(scaling, "_ruiz",
                        lambda A, proof=None: ruiz.append(A) or (np.ones(A.shape[0]), np.ones(A.shape[1])))
    values = np.arange(1, 11) / 10  # k/10, beside bids from linspace: residues in v - b
    auction = om.first_price_auction(values, np.linspace(0, 1, 11))
    sol = auction.revenue_model(sense="min").solve()
    assert ruiz == []
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(0.213369, abs=1e-6)  # bench_engines' 10 x 11 value, both sides


def _random_lp(rng, spread: float, shift: float, rhs: float):
    """A random LP's data: entries spread over up to 2^(2 spread) and shifted by up to 2^+-shift, right-hand sides
    and costs over 2^+-rhs, empty rows and columns."""
    from types import SimpleNamespace

    m, n = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    A = sp.random(m, n, density=rng.uniform(0.0, 1.0), random_state=rng, format="csc")
    spread = rng.uniform(0, spread)
    A.data = (A.data * 2.0 ** rng.uniform(-spread, spread, A.nnz) * 2.0 ** rng.uniform(-shift, shift)
              * rng.choice([-1, 1], A.nnz))
    b = rng.uniform(0, 1, m) * 2.0 ** rng.uniform(-rhs, rhs) * (rng.uniform(size=m) > 0.3)
    c = rng.uniform(-1, 1, n) * 2.0 ** rng.uniform(-rhs, rhs) * (rng.uniform(size=n) > 0.3)
    return SimpleNamespace(A=A, row_lower=np.full(m, -np.inf), row_upper=b, c=c)


def _full_ruiz(lp) -> tuple[np.ndarray, np.ndarray, bool]:
    """Ruiz's factors run to the end, and whether `_decide` makes them the identity."""
    r, t = scaling.matrix_factors(lp.A)
    rhs, cost = float(np.max(np.abs(lp.row_upper) * r, initial=0.0)), float(np.max(np.abs(lp.c) * t, initial=0.0))
    rho = float(scaling._pow2(np.array(1.0 / rhs))) if rhs > 0 else 1.0
    sigma = float(scaling._pow2(np.array(1.0 / cost))) if cost > 0 else 1.0
    return r, t, scaling._decide(r, t, rho, sigma).identity


def test_ruiz_shown_to_be_the_identity_is_the_identity():
    """`scaling._ruiz_is_identity` proves from bounds that Ruiz's factors would be the identity: on 4,000 random
    LPs (entries spread over up to 2^28 and shifted by up to 2^+-20, right-hand sides and costs over 2^+-12,
    empty rows and columns), wherever it says so, Ruiz's factors with `_decide` are the identity, and it says so
    often enough to matter."""
    rng = np.random.default_rng(7)
    proven = 0
    for _ in range(4000):
        lp = _random_lp(rng, 14, 20, 12)
        if not scaling._ruiz_is_identity(lp):
            continue
        proven += 1
        assert _full_ruiz(lp)[2]
    assert proven > 300


def test_ruiz_stopped_by_its_running_bounds_only_where_its_factors_are_the_identity():
    """`scaling._ruiz` with a proof: from the second pass on, the current factors and the current factors over
    the current row and column maxima bound the final ones; where `_identity_within` holds for those bounds Ruiz
    stops. On 3,000 random LPs (as above, spread up to 2^32, shifts 2^+-6, right-hand sides and costs 2^+-8),
    wherever it stopped, the full Ruiz with `_decide` is the identity; wherever it did not, its factors are the
    full Ruiz's; and it stops on many that the static bounds of `_ruiz_is_identity` leave to Ruiz."""
    rng = np.random.default_rng(11)
    stopped = beyond_static = 0
    for _ in range(3000):
        lp = _random_lp(rng, 16, 6, 8)
        r, t, identity = _full_ruiz(lp)
        early = scaling._ruiz(lp.A, lambda *bounds, lp=lp: scaling._identity_within(lp, *bounds))
        if early is None:
            stopped += 1
            beyond_static += not scaling._ruiz_is_identity(lp)
            assert identity
        else:
            assert np.array_equal(early[0], r) and np.array_equal(early[1], t)
    assert stopped > 300 and beyond_static > 100, (stopped, beyond_static)


def test_a_stop_kept_in_the_cache_is_reused_only_for_the_same_magnitudes():
    """Ruiz's factors are kept per A, whatever b and c; a stop on the way also depends on |b| and |c|. An LP
    whose identity was shown on the way, solved again with the same A and b or c moved by 2^+-20, gets the
    scaling it gets without a cache (the stop is not reused), and with the same b and c the stop is reused."""
    from types import SimpleNamespace

    rng = np.random.default_rng(11)
    checked = moved_off_identity = 0
    for _ in range(600):
        base = _random_lp(rng, 16, 6, 8)
        lp = SimpleNamespace(**vars(base), integer=None)
        cache: dict = {}
        if not scaling.equilibrate(lp, cache).identity or cache.get("factors", (None, 0))[1] is not None:
            continue  # not a stop on the way
        checked += 1
        assert scaling.equilibrate(lp, cache).identity and cache["factors"][1] is None  # reused
        shift = 2.0 ** rng.choice([-20, 20])
        moved = SimpleNamespace(**{**vars(lp), "row_upper": lp.row_upper * shift} if rng.uniform() < 0.5
                                else {**vars(lp), "c": lp.c * shift})
        fresh, cached = scaling.equilibrate(moved, None), scaling.equilibrate(moved, cache)
        moved_off_identity += not fresh.identity
        assert (fresh.identity == cached.identity and np.array_equal(fresh.row, cached.row)
                and np.array_equal(fresh.col, cached.col) and (fresh.rho, fresh.sigma) == (cached.rho, cached.sigma))
    assert checked > 50 and moved_off_identity > 20, (checked, moved_off_identity)
