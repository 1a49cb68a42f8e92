"""The Haghpanah-Siegel package's tolerances: names for the roles they play here, each one of
`core.tolerances` (no literal of its own)."""

from __future__ import annotations

from ...core.tolerances import ECON_TOL, PRICE_TIE, PROB_TOL, ROUNDOFF

#: Consumer-surplus and payment comparisons, relative to the seller's scale max(1, max |v|).
CS_TOL = ECON_TOL
#: A selected lottery is deterministic (an alternative with probability >= 1 - DET_TOL).
DET_TOL = ECON_TOL
#: Relative tie between values (the net values of two alternatives; a virtual value and a cost slope).
VALUE_TIE = PRICE_TIE
#: Two markets (probability vectors, shares q) are equal within this, absolute.
MARKET_TOL = PROB_TOL
#: Round-off in the closed forms (envelope crossings, perturbed markets, virtual-surplus ties).
CLOSED_FORM_TOL = ROUNDOFF
