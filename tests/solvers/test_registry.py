"""The solver table: capability flags of the first-order / GPU backends and the not-installed message."""

from __future__ import annotations

import pytest

from optmarkets import solvers
from optmarkets.core.errors import UnknownSolverError
from optmarkets.solvers.cvxpy_internals import installed_solvers


@pytest.mark.parametrize(("name", "integers", "gpu"), [("PDLP", False, False), ("CUOPT", True, True)])
def test_first_order_backends_registered_with_their_flags(name, integers, gpu):
    backend = solvers.registered()[name]
    assert backend.cvxpy_name == name
    assert backend.duals and backend.accuracy == "first-order"
    assert backend.integers is integers and backend.gpu is gpu


def test_cuopt_tolerance_translation():
    backend = solvers.registered()["CUOPT"]
    assert backend.tolerance_options(1e-6) == {"optimality": 1e-6}


def test_pdlp_options_checked_and_tolerance_translated():
    backend = solvers.registered()["PDLP"]
    assert backend.option_names is not None and backend.option_names() == {"parameters_proto", "time_limit_sec"}
    if "PDLP" not in installed_solvers():
        pytest.skip("OR-Tools (PDLP) is not installed")
    proto = backend.options(1e-5)["parameters_proto"]
    criteria = proto.termination_criteria.simple_optimality_criteria
    assert criteria.eps_optimal_relative == criteria.eps_optimal_absolute == 1e-5


@pytest.mark.parametrize("name", ["PDLP", "CUOPT"])
def test_not_installed_backend_is_named_with_the_installed_ones(name):
    if name in installed_solvers():
        assert solvers.get(name).name == name
        assert name in solvers.available()
        return
    assert name not in solvers.available()
    with pytest.raises(UnknownSolverError, match=f"'{name}' is registered but not installed; available: HIGHS"):
        solvers.get(name)


def test_highs_default_and_cpu_backends():
    assert solvers.get(None).name == solvers.DEFAULT_SOLVER == "HIGHS"
    assert not any(b.gpu for n, b in solvers.registered().items() if n != "CUOPT")
    ipm = solvers.registered()["HIGHS_IPM"]
    assert ipm.accuracy == "vertex" and ipm.defaults["highs_options"] == {"solver": "ipm", "run_crossover": "on"}
