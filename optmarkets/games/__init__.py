"""Games and information design as first-class models.

FiniteGame and InformationStructure describe a game and who observes what; correlated_equilibrium
and bayes_correlated_equilibrium build its (Bayes) correlated-equilibrium LP as an om.Model;
persuasion (one receiver) and segmentation (Bergemann-Brooks-Morris) are its information-design
special cases. Gambit's strategic-form .nfg files are read and written by FiniteGame.from_nfg/to_nfg;
first_price_auction builds the literature's two-bidder auctions (private or common values, BCESolve's).
"""

from .auctions import Auction, first_price_auction
from .design import persuasion, segmentation
from .equilibrium import bayes_correlated_equilibrium, correlated_equilibrium, measure
from .game import FiniteGame, InformationStructure
from .nfg import read_nfg, write_nfg

__all__ = [
    "FiniteGame", "InformationStructure", "bayes_correlated_equilibrium", "correlated_equilibrium", "measure",
    "persuasion", "segmentation", "read_nfg", "write_nfg", "first_price_auction", "Auction",
]
