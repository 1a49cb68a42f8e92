"""Gambit strategic-form (.nfg) files: read both versions of the format, write either.

Payoff version:   NFG 1 R "title" { "P1" "P2" } { 3 2 } ["comment"]  u_1(s) u_2(s) ... for every profile s
Outcome version:  NFG 1 R "title" { "P1" "P2" } { { "s11" "s12" "s13" } { "s21" "s22" } } ["comment"]
                  { { "name" u_1, u_2 } ... }  then one outcome number (1-based; 0 = all zero) per profile s

Profiles are listed with the first player's strategy varying fastest (Fortran order over the
players' action axes). Payoffs may be integers, decimals or rationals such as 3/4.

`read_nfg` reads regular files only; a malformed file is an InputError naming the file and the line,
and the payoffs the declared strategy counts make are checked against the limit max_entries of
`core.limits` (and the players against MAX_PLAYERS) before any table of that size is allocated.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import numpy as np

from ..core.errors import InputError
from ..core.limits import HOW, current, game_size
from .game import FiniteGame

#: Largest number of players: a payoff array has one axis per player (and one for a state), and numpy
#: arrays have at most 64 axes (32 before numpy 2).
MAX_PLAYERS = 32

_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([{}])|([^\s{},"]+)|,|\s+', re.S)
# what Gambit writes: integers, decimals (with an exponent) and rationals of integers
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_RATIONAL = re.compile(r"([+-]?[0-9]+)/([0-9]+)")
_KINDS = {"num": "a number", "str": "a quoted string", "{": "'{'", "}": "'}'"}


class _Reader:
    """The file's tokens (kind, text, line) and a cursor; every error names the file and the line."""

    def __init__(self, text: str, name: str):
        self.name, self.tokens, self.i = name, [], 0
        pos, line = 0, 1
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                self.fail(f"cannot read {text[pos:pos + 20]!r} (a quoted name without its closing quote?)", line)
            if m.group(1) is not None:
                self.tokens.append(("str", m.group(1).replace('\\"', '"').replace("\\\\", "\\"), line))
            elif m.group(2) is not None:
                self.tokens.append((m.group(2), m.group(2), line))
            elif m.group(3) is not None:
                self.tokens.append(("num", m.group(3), line))
            line += text.count("\n", pos, m.end())
            pos = m.end()
        self.last_line = text.rstrip().count("\n") + 1  # the last line with text

    def fail(self, what: str, line: int | None = None) -> NoReturn:
        raise InputError(f"nfg: {self.name}, line {self.line if line is None else line}: {what}")

    @property
    def line(self) -> int:
        """The line of the next token (the last line at the end of the file)."""
        return self.tokens[self.i][2] if self.i < len(self.tokens) else self.last_line

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self, kind: str, what: str = "") -> str:
        if self.peek() != kind:
            got = _cut(self.tokens[self.i][1]) if self.i < len(self.tokens) else "the end of the file"
            self.fail(f"expected {what or _KINDS[kind]}, got {got}")
        self.i += 1
        return self.tokens[self.i - 1][1]

    def strings(self, what: str) -> list[str]:
        self.take("{", f"'{{' opening {what}")
        out = []
        while self.peek() == "str":
            out.append(self.take("str"))
        self.take("}", f"a quoted name or '}}' closing {what}")
        return out

    def count(self, what: str) -> int:
        """A whole number >= 0 (a strategy count, an outcome number)."""
        line, text = self.line, self.take("num", what)
        if not _INTEGER.fullmatch(text) or text.startswith("-"):
            self.fail(f"{what}: {_cut(text)} is not a whole number", line)
        if len(text.lstrip("+0")) > 18:  # int() of a long digit string is slow; no count is this large
            self.fail(f"{what}: {_cut(text)} is too large", line)
        return int(text)

    def number(self, what: str) -> float:
        """A finite payoff: an integer, a decimal or a rational p/q."""
        line, text = self.line, self.take("num", what)
        m = _RATIONAL.fullmatch(text)
        try:
            if m is not None:
                value = float(Fraction(int(m.group(1)), int(m.group(2))))
            elif _DECIMAL.fullmatch(text):
                value = float(text)  # an exponent such as 1e999999 gives inf, never a huge Fraction
            else:
                self.fail(f"{what}: {_cut(text)} is not a number (an integer, a decimal or a rational p/q)", line)
        except ZeroDivisionError:
            self.fail(f"{what}: {_cut(text)} divides by zero", line)
        except (OverflowError, ValueError):  # a rational too large for a float, or too many digits
            value = math.inf
        if not math.isfinite(value):
            self.fail(f"{what}: {_cut(text)} is too large for a float (at most 1.8e308 in absolute value)", line)
        return value


