"""Reading a number out of a result for an instance file's [[check]]: a Solution's value, a variable
or output, `prices.<family>`, one entry of a table (`loc`), and the verified rational optimum."""

from __future__ import annotations

import pandas as pd

from ..core.errors import InputError, OptmarketsError


def extract(result, output: str, loc=None, *, where: str = "check") -> float:
    """A number out of a Solution (value, a variable/output, prices.<family>) or a pandas object; a
    failure is an InputError that begins with `where` (the file and the [[check]])."""
    if not isinstance(output, str) or output.startswith("_"):
        raise InputError(f"{where}: output: {output!r} is not a value, a variable, an output or prices.<family>")
    if hasattr(result, "prices") and output.startswith("prices."):
        family = output.removeprefix("prices.")
        if family not in result.prices:
            raise InputError(f"{where}: output: {output!r}: the result has no price family {family!r}; its "
                             f"families are {sorted(f'prices.{k}' for k in result.prices)}")
        obj = result.prices[family]
    elif hasattr(result, "value") and output == "value":
        obj = result.value
    elif hasattr(result, "keys") and output in set(result.keys()):  # a Solution is not a Mapping
        obj = result[output]
    elif output in ("value", ""):
        obj = result
    elif isinstance(result, pd.DataFrame | pd.Series) and output in result:
        obj = result[output]
    else:
        obj = getattr(result, output, None)
        if obj is None or callable(obj):
            raise InputError(f"{where}: output: a {type(result).__name__} has no data '{output}'")
    if loc is not None:
        obj = _at(obj, output, loc, where)
    try:
        return float(obj)
    except (TypeError, ValueError):
        raise InputError(f"{where}: output: '{output}' (loc {loc}) is not one number") from None


def _at(obj, output: str, loc, where: str) -> object:
    """`obj.loc[...]` of a table (pandas, xarray), or an InputError naming the check's loc and what is there."""
    if not hasattr(obj, "loc") or isinstance(obj, str | bytes):
        raise InputError(f"{where}: loc: output '{output}' is one number (a {type(obj).__name__}), not a table; "
                         f"drop loc = {loc!r}")
    key = tuple(loc) if isinstance(obj, pd.DataFrame) or len(loc) != 1 else loc[0]
    try:
        return obj.loc[key]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        rows = getattr(obj, "index", None)
        listed = "" if rows is None else "; its rows are " + str(
            [str(v) for v in rows[:10]] + (["..."] if len(rows) > 10 else []))
        raise InputError(f"{where}: loc: {loc!r} names no entry of '{output}' ({type(exc).__name__}: {exc})"
                         + listed) from None


def exact_value(result) -> str:
    """The verified rational optimum of an LP Solution as text ("11/24"); "" for anything else."""
    from ..core.solution import Solution

    model = getattr(result, "_model", None)
    if not isinstance(result, Solution) or model is None or not model.is_lp:
        return ""
    try:
        cert = result.exact()
    except OptmarketsError as exc:  # e.g. a lexicographic solve whose last stage is not the value's LP
        return f"n/a ({str(exc).splitlines()[0][:40]})"
    return str(cert.value) if cert.verified else f"n/a (not verified: {str(cert.reason)[:40]})"
