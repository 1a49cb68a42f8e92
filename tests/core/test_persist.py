"""Solutions that persist (issue 28 item 15): `Solution.to_netcdf` / `Solution.load` round-trip real solutions
of several engines exactly (values, labelled tables with their index names and dtypes, certificate, provenance);
labels of every supported kind come back with their types; foreign or damaged files and unwritable paths are
InputErrors naming `path`; a loaded solution refuses `exact()` / `price_ranges()` with a CapabilityError.

The references are the in-memory solutions as the solvers returned them, the optimal values worked by hand in
the papers' pages (docs/*.md), and the versions the package metadata reports."""

from __future__ import annotations

import dataclasses
import importlib.metadata as metadata
import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import cvxpy
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import xarray as xr

import optmarkets as om
from optmarkets.core.solution import Certificate, Solution

SECTIONS = ("primal", "duals", "prices", "outputs", "parameters")


def _chicken_ce():
    chicken = om.FiniteGame.symmetric([[6, 2], [7, 0]], actions=["yield", "dare"])
    return om.correlated_equilibrium(chicken).solve()


def _hs_mechanism():
    values = pd.DataFrame({"L": [0.75, 1.0], "H": [1.0, 2.0]}, index=["t1", "t2"])
    return om.MultiProductSeller(valuations=values).optimal_mechanism(market=[0.25, 0.75]).solve()


#: engine -> (solve, its optimal value worked by hand: docs/getting-started.md, games.md, yang.md, hs.md; the
#: single-item auction of two bidders with values uniform on {1, 2, 3} earns 2: Myerson's virtual values are
#: -1, 1, 3, so serve the highest bid above 1 at the second-highest price, clipped below at 2)
ENGINES = {
    "glp_pq": (lambda: om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1).platform_problem([.3, .3]).solve(),
               Fraction(3, 10)),
    "correlated_equilibrium": (_chicken_ce, Fraction(21, 2)),
    "mechanism": (lambda: om.mechanism_design(om.MechanismEnvironment.single_item([[1, 2, 3]] * 2)).solve(),
                  Fraction(2)),
    "yang_broker": (lambda: om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75],
                                          cost_probs=[0.5, 0.5]).solve(), Fraction(11, 24)),
    "hs_seller": (_hs_mechanism, Fraction(3, 2)),
}


@pytest.fixture(scope="module")
def solved():
    return {name: solve() for name, (solve, _value) in ENGINES.items()}


def assert_same_labels(index: pd.Index, back: pd.Index) -> None:
    """Same class, names, dtypes level by level, and labels equal with the same Python types."""
    pdt.assert_index_equal(index, back, exact=True, check_names=True)
    assert type(back) is type(index) and list(back.names) == list(index.names)
    for i in range(index.nlevels):
        ours, theirs = index.get_level_values(i), back.get_level_values(i)
        assert theirs.dtype == ours.dtype, (index.names[i], ours.dtype, theirs.dtype)
        assert [type(v) for v in theirs] == [type(v) for v in ours]


def assert_same_table(obj, back) -> None:
    assert type(back) is type(obj)
    if isinstance(obj, pd.Series):
        pdt.assert_series_equal(obj, back, check_exact=True, check_index_type=True)
        assert_same_labels(obj.index, back.index)
    elif isinstance(obj, pd.DataFrame):
        pdt.assert_frame_equal(obj, back, check_exact=True, check_index_type=True, check_column_type=True)
        assert_same_labels(obj.index, back.index)
        assert_same_labels(obj.columns, back.columns)
    elif isinstance(obj, xr.DataArray):
        xr.testing.assert_identical(obj, back)
        assert list(back.indexes) == list(obj.indexes)
        for dim in obj.indexes:
            assert_same_labels(obj.indexes[dim], back.indexes[dim])
    elif isinstance(obj, np.ndarray):
        np.testing.assert_array_equal(obj, back)
        assert back.dtype == obj.dtype
    else:
        assert back == obj or (back != back and obj != obj)  # NaN is NaN


