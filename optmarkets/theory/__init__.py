"""Shared economics computed once: finite distributions, ironing and virtual values, the
Bergemann-Brooks-Morris closed form and greedy segmentation."""

from .bbm import bbm_greedy, bbm_value, monopoly_profit
from .distribution import Distribution
from .ironing import (
    concave_majorant,
    convex_minorant,
    hull_values,
    ironed_slopes,
    myerson_payments,
    virtual_costs,
    virtual_values,
)

__all__ = [
    "Distribution", "bbm_greedy", "bbm_value", "concave_majorant", "convex_minorant", "hull_values",
    "ironed_slopes", "monopoly_profit", "myerson_payments", "virtual_costs", "virtual_values",
]
