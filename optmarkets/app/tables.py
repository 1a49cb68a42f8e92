"""The CLI's text tables: numbers shown with the model's precision (round-off shown as 0, never "-0")
and the reproduce rows grouped by example."""

from __future__ import annotations

import math

#: rows of each table `solve` prints without --full
SUMMARY_ROWS = 5


def shown(value, digits: int = 6) -> str:
    """A number for display: 6 significant digits, round-off below DISPLAY_ZERO shown as 0, never "-0"."""
    from ..core.tolerances import DISPLAY_ZERO

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "" if value is None else "nan"
    value = float(value)
    if abs(value) < DISPLAY_ZERO:
        return "0"
    text = f"{value:.{digits}g}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def reproduce_table(table, *, exact: bool = False, width: int = 120) -> str:
    """The reproduce rows grouped by example, in at most `width` columns: quantity, expected, computed,
    source, where, match (and the exact optimum with --exact). `--json` gives every field unrounded."""
    widths = {"expected": 11, "computed": 11, "source": 13, "where": 18, "ok": 3}
    if exact:
        widths["exact"] = 13
    quantity = width - sum(widths.values()) - len(widths)
    header = f"{'quantity':<{quantity}} {'expected':>11} {'computed':>11} {'source':<13} {'where':<18} ok"
    header += f" {'exact':<13}" if exact else ""
    lines = []
    for example, group in table.groupby("example", sort=False):
        lines += [f"== {example}"[:width], header]
        for row in group.itertuples(index=False):
            cut = lambda text, n: text if len(text) <= n else text[: n - 1] + "~"
            line = (f"{cut(row.quantity, quantity):<{quantity}} {shown(row.expected):>11} "
                    f"{shown(row.computed):>11} {row.source:<13} {cut(row.where, 18):<18} "
                    f"{'yes' if row.match else 'NO':<3}")
            if exact:
                line += f" {cut(row.exact, 13):<13}"
            lines.append(line.rstrip())
    return "\n".join(lines)


def summary(result, rows: int = SUMMARY_ROWS) -> str:
    """A short report: status, solver, value, the certificate's verdict, the first rows of each table."""
    import numpy as np
    import pandas as pd

    from ..core.display import clean
    from ..core.solution import Solution

    def show(obj) -> str:
        obj = clean(obj)
        if isinstance(obj, pd.DataFrame | pd.Series):
            text = obj.head(rows).to_string()
            return text + (f"\n... ({len(obj)} rows)" if len(obj) > rows else "")
        if isinstance(obj, float | np.floating):
            return f"{obj:.10g}"
        return str(obj)

    if not isinstance(result, Solution):
        return show(result)
    cert = result.certificate
    verdict = "ok" if cert.ok() else "NOT ok"
    gap = "n/a" if cert.duality_gap is None else f"{cert.duality_gap:.2e}"
    parts = [f"model {result.model}: {result.status} with {result.solver}",
             f"value = {clean(result.value):.10g} {result.units}".rstrip(),
             f"certificate: {verdict} (max violation {cert.max_violation:.2e}, duality_gap {gap})"]
    with pd.option_context("display.precision", 6, "display.width", 120):
        for title, table in (("", result.outputs), ("", result.primal), ("price ", result.prices)):
            for name, obj in table.items():
                parts.append(f"{title}{name}:\n{show(obj)}")
    return "\n".join(parts)


def ranges_and_exact(result, *, ranges: bool, exact: bool, n_jobs: int = 1) -> str:
    """One-sided price ranges of every family and the exact rational optimum of an LP solution."""
    from ..core.solution import Solution

    if not isinstance(result, Solution):
        return "(no LP solution: ranges and exact optima apply to solved models)"
    parts = []
    if ranges:
        for name in result.prices:
            if name in getattr(result._model, "families", {}):
                parts.append(f"ranges {name}:\n{result.price_ranges(name, n_jobs=n_jobs).to_string()}")
    if exact:
        cert = result.exact()  # an unverified certificate has no value: only its reason is shown
        parts.append(f"exact value = {cert.value}  (verified)" if cert.verified
                     else f"exact value: NOT verified ({cert.reason})")
    return "\n".join(parts)
