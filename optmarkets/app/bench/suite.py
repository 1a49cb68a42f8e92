"""`optmarkets bench suite --out DIR --size small|medium|large`: a library of economics LPs with exact optima.

Each instance is an optmarkets model written as an MPS file (`Model.to_mps`: rows `family[i]`, columns
`variable[j]`, the objective in the model's sense with its constant as the objective offset), with its
optimal value in floating point (HiGHS) and in rationals (`Solution.exact()`: the optimal basis solved
and checked exactly on the model's LP with each coefficient read as exact() reads it, `read_rational`:
the simplest rational within half an ulp of its float, or, where that one's denominator exceeds 2^20,
the simplest within 1, 2, 4, 8 or 16 ulps, the narrowest of these whose denominator is at most 2^20
(`core.exact_values.WIDEN_ULPS`; the half-ulp one where none is); an exact parameter's rationals as given).
So the exact value is that of an LP whose coefficients may lie up to 16 ulps from the file's, not always
of the file's LP itself. `manifest.json` lists per instance

    name, file, rows, cols, nnz, sense, optimal_value, optimal_value_exact ("p/q" or null),
    verified, reason (why not verified: exact() refused the size or failed), provenance
    (model, parameters, optmarkets version, sha256 of the file)

The sizes are cumulative (medium holds small, large holds medium):
- small (>= 20): every LP of the instance files in `models/` (the four papers' worked examples,
  games, persuasion; paper values such as Yang's 11/24 and 37/96 among them), the benchmark families
  (`bench.problems`: GLP P_q and FB', Yang DB-C, HS mechanism, BDHN revenue) at their smoke sizes,
  CE / BCE, persuasion, segmentation, mechanism design, and degenerate ones (a textbook degenerate
  vertex; P_q's optimal vertices are degenerate);
- medium: the families at their benchmark sizes, larger games, markets and mechanisms;
- large: up to ~1e6 nonzeros (P_q with 100 types, Yang's DB-C with 20: 747,181); its own instances are
  verified up to LARGE_EXACT_ROWS rows, the others listed unverified with exact()'s reason.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ...core.errors import InputError
from ...core.model import Model

SIZES = ("small", "medium", "large")
MANIFEST = "manifest.json"
SCHEMA = 1
#: the large suite's own instances are verified exactly up to this many rows (build time: exact() on the
#: random P_q of 50 types, 2,500 rows, pivoted ~3 minutes without a verdict); above, listed with the reason
LARGE_EXACT_ROWS = 2000


@dataclass
class SuiteEntry:
    """One instance of the suite: how to build its model, and what it is (for the provenance)."""

    name: str
    model: str  # e.g. "PersonalDataEconomy.platform_problem" or "bench:glp_platform"
    parameters: dict
    build: Callable[[], Model | None] = field(repr=False)  # None: not an LP of the suite (skipped)
    solve_options: dict = field(default_factory=dict)
    exact_rows: int | None = None  # exact()'s max_rows for this entry (None: exact()'s default)


# ------------------------------------------------------------------------------------------------ the entries
def _instance_file_entries() -> list[SuiteEntry]:
    """Every [solve.KEY] of the instance files (the papers' worked examples) that is one LP."""
    from .. import instances

    out = []
    for path in sorted(instances.instance_dir().glob("*.toml")):
        inst = instances.load(path)
        for key, spec in inst.solves.items():
            def build(inst: Any = inst, key: str = key) -> Model | None:
                try:
                    return inst.factory(key)()
                except InputError:  # the [solve] gives a table or a number, not a Model
                    return None
            out.append(SuiteEntry(f"{path.stem}.{key}", f"{inst.model}.{spec['method']}",
                                  {"instance_file": path.name, "solve": key, "data": inst.data,
                                   "args": spec.get("args", {})}, build))
    return out


def _family_entries(sizes: dict[str, tuple[int, ...]]) -> list[SuiteEntry]:
    """The benchmark families (`bench.problems`) at the given sizes, seed 0."""
    from .problems import family

    out = []
    for name, ns in sizes.items():
        fam = family(name)
        for n in ns:
            def build(fam: Any = fam, n: int = n) -> Model:
                return fam.instance(n, 0).model
            options = {"rule": None} if name == "hs_mechanism" else {}
            out.append(SuiteEntry(f"{name}-n{n}", f"bench:{name}", {"size": n, "seed": 0,
                                                                     "description": fam.description}, build, options))
    return out


def _random_game(k: int, seed: int) -> Any:
    import optmarkets as om

    rng = np.random.default_rng([seed, k])
    u = rng.integers(0, 10, (2, k, k)).astype(float)
    return om.FiniteGame(["row", "col"], {"row": k, "col": k}, {"row": u[0], "col": u[1]}, name=f"random{k}")


def _correlated_equilibrium(k: int, sense: str) -> Model:
    import optmarkets as om

    return om.correlated_equilibrium(_random_game(k, 0), sense=sense)


def _game_entries(ks: Iterable[int]) -> list[SuiteEntry]:
    out = []
    for k in ks:
        for sense in ("max", "min"):  # the best and the worst correlated equilibrium by welfare
            out.append(SuiteEntry(f"ce-random-{k}x{k}-{sense}", "correlated_equilibrium",
                                  {"actions": k, "payoffs": "integers 0..9, seed [0, k]", "objective": "welfare",
                                   "sense": sense},
                                  partial(_correlated_equilibrium, k, sense)))
    return out


def _bce_entry() -> SuiteEntry:
    import optmarkets as om

    good, bad = np.array([[6, 2], [7, 0]]), np.array([[2, 0], [3, -4]])

    def build() -> Model:
        game = om.FiniteGame(["row", "col"], {"row": ["yield", "dare"], "col": ["yield", "dare"]},
                             {"row": np.stack([good, bad]), "col": np.stack([good.T, bad.T])},
                             states=["good", "bad"], prior=[0.5, 0.5])
        info = om.InformationStructure(game, {"row": [[0.9, 0.1], [0.2, 0.8]]})
        return om.bayes_correlated_equilibrium(game, info, "welfare")
    return SuiteEntry("bce-chicken-states", "bayes_correlated_equilibrium",
                      {"game": "chicken with a good/bad state (docs/games.md)", "signal": [[0.9, 0.1], [0.2, 0.8]]},
                      build)


def _segmentation_entries(ks: Iterable[int]) -> list[SuiteEntry]:
    import optmarkets as om

    out = []
    for k in ks:
        rng = np.random.default_rng([1, k])
        market = np.round(rng.dirichlet(np.ones(k)), 6)
        market[-1] = round(1.0 - market[:-1].sum(), 6)  # six decimals that sum to one
        for objective in ("consumer_surplus", "total_surplus"):
            out.append(SuiteEntry(f"segmentation-{k}-{objective}", "segmentation",
                                  {"values": list(range(1, k + 1)), "market": market.tolist(), "objective": objective},
                                  partial(om.segmentation, np.arange(1.0, k + 1), market, objective)))
    return out


def _persuasion_entries(ks: Iterable[int]) -> list[SuiteEntry]:
    import optmarkets as om

    out = []
    for k in ks:  # k states, k actions: the receiver matches the state, the sender wants high actions
        prior = np.full(k, 1.0 / k)
        sender = np.tile(np.arange(k, dtype=float), (k, 1))
        out.append(SuiteEntry(f"persuasion-{k}", "persuasion",
                              {"states": k, "prior": "uniform", "receiver": "identity", "sender": "action index"},
                              partial(om.persuasion, list(range(k)), prior, list(range(k)), np.eye(k), sender)))
    return out


def _mechanism_entries(ks: Iterable[int]) -> list[SuiteEntry]:
    """Two bidders with k types each, one good: the optimal auction (revenue, Bayesian IC, interim IR)
    and the efficient-without-subsidies welfare LP."""
    import optmarkets as om

    out = []
    for k in ks:
        types = list(range(1, k + 1))

        def build(k: int = k, types: list = types, objective: str = "revenue") -> Model:
            values = {b: np.array([[0.0, t if b == "b1" else 0.0, t if b == "b2" else 0.0] for t in types])
                      for b in ("b1", "b2")}
            env = om.MechanismEnvironment({"b1": types, "b2": types}, ["none", "b1", "b2"],
                                          {"b1": [1.0 / k] * k, "b2": [1.0 / k] * k}, values)
            if objective == "revenue":
                return om.mechanism_design(env)
            return om.mechanism_design(env, "welfare", budget="no_subsidies")
        for objective in ("revenue", "welfare"):
            out.append(SuiteEntry(f"auction-{k}-{objective}", "mechanism_design",
                                  {"bidders": 2, "types": types, "prior": "uniform", "objective": objective},
                                  partial(build, objective=objective)))
    return out


def _textbook_entry() -> SuiteEntry:
    def build() -> Model:
        import cvxpy as cp

        from ...core.family import family

        model = Model("textbook degenerate vertex", sense="max")
        x = model.variable("x", 2, nonneg=True)
        model.constrain("cap", family(x, "<=", [1.0, 1.0]))
        model.constrain("joint", family(cp.hstack([cp.sum(x)]), "<=", [2.0]))
        model.maximize(cp.sum(x))
        return model
    return SuiteEntry("textbook-degenerate-vertex", "Model", {"lp": "max x + y, x <= 1, y <= 1, x + y <= 2"}, build)


def entries(size: str) -> list[SuiteEntry]:
    """The instances of the suite `size` (cumulative: medium holds small, large holds medium)."""
    if size not in SIZES:
        raise InputError(f"size: expected one of {', '.join(SIZES)}, got {size!r}")
    out = [*_instance_file_entries(), _textbook_entry(), _bce_entry(),
           *_family_entries({"glp_platform": (4, 8), "glp_first_best": (4,), "yang_broker": (3, 5),
                             "hs_mechanism": (3, 5), "bdhn_revenue": (3, 5)}),
           *_game_entries((3,)), *_segmentation_entries((4,)), *_persuasion_entries((3,)), *_mechanism_entries((2,))]
    if size in ("medium", "large"):
        out += [*_family_entries({"glp_platform": (10, 25), "glp_first_best": (10, 25), "yang_broker": (10,),
                                  "hs_mechanism": (10, 20), "bdhn_revenue": (10, 20)}),
                *_game_entries((8,)), *_segmentation_entries((20,)), *_persuasion_entries((10,)),
                *_mechanism_entries((4,))]
    if size == "large":
        large = [*_family_entries({"glp_platform": (50, 100), "glp_first_best": (50,), "yang_broker": (20,),
                                   "hs_mechanism": (50,), "bdhn_revenue": (40,)}),
                 *_game_entries((30,)), *_segmentation_entries((100,)), *_persuasion_entries((40,)),
                 *_mechanism_entries((8,))]
        for entry in large:  # exact pivots on P_q with 50 random types: ~3 minutes, then no verdict
            entry.exact_rows = LARGE_EXACT_ROWS
        out += large
    return out


# ------------------------------------------------------------------------------------------------ writing
def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("optmarkets")
    except PackageNotFoundError:  # a source tree that is not installed
        return "(not installed)"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _suite_model(entry: SuiteEntry) -> Model | None:
    """The entry's model if it is one LP of the suite (a MILP, a best-of-several or a table is not)."""
    from ...core.strategies import BestOf

    model = entry.build()
    if not isinstance(model, Model) or not model.is_lp or isinstance(model.strategy, BestOf):
        return None
    return model


def write_instance(entry: SuiteEntry, out: Path, *, max_rows: int | None = None,
                   written: dict[str, str] | None = None) -> dict | None:
    """Build, solve, verify exactly and write one instance; its manifest record (None: not an LP, or the
    same file as an instance in `written`, sha256 -> name, already written)."""
    from ...solvers.export import standard_form

    model = _suite_model(entry)
    if model is None:
        return None
    file = out / f"{entry.name}.mps"
    model.to_mps(file)
    digest = sha256(file)
    if written is not None:
        if digest in written:  # the same LP reached another way (row generation's full LP, say)
            file.unlink()
            return None
        written[digest] = entry.name
    form = standard_form(model)
    start = time.perf_counter()
    sol = model.solve(**entry.solve_options)
    solve_seconds = time.perf_counter() - start
    record: dict[str, Any] = {
        "name": entry.name, "file": file.name, "rows": int(form.lp.A.shape[0]), "cols": int(form.lp.A.shape[1]),
        "nnz": int(form.lp.A.nnz), "sense": model.sense, "optimal_value": float(sol.value),
        "optimal_value_exact": None, "verified": False, "reason": ""}
    start = time.perf_counter()
    max_rows = max_rows if max_rows is not None else entry.exact_rows
    try:
        cert = sol.exact() if max_rows is None else sol.exact(max_rows=max_rows)
    except Exception as exc:  # exact() failing is a verdict on this instance, recorded with its reason
        record["reason"] = f"exact() failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
    else:
        record["verified"] = bool(cert.verified)
        if cert.verified:
            record["optimal_value_exact"] = fraction_text(Fraction(cert.value))
        else:
            record["reason"] = cert.reason or "exact() did not verify the optimum"
    record["time_float_solve"] = solve_seconds
    record["time_exact"] = time.perf_counter() - start
    record["provenance"] = {"model": entry.model, "parameters": _jsonable(entry.parameters),
                            "optmarkets_version": version(), "sha256": digest}
    return record


def build_suite(out: str | Path, size: str = "small", *, only: Iterable[str] | None = None,
                max_rows: int | None = None, progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Write the suite `size` into the folder `out` (created if missing) and return its manifest.

    only: instance names to keep (a subset, e.g. for tests); max_rows: exact()'s row limit (its
    default when None)."""
    entries_ = entries(size)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {e.name for e in entries_}
        if unknown:
            raise InputError(f"only: no instances {sorted(unknown)} in the {size} suite")
        entries_ = [e for e in entries_ if e.name in wanted]
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"out: '{out}' is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"out: cannot create the folder '{out}' ({exc.strerror})") from None
    from ... import solvers as backends

    backends.silence_highs_banner()
    records: list[dict] = []
    written: dict[str, str] = {}
    for i, entry in enumerate(entries_):
        if progress is not None:
            progress(i, len(entries_), entry.name)
        record = write_instance(entry, folder, max_rows=max_rows, written=written)
        if record is not None:
            records.append(record)
    manifest = {"schema": SCHEMA, "suite": size, "optmarkets_version": version(), "instances": records}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def load_manifest(folder: str | Path) -> dict:
    """The suite's manifest.json (InputError naming `suite` when missing, unreadable or not of the writer's
    shape: `bench.manifest.check`, every instance checked before any file is opened)."""
    from .manifest import check

    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputError(f"suite: no {MANIFEST} in '{folder}' (write one with: optmarkets bench suite --out DIR)")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"suite: cannot read '{path}' ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise InputError(f"suite: cannot read '{path}' (nested too deeply: not a manifest)") from None
    return check(data, path, Path(folder), SCHEMA)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
