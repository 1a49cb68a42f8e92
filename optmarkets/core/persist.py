"""Solutions that persist: `Solution.to_netcdf(path)` writes a netCDF-3 file, `Solution.load(path)` reads it.

The file is data: loading evaluates nothing from it (no pickle). Layout: the global attribute
`optmarkets_schema` (JSON) describes every table (its kind, label names and dtypes, the variables that
hold its numbers and labels); the numbers and labels themselves are netCDF variables (double, int,
bool, UTF-8 text), so any netCDF reader sees them. A few global attributes (model, status, solver,
value, written_at, version_<package>) repeat the provenance for such readers; `load` reads the schema.

What is kept: value, status, solver, sense, units, timings; the tables `primal`, `duals`, `prices`,
`outputs`, `parameters` (the model's parameter values); the certificate (residuals, notes); and the
provenance: the versions of optmarkets, cvxpy, highspy, numpy, pandas, scipy, xarray and the time of
writing (`Solution.provenance` of the loaded solution, with `loaded_from`, the path read).

Integrity: the attribute `optmarkets_sha256` is the SHA-256 of the file's bytes with that attribute's text read
as 64 zeros; `load` recomputes it and refuses a file whose bytes do not match (an edited or damaged file is never
read as the solution written, certificate included: the certificate is the one computed at solve time, read back,
not recomputed). A checksum detects edits and damage, not forgery: whoever edits the file can recompute it. Files
of format version 1 (no checksum) are read with a certificate note saying so; one that claims version 1 but carries
a checksum (a version 2 file edited down) is refused. The fields are checked for their types on reading (and
writing): value a finite number or NaN, status one of cvxpy's, sense max or min, text where text is kept, primal
values, duals and prices float64 (as solve gives them), every table of a dtype the writer stores (`_storable`; not V8,
dates, complex) holding its values unchanged.

Labels round-trip exactly, with their dtypes and names: index levels of floats, ints, strs or bools; a
MultiIndex is stored level by level (its names and each row's value per level); a RangeIndex as its
range. What netCDF-3 cannot hold natively travels as JSON text, one string per item, and comes back
with its type: ints beyond int32, object levels mixing types (1, "a", 2.5), strings holding NUL,
missing labels. Refused, with an InputError naming the table: labels or values other than str, int,
float, bool and None (dates, tuples inside a level, objects), and outputs other than numbers, strings,
JSON data (lists and dicts of those), numpy arrays, pandas Series/DataFrames and xarray DataArrays
without non-index coordinates (`skip_unrepresentable=True` leaves such outputs out instead, their names
in `provenance["skipped_outputs"]`). Floats are stored as doubles: float16/float32 come back exactly,
with their dtype; float128 is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from contextlib import suppress
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cvxpy import settings as cp_settings

from .errors import InputError
from .solution import Certificate, Solution

FORMAT = "optmarkets.solution"
FORMAT_VERSION = 2
#: the checksum attribute's text while its digest is computed (the digest has as many characters)
_UNSIGNED = b"0" * 64
SECTIONS = ("primal", "duals", "prices", "outputs", "parameters")
VERSIONED = ("optmarkets", "cvxpy", "highspy", "numpy", "pandas", "scipy", "xarray")
_CERT_SCALARS = ("dual_sign", "dual_infeasibility", "complementary_slackness", "duality_gap", "objective_scale",
                 "column_dual_infeasibility")
_INT32 = np.iinfo(np.int32)


def versions() -> dict[str, str | None]:
    """The installed versions of the packages a solution's numbers depend on (None where not installed)."""
    found: dict[str, str | None] = dict.fromkeys(VERSIONED)
    for package in VERSIONED:
        with suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def write_solution(solution: Solution, path: str | os.PathLike, *, skip_unrepresentable: bool = False) -> Path:
    """Write `solution` to the netCDF-3 file `path` (replacing it); returns the path. An output that
    cannot be stored is an InputError naming it (and `path` is left as it was), or left out with
    `skip_unrepresentable=True`."""
    import xarray as xr

    target = _path(path)
    writer = _Writer()
    skipped: list[str] = []
    sections: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    for section in SECTIONS:
        for name, obj in getattr(solution, section).items():
            what = f"{section}[{name!r}]"
            try:
                sections[section][name] = writer.item(_floats_only(section, obj, f"{what}: "), name, what)
            except _UnrepresentableError as refusal:
                if not (skip_unrepresentable and section == "outputs"):
                    raise InputError(f"{refusal} (pass skip_unrepresentable=True to leave the output out)"
                                     if section == "outputs" else str(refusal)) from None
                skipped.append(name)
    cert = solution.certificate
    try:
        residuals = {name: writer.item(getattr(cert, name), name, f"certificate.{name}")
                     for name in ("violations", "relative")}
    except _UnrepresentableError as refusal:
        raise InputError(str(refusal)) from None
    certificate = {**residuals, "notes": [str(note) for note in cert.notes], "computed": cert.computed,
                   **{name: _optional_float(getattr(cert, name, None)) for name in _CERT_SCALARS}}
    earlier = getattr(solution, "provenance", None) or {}
    # a solution read from a file and written again keeps the versions it was solved with
    provenance: dict[str, Any] = {"versions": earlier.get("versions") or versions(), "skipped_outputs": skipped,
                                  "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    schema = {"model": solution.model, "status": solution.status, "value": _optional_float(solution.value),
              "solver": solution.solver, "sense": solution.sense, "units": solution.units,
              "timings": {str(k): float(v) for k, v in solution.timings.items()},
              "sections": sections, "certificate": certificate, "provenance": provenance}
    try:  # what `load` would refuse is not written
        _check_fields(schema)
    except _FieldError as error:
        raise InputError(f"solution: cannot be saved: {error}") from None
    # the checksum attribute first: the header's first copy of its text is this attribute's
    attrs: dict[str, Any] = {"optmarkets_sha256": _UNSIGNED.decode(), "optmarkets_format": FORMAT,
                             "optmarkets_format_version": FORMAT_VERSION, "optmarkets_schema": json.dumps(schema)}
    readable = {"model": solution.model, "status": solution.status, "solver": solution.solver,
                "units": solution.units, "written_at": provenance["written_at"],
                **{f"version_{k}": v for k, v in provenance["versions"].items()}}
    attrs.update({k: v for k, v in readable.items() if isinstance(v, str) and v})  # netCDF-3 keeps no empty text
    if schema["value"] is not None:
        attrs["value"] = schema["value"]
    data = xr.Dataset({var: (dims, raw) for var, (dims, raw) in writer.variables.items()},
                      attrs=attrs).to_netcdf(engine="scipy")
    unsigned = bytes(data)
    at = unsigned.find(_UNSIGNED)
    signed = unsigned[:at] + hashlib.sha256(unsigned).hexdigest().encode() + unsigned[at + len(_UNSIGNED):]
    _write_bytes(target, signed)
    return target


