"""Declarative instance files (TOML) and the registry of paper examples that `optmarkets reproduce` runs.

An instance file names a public model class, its data, the problems to solve and, optionally, the
numbers the paper prints for them:

    title = "..."; source = "..."; model = "PersonalDataEconomy"
    [data]            # constructor arguments
    [solve.NAME]      # method = "platform_problem", args = {q = [0.3, 0.3]}
    [[check]]         # solve = "NAME", output = "value" | a variable/output | "prices.<family>",
                      # loc = [...] (optional), paper = 0.09, formula = "...", tol = 1e-6, note = "..."

Examples that need code (random instances, derived tables) live in each paper's `examples` list;
`optmarkets.app.reproduce` runs both.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..core.errors import InputError
from ..core.model import Model
from ..core.reference import Check
from ..papers.bdhn import InformationSeller
from ..papers.glp import PersonalDataEconomy
from ..papers.hs import MultiProductSeller
from ..papers.yang import DataBroker

#: the model classes an instance file may name (an allow-list: files are data, never code)
MODELS: dict[str, type] = {cls.__name__: cls for cls in
                           (PersonalDataEconomy, DataBroker, MultiProductSeller, InformationSeller)}


@dataclass
class Instance:
    path: Path
    title: str
    source: str
    model: str
    data: dict
    solves: dict[str, dict]
    checks: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    def build(self):
        """The model object (e.g. a PersonalDataEconomy) built from the file's data."""
        cls = MODELS.get(self.model) if isinstance(self.model, str) else None
        if cls is None:
            raise InputError(f"{self.path.name}: model: unknown model class {self.model!r}; "
                             f"one of {sorted(MODELS)}")
        try:
            return cls(**self.data)
        except TypeError as exc:  # a [data] key the class does not take
            raise InputError(f"{self.path.name}: data: {exc}") from None

    def run(self, solve: str, solver: str | None = None):
        """Call the named problem's method; a Model result is solved, anything else returned as is."""
        if solve not in self.solves:
            raise InputError(f"{self.path.name}: solve: no [solve.{solve}]; have {list(self.solves)}")
        spec = self.solves[solve]
        result = _method(self.build(), spec, f"{self.path.name}: [solve.{solve}]")(**spec.get("args", {}))
        return result.solve(solver) if isinstance(result, Model) else result

    def factory(self, solve: str) -> ProblemFactory:
        """`factory(**point)`: the [solve.NAME] Model with data or method arguments replaced by the point's."""
        if solve not in self.solves:
            raise InputError(f"{self.path.name}: solve: no [solve.{solve}]; have {list(self.solves)}")
        return ProblemFactory(self, solve)

    def reproduce(self, solver: str | None = None) -> list[Check]:
        results: dict[str, object] = {}
        rows = []
        for chk in self.checks:
            key = chk["solve"]
            if key not in results:
                results[key] = self.run(key, solver)
            computed = extract(results[key], chk.get("output", "value"), chk.get("loc"))
            rows.append(Check(f"{self.name}", chk["quantity"], chk.get("paper"), computed,
                              chk.get("tol", 1e-6), chk.get("note", chk.get("formula", ""))))
        return rows


class ProblemFactory:
    """An instance file's problem as a sweep factory: point keys name [data] fields or the method's args.

    The model object (e.g. the economy) is rebuilt only when the point changes its data, so a sweep
    over method arguments (the database q of `platform_problem`) re-solves one compiled problem. The
    first object built is kept, so the points sharing the first point's data share its problem.
    """

    def __init__(self, instance: Instance, solve: str):
        self.instance, self.solve = instance, solve
        self.spec = instance.solves[solve]
        self._built: dict[str, object] = {}  # data point -> model object (not pickled)

    def keys(self) -> set[str]:
        return set(self.instance.data) | set(self.spec.get("args", {}))

    def __call__(self, **point) -> Model:
        args = dict(self.spec.get("args", {}))
        unknown = set(point) - self.keys()
        if unknown:
            raise InputError(f"grid: {sorted(unknown)} are neither [data] fields nor arguments of "
                             f"[solve.{self.solve}]; those are {sorted(self.keys())}")
        data_point = {k: v for k, v in point.items() if k in self.instance.data and k not in args}
        args.update({k: v for k, v in point.items() if k not in data_point})
        key = repr(sorted(data_point.items()))
        if key not in self._built:
            if len(self._built) > 1:  # keep the first object built (a warm sweep's anchor) and the last
                self._built.pop(list(self._built)[-1])
            self._built[key] = replace(self.instance, data={**self.instance.data, **data_point}).build()
        result = _method(self._built[key], self.spec, f"{self.instance.path.name}: [solve.{self.solve}]")(**args)
        if not isinstance(result, Model):
            raise InputError(f"{self.instance.path.name}: [solve.{self.solve}] returns a {type(result).__name__}, "
                             "not a Model; sweeps need a problem to solve")
        return result

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_built": {}}  # workers rebuild the model from data


def _method(obj, spec: dict, where: str):
    """The public method an instance file's [solve.NAME] names (files are data: no private names)."""
    name = spec.get("method")
    method = getattr(obj, name, None) if isinstance(name, str) and not name.startswith("_") else None
    if not callable(method):
        raise InputError(f"{where}: method: {type(obj).__name__} has no method {name!r}")
    return method


def extract(result, output: str, loc=None) -> float:
    """A number out of a Solution (value, a variable/output, prices.<family>) or a pandas object."""
    if hasattr(result, "prices") and output.startswith("prices."):
        obj = result.prices[output.removeprefix("prices.")]
    elif hasattr(result, "value") and output == "value":
        obj = result.value
    elif hasattr(result, "keys") and output in set(result.keys()):  # a Solution is not a Mapping
        obj = result[output]
    else:
        obj = result if output in ("value", "") else getattr(result, output)
    if loc is not None:
        obj = obj.loc[tuple(loc)] if isinstance(obj, pd.DataFrame) else obj.loc[loc[0] if len(loc) == 1 else tuple(loc)]
    return float(obj)


def load(path: str | os.PathLike) -> Instance:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"instance: no file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"instance: {path.name} is not valid TOML: {exc}") from None
    for key in ("model", "data", "solve"):
        if key not in raw:
            raise InputError(f"instance: {path.name} has no '{key}'")
    return Instance(path, raw.get("title", path.stem), raw.get("source", ""), raw["model"], raw["data"],
                    raw["solve"], raw.get("check", []))


def instance_dir() -> Path:
    """Where the instance files are: $OPTMARKETS_MODELS, ./models, the source tree, or the wheel's copy."""
    here = Path(__file__).resolve().parent
    candidates = [os.environ.get("OPTMARKETS_MODELS"), Path.cwd() / "models", here.parent / "models",
                  here / "instances"]
    for cand in candidates:
        if cand and Path(cand).is_dir() and any(Path(cand).glob("*.toml")):
            return Path(cand)
    raise InputError("models: no instance folder found; pass --models DIR or set OPTMARKETS_MODELS")


def find(name: str) -> Path:
    """An instance path from a file path or a bare name like 'glp-section-4-1'."""
    path = Path(name)
    if path.is_file():
        return path
    cand = instance_dir() / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    if cand.is_file():
        return cand
    raise InputError(f"instance: no file '{name}' (looked in ./ and {instance_dir()})")
