"""The optmarkets command: reproduce, solve, list, solvers, and its error messages."""

import subprocess
import sys

import pandas as pd
import pytest

import optmarkets as om
from optmarkets.app import instances, reproduce
from optmarkets.app.cli import main


def test_reproduce_section_4_1(capsys):
    assert main(["reproduce", "--only", "glp-section-4-1"]) == 0
    out = capsys.readouterr().out
    assert "V(q°), q° = (.3, .3)" in out and "numbers match the papers" in out and " NO " not in out


def test_reproduce_table_has_the_paper_value_next_to_the_computed_one():
    table = reproduce.reproduce(match="glp-section-4-1")
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


def test_a_missing_models_folder_is_one_line_and_exit_2(capsys):
    for command in ("reproduce", "list"):
        assert main([command, "--models", "/nonexistent"]) == 2
        captured = capsys.readouterr()
        assert captured.err == "optmarkets: error: models: no folder '/nonexistent'\n" and captured.out == ""


def test_failures_print_one_line_without_a_traceback(tmp_path):
    (tmp_path / "unknown.toml").write_text('model = "os.system"\n[data]\n[solve.P]\nmethod = "x"\n')
    (tmp_path / "private.toml").write_text('model = "PersonalDataEconomy"\n[data]\nvalues = [1, 2]\n'
                                           'mass = [0.5, 0.5]\noutside_option = [0, 0]\n'
                                           '[solve.P]\nmethod = "__class__"\n')
    (tmp_path / "field.toml").write_text('model = "PersonalDataEconomy"\n[data]\nvaluez = [1, 2]\n'
                                         '[solve.P]\nmethod = "platform_problem"\n')
    cases = {("reproduce", "--models", "/nonexistent"): "models: no folder",
             ("solve", str(tmp_path / "unknown.toml")): "unknown model class 'os.system'",
             ("solve", str(tmp_path / "private.toml")): "has no method '__class__'",
             ("solve", str(tmp_path / "field.toml")): "field.toml: data:",
             ("solve", "glp-section-4-1", "--solver", "NOPE"): "unknown solver 'NOPE'"}
    for argv, message in cases.items():
        proc = subprocess.run([sys.executable, "-m", "optmarkets.app.cli", *argv], capture_output=True, text=True)
        assert proc.returncode == 2, (argv, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("optmarkets: error: ") and message in lines[0], (argv, lines)


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
    proc = subprocess.run([sys.executable, "-m", "optmarkets.app.cli", "solve", str(bad)], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "values: must be sorted" in proc.stderr
    (tmp_path / "broken.toml").write_text("model = ")
    with pytest.raises(instances.InputError, match=r"broken\.toml is not valid TOML"):
        instances.load(tmp_path / "broken.toml")


def test_sweep_command_writes_the_grid_with_prices(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    rc = main(["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5:1.5:3",
               "--vary", "q=[[0.3,0.3],[0.3,0.7],[0.2,0.5]]", "--prices", "consistency", "--out", str(out)])
    assert rc == 0 and "9 points written" in capsys.readouterr().out
    df = pd.read_csv(out)
    assert df["gamma_u"].tolist() == [0.5] * 3 + [1.0] * 3 + [1.5] * 3
    q = df["q"].map(eval)
    v = df["gamma_u"] * q.map(min)  # V(q) = gamma_u min(q1, q2) (gamma_pi = 0, values 1 and 2)
    assert df["value"].tolist() == pytest.approx(v.tolist(), abs=1e-12)
    low_first = q.map(lambda x: x[0] < x[1])  # q1 short: a w=1 record is worth gamma_u, a w=2 one nothing
    assert df.loc[low_first, "price:consistency[w=1]"].tolist() == pytest.approx(df.loc[low_first, "gamma_u"].tolist())
    assert (df.loc[low_first, "price:consistency[w=2]"] == 0).all()


def test_sweep_command_names_bad_axes(capsys):
    assert main(["sweep", "glp-section-4-1", "--vary", "gama_u=0.5:1:2"]) == 2
    assert "gama_u" in capsys.readouterr().err
    assert main(["sweep", "glp-section-4-1", "--vary", "gamma_u=0.5:x:2"]) == 2
    assert "vary" in capsys.readouterr().err
    assert main(["sweep", "glp-section-4-1", "--vary", "gamma_u"]) == 2


def test_instance_factory_sweeps_data_and_arguments_the_same_in_every_executor():
    inst = instances.load(instances.find("glp-section-4-1"))
    grid = om.grid(gamma_u=[0.6, 0.9, 1.2], q=[[0.3, 0.3], [0.25, 0.6], [0.1, 0.4], [0.3, 0.7]])
    serial = om.sweep(inst.factory("P_q_ce"), grid, primal=True, prices=True).drop(columns="time")
    procs = om.sweep(inst.factory("P_q_ce"), grid, primal=True, prices=True, n_jobs=2, chunksize=5)
    pd.testing.assert_frame_equal(serial, procs.drop(columns="time"), atol=0, rtol=0)
    econ = om.PersonalDataEconomy([1, 2], [0.3, 0.7], [0.3, 0.3], gamma_u=0.9)
    assert serial.loc[5, "value"] == pytest.approx(econ.bbm_value([0.25, 0.6]), abs=1e-12)