def assert_same_solution(sol: Solution, back: Solution) -> None:
    assert (back.model, back.status, back.solver, back.sense, back.units) == \
        (sol.model, sol.status, sol.solver, sol.sense, sol.units)
    assert back.value == sol.value and back.timings == sol.timings
    for section in SECTIONS:
        ours, theirs = getattr(sol, section), getattr(back, section)
        assert list(theirs) == list(ours), section
        for name in ours:
            assert_same_table(ours[name], theirs[name])
    cert, loaded = sol.certificate, back.certificate
    assert isinstance(loaded, Certificate)
    assert loaded.ok() == cert.ok() and loaded.computed == cert.computed and loaded.notes == cert.notes
    assert loaded.worst() == cert.worst() and loaded.max_violation == cert.max_violation
    pdt.assert_series_equal(loaded.to_series(), cert.to_series(), check_exact=True)
    pdt.assert_series_equal(loaded.violations, cert.violations, check_exact=True)
    pdt.assert_series_equal(loaded.relative, cert.relative, check_exact=True)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_solution_round_trips_exactly(solved, engine, tmp_path):
    sol = solved[engine]
    assert sol.value == pytest.approx(float(ENGINES[engine][1]), abs=1e-9)
    path = tmp_path / f"{engine}.nc"
    assert sol.to_netcdf(path) == path and path.stat().st_size > 0
    back = Solution.load(str(path))  # a str path as well as a Path
    assert_same_solution(sol, back)
    assert back.value == pytest.approx(float(ENGINES[engine][1]), abs=1e-9) and back.certificate.ok()


def test_the_tables_keep_their_multiindex_labels(solved, tmp_path):
    """Read by label after the round trip, against the numbers worked by hand (docs/games.md: Chicken's
    welfare-maximising CE puts 1/2 on (yield, yield) and 1/4 on each asymmetric outcome)."""
    solved["correlated_equilibrium"].to_netcdf(tmp_path / "ce.nc")
    mu = Solution.load(tmp_path / "ce.nc")["mu"]
    assert mu.dims == ("row", "column") and list(mu.indexes["row"]) == ["yield", "dare"]
    assert float(mu.sel(row="yield", column="yield")) == pytest.approx(0.5, abs=1e-9)
    assert float(mu.sel(row="dare", column="yield")) == pytest.approx(0.25, abs=1e-9)
    solved["mechanism"].to_netcdf(tmp_path / "m.nc")
    back = Solution.load(tmp_path / "m.nc")
    assert back.prices["ic"].index.names == ["agent", "type", "report"]
    assert back.primal["allocation"].index.names == ["b1", "b2"] and back.primal["allocation"].shape == (9, 3)


def test_the_provenance_names_the_model_its_parameters_and_the_installed_versions(solved, tmp_path):
    before = datetime.now(UTC) - timedelta(seconds=2)
    solved["glp_pq"].to_netcdf(tmp_path / "pq.nc")
    back = Solution.load(tmp_path / "pq.nc")
    versions = back.provenance["versions"]
    assert versions["cvxpy"] == cvxpy.__version__ and versions["numpy"] == np.__version__
    assert versions["pandas"] == pd.__version__ and versions["xarray"] == xr.__version__
    assert versions["highspy"] == metadata.version("highspy")
    assert versions["optmarkets"] == metadata.version("optmarkets")
    written = datetime.fromisoformat(back.provenance["written_at"])
    assert before <= written <= datetime.now(UTC) + timedelta(seconds=2)
    assert back.provenance["loaded_from"] == str(tmp_path / "pq.nc") and back.provenance["skipped_outputs"] == []
    assert back.model == "P_q" and back.solver == "HIGHS"
    q = back.parameters["q"]  # the database given to platform_problem, labelled by the types w = 1, 2
    assert q.index.name == "w" and list(q.index) == [1, 2] and q.tolist() == [0.3, 0.3]
    with xr.open_dataset(tmp_path / "pq.nc", engine="scipy") as plain:  # other netCDF readers see it too
        assert plain.attrs["model"] == "P_q" and plain.attrs["version_cvxpy"] == cvxpy.__version__
        assert plain.attrs["value"] == pytest.approx(0.3, abs=1e-9)


def test_a_loaded_solution_written_again_keeps_the_versions_it_was_solved_with(solved, tmp_path):
    solved["mechanism"].to_netcdf(tmp_path / "a.nc")
    first = Solution.load(tmp_path / "a.nc")
    first.provenance["versions"]["cvxpy"] = "0.0-solved-elsewhere"
    first.to_netcdf(tmp_path / "b.nc")
    second = Solution.load(tmp_path / "b.nc")
    assert second.provenance["versions"]["cvxpy"] == "0.0-solved-elsewhere"
    assert_same_solution(solved["mechanism"], second)


def _by_hand(**outputs) -> Solution:
    cert = Certificate(violations={"budget": 0.0}, dual_sign=0.0, duality_gap=2.5e-12, notes=["built by hand"],
                       relative={"violation[budget]": 0.0, "duality_gap": 2.5e-12})
    return Solution(model="by hand", status="optimal", value=-1.5, solver="none", primal={}, duals={}, prices={},
                    certificate=cert, outputs=outputs, sense="min", units="€")


