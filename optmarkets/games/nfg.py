"""Gambit strategic-form (.nfg) files: read both versions of the format, write either.

Payoff version:   NFG 1 R "title" { "P1" "P2" } { 3 2 } ["comment"]  u_1(s) u_2(s) ... for every profile s
Outcome version:  NFG 1 R "title" { "P1" "P2" } { { "s11" "s12" "s13" } { "s21" "s22" } } ["comment"]
                  { { "name" u_1, u_2 } ... }  then one outcome number (1-based; 0 = all zero) per profile s

Profiles are listed with the first player's strategy varying fastest (Fortran order over the
players' action axes). Payoffs may be integers, decimals or rationals such as 3/4.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from .game import FiniteGame

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|([^\s{},"]+)|,|\s+', re.S)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise InputError(f"nfg: cannot read the file at character {pos}: {text[pos:pos + 20]!r}")
        if m.group(1) is not None:
            out.append(("str", m.group(1).replace('\\"', '"').replace("\\\\", "\\")))
        elif m.group(2) is not None:
            out.append((m.group(2), m.group(2)))
        elif m.group(3) is not None:
            out.append(("num", m.group(3)))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self, kind: str) -> str:
        if self.peek() != kind:
            got = self.tokens[self.i][1] if self.i < len(self.tokens) else "end of file"
            raise InputError(f"nfg: expected {kind!r} at token {self.i}, got {got!r}")
        self.i += 1
        return self.tokens[self.i - 1][1]

    def strings(self) -> list[str]:
        self.take("{")
        out = []
        while self.peek() == "str":
            out.append(self.take("str"))
        self.take("}")
        return out


def _number(text: str) -> float:
    try:
        return float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise InputError(f"nfg: {text!r} is not a number") from None


def read_nfg(path) -> FiniteGame:
    """A FiniteGame from a Gambit .nfg file (payoff or outcome version)."""
    r = _Reader(_tokens(Path(path).read_text()))
    if r.take("num") != "NFG":
        raise InputError("nfg: the file does not start with 'NFG'")
    r.take("num")  # version
    r.take("num")  # R (rational) or D (decimal)
    title = r.take("str")
    players = r.strings()
    r.take("{")
    if r.peek() == "{":  # outcome version: strategy names
        actions = []
        while r.peek() == "{":
            actions.append(r.strings())
        r.take("}")
    else:
        counts = []
        while r.peek() == "num":
            counts.append(int(r.take("num")))
        r.take("}")
        actions = [[str(k + 1) for k in range(c)] for c in counts]
    if len(actions) != len(players):
        raise InputError(f"nfg: {len(players)} players but {len(actions)} strategy lists")
    if r.peek() == "str":
        r.take("str")  # the comment
    shape = tuple(len(a) for a in actions)
    n_prof = int(np.prod(shape))
    if r.peek() == "{":  # outcome list, then one outcome number per profile
        r.take("{")
        outcomes = [np.zeros(len(players))]
        while r.peek() == "{":
            r.take("{")
            if r.peek() == "str":
                r.take("str")
            vals = []
            while r.peek() == "num":
                vals.append(_number(r.take("num")))
            r.take("}")
            if len(vals) != len(players):
                raise InputError(f"nfg: outcome {len(outcomes)} has {len(vals)} payoffs for {len(players)} players")
            outcomes.append(np.array(vals))
        r.take("}")
        idx = [int(r.take("num")) for _ in range(n_prof)]
        if max(idx) >= len(outcomes) or min(idx) < 0:
            raise InputError("nfg: an outcome number names no outcome")
        table = np.array([outcomes[k] for k in idx])
    else:
        vals = [_number(r.take("num")) for _ in range(n_prof * len(players))]
        table = np.array(vals).reshape(n_prof, len(players))
    if r.peek() is not None:
        raise InputError(f"nfg: unexpected data after the payoffs (token {r.i})")
    payoffs = {p: table[:, i].reshape(shape, order="F") for i, p in enumerate(players)}
    return FiniteGame(players, dict(zip(players, actions, strict=True)), payoffs, name=title or "game")


def _quote(s) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def write_nfg(game: FiniteGame, path, *, outcomes: bool = False) -> None:
    """Write `game` (without states) as a Gambit .nfg file; `outcomes=True` writes the outcome version."""
    if game.has_states:
        raise InputError("game: has states; a Gambit strategic form has none")
    players = " ".join(_quote(p) for p in game.players)
    table = np.column_stack([game.payoffs[p].reshape(-1, order="F") for p in game.players])
    lines = []
    if outcomes:
        strategies = "\n".join("{ " + " ".join(_quote(a) for a in game.actions[p]) + " }" for p in game.players)
        lines.append(f"NFG 1 R {_quote(game.name)} {{ {players} }}\n\n{{ {strategies}\n}}\n\"\"\n\n{{")
        lines += ["{ " + _quote("") + " " + ", ".join(_fmt(x) for x in row) + " }" for row in table]
        lines.append("}\n" + " ".join(str(k + 1) for k in range(len(table))))
    else:
        counts = " ".join(str(len(game.actions[p])) for p in game.players)
        lines.append(f"NFG 1 R {_quote(game.name)} {{ {players} }} {{ {counts} }}\n")
        lines.append(" ".join(_fmt(x) for x in table.reshape(-1)))
    Path(path).write_text("\n".join(lines) + "\n")
