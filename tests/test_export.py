"""Model.to_mps / Model.to_lp and `optmarkets export`: every model read back by highspy has the model's
optimal value (sense and constant kept), the names follow the families' and variables' C order (checked
against a model worked by hand), integer columns stay integer, bad paths and conic models are refused."""

from __future__ import annotations

import os
from pathlib import Path

import cvxpy as cp
import highspy
import numpy as np
import pytest

import optmarkets as om
from optmarkets.app import cli, instances
from optmarkets.app.export_command import register
from optmarkets.core.errors import CapabilityError, InputError
from optmarkets.core.family import family
from optmarkets.core.model import Model
from optmarkets.core.strategies import BestOf

REL = 1e-9


def _read_back(path: Path) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h


def _assert_round_trip(model: Model, folder: Path, stem: str) -> None:
    value = model.solve().value
    for fmt in ("mps", "lp"):
        written = getattr(model, f"to_{fmt}")(folder / f"{stem}.{fmt}")
        h = _read_back(written)
        got = h.getInfo().objective_function_value
        assert abs(got - value) <= REL * max(1.0, abs(value)), (stem, fmt, got, value)
        assert h.getLp().sense_ == (highspy.ObjSense.kMaximize if model.sense == "max" else highspy.ObjSense.kMinimize)


def _instance_models() -> list:
    cases = []
    for path in sorted(instances.instance_dir().glob("*.toml")):
        inst = instances.load(path)
        for key in inst.solves:
            cases.append(pytest.param(path, key, id=f"{path.stem}-{key}"))
    return cases


@pytest.mark.parametrize(("path", "key"), _instance_models())
def test_instance_models_round_trip(path, key, tmp_path):
    inst = instances.load(path)
    try:
        model = inst.factory(key)()
    except InputError as exc:  # a [solve] that returns a table or a number, not a Model
        assert "not a Model" in str(exc)
        return
    if isinstance(model.strategy, BestOf):  # the best of several LPs: not one file
        with pytest.raises(CapabilityError, match="best of"):
            model.to_mps(tmp_path / "m.mps")
        return
    _assert_round_trip(model, tmp_path, f"{path.stem}-{key}")


def _chicken() -> om.FiniteGame:
    u = np.array([[6, 2], [7, 0]])
    return om.FiniteGame(["row", "col"], {"row": ["yield", "dare"], "col": ["yield", "dare"]}, {"row": u, "col": u.T})


def _builders() -> dict:
    u_good, u_bad = np.array([[6, 2], [7, 0]]), np.array([[2, 0], [3, -4]])
    states = om.FiniteGame(["row", "col"], {"row": ["yield", "dare"], "col": ["yield", "dare"]},
                           {"row": np.stack([u_good, u_bad]), "col": np.stack([u_good.T, u_bad.T])},
                           states=["good", "bad"], prior=[0.5, 0.5])
    info = om.InformationStructure(states, {"row": [[0.9, 0.1], [0.2, 0.8]]})
    env = om.MechanismEnvironment({"b1": [1, 2], "b2": [1, 2]}, ["none", "b1", "b2"],
                                  {"b1": [0.5, 0.5], "b2": [0.5, 0.5]},
                                  {"b1": np.array([[0, 1, 0], [0, 2, 0]]), "b2": np.array([[0, 0, 1], [0, 0, 2]])})
    return {
        "ce_welfare": lambda: om.correlated_equilibrium(_chicken()),
        "ce_worst": lambda: om.correlated_equilibrium(_chicken(), sense="min"),
        "bce": lambda: om.bayes_correlated_equilibrium(states, info, "welfare"),
        "persuasion": lambda: om.persuasion(["innocent", "guilty"], [0.7, 0.3], ["acquit", "convict"],
                                            [[1, 0], [0, 1]], [[0, 1], [0, 1]]),
        "segmentation": lambda: om.segmentation([1, 2, 3], [0.3, 0.3, 0.4]),
        "mechanism": lambda: om.mechanism_design(env),
        "mechanism_welfare_budget": lambda: om.mechanism_design(env, "welfare", budget="no_subsidies"),
    }


@pytest.mark.parametrize("name", list(_builders()))
def test_builder_models_round_trip(name, tmp_path):
    _assert_round_trip(_builders()[name](), tmp_path, name)


