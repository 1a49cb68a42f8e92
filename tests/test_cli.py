"""The optmarkets command: reproduce, solve, list, solvers, and its error messages."""

import json
import subprocess
import sys
import time

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
    assert row["expected"] == 0.08 and row["computed"] == pytest.approx(0.08) and row["match"]


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


def _cli(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "optmarkets.app.cli", *argv], capture_output=True, text=True,
                          timeout=300, **kw)


def _one_error_line(proc, message):
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("optmarkets: error: ") and message in lines[0], lines


@pytest.mark.parametrize(("argv", "message"), [
    (("solve",), "the following arguments are required: file"),
    (("solve", "glp-section-4-1", "--bogus"), "unrecognized arguments: --bogus"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("sweep", "glp-section-4-1", "--vary", "gamma_u=1,2", "--n-jobs", "0"), "--n-jobs: must be a positive number"),
    (("sweep", "glp-section-4-1", "--vary", "gamma_u=1,2", "--n-jobs", "x"), "--n-jobs: expected a whole number"),
    (("bench", "--repeat", "0"), "--repeat"),
    (("bench", "--time-limit", "-1"), "--time-limit"),
])
def test_argument_errors_are_one_line_exit_2(argv, message):
    _one_error_line(_cli(*argv), message)


def test_a_huge_vary_fails_fast_naming_the_override():
    start = time.perf_counter()
    proc = _cli("sweep", "glp-section-4-1", "--vary", "gamma_u=0:1:100000000")
    _one_error_line(proc, "asks for 100,000,000 points, above the limit 100,000; pass --max-points")
    assert time.perf_counter() - start < 30  # no grid is built (it was a MemoryError traceback)
    proc = _cli("sweep", "glp-section-4-1", "--vary", "gamma_u=0:1:400", "--vary", "gamma_pi=0:0.5:400")
    _one_error_line(proc, "the grid has 160,000 points")


def test_sweep_out_is_checked_before_any_work(monkeypatch, capsys):
    from optmarkets.app import sweep

    def no_work(*args, **kwargs):
        raise AssertionError("the sweep ran")

    monkeypatch.setattr(sweep, "sweep", no_work)
    for flag in ("--out", "--checkpoint"):
        assert main(["sweep", "glp-section-4-1", "--vary", "gamma_u=1,2", flag, "/nonexistent/x.csv"]) == 2
        err = capsys.readouterr().err
        assert err == f"optmarkets: error: {flag[2:]}: no folder '/nonexistent' for '/nonexistent/x.csv'\n"


def test_sweep_checkpoint_from_the_command_line(tmp_path, capsys):
    ckpt, out = tmp_path / "ckpt.jsonl", tmp_path / "t.csv"
    argv = ["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5,1.0,1.5", "--checkpoint",
            str(ckpt), "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert len(ckpt.read_text().splitlines()) == 1 + 3  # the header and a row a point
    first = pd.read_csv(out)
    assert main(argv) == 0  # everything is in the checkpoint: nothing is solved again, same table
    pd.testing.assert_frame_equal(pd.read_csv(out), first)
    assert len(ckpt.read_text().splitlines()) == 4


def test_broken_pipe_is_quiet(monkeypatch, capsys):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["list"]) == 0
    assert capsys.readouterr().err == ""


