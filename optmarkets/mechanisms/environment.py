"""MechanismEnvironment: finite agents, types, outcomes, a prior over type profiles and values.

Type profiles are flattened in C order over the agents' type axes (agent order): profile p of
`env.profiles` (a pandas MultiIndex named by the agents). `env.value[agent]` is the (P, O) array of
that agent's value of each outcome at each true profile; `env.prior_flat` the prior over profiles.

Exact data. The prior is read once in rationals (`env.prior_exact`, python-flint fmpq): each marginal
(or the joint prior) as the simplest rationals of its floats (0.1 is 1/10) where these share a denominator
of at most 256 bits, else as its floats' binary values (random priors: their simplest rationals would
need 35,000-bit denominators at 1,296 profiles), normalised exactly, the joint as their product;
`env.prior` is its rounding, and `env.beliefs_exact` the interim beliefs in rationals. Both are built when
first read (`env.prior_rationals`, `env.beliefs_rationals`: `core.exact_values.Rationals`): the floats are
n / total on Python's integers, correctly rounded, and only exact() needs the fmpq. The mechanism LP
keeps them in Parameters (`core.exact_values`), so `Solution.exact()` reads its objective and interim
rows from the same rationals (consistent: the revenue is the interim rows' weights summed)
rather than from floats that are products rounded one by one (issue 32).

Zero-probability types. A type with zero marginal probability gets no weight in any objective.
Its interim beliefs about the others are those of the prior when they are defined: with an
independent prior (given as {agent: marginal}) they are the product of the others' marginals, so
its interim IC and IR rows are kept; with a joint prior whose marginal is zero at that type they
are undefined (`env.beliefs[agent]` holds NaN on that row) and the type has no interim IC or IR
row. Ex-post and dominant rows hold at every profile, with or without probability. Other types
may still report a zero-probability type, so its allocation and payment are constrained by
their IC rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..builders.incentives import profile_map
from ..core.errors import InputError
from ..core.exact_values import Rationals, distribution, frozen
from ..core.limits import environment_size
from ..core.tolerances import PROB_TOL
from ..core.validate import as_vector, axis_order, label_sequence, probabilities, real_array


def _labels(name: str, items) -> pd.Index:
    idx = pd.Index(list(label_sequence(name, items)))
    if len(idx) == 0:
        raise InputError(f"{name}: must not be empty")
    if idx.has_duplicates:
        raise InputError(f"{name}: duplicate label {idx[idx.duplicated()][0]!r}")
    return idx


def _by_label(name: str, data, labels: pd.Index, what: str) -> np.ndarray:
    """A vector over `labels` from a Mapping or a pandas Series keyed by label, or a plain sequence."""
    if isinstance(data, Mapping | pd.Series):
        keys = list(data.keys())
        unknown = [k for k in keys if k not in labels]
        if unknown:
            raise InputError(f"{name}: unknown {what} {unknown[0]!r}; {what}s are {list(labels)}")
        data = [data.get(k, 0.0) for k in labels]
    return real_array(name, data)


def _quotients(numerators: np.ndarray, denominators: np.ndarray) -> Rationals:
    """numerators / denominators entrywise (Python ints; a denominator of 0: undefined, NaN and None): the floats
    by Python's int division, which rounds correctly as float(fmpq) does (tested), and the fmpq when exact() reads
    them (a read-only array, its floats kept: `core.exact_values.frozen`)."""
    pairs = list(zip(numerators.ravel().tolist(), np.asarray(denominators).ravel().tolist(), strict=True))
    rounded = np.array([n / d if d else np.nan for n, d in pairs], dtype=float).reshape(numerators.shape)

    def build() -> np.ndarray:
        import flint

        exact = np.empty(len(pairs), dtype=object)
        exact[:] = [flint.fmpq(n, d) if d else None for n, d in pairs]
        return frozen(exact.reshape(numerators.shape), rounded)

    return Rationals(rounded, build)


def _product(marginals: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
    """Independent marginals, each (integer numerators, total), as their joint: the numerators' outer product in
    C order over the marginals, and the product of the totals."""
    numerators = np.array(1, dtype=object)
    for n, _total in marginals:
        numerators = np.multiply.outer(numerators, n)
    return numerators, math.prod(total for _n, total in marginals)


def _value_list(name: str, v) -> np.ndarray:
    """One agent's possible values (its type labels): a non-empty sequence of finite numbers."""
    if isinstance(v, str | Mapping | pd.DataFrame):
        raise InputError(f"{name}: expected a sequence of numbers, got {type(v).__name__}")
    return as_vector(name, v)