def _hand_model(sense: str = "max") -> Model:
    """max 1.x[0,0] + 2 x[0,1] + 3 x[0,2] + 4 x[1,0] + 5 x[1,1] + 6 x[1,2] + 7 (x in R^{2x3}, x >= 0)
    s.t. cap: row sums <= (10, 20); bound: x <= U (U[i, j] = 1 + 3 i + j + 0.5, so the C order 1.5 .. 6.5);
    link: x[0, 0] == x[1, 2]. Optimum by hand: x = U except the link, x[0,0] = x[1,2] = min(1.5, 6.5) = 1.5
    (row sums 7.5 <= 10, 16 <= 20): 1.5 + 2*2.5 + 3*3.5 + 4*4.5 + 5*5.5 + 6*1.5 + 7 = 78.5."""
    m = Model("hand", sense=sense)
    x = m.variable("x", (2, 3), nonneg=True)
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    upper = np.arange(6.0).reshape(2, 3) + 1.5
    m.constrain("cap", family(cp.sum(x, axis=1), "<=", np.array([10.0, 20.0])))
    m.constrain("bound", family(x, "<=", upper))
    m.constrain("link", family(x[0, 0], "==", x[1, 2]))
    objective = cp.sum(cp.multiply(weights, x)) + 7.0
    if sense == "max":
        m.maximize(objective)
    else:
        m.minimize(-objective)
    return m


@pytest.mark.parametrize("sense", ["max", "min"])
def test_names_and_offset_by_hand(sense, tmp_path):
    m = _hand_model(sense)
    h = _read_back(m.to_mps(tmp_path / "hand.mps"))
    lp = h.getLp()
    value = h.getInfo().objective_function_value
    assert value == pytest.approx(78.5 if sense == "max" else -78.5, rel=1e-12)
    assert lp.offset_ == pytest.approx(7.0 if sense == "max" else -7.0)
    cols = {name: j for j, name in enumerate(lp.col_names_)}
    rows = {name: i for i, name in enumerate(lp.row_names_)}
    assert sorted(cols) == [f"x[{j}]" for j in range(6)]
    assert sorted(rows) == sorted(["cap[0]", "cap[1]", "link[0]"] + [f"bound[{i}]" for i in range(6)])
    # costs: x[j] (C order of (2, 3)) has weight j + 1, in the model's own sense
    cost = np.asarray(lp.col_cost_)
    for j in range(6):
        assert cost[cols[f"x[{j}]"]] == (j + 1.0) * (1 if sense == "max" else -1)
    A = np.zeros((lp.num_row_, lp.num_col_))
    starts, index, values = lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_
    for j in range(lp.num_col_):
        for k in range(starts[j], starts[j + 1]):
            A[index[k], j] = values[k]
    upper_rows, lower_rows = np.asarray(lp.row_upper_), np.asarray(lp.row_lower_)
    # cap[i]: the sum of row i of x: x[3i], x[3i+1], x[3i+2] in C order
    for i, cap in enumerate((10.0, 20.0)):
        r = rows[f"cap[{i}]"]
        assert {j for j in range(6) if A[r, cols[f"x[{j}]"]] != 0} == {3 * i, 3 * i + 1, 3 * i + 2}
        assert upper_rows[r] == cap * A[r, cols[f"x[{3 * i}]"]]  # oriented as HiGHS receives it: +-(lhs - rhs)
    # bound[k] is the k-th entry in C order: x[k] <= k + 1.5
    for k in range(6):
        r = rows[f"bound[{k}]"]
        coef = A[r, cols[f"x[{k}]"]]
        assert abs(coef) == 1.0 and np.count_nonzero(A[r]) == 1
        assert (upper_rows[r] if coef > 0 else -lower_rows[r]) == k + 1.5
    link = rows["link[0]"]
    assert lower_rows[link] == upper_rows[link] == 0.0
    assert {j for j in range(6) if A[link, cols[f"x[{j}]"]] != 0} == {0, 5}
    # the LP format spells the same names with parentheses ("[" is LP syntax)
    lp_file = m.to_lp(tmp_path / "hand.lp")
    text = lp_file.read_text()
    assert "bound(5)" in text and "x(5)" in text and "[" not in text
    assert _read_back(lp_file).getInfo().objective_function_value == pytest.approx(value, rel=1e-12)


def test_milp_writes_integer_columns(tmp_path):
    # max x + y, 2x + 2y <= 3, x, y integer >= 0: LP value 1.5, MILP value 1
    m = Model("milp")
    z = m.variable("z", 2, nonneg=True, integer=True)
    m.constrain("cap", family(2 * cp.sum(z), "<=", 3.0))
    m.maximize(cp.sum(z))
    assert m.solve().value == pytest.approx(1.0)
    for fmt in ("mps", "lp"):
        h = _read_back(getattr(m, f"to_{fmt}")(tmp_path / f"milp.{fmt}"))
        assert h.getInfo().objective_function_value == pytest.approx(1.0)
        assert list(h.getLp().integrality_) == [highspy.HighsVarType.kInteger] * 2