def load_solution(path: str | os.PathLike) -> Solution:
    """The Solution written to `path` by `write_solution`. It keeps no model: `exact()` and
    `price_ranges()` raise a CapabilityError (rebuild the model and solve it again)."""
    import xarray as xr

    target = _path(path)
    try:
        data = target.read_bytes()
    except OSError as error:
        raise InputError(f"path: cannot read '{target}': {error.strerror or error}") from None
    try:
        with xr.open_dataset(io.BytesIO(data), engine="scipy", decode_times=False,
                             decode_timedelta=False) as opened:
            dataset = opened.load()
    except Exception as error:  # a foreign or damaged file fails in whichever way the parser does
        raise InputError(f"path: '{target}' is not a netCDF-3 file ({type(error).__name__}); "
                         "an optmarkets solution is written by Solution.to_netcdf") from None
    if not isinstance(dataset.attrs.get("optmarkets_format"), str) or dataset.attrs["optmarkets_format"] != FORMAT:
        raise InputError(f"path: '{target}' is a netCDF file but not an optmarkets solution "
                         "(no optmarkets_format attribute); it is written by Solution.to_netcdf")
    version = dataset.attrs.get("optmarkets_format_version")
    version = int(version) if isinstance(version, int | np.integer) else version
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise InputError(f"path: '{target}' is an optmarkets solution of format version {version!r}; this "
                         f"optmarkets reads versions 1 to {FORMAT_VERSION} (upgrade optmarkets)")
    if version < 2 and "optmarkets_sha256" in dataset.attrs:  # version 1 had no checksum: a signed file edited
        raise InputError(f"path: '{target}' claims format version {version} but carries an optmarkets_sha256, "
                         "which version 1 never had: an edited version 2 file; write it again from a solve")
    if version >= 2 and not _signed(data, dataset.attrs.get("optmarkets_sha256")):
        raise InputError(f"path: '{target}' is a damaged optmarkets solution file (its bytes do not match the SHA-256 "
                         "written with them: edited or corrupted after writing); write it again from a solve")
    try:
        solution = _solution(json.loads(str(dataset.attrs["optmarkets_schema"])), dataset, target)
    except _FieldError as error:  # a field of the wrong type: named
        raise InputError(f"path: '{target}' is a damaged optmarkets solution file ({error})") from None
    except Exception as error:  # damaged: whatever part of the schema or data is missing or inconsistent
        raise InputError(f"path: '{target}' is a damaged optmarkets solution file "
                         f"({type(error).__name__}: {error})") from None
    if version < 2:
        solution.certificate.notes.append(f"read from a file of format version {version}, which carries no checksum: "
                                          "an edit to it cannot be detected")
    return solution


