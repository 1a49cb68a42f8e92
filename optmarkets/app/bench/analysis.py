"""Benchmark statistics: summaries, shifted geometric means, Dolan–Moré profiles, modeling overhead.

matplotlib is imported only inside `plot_profiles`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError
from .config import REFERENCE, SHIFT
from .problems import _FAMILIES

#: what the report reads of every record (`runner.RECORD_KEYS` has them all), by kind: text, true/false, a
#: finite number, or one of those or null
REPORT_TEXT = ("instance", "solver", "tier")
REPORT_NUMBERS = ("time_total", "time_limit")
REPORT_OPTIONAL_TEXT = ("status", "error")
REPORT_OPTIONAL_NUMBERS = ("size", "nnz", "max_price_diff", "max_economic_residual", "time_build", "time_compile",
                           "time_solve", "time_certify", "time_raw_highs", "primal_residual", "dual_residual",
                           "relative_gap")
REPORT_KEYS = (*REPORT_TEXT, "success", *REPORT_NUMBERS, *REPORT_OPTIONAL_TEXT, *REPORT_OPTIONAL_NUMBERS)


def load(path: str | Path) -> pd.DataFrame:
    """Records from a JSONL file, one row each (nested dicts kept as dicts); an InputError naming the file and
    the line if it has none, or a line that is not JSON or lacks a field the report reads (REPORT_KEYS)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a FIFO or device: reading it would block
        raise InputError(f"summarize: '{path}' is not a regular file (a folder, FIFO or device); give a .jsonl file")
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"summarize: no file '{path}'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"summarize: cannot read '{path}': {exc}") from None
    rows = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as exc:
            if number == len(lines) and not text.endswith("\n"):
                break  # a last record cut short by an interrupted run
            why = "nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
            raise InputError(f"summarize: line {number} of '{path}' is {why}") from None
        if not isinstance(rec, dict) or not {"instance", "solver", "tier", "success"} <= set(rec):
            raise InputError(f"summarize: line {number} of '{path}' is not a benchmark record")
        _check_record(rec, f"summarize: line {number} of '{path}'")
        rows.append(rec)
    if not rows:
        raise InputError(f"summarize: '{path}' has no benchmark records")
    return pd.DataFrame(rows)


def _check_record(rec: dict, where: str) -> None:
    """An InputError (`where`: the file and the line) naming the first field the report cannot read."""
    missing = [key for key in REPORT_KEYS if key not in rec]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InputError(f"{where} lacks the field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(map(repr, missing[:3]))}{more}, which the report reads")
    for key in REPORT_KEYS:
        value = rec[key]
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if key in REPORT_TEXT and not isinstance(value, str):
            raise InputError(f"{where}: field '{key}' must be text, got {_shown(value)}")
        if key == "success" and not isinstance(value, bool):
            raise InputError(f"{where}: field 'success' must be true or false, got {_shown(value)}")
        if key in REPORT_NUMBERS and not number:
            raise InputError(f"{where}: field '{key}' must be a finite number, got {_shown(value)}")
        if key in REPORT_OPTIONAL_TEXT and not (value is None or isinstance(value, str)):
            raise InputError(f"{where}: field '{key}' must be text or null, got {_shown(value)}")
        if key in REPORT_OPTIONAL_NUMBERS and not (value is None or number):
            raise InputError(f"{where}: field '{key}' must be a finite number or null, got {_shown(value)}")


def _shown(value: object) -> str:
    """A JSON value in a message: short, on one line (a list or table by its kind, never walked)."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    text = json.dumps(value[:61]) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _frame(records) -> pd.DataFrame:
    return records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))


def charged_times(records) -> pd.Series:
    """Total time of each record, with failures charged the time limit."""
    df = _frame(records)
    return df["time_total"].where(df["success"].astype(bool), df["time_limit"]).astype(float)


def shifted_geometric_mean(times, shift: float = SHIFT) -> float:
    """exp(mean(log(t + shift))) - shift."""
    t = np.asarray(times, dtype=float)
    return float(np.exp(np.mean(np.log(t + shift))) - shift) if t.size else float("nan")


def summary(records, shift: float = SHIFT) -> pd.DataFrame:
    """Per (tier, solver): runs, success rate, shifted geometric mean time and its ratio to the best."""
    df = _frame(records).assign(charged=lambda d: charged_times(d))
    rows = []
    for (tier, solver), g in df.groupby(["tier", "solver"], sort=False):
        rows.append({"tier": tier, "solver": solver, "runs": len(g), "success_rate": g["success"].mean(),
                     "sgm_time": shifted_geometric_mean(g["charged"], shift),
                     "max_price_diff": pd.to_numeric(g["max_price_diff"], errors="coerce").max(),
                     "max_economic_residual": pd.to_numeric(g["max_economic_residual"], errors="coerce").max()})
    out = pd.DataFrame(rows)
    if len(out):
        out["sgm_ratio"] = out["sgm_time"] / out.groupby("tier")["sgm_time"].transform("min")
    return out


def price_differences(records) -> pd.DataFrame:
    """Per family: the largest difference of a price from the reference solver's (HiGHS, default options) over
    every record with one (solvers, tiers, sizes, seeds; a record that failed acceptance included, as in
    `summary`), the record it comes from, and the largest over the accepted records only (`success`).
    The family is the instance name's first part; `model` the first words of its description."""
    df = _frame(records)
    diff = pd.to_numeric(df["max_price_diff"], errors="coerce")
    accepted = diff.where(df["success"].astype(bool))
    rows = []
    for name, g in diff.groupby(df["instance"].astype(str).str.split("/").str[0], sort=False):
        fam = _FAMILIES.get(str(name))
        row = {"family": name, "model": fam.description.split(":")[0] if fam else "",
               "max_price_diff": g.max(), "instance": None, "solver": None, "tier": None, "success": None,
               "max_price_diff_accepted": accepted[g.index].max()}
        if g.notna().any():
            at = df.loc[g.idxmax()]
            row.update(instance=at["instance"], solver=at["solver"], tier=at["tier"], success=bool(at["success"]))
        rows.append(row)
    return pd.DataFrame(rows)


