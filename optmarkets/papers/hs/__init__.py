"""Haghpanah and Siegel (2021), "Pareto-Improving Segmentation of Multi-Product Markets"."""

from .seller import EXAMPLES, MultiProductSeller, ParetoCheck, ParetoSearch, Segmentation

__all__ = ["EXAMPLES", "MultiProductSeller", "ParetoCheck", "ParetoSearch", "Segmentation"]