def _signed(data: bytes, digest: Any) -> bool:
    """Whether `digest` is the SHA-256 of `data` with the digest's text read as zeros (`write_solution`)."""
    at = data.find(digest.encode()) if isinstance(digest, str) and len(digest) == len(_UNSIGNED) and digest.isascii() \
        else -1
    return at >= 0 and hashlib.sha256(data[:at] + _UNSIGNED + data[at + len(_UNSIGNED):]).hexdigest() == digest


class _FieldError(ValueError):
    """A stored field of the wrong type or value (its message names the field)."""


#: the statuses a solve records (cvxpy's names); a Solution is returned with an optimal one
STATUSES = (*cp_settings.SOLUTION_PRESENT, *cp_settings.INF_OR_UNB, *cp_settings.ERROR)


def _check_fields(schema: Any) -> None:
    """Raise _FieldError naming the first field of `schema` (write_solution's) of the wrong type or value: what
    `load` returns is a Solution of the types `Model.solve` gives, or nothing."""
    if not isinstance(schema, dict):
        raise _FieldError(f"the schema is a {type(schema).__name__}, not a table")
    value = schema.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isinf(value):
        raise _FieldError(f"value: must be a finite number or NaN, got {_shown(value)}")
    if schema.get("status") not in STATUSES:
        raise _FieldError(f"status: must be one of {', '.join(STATUSES)}, got {_shown(schema.get('status'))}")
    if schema.get("sense") not in ("max", "min"):
        raise _FieldError(f"sense: must be 'max' or 'min', got {_shown(schema.get('sense'))}")
    for name in ("model", "solver", "units"):
        if not isinstance(schema.get(name), str):
            raise _FieldError(f"{name}: must be text, got {_shown(schema.get(name))}")
    timings = schema.get("timings")
    if not isinstance(timings, dict) or not all(_number(t) for t in timings.values()):
        raise _FieldError(f"timings: must map names to seconds, got {_shown(timings)}")
    cert = schema.get("certificate")
    if not isinstance(cert, dict):
        raise _FieldError(f"certificate: must be a table, got {_shown(cert)}")
    for name in _CERT_SCALARS:
        if cert.get(name) is not None and not _number(cert.get(name)):
            raise _FieldError(f"certificate.{name}: must be a number or null, got {_shown(cert.get(name))}")
    notes = cert.get("notes")
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise _FieldError(f"certificate.notes: must be a list of text, got {_shown(notes)}")
    if not isinstance(cert.get("computed"), bool):
        raise _FieldError(f"certificate.computed: must be true or false, got {_shown(cert.get('computed'))}")
    for name in ("sections", "provenance"):
        if not isinstance(schema.get(name), dict):
            raise _FieldError(f"{name}: must be a table, got {_shown(schema.get(name))}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _floats_only(section: str, obj: Any, what: str = "") -> Any:
    """`obj`, if it holds float64 numbers as solve gives primal values, duals and prices (else an error)."""
    one = np.dtype(float) if isinstance(obj, float) else getattr(obj, "dtype", type(obj).__name__)
    dtypes = sorted({str(d) for d in (obj.dtypes if isinstance(obj, pd.DataFrame) else [one])})
    if section in ("primal", "duals", "prices") and dtypes not in ([], ["float64"]):
        raise _UnrepresentableError(f"{what}must hold float64 numbers, as solve gives them, not {', '.join(dtypes)}")
    return obj


def _residuals(series: Any, name: str) -> Any:
    """The certificate's residuals as stored: a float Series (a _FieldError otherwise)."""
    if not isinstance(series, pd.Series) or series.dtype.kind not in "fi":
        raise _FieldError(f"certificate.{name}: must be a Series of numbers")
    return series


def _solution(schema: dict, dataset: Any, target: Path) -> Solution:
    _check_fields(schema)
    reader = _Reader(dataset)
    tables: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    for part, name in ((t, n) for t in SECTIONS for n in schema["sections"][t]):
        try:
            tables[part][name] = _floats_only(part, reader.item(schema["sections"][part][name]))
        except (_UnrepresentableError, TypeError) as error:  # named: a dtype the writer never stores, or values
            raise _FieldError(f"{part}[{name!r}]: {error}") from None
    saved = schema["certificate"]
    cert = Certificate(violations=_residuals(reader.item(saved["violations"]), "violations"),
                       relative=_residuals(reader.item(saved["relative"]), "relative"),
                       notes=[str(note) for note in saved["notes"]],
                       **{name: saved[name] for name in _CERT_SCALARS if name != "column_dual_infeasibility"})
    cert.column_dual_infeasibility = saved["column_dual_infeasibility"]
    if cert.computed != saved["computed"]:
        raise ValueError("the certificate's residuals do not match its computed flag")
    provenance = {**schema["provenance"], "loaded_from": str(target)}
    return Solution(model=schema["model"], status=schema["status"], value=schema["value"], solver=schema["solver"],
                    certificate=cert, timings=dict(schema["timings"]), sense=schema["sense"], units=schema["units"],
                    provenance=provenance, **tables)


class _UnrepresentableError(Exception):
    """An object the file cannot hold (the caller turns it into an InputError naming the table)."""


class _Writer:
    """Collects the netCDF variables (name -> (dims, array)) and returns each item's schema entry."""

    def __init__(self) -> None:
        self.variables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
        self.items = 0

    def prefix(self, name: Any) -> str:
        """A unique netCDF name for an item (the item's own name, sanitised, for other readers)."""
        self.items += 1
        return f"v{self.items}_{re.sub(r'[^A-Za-z0-9_]', '_', str(name))[:40]}"

    def array(self, var: str, dims: tuple[str, ...], values: Any, what: str) -> dict:
        raw, meta = _encode_array(values, what)
        self.variables[var] = (dims, raw)
        return {**meta, "var": var}

    def index(self, index: pd.Index, dim: str, what: str) -> dict:
        meta: dict[str, Any] = {"dim": dim, "names": [_label(n, what) for n in index.names],
                                "multi": isinstance(index, pd.MultiIndex), "size": len(index)}
        if isinstance(index, pd.RangeIndex):
            meta["range"] = [index.start, index.stop, index.step]
            return meta
        meta["levels"] = [self.array(f"{dim}_L{i}", (dim,), index.get_level_values(i), f"{what} labels")
                          for i in range(index.nlevels)]
        return meta

    def item(self, obj: Any, name: Any, what: str) -> dict:
        p = self.prefix(name)
        if isinstance(obj, pd.Series):
            return {"kind": "series", "name": _label(obj.name, what), "index": self.index(obj.index, f"{p}_row", what),
                    "values": self.array(p, (f"{p}_row",), obj, what)}
        if isinstance(obj, pd.DataFrame):
            rows, cols = f"{p}_row", f"{p}_col"
            meta = {"kind": "frame", "index": self.index(obj.index, rows, what),
                    "columns": self.index(obj.columns, cols, f"{what} columns")}
            dtypes = set(obj.dtypes)
            if len(dtypes) == 1 and all(isinstance(d, np.dtype) and d.kind in "fiub" for d in dtypes):
                meta["values"] = self.array(p, (rows, cols), obj.to_numpy(), what)
            else:  # columns of several dtypes: one variable each
                meta["column_values"] = [self.array(f"{p}_c{j}", (rows,), obj.iloc[:, j], what)
                                         for j in range(obj.shape[1])]
            return meta
        if _is_dataarray(obj):
            extra = [c for c in obj.coords if c not in obj.dims]
            if extra:
                raise _UnrepresentableError(f"{what}: a DataArray with non-index coordinates {extra} cannot be stored")
            dims = [f"{p}_d{i}" for i in range(obj.ndim)]
            return {"kind": "dataarray", "name": _label(obj.name, what), "dims": [_label(d, what) for d in obj.dims],
                    "coords": [self.index(obj.indexes[d], dims[i], what) if d in obj.indexes else None
                               for i, d in enumerate(obj.dims)],
                    "attrs": _json_data(dict(obj.attrs), f"{what}.attrs"),
                    "values": self.array(p, tuple(dims), obj.values, what)}
        if isinstance(obj, np.ndarray):
            return {"kind": "array", "values": self.array(p, tuple(f"{p}_d{i}" for i in range(obj.ndim)), obj, what)}
        if isinstance(obj, np.generic):
            if obj.dtype.kind not in "fiub" or obj.dtype.itemsize > 8:
                raise _UnrepresentableError(f"{what}: a numpy {obj.dtype} scalar cannot be stored")
            return {"kind": "numpy_scalar", "dtype": str(obj.dtype), "value": obj.item()}
        return {"kind": "json", "value": _json_data(obj, what)}


class _Reader:
    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def array(self, meta: dict) -> Any:
        return _decode_array(self.dataset.variables[meta["var"]].values, meta)

    def index(self, meta: dict) -> pd.Index:
        names = [_unlabel(n) for n in meta["names"]]
        if "range" in meta:
            index: pd.Index = pd.RangeIndex(*meta["range"], name=names[0])
        else:
            levels = [pd.Index(self.array(level), dtype=level["dtype"]) for level in meta["levels"]]
            index = pd.MultiIndex.from_arrays(levels, names=names) if meta["multi"] else levels[0].rename(names[0])
        if len(index) != meta["size"]:
            raise ValueError(f"labels of dimension {meta['dim']}: {len(index)} stored, {meta['size']} expected")
        return index

    def item(self, meta: dict) -> Any:
        kind = meta["kind"]
        if kind == "series":
            return pd.Series(self.array(meta["values"]), index=self.index(meta["index"]), name=_unlabel(meta["name"]),
                             copy=False)
        if kind == "frame":
            index, columns = self.index(meta["index"]), self.index(meta["columns"])
            if "values" in meta:
                return pd.DataFrame(self.array(meta["values"]), index=index, columns=columns, copy=False)
            return pd.DataFrame({j: self.array(column) for j, column in enumerate(meta["column_values"])},
                                index=index).set_axis(columns, axis=1)
        if kind == "dataarray":
            import xarray as xr

            dims = [_unlabel(d) for d in meta["dims"]]
            coords = {d: self.index(c) for d, c in zip(dims, meta["coords"], strict=True) if c is not None}
            return xr.DataArray(self.array(meta["values"]), dims=dims, coords=coords, name=_unlabel(meta["name"]),
                                attrs=meta["attrs"])
        if kind == "array":
            return self.array(meta["values"])
        if kind == "numpy_scalar":
            dtype = np.dtype(meta["dtype"])
            if dtype.kind not in "fiub" or dtype.itemsize > 8:  # what the writer stores, no more
                raise _FieldError(f"a numpy scalar of dtype {_shown(meta['dtype'])}")
            return dtype.type(meta["value"])
        if kind == "json":
            return meta["value"]
        raise ValueError(f"unknown kind of table {kind!r}")


def _encode_array(values: Any, what: str) -> tuple[np.ndarray, dict]:
    """`values` (ndarray, Series, Index) as an array netCDF-3 stores exactly, and how to read it back:
    {"dtype": the original dtype, "numpy": whether it is a numpy dtype, "as": native | int32 | json}."""
    dtype = values.dtype
    meta = {"dtype": str(dtype), "numpy": isinstance(dtype, np.dtype)}
    if not _storable(dtype):
        raise _UnrepresentableError(f"{what}: {dtype} values cannot be stored (netCDF holds numbers and text)")
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        arr = np.asarray(values)
        if dtype.kind == "f":
            return arr.astype(np.float64), {**meta, "as": "native"}
        if dtype.kind == "b":
            return arr, {**meta, "as": "native"}
        if arr.size == 0 or (int(arr.min()) >= _INT32.min and int(arr.max()) <= _INT32.max):
            return arr.astype(np.int32), {**meta, "as": "int32"}
    arr = np.asarray(values, dtype=object)
    items = [None if x is pd.NA else x.item() if isinstance(x, np.generic) else x for x in arr.ravel()]
    if all(isinstance(x, str) and "\x00" not in x for x in items):
        return arr, {**meta, "as": "native"}
    for x in items:
        if not (x is None or isinstance(x, str | int | float)):  # bool is an int
            raise _UnrepresentableError(f"{what}: the value {x!r} (a {type(x).__name__}) cannot be stored: "
                                        "labels and values must be str, int, float, bool or None")
    return np.array([json.dumps(x) for x in items], dtype=object).reshape(arr.shape), {**meta, "as": "json"}


#: the dtypes `_encode_array` stores (with their encodings), by numpy kind, and pandas' own: files declare no others
_STORED = dict(f="native", b="native", i="int32 json", u="int32 json", O="native json", U="native json")
_EXTENSIONS = (pd.StringDtype, pd.BooleanDtype, pd.CategoricalDtype, *(getattr(pd, f"{k}Dtype") for k in [
    "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64"]))


def _storable(dtype: Any, encoding: str | None = None) -> bool:
    """Whether `_encode_array` stores values of `dtype` (as `encoding`, where given)."""
    kinds = _STORED.get(dtype.kind, "") if isinstance(dtype, np.dtype) and (dtype.kind != "f" or dtype.itemsize <= 8) \
        else "native json" if isinstance(dtype, _EXTENSIONS) else ""
    return bool(kinds) and (encoding is None or encoding in kinds.split())


def _decode_array(raw: np.ndarray, meta: dict) -> Any:
    """The values as written: of a dtype `_encode_array` stores, each read back unchanged (a _FieldError otherwise)."""
    dtype = pd.api.types.pandas_dtype(str(meta["dtype"]))  # an unknown one: a TypeError, named by `_solution`
    if not _storable(dtype, meta["as"]):
        raise _UnrepresentableError(f"values of dtype {_shown(meta['dtype'])} as {_shown(meta['as'])}: never written")
    if meta["as"] == "json":  # an object array of the items (np.array would nest lists)
        raw = np.fromiter((json.loads(str(s)) for s in raw.ravel()), dtype=object, count=raw.size).reshape(raw.shape)
    if not isinstance(dtype, np.dtype):
        return pd.array(raw.ravel(), dtype=dtype)
    out = raw.astype(dtype, copy=False)  # then read back: a number that dtype cannot hold (V8 of a float) is refused
    if not (out.tolist() == raw.tolist() if raw.dtype.kind not in "fiub" or dtype.kind not in "fiub" else
            np.array_equal(out.astype(raw.dtype), raw, equal_nan=raw.dtype.kind == "f")):
        raise _UnrepresentableError(f"values of dtype {dtype} that differ from the {raw.dtype} stored")
    return out


def _label(name: Any, what: str) -> Any:
    """An index/axis name as JSON: tuples tagged so that they come back as tuples."""
    if isinstance(name, np.generic):
        name = name.item()
    if isinstance(name, tuple):
        return {"tuple": [_label(n, what) for n in name]}
    if name is None or isinstance(name, str | int | float):
        return name
    raise _UnrepresentableError(f"{what}: the name {name!r} (a {type(name).__name__}) cannot be stored")


def _unlabel(name: Any) -> Any:
    return tuple(_unlabel(n) for n in name["tuple"]) if isinstance(name, dict) else name


def _json_data(obj: Any, what: str) -> Any:
    """`obj` if it is JSON data (None, bool, int, float, str, lists and str-keyed dicts of those)."""
    if obj is None or isinstance(obj, str | int | float):
        return obj
    if isinstance(obj, list):
        return [_json_data(x, what) for x in obj]
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {k: _json_data(v, what) for k, v in obj.items()}
    raise _UnrepresentableError(f"{what}: a {type(obj).__name__} cannot be stored in a solution file; it holds "
                                "numbers, strings, JSON data, numpy arrays, pandas Series/DataFrames and xarray "
                                "DataArrays")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _is_dataarray(obj: Any) -> bool:
    return type(obj).__name__ == "DataArray" and type(obj).__module__.startswith("xarray")


def _path(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(os.fspath(path)).strip():
        raise InputError(f"path: must be a file path (a str or os.PathLike), got {path!r}")
    fspath = os.fspath(path)
    if not isinstance(fspath, str):
        raise InputError(f"path: must be a str path, got {fspath!r}")
    return Path(fspath)  # as given: the shell expands an unquoted '~', and `check_out` checks this same path


def _write_bytes(target: Path, data: bytes) -> None:
    """The file is encoded whole before anything is written, then written beside `target` and renamed onto it: a
    refusal, or an interrupt while writing (Ctrl-C ends the CLI at once), leaves an existing `target` as it was."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as error:
        raise InputError(f"path: cannot write '{target}': {error.strerror or error}") from None
    finally:
        temporary.unlink(missing_ok=True)
