"""Audit of `Solution.load`'s dtypes: a solution file (format version 1: no checksum, so an edit is read) whose
table declares a dtype the writer never stores (V8, datetime64, complex128, float128), or one that does not hold
its stored numbers (int64 of 0.4, float32 of a double), loaded: its primal table became raw bytes or dates and
`summary()` raised a bare TypeError. Now each is an InputError naming the table; primal values, duals and prices
load only as float64 numbers, as solve gives them, and the writer refuses what loading would. The reference
numbers are GLP's P_q at the first session's economy, worked by hand in the README: V(q) = min(q1, q2) = 0.3."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import optmarkets as om
from optmarkets.core.solution import Certificate, Solution


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    econ = om.PersonalDataEconomy(values=[1, 2], mass=[0.4, 0.6], outside_option=[0.3, 0.3], gamma_u=1.0,
                                  gamma_pi=0.0)
    sol = econ.platform_problem(q=[0.4, 0.3]).solve()
    path = tmp_path_factory.mktemp("persist") / "pq.nc"
    sol.to_netcdf(path)
    return sol, path


def _version_1(path, tmp_path, edit) -> object:
    """The file at `path` written again as format version 1 (no checksum) with `edit` applied to its schema."""
    with xr.open_dataset(path, engine="scipy", decode_times=False) as opened:
        dataset = opened.load()
    schema = json.loads(dataset.attrs["optmarkets_schema"])
    edit(schema)
    del dataset.attrs["optmarkets_sha256"]
    dataset.attrs["optmarkets_format_version"] = 1
    dataset.attrs["optmarkets_schema"] = json.dumps(schema)
    target = tmp_path / "edited.nc"
    dataset.to_netcdf(target, engine="scipy")
    return target


def _declare(section: str, name: str, dtype: str, numpy: bool = True):
    def edit(schema):
        meta = schema["sections"][section][name]
        values = meta["values"] if "values" in meta else meta["column_values"][0]
        values["dtype"], values["numpy"] = dtype, numpy
    return edit


def test_the_unedited_version_1_file_loads_with_the_worked_numbers(written, tmp_path):
    sol, path = written
    back = Solution.load(_version_1(path, tmp_path, lambda schema: None))
    assert back.value == pytest.approx(0.3, abs=1e-9)
    pd.testing.assert_frame_equal(back.primal["chi"], sol.primal["chi"], check_exact=True)
    assert back.primal["chi"].dtypes.tolist() == [np.float64] * 2
    assert "value = 0.3" in back.summary()


#: dtypes the writer never stores: each was read (the audit: V8 as raw bytes, then summary() -> TypeError)
NEVER_WRITTEN = ["V8", "datetime64[ns]", "timedelta64[ns]", "complex128", "float128", "S8", "period[D]"]


@pytest.mark.parametrize("dtype", NEVER_WRITTEN)
@pytest.mark.parametrize(("section", "name"), [("primal", "chi"), ("prices", "consistency"), ("parameters", "q")])
def test_a_dtype_the_writer_never_stores_is_refused_naming_the_table(written, tmp_path, section, name, dtype):
    _, path = written
    edited = _version_1(path, tmp_path, _declare(section, name, dtype, numpy=dtype != "period[D]"))
    with pytest.raises(om.InputError, match=rf"^path: '.*edited\.nc' is a damaged optmarkets solution file "
                                            rf"\({section}\['{name}'\]: "):
        Solution.load(edited)


@pytest.mark.parametrize(("dtype", "why"), [
    ("int64", "values of dtype 'int64' as 'native'"),  # ints are stored as int32 or JSON, never as doubles
    ("float32", "values of dtype float32 that differ from the float64 stored"),  # 0.4 is no float32
    ("bool", "values of dtype bool that differ"),
    ("object", "must hold float64 numbers"),  # the same numbers, but not of the dtype solve gives
])
def test_primal_values_load_only_as_the_float64_numbers_solve_gives(written, tmp_path, dtype, why):
    _, path = written
    with pytest.raises(om.InputError, match=rf"\(primal\['chi'\]: {why}"):
        Solution.load(_version_1(path, tmp_path, _declare("primal", "chi", dtype)))


def _by_hand(primal=None, **outputs) -> Solution:
    cert = Certificate(violations={"budget": 0.0}, notes=["built by hand"], relative={"violation[budget]": 0.0})
    return Solution(model="by hand", status="optimal", value=1.5, solver="none", primal=primal or {}, duals={},
                    prices={}, certificate=cert, outputs=outputs, sense="max", units="")


def test_the_writer_refuses_what_loading_would(tmp_path):
    """What `load` refuses is never written: primal values other than float64, values of dates (numpy stores
    datetime64[ns] items as ints, which came back as dates), complex numbers."""
    path = tmp_path / "refused.nc"
    with pytest.raises(om.InputError, match=r"primal\['x'\]: must hold float64 numbers, as solve gives them, "
                                            "not int64"):
        _by_hand(primal={"x": pd.Series([1, 2])}).to_netcdf(path)
    with pytest.raises(om.InputError, match=r"outputs\['dates'\]: datetime64\[ns\] values cannot be stored"):
        _by_hand(dates=np.array(["2020-01-01"], dtype="datetime64[ns]")).to_netcdf(path)
    with pytest.raises(om.InputError, match=r"outputs\['z'\]: complex128 values cannot be stored"):
        _by_hand(z=np.array([1j])).to_netcdf(path)
    assert not path.exists()


def test_the_dtypes_the_writer_stores_still_round_trip(tmp_path):
    """float32 and nullable ints as outputs, float64 primal values: back with their dtypes and numbers."""
    outputs = {"f32": pd.Series(np.array([0.1, 0.2], dtype=np.float32)),
               "ints": pd.Series(pd.array([1, None, 2**40], dtype="Int64")),
               "wide": np.array([2**40, -3], dtype=np.int64), "text": pd.Series(["a", "b\x00c"])}
    sol = _by_hand(primal={"x": pd.Series([0.25, 1 / 3])}, **outputs)
    sol.to_netcdf(tmp_path / "kept.nc")
    back = Solution.load(tmp_path / "kept.nc")
    pd.testing.assert_series_equal(back.primal["x"], sol.primal["x"], check_exact=True)
    pd.testing.assert_series_equal(back["f32"], outputs["f32"], check_exact=True)
    pd.testing.assert_series_equal(back["ints"], outputs["ints"], check_exact=True)
    pd.testing.assert_series_equal(back["text"], outputs["text"], check_exact=True)
    np.testing.assert_array_equal(back["wide"], outputs["wide"])
    assert back["wide"].dtype == np.int64 and back.value == 1.5
