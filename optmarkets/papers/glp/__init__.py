"""Galperti, Liu and Perego, "Competitive Markets for Personal Data"."""

from .economy import EXAMPLES, PersonalDataEconomy

__all__ = ["EXAMPLES", "PersonalDataEconomy"]