def test_labels_of_every_supported_kind_come_back_with_their_types(tmp_path):
    outputs = {
        "mixed": pd.Series([1.0, 2.0, 3.0], index=pd.Index([1, "a", 2.5], dtype=object, name="mixed"), name=("t", 1)),
        "wide_ints": pd.Series([1.0, 2.0], index=pd.Index([2**40, -3], name="big")),
        "float_labels": pd.Series([1, 2, 3], index=pd.Index([0.1, np.nan, np.inf], name=7)),
        "missing_str": pd.Series([1.0, 2.0], index=pd.Index(["a", np.nan], dtype="str")),
        "nul": pd.Series([1.0], index=pd.Index(["a\x00b"], dtype=object)),
        "tuples": pd.DataFrame(np.arange(6.0).reshape(3, 2),
                               index=pd.MultiIndex.from_tuples([(1, "a", True), (2, "b", False), (3, "c", True)],
                                                               names=["i", None, "flag"]),
                               columns=pd.MultiIndex.from_tuples([("x", 0.5), ("y", 1.5)])),
        "mixed_columns": pd.DataFrame({"v": [1.0, 2.0], "reason": ["", "degenerate"], "n": [1, 2**40],
                                       "ok": [True, False]}),
        "float32": pd.Series(np.array([0.1, 0.2], dtype=np.float32)),
        "nullable": pd.Series(pd.array([1, None], dtype="Int64"), index=["p", "q"]),
        "empty": pd.Series([], dtype=float),
        "array": np.arange(12.0).reshape(3, 4),
        "measure": xr.DataArray(np.ones((2, 3)), dims=("a", "b"), coords={"a": [1, 2]}, name="m", attrs={"u": "kg"}),
    }
    scalars = {"float": 1 / 3, "int": 2**70, "bool": True, "none": None, "text": "θ", "nan": float("nan"),
               "np_float": np.float32(0.25), "np_int": np.int64(2**40), "json": {"a": [1, 2.5, None, "x"]}}
    sol = _by_hand(**outputs, **scalars)
    sol.to_netcdf(tmp_path / "labels.nc")
    back = Solution.load(tmp_path / "labels.nc")
    assert_same_solution(sol, back)
    for name, value in scalars.items():
        assert type(back[name]) is type(value)
    assert back["mixed"].name == ("t", 1) and [type(v) for v in back["mixed"].index] == [int, str, float]
    assert back["int"] == 2**70 and back["wide_ints"].index[0] == 2**40
    assert back.certificate.ok() and back.certificate.notes == ["built by hand"]
    assert back.certificate.duality_gap == 2.5e-12 and back.certificate.dual_infeasibility is None


def test_an_output_that_cannot_be_stored_is_refused_by_name_or_skipped(tmp_path):
    path = tmp_path / "refused.nc"
    path.write_bytes(b"kept")
    for name, value in {"rule": len, "dates": pd.Series([1.0], index=pd.to_datetime(["2020-01-01"])),
                        "complex": np.complex128(1j), "pair": (1, 2)}.items():
        with pytest.raises(om.InputError, match=rf"outputs\['{name}'\].*skip_unrepresentable"):
            _by_hand(**{name: value, "kept": 1.0}).to_netcdf(path)
    assert path.read_bytes() == b"kept"  # a refusal writes nothing
    _by_hand(rule=len, kept=1.0).to_netcdf(path, skip_unrepresentable=True)
    back = Solution.load(path)
    assert back.outputs == {"kept": 1.0} and back.provenance["skipped_outputs"] == ["rule"]


def test_unwritable_and_unreadable_paths_are_input_errors_naming_path(solved, tmp_path):
    sol = solved["glp_pq"]
    for bad in (tmp_path / "no such folder" / "s.nc", tmp_path):
        with pytest.raises(om.InputError, match=r"^path: cannot write"):
            sol.to_netcdf(bad)
    for bad in (3, "", None):
        with pytest.raises(om.InputError, match=r"^path: must be a file path"):
            sol.to_netcdf(bad)
    with pytest.raises(om.InputError, match=r"^path: cannot read .*missing\.nc"):
        Solution.load(tmp_path / "missing.nc")