def performance_ratios(records) -> pd.DataFrame:
    """Dolan–Moré ratios r[p, s] = t[p, s] / min_s t[p, s], problems p = (instance, tier); inf = failed."""
    df = _frame(records)
    t = df["time_total"].where(df["success"].astype(bool), np.inf).astype(float)
    table = df.assign(t=t).pivot_table(index=["instance", "tier"], columns="solver", values="t", aggfunc="min")
    best = table.min(axis=1)
    return table.div(best.where(np.isfinite(best)), axis=0).fillna(np.inf)


def performance_profile(records, taus=None) -> pd.DataFrame:
    """rho_s(tau): fraction of problems solver s solves within tau times the best time."""
    ratios = performance_ratios(records)
    finite = ratios.to_numpy()[np.isfinite(ratios.to_numpy())]
    if taus is None:
        top = max(2.0, float(finite.max()) * 1.05) if finite.size else 2.0
        taus = np.unique(np.concatenate([[1.0], np.sort(finite), [top]]))
    return pd.DataFrame({s: [(ratios[s] <= tau).mean() for tau in taus] for s in ratios.columns},
                        index=pd.Index(taus, name="tau"))


def plot_profiles(records, path: str | Path) -> Path:
    """One Dolan–Moré panel per tier (log2 tau), saved to `path`."""
    try:
        import matplotlib
    except ImportError:
        raise InputError('the performance-profile figure needs matplotlib: pip install "optmarkets[bench]"') from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = _frame(records)
    tiers = list(dict.fromkeys(df["tier"]))
    fig, axes = plt.subplots(1, len(tiers), figsize=(4.5 * len(tiers), 3.6), squeeze=False, sharey=True)
    for ax, tier in zip(axes[0], tiers):
        prof = performance_profile(df[df["tier"] == tier])
        for solver in prof.columns:
            ax.step(np.log2(prof.index), prof[solver], where="post", label=solver)
        ax.set(title=f"tier {tier}", xlabel=r"$\log_2 \tau$", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(r"fraction solved within $\tau \times$ best")
    axes[0][-1].legend(loc="lower right")
    fig.suptitle("Dolan–Moré performance profiles (total time)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def overhead(records) -> pd.DataFrame:
    """Per instance: optmarkets' HiGHS times and the modeling overhead over raw highspy."""
    df = _frame(records)
    df = df[(df["solver"] == REFERENCE) & df["success"].astype(bool) & df["time_raw_highs"].notna()]
    if df.empty:
        return pd.DataFrame()
    g = df.groupby(["instance", "tier"], sort=False).agg(
        size=("size", "first"), nnz=("nnz", "first"), build=("time_build", "min"),
        compile=("time_compile", "min"), solve=("time_solve", "min"), total=("time_total", "min"),
        certify=("time_certify", "min"), raw_highs=("time_raw_highs", "min"))
    g["overhead"] = g["total"] / g["raw_highs"]
    g["overhead_with_certificate"] = (g["total"] + g["certify"]) / g["raw_highs"]
    return g


def report(records, out_dir: str | Path | None = None, *, shift: float = SHIFT) -> str:
    """The text report; with `out_dir`, also report.md, summary.csv, overhead.csv, performance_profile.png."""
    df = _frame(records)
    summ, over = summary(df, shift), overhead(df)
    fmt = {"success_rate": "{:.0%}".format}
    text = [f"# optmarkets benchmark: {len(df)} records, {df['instance'].nunique()} instances",
            "", f"## Solvers (shifted geometric mean of total time, shift {shift:g} s; failures charged the limit)",
            "", summ.to_string(index=False, formatters=fmt, float_format="{:.3g}".format)]
    diffs = price_differences(df)
    if diffs["max_price_diff"].notna().any():
        text += ["", f"## Largest price difference from {REFERENCE} (default options), by family (over solvers, "
                     "tiers, sizes and seeds; the record it comes from; over the accepted records only)", "",
                 diffs.to_string(index=False, float_format="{:.3g}".format)]
    if len(over):
        text += ["", "## Modeling overhead vs raw HiGHS (optmarkets total / highspy passModel+run)", "",
                 over.to_string(float_format="{:.4g}".format)]
    failed = df[~df["success"].astype(bool)]
    if len(failed):
        text += ["", f"## Unsuccessful records ({len(failed)})", "",
                 failed[["instance", "solver", "tier", "status", "error", "primal_residual", "dual_residual",
                         "relative_gap"]].to_string(index=False, max_colwidth=60)]
    out = "\n".join(text)
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        summ.to_csv(folder / "summary.csv", index=False)
        over.to_csv(folder / "overhead.csv")
        plot_profiles(df, folder / "performance_profile.png")
        (folder / "report.md").write_text(out + "\n\n![profiles](performance_profile.png)\n")
    return out
