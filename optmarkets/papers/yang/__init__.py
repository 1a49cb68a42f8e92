"""Yang (2020), "Selling Consumer Data for Profit"."""

from .broker import EXAMPLES, DataBroker

__all__ = ["EXAMPLES", "DataBroker"]
