"""Size limits: every engine estimates its arrays and its LP from the inputs' counts before allocating.

A game with many players, an information structure with many signals or a mechanism with many agents
grows as a product of counts, and the arrays it needs (payoffs over action profiles, a decision rule
over states x signal profiles x action profiles, values over type profiles) outgrow memory long before
anything is solved. Each engine first calls its estimator below -- counts in Python ints, so nothing
overflows and nothing is allocated -- and refuses, with an `InputError` giving the estimate, what is
above the limits:

    MAX_ENTRIES    10,000,000   numbers in any one engine's data: labels of one axis, a game's payoffs
                                (players x states x action profiles), an information structure's
                                likelihoods (states x signal profiles), an environment's values
                                (agents x type profiles x outcomes), the cells of one decision rule
    MAX_NONZEROS   50,000,000   nonzeros of one LP's constraint matrix (about 6 GB while cvxpy compiles
                                it: a 2-player, 170-action correlated equilibrium has 1e7 and peaks at
                                1.2 GB; it then takes minutes to solve)

Estimators (one per engine; `optmarkets.app.instances` estimates instance files with the same ones):
`labels_size`, `game_size`, `information_size`, `bce_size` (correlated and Bayes correlated
equilibrium, persuasion, segmentation), `environment_size`, `mechanism_size`.

Raise the limits for a block of code (this thread or task only) or for the whole process:

    with om.limits(max_nonzeros=10**8):      # a context manager; om.limits() alone reads them
        model = om.correlated_equilibrium(game)
    om.set_limits(max_entries=10**8)          # process-wide; returns the previous Limits
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from numbers import Real

from .errors import InputError

#: The most numbers any one engine's data may hold (see the module docstring).
MAX_ENTRIES = 10_000_000
#: The most nonzeros of one LP's constraint matrix (see the module docstring).
MAX_NONZEROS = 50_000_000

HOW = "raise it with om.limits({key}=...) (a with-block) or om.set_limits({key}=...)"


@dataclass(frozen=True)
class Limits:
    """The limits in force: max_entries and max_nonzeros (positive numbers; math.inf: no limit)."""

    max_entries: float = MAX_ENTRIES
    max_nonzeros: float = MAX_NONZEROS


_lock = threading.Lock()
_process = Limits()  # set_limits: every thread and task without a `limits` block of its own
_scoped: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("optmarkets_limits", default=None)


def current() -> Limits:
    """The limits in force here: those of the innermost `limits` block, else the process-wide ones."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    with _lock:
        return _process


def _updated(base: Limits, max_entries: object, max_nonzeros: object) -> Limits:
    new: dict[str, float] = {}
    for key, value in (("max_entries", max_entries), ("max_nonzeros", max_nonzeros)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Real) or not float(value) > 0:  # NaN fails too
            raise InputError(f"{key}: must be a positive number (math.inf: no limit), got {value!r}")
        new[key] = math.inf if math.isinf(float(value)) else int(float(value))
    return replace(base, **new)


def set_limits(*, max_entries: float | None = None, max_nonzeros: float | None = None) -> Limits:
    """Set the process-wide limits (None keeps one); returns the previous ones (pass them back to restore)."""
    global _process
    with _lock:
        previous = _process
        _process = _updated(previous, max_entries, max_nonzeros)
    return previous


@contextmanager
def limits(*, max_entries: float | None = None, max_nonzeros: float | None = None) -> Iterator[Limits]:
    """A block with other limits (None keeps one), for this thread or task only; yields the limits in force."""
    token = _scoped.set(_updated(current(), max_entries, max_nonzeros))
    try:
        yield current()
    finally:
        _scoped.reset(token)


# ---------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Estimate:
    """What an engine would allocate, counted from its inputs: `entries` (its largest data), and for an
    LP its `variables`, `rows` and constraint `nonzeros`; `detail` says how the count is made."""

    engine: str
    entries: int
    detail: str
    variables: int = 0
    rows: int = 0
    nonzeros: int = 0

    @property
    def size(self) -> int:
        """The number an instance file's max_size is compared with: nonzeros for an LP, else entries."""
        return self.nonzeros or self.entries

    def check(self) -> Estimate:
        """self, or an InputError when the estimate is above the limits in force."""
        lim = current()
        if self.nonzeros > lim.max_nonzeros:
            raise InputError(f"{self.engine}: size: the LP is estimated at {self.nonzeros:,} nonzeros "
                             f"({self.variables:,} variables, {self.rows:,} rows; {self.detail}), above the limit "
                             f"{_text(lim.max_nonzeros)}; {HOW.format(key='max_nonzeros')}")
        if self.entries > lim.max_entries:
            raise InputError(f"{self.engine}: size: estimated at {self.entries:,} entries ({self.detail}), above "
                             f"the limit {_text(lim.max_entries)}; {HOW.format(key='max_entries')}")
        return self


def _text(limit: float) -> str:
    return f"{limit:,}" if isinstance(limit, int) else str(limit)


def _counts(name: str, counts: Sequence[int]) -> list[int]:
    out = [int(c) for c in counts]
    if any(c < 0 for c in out):
        raise InputError(f"{name}: counts must be non-negative, got {out}")
    return out


def labels_size(name: str, n: int) -> Estimate:
    """One axis of n labels (actions, states, signals, types)."""
    return Estimate(name, int(n), "labels")


def game_size(action_counts: Sequence[int], n_states: int = 1, *, engine: str = "FiniteGame") -> Estimate:
    """A finite game's payoffs: one array per player over (state, action profile)."""
    m = _counts("actions", action_counts)
    profiles = math.prod(m)
    states = f"{n_states:,} states x " if n_states != 1 else ""
    return Estimate(engine, len(m) * n_states * profiles, f"payoffs: {len(m)} players x {states}{profiles:,} action "
                    "profiles")


