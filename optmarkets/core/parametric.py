"""`value_function(model, parameter, start, end)`: the optimal value of an LP along a straight path of
one parameter, p(t) = start + t (end - start), t in [0, 1] (the solver layer walks it: `solvers.value_function`).

Here the request is checked in the model's own terms: the parameter is one of `model.parameters`, each
endpoint passes the model's validation (`model.bind` raises the InputError naming the parameter), the model
is an LP solved by its own program (no integers, affine; no strategy that solves another program).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import CapabilityError, InputError
from .seam import solvers


def value_function(model: Any, parameter: str, start: Any, end: Any, *, exact: bool = False) -> Any:
    """The ValueFunction of `model`'s optimal value along p(t) = start + t (end - start): `.breakpoints`,
    `.pieces`, `vf(t)`, `vf.left(t)`, `vf.right(t)`, `.infeasible`, `.points`, `.regimes`, `.to_frame()`;
    exact=True adds `.exact_breakpoints` (Fractions), `.exact_values`, `.exact_pieces` and `.verified`."""
    from .strategies import Lexicographic, Plain

    if not isinstance(parameter, str) or parameter not in model.parameters:
        raise InputError(f"parameter: {parameter!r} is not a parameter of model '{model.name}'; "
                         f"parameters: {list(model.parameters)}")
    if not isinstance(exact, bool):
        raise InputError(f"exact: must be True or False, got {exact!r}")
    ends = [model.bind(**{parameter: value}).value_of(parameter) for value in (start, end)]  # validated
    with np.errstate(over="ignore"):
        if not np.isfinite(ends[1] - ends[0]).all():
            raise InputError(f"end: end - start overflows for '{parameter}' (entries near the float limit 1.8e308); "
                             "the path's data would not be numbers")
    if model.has_integers or not model.is_lp:
        raise CapabilityError(f"model: '{model.name}' is not an LP (integer variables or non-affine terms); "
                              "value_function walks LP bases")
    if model.strategy is not None and not isinstance(model.strategy, Plain | Lexicographic):
        raise CapabilityError(f"model: '{model.name}' is solved by a {type(model.strategy).__name__} strategy, "
                              "whose value is not its own program's optimum")
    with model.exclusive:
        return solvers().value_function(model, parameter, ends[0], ends[1], exact=exact)
