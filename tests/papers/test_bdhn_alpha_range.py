"""BDHN's competition parameter alpha: beyond 1e15 a share 1 - alpha loses its 1 in double precision
(the fuzz corpus's alpha = 2^53 + 2 gave a welfare LP 12% off the closed form, certified ok)."""

from __future__ import annotations

import pytest

import optmarkets as om


def test_an_alpha_whose_shares_lose_their_one_is_a_named_error():
    with pytest.raises(om.InputError, match="alpha"):
        om.InformationSeller([1.0, 2.0, 3.0], [0.2, 0.3, 0.5], [0.5, 0.5], alpha=2.0**53 + 2)


@pytest.mark.parametrize("alpha", [0.5, 1e6, 1e15])
def test_welfare_lp_matches_the_greedy_closed_form_up_to_the_largest_alpha(alpha):
    seller = om.InformationSeller([1.0, 2.0, 3.0], [0.2, 0.3, 0.5], [0.5, 0.5], alpha=alpha)
    want = float(seller.greedy("welfare").value)
    assert seller.welfare_optimal().solve().value == pytest.approx(want, rel=1e-6, abs=1e-9 * max(1.0, abs(want)))