def test_broken_pipe_in_a_real_pipe_prints_nothing():
    proc = subprocess.Popen([sys.executable, "-m", "optmarkets.app.cli", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader (`| head`) is gone before the first line is written
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and err == "", err


def test_help_and_argument_errors_load_no_subcommand_module():
    code = ("import sys, optmarkets\n"
            "before = set(sys.modules)\n"
            "from optmarkets.app.cli import main\n"
            "for argv in (['--help'], ['solve', '--help'], ['bench', '--help'], ['sweep', 'x', '--n-jobs', '0']):\n"
            "    try:\n"
            "        main(argv)\n"
            "    except SystemExit as exc:\n"
            "        assert exc.code in (0, 2), exc.code\n"
            "print(sorted(m for m in set(sys.modules) - before if m.startswith('optmarkets')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    loaded = "['optmarkets.app', 'optmarkets.app.arguments', 'optmarkets.app.cli']"
    assert proc.stdout.strip().splitlines()[-1] == loaded


def test_help_does_not_import_cvxpy():
    code = ("import sys\nfrom optmarkets.app.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
            "    pass\nassert 'cvxpy' not in sys.modules, 'cvxpy imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    start = time.perf_counter()
    assert _cli("--help").returncode == 0
    assert time.perf_counter() - start < 1.5


def test_solve_prints_a_summary_by_default_and_everything_with_full(capsys):
    assert main(["solve", "bdhn-uniform-10-sym", "--problem", "revenue"]) == 0
    short = capsys.readouterr().out
    assert "certificate: ok" in short and "value = " in short and "optimal with HIGHS" in short
    assert "... (10 rows)" in short and "--full prints everything" in short
    assert main(["solve", "bdhn-uniform-10-sym", "--problem", "revenue", "--full"]) == 0
    full = capsys.readouterr().out
    assert "... (10 rows)" not in full and "timings [s]" in full and "complementary_slackness" in full
    assert len(full.splitlines()) > len(short.splitlines())


def test_solve_max_size_is_the_override(capsys):
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_ce", "--max-size", "7"]) == 2
    assert "size: the model is estimated at 8 nonzeros" in capsys.readouterr().err
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_ce", "--max-size", "8"]) == 0


def test_bench_failures_are_one_line(tmp_path):
    _one_error_line(_cli("bench", "--summarize", str(tmp_path / "missing.jsonl")), "summarize: no file")
    (tmp_path / "junk.jsonl").write_text("not json\n")
    _one_error_line(_cli("bench", "--summarize", str(tmp_path / "junk.jsonl")), "line 1")
    for text, field in (("families = 3", "families"), ("tiers = [1e-3]", "tiers"), ("seeds = 'a'", "seeds"),
                        ("solverz = ['HIGHS']", "unknown keys"), ("repeat = 0", "repeat"), ("families = {", "TOML")):
        (tmp_path / "bad.toml").write_text(text + "\n")
        _one_error_line(_cli("bench", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "o.jsonl")), field)
    _one_error_line(_cli("bench", "--families", "glp_platform:4+x"), "families")
    _one_error_line(_cli("bench", "--out", "/nonexistent/o.jsonl"), "out: no folder '/nonexistent'")


def test_a_missing_optional_dependency_names_the_extra(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    assert main(["bench", "--summarize", "x.jsonl", "--report", "r"]) == 2
    err = capsys.readouterr().err
    assert err == ('optmarkets: error: bench --report needs matplotlib, which is not installed: '
                   'pip install "optmarkets[bench]"\n')


def test_an_installed_wheel_finds_its_own_instance_files(tmp_path, monkeypatch):
    """Outside the repository (no ./models, no source tree) the wheel's optmarkets/instances is used:
    `pip install . && optmarkets reproduce` must work from any folder."""
    from optmarkets.app import instances

    fake_package = tmp_path / "site" / "optmarkets"
    (fake_package / "app").mkdir(parents=True)
    (fake_package / "instances").mkdir()
    (fake_package / "instances" / "x.toml").write_text("model = 'DataBroker'\n")
    monkeypatch.setattr(instances, "__file__", str(fake_package / "app" / "instances.py"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPTMARKETS_MODELS", raising=False)
    assert instances.instance_dir() == fake_package / "instances"


# ---------------------------------------------------------------------- malformed files (issue 23, item 12)
GLP_FILE = ('model = "PersonalDataEconomy"\n[data]\nvalues = [1, 2]\nmass = [0.3, 0.7]\noutside_option = [0.3, 0.3]\n'
            '[solve.P]\nmethod = "platform_problem"\nargs = { q = [0.3, 0.7] }\n')
CHECK = '[[check]]\nsolve = "P"\nquantity = "v"\nexpected = 1\nsource = "paper"\nwhere = "s"\n'


def test_deeply_nested_toml_is_one_named_line(tmp_path):
    (tmp_path / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    proc = _cli("solve", str(tmp_path / "deep.toml"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "optmarkets: error: instance: deep.toml: arrays or tables nested too deeply to read\n"


def test_a_check_of_an_unknown_price_family_lists_the_families(tmp_path, capsys):
    (tmp_path / "nope.toml").write_text(GLP_FILE + CHECK + 'output = "prices.nope"\n')
    assert main(["reproduce", "--models", str(tmp_path), "--only", "nope", "--json"]) == 1
    row = json.loads(capsys.readouterr().out)[0]
    assert row["source"] == "failed" and row["note"] == (
        "InputError: nope.toml: check 0: output: 'prices.nope': the result has no price family 'nope'; its "
        "families are ['prices.consistency', 'prices.obedience']")


def test_a_check_with_loc_on_a_number_is_a_named_error(tmp_path, capsys):
    (tmp_path / "loc.toml").write_text(GLP_FILE + CHECK + 'output = "value"\nloc = [0]\n')
    assert main(["reproduce", "--models", str(tmp_path), "--only", "loc", "--json"]) == 1
    row = json.loads(capsys.readouterr().out)[0]
    assert row["note"] == ("InputError: loc.toml: check 0: loc: output 'value' is one number (a float), not a "
                           "table; drop loc = [0]")


def test_payoffs_near_the_float_limit_print_one_line_and_no_warning(tmp_path):
    (tmp_path / "big.toml").write_text(
        'model = "FiniteGame"\n[data]\nplayers = ["a", "b"]\nactions = {a = ["x", "y"], b = ["u", "v"]}\n'
        'payoffs = {a = [[1.7e308, -1.7e308], [1.7e308, 1.7e308]], b = [[-1.7e308, 1.7e308], [1, 1]]}\n'
        '[solve.P]\nmethod = "correlated_equilibrium_problem"\n')
    proc = _cli("solve", str(tmp_path / "big.toml"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("optmarkets: error: big.toml: data: payoffs.a[0][0]: 1.7e+308 is above 1e+150 in "
                           "absolute value, the largest number a file may hold\n")


def test_warnings_before_a_failure_are_not_printed():
    # a command that warns (numpy's RuntimeWarning) and then fails prints only its error line
    script = ("import sys, warnings\nfrom optmarkets.app import cli, instances\n"
              "def fail(*args, **kwargs):\n"
              "    warnings.warn('overflow encountered in subtract', RuntimeWarning, stacklevel=1)\n"
              "    raise instances.InputError('x.toml: data: broken')\n"
              "instances.find = fail\nsys.exit(cli.main(['solve', 'x']))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr == "optmarkets: error: x.toml: data: broken\n"


def test_max_iters_out_of_range_is_refused_before_solving(tmp_path, capsys):
    (tmp_path / "iters.toml").write_text("solver_options = {max_iters = 1e20}\n" + GLP_FILE)
    assert main(["solve", str(tmp_path / "iters.toml")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "optmarkets: error: iters.toml: solver_options: max_iters: must be a whole number from 1 to 2147483647, "
        "got 1e+20\n")


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"optmarkets {version('optmarkets')}"


BIG_INT = "1" + "0" * 400


@pytest.mark.parametrize(("argv", "message"), [
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5", "--n-jobs", "2000"],
     "argument --n-jobs: 2000 workers is above the limit 256"),
    (["solve", "glp-section-4-1", "--ranges", "--ranges-jobs", "0"],
     "argument --ranges-jobs: expected a whole number of threads from 1 to 256, got '0'"),
    (["solve", "glp-section-4-1", "--save", "/nonexistent/x.nc"], "save: no folder '/nonexistent'"),
    (["path", "glp-section-4-1", "--solve", "P_q_ce", "--parameter", "q", "--from", "0.3,0.1", "--to", "0.3,0.7",
      "--plot", "/tmp/p.txt"], "plot: '/tmp/p.txt' names no image format"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5,0.6", "--vary", "gamma_u=0.7"],
     "vary: ['gamma_u'] given more than once"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=1e300"],
     "vary: 'gamma_u': [0]: 1e+300 is above 1e+150 in absolute value"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", f"q=[[{BIG_INT},0.3]]"],
     "vary: 'q': [0][0]: an integer of 401 digits is above 1e+150"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=" + "9" * 5000],
     "vary: 'gamma_u': [0]: inf is not finite"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "q=" + "[" * 5000 + "]" * 5000],
     "(nested too deeply)"),
    (["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "gamma_u=0.5", "--primal", "nosuch"],
     "primal: ['nosuch'] are not variables, outputs or parameters of [solve.P_q_ce]"),
], ids=["n-jobs", "ranges-jobs", "save", "plot", "repeated-key", "huge-float", "huge-int", "long-number", "deep",
        "primal"])
def test_audited_arguments_fail_in_one_line_before_any_work(capsys, argv, message):
    """Each is refused with one line and exit 2 before anything is solved (nothing on stdout), naming the field;
    a long value is cut, not echoed (the audit's 5,000-digit number echoed 10 KB)."""
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own errors exit from the parser
        code = stop.code
    assert code == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("optmarkets: error: ") and message in lines[0], lines
    assert captured.out == "" and len(lines[0]) < 400


def test_a_sweep_with_failed_points_prints_its_table_then_one_line_and_exits_2(capsys):
    """The second point's database is negative (the first, checked before the sweep, is fine): the table with its
    failed row, then one line on stderr (not Python's two-line warning) and exit status 2 (it was 1)."""
    argv = ["sweep", "glp-section-4-1", "--problem", "P_q_ce", "--vary", "q=[[0.3,0.3],[-1.0,0.1]]"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "failed" in captured.out and "optimal" in captured.out
    lines = captured.err.splitlines()
    assert lines == [lines[0]] and lines[0].startswith("optmarkets: error: sweep: 1 of 2 points failed"), lines
