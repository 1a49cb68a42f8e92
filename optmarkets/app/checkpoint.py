"""Sweep checkpoints: a sweep's finished rows, one JSON line each, so that an interrupted sweep
resumes where it stopped (`om.sweep(..., checkpoint=path)`)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError


def cell(value):
    """A point's value as a table cell: a number, or a tuple for a vector."""
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else tuple(arr.tolist())


# ------------------------------------------------------------------ checkpoints
CHECKPOINT_SCHEMA = "optmarkets.sweep-checkpoint/2"
#: checkpoints written before the header named the model (refused: their rows may be another model's)
OLD_SCHEMAS = ("optmarkets.sweep-checkpoint/1",)


def fingerprint(factory: Any, first: Mapping[str, object] | None) -> str:
    """What a sweep's rows depend on besides the point: the SHA-256 of the model `factory` builds at the grid's first
    point (its name, sense, families and variables, and every number of its program: cvxpy's constants and the
    parameters' values), or of the error it raises there. Two sweeps of other models (the same grid, other data
    built in) differ here, so one's checkpoint is never read as the other's rows."""
    digest = hashlib.sha256()
    try:
        model = factory(**(first or {}))
        families = sorted((n, [int(d) for d in f.shape], f.sense) for n, f in model.families.items())
        variables = sorted((n, [int(d) for d in v.var.shape]) for n, v in model.variables.items())
        digest.update(json.dumps([model.name, model.sense, families, variables]).encode())
        for constant in model.problem.constants():
            _digest_array(digest, constant.value)
        for name in sorted(model.parameters):
            digest.update(name.encode())
            _digest_array(digest, model.value_of(name))
    except Exception as error:  # the point's own solve records the failure; the header names it
        digest.update(f"no model at the first point: {type(error).__name__}: {error}".encode())
    return digest.hexdigest()


def _digest_array(digest: Any, value: Any) -> None:
    if sp.issparse(value):
        value = sp.csr_matrix(value)
        value.sum_duplicates()
        parts = [np.asarray(value.shape, np.int64), value.indptr.astype(np.int64), value.indices.astype(np.int64),
                 value.data.astype(float)]
    else:
        arr = np.asarray(value, dtype=float)
        parts = [np.asarray(arr.shape, np.int64), np.ascontiguousarray(arr)]
    for part in parts:
        digest.update(part.tobytes())


def point_key(point: Mapping[str, object]) -> str:
    """A point as a canonical JSON text: the key of its row in a checkpoint."""
    return json.dumps({k: cell(v) for k, v in point.items()}, sort_keys=True, default=_jsonable)


class Checkpoint:
    """A sweep's finished rows, one JSON line each after a header line that describes the sweep.

    The header records what shapes a row (solver, outputs, primal, prices, certify, solve options) and the
    model's `fingerprint`; a file written by a sweep that asked for other columns, or of another model, is an
    InputError, not a silent mix.
    """

    def __init__(self, path: str | os.PathLike, spec: Any, model: Callable[[], str] = str):
        self.path = Path(path)
        folder = self.path.parent
        if not folder.is_dir():
            raise InputError(f"checkpoint: no folder '{folder}' for '{self.path}'")
        if self.path.is_dir():
            raise InputError(f"checkpoint: '{self.path}' is a folder, not a file")
        if self.path.exists() and not self.path.is_file():  # a FIFO or device: opening it would block
            raise InputError(f"checkpoint: '{self.path}' is not a regular file (a FIFO or device); choose a file")
        self.header = {"schema": CHECKPOINT_SCHEMA, "solver": spec.solver, "outputs": sorted(spec.outputs),
                       "primal": _jsonable(spec.primal), "prices": _jsonable(spec.prices),
                       "certify": bool(spec.certify),
                       "solve_options": json.loads(json.dumps(spec.solve_options, sort_keys=True, default=repr))}
        self.done: dict[str, dict] = {}
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        if not fresh:
            self._read(model)
        else:
            self.header["model"] = model()  # builds the first point's model: after the checks above
        try:
            self._sink = open(self.path, "a")  # noqa: SIM115 - kept open while the sweep runs
        except OSError as exc:
            raise InputError(f"checkpoint: cannot write '{self.path}': {exc.strerror}") from None
        if fresh:
            self._write(self.header)

    def _read(self, model: Callable[[], str]) -> None:
        """Check the header and rows, then repair a last row cut short: a file that is refused stays as it was."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise InputError(f"checkpoint: cannot read '{self.path}': {exc.strerror or exc}") from None
        lines = data.split(b"\n")
        cut = bool(lines[-1].strip())  # no final newline: the last row was being written when the sweep stopped
        records = [line for line in lines if line.strip()]
        header = _parsed(records[0]) if records else None
        if isinstance(header, dict) and header.get("schema") in OLD_SCHEMAS:
            raise InputError(f"checkpoint: '{self.path}' was written by an older optmarkets, whose header does not "
                             "name the model (its rows may be another model's); use another file")
        if not isinstance(header, dict) or header.get("schema") != CHECKPOINT_SCHEMA:
            raise InputError(f"checkpoint: '{self.path}' is not a sweep checkpoint; choose another file")
        differ = sorted(k for k in self.header if header.get(k) != self.header[k])
        if not differ:  # the model last: its fingerprint builds the first point's model
            self.header["model"] = model()
            differ = ["model"] if header.get("model") != self.header["model"] else []
        if differ:
            raise InputError(f"checkpoint: '{self.path}' was written by a sweep with other {differ}; "
                             "use another file for this one")
        rows = records[1:]
        dropped = cut and len(records) > 1 and _parsed(rows[-1]) is _NOT_JSON  # a row cut short: solved again
        for number, line in enumerate(rows[:-1] if dropped else rows, 2):
            try:
                entry = json.loads(line)
                self.done[entry["key"]] = {k: _from_json(v) for k, v in entry["row"].items()}
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                raise InputError(f"checkpoint: line {number} of '{self.path}' is not a sweep row") from None
        try:  # known to be this sweep's checkpoint now: repair it in place
            if dropped:
                os.truncate(self.path, len(data) - len(lines[-1]))
            elif cut:
                with open(self.path, "ab") as sink:
                    sink.write(b"\n")
        except OSError as exc:
            raise InputError(f"checkpoint: cannot write '{self.path}': {exc.strerror or exc}") from None

    def append(self, point: Mapping[str, object], row: dict) -> None:
        key = point_key(point)
        self.done[key] = row
        self._write({"key": key, "row": row})

    def _write(self, entry: dict) -> None:
        self._sink.write(json.dumps(entry, default=_jsonable) + "\n")
        self._sink.flush()

    def close(self) -> None:
        self._sink.close()


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray | tuple):
        return list(obj.tolist()) if isinstance(obj, np.ndarray) else list(obj)
    if isinstance(obj, pd.Series | pd.DataFrame):
        return obj.to_numpy().tolist()
    if isinstance(obj, list | dict | str | int | float | bool) or obj is None:
        return obj
    return repr(obj)


_NOT_JSON = object()


def _parsed(line: bytes) -> Any:
    """A line's JSON value, or _NOT_JSON where it is not JSON (or nested too deeply to read)."""
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _from_json(value):
    # a point's vector cells are tuples in a sweep's table; JSON gives lists back
    return tuple(_from_json(v) for v in value) if isinstance(value, list) else value
