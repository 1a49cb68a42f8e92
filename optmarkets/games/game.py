"""Finite games (possibly with a payoff-relevant state) and information structures.

A payoff u_i is an *outcome array*: axis 0 the state when the game has states, then one axis per
player's action in the order of `players`. u_i[w, a_1, .., a_n] is player i's payoff when the state
is w and the players take actions a. Labelled payoffs (pandas or xarray) are aligned by label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..builders.game_labels import as_index, outcome_array
from ..builders.games import MeasureAxes
from ..core.errors import InputError
from ..core.limits import game_size, information_size
from ..core.validate import probabilities, real_array

RESERVED = ("state",)


class FiniteGame:
    """A finite game: players, their actions, payoffs over outcomes, optional states and a prior.

    players: a list of distinct names. actions: {player: list of labels} (or a list in player
    order; an int n means 0..n-1). payoffs: {player: outcome array} — numpy arrays with axes
    (state if any, then the players' actions in player order), or pandas/xarray objects aligned by
    label. states/prior: the payoff-relevant states and their prior (both or neither).
    """

    def __init__(self, players: Sequence[str], actions, payoffs, states=None, prior=None, *, name: str = "game"):
        self.name = name
        self.players = _players(players)
        self.actions = _actions(actions, self.players)
        if states is None:
            if prior is not None:
                raise InputError("prior: given without states; pass states=[...] as well")
            self.states, self.prior = None, np.ones(1)
        else:
            self.states = as_index("states", states, axis_name="state")
            if prior is None:
                raise InputError("prior: required when states are given (one probability per state)")
            if isinstance(prior, pd.Series):
                prior = outcome_array("prior", prior, {"state": self.states})
            self.prior = probabilities("prior", prior, length=len(self.states))
        if not isinstance(payoffs, Mapping):
            if isinstance(payoffs, Sequence) and len(payoffs) == len(self.players):
                payoffs = dict(zip(self.players, payoffs, strict=True))
            else:
                raise InputError("payoffs: expected {player: outcome array}")
        unknown = [p for p in payoffs if p not in self.players]
        missing = [p for p in self.players if p not in payoffs]
        if unknown or missing:
            raise InputError(f"payoffs: players {unknown} are not in the game; players {missing} have no payoff")
        game_size([len(self.actions[p]) for p in self.players], len(self.prior)).check()
        axes = self.outcome_axes()
        self.payoffs = {p: outcome_array(f"payoffs['{p}']", payoffs[p], axes) for p in self.players}

    # ------------------------------------------------------------ shapes and labels
    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def has_states(self) -> bool:
        return self.states is not None

    def outcome_axes(self) -> dict[str, pd.Index]:
        """The labelled axes of a payoff: state (if any), then each player's actions."""
        axes = {} if self.states is None else {"state": self.states}
        axes.update({p: self.actions[p] for p in self.players})
        return axes

    def outcome_shape(self) -> tuple[int, ...]:
        return tuple(len(ix) for ix in self.outcome_axes().values())

    def payoff(self, player: str, *, with_state: bool = False) -> np.ndarray:
        """u_player as an array (with a leading state axis of length 1 when asked and the game has none)."""
        if player not in self.players:
            raise InputError(f"player: '{player}' is not a player of the game ({list(self.players)})")
        u = self.payoffs[player]
        return u[None] if with_state and self.states is None else u

    def outcome(self, name: str, data) -> np.ndarray:
        """Validate data over outcomes (an objective, say) as a payoff is validated."""
        return outcome_array(name, data, self.outcome_axes())

    def welfare(self) -> np.ndarray:
        return np.sum([self.payoffs[p] for p in self.players], axis=0)

    def event(self, /, **selections) -> np.ndarray:
        """The indicator (0/1 floats) of an event over the outcome axes (state if any, then each player's
        action: a payoff's shape). Each keyword names a player or `state`; its value is one label or a
        list of labels; a player not named may take any action. E.g.
        `game.event(state="G", p1="invest", p2="invest")`: "both invest in state G". Its expectation
        under a decision rule is the event's probability, so it is an objective as it stands:
        `correlated_equilibrium(game, game.event(p1="C", p2="C"))` maximises P(both play C). An
        unknown player or label is an InputError naming it and listing the valid ones."""
        from .events import event

        return event(self, selections)

    def expectation(self, model, objective="welfare"):
        """E_mu[objective] under the decision rule `mu` of `model` (built on this game by
        `correlated_equilibrium` / `bayes_correlated_equilibrium`), an affine cvxpy expression for
        `om.frontier(model, {"P(both invest)": game.expectation(model, game.event(...)), "welfare":
        game.expectation(model)})`. objective: as for those engines ("welfare", a player, an outcome
        array such as an event, or [(weight, selection), ...])."""
        from .events import expectation

        if getattr(model, "game", None) is not self:
            raise InputError("model: was not built on this game (use the game passed to correlated_equilibrium "
                             "or bayes_correlated_equilibrium)")
        return expectation(model, objective)

    def measure_axes(self, signals: Mapping[str, pd.Index] | None = None, *,
                     support: np.ndarray | None = None) -> MeasureAxes:
        """The decision rule's axes; support: the kept (state, signal profile) cells (None: all)."""
        signals = signals or {}
        return MeasureAxes(self.players, tuple(self.actions[p] for p in self.players), self.states,
                           tuple(signals.get(p) for p in self.players), support)

    # ------------------------------------------------------------ problems (instance files call these)
    def correlated_equilibrium_problem(self, objective="welfare", sense: str = "max", symmetric: bool | str = False):
        """The correlated-equilibrium LP of this game (no states) -> om.Model; see `correlated_equilibrium`
        (symmetric: solved on the orbits of the players' symmetry)."""
        from .equilibrium import correlated_equilibrium

        return correlated_equilibrium(self, objective, sense=sense, symmetric=symmetric)

    def bayes_correlated_equilibrium_problem(self, objective="welfare", signals=None, sense: str = "max",
                                             symmetric: bool | str = False):
        """The BCE LP under private signals {player: states x signals table} -> om.Model.

        objective: "welfare", a player's name, or an outcome array (state, actions), e.g. a
        persuader's payoff when the game has one player (the receiver). symmetric: as in
        `bayes_correlated_equilibrium`.
        """
        from .equilibrium import bayes_correlated_equilibrium

        info = InformationStructure(self, signals) if signals else None
        return bayes_correlated_equilibrium(self, info, objective, sense=sense, symmetric=symmetric)

    def to_xarray(self, player: str):
        """u_player as a labelled xarray.DataArray."""
        import xarray as xr

        axes = self.outcome_axes()
        return xr.DataArray(self.payoffs[player], coords=axes, dims=list(axes), name=player)

    # ------------------------------------------------------------ matrix games
    @classmethod
    def bimatrix(cls, A, B, actions=None, players: Sequence[str] = ("row", "column"), *,
                 name: str = "game") -> FiniteGame:
        """The two-player game (A, B), both in the row player's orientation: A[i, j] is the row
        player's payoff and B[i, j] the COLUMN player's payoff when the row player plays i and the
        column player plays j (so B is not transposed). actions: None (0..m-1, 0..n-1, or a
        DataFrame's labels), (row's labels, column's labels) or {player: labels}."""
        from .matrix import bimatrix

        return bimatrix(A, B, actions, players, name=name)

    @classmethod
    def symmetric(cls, A, n_players: int = 2, actions=None, players: Sequence[str] | None = None, *,
                  name: str = "game") -> FiniteGame:
        """The symmetric game where each player's payoff is A[own action, other's action] (two
        players; for n players A has n axes: own action, then the others' in player order, and must
        not depend on who among the others plays what). actions: the labels all players share."""
        from .matrix import symmetric

        return symmetric(A, n_players, actions, players, name=name)

    # ------------------------------------------------------------ Gambit
    @classmethod
    def from_nfg(cls, path) -> FiniteGame:
        """Read a Gambit strategic-form file (payoff or outcome version)."""
        from .nfg import read_nfg

        return read_nfg(path)

    def to_nfg(self, path, *, outcomes: bool = False) -> None:
        """Write a Gambit strategic-form file (the payoff-list version; `outcomes=True`: outcome version)."""
        from .nfg import write_nfg

        write_nfg(self, path, outcomes=outcomes)

    def __repr__(self) -> str:
        acts = ", ".join(f"{p}: {len(self.actions[p])}" for p in self.players)
        st = f", {len(self.states)} states" if self.states is not None else ""
        return f"<FiniteGame '{self.name}': {self.n_players} players ({acts}){st}>"


class InformationStructure:
    """Private signals: {player: P(t_i | state)}, a states x signals table (rows sum to one).

    Signals are drawn independently given the state. A DataFrame is aligned by label to the game's
    states (its columns are the signal labels); an array must have one row per state (signals are
    then labelled 0..T-1). Players not named observe nothing beyond their recommendation.
    """

    def __init__(self, game: FiniteGame, signals: Mapping[str, object] | None = None):
        if not isinstance(game, FiniteGame):
            raise InputError(f"game: expected a FiniteGame, got {type(game).__name__}")
        self.game = game
        if signals is not None and not isinstance(signals, Mapping):
            raise InputError(f"signals: expected {{player: states x signals table}}, got {type(signals).__name__}")
        signals = dict(signals or {})
        unknown = [p for p in signals if p not in game.players]
        if unknown:
            raise InputError(f"signals: {unknown} are not players of the game ({list(game.players)})")
        if signals and game.states is None:
            raise InputError("signals: the game has no states, so a private signal carries no information; "
                             "pass states=[...] and prior=[...] to the game")
        states: pd.Index = game.states if game.states is not None else pd.Index(["all"], name="state")
        self.signals: dict[str, pd.Index] = {}
        self.likelihoods: dict[str, np.ndarray] = {}
        for p, pi in signals.items():
            name = f"signals['{p}']"
            if isinstance(pi, pd.DataFrame):
                labels = as_index(f"{name} columns", pi.columns, axis_name=f"signal_{p}")
                arr = outcome_array(name, pi.rename_axis(index=None, columns=None),
                                    {"state": states, f"signal_{p}": labels})
            else:
                arr = real_array(name, pi, what="a states x signals table of numbers")
                if arr.ndim != 2 or arr.shape[0] != len(states):
                    raise InputError(f"{name}: has shape {arr.shape}, expected ({len(states)}, signals) "
                                     "(rows: states, columns: signals)")
                labels = pd.Index(range(arr.shape[1]), name=f"signal_{p}")
            for w, row in zip(states, arr, strict=True):
                probabilities(f"{name} row {w!r}", row)
            self.signals[p], self.likelihoods[p] = labels, arr
        information_size(len(states), [len(s) for s in self.signals.values()]).check()  # likelihood_matrix's size

    def measure_axes(self, *, support: np.ndarray | None = None) -> MeasureAxes:
        """The decision rule's axes under these signals; support: the kept cells (None: all)."""
        return self.game.measure_axes(self.signals, support=support)

    def cell_mass(self, prior=None) -> np.ndarray:
        """prior[w] * prod_i P(t_i | w), flat over (state, signal of each player) in C order."""
        return (self.likelihood_matrix() * np.asarray(self.game.prior if prior is None else prior)[:, None]).reshape(-1)

    def likelihood_matrix(self) -> np.ndarray:
        """(states, signal profiles): prod_i P(t_i | w), uninformed players contributing a factor 1."""
        out = np.ones((len(self.game.prior), 1))
        for p in self.game.players:
            lik = self.likelihoods.get(p, np.ones((out.shape[0], 1)))
            out = (out[:, :, None] * lik[:, None, :]).reshape(out.shape[0], -1)
        return out


def _players(players) -> tuple[str, ...]:
    if isinstance(players, str) or not isinstance(players, Sequence | pd.Index):
        raise InputError(f"players: expected a list of names, got {type(players).__name__}")
    players = tuple(players)
    if not players:
        raise InputError("players: must not be empty")
    bad = [p for p in players if not isinstance(p, str) or p in RESERVED or p.startswith("signal_")]
    if bad:
        raise InputError(f"players: names must be strings other than 'state' and 'signal_*', got {bad}")
    if len(set(players)) != len(players):
        raise InputError(f"players: duplicate names in {list(players)}")
    return players


def _actions(actions, players: tuple[str, ...]) -> dict[str, pd.Index]:
    if isinstance(actions, Mapping):
        unknown = [p for p in actions if p not in players]
        missing = [p for p in players if p not in actions]
        if unknown or missing:
            raise InputError(f"actions: players {unknown} are not in the game; players {missing} have no actions")
        return {p: as_index(f"actions['{p}']", actions[p], axis_name=p) for p in players}
    if isinstance(actions, Sequence) and not isinstance(actions, str) and len(actions) == len(players):
        return {p: as_index(f"actions['{p}']", a, axis_name=p) for p, a in zip(players, actions, strict=True)}
    raise InputError(f"actions: expected {{player: list of actions}} for players {list(players)}")
