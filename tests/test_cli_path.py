"""`optmarkets path`: an instance file's LP along a parameter path, against re-solves on a grid; its one-line
errors; `ValueFunction.plot`; and the python blocks of docs/value-functions.md, each run on its own."""

import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.app import instances, path_command
from optmarkets.app.cli import main
from optmarkets.core.family import family

ROOT = Path(__file__).resolve().parents[1]
GLP = ["path", "glp-section-4-1", "--solve", "P_q_ce", "--parameter", "q", "--from", "0.3,0.1", "--to", "0.3,0.7"]


def _glp_value(q) -> float:
    """V(q) of the file's P_q, solved on its own (a fresh model, no walk)."""
    inst = instances.load(instances.find("glp-section-4-1"))
    return inst.factory("P_q_ce")(q=list(q)).solve().value


def _kink_from_grid() -> tuple[float, float]:
    """The kink of V along q(t) = (0.3, 0.1 + 0.6 t): where the lines through the first and last two grid
    re-solves meet (V is piecewise linear with one kink, so each pair lies on one piece), and V there."""
    q = lambda t: (0.3, 0.1 + 0.6 * t)
    (t0, t1), (t2, t3) = (0.0, 0.1), (0.9, 1.0)
    v0, v1, v2, v3 = (_glp_value(q(t)) for t in (t0, t1, t2, t3))
    s_left, s_right = (v1 - v0) / (t1 - t0), (v3 - v2) / (t3 - t2)
    t_kink = (v2 - s_right * t2 - v0 + s_left * t0) / (s_left - s_right)
    return t_kink, v0 + s_left * (t_kink - t0)


def test_glp_path_has_its_breakpoint_where_q1_equals_q2(capsys):
    assert main([*GLP, "--json", "--exact"]) == 0
    data = json.loads(capsys.readouterr().out)
    t_kink, v_kink = _kink_from_grid()
    assert abs(t_kink - 1 / 3) < 1e-9  # the grid's kink is where q2 = 0.1 + 0.6 t reaches q1 = 0.3
    assert data["kind"] == "rhs" and data["sense"] == "max" and data["infeasible"] == []
    assert len(data["breakpoints"]) == 1 and abs(data["breakpoints"][0] - t_kink) < 1e-9
    assert np.allclose(data["points"], [[0.3, 0.3]], atol=1e-12)
    first, second = data["pieces"]
    assert abs(first["value_high"] - v_kink) < 1e-9 and abs(second["value_low"] - v_kink) < 1e-9
    assert abs(first["value_low"] - _glp_value((0.3, 0.1))) < 1e-9
    assert abs(second["value_high"] - _glp_value((0.3, 0.7))) < 1e-9
    assert abs(first["slope"] - 0.48) < 1e-9 and abs(second["slope"]) < 1e-9  # gamma_u dq2/dt = 0.8 * 0.6, then 0
    assert first["binding"] == ["consistency"] and second["binding"] == ["consistency", "obedience"]
    for t in (0.2, 0.6):  # V inside each piece, against a fresh solve
        v = first["value_low"] + first["slope"] * t if t < t_kink else second["value_low"]
        assert abs(v - _glp_value((0.3, 0.1 + 0.6 * t))) < 1e-9
    assert data["verified"] is True and data["exact_breakpoints"] == ["1/3"] and data["exact_values"] == ["6/25"]
    assert data["exact_pieces"][0] == {"t_low": "0/1", "t_high": "1/3", "value_low": "2/25", "value_high": "6/25",
                                       "slope": "12/25"}
    assert Fraction(data["exact_values"][0]) == Fraction(v_kink).limit_denominator(1000)


def test_text_output_has_the_pieces_breakpoints_and_exact_walk(capsys):
    assert main([*GLP, "--exact"]) == 0
    out = capsys.readouterr().out
    assert "pieces:" in out and "t_low" in out and "consistency & obedience" in out
    assert re.search(r"^\s*0\.333333\s+0\.3\s+0\.3\s*$", out, flags=re.M), out  # t, q[w=1], q[w=2]
    assert "q[w=1]" in out and "q[w=2]" in out
    assert "t = 1/3: V = 6/25  (verified)" in out


