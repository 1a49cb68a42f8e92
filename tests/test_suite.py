"""The exact-reference suite (`optmarkets bench suite`, `optmarkets bench --suite`): the manifest's fields and
hashes, exact optima that two float solvers reproduce to 1e-9 and that equal the papers' values, the
performance profile worked by hand, and the command line's errors (one line, exit 2)."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import highspy
import numpy as np
import pandas as pd
import pytest

from optmarkets.app import cli
from optmarkets.app.bench import suite_command
from optmarkets.app.bench.suite import SIZES, build_suite, entries
from optmarkets.app.bench.suite_run import FileLP, performance_profile, run_suite
from optmarkets.core.errors import InputError

#: a fast subset of the small suite: paper examples with known values, generated and degenerate LPs
SUBSET = ["yang-textbook.broker", "yang-discrete-cutoff.broker", "game-chicken.welfare", "game-prosecutor.persuasion",
          "glp-section-4-1.P_q_sb", "hs-section-3-two-qualities.q50", "bdhn-uniform-10-sym.revenue_symmetric",
          "textbook-degenerate-vertex", "bce-chicken-states", "glp_platform-n4", "ce-random-3x3-min",
          "segmentation-4-consumer_surplus", "persuasion-3", "auction-2-revenue", "bdhn_revenue-n3"]

#: values printed in the papers or worked by hand (docs/yang.md, docs/games.md, Kamenica-Gentzkow, GLP Sec. 4.1)
PAPER_VALUES = {
    "yang-textbook.broker": Fraction(11, 24),         # Yang's textbook example: revenue 11/24
    "yang-discrete-cutoff.broker": Fraction(37, 96),  # Yang's discrete cutoff mechanism: 37/96
    "game-chicken.welfare": Fraction(21, 2),          # chicken's best CE welfare 10.5
    "game-prosecutor.persuasion": Fraction(3, 5),     # KG's prosecutor convicts 60% at prior .3
    "glp-section-4-1.P_q_sb": Fraction(6, 25),        # V(q) = gamma_u min(q1, q2) = .8 x .3
    "textbook-degenerate-vertex": Fraction(2),        # max x + y at the degenerate vertex (1, 1)
    "hs-section-3-two-qualities.q50": Fraction(5, 4),
}
MANIFEST_KEYS = {"name", "file", "rows", "cols", "nnz", "optimal_value", "optimal_value_exact", "verified",
                 "provenance", "reason", "sense"}


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("suite")
    return folder, build_suite(folder, "small", only=SUBSET)


def test_manifest_fields_files_and_hashes(subset):
    folder, manifest = subset
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert on_disk == manifest and on_disk["suite"] == "small"
    assert sorted(r["name"] for r in manifest["instances"]) == sorted(SUBSET)
    for rec in manifest["instances"]:
        assert MANIFEST_KEYS <= set(rec)
        assert {"model", "parameters", "optmarkets_version", "sha256"} <= set(rec["provenance"])
        path = folder / rec["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == rec["provenance"]["sha256"]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(path))
        lp = h.getLp()
        assert (rec["rows"], rec["cols"], rec["nnz"]) == (lp.num_row_, lp.num_col_, len(lp.a_matrix_.value_))
        assert rec["verified"] and rec["reason"] == ""
        p, q = rec["optimal_value_exact"].split("/")
        assert Fraction(int(p), int(q)) == Fraction(rec["optimal_value_exact"])


def test_paper_values(subset):
    _, manifest = subset
    exact = {r["name"]: Fraction(r["optimal_value_exact"]) for r in manifest["instances"]}
    for name, value in PAPER_VALUES.items():
        assert exact[name] == value, name


def test_exact_values_agree_with_two_float_solvers(subset):
    folder, manifest = subset
    highs, _ = run_suite(folder, ["HIGHS"], tiers={"high": 1e-9})
    clarabel, _ = run_suite(folder, ["CLARABEL"], tiers={"tight": 1e-12})
    for records in (highs, clarabel):
        assert len(records) == len(SUBSET) and (records["status"] == "optimal").all()
        assert (records["reference"] == "exact").all()
        assert records["objective_error"].max() <= 1e-9, records[["instance", "solver", "objective_error"]]
        assert records["primal_residual"].max() <= 1e-9 and records["dual_residual"].max() <= 1e-9
    # the objective error is |objective - exact| / max(1, |exact|): recomputed here from the manifest
    exact = {r["name"]: Fraction(r["optimal_value_exact"]) for r in manifest["instances"]}
    for row in highs.itertuples():
        ref = exact[row.instance]
        assert row.objective_error == pytest.approx(float(abs(Fraction(row.objective) - ref) / max(1, abs(ref))))


def test_residuals_see_a_wrong_answer(subset):
    folder, manifest = subset
    rec = next(r for r in manifest["instances"] if r["name"] == "textbook-degenerate-vertex")
    lp = FileLP.read(folder / rec["file"])  # max x + y, x <= 1, y <= 1, x + y <= 2, x, y >= 0
    order = np.argsort(np.asarray(lp.row_upper))  # rows by rhs: cap, cap, joint
    x, y = np.array([1.0, 1.0]), np.zeros(3)
    y[order[2]] = -1.0  # the joint row's multiplier alone prices both columns (min -(x + y): y <= 0)
    assert lp.residuals(x, y) == (0.0, 0.0)
    # x + y = 2.5 > 2 and x = 1.5 > 1: the largest violation 0.5, over 1 + the largest bound 2
    assert lp.residuals(np.array([1.5, 1.0]), y)[0] == pytest.approx(0.5 / 3)
    # the joint row priced +1: its sign is off by 1, and z = c - A'y = (-1, -1) - (1, 1) = -2 on columns x >= 0
    # (which need z >= 0): the largest violation 2, over 1 + |c|_inf = 2
    assert lp.residuals(x, -y)[1] == pytest.approx(1.0)


def test_performance_profile_by_hand():
    # times: A 1, 4, fail; B 2, 2, 3 -> ratios A 1, 2, inf; B 2, 1, 1
    records = pd.DataFrame({"tier": "t", "instance": ["p1", "p2", "p3"] * 2, "solver": ["A"] * 3 + ["B"] * 3,
                            "time": [1.0, 4.0, 1.0, 2.0, 2.0, 3.0], "success": [True, True, False, True, True, True]})
    prof = performance_profile(records).set_index("solver")
    assert prof.loc["A", "tau=1"] == pytest.approx(1 / 3) and prof.loc["A", "tau=2"] == pytest.approx(2 / 3)
    assert prof.loc["A", "tau=100"] == pytest.approx(2 / 3)
    assert prof.loc["B", "tau=1"] == pytest.approx(2 / 3) and prof.loc["B", "tau=2"] == 1.0


def test_sizes_are_cumulative():
    names = {size: {e.name for e in entries(size)} for size in SIZES}
    assert names["small"] < names["medium"] < names["large"]
    assert len(names["small"]) >= 20
    with pytest.raises(InputError, match="size: expected one of small, medium, large"):
        entries("huge")


def _cli(argv, monkeypatch) -> int:
    """`optmarkets ARGV` with the bench options `--size` and `--suite` (as cli.py will declare them)."""
    original = cli._bench_arguments

    def arguments(ben):
        original(ben)
        suite_command.add_arguments(ben)

    monkeypatch.setattr(cli, "_bench_arguments", arguments)
    return cli.main(argv)


def test_cli_run_on_a_suite(subset, tmp_path, monkeypatch, capsys):
    folder, _ = subset
    out = tmp_path / "suite.jsonl"
    assert _cli(["bench", "--suite", str(folder), "--solvers", "HIGHS,NOPE", "--out", str(out)], monkeypatch) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(SUBSET) and {r["solver"] for r in lines} == {"HIGHS"}
    report = (tmp_path / "suite.md").read_text()
    assert "tau=10" in report and "NOPE: not a backend" in report
    assert "NOPE" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "match"), [
    (["bench", "suite", "--out", "{tmp}/s", "--size", "huge"], "size: expected one of small, medium, large"),
    (["bench", "suite", "--size", "small"], "out: `bench suite` needs --out DIR"),
    (["bench", "--suite", "{tmp}/nowhere"], "suite: no manifest.json"),
])
def test_cli_errors(argv, match, tmp_path, monkeypatch, capsys):
    assert _cli([a.replace("{tmp}", str(tmp_path)) for a in argv], monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error:") and match in err


def test_changed_file_is_refused(subset, tmp_path):
    folder, manifest = subset
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in folder.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    target = copy / manifest["instances"][0]["file"]
    target.write_text(target.read_text().replace("ENDATA", "ENDATA\n"))
    with pytest.raises(InputError, match="does not match its sha256"):
        run_suite(copy, ["HIGHS"])


@pytest.mark.slow
def test_small_suite_in_full(tmp_path):
    manifest = build_suite(tmp_path, "small")
    records = manifest["instances"]
    verified = [r for r in records if r["verified"]]
    assert len(records) >= 20 and len(verified) >= 20
    for r in records:  # an instance exact() leaves unverified says why and claims no exact value
        assert (r["optimal_value_exact"] is not None) == r["verified"] and bool(r["reason"]) != r["verified"]
    assert len({r["provenance"]["sha256"] for r in records}) == len(records)  # no LP twice
    exact = {r["name"]: Fraction(r["optimal_value_exact"]) for r in verified}
    assert all(exact[name] == value for name, value in PAPER_VALUES.items())
    for r in verified:  # the float optimum HiGHS found agrees with the exact one
        assert abs(r["optimal_value"] - float(exact[r["name"]])) <= 1e-9 * max(1.0, abs(r["optimal_value"]))