def test_foreign_and_damaged_files_are_input_errors_naming_path(solved, tmp_path):
    (tmp_path / "garbage.nc").write_bytes(b"not a netCDF file at all")
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(tmp_path / "foreign.nc", engine="scipy")
    solved["glp_pq"].to_netcdf(tmp_path / "good.nc")
    good = (tmp_path / "good.nc").read_bytes()
    (tmp_path / "truncated.nc").write_bytes(good[: len(good) // 2])
    with xr.open_dataset(tmp_path / "good.nc", engine="scipy") as opened:
        dataset = opened.load()
    schema = json.loads(dataset.attrs["optmarkets_schema"])
    schema["sections"]["primal"]["chi"]["values"]["var"] = "no_such_variable"
    dataset.attrs["optmarkets_schema"] = json.dumps(schema)
    dataset.to_netcdf(tmp_path / "damaged.nc", engine="scipy")
    dataset.attrs["optmarkets_format_version"] = 99
    dataset.to_netcdf(tmp_path / "future.nc", engine="scipy")
    expected = {"garbage": "is not a netCDF-3 file", "truncated": "is not a netCDF-3 file",
                "foreign": "not an optmarkets solution", "damaged": "damaged optmarkets solution",
                "future": "format version 99"}
    for name, message in expected.items():
        with pytest.raises(om.InputError, match=rf"^path: '.*{name}\.nc' .*{message}"):
            Solution.load(tmp_path / f"{name}.nc")


def test_methods_that_need_the_model_say_the_solution_was_loaded(solved, tmp_path):
    sol = solved["glp_pq"]
    assert sol.exact().verified  # the live solution has its model
    sol.to_netcdf(tmp_path / "pq.nc")
    back = Solution.load(tmp_path / "pq.nc")
    with pytest.raises(om.CapabilityError, match=r"exact: this solution was loaded from the file .*pq\.nc.*rebuild"):
        back.exact()
    with pytest.raises(om.CapabilityError, match=r"price_ranges: .*loaded from the file"):
        back.price_ranges("consistency")


def test_a_certificate_that_was_not_computed_comes_back_not_computed(solved, tmp_path):
    sol = dataclasses.replace(solved["glp_pq"], certificate=Certificate(notes=["not certified"]))
    assert not sol.certificate.computed
    sol.to_netcdf(tmp_path / "uncertified.nc")
    back = Solution.load(tmp_path / "uncertified.nc")
    assert not back.certificate.computed and back.certificate.notes == ["not certified"]
    assert back.certificate.ok() == sol.certificate.ok()
    assert_same_solution(sol, back)


def test_an_edited_file_is_refused_by_its_checksum(solved, tmp_path):
    """The file's SHA-256 (attribute optmarkets_sha256, computed with its own text as zeros) is recomputed here with
    hashlib; one stored double changed (V(q) = 0.3 -> 0.9, the audit's edit) or the file rewritten by xarray with
    another value is refused, never read as the solution with its ok certificate."""
    import hashlib

    solved["glp_pq"].to_netcdf(tmp_path / "pq.nc")
    data = (tmp_path / "pq.nc").read_bytes()
    with xr.open_dataset(tmp_path / "pq.nc", engine="scipy") as opened:
        digest = opened.attrs["optmarkets_sha256"]
        assert opened.attrs["optmarkets_format_version"] == 2
    at = data.find(digest.encode())
    assert hashlib.sha256(data[:at] + b"0" * 64 + data[at + 64:]).hexdigest() == digest
    assert Solution.load(tmp_path / "pq.nc").value == pytest.approx(0.3)
    old = np.array([solved["glp_pq"].value], ">f8").tobytes()
    assert data.count(old) >= 1
    (tmp_path / "edited.nc").write_bytes(data.replace(old, np.array([0.9], ">f8").tobytes()))
    with xr.open_dataset(tmp_path / "pq.nc", engine="scipy") as opened:
        dataset = opened.load()
    dataset.attrs["value"] = 0.9
    dataset.to_netcdf(tmp_path / "rewritten.nc", engine="scipy")
    for name in ("edited", "rewritten"):
        with pytest.raises(om.InputError, match=rf"^path: '.*{name}\.nc' is a damaged .*do not match the SHA-256"):
            Solution.load(tmp_path / f"{name}.nc")


def test_a_format_1_file_loads_with_a_note_that_it_has_no_checksum(solved, tmp_path):
    solved["glp_pq"].to_netcdf(tmp_path / "pq.nc")
    with xr.open_dataset(tmp_path / "pq.nc", engine="scipy") as opened:
        dataset = opened.load()
    del dataset.attrs["optmarkets_sha256"]
    dataset.attrs["optmarkets_format_version"] = 1
    dataset.to_netcdf(tmp_path / "v1.nc", engine="scipy")
    back = Solution.load(tmp_path / "v1.nc")
    assert back.value == pytest.approx(0.3)
    assert any("format version 1, which carries no checksum" in note for note in back.certificate.notes)


def test_a_write_that_fails_midway_leaves_the_existing_file_as_it_was(solved, tmp_path, monkeypatch):
    """The bytes are written beside the target and renamed onto it: an interrupt or a failure while writing (here
    the rename) leaves the old file whole and no temporary file behind."""
    import os

    sol = solved["glp_pq"]
    path = tmp_path / "sol.nc"
    sol.to_netcdf(path)
    before = path.read_bytes()

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(om.InputError, match=r"path: cannot write .*No space left on device"):
        sol.to_netcdf(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["sol.nc"]
    monkeypatch.undo()
    assert om.Solution.load(path).value == sol.value
