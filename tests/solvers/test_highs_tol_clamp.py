"""A retry tightens the tolerance 100 times; HiGHS refuses feasibility tolerances below 1e-10 and an IPM
optimality tolerance below 1e-12, and the tightened retry of a solve at tol=1e-11 raised an InputError."""

import highspy

from optmarkets.solvers.highs import set_options
from optmarkets.solvers.registry import _highs_tol


def test_every_tightened_tolerance_is_one_highs_takes():
    for tol in (1e-8, 1e-11, 1e-13, 1e-16):
        options = _highs_tol(tol)
        assert options["primal_feasibility_tolerance"] == max(tol, 1e-10)
        assert options["ipm_optimality_tolerance"] == max(tol, 1e-12)
        set_options(highspy.Highs(), options)  # raises InputError on a value HiGHS rejects
