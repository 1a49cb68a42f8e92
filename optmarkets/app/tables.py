"""The CLI's text tables: numbers shown with the model's precision (round-off shown as 0, never "-0")
and the reproduce rows grouped by example."""

from __future__ import annotations

import math


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
