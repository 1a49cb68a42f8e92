"""Benchmark statistics: summaries, shifted geometric means, Dolan–Moré profiles, modeling overhead.

matplotlib is imported only inside `plot_profiles`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ...core.errors import InputError
from .config import REFERENCE, SHIFT


def load(path: str | Path) -> pd.DataFrame:
    """Records from a JSONL file, one row each (nested dicts kept as dicts); an InputError if it has none."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"summarize: no file '{path}'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"summarize: cannot read '{path}': {exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            if number == len(text.splitlines()) and not text.endswith("\n"):
                break  # a last record cut short by an interrupted run
            raise InputError(f"summarize: line {number} of '{path}' is not JSON") from None
        if not isinstance(rec, dict) or not {"instance", "solver", "tier", "success"} <= set(rec):
            raise InputError(f"summarize: line {number} of '{path}' is not a benchmark record")
        rows.append(rec)
    if not rows:
        raise InputError(f"summarize: '{path}' has no benchmark records")
    return pd.DataFrame(rows)


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
