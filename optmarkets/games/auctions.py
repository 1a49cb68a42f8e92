"""Two-bidder first-price auctions as games, the literature's BCE examples (BCESolve, Brooks and Du).

`first_price_auction(values, bids, ...)`: two bidders bid on the grid `bids`; the higher bid wins and pays
itself, ties are split (each wins with probability 1/2), and a bid below `reserve` neither wins nor pays.

* Private values (`common=False`): the state is the pair of values (v1, v2), drawn independently from
  `prior` (one marginal, default uniform), and each bidder observes its own value (an InformationStructure).
  Bidder i's payoff is (v_i - b_i) x its winning share.
* Common value (`common=True`): the state is the common value v, drawn from `prior`, and no bidder observes
  anything. BCESolve's `CommonValueAuction(na, nv, alpha=1, highBid=1, rp, entryCost=0)` is
  values k/(nv-1), k = 0..nv-1, with prior 0 at value 0 and 1/(nv-1) elsewhere, and bids a/(na-1).

The seller's revenue (the winning bid where it clears the reserve) is an outcome array over (state, b1, b2);
`Auction.revenue_model(sense="min")` is the BCE LP of the minimum revenue (Bergemann-Brooks-Morris's
revenue bound), `symmetric=True` on the orbits of the bidders' swap (the game is symmetric: the swap also
exchanges the two values in the private-values state).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..core.limits import game_size
from ..core.model import Model
from ..core.validate import increasing, nonnegative, real_array
from .equilibrium import bayes_correlated_equilibrium
from .game import FiniteGame, InformationStructure


@dataclass(frozen=True)
class Auction:
    """A first-price auction: the game, who observes what (None: nobody observes anything) and the revenue."""

    game: FiniteGame
    info: InformationStructure | None
    revenue: np.ndarray

    def revenue_model(self, sense: str = "min", *, symmetric: bool | str = False) -> Model:
        """The BCE LP of the seller's revenue (`sense="min"`: the lowest over all information structures the
        bidders could be given on top of theirs)."""
        return bayes_correlated_equilibrium(self.game, self.info, self.revenue, sense=sense, symmetric=symmetric,
                                            name="first-price auction")


def first_price_auction(values, bids, *, prior=None, common: bool = False, reserve: float = 0.0) -> Auction:
    """Two bidders' first-price auction (module docstring): values (increasing), bids (increasing), prior
    (one mass per value, normalised; None: uniform), common (one common value, else private values),
    reserve (a bid below it neither wins nor pays)."""
    v = increasing("values", values)
    b = increasing("bids", bids)
    q = np.full(v.size, 1.0 / v.size) if prior is None else nonnegative("prior", prior, length=v.size)
    if q.sum() <= 0:
        raise InputError("prior: has no mass")
    q = q / q.sum()
    rp_arr = real_array("reserve", reserve)
    if rp_arr.size != 1 or not np.isfinite(rp_arr).all():
        raise InputError(f"reserve: must be one finite number, got {reserve!r}")
    rp = float(rp_arr.reshape(-1)[0])
    game_size([b.size, b.size], v.size if common else v.size ** 2, engine="first_price_auction").check()
    k = np.arange(b.size)
    share = (k[:, None] > k[None, :]) + 0.5 * (k[:, None] == k[None, :])  # share[b1, b2] of bidder 1
    share = share * (b >= rp)[:, None]  # below the reserve a bid never wins
    top = np.maximum(b[:, None], b[None, :])
    pays = np.where(top >= rp, top, 0.0)
    bidders = ["b1", "b2"]
    if common:  # the state is the common value
        v1 = v2 = v
    else:  # the state is the pair of values
        i1, i2 = (g.reshape(-1) for g in np.meshgrid(np.arange(v.size), np.arange(v.size), indexing="ij"))
        v1, v2 = v[i1], v[i2]
    u1 = (v1[:, None, None] - b[None, :, None]) * share[None]
    u2 = (v2[:, None, None] - b[None, None, :]) * share.T[None]
    revenue = np.broadcast_to(pays, (v1.size, b.size, b.size)).copy()
    if common:
        game = FiniteGame(bidders, {p: b.size for p in bidders}, {"b1": u1, "b2": u2}, states=list(v), prior=q,
                          name="common-value first-price auction")
        return Auction(game, None, revenue)
    states = [f"{float(v[a])!r},{float(v[c])!r}" for a, c in zip(i1, i2, strict=True)]  # distinct, as the values
    game = FiniteGame(bidders, {p: b.size for p in bidders}, {"b1": u1, "b2": u2}, states=states,
                      prior=q[i1] * q[i2], name="private-values first-price auction")
    own = {p: (s[:, None] == np.arange(v.size)[None, :]).astype(float) for p, s in (("b1", i1), ("b2", i2))}
    return Auction(game, InformationStructure(game, own), revenue)
