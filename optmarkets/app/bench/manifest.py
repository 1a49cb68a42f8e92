"""The suite's manifest.json read as data (`bench.suite.load_manifest`): its shape checked, field by field,
before any instance file is opened.

A manifest names files and carries numbers that `bench --suite` acts on, so every field it reads must
have the shape the writer (`bench.suite.build_suite`) gives it; anything else is a one-line InputError
naming the manifest, the instance and the field:

    schema               1 (where given); suite: text (where given); instances: a list of tables, each with
    name                 text, not empty
    file                 the bare file name NAME.mps the writer gives (letters, digits, '_', '.', '-';
                         at most MAX_FILE_NAME characters): no folder, no absolute path, no '..', and not a
                         link out of the suite's folder
    rows, cols, nnz      whole numbers >= 0
    optimal_value        a finite number
    optimal_value_exact  null, absent, or "p/q" / "p" of integers of at most MAX_EXACT_DIGITS digits each
                         (regex-checked before any conversion: Fraction would parse "1e2000000000" for ever)
    provenance           a table with the file's sha256 (64 hexadecimal digits)
    sense, verified, reason   where given: "min" or "max", true or false, text

json.loads on a manifest nested too deeply raises RecursionError; that too is an InputError.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from ...core.errors import InputError

#: the longest file name most file systems allow (NAME_MAX)
MAX_FILE_NAME = 255
#: the most digits of p and of q in optimal_value_exact: Python's int <-> str limit, as the writer's f"{p}/{q}"
MAX_EXACT_DIGITS = 4300
#: an instance's file: the bare NAME.mps the writer gives (`write_instance`), no separator, no leading dot
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.mps")
EXACT = re.compile(r"-?([0-9]+)(?:/([0-9]+))?")
SHA256 = re.compile(r"[0-9a-f]{64}")


def check(data: Any, path: Path, folder: Path, schema: int) -> dict:
    """`data` (manifest.json at `path`, in the suite's `folder`) if it has the writer's shape, else an InputError."""
    if not isinstance(data, dict) or not isinstance(data.get("instances"), list):
        raise InputError(f"suite: '{path}' has no list of instances")
    if "schema" in data and (isinstance(data["schema"], bool) or data["schema"] != schema):
        raise InputError(f"suite: '{path}': schema: expected {schema}, got {_shown(data['schema'])}")
    if "suite" in data and not isinstance(data["suite"], str):
        raise InputError(f"suite: '{path}': suite: expected text, got {_shown(data['suite'])}")
    root = _resolved(folder, path, "the suite's folder")
    for i, entry in enumerate(data["instances"]):
        _check_entry(entry, f"suite: '{path}': instances[{i}]", folder, root)
    return data


def optimum(entry: dict) -> tuple[Fraction, bool]:
    """(the instance's optimum, whether it is the exact one) of a checked entry."""
    exact = entry.get("optimal_value_exact")
    if exact is None:
        return Fraction(entry["optimal_value"]), False
    p, _, q = exact.partition("/")
    return Fraction(int(p), int(q or "1")), True


def _check_entry(entry: Any, where: str, folder: Path, root: Path) -> None:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table, got {_shown(entry)}")
    name = entry.get("name")
    if "name" in entry and (not isinstance(name, str) or not name):
        raise InputError(f"{where}: name: expected text, got {_shown(name)}")
    where = f"{where} ({_shown(name)})" if name else where
    missing = [k for k in ("name", "file", "rows", "cols", "nnz", "optimal_value", "provenance") if k not in entry]
    if missing:
        raise InputError(f"{where} lacks the field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    file = entry["file"]
    if not isinstance(file, str) or len(file) > MAX_FILE_NAME or not FILE_NAME.fullmatch(file):
        raise InputError(f"{where}: file: expected a bare file name NAME.mps in the suite's folder (letters, digits, "
                         f"'_', '.', '-'; no folder, no absolute path, no '..'), got {_shown(file)}")
    if _resolved(folder / file, folder / file, "file").parent != root:
        raise InputError(f"{where}: file: {_shown(file)} is a link out of the suite's folder")
    for key in ("rows", "cols", "nnz"):
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{where}: {key}: expected a whole number >= 0, got {_shown(value)}")
    value = entry["optimal_value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: optimal_value: expected a finite number, got {_shown(value)}")
    _check_exact(entry.get("optimal_value_exact"), where)
    provenance = entry["provenance"]
    if not isinstance(provenance, dict) or not isinstance(provenance.get("sha256"), str) \
            or not SHA256.fullmatch(provenance["sha256"]):
        raise InputError(f"{where}: provenance: expected a table with the file's sha256 (64 hexadecimal digits)")
    for key, ok, kind in (("sense", lambda v: v in ("min", "max"), "'min' or 'max'"),
                          ("verified", lambda v: isinstance(v, bool), "true or false"),
                          ("reason", lambda v: isinstance(v, str), "text")):
        if key in entry and not ok(entry[key]):
            raise InputError(f"{where}: {key}: expected {kind}, got {_shown(entry[key])}")


def _check_exact(exact: Any, where: str) -> None:
    """null, or "p/q" / "p": integers of at most MAX_EXACT_DIGITS digits, q > 0; checked before conversion."""
    if exact is None:
        return
    what = f"{where}: optimal_value_exact: expected null or \"p/q\" of integers of at most {MAX_EXACT_DIGITS} digits"
    if not isinstance(exact, str) or len(exact) > 2 * MAX_EXACT_DIGITS + 2:
        raise InputError(f"{what}, got {_shown(exact)}")
    match = EXACT.fullmatch(exact)
    if match is None or any(part is not None and len(part) > MAX_EXACT_DIGITS for part in match.groups()):
        raise InputError(f"{what}, got {_shown(exact)}")
    if match.group(2) is not None and not match.group(2).strip("0"):
        raise InputError(f"{where}: optimal_value_exact: the denominator is 0 in {_shown(exact)}")
    try:
        int(match.group(1)), int(match.group(2) or "1")
    except ValueError:  # sys.set_int_max_str_digits set below MAX_EXACT_DIGITS in this process
        raise InputError(f"{what}: this Python converts fewer digits (sys.get_int_max_str_digits)") from None


def _resolved(target: Path, shown: Path, what: str) -> Path:
    try:
        return target.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links
        raise InputError(f"suite: cannot resolve {what} '{shown}' ({exc})") from None


def _shown(value: Any) -> str:
    """A JSON value in a message: short, on one line (a list or table by its kind, never walked)."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    text = repr(value[:61] if isinstance(value, str) else value)
    return text if len(text) <= 60 else text[:57] + "..."
