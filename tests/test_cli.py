"""The optmarkets command: reproduce, solve, list, solvers, and its error messages."""

import subprocess
import sys

import pytest

from optmarkets import instances
from optmarkets.cli import main


def test_reproduce_section_4_1(capsys):
    assert main(["reproduce", "--only", "glp-section-4-1"]) == 0
    out = capsys.readouterr().out
    assert "V(q°), q° = (.3, .3)" in out and "numbers match the papers" in out and " NO " not in out


def test_reproduce_table_has_the_paper_value_next_to_the_computed_one():
    table = instances.reproduce(match="glp-section-4-1")
    row = table[table["quantity"] == "V(q), q = (.3, .1)"].iloc[0]
    assert row["paper"] == 0.08 and row["computed"] == pytest.approx(0.08) and row["match"]


def test_solve_prints_solution_prices_and_certificate(capsys):
    assert main(["solve", "models/glp-section-4-1.toml", "--problem", "P_q_ce"]) == 0
    out = capsys.readouterr().out
    assert "value = 0.24" in out and "price consistency" in out and "duality_gap" in out


def test_solve_with_other_solver(capsys):
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_sb", "--solver", "CLARABEL"]) == 0
    assert "optimal with CLARABEL" in capsys.readouterr().out


def test_errors_are_messages_not_tracebacks(capsys):
    assert main(["solve", "glp-section-4-1", "--solver", "NOPE"]) == 2
    assert "solver: unknown solver 'NOPE'" in capsys.readouterr().err
    assert main(["solve", "no-such-instance"]) == 2
    assert "instance: no file 'no-such-instance'" in capsys.readouterr().err
    assert main(["solve", "glp-section-4-1", "--problem", "nope"]) == 2
    assert "solve: no [solve.nope]" in capsys.readouterr().err


def test_list_and_solvers(capsys):
    assert main(["list"]) == 0
    assert "glp-section-4-1" in capsys.readouterr().out
    assert main(["solvers"]) == 0
    out = capsys.readouterr().out
    assert "HIGHS" in out and "default: HIGHS" in out


def test_bad_instance_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "PersonalDataEconomy"\n[data]\nvalues = [2, 1]\nmass=[0.5,0.5]\noutside_option=[0,0]\n'
                   '[solve.P]\nmethod = "platform_problem"\nargs = {q = [0.1, 0.1]}\n')
    proc = subprocess.run([sys.executable, "-m", "optmarkets.cli", "solve", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "values: must be sorted" in proc.stderr
    (tmp_path / "broken.toml").write_text("model = ")
    with pytest.raises(instances.InputError, match="broken.toml is not valid TOML"):
        instances.load(tmp_path / "broken.toml")
