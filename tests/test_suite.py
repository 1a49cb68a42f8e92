"""The exact-reference suite (`optmarkets bench suite`, `optmarkets bench --suite`): the manifest's fields and
hashes, exact optima that two float solvers reproduce to 1e-9 and that equal the papers' values, the
performance profile worked by hand, and the command line's errors (one line, exit 2)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from fractions import Fraction

import highspy
import numpy as np
import pandas as pd
import pytest

from optmarkets.app import cli
from optmarkets.app.bench import suite_command, suite_run
from optmarkets.app.bench.manifest import FILE_NAME, MAX_EXACT_DIGITS, optimum
from optmarkets.app.bench.suite import SIZES, build_suite, entries, load_manifest
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


# ------------------------------------------------------------------ a manifest is data: checked before any file is read
def _one_instance_suite(subset, folder, edit=None):
    """A suite folder holding the subset's first instance (its MPS file and a manifest of that one entry, changed by
    `edit(manifest, entry)`); (folder, the entry as written)."""
    source, manifest = subset
    entry = json.loads(json.dumps(manifest["instances"][0]))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / entry["file"]).write_bytes((source / entry["file"]).read_bytes())
    data = {**manifest, "instances": [entry]}
    if edit is not None:
        edit(data, entry)
    (folder / "manifest.json").write_text(json.dumps(data))
    return folder, entry


def _nothing_is_read(monkeypatch):
    def read(*args, **kwargs):
        raise AssertionError("an instance file was read before the manifest was checked")

    monkeypatch.setattr(suite_run, "sha256", read)
    monkeypatch.setattr(suite_run.FileLP, "read", read)


@pytest.mark.parametrize("where", ["absolute", "parent", "subfolder", "link"])
def test_a_manifest_names_only_files_inside_its_folder(where, subset, tmp_path, monkeypatch):
    folder, entry = _one_instance_suite(subset, tmp_path / "suite")
    outside = tmp_path / "outside.mps"  # the same bytes: the sha256 in the manifest matches it
    outside.write_bytes((folder / entry["file"]).read_bytes())
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.mps").write_bytes(outside.read_bytes())
    (folder / "link.mps").symlink_to(outside)
    entry["file"] = {"absolute": str(outside), "parent": "../outside.mps", "subfolder": "sub/inner.mps",
                     "link": "link.mps"}[where]
    (folder / "manifest.json").write_text(json.dumps({**subset[1], "instances": [entry]}))
    _nothing_is_read(monkeypatch)
    with pytest.raises(InputError, match=r"manifest\.json': instances\[0\] \('.+'\): file: ") as info:
        run_suite(folder, ["HIGHS"])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["x.txt", ".hidden.mps", "a\\b.mps", "..", "", "x.mps\n", "a" * 256 + ".mps", 5])
def test_a_file_name_has_the_writers_shape(name, subset, tmp_path):
    folder, _ = _one_instance_suite(subset, tmp_path / "suite", lambda m, e: e.update(file=name))
    with pytest.raises(InputError, match=r"instances\[0\] .*file: expected a bare file name NAME\.mps"):
        load_manifest(folder)


def test_the_writer_gives_file_names_the_reader_takes():
    assert all(FILE_NAME.fullmatch(f"{e.name}.mps") for e in entries("large"))  # `write_instance`'s NAME.mps


@pytest.mark.parametrize("exact", ["1e2000000000", "1e5000", "1" * (MAX_EXACT_DIGITS + 1) + "/3",
                                   "3/" + "7" * (MAX_EXACT_DIGITS + 1), "1/0", "1/00", "0x10", " 1/2", "1/2/3",
                                   "1.5", "-1/-2", "+1", 12, 0.5, ["1", "2"]])
def test_an_exact_value_is_checked_before_it_is_converted(exact, subset, tmp_path):
    folder, _ = _one_instance_suite(subset, tmp_path / "suite", lambda m, e: e.update(optimal_value_exact=exact))
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"instances\[0\] \('.+'\): optimal_value_exact: "):
        load_manifest(folder)
    assert time.perf_counter() - start < 5  # Fraction("1e2000000000") would not return


def test_exact_values_of_the_writers_shape_are_read(subset, tmp_path):
    big = "-" + "9" * MAX_EXACT_DIGITS + "/" + "7" * MAX_EXACT_DIGITS
    for exact, value in [("-19/50", Fraction(-19, 50)), ("3", Fraction(3)), (big, Fraction(big)), (None, None)]:
        folder, entry = _one_instance_suite(subset, tmp_path / str(len(str(exact))),
                                            lambda m, e, x=exact: e.update(optimal_value_exact=x))
        got = optimum(load_manifest(folder)["instances"][0])
        assert got == ((value, True) if value is not None else (Fraction(entry["optimal_value"]), False))


def _deep(folder):
    folder.mkdir()
    (folder / "manifest.json").write_text('{"instances": ' + "[" * 100_000 + "]" * 100_000 + "}")


@pytest.mark.parametrize(("damage", "match"), [
    (lambda m, e: e.pop("provenance"), r"instances\[0\] \('.+'\) lacks the field 'provenance'"),
    (lambda m, e: [e.pop("rows"), e.pop("name")], r"instances\[0\] lacks the fields 'name', 'rows'"),
    (lambda m, e: e.update(provenance={"model": "x"}), r"provenance: expected a table with the file's sha256"),
    (lambda m, e: e["provenance"].update(sha256="../x"), r"provenance: expected a table with the file's sha256"),
    (lambda m, e: e.update(rows="3"), r"rows: expected a whole number >= 0, got '3'"),
    (lambda m, e: e.update(nnz=-1), r"nnz: expected a whole number >= 0"),
    (lambda m, e: e.update(name=["a"]), r"instances\[0\]: name: expected text, got a list"),
    (lambda m, e: e.update(optimal_value="NaN"), r"optimal_value: expected a finite number"),
    (lambda m, e: e.update(optimal_value=float("inf")), r"optimal_value: expected a finite number"),
    (lambda m, e: e.update(verified="yes"), r"verified: expected true or false"),
    (lambda m, e: e.update(sense="up"), r"sense: expected 'min' or 'max'"),
    (lambda m, e: m["instances"].append(3), r"instances\[1\]: expected a table, got 3"),
    (lambda m, e: m.update(schema=2), r"schema: expected 1, got 2"),
    (lambda m, e: m.update(instances={"a": e}), r"has no list of instances"),
    ("deep", r"cannot read '.+manifest\.json' \(nested too deeply"),
])
def test_a_damaged_manifest_is_one_line_naming_the_file(damage, match, subset, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "suite"
    if damage == "deep":
        _deep(folder)
    else:
        _one_instance_suite(subset, folder, damage)
    _nothing_is_read(monkeypatch)
    out = tmp_path / "out.jsonl"
    assert _cli(["bench", "--suite", str(folder), "--solvers", "HIGHS", "--out", str(out)], monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optmarkets: error: suite: ") and "Error:" not in err
    assert re.search(match, err) and "manifest.json" in err, err
    assert not out.exists()