def test_conic_model_refused(tmp_path):
    m = Model("conic")
    x = m.variable("x", 2)
    m.constrain("ball", family(cp.norm(x, 2), "<=", 1.0))
    m.maximize(cp.sum(x))
    with pytest.raises(CapabilityError, match="conic"):
        m.to_mps(tmp_path / "c.mps")
    q = Model("quadratic")
    y = q.variable("y", 2)
    q.minimize(cp.sum_squares(y))
    with pytest.raises(CapabilityError, match="conic"):
        q.to_lp(tmp_path / "q.lp")


def test_bad_paths(tmp_path):
    m = _hand_model()
    (tmp_path / "folder.mps").mkdir()
    for path, match in [(tmp_path / "missing" / "m.mps", "no folder"), (tmp_path / "m.txt", "must end in .mps"),
                        (tmp_path / "folder.mps", "is a folder"), ("", "expected a file name")]:
        with pytest.raises(InputError, match=match) as info:
            m.to_mps(path)
        assert str(info.value).startswith("path:")
    with pytest.raises(InputError, match=r"path: .*must end in \.lp"):
        m.to_lp(tmp_path / "m.mps")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InputError, match="path:"):
        m.to_mps(blocker / "m.mps")  # a file where the folder should be


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InputError, match="permission denied"):
        _hand_model().to_mps(locked / "m.mps")


def _cli(argv, monkeypatch) -> int:
    """`optmarkets ARGV` with `export` registered as cli.py will (`export_command.register`)."""
    original = cli.parser

    def parser():
        top = original()
        sub = next(a for a in top._actions if a.dest == "command")
        if "export" not in sub.choices:
            register(sub)
        return top

    monkeypatch.setattr(cli, "parser", parser)
    return cli.main(argv)


def test_cli_export(tmp_path, monkeypatch, capsys):
    mps, lp = tmp_path / "pq.mps", tmp_path / "pq.lp"
    assert _cli(["export", "glp-section-4-1", "--solve", "P_q_low", "--mps", str(mps), "--lp", str(lp)],
                monkeypatch) == 0
    assert capsys.readouterr().out.count("written to") == 2
    for path in (mps, lp):  # P_q at q = (.3, .1): V = gamma_u min(q1, q2) = .8 * .1
        assert _read_back(path).getInfo().objective_function_value == pytest.approx(0.08, rel=1e-12)


@pytest.mark.parametrize(("argv", "match"), [
    (["--mps", "{tmp}/x.txt"], "must end in .mps"),
    (["--mps", "{tmp}/missing/x.mps"], "no folder"),
    ([], "give --mps"),
    (["--solve", "psi_ce", "--mps", "{tmp}/x.mps"], "not a Model"),
])
def test_cli_export_errors(argv, match, tmp_path, monkeypatch, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert _cli(["export", "glp-section-4-1", *argv], monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error:") and match in err


def test_names_a_format_cannot_carry(tmp_path):
    m = Model("odd names")
    x = m.variable("x:1", 2, nonneg=True)  # ':' ends a row name in the LP format
    m.constrain("cap", family(cp.sum(x), "<=", 1.0))
    m.maximize(cp.sum(x))
    assert _read_back(m.to_mps(tmp_path / "odd.mps")).getLp().col_names_ == ["x:1[0]", "x:1[1]"]
    with pytest.raises(InputError, match="cannot carry"):
        m.to_lp(tmp_path / "odd.lp")
    assert not (tmp_path / "odd.lp").exists()
    spaced = Model("spaced")
    y = spaced.variable("y y", 2, nonneg=True)
    spaced.constrain("cap", family(cp.sum(y), "<=", 1.0))
    spaced.maximize(cp.sum(y))
    assert _read_back(spaced.to_mps(tmp_path / "spaced.mps")).getLp().col_names_ == ["y_y[0]", "y_y[1]"]
    clash = Model("clash")
    a, b = clash.variable("y y", 1, nonneg=True), clash.variable("y_y", 1, nonneg=True)
    clash.constrain("cap", family(a + b, "<=", 1.0))
    clash.maximize(cp.sum(a + b))
    with pytest.raises(InputError, match=r"variable 'y y': .* once its spaces are written as '_'"):
        clash.to_mps(tmp_path / "clash.mps")


def test_yangs_revenue_floor_is_exported_and_reads_back_its_value(tmp_path):
    """The broker's LP with a revenue floor (family 'revenue floor', a space in its name) is written with its rows
    named revenue_floor[i]; HiGHS reads the file back to the value the model solves to (audit: it was refused)."""
    broker = om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])
    model = broker.mechanism_problem(floor=0.1, objective="consumer_surplus")
    h = _read_back(model.to_mps(tmp_path / "floor.mps"))
    assert "revenue_floor[0]" in h.getLp().row_names_
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(model.solve().value, abs=1e-9)