def test_a_linear_path_has_no_breakpoints(capsys):
    args = ["path", "glp-section-4-1", "--solve", "P_q_ce", "--parameter", "q", "--from", "0.3,0.4", "--to", "0.3,0.7"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["breakpoints"] == [] and len(data["pieces"]) == 1 and abs(data["pieces"][0]["slope"]) < 1e-9
    assert main(args) == 0
    assert "breakpoints: none" in capsys.readouterr().out


def test_json_on_stdout_is_pure_json_in_a_fresh_process():
    # HiGHS greets stdout (the file descriptor) on its first start in a process: not in the JSON
    run = subprocess.run([sys.executable, "-m", "optmarkets.app.cli", *GLP, "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["breakpoints"] == pytest.approx([1 / 3], abs=1e-9)


def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "v.png"
    assert main([*GLP, "--plot", str(out)]) == 0
    assert f"figure written to {out}" in capsys.readouterr().out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*GLP, "--plot", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["plot"] == str(out)


def _one_line_error(capsys, argv, *needles) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors (a bad --from) exit from the parser
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error: ") and "Traceback" not in err, err
    assert all(n in err for n in needles), err
    assert captured.out == ""
    return err


def test_plot_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    real = path_command.importlib.util.find_spec
    monkeypatch.setattr(path_command.importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    _one_line_error(capsys, [*GLP, "--plot", str(tmp_path / "v.png")], 'pip install "optmarkets[plot]"')
    _one_line_error(capsys, [*GLP, "--plot", str(tmp_path / "nope" / "v.png")], "plot: no folder")


@pytest.mark.parametrize(("change", "needles"), [
    (("--from", "0.3,x"), ("argument --from", "'x'")),
    (("--from", "0.3,nan"), ("argument --from", "'nan'")),
    (("--to", "0.3,,0.7"), ("argument --to", "''")),
    (("--to", "1_0,2"), ("argument --to", "'1_0'")),
    (("--to", "0.3,1e999"), ("argument --to", "finite")),
    (("--from", "0.3"), ("q: has length 1, expected 2",)),
    (("--to", "0.3,0.7,0.1"), ("q:",)),
    (("--to", "0.3,-0.7"), ("q: entry 1 is -0.7",)),
    (("--parameter", "nope"), ("parameter: 'nope' is not a parameter", "['q']")),
    (("--solve", "nope"), ("no [solve.nope]",)),
    (("--solve", "psi_ce"), ("[solve.psi_ce]", "not a Model")),
    (("--max-size", "0"), ("argument --max-size",)),
])
def test_errors_are_one_line_and_exit_2(capsys, change, needles):
    argv = list(GLP)
    flag, value = change
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    _one_line_error(capsys, argv, *needles)


def test_a_problem_solved_by_another_program_is_a_named_error(capsys):
    _one_line_error(capsys, ["path", "glp-section-4-1-e1", "--solve", "sb", "--parameter", "psi_cut",
                             "--from", "0,0.3", "--to", "0,0.5"], "BestOf strategy")
    _one_line_error(capsys, ["path", "no-such-instance", "--parameter", "q", "--from", "1", "--to", "2"],
                    "instance: no file 'no-such-instance'")


def _milp():
    m = om.Model("milp")
    z = m.variable("z", 1, integer=True)
    m.parameter("k", 1.0)
    m.constrain("cap", family(z, "<=", m.param("k") * np.ones(1)))
    m.maximize(cp.sum(z))
    return m


def _bilinear():
    m = om.Model("bilinear")
    y = m.variable("y", 1, nonneg=True)
    k = m.parameter("k", 1.0)
    m.constrain("scaled", family(k * y, "<=", 1.0))
    m.constrain("cap", family(y, "<=", 5.0))
    m.maximize(cp.sum(y))
    return m


@pytest.mark.parametrize(("build", "needle"), [(_milp, "is not an LP"),
                                               (_bilinear, "multiplies a variable in families ['scaled']")])
def test_models_the_walk_refuses_are_one_line(capsys, monkeypatch, build, needle):
    # instance files build only allow-listed models: put the refused model behind the file's factory
    monkeypatch.setattr(instances.Instance, "factory", lambda self, solve: lambda: build())
    _one_line_error(capsys, ["path", "glp-section-4-1", "--parameter", "k", "--from", "1", "--to", "2"], needle)


def test_help_imports_no_model_code():
    code = ("import sys\nfrom optmarkets.app.cli import main\ntry:\n    main(['path', '--help'])\n"
            "except SystemExit:\n    pass\nassert 'cvxpy' not in sys.modules, 'cvxpy imported'\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "--parameter" in run.stdout, run.stderr


# ---------------------------------------------------------------------------------------- ValueFunction.plot
def test_value_function_plot_draws_the_pieces_and_marks_the_breakpoints(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    econ = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    vf = om.value_function(econ.platform_problem([0.1, 0.4]), "q", [0.1, 0.4], [0.4, 0.1])
    ax = vf.plot(color="C3")
    line, marks = ax.get_lines()
    assert np.allclose(line.get_xdata(), [0, 0.5, 1]) and np.allclose(line.get_ydata(), [0.1, 0.25, 0.1])
    assert np.allclose(marks.get_xdata(), [0.5]) and np.allclose(marks.get_ydata(), [0.25])
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylabel() == "V(t)"
    out = tmp_path / "vf.png"
    ax.figure.savefig(out)
    assert out.read_bytes()[:4] == b"\x89PNG"
    _fig, own = plt.subplots()
    assert vf.plot(ax=own) is own
    plt.close("all")


def test_value_function_plot_without_matplotlib_names_the_extra(monkeypatch):
    econ = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0], gamma_u=1.0)
    vf = om.value_function(econ.platform_problem([0.1, 0.4]), "q", [0.1, 0.4], [0.4, 0.1])
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails as if not installed
    with pytest.raises(ImportError, match=re.escape('pip install "optmarkets[plot]"')):
        vf.plot()


# ---------------------------------------------------------------------------------------- the docs page
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "value-functions.md").read_text(), flags=re.S)


def test_the_docs_page_has_its_examples():
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_every_python_block_of_the_value_functions_page_runs(block):
    # each block on its own, in a fresh interpreter: its assertions are the numbers the page claims
    run = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
