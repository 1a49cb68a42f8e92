"""Galperti, Liu and Perego, "Competitive Markets for Personal Data".

economy: the economy's data, payoffs and closed forms (`PersonalDataEconomy`);
programs: the platform's P_q, FB' and the leaders' programs (SB, monopsony, data union);
equilibria: competitive and Lindahl equilibria (checks, support LPs, the CE enumeration);
examples: the paper's code-defined reproduce examples (`EXAMPLES`).
"""

from .economy import PersonalDataEconomy
from .equilibria import EquilibriumReport, PriceSet
from .examples import EXAMPLES

__all__ = ["EXAMPLES", "EquilibriumReport", "PersonalDataEconomy", "PriceSet"]