class MechanismEnvironment:
    """A finite mechanism-design environment.

    agents: {agent: its finite types (labels; numbers allowed)}, in agent order.
    outcomes: the finite social outcomes.
    prior: an array over the type profile (axes in agent order) summing to one, a Series over the
        type profiles (MultiIndex levels named after the agents, in any order, or all unnamed and then
        in agent order), or {agent: marginal} for independent types (a marginal: a sequence, or
        {type: probability}).
    values: {agent: V_i}; V_i is (types of i) x outcomes (private values; a DataFrame indexed by
        types with outcome columns is matched by label) or (type profile axes..., outcomes)
        (interdependent values).
    """

    def __init__(self, agents: Mapping, outcomes, prior, values: Mapping):
        if not isinstance(agents, Mapping) or not agents:
            raise InputError("agents: expected a non-empty {agent: types} mapping")
        self.agents: list = list(agents)
        self.types: dict = {a: _labels(f"agents[{a!r}]", ts) for a, ts in agents.items()}
        self.outcomes: pd.Index = _labels("outcomes", outcomes)
        self.sizes: tuple[int, ...] = tuple(len(self.types[a]) for a in self.agents)
        environment_size(self.sizes, len(self.outcomes)).check()  # before anything over the type profiles
        self.n_profiles = int(np.prod(self.sizes))
        names = [str(a) for a in self.agents]
        self.profiles = pd.MultiIndex.from_product([self.types[a] for a in self.agents], names=names)
        self.independent, prior_float = self._prior(prior)
        #: the prior in rationals: the marginals (or the joint prior) read as the simplest rationals of their floats
        #: and normalised exactly, the joint their product; `prior` is its rounding, so that exact() reads the LP
        #: from the same data as the solve (`core.exact_values`; the fmpq are built when exact() reads them)
        self.prior_rationals = self._exact_prior(prior_float)
        self.prior = self.prior_rationals.floats.copy()
        self.prior_flat = self.prior.ravel()
        self.marginals = {a: self.prior_flat[profile_map(self.sizes, i)].sum(axis=1)
                          for i, a in enumerate(self.agents)}
        self.value = self._values(values)
        #: each agent's interim beliefs in rationals (undefined where the type's marginal is 0)
        self.beliefs_rationals = {a: self._belief(i) for i, a in enumerate(self.agents)}
        self.beliefs = {a: b.floats.copy() for a, b in self.beliefs_rationals.items()}  # NaN where undefined

    @property
    def prior_exact(self) -> np.ndarray:
        """The prior in rationals (python-flint fmpq, a read-only array over the type profile), built when first
        read; `prior` is its rounding."""
        return self.prior_rationals.exact()

    @property
    def beliefs_exact(self) -> dict:
        """{agent: its interim beliefs in rationals} (read-only (types, others' profiles) arrays of fmpq, None
        where undefined), built when first read; `beliefs` are their rounding."""
        return {a: b.exact() for a, b in self.beliefs_rationals.items()}

    # ------------------------------------------------------------ constructors
    @classmethod
    def single_item(cls, values, prior=None, *, agents=None) -> MechanismEnvironment:
        """One indivisible item: outcomes "none" and each agent (who gets it); agent i's value for
        its own outcome is its type's value, 0 otherwise.

        values: {agent: its possible values} or a list of them (agents then named b1, b2, ...);
        the values are the type labels. prior: as in the constructor; None is uniform independent.
        """
        if isinstance(values, Mapping):
            agents, vals = list(values), list(values.values())
        elif isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
            raise InputError(f"values: expected {{agent: its values}} or a list of value lists, got "
                             f"{type(values).__name__}")
        else:
            vals = list(values)
            agents = list(agents) if agents is not None else [f"b{i + 1}" for i in range(len(vals))]
        if len(agents) != len(vals):
            raise InputError(f"agents: {len(agents)} names for {len(vals)} value lists")
        if any(a == "none" for a in agents):
            raise InputError("agents: 'none' is the outcome where nobody gets the item; rename the agent")
        vals = [_value_list(f"values[{a!r}]", v) for a, v in zip(agents, vals)]
        outcomes = ["none", *agents]
        V = {}
        for i, (a, v) in enumerate(zip(agents, vals)):
            M = np.zeros((v.size, len(outcomes)))
            M[:, i + 1] = v
            V[a] = M
        types = {a: [int(x) if float(x).is_integer() else float(x) for x in v] for a, v in zip(agents, vals)}
        if prior is None:
            prior = {a: np.full(v.size, 1.0 / v.size) for a, v in zip(agents, vals)}
        return cls(types, outcomes, prior, V)

    # ------------------------------------------------------------ validation
    def _every_agent(self, field: str, given: Mapping, missing_text: str) -> None:
        """A mapping keyed by agent names: no unknown agent, none missing."""
        unknown = [a for a in given if a not in self.types]
        if unknown:
            raise InputError(f"{field}: unknown agent {unknown[0]!r}; agents are {self.agents}")
        missing = [a for a in self.agents if a not in given]
        if missing:
            raise InputError(f"{field}: {missing_text} {missing[0]!r}")

    def _prior(self, prior) -> tuple[bool, np.ndarray]:
        if isinstance(prior, Mapping):
            self._every_agent("prior", prior, "no marginal for agent")
            joint = np.ones(())
            self._given_marginals = []
            for a in self.agents:
                vec = _by_label(f"prior[{a!r}]", prior[a], self.types[a], "type")
                m = probabilities(f"prior[{a!r}]", vec, length=len(self.types[a]))
                self._given_marginals.append(np.asarray(m, dtype=float))
                joint = np.multiply.outer(joint, m)
            return True, np.asarray(joint, dtype=float).reshape(self.sizes)
        if isinstance(prior, pd.Series):
            if not isinstance(prior.index, pd.MultiIndex) and len(self.agents) > 1:
                raise InputError("prior: a Series prior needs a MultiIndex over the type profile")
            prior = pd.Series(prior.to_numpy(), index=self.profile_labels("prior", prior.index))
            bad = [k for k in prior.index if k not in self.profiles]
            if bad:
                raise InputError(f"prior: unknown type profile {bad[0]!r}")
            prior = prior.reindex(self.profiles, fill_value=0.0).to_numpy()
        arr = real_array("prior", prior, what="an array over the type profile")
        if arr.size != self.n_profiles or (arr.shape != self.sizes and arr.shape != (self.n_profiles,)):
            raise InputError(f"prior: has shape {arr.shape}, expected {self.sizes} (one axis per agent) "
                             f"or {{agent: marginal}}")
        if not np.isfinite(arr).all():
            raise InputError("prior: contains NaN or infinite entries")
        if (arr < 0).any():
            raise InputError(f"prior: has a negative entry {arr.min():g}")
        if abs(arr.sum() - 1.0) > PROB_TOL:
            raise InputError(f"prior: sums to {arr.sum():.12g}, must be a distribution summing to 1")
        return False, arr.reshape(self.sizes)

    def _values(self, values) -> dict:
        if not isinstance(values, Mapping):
            raise InputError("values: expected {agent: value array}")
        self._every_agent("values", values, "missing for agent")
        O, out = len(self.outcomes), {}
        for i, a in enumerate(self.agents):
            V = values[a]
            name = f"values[{a!r}]"
            if isinstance(V, pd.DataFrame):
                for lab, have, what in ((V.index, self.types[a], "type"), (V.columns, self.outcomes, "outcome")):
                    bad = [x for x in lab if x not in have]
                    if bad:
                        raise InputError(f"{name}: unknown {what} {bad[0]!r}; {what}s are {list(have)}")
                V = real_array(name, V.reindex(index=self.types[a], columns=self.outcomes))
                if np.isnan(V).any():
                    raise InputError(f"{name}: missing entries for some (type, outcome) labels")
            V = real_array(name, V, what="a numeric array")
            if not np.isfinite(V).all():
                raise InputError(f"{name}: contains NaN or infinite entries")
            if V.shape == (self.sizes[i], O):  # private values: broadcast over the others' types
                shape = [1] * len(self.sizes) + [O]
                shape[i] = self.sizes[i]
                V = np.broadcast_to(V.reshape(shape), (*self.sizes, O))
            elif V.shape != (*self.sizes, O):
                raise InputError(f"{name}: has shape {V.shape}, expected {(self.sizes[i], O)} (types x outcomes, "
                                 f"private) or {(*self.sizes, O)} (profile x outcomes, interdependent)")
            out[a] = np.ascontiguousarray(V.reshape(self.n_profiles, O))
        return out

    def _exact_prior(self, prior_float: np.ndarray) -> Rationals:
        """The prior in rationals: each marginal's (independent) or the joint's entries read as an exact
        distribution (`core.exact_values.distribution`: integer numerators over a total), the joint numerators
        the product of the marginals' over the product of their totals."""
        if self.independent:
            self._marginal_numerators = [distribution(marginal) for marginal in self._given_marginals]
            numerators, total = _product(self._marginal_numerators)
        else:
            numerators, total = distribution(prior_float)
        self._joint_numerators = numerators.reshape(self.sizes)
        return _quotients(self._joint_numerators, np.full(self.sizes, total, dtype=object))

    def _belief(self, i: int) -> Rationals:
        """k_i(. | a), the distribution of the others' profile given agent i's type a, in rationals over
        (types of i, the others' profiles in C order): the product of the others' marginals for an independent
        prior (whatever i's type, one of mass 0 too), else the joint's conditional (undefined where i's type has
        marginal 0)."""
        pm = profile_map(self.sizes, i)
        if self.independent:
            numerators, total = _product([m for j, m in enumerate(self._marginal_numerators) if j != i])
            others = _quotients(numerators.reshape(1, -1), np.full((1, pm.shape[1]), total, dtype=object))
            rounded = np.broadcast_to(others.floats, pm.shape).copy()
            return Rationals(rounded, lambda: frozen(np.broadcast_to(others.exact(), pm.shape), rounded))
        numerators = self._joint_numerators.ravel()[pm]  # joint = numerators / total: the total cancels
        marginals = np.array([sum(row) for row in numerators.tolist()], dtype=object)
        return _quotients(numerators, np.broadcast_to(marginals[:, None], pm.shape))

    # ------------------------------------------------------------ helpers
    def profile_labels(self, name: str, index: pd.Index) -> pd.Index:
        """A type-profile index given with the data (a Series' or DataFrame's) in agent order: levels
        named after the agents are put in agent order by name; unnamed levels are read in agent order
        (by position); an unknown level name, or names on only some levels, are an InputError."""
        names = list(index.names)
        # a level may be named by the agent itself or by its str (the name `profiles` carries)
        by_str = {str(a): a for a in self.agents}
        given = [n if n is None or n in self.agents else by_str.get(str(n), n) for n in names]
        order = axis_order(name, given, self.agents, what="level")
        if order == given and isinstance(index, pd.MultiIndex):
            index = index.reorder_levels([given.index(a) for a in self.agents])
        return index.set_names(self.profiles.names if isinstance(index, pd.MultiIndex) else self.profiles.names[0])

    def agent_index(self, agent) -> int:
        if agent not in self.types:
            raise InputError(f"agent: unknown agent {agent!r}; agents are {self.agents}")
        return self.agents.index(agent)

    def type_index(self, agent, type_) -> int:
        types = self.types[self.agents[self.agent_index(agent)]]
        if type_ not in types:
            raise InputError(f"type: unknown type {type_!r} of agent {agent!r}; types are {list(types)}")
        return int(types.get_loc(type_))

    def value_table(self, agent) -> pd.DataFrame:
        """`agent`'s values as a labelled table: one row per true type profile (`env.profiles`, a
        MultiIndex named by the agents, in C order), one column per outcome (`env.outcomes`); entry
        (profile, outcome) is the agent's value of that outcome when the types are that profile.
        Private values repeat along the others' types. A copy of `env.value[agent]`, the bare
        (profiles, outcomes) array the designer's LP uses."""
        return pd.DataFrame(self.value[self.agents[self.agent_index(agent)]].copy(),
                            index=self.profiles.copy(), columns=self.outcomes.copy())

    @property
    def private(self) -> dict:
        """{agent: whether its values do not depend on the others' types}."""
        return {a: bool(np.allclose(self.value[a][profile_map(self.sizes, i)],
                                    self.value[a][profile_map(self.sizes, i)][:, :1]))
                for i, a in enumerate(self.agents)}

    def __repr__(self) -> str:
        kind = "independent" if self.independent else "joint"
        return (f"<MechanismEnvironment: {len(self.agents)} agents, types {dict(zip(self.agents, self.sizes))}, "
                f"{len(self.outcomes)} outcomes, {kind} prior>")
