"""What a benchmark runs: the accuracy tiers, the configuration (TOML, preset or dict), solver options."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ... import solvers as backends
from ...core.errors import InputError
from .problems import _FAMILIES, ProblemFamily, families

SCHEMA = "optmarkets.bench/1"
TIERS = {"low": 1e-3, "medium": 1e-6, "high": 1e-9}
ACCEPT = 10.0  # a solve is accepted when its recomputed residuals are <= ACCEPT * tier tolerance
SHIFT = 10.0  # seconds, for the shifted geometric mean
REFERENCE = "HIGHS"


@dataclass
class BenchConfig:
    """What to run. families: name -> sizes (None: every available family at its smoke sizes)."""

    families: dict[str, list[int]] | None = None
    solvers: list[str] | str | None = None  # None: HIGHS and CLARABEL where installed; "all": every one
    tiers: dict[str, float] = field(default_factory=lambda: {"medium": TIERS["medium"]})
    seeds: list[int] = field(default_factory=lambda: [0])
    time_limit: float = 60.0
    repeat: int = 1  # solves per record; the fastest is kept (each one cold)
    raw_highs: bool = True

    @classmethod
    def load(cls, source: str | Path | dict | None) -> BenchConfig:
        """From a TOML file, a preset name in ./benchmarks (e.g. "smoke"), a dict, or None (defaults)."""
        if source is None:
            return cls()
        if isinstance(source, dict):
            data = dict(source)
        else:
            path = Path(source)
            if not path.exists():
                path = Path("benchmarks") / f"{source}.toml"
            if not path.exists():
                presets = sorted(p.stem for p in Path("benchmarks").glob("*.toml"))
                raise InputError(f"config: no file '{source}' and no preset benchmarks/{source}.toml; "
                                 f"presets here: {presets}")
            data = tomllib.loads(path.read_text())
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(f"config: unknown keys {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        cfg = cls(**data)
        cfg.tiers = {k: float(v) for k, v in cfg.tiers.items()}
        for name, tol in cfg.tiers.items():
            if not tol > 0:
                raise InputError(f"tiers: tolerance of '{name}' must be positive, got {tol}")
        if cfg.time_limit <= 0:
            raise InputError(f"time_limit: must be positive, got {cfg.time_limit}")
        return cfg

    def plan(self) -> list[tuple[ProblemFamily, int, int]]:
        """(family, size, seed) for every instance; families whose model is absent are skipped."""
        chosen = self.families or {n: list(f.smoke_sizes) for n, f in families().items()}
        out = []
        for name, sizes in chosen.items():
            fam = _FAMILIES.get(name)
            if fam is None:
                raise InputError(f"families: unknown benchmark family '{name}'; known: {', '.join(_FAMILIES)}")
            if not fam.available:
                print(f"bench: skipping family '{name}' (optmarkets.{fam.needs} is not available)", file=sys.stderr)
                continue
            out += [(fam, int(size), int(seed)) for size in sizes for seed in self.seeds]
        return out

    def solver_names(self) -> list[str]:
        if self.solvers == "all" or self.solvers == ["all"]:
            chosen = backends.available()
        else:
            chosen = self.solvers or [s for s in (REFERENCE, "CLARABEL") if s in backends.available()]
        names = [backends.get(s).name for s in chosen]
        return sorted(dict.fromkeys(names), key=lambda s: s != REFERENCE)  # the reference first


def solver_options(solver: str, tol: float | None, time_limit: float | None) -> dict:
    """The backend's options for tolerance `tol`, plus its own time-limit option where it has one."""
    backend = backends.get(solver)
    opts = backend.options(tol)
    limit = _TIME_LIMIT_OPTION.get(backend.cvxpy_name)  # by the cvxpy solver: HIGHS_IPM is HiGHS too
    if time_limit is not None and limit is not None:
        if limit.startswith("scipy_options."):
            opts["scipy_options"] = {**opts.get("scipy_options", {}), limit.split(".", 1)[1]: float(time_limit)}
        else:
            opts[limit] = float(time_limit)
    return opts


_TIME_LIMIT_OPTION = {"HIGHS": "time_limit", "CLARABEL": "time_limit", "SCS": "time_limit_secs",
                      "SCIPY": "scipy_options.time_limit", "GUROBI": "TimeLimit"}