def information_size(n_states: int, signal_counts: Sequence[int], *,
                     engine: str = "InformationStructure") -> Estimate:
    """An information structure's likelihood of each signal profile in each state."""
    profiles = math.prod(_counts("signals", signal_counts))
    return Estimate(engine, n_states * profiles, f"likelihoods: {n_states:,} states x {profiles:,} signal profiles")


def bce_size(action_counts: Sequence[int], n_states: int = 1, signal_counts: Sequence[int] | None = None, *,
             cells: int | None = None, engine: str = "bayes_correlated_equilibrium") -> Estimate:
    """The (Bayes) correlated-equilibrium LP over mu[state, signal profile, action profile]
    (`games.equilibrium`): one variable per action profile of each (state, signal profile) cell with
    mass; consistency rows: those cells, one nonzero per variable; obedience rows (player i, its
    signal, recommended, deviation), each variable in m_i - 1 of player i's rows. signal_counts: per
    player (None or 1: observes nothing). cells: how many (state, signal profile) cells have mass
    (prior x likelihoods > 0: the engine builds only those); None: every cell of the product."""
    m = _counts("actions", action_counts)
    t = _counts("signals", signal_counts or [1] * len(m))
    if len(t) != len(m):  # the engine names the mismatch; count the informed players' signals
        t = (t + [1] * len(m))[:len(m)]
    profiles, signals = math.prod(m), math.prod(t)
    every = n_states * signals
    kept = every if cells is None else min(max(int(cells), 0), every)
    variables = kept * profiles
    rows = kept + sum(ti * mi * (mi - 1) for ti, mi in zip(t, m, strict=True))
    nonzeros = variables * (1 + sum(mi - 1 for mi in m))
    factors = [(n_states, "states"), (signals, "signal profiles"), (profiles, "action profiles")]
    detail = " x ".join(f"{c:,} {what}" for c, what in factors if c != 1 or what == "action profiles")
    if kept != every:
        detail = f"{kept:,} of the {every:,} (state, signal profile) cells have mass x {profiles:,} action profiles"
    return Estimate(engine, variables, detail, variables=variables, rows=rows, nonzeros=nonzeros)


def segmentation_size(n_values: int, kept: int, *, engine: str = "segmentation") -> Estimate:
    """The segmentation LP (`games.design.segmentation`): mu over the `kept` values with mass x n prices and as
    many suffix masses S (`builders.segmentation.price_obedience`); rows consistency (kept), suffix (kept x n),
    obedience (n (n - 1)) and the profit floor; nonzeros 3 per mu entry (consistency, suffix, floor), 2 per S
    entry, 2 per obedience row."""
    n, k = int(n_values), min(max(int(kept), 0), int(n_values))
    variables = 2 * k * n
    rows = k + k * n + n * (n - 1) + 1
    nonzeros = 5 * k * n + 2 * n * (n - 1)
    return Estimate(engine, variables, f"{k:,} values with mass x {n:,} prices, with their suffix masses",
                    variables=variables, rows=rows, nonzeros=nonzeros)


def environment_size(type_counts: Sequence[int], n_outcomes: int, *,
                     engine: str = "MechanismEnvironment") -> Estimate:
    """A mechanism environment's values: per agent, its value of each outcome at each type profile."""
    k = _counts("types", type_counts)
    profiles = math.prod(k)
    return Estimate(engine, len(k) * profiles * n_outcomes,
                    f"values: {len(k)} agents x {profiles:,} type profiles x {n_outcomes:,} outcomes")


def mechanism_size(type_counts: Sequence[int], n_outcomes: int, *, ic: str | None = "bayesian",
                   ir: str | None = "interim", budget: str | None = None, interdependent: bool = False,
                   engine: str = "mechanism_design") -> Estimate:
    """The designer's LP (`mechanisms.design`): allocation (P, O) and payment (P, n); an IC row holds
    two utilities of O + 1 nonzeros per others' profile it averages over (Bayesian: P_-i, ex post: 1,
    dominant with interdependent values: one row per reported and true others' profile)."""
    k = _counts("types", type_counts)
    n, O = len(k), int(n_outcomes)
    P = math.prod(k)
    rows, nonzeros = P, P * O  # lottery
    for ki in k:
        others = P // ki if ki else 0
        if ic == "bayesian":
            rows += ki * (ki - 1)
        elif ic in ("ex_post", "dominant"):
            rows += ki * (ki - 1) * others * (others if ic == "dominant" and interdependent else 1)
        if ic in ("bayesian", "ex_post", "dominant"):
            wide = others if ic == "dominant" and interdependent else 1
            nonzeros += (ki - 1) * P * wide * 2 * (O + 1)
        if ir in ("interim", "ex_post"):
            rows += ki if ir == "interim" else P
        if ir is not None:  # each row averages over the others' profiles (interim, ex ante) or is one profile
            nonzeros += P * (O + 1)
    if ir == "ex_ante":
        rows += n
    if budget is not None:
        rows, nonzeros = rows + P, nonzeros + P * n
    return Estimate(engine, P * O, f"{n} agents, {P:,} type profiles x {O:,} outcomes; ic={ic}, ir={ir}",
                    variables=P * (O + n), rows=rows, nonzeros=nonzeros)


__all__ = ["MAX_ENTRIES", "MAX_NONZEROS", "Estimate", "Limits", "bce_size", "current", "environment_size",
           "game_size", "information_size", "labels_size", "limits", "mechanism_size", "set_limits"]
