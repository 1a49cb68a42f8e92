"""Issue 12, finding 3: validated options — tol, solver, time limits and each backend's option names."""

from __future__ import annotations

import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.tolerances import SOLVE_TOL
from optmarkets.solvers import available, get
from optmarkets.solvers.registry import safe_options


@pytest.fixture(scope="module")
def model():
    econ = om.PersonalDataEconomy([1.0, 2.0, 3.0], [0.2, 0.5, 0.3], [0.3, 0.5, 0.4], gamma_u=0.9)
    return econ.platform_problem([0.2, 0.3, 0.1])


@pytest.mark.parametrize("tol", [float("nan"), float("inf"), 10, -1, 0, "abc", True, 0.5])
def test_bad_tol_is_an_input_error_naming_tol(model, tol):
    with pytest.raises(om.InputError, match="tol"):
        model.solve(tol=tol)


def test_good_tol_solves_to_the_closed_form(model):
    econ = om.PersonalDataEconomy([1.0, 2.0, 3.0], [0.2, 0.5, 0.3], [0.3, 0.5, 0.4], gamma_u=0.9)
    for tol in (1e-2, 1e-6, 1e-9):
        assert model.solve(tol=tol).value == pytest.approx(econ.bbm_value([0.2, 0.3, 0.1]), rel=1e-6)


def test_default_tol_is_applied(model):
    """The README's default tol=1e-8 reaches the solver's own options."""
    from optmarkets.core.solve import Request, backend_and_options

    _, opts = backend_and_options(model, Request())
    assert opts["primal_feasibility_tolerance"] == SOLVE_TOL == 1e-8
    _, opts = backend_and_options(model, Request(tol=1e-6))
    assert opts["dual_feasibility_tolerance"] == 1e-6


@pytest.mark.parametrize("solver", [3, "", "  ", "NOPE", 1.5])
def test_bad_solver_is_unknown_solver_error(model, solver):
    with pytest.raises(om.UnknownSolverError, match="solver"):
        model.solve(solver)


def test_time_limit_must_be_positive(model):
    with pytest.raises(om.InputError, match="time_limit"):
        model.solve(time_limit=-1)
    with pytest.raises(om.InputError, match="time_limit"):
        model.solve(time_limit=float("nan"))
    assert model.solve(time_limit=60.0).status == "optimal"


@pytest.mark.parametrize("solver", [s for s in ("HIGHS", "CLARABEL", "ECOS", "SCS", "SCIPY") if s in available()])
def test_unknown_option_names_option_and_backend(model, solver):
    with pytest.raises(om.InputError, match=rf"no_such_option.*{solver}"):
        model.solve(solver, no_such_option=1)


def test_option_values_are_checked(model):
    with pytest.raises(om.InputError, match="max_iters"):
        model.solve("SCS", max_iters=-5) if "SCS" in available() else model.solve(mip_rel_gap=-1)
    with pytest.raises(om.InputError, match="primal_feasibility_tolerance"):
        model.solve(primal_feasibility_tolerance=float("nan"))
    with pytest.raises(om.InputError, match="simplex_strategy"):
        model.solve(simplex_strategy="not a number")  # HiGHS itself rejects the value


def test_safe_options_refuse_paths_and_keep_numbers():
    assert safe_options("HIGHS", {"time_limit": 5.0, "mip_rel_gap": 1e-9}) == {"time_limit": 5.0, "mip_rel_gap": 1e-9}
    for bad in ({"log_file": "/tmp/x"}, {"write_model_file": "/tmp/x.lp"}, {"write_solution_to_file": True},
                {"solution_file": "x"}, {"presolve": "off"}):
        with pytest.raises(om.InputError, match=next(iter(bad))):
            safe_options("HIGHS", bad)
    if "SCS" in available():
        with pytest.raises(om.InputError, match="write_data_filename"):
            safe_options("SCS", {"write_data_filename": "/tmp/x"})
        assert safe_options(get("SCS"), {"eps_abs": 1e-6, "max_iters": 10}) == {"eps_abs": 1e-6, "max_iters": 10}
    if "SCIPY" in available():
        assert safe_options("SCIPY", {"scipy_options": {"time_limit": 3.0}}) == {"scipy_options": {"time_limit": 3.0}}
    with pytest.raises(om.InputError, match="options"):
        safe_options("HIGHS", ["time_limit"])


def test_file_options_are_allowed_from_python(model, tmp_path):
    path = tmp_path / "model.lp"
    sol = model.solve(write_model_file=str(path))
    assert path.exists() and sol.status == "optimal"
    assert np.isfinite(sol.value)
