"""`optmarkets solve FILE --farkas`: an infeasible LP's exact Farkas certificate, by family, on stdout; the
one-line error on stderr and exit status 2 as for every failure. And a misspelt instance name names the
closest files; `reproduce --only` ignores case."""

from __future__ import annotations

import cvxpy as cp
import pytest

import optmarkets as om
from optmarkets.app import instances, reproduce
from optmarkets.app.cli import main
from optmarkets.core.family import family


class _Infeasible:
    """An instance whose one problem is x >= 1 ("floor") and x <= 0 ("cap"): 1 x floor + 1 x cap => 0 >= 1."""

    title, source = "toy", "by hand"
    solves = {"toy": {"method": "solve", "args": {}}}

    def run(self, name, solver):
        m = om.Model("toy")
        x = m.variable("x", 1)
        m.constrain("floor", family(x, ">=", 1.0))
        m.constrain("cap", family(x, "<=", 0.0))
        m.maximize(cp.sum(x))
        return m.solve()


def test_farkas_flag_prints_the_exact_certificate(monkeypatch, capsys, tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text("")
    monkeypatch.setattr(instances, "load", lambda *a, **k: _Infeasible())
    assert main(["solve", str(path), "--farkas"]) == 2
    out, err = capsys.readouterr()
    assert "floor" in out and "cap" in out and "0 >= 1" in out.replace("≥", ">="), out
    assert len(err.strip().splitlines()) == 1 and "infeasible" in err.lower(), err
    assert main(["solve", str(path)]) == 2  # without the flag: no proof, the same one line
    out, err = capsys.readouterr()
    assert "0 >= 1" not in out.replace("≥", ">=") and len(err.strip().splitlines()) == 1


def test_a_misspelt_instance_name_suggests_the_closest(capsys):
    assert main(["solve", "glp-section-4-l"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "did you mean glp-section-4-1" in err and "optmarkets list" in err


def test_reproduce_only_ignores_case():
    lower, upper = reproduce.tasks(None, "glp"), reproduce.tasks(None, "GLP")
    assert len(lower) >= 5 and [n for n, _ in upper] == [n for n, _ in lower]


def test_sweep_checks_price_names_before_solving(monkeypatch, capsys):
    from optmarkets.app import sweep as sweep_module

    solved = []
    monkeypatch.setattr(sweep_module, "sweep", lambda *a, **k: solved.append(1))
    assert main(["sweep", "glp-section-4-1", "--problem", "P_q_sb", "--vary", "gamma_u=0.1,0.2",
                 "--prices", "consistancy"]) == 2
    err = capsys.readouterr().err
    assert solved == [] and len(err.strip().splitlines()) == 1
    assert "['consistancy'] are not constraint families" in err and "consistency" in err


def test_a_quoted_number_in_a_file_is_refused(tmp_path, capsys):
    text = (instances.instance_dir() / "glp-section-4-1.toml").read_text()
    assert "gamma_u = 0.8" in text
    bad = tmp_path / "quoted.toml"
    bad.write_text(text.replace("gamma_u = 0.8", 'gamma_u = "0.8"'))
    assert main(["solve", str(bad), "--problem", "P_q_sb"]) == 2
    err = capsys.readouterr().err
    assert "gamma_u: '0.8' is a string; write the number without quotes" in err and len(err.strip().splitlines()) == 1


def test_solve_save_writes_a_solution_that_loads(tmp_path, capsys):
    out = tmp_path / "pq.nc"
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_sb", "--save", str(out)]) == 0
    assert f"saved to {out}" in capsys.readouterr().out
    sol = om.Solution.load(out)
    assert sol.value == pytest.approx(0.24, abs=1e-12) and sol.certificate.ok()  # GLP E2: V(q°) = gamma_u qbar1
    assert sol.prices["consistency"].tolist() == pytest.approx([0.0, 0.8], abs=1e-9)
    assert main(["solve", "glp-section-4-1", "--problem", "P_q_sb", "--save", str(tmp_path / "no" / "x.nc")]) == 2
    captured = capsys.readouterr()  # refused before the solve (audit: it was refused after printing one)
    assert len(captured.err.strip().splitlines()) == 1 and "save: no folder" in captured.err
    assert captured.out == ""


class _Ranged:
    """max x + y s.t. x + y <= 2 ("cap"), x <= 1 ("side"), x, y >= 0: V = the cap's rhs, so its price is 1 on
    both sides; side's is 0 on both (y makes up whatever x loses)."""

    title, source = "toy", "by hand"
    solves = {"toy": {"method": "solve", "args": {}}}

    def run(self, name, solver):
        m = om.Model("ranged")
        x = m.variable("x", 2, nonneg=True)
        m.constrain("cap", family(cp.sum(x), "<=", 2.0))
        m.constrain("side", family(x[0], "<=", 1.0))
        m.maximize(cp.sum(x))
        return m.solve()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ranges_flag_prints_one_sided_prices_with_any_number_of_threads(monkeypatch, capsys, tmp_path, jobs):
    path = tmp_path / "toy.toml"
    path.write_text("")
    monkeypatch.setattr(instances, "load", lambda *a, **k: _Ranged())
    assert main(["solve", str(path), "--ranges", "--ranges-jobs", jobs]) == 0
    out = capsys.readouterr().out
    assert "ranges cap:" in out and "ranges side:" in out, out
    cap = out.split("ranges cap:")[1].split("ranges side:")[0].split()
    side = out.split("ranges side:")[1].split()
    # price, left, right: V(b) = b for the cap (slope 1 on both sides), V does not move with side's rhs
    assert cap[cap.index("reason") + 2: cap.index("reason") + 5] == ["1.0", "1.0", "1.0"], out
    assert side[side.index("reason") + 2: side.index("reason") + 5] == ["0.0", "0.0", "0.0"], out
    with pytest.raises(SystemExit) as stop:  # refused by the argument parser, before anything is loaded
        main(["solve", str(path), "--ranges", "--ranges-jobs", "0"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and "--ranges-jobs" in err, err


def test_a_boolean_in_a_list_of_data_is_refused(tmp_path, capsys):
    """values = [true, 2]: TOML's booleans would be read as 1 and 0 (audit: the error that followed was about
    sorting); a flag stays a scalar argument (`social = true` in the GLP files still loads)."""
    text = (instances.instance_dir() / "glp-section-4-1.toml").read_text()
    assert "values = [1, 2]" in text
    bad = tmp_path / "flags.toml"
    bad.write_text(text.replace("values = [1, 2]", "values = [true, 2]"))
    assert main(["solve", str(bad), "--problem", "P_q_sb"]) == 2
    err = capsys.readouterr().err
    assert "data: values[0]: true is a boolean in a list of data" in err and len(err.strip().splitlines()) == 1
    assert main(["solve", "glp-section-4-1-e1", "--problem", "sw"]) == 0
