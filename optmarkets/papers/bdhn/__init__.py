"""Bonatti, Dahleh, Horel and Nouripour, "Selling Information in Competitive Environments"."""

from .seller import EXAMPLES, InformationSeller

__all__ = ["EXAMPLES", "InformationSeller"]