def _cut(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _read_text(path) -> tuple[str, str]:
    """The text of a regular file (a FIFO, folder or device is refused before it is opened)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"nfg: no file '{path}'") from None
    except (OSError, TypeError, ValueError) as exc:
        raise InputError(f"nfg: cannot read '{path}': {exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"nfg: '{path}' is not a regular file (a folder, FIFO or device); give a .nfg file")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"nfg: cannot read '{path}': {exc.strerror or exc}") from None
    name = Path(path).name
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"nfg: {name}, line {line}: byte 0x{data[exc.start]:02x} is not UTF-8 text") from None


def _unique(r: _Reader, names: list[str], what: str, line: int) -> None:
    dup = sorted(n for n, k in Counter(names).items() if k > 1)
    if dup:
        r.fail(f"{what} {dup} appear more than once", line)


def read_nfg(path) -> FiniteGame:
    """A FiniteGame from a Gambit .nfg file (payoff or outcome version).

    A malformed file is an InputError naming the file and the line. Only regular files are read. The
    declared strategy counts are checked before anything is allocated: the payoffs they make (players x
    profiles, `core.limits.game_size`) must be within the limit `max_entries` in force (`om.limits`).
    """
    r = _Reader(*_read_text(path))
    if r.peek() != "num" or r.tokens[0][1] != "NFG":
        r.fail("the file does not start with 'NFG'")
    r.take("num")
    r.take("num", "the version number")
    r.take("num", "R (rational) or D (decimal)")
    title = r.take("str", "the quoted title")
    players_line = r.line
    players = r.strings("the player names")
    if not players:
        r.fail("the game has no players", players_line)
    _unique(r, players, "players:", players_line)
    strategies_line = r.line
    r.take("{", "'{' opening the strategy counts or lists")
    lists: list[list[str]] | None
    counts: list[int] = []
    lines: list[int] = []
    if r.peek() == "{":  # outcome version: strategy names
        lists = []
        while r.peek() == "{":
            lines.append(r.line)
            lists.append(r.strings("a strategy list"))
        r.take("}", "'}' closing the strategy lists")
        shape = tuple(len(a) for a in lists)
    else:
        lists = None
        while r.peek() == "num":
            lines.append(r.line)
            who = f"player {players[len(counts)]!r}" if len(counts) < len(players) else "an extra player"
            counts.append(r.count(f"the strategy count of {who}"))
        r.take("}", "a strategy count or '}' closing them")
        shape = tuple(counts)
    if len(shape) != len(players):
        r.fail(f"{len(players)} players but {len(shape)} strategy {'lists' if lists is not None else 'counts'}",
               strategies_line)
    for p, k, line in zip(players, shape, lines, strict=True):
        if k == 0:
            r.fail(f"player {p!r} has no strategies", line)
    n_prof = math.prod(shape)
    size, limit = game_size(shape).entries, current().max_entries
    if size > limit:  # before anything of that size is allocated
        counts_text = " x ".join(map(str, shape)) if len(shape) <= 6 else f"of the {len(shape)} players"
        r.fail(f"the strategy counts {counts_text} make {n_prof:.3g} profiles, {size:.3g} payoffs, above the "
               f"limit max_entries = {limit:,}; {HOW.format(key='max_entries')}", strategies_line)
    if len(players) > MAX_PLAYERS:
        r.fail(f"{len(players)} players, above the limit {MAX_PLAYERS} (one array axis per player)", players_line)
    if lists is None:
        actions: list[list[int]] | list[list[str]] = [list(range(1, c + 1)) for c in shape]  # unnamed: 1, 2, ...
    else:
        for p, names, line in zip(players, lists, lines, strict=True):
            _unique(r, names, f"strategies of player {p!r}:", line)
        actions = lists
    if r.peek() == "str":
        r.take("str")  # the comment
    if r.peek() == "{":  # outcome list, then one outcome number per profile
        r.take("{")
        outcomes = [np.zeros(len(players))]
        while r.peek() == "{":
            line = r.line
            r.take("{")
            if r.peek() == "str":
                r.take("str")
            vals = []
            while r.peek() == "num":
                vals.append(r.number(f"a payoff of outcome {len(outcomes)}"))
            r.take("}", f"a payoff or '}}' closing outcome {len(outcomes)}")
            if len(vals) != len(players):
                r.fail(f"outcome {len(outcomes)} has {len(vals)} payoffs for {len(players)} players", line)
            outcomes.append(np.array(vals))
        r.take("}", "'{' opening an outcome or '}' closing the outcomes")
        idx = []
        for k in range(n_prof):
            line, number = r.line, r.count(f"the outcome number of profile {k + 1}")
            if number >= len(outcomes):
                r.fail(f"outcome number {number} (profile {k + 1}) names no outcome; there are "
                       f"{len(outcomes) - 1}", line)
            idx.append(number)
        table = np.array([outcomes[k] for k in idx])
    else:
        table = np.array([r.number(f"payoff {k + 1}") for k in range(n_prof * len(players))]
                         ).reshape(n_prof, len(players))
    if r.peek() is not None:
        r.fail(f"unexpected {_cut(r.tokens[r.i][1])} after the payoffs")
    payoffs = {p: table[:, i].reshape(shape, order="F") for i, p in enumerate(players)}
    try:
        return FiniteGame(players, dict(zip(players, actions, strict=True)), payoffs, name=title or "game")
    except InputError as exc:  # e.g. a reserved player name ('state')
        raise InputError(f"nfg: {r.name}, line {players_line}: {exc}") from None


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
