"""What a benchmark runs: the accuracy tiers, the configuration (TOML, preset or dict), solver options."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ... import solvers as backends
from ...core.errors import InputError
from ...core.solve import MAX_TOL
from .problems import _FAMILIES, ProblemFamily, families

SCHEMA = "optmarkets.bench/1"
#: the benchmark's accuracy tiers: the tolerance each run asks its solver for (experiment settings, `--tiers`)
TIERS = {"low": 1e-3, "medium": 1e-6, "high": 1e-9}  # not a tolerance: settings the bench passes to solvers
ACCEPT = 10.0  # a solve is accepted when its recomputed residuals are <= ACCEPT * tier tolerance
SHIFT = 10.0  # seconds, for the shifted geometric mean
REFERENCE = "HIGHS"
#: the most cold solves per record (`repeat`, config and --repeat): the fastest of 100 is a stable timing
MAX_REPEAT = 100


@dataclass
class BenchConfig:
    """What to run. families: name -> sizes (None: every available family at its smoke sizes)."""

    families: dict[str, list[int]] | None = None
    solvers: list[str] | str | None = None  # None: HIGHS and CLARABEL where installed; "all": every one
    tiers: dict[str, float] = field(default_factory=lambda: {"medium": TIERS["medium"]})
    seeds: list[int] = field(default_factory=lambda: [0])
    time_limit: float = 60.0
    repeat: int = 1  # solves per record, 1..MAX_REPEAT; the fastest is kept (each one cold)
    raw_highs: bool = True

    @classmethod
    def load(cls, source: str | Path | dict | BenchConfig | None) -> BenchConfig:
        """From a TOML file, a preset name (e.g. "smoke", see `presets`), a dict, or None (defaults).

        A config is data: every key and value is checked (an InputError naming the field), and none
        of them names a file. Every family size is checked against the engines' size limits
        (`ProblemFamily.check_size`: the LP's nonzeros estimated from the size, at most
        `core.limits.MAX_NONZEROS` by default) and `repeat` is at most MAX_REPEAT, here, before anything
        is built.
        """
        if source is None:
            return cls()
        if isinstance(source, BenchConfig):
            data = {k: getattr(source, k) for k in cls.__dataclass_fields__}
        elif isinstance(source, dict):
            data = dict(source)
        elif isinstance(source, str | Path):
            path = _config_file(source)
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"config: cannot read {path}: {exc}") from None
            except tomllib.TOMLDecodeError as exc:
                raise InputError(f"config: {path.name} is not valid TOML: {exc}") from None
        else:
            raise InputError(f"config: expected a file, a preset name or a dict, got {type(source).__name__}")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(f"config: unknown keys {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**_checked(data))

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
        chosen: list[str]
        if self.solvers == "all" or self.solvers == ["all"]:
            chosen = backends.available()
        elif isinstance(self.solvers, list) and self.solvers:
            chosen = self.solvers
        else:
            chosen = [s for s in (REFERENCE, "CLARABEL") if s in backends.available()]
        names = [backends.get(s).name for s in chosen]
        return sorted(dict.fromkeys(names), key=lambda s: s != REFERENCE)  # the reference first


def presets() -> list[str]:
    """The preset configs shipped with the package (optmarkets/app/bench/presets/*.toml): smoke, overhead, full."""
    return sorted(p.name.removesuffix(".toml") for p in _PRESETS.iterdir() if p.name.endswith(".toml"))


def preset(name: str) -> Traversable:
    """The packaged preset config `name` (a file in the installed package, wheel or source tree)."""
    if not _PRESET_NAME.fullmatch(name) or not (_PRESETS / f"{name}.toml").is_file():
        raise InputError(f"config: no preset '{name}'; presets: {', '.join(presets())}")
    return _PRESETS / f"{name}.toml"


def _config_file(source: str | Path) -> Path | Traversable:
    """A config given by name or path: the file itself, else ./benchmarks/NAME.toml (a local preset), else
    the packaged preset NAME, so that `optmarkets bench smoke` runs from any folder on an installed wheel."""
    path = Path(source)
    if path.is_file():
        return path
    local = Path("benchmarks") / f"{source}.toml"
    if local.is_file():
        return local
    if _PRESET_NAME.fullmatch(str(source)) and (_PRESETS / f"{source}.toml").is_file():
        return _PRESETS / f"{source}.toml"
    raise InputError(f"config: no file '{source}' and no preset '{source}'; presets: {', '.join(presets())}")


_PRESETS = resources.files("optmarkets.app.bench") / "presets"
_PRESET_NAME = re.compile(r"[A-Za-z0-9_-]+")  # a bare name: never a path into or out of the package


def _checked(data: dict) -> dict:
    """The config's values, each of the right kind, or an InputError naming the field."""
    out = dict(data)
    fams = data.get("families")
    if fams is not None:
        if not isinstance(fams, dict) or not all(isinstance(k, str) for k in fams):
            raise InputError(f"families: expected a table name -> sizes, got {fams!r}")
        out["families"] = {name: _whole(sizes, f"families.{name}", positive=True) for name, sizes in fams.items()}
        for name, sizes in out["families"].items():  # an unknown name is refused by `plan`
            fam = _FAMILIES.get(name)
            if fam is not None:
                for size in sizes:
                    fam.check_size(size)  # counted from the size alone: nothing is built
    solvers = data.get("solvers")
    if solvers is not None and solvers != "all" and (
            not isinstance(solvers, list) or not all(isinstance(s, str) and s for s in solvers)):
        raise InputError(f"solvers: expected a list of solver names or 'all', got {solvers!r}")
    if "tiers" in data:
        tiers = data["tiers"]
        if not isinstance(tiers, dict) or not tiers:
            raise InputError(f"tiers: expected a table name -> tolerance, got {tiers!r}")
        out["tiers"] = {}
        for name, tol in tiers.items():
            if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 < tol <= MAX_TOL:
                # a tier is the solve's tol too (its accuracy check accepts residuals of that order)
                raise InputError(f"tiers: tolerance of '{name}' must be a number in (0, {MAX_TOL:g}] (the "
                                 f"loosest tol a solve takes), got {tol!r}")
            out["tiers"][str(name)] = float(tol)
    if "seeds" in data:
        out["seeds"] = _whole(data["seeds"], "seeds")
    if "time_limit" in data:
        limit = data["time_limit"]
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit < float("inf"):
            raise InputError(f"time_limit: must be a positive number of seconds, got {limit!r}")
        out["time_limit"] = float(limit)
    if "repeat" in data:
        repeat = data["repeat"]
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise InputError(f"repeat: must be a whole number from 1 to {MAX_REPEAT}, got {repeat!r}")
    if "raw_highs" in data and not isinstance(data["raw_highs"], bool):
        raise InputError(f"raw_highs: must be true or false, got {data['raw_highs']!r}")
    return out


def _whole(values, what: str, positive: bool = False) -> list[int]:
    if (not isinstance(values, list) or not values
            or not all(isinstance(v, int) and not isinstance(v, bool) and (v > 0 or (not positive and v >= 0))
                       for v in values)):
        kind = "positive" if positive else "non-negative"
        raise InputError(f"{what}: expected a non-empty list of {kind} whole numbers, got {values!r}")
    return [int(v) for v in values]


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
