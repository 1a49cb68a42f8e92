"""A model's LP (or MILP) as a standard file, MPS or LP, through HiGHS's own writer.

What is written is the standard form HiGHS receives (`ranging.model_form`: the same rows, columns,
bounds and costs a solve hands HiGHS), at the model's current parameter values, with

- the objective in the model's own sense and units: a max model is written as a maximisation with
  the model's costs, and the objective's constant as HiGHS's objective offset (MPS: the objective
  row's RHS, negated as the format says; LP: a constant term). So the optimal value HiGHS reads back
  is the model's optimal value, constant included;
- row names `family[i]` (a space in a name written as `_`), i the row's position in the family's
  flattened C order (the order of its prices and labels), and column names `variable[j]`, j the
  entry's position in the C order of the variable's shape (cvxpy lays a variable's columns out in
  Fortran order; the names follow the labels, not the columns). The LP format reserves `[` `]` for
  quadratic terms, so LP files spell the same names `family(i)` and `variable(j)`;
- each row as HiGHS receives it: `sign * (lhs - rhs) <= 0` or `= 0` with the constant moved to the
  right, the sign cvxpy chose (`RowBlock.sigma`; a `>=` family becomes `<=` rows of the negation);
- integer and boolean variables as integer columns (booleans bounded by [0, 1]).

A model whose objective or families are not affine (conic) raises CapabilityError; a path whose
folder is missing or not writable, or whose suffix is not the format's (`.mps`, `.lp`), InputError; so is, for
the LP format, a family or variable name the format cannot carry (`LP_NAME`: e.g. `1st`, `.a`, `a:b`). The file
is written beside the path and renamed onto it: a refusal leaves an existing file as it was.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np

from ..core.errors import CapabilityError, InputError, SolverFailedError
from ..core.strategies import BestOf
from .highs import RejectedLPError
from .ranging import ModelForm, model_form

#: the formats HiGHS writes, by the suffix it reads the format from
FORMATS = {"mps": ".mps", "lp": ".lp"}
#: how a name's position is written, per format (the LP format reads `[...]` as a quadratic term)
BRACKETS = {"mps": ("[", "]"), "lp": ("(", ")")}
#: the symbols an LP name may hold besides letters, digits and '.': CPLEX's, less those HiGHS does not write
LP_SYMBOLS = '!"#$%&(),;?@_{}~'
#: a name the LP format carries: no digit or period first (CPLEX's rule; HiGHS reads a digit as a number)
LP_NAME = re.compile(f"[A-Za-z{re.escape(LP_SYMBOLS)}][A-Za-z0-9.{re.escape(LP_SYMBOLS)}]*")


def export(model: Any, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write `model` to `path` as `fmt` ("mps" or "lp"; None: read from the suffix); return the path.

    See the module docstring for what is written and the names of rows and columns."""
    target = _target(path, fmt)
    fmt = target.suffix.lower().lstrip(".")
    form = standard_form(model)
    h = highs_model(form, row_names(form, fmt), column_names(form, fmt))
    import highspy

    # written beside the target (the suffix names the format), renamed onto it once whole: a refusal leaves it
    temporary = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        try:
            status = h.writeModel(str(temporary))
        except (OSError, RuntimeError) as exc:
            raise InputError(f"path: cannot write '{path}' ({exc})") from None
        if status == highspy.HighsStatus.kWarning:  # HiGHS found a name it cannot write: r0, c0, ... instead
            raise InputError(f"path: '{path}' not written: a family or variable name of model '{model.name}' holds "
                             f"a character the {fmt.upper()} format cannot carry")
        if status != highspy.HighsStatus.kOk or not temporary.is_file():
            raise InputError(f"path: HiGHS could not write '{path}' (status {status.name})")
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise InputError(f"path: cannot write '{path}': {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _target(path: str | os.PathLike, fmt: str | None) -> Path:
    """The checked output path: the format's suffix, an existing writable folder."""
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise InputError(f"path: expected a file name, got {path!r}")
    target = Path(path)
    suffix = target.suffix.lower()
    if fmt is None:
        fmt = next((f for f, s in FORMATS.items() if s == suffix), None)
        if fmt is None:
            raise InputError(f"path: '{path}' has the suffix {suffix or '(none)'!r}; "
                             f"expected one of {', '.join(FORMATS.values())}")
    if fmt not in FORMATS:
        raise InputError(f"fmt: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if suffix != FORMATS[fmt]:
        raise InputError(f"path: '{path}' must end in {FORMATS[fmt]} for the {fmt.upper()} format "
                         f"(HiGHS picks the format from the suffix)")
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"path: '{path}' is a folder, not a file")
    if not folder.is_dir():
        raise InputError(f"path: no folder '{folder}' for '{path}'")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InputError(f"path: cannot write '{path}' (permission denied)")
    return target


def _affine(model: Any) -> bool:
    obj = model.objective
    return obj is not None and obj.is_affine() and all(
        f.lhs.is_affine() and (not isinstance(f.rhs, cp.Expression) or f.rhs.is_affine())
        for f in model.families.values())


def standard_form(model: Any) -> ModelForm:
    """`ranging.model_form` for an LP; for a MILP the same reading with the integer columns kept."""
    if model.objective is None:
        raise InputError(f"objective: model '{model.name}' has none; call maximize() or minimize()")
    if not _affine(model):
        raise CapabilityError(f"model '{model.name}': only LPs and MILPs (affine objective and families) can be "
                              "written as MPS or LP files; this model is conic")
    if isinstance(model.strategy, BestOf):
        raise CapabilityError(
            f"model '{model.name}': its solve is the best of {len(model.strategy.candidates)} programs (one per "
            f"candidate '{model.strategy.parameter}'), not one LP; write a candidate's program from a model "
            "without that strategy")
    return model_form(model, integers=model.has_integers)  # a MILP keeps its integer columns


def file_names(kind: str, names: list[str], fmt: str = "mps") -> dict[str, str]:
    """Each name as a standard file writes it: whitespace as `_` (HiGHS writes no name with whitespace; it would fall
    back to r0, c0, ...: Yang's 'revenue floor' is written revenue_floor); two names that would then read alike, or
    an empty one, are an InputError; so is, for the LP format, a name outside `LP_NAME` (a digit first reads as a
    number: HiGHS cannot read the file back)."""
    written = {name: "_".join(name.split()) for name in names}
    texts = list(written.values())
    for name, text in written.items():
        if not text or texts.count(text) > 1:
            raise InputError(f"{kind} '{name}': a name written to a standard file needs a non-blank name that no "
                             f"other {kind} of the model reads as once its spaces are written as '_'")
        if fmt == "lp" and not LP_NAME.fullmatch(text):
            raise InputError(f"{kind} '{name}': the LP format cannot carry this name: it must begin with a letter or "
                             f"one of {LP_SYMBOLS} and hold only ASCII letters, digits, those symbols and '.'; "
                             "rename it, or write MPS (to_mps)")
    return written


def row_names(form: ModelForm, fmt: str = "mps") -> list[str]:
    """Each standard-form row's name: `family[i]`, i in the family's C order (`(i)` for the LP format)."""
    open_, close = BRACKETS[fmt]
    names = [""] * form.lp.A.shape[0]
    written = file_names("family", list(form.blocks), fmt)
    for name, block in form.blocks.items():
        for i, row in enumerate(block.rows_c_order().tolist()):
            names[row] = f"{written[name]}{open_}{i}{close}"
    return names


def column_names(form: ModelForm, fmt: str = "mps") -> list[str]:
    """Each column's name: `variable[j]`, j in the C order of the variable's shape (`(j)` for LP)."""
    open_, close = BRACKETS[fmt]
    n = form.lp.A.shape[1]
    names = [""] * n
    written = file_names("variable", list(form.columns), fmt)
    for name, (offset, shape) in form.columns.items():
        size = int(np.prod(shape)) if shape else 1
        # cvxpy's columns run in Fortran order: the column of C-order entry j
        columns = offset + np.arange(size).reshape(shape or (1,), order="F").reshape(-1)
        for j, col in enumerate(columns.tolist()):
            names[col] = f"{written[name]}{open_}{j}{close}"
    unnamed = [j for j, s in enumerate(names) if not s]
    if unnamed:
        raise SolverFailedError("export", "HIGHS", "no_column_map",
                                f"{len(unnamed)} columns belong to no variable of the model")
    return names


def highs_model(form: ModelForm, rows: list[str] | None = None, columns: list[str] | None = None) -> Any:
    """A highspy.Highs holding `form` in the model's sense, costs and constant (and the names given)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    try:
        form.lp.load_into(h)
    except RejectedLPError as exc:
        raise SolverFailedError("export", "HIGHS", "rejected", str(exc)) from None
    n = form.lp.A.shape[1]
    if form.sense == "max":  # the form minimises -objective: write the model's own maximisation
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        if n:
            h.changeColsCost(n, np.arange(n, dtype=np.int32), form.sign * form.lp.c)
    h.changeObjectiveOffset(float(form.sign * form.offset))
    for i, name in enumerate(rows or []):
        h.passRowName(i, name)
    for j, name in enumerate(columns or []):
        h.passColName(j, name)
    return h
