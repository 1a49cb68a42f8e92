"""Axes for the results' `.plot()` methods: matplotlib is an optional extra (`optmarkets[plot]`),
imported only when something is drawn."""

from __future__ import annotations

from typing import Any


def axes(ax: Any = None) -> Any:
    """`ax`, or a new figure's axes; an ImportError naming the extra when matplotlib is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot: needs matplotlib; install the plot extra: pip install \"optmarkets[plot]\" "
                          "(or pip install matplotlib)") from None
    return plt.figure().add_subplot() if ax is None else ax
