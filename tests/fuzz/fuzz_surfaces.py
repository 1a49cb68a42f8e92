"""The issue-23 corpus: bad inputs at the surfaces added last, threads, time limits and size guards.

SURFACES are entry points (`fuzz_entries.Entry`, classified by `fuzz_entries.outcome`) for

    games        FiniteGame with labelled payoffs (DataFrames with wrong / partial / swapped axis names,
                 complex arrays, string action lists), correlated_equilibrium, bayes_correlated_equilibrium
                 with an InformationStructure of labelled tables, persuasion with labelled tables and prior
    mechanisms   MechanismEnvironment.single_item with a labelled prior and mechanism_design's ic_margin,
                 audit_mechanism's tol / ic / ir / budget on a valid mechanism (its verdict must stay ok)
    solutions    Solution.price_ranges(name, rows=...) and Solution.exact(max_rows=...)
    files        TOML instance files (`optmarkets.app.instances.load`, then run) and Gambit .nfg files
                 (`optmarkets.games.nfg.read_nfg`, then the correlated equilibrium), each written to a
                 temporary folder: malformed text, bytes, counts, payoffs, huge declared counts

and three parts that are not per-argument mutations:

    threads      `thread_checks`: bound copies (`model.bind(param=...)`) of a few models solved from a
                 ThreadPoolExecutor(4) many times must equal their serial answers (a mismatch is wrong)
    hangs        `timed_outcome`: every case runs in a worker thread under TIME_LIMIT seconds; over it is
                 a hang (the thread is left behind, the corpus goes on)
    size guards  `SIZE_GUARDS` / `size_guard`: inputs that size an allocation far beyond memory must raise
                 an InputError quickly; tracemalloc measures the peak allocation (goal < PEAK_GOAL_MB)
"""

from __future__ import annotations

import atexit
import concurrent.futures
import math
import shutil
import tempfile
import threading
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fuzz_entries import CHICKEN, Entry, _mapping_mutations, outcome, uniform_price_revenue

import optmarkets as om
from optmarkets.app import instances
from optmarkets.games.nfg import read_nfg

#: a case running longer than this (seconds) is a hang
TIME_LIMIT = 20.0
#: the goal for a size guard's peak allocation (MB, tracemalloc)
PEAK_GOAL_MB = 50.0

_TMP = Path(tempfile.mkdtemp(prefix="optmarkets-fuzz-"))  # the bad files, removed at exit
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
_counter = iter(range(10**12))


def _fresh(suffix: str) -> Path:
    folder = _TMP / f"c{next(_counter)}"
    folder.mkdir()
    return folder / f"case{suffix}"


# ====================================================================== games: labelled payoffs

ACTS = ["D", "C"]


def _frame(m, rows="r", cols="c", index=ACTS, columns=ACTS) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(m, float), index=pd.Index(index, name=rows), columns=pd.Index(columns, name=cols))


LABELLED = {p: _frame(CHICKEN[p]) for p in ("r", "c")}


def _labelled_game(players, actions, payoffs):
    return om.correlated_equilibrium(om.FiniteGame(players, actions, payoffs), "welfare").solve()


def _aligned(d) -> np.ndarray | None:
    """An independent reading of a chicken payoff by label: rows r and columns c, labels D, C."""
    if isinstance(d, pd.DataFrame):
        names = (d.index.name, d.columns.name)
        if names in (("r", "c"), (None, None)):
            return d.loc[ACTS, ACTS].to_numpy(float)
        if names == ("c", "r"):
            return d.T.loc[ACTS, ACTS].to_numpy(float)
        return None
    return np.asarray(d, float)


def _labelled_game_closed(players, actions, payoffs):
    if list(players) != ["r", "c"] or {p: list(actions[p]) for p in actions} != {"r": ACTS, "c": ACTS}:
        return None
    if all(np.array_equal(_aligned(payoffs[p]), CHICKEN[p]) for p in ("r", "c")):
        return 10.5
    return None


def _game_extra():
    r, c = np.asarray(CHICKEN["r"], float), np.asarray(CHICKEN["c"], float)
    good_c = LABELLED["c"]
    out = [
        ("wrong axis names", {"r": _frame(r, "x", "y"), "c": good_c}),
        ("misspelt axis name", {"r": _frame(r, "r", "cc"), "c": good_c}),
        ("partial axis names (rows only)", {"r": _frame(r, "r", None), "c": good_c}),
        ("partial axis names (columns only)", {"r": _frame(r, None, "c"), "c": good_c}),
        ("same name on both axes", {"r": _frame(r, "r", "r"), "c": good_c}),
        ("swapped axis names, transposed data", {"r": _frame(r.T, "c", "r"), "c": good_c}),  # right: aligned
        ("labels reordered", {"r": _frame(r[::-1, ::-1], index=ACTS[::-1], columns=ACTS[::-1]), "c": good_c}),
        ("unnamed axes", {"r": _frame(r, None, None), "c": good_c}),
        ("unknown label", {"r": _frame(r, index=["D", "X"]), "c": good_c}),
        ("missing label", {"r": _frame(r[:1], index=["D"]), "c": good_c}),
        ("duplicate label", {"r": _frame(r, index=["D", "D"]), "c": good_c}),
        ("extra label", {"r": _frame(np.vstack([r, r[:1]]), index=["D", "C", "E"]), "c": good_c}),
        ("complex array", {"r": r + 1j, "c": c}),
        ("complex DataFrame", {"r": _frame(r).astype(complex) + 1j, "c": good_c}),
        ("object DataFrame", {"r": _frame(r).astype(object).where(np.eye(2) == 0, "x"), "c": good_c}),
        ("3-D array", {"r": np.stack([r, r]), "c": c}),
        ("a Series over one axis", {"r": pd.Series([1.0, 2.0], index=pd.Index(ACTS, name="r")), "c": good_c}),
        ("a MultiIndex Series", {"r": _frame(r).stack(), "c": good_c}),  # right: aligned by both level names
        ("MultiIndex Series, wrong level names", {"r": _frame(r, "a", "b").stack(), "c": good_c}),
        ("payoffs in player order (a list)", [r, c]),
        ("payoffs list too short", [r]),
        ("bytes payoff", {"r": b"abcd", "c": c}),
        ("string payoff", {"r": "abcd", "c": c}),
        ("nan in DataFrame", {"r": _frame(np.where(np.eye(2) == 1, np.nan, r)), "c": good_c}),
        ("inf in array", {"r": np.where(np.eye(2) == 1, np.inf, r), "c": c}),
        ("huge entries", {"r": r * 1e300, "c": c}),
    ]
    cases = [("payoffs", what, bad) for what, bad in out]
    cases += [("actions", what, bad) for what, bad in [
        ("string action lists", {"r": "DC", "c": "DC"}), ("bytes actions", {"r": b"DC", "c": ACTS}),
        ("an int (0..n-1): labels mismatch", {"r": 2, "c": 2}), ("negative int", {"r": -2, "c": ACTS}),
        ("huge int", {"r": 10**30, "c": ACTS}), ("float count", {"r": 2.0, "c": ACTS}),
        ("bool", {"r": True, "c": ACTS}), ("list in player order", [ACTS, ACTS]),
        ("nested labels", {"r": [["D"], ["C"]], "c": ACTS}), ("nan label", {"r": [math.nan, "C"], "c": ACTS}),
        ("unhashable label", {"r": [{}, "C"], "c": ACTS}), ("a set", {"r": {"D", "C"}, "c": ACTS}),
        ("a generator", {"r": (a for a in ACTS), "c": ACTS}), ("numpy labels", {"r": np.array(ACTS), "c": ACTS}),
    ]]
    cases += [("players", what, bad) for what, bad in [
        ("a string", "rc"), ("ints", [0, 1]), ("'state' reserved", ["state", "c"]),
        ("signal_ prefix", ["signal_r", "c"]),
        ("tuple", ("r", "c")), ("an Index", pd.Index(["r", "c"])), ("numpy strings", np.array(["r", "c"])),
        ("bytes names", [b"r", b"c"]),
    ]]
    return cases


# ====================================================================== games: information structures

STATES = ["x", "y"]


def _signal_table(m, states=STATES, signals=("lo", "hi")) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(m, float), index=pd.Index(states, name="state"), columns=list(signals))


def _bce_labelled(prior, signals, objective):
    g = om.FiniteGame(["r"], {"r": ["a", "b"]}, {"r": _frame([[1.0, 0.0], [0.0, 1.0]], "state", "r", STATES,
                                                              ["a", "b"])}, states=STATES, prior=prior)
    info = om.InformationStructure(g, signals)
    return om.bayes_correlated_equilibrium(g, info, objective).solve()


def _bce_closed(prior, signals, objective):
    # one player matching the state: welfare = P(right action) = 1 whatever the signal (mu may recommend the
    # state itself; the recommendation is a signal too)
    if isinstance(objective, str) and objective in ("welfare", "r"):
        return 1.0
    return None


def _bce_extra():
    good = _signal_table([[0.8, 0.2], [0.2, 0.8]])
    out = [("signals", what, bad) for what, bad in [
        ("state labels wrong", {"r": _signal_table([[0.8, 0.2], [0.2, 0.8]], states=["x", "z"])}),
        ("state labels reordered", {"r": _signal_table([[0.2, 0.8], [0.8, 0.2]], states=["y", "x"])}),
        ("rows not summing to one", {"r": _signal_table([[0.8, 0.3], [0.2, 0.8]])}),
        ("negative likelihood", {"r": _signal_table([[1.2, -0.2], [0.2, 0.8]])}),
        ("complex table", {"r": good.astype(complex) * (1 + 1j)}),
        ("duplicate signal labels", {"r": _signal_table([[0.8, 0.2], [0.2, 0.8]], signals=("s", "s"))}),
        ("no signal columns", {"r": good.iloc[:, :0]}),
        ("unknown player", {"zz": good}), ("the index named wrongly", {"r": good.rename_axis("w")}),
        ("a Series", {"r": pd.Series([0.5, 0.5], index=STATES)}), ("3-D array", {"r": np.ones((2, 2, 2)) / 2}),
        ("array, one row per state", {"r": [[0.8, 0.2], [0.2, 0.8]]}),  # right
        ("array, too many rows", {"r": [[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]]}),
        ("not a mapping", [good]), ("None table", {"r": None}),
    ]]
    out += [("prior", what, bad) for what, bad in [
        ("Series by state", pd.Series([0.7, 0.3], index=pd.Index(["y", "x"], name="state"))),  # right
        ("Series with an unknown state", pd.Series([0.7, 0.3], index=pd.Index(["y", "z"], name="state"))),
        ("Series with a wrong axis name", pd.Series([0.7, 0.3], index=pd.Index(["y", "x"], name="zz"))),
        ("complex prior", np.array([0.3, 0.7]) + 0j),
    ]]
    out += [("objective", what, bad) for what, bad in [
        ("a player", "r"), ("not a player", "zz"), ("outcome array, wrong shape", [[1.0, 0.0, 1.0]]),
        ("outcome array", [[0.0, 1.0], [0.0, 1.0]]), ("outcome DataFrame, wrong names",
                                                      _frame([[0.0, 1.0], [0.0, 1.0]], "a", "b", STATES, ["a", "b"])),
        ("complex outcome array", np.ones((2, 2)) * 1j), ("None", None),
    ]]
    return out


# ====================================================================== games: persuasion with labels

PROS_STATES, PROS_ACTS = ["guilty", "innocent"], ["convict", "acquit"]


def _pros_frame(m, rows="state", cols="receiver", index=PROS_STATES, columns=PROS_ACTS):
    return _frame(m, rows, cols, index, columns)


def _persuasion_labelled(prior, receiver_payoff, sender_payoff):
    return om.persuasion(PROS_STATES, prior, PROS_ACTS, receiver_payoff, sender_payoff).solve()


def _persuasion_labelled_closed(prior, receiver_payoff, sender_payoff):
    def read(d):
        if isinstance(d, pd.DataFrame):  # persuasion documents its tables' axis names as positional
            return d.loc[PROS_STATES, PROS_ACTS].to_numpy(float)  # (rows: states), labels aligned
        return np.asarray(d, float)

    if np.array_equal(read(receiver_payoff), np.eye(2)) and np.array_equal(read(sender_payoff), [[1, 0], [1, 0]]):
        if isinstance(prior, pd.Series):
            p = float(prior["guilty"])
        else:
            p = float(np.asarray(prior, float)[0])
        return min(1.0, 2 * p)
    return None


def _persuasion_extra():
    eye, send = np.eye(2), np.array([[1.0, 0.0], [1.0, 0.0]])
    out = [("prior", what, bad) for what, bad in [
        ("Series reordered", pd.Series([0.7, 0.3], index=pd.Index(["innocent", "guilty"], name="state"))),  # right
        ("Series unnamed", pd.Series([0.3, 0.7], index=PROS_STATES)),  # right
        ("Series, unknown state", pd.Series([0.3, 0.7], index=["guilty", "zz"])),
        ("Series, wrong axis name", pd.Series([0.3, 0.7], index=pd.Index(PROS_STATES, name="receiver"))),
        ("Series, duplicate state", pd.Series([0.3, 0.7], index=["guilty", "guilty"])),
        ("Series of strings", pd.Series(["a", "b"], index=PROS_STATES)), ("complex", np.array([0.3, 0.7]) + 0j),
    ]]
    for arg, m in (("receiver_payoff", eye), ("sender_payoff", send)):
        out += [(arg, what, bad) for what, bad in [
            ("transposed with names", _pros_frame(m.T, "receiver", "state", PROS_ACTS, PROS_STATES)),  # right
            ("wrong axis names", _pros_frame(m, "w", "a")), ("partial axis names", _pros_frame(m, "state", None)),
            ("labels reordered", _pros_frame(m[::-1], index=PROS_STATES[::-1])),  # right
            ("unknown action", _pros_frame(m, columns=["convict", "zz"])),
            ("complex", _pros_frame(m).astype(complex) + 1j), ("string entries", _pros_frame(m).astype(str)),
            ("xarray-like 3-D", np.ones((2, 2, 2))),
        ]]
    return out


# ====================================================================== mechanisms

def _auction_labelled(values, prior, ic_margin):
    env = om.MechanismEnvironment.single_item(values, prior)
    return om.mechanism_design(env, "revenue", ic_margin=ic_margin).solve()


def _auction_labelled_closed(values, prior, ic_margin):
    try:
        if float(ic_margin) != 0.0:
            return None
    except (TypeError, ValueError):
        return None
    v = list(values.values()) if isinstance(values, dict) else values
    if len(v) != 1:
        return None
    vals = np.asarray(v[0], float)
    if prior is None:
        f = np.full(vals.size, 1 / vals.size)
    else:
        f = prior["b1"] if isinstance(prior, dict) else prior  # one agent: the joint prior is its marginal
    if isinstance(f, pd.Series):
        f = f.reindex(list(vals)).fillna(0.0).to_numpy(float)  # a type the Series leaves out has mass 0
    f = np.asarray(f, float)
    if vals.size == f.size and np.all(np.diff(vals) > 0):
        return uniform_price_revenue(vals, f)
    return None


def _auction_extra():
    out = [("prior", what, bad) for what, bad in [
        ("Series reordered", {"b1": pd.Series([0.75, 0.25], index=[2, 1])}),  # right: by label
        ("Series float labels", {"b1": pd.Series([0.25, 0.75], index=[1.0, 2.0])}),  # right
        ("Series string labels", {"b1": pd.Series([0.25, 0.75], index=["1", "2"])}),
        ("Series unknown label", {"b1": pd.Series([0.25, 0.75], index=[1, 3])}),
        ("Series duplicate label", {"b1": pd.Series([0.25, 0.75], index=[1, 1])}),
        ("Series partial", {"b1": pd.Series([1.0], index=[2])}),  # right: the missing type has mass 0
        ("Series not summing to one", {"b1": pd.Series([0.5, 0.75], index=[1, 2])}),
        ("Series complex", {"b1": pd.Series([0.25 + 1j, 0.75], index=[1, 2])}),
        ("unknown agent", {"zz": [0.25, 0.75]}), ("a Series over agents", pd.Series({"b1": 1.0})),
        ("a joint array", [0.25, 0.75]), ("a joint array, wrong size", [0.25, 0.25, 0.5]),
    ]]
    out += [("values", what, bad) for what, bad in [
        ("agent named none", {"none": [1.0, 2.0]}), ("a Series of values", {"b1": pd.Series([1.0, 2.0])}),
        ("complex values", {"b1": np.array([1.0, 2.0]) + 1j}), ("a string", {"b1": "12"}),
        ("duplicate values", {"b1": [1.0, 1.0]}), ("numpy array", np.array([[1.0, 2.0]])),
    ]]
    out += [("ic_margin", what, bad) for what, bad in [
        ("one per IC row", [0.0, 0.0]), ("wrong count", [0.0, 0.0, 0.0]), ("2-D", [[0.0]]),
        ("complex", 1j), ("string", "0"), ("a Series", pd.Series([0.0, 0.0])), ("positive", 0.1),
        ("negative", -0.1), ("huge", 1e300),
    ]]
    return out


def _audit_tol(tol, ic, ir, budget):
    env = om.MechanismEnvironment.single_item([[1, 2]], {"b1": [0.5, 0.5]})
    return om.audit_mechanism(env, [[1, 0], [0, 1]], [[0.0], [2.0]], ic=ic, ir=ir, budget=budget, tol=tol)


def _audit_verify(result, args):
    # posted price 2 (the type 2 buys): IC, IR, no subsidies hold; an accepted tol must not fail it
    if not result.ok:
        return f"a valid mechanism audited not ok with {args}: {result.reasons}"
    return None


def _audit_extra():
    return [("tol", what, bad) for what, bad in [
        ("an int", 1), ("numpy float", np.float64(1e-9)), ("numpy array", np.array([1e-7])), ("complex", 1e-7j),
        ("string number", "1e-7"), ("Fraction", Fraction(1, 10**7)), ("zero", 0), ("negative zero", -0.0),
    ]]


# ====================================================================== solutions: price ranges, exact

def _ce_solution():
    g = om.FiniteGame(["r", "c"], {"r": ACTS, "c": ACTS}, CHICKEN)
    return om.correlated_equilibrium(g, "welfare").solve()


def _price_ranges(name, rows):
    return _ce_solution().price_ranges(name, rows=rows)


def _price_ranges_verify(result, args):
    sol = _ce_solution()
    want = sol.prices[args["name"]]
    got = result["price"]
    if not got.index.isin(want.index).all():
        return f"rows {list(got.index)} are not rows of '{args['name']}'"
    rows = args["rows"]
    if rows is not None and isinstance(rows, list | tuple | set | dict | pd.Index):  # (an iterator is spent)
        asked = set(rows)
        if set(got.index) != asked:
            return f"rows={list(rows)!r} gave the rows {list(got.index)}"
    if not np.allclose(got.to_numpy(float), want.loc[got.index].to_numpy(float), atol=1e-9):
        return f"price column {got.to_numpy()} differs from prices {want.loc[got.index].to_numpy()}"
    if not (result["left"] <= result["right"] + 1e-9).all() and args["name"] == "obedience":
        return "left > right"
    return None


_ROW = ("r", "none", "D", "C")


def _price_ranges_extra():
    out = [("rows", what, bad) for what, bad in [
        ("one row", [_ROW]), ("all rows", [_ROW, ("r", "none", "C", "D"), ("c", "none", "D", "C")]),
        ("an unknown row", [("r", "none", "D", "X")]), ("a partial label", [("r",)]), ("a bare label", ["r"]),
        ("duplicate rows", [_ROW, _ROW]), ("empty list", []), ("a tuple of rows", (_ROW,)),
        ("a generator", (r for r in [_ROW])), ("a set", {_ROW}), ("a dict", {_ROW: 1}), ("an int", 3),
        ("a string", "r"), ("bytes", b"r"), ("nested lists", [list(_ROW)]), ("a MultiIndex",
                                                                          pd.MultiIndex.from_tuples([_ROW])),
        ("an Index of ints", pd.Index([0, 1])), ("numpy array", np.array([0])), ("None inside", [None]),
        ("nan inside", [math.nan]), ("a too-long label", [(*_ROW, "x")]), ("unhashable", [[{}]]),
    ]]
    out += [("name", what, bad) for what, bad in [
        ("consistency", "consistency"), ("prior (a price, not a family)", "prior"), ("'mu' (a variable)", "mu"),
        ("case", "Obedience"), ("bytes", b"obedience"), ("a list", ["obedience"]), ("an int", 0),
    ]]
    return out


def _exact(max_rows):
    return _ce_solution().exact(max_rows=max_rows)


def _exact_verify(result, args):
    if result.verified and result.value != Fraction(21, 2):
        return f"verified exact value {result.value}, want 21/2"
    if not result.verified and (args["max_rows"] is None or (isinstance(args["max_rows"], int)
                                                              and args["max_rows"] >= 5)):
        return f"not verified with max_rows={args['max_rows']!r}: {result.reason}"
    return None


def _exact_extra():
    return [("max_rows", what, bad) for what, bad in [
        ("1 (too few: unverified)", 1), ("5 (exactly the rows)", 5), ("2000", 2000), ("0", 0), ("-1", -1),
        ("1.5", 1.5), ("5.0", 5.0), ("True", True), ("1e30 int", 10**30), ("nan", math.nan), ("inf", math.inf),
        ("string", "5"), ("numpy int", np.int64(5)), ("list", [5]), ("complex", 5j),
    ]]


# ====================================================================== files: TOML instances

CHICKEN_DATA = {"name": "Chicken", "players": ["row", "col"], "actions": {"row": ["C", "D"], "col": ["C", "D"]},
                "payoffs": {"row": [[6, 2], [7, 0]], "col": [[6, 7], [2, 0]]}}


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        f = float(v)
        return "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf") if math.isinf(f) else repr(f)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_value(str(k))} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v).__name__)  # None, objects, pandas: no TOML form


def _toml(data: dict, solve: str = 'method = "correlated_equilibrium_problem"\n', top: str = "") -> str:
    body = "".join(f"{k} = {_toml_value(v)}\n" for k, v in data.items())
    return f'{top}model = "FiniteGame"\n[data]\n{body}[solve.welfare]\n{solve}'


GOOD_TOML = _toml(CHICKEN_DATA)


def _written(text, suffix: str):
    """A fresh path holding `text` (bytes or str); "<dir>" makes it a folder, "<missing>" leaves it absent."""
    path = _fresh(suffix)
    if text == "<dir>":
        path.mkdir()
    elif text != "<missing>":
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def _instance(text):
    return instances.load(_written(text, ".toml")).run("welfare")


def _instance_closed(text):
    return 10.5 if text == GOOD_TOML else None


def _toml_extra():
    out: list[tuple[str, str, Any]] = []
    for key in ("players", "actions", "payoffs"):  # the generated mutations of each data field, where TOML has them
        good = CHICKEN_DATA[key]
        muts = _mapping_mutations(good) if isinstance(good, dict) else [
            ("empty", []), ("duplicate", [good[0], *good]), ("int", 3), ("string", "abc"), ("nested", [[1, 2], [3]]),
            ("shorter", good[:-1]), ("longer", [*good, "zz"]), ("state", ["state", "col"])]
        for what, bad in muts:
            try:
                out.append(("text", f"data.{key} {what}", _toml({**CHICKEN_DATA, key: bad})))
            except TypeError:
                continue
    big = ", ".join(["1"] * 3000)
    out += [("text", what, bad) for what, bad in [
        ("empty file", ""), ("not TOML", "model = \n"), ("binary", b"\x00\xff\xfe" * 10), ("latin-1", "x = 'é'".encode(
            "latin-1")), ("BOM", "\ufeff" + GOOD_TOML), ("a folder", "<dir>"), ("no file", "<missing>"),
        ("deep nesting", "x = " + "[" * 3000 + "]" * 3000 + "\n"),
        ("unknown method", _toml(CHICKEN_DATA, 'method = "__init__"\n')),
        ("objective unknown player", _toml(CHICKEN_DATA, 'method = "correlated_equilibrium_problem"\n'
                                                         'args = { objective = "zz" }\n')),
        ("objective outcome array, wrong shape", _toml(CHICKEN_DATA, 'method = "correlated_equilibrium_problem"\n'
                                                                     'args = { objective = [1, 2, 3] }\n')),
        ("objective a table", _toml(CHICKEN_DATA, 'method = "correlated_equilibrium_problem"\n'
                                                  'args = { objective = { a = 1 } }\n')),
        ("sense wrong", _toml(CHICKEN_DATA, 'method = "correlated_equilibrium_problem"\nargs = { sense = "up" }\n')),
        ("bce without states", _toml(CHICKEN_DATA, 'method = "bayes_correlated_equilibrium_problem"\n'
                                                   'args = { signals = { row = [[0.5, 0.5]] } }\n')),
        ("signals not a table", _toml({**CHICKEN_DATA, "states": ["x"], "prior": [1.0]},
                                      'method = "bayes_correlated_equilibrium_problem"\nargs = { signals = 3 }\n')),
        ("states without prior", _toml({**CHICKEN_DATA, "states": ["x", "y"]})),
        ("prior not summing to one", _toml({**CHICKEN_DATA, "states": ["x"], "prior": [0.5]})),
        ("name an int", _toml({**CHICKEN_DATA, "name": 3})), ("unknown data key", _toml({**CHICKEN_DATA, "zz": 1})),
        ("payoffs 1e200", _toml({**CHICKEN_DATA, "payoffs": {"row": [[1e200, 2], [7, 0]], "col": [[6, 7], [2, 0]]}})),
        ("payoffs booleans", _toml({**CHICKEN_DATA, "payoffs": {"row": [[True, 2], [7, 0]], "col": [[6, 7], [2, 0]]}})),
        ("payoffs a date", GOOD_TOML.replace("[[6, 2], [7, 0]]", "[[1979-05-27, 2], [7, 0]]")),
        ("a long flat payoff", _toml({**CHICKEN_DATA, "payoffs": {"row": f"[{big}]", "col": [[6, 7], [2, 0]]}}
                                     ).replace(f'"[{big}]"', f"[{big}]")),
        ("actions as counts, huge", _toml({**CHICKEN_DATA, "actions": {"row": 10**6, "col": 10**6}})),
        ("actions as counts, 2**63",
         GOOD_TOML.replace('"row" = ["C", "D"], "col"', '"row" = 9223372036854775807, "col"')),
        ("solver_options a path", _toml(CHICKEN_DATA, top='solver_options = { log_file = "/tmp/x" }\n')),
        ("solver_options time_limit tiny", _toml(CHICKEN_DATA, top="solver_options = { time_limit = 1e-300 }\n")),
        ("max_iters 1", _toml(CHICKEN_DATA, top="solver_options = { max_iters = 1 }\n")),
    ]]
    return out


# ====================================================================== files: Gambit .nfg

GOOD_NFG = 'NFG 1 R "chicken" { "r" "c" } { 2 2 }\n0 0 2 7 7 2 6 6\n'
# (D,D) = (0,0), (C,D) = (2,7), (D,C) = (7,2), (C,C) = (6,6), the first player's strategy varying fastest
OUTCOME_NFG = ('NFG 1 R "chicken" { "r" "c" }\n{ { "D" "C" } { "D" "C" } }\n""\n'
               '{ { "" 0, 0 } { "" 2, 7 } { "" 7, 2 } { "" 6, 6 } }\n1 2 3 4\n')


def _nfg(text):
    return om.correlated_equilibrium(read_nfg(_written(text, ".nfg")), "welfare").solve()


def _nfg_closed(text):
    return 10.5 if text in (GOOD_NFG, OUTCOME_NFG) else None


def _nfg_extra():
    head = 'NFG 1 R "g" { "r" "c" } '
    return [("text", what, bad) for what, bad in [
        ("the outcome version", OUTCOME_NFG), ("empty", ""), ("no header", "{ 2 2 }\n1 2 3 4 5 6 7 8\n"),
        ("NFG 2 header", GOOD_NFG.replace("NFG 1", "NFG 2")), ("no title", 'NFG 1 R { "r" "c" } { 2 2 }\n1 2\n'),
        ("unclosed quote", 'NFG 1 R "chicken { "r" "c" } { 2 2 }\n'), ("no players", 'NFG 1 R "g" { } { }\n'),
        ("3 counts for 2 players", head + "{ 2 2 2 }\n" + " 0" * 16 + "\n"),
        ("1 count for 2 players", head + "{ 2 }\n0 0 0 0\n"), ("zero strategies", head + "{ 0 2 }\n"),
        ("negative count", head + "{ -2 2 }\n"), ("decimal count", head + "{ 2.5 2 }\n"),
        ("exponent count", head + "{ 1e3 2 }\n"), ("count 10**30", head + "{ " + "1" + "0" * 30 + " 2 }\n"),
        ("too few payoffs", head + "{ 2 2 }\n0 0 2 7 7 2 6\n"), ("too many payoffs", GOOD_NFG + "1\n"),
        ("payoff a word", head + "{ 2 2 }\n0 0 2 7 7 2 6 x\n"), ("payoff 1/0", head + "{ 2 2 }\n0 0 2 7 7 2 6 1/0\n"),
        ("payoff 1e999", head + "{ 2 2 }\n0 0 2 7 7 2 6 1e999\n"),
        ("payoff nan", head + "{ 2 2 }\n0 0 2 7 7 2 6 nan\n"), ("payoff inf", head + "{ 2 2 }\n0 0 2 7 7 2 6 inf\n"),
        ("payoff 1e308 (valid)", head + "{ 2 2 }\n0 0 2 7 7 2 6 1e308\n"),
        ("payoff huge rational", head + "{ 2 2 }\n0 0 2 7 7 2 6 " + "9" * 400 + "/1\n"),
        ("payoff rational 3/4 (valid)", head + "{ 2 2 }\n0 0 2 7 7 2 6 3/4\n"),
        ("payoff with a comma", head + "{ 2 2 }\n0, 0, 2, 7, 7, 2, 6, 6\n"),
        ("duplicate players", 'NFG 1 R "g" { "r" "r" } { 2 2 }\n0 0 2 7 7 2 6 6\n'),
        ("player named state", 'NFG 1 R "g" { "state" "c" } { 2 2 }\n0 0 2 7 7 2 6 6\n'),
        ("duplicate strategy names", OUTCOME_NFG.replace('{ "D" "C" } {', '{ "D" "D" } {')),
        ("outcome number too large", OUTCOME_NFG.replace("1 2 3 4", "1 2 3 9")),
        ("outcome number negative", OUTCOME_NFG.replace("1 2 3 4", "1 2 3 -1")),
        ("outcome with one payoff", OUTCOME_NFG.replace('{ "" 6, 6 }', '{ "" 6 }')),
        ("outcome numbers missing", OUTCOME_NFG.replace("1 2 3 4", "1 2")),
        ("non-UTF-8 bytes", GOOD_NFG.encode() + b"\xff\xfe"), ("NUL bytes", GOOD_NFG.encode() + b"\x00"),
        ("BOM", "\ufeff" + GOOD_NFG), ("CRLF line ends (valid)", GOOD_NFG.replace("\n", "\r\n")),
        ("trailing junk", GOOD_NFG + "}"), ("a folder", "<dir>"), ("no file", "<missing>"),
        ("a long comment (valid)", GOOD_NFG.replace("{ 2 2 }", '{ 2 2 } "' + "x" * 100_000 + '"')),
        ("deep braces", "NFG 1 R " + "{" * 5000),
        ("33 players x 1", 'NFG 1 R "g" { ' + " ".join(f'"p{i}"' for i in range(33)) + " } { " + "1 " * 33
         + "}\n" + "0 " * 33 + "\n"),
    ]]


def _fpa(values, bids, prior, common, reserve):
    return om.first_price_auction(values, bids, prior=prior, common=common, reserve=reserve).revenue_model(
        symmetric="auto").solve()


def _fpa_extra():
    return [("common", "not a bool", "yes"), ("reserve", "a string", "0.1"), ("bids", "one bid of 0", [0.0]),
            ("values", "2-D", [[0.25, 0.5]]), ("prior", "no mass", [0.0, 0.0, 0.0])]


def _symmetric_ce(symmetric, objective):
    game = om.FiniteGame.symmetric(np.array([[6.0, 2.0], [7.0, 0.0]]))
    return om.correlated_equilibrium(game, objective, symmetric=symmetric).solve()


def _symmetric_ce_closed(symmetric, objective):
    return 10.5 if objective == "welfare" and symmetric in (True, False, "auto") else None


def _symmetric_extra():
    return [("symmetric", what, bad) for what, bad in [
        ("an int", 1), ("a string", "yes"), ("None", None), ("a list", [True]), ("numpy True", np.True_)]] + [
        ("objective", "a player's payoff (breaks the symmetry)", "row")]


# ====================================================================== the entries

SURFACES: list[Entry] = [
    Entry("FiniteGame(labelled payoffs) + CE", dict(players=["r", "c"], actions={"r": ACTS, "c": ACTS},
                                                   payoffs=LABELLED), _labelled_game, _labelled_game_closed,
          aliases={"players": ("payoffs", "actions"), "actions": ("payoffs",)}, extra=_game_extra),
    Entry("bayes_correlated_equilibrium(InformationStructure)",
          dict(prior=[0.3, 0.7], signals={"r": _signal_table([[0.8, 0.2], [0.2, 0.8]])}, objective="welfare"),
          _bce_labelled, _bce_closed, aliases={"prior": ("states",)}, extra=_bce_extra),
    Entry("persuasion(labelled)", dict(prior=pd.Series([0.3, 0.7], index=pd.Index(PROS_STATES, name="state")),
                                       receiver_payoff=_pros_frame(np.eye(2)),
                                       sender_payoff=_pros_frame([[1.0, 0.0], [1.0, 0.0]])),
          _persuasion_labelled, _persuasion_labelled_closed, extra=_persuasion_extra),
    Entry("single_item(labelled prior) + ic_margin", dict(values={"b1": [1, 2]},
                                                          prior={"b1": pd.Series([0.25, 0.75], index=[1, 2])},
                                                          ic_margin=0.0),
          _auction_labelled, _auction_labelled_closed, aliases={"values": ("agents", "prior"), "prior": ("values",)},
          extra=_auction_extra),
    Entry("audit_mechanism(tol, ic, ir, budget)", dict(tol=1e-7, ic="bayesian", ir="interim", budget="no_subsidies"),
          _audit_tol, verify=_audit_verify, aliases={k: ("ic, ir, budget",) for k in ("ic", "ir", "budget")},
          extra=_audit_extra),
    Entry("Solution.price_ranges", dict(name="obedience", rows=None), _price_ranges, verify=_price_ranges_verify,
          extra=_price_ranges_extra),
    Entry("Solution.exact", dict(max_rows=None), _exact, verify=_exact_verify, extra=_exact_extra),
    Entry("instances.load (TOML file)", dict(text=GOOD_TOML), _instance, _instance_closed, frozen=("text",),
          extra=_toml_extra),
    Entry("read_nfg (.nfg file)", dict(text=GOOD_NFG), _nfg, _nfg_closed, frozen=("text",), extra=_nfg_extra),
    Entry("first_price_auction", dict(values=[0.25, 0.5, 1.0], bids=[0.0, 0.25, 0.5], prior=None, common=False,
                                      reserve=0.0), _fpa, extra=_fpa_extra),
    Entry("correlated_equilibrium(symmetric=...)", dict(symmetric=True, objective="welfare"), _symmetric_ce,
          _symmetric_ce_closed, extra=_symmetric_extra),
]
SURFACE_BY_NAME = {e.name: e for e in SURFACES}


# ====================================================================== hangs: every case under a time limit

def timed(fn: Callable[[], Any], limit: float = TIME_LIMIT) -> tuple[bool, Any, float]:
    """(finished, fn()'s result or exception, seconds): fn runs in a daemon thread; past `limit` it is
    left running (a hang) and (False, None, limit) comes back."""
    box: dict[str, Any] = {}

    def run():
        t0 = time.perf_counter()
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc
        box["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        return False, None, limit
    if "error" in box:
        return True, box["error"], box["seconds"]
    return True, box["result"], box["seconds"]


def timed_outcome(entry: Entry, args: dict, limit: float = TIME_LIMIT) -> tuple[str, str, float]:
    """`outcome` under a time limit: (kind, detail, seconds), kind "hang" past the limit."""
    done, result, seconds = timed(lambda: outcome(entry, args), limit)
    if not done:
        return "hang", f"still running after {limit:g} s", seconds
    if isinstance(result, BaseException):
        return "bare", f"the classification itself raised {type(result).__name__}: {result}", seconds
    return (*result, seconds)


# ====================================================================== threads: bound copies in parallel

def _thread_models():
    """name -> (the model, its parameter, four values): copies bound to the values are solved in threads."""
    g = om.FiniteGame(["r", "c"], {"r": ACTS, "c": ACTS}, CHICKEN)
    ce = om.correlated_equilibrium(g, "welfare", parametric=True)
    u = np.asarray(CHICKEN["r"], float).reshape(-1)
    env = om.MechanismEnvironment.single_item([[1.0, 2.0, 3.0], [1.0, 2.0]])
    return {
        "correlated_equilibrium (u_r)": (ce, "u_r", [u * s for s in (1.0, 2.0, 0.5, 3.0)]),
        "persuasion (prior)": (om.persuasion(PROS_STATES, [0.3, 0.7], PROS_ACTS, np.eye(2), [[1, 0], [1, 0]]),
                               "prior", [[p, 1 - p] for p in (0.1, 0.3, 0.5, 0.8)]),
        "segmentation (prior)": (om.segmentation([1.0, 2.0, 3.0], [0.2, 0.3, 0.5]), "prior",
                                 [[0.2, 0.3, 0.5], [0.5, 0.3, 0.2], [1 / 3] * 3, [0.1, 0.1, 0.8]]),
        "mechanism_design (outside_option)": (om.mechanism_design(env), "outside_option", [0.0, 0.25, 0.5, 1.0]),
        "DataBroker.mechanism_problem (outside)": (
            om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 0.75], [0.5, 0.5]).mechanism_problem([0.5, 0.25]),
            "outside", [[0.5, 0.25], [0.0, 0.0], [0.25, 0.5], [0.1, 0.1]]),
        "PersonalDataEconomy.platform_problem (q)": (
            om.PersonalDataEconomy([1, 2], [0.4, 0.6], [0.3, 0.3]).platform_problem([0.4, 0.3]), "q",
            [[0.4, 0.3], [0.3, 0.4], [0.2, 0.6], [0.1, 0.5]]),
    }


def _answer(sol) -> np.ndarray:
    return np.concatenate([[sol.value], *[np.ravel(np.asarray(v, float)) for v in sol.primal.values()]])


def thread_check(model, param: str, values: list, rounds: int = 10, workers: int = 4) -> tuple[int, int, int, list]:
    """(solves, matching, mismatched, problems): copies bound to `values` solved serially, then `rounds`
    times all at once from a ThreadPoolExecutor(workers); every threaded answer must equal the serial one
    (value and primal, to 1e-9). An exception in a thread counts as a mismatch too."""
    copies = [model.bind(**{param: v}) for v in values]
    serial = [_answer(c.solve()) for c in copies]
    n = ok = 0
    problems: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for r in range(rounds):
            futures = [pool.submit(c.solve) for c in copies]
            for k, f in enumerate(futures):
                n += 1
                try:
                    got = _answer(f.result(timeout=TIME_LIMIT))
                except Exception as exc:
                    problems.append(f"round {r}, copy {k}: {type(exc).__name__}: {exc}")
                    continue
                if got.shape == serial[k].shape and np.allclose(got, serial[k], rtol=1e-9, atol=1e-9):
                    ok += 1
                else:
                    problems.append(f"round {r}, copy {k} ({param}={values[k]!r}): value {got[0]!r}, serial "
                                    f"{serial[k][0]!r}")
    return n, ok, n - ok, problems


def thread_checks(rounds: int = 10, names: list[str] | None = None) -> list[tuple[str, int, int, int, list]]:
    out = []
    for name, (model, param, values) in _thread_models().items():
        if names is not None and name not in names:
            continue
        done, result, _ = timed(lambda m=model, p=param, v=values: thread_check(m, p, v, rounds), 4 * TIME_LIMIT)
        if not done:
            out.append((name, 0, 0, 1, ["hang"]))
        elif isinstance(result, BaseException):
            out.append((name, 0, 0, 1, [f"{type(result).__name__}: {result}"]))
        else:
            out.append((name, *result))
    return out


# ====================================================================== size guards

def _nfg_file(text: str) -> Path:
    path = _fresh(".nfg")
    path.write_text(text)
    return path


def _size_guards() -> list[tuple[str, Callable[[], Callable[[], Any]]]]:
    """(what, setup) pairs: setup() builds the inputs (not measured) and returns the call to measure."""

    def game_1e9():
        return lambda: om.FiniteGame(["a"], {"a": 10**9}, {"a": np.zeros(1)})

    def game_40_players():
        players = [f"p{i}" for i in range(40)]
        return lambda: om.FiniteGame(players, {p: 2 for p in players}, {p: np.zeros(1) for p in players})

    def ce_1500():
        z = np.zeros((1500, 1500))
        g = om.FiniteGame(["a", "b"], {"a": 1500, "b": 1500}, {"a": z, "b": z})
        return lambda: om.correlated_equilibrium(g)

    def bce_3x100():
        g = om.FiniteGame(["a", "b", "c"], {p: 2 for p in "abc"}, {p: np.zeros((2, 2, 2, 2)) for p in "abc"},
                          states=["x", "y"], prior=[0.5, 0.5])
        sig = {p: np.full((2, 100), 0.01) for p in "abc"}
        return lambda: om.bayes_correlated_equilibrium(g, om.InformationStructure(g, sig))

    def info_3x10000():
        g = om.FiniteGame(["a", "b", "c"], {p: 2 for p in "abc"}, {p: np.zeros((2, 2, 2, 2)) for p in "abc"},
                          states=["x", "y"], prior=[0.5, 0.5])
        sig = {p: np.full((2, 10_000), 1e-4) for p in "abc"}
        return lambda: om.InformationStructure(g, sig)

    def persuasion_3000x300():
        states, actions = [f"s{i}" for i in range(3000)], [f"a{j}" for j in range(300)]
        prior, u = np.full(3000, 1 / 3000), np.zeros((3000, 300))
        return lambda: om.persuasion(states, prior, actions, u, u)

    def segmentation_10000():
        v = np.arange(1.0, 10_001.0)
        q = np.full(10_000, 1e-4)
        return lambda: om.segmentation(v, q)

    def single_item_20():
        values = {f"b{i}": [1.0, 2.0] for i in range(20)}
        return lambda: om.MechanismEnvironment.single_item(values)

    def single_item_20x10():
        values = {f"b{i}": list(range(1, 11)) for i in range(20)}
        return lambda: om.MechanismEnvironment.single_item(values)

    def mechanism_dominant():
        env = om.MechanismEnvironment.single_item({"b1": list(range(1, 60)), "b2": list(range(1, 60)),
                                                   "b3": list(range(1, 60))})
        return lambda: om.mechanism_design(env, ic="ex_post", ir="ex_post")

    def nfg_64_players():
        path = _nfg_file('NFG 1 R "g" { ' + " ".join(f'"p{i}"' for i in range(64)) + " } { " + "2 " * 64 + "}\n")
        return lambda: read_nfg(path)

    def nfg_1e12():
        path = _nfg_file('NFG 1 R "g" { "a" "b" } { 1000000000000 2 }\n1 2 3 4\n')
        return lambda: read_nfg(path)

    def nfg_outcome_1e6x1e6():
        names = " ".join(f'"s{i}"' for i in range(1000))
        path = _nfg_file(f'NFG 1 R "g" {{ "a" "b" "c" }} {{ {{ {names} }} {{ {names} }} {{ {names} }} }}\n""\n'
                         '{ { "" 1, 2, 3 } }\n1\n')
        return lambda: read_nfg(path)

    def toml_game():
        path = _fresh(".toml")
        path.write_text(_toml({**CHICKEN_DATA, "actions": {"row": 100_000, "col": 100_000}}))
        return lambda: instances.load(path)

    def toml_bce():
        path = _fresh(".toml")
        data = {"players": ["a", "b", "c"], "actions": {p: ["x", "y"] for p in "abc"}, "states": ["s", "t"],
                "prior": [0.5, 0.5], "payoffs": {p: np.zeros((2, 2, 2, 2)).tolist() for p in "abc"}}
        sig = "{ " + ", ".join(f"{p} = [[{', '.join(['0.01'] * 100)}], [{', '.join(['0.01'] * 100)}]]"
                               for p in "abc") + " }"
        path.write_text(_toml(data, f'method = "bayes_correlated_equilibrium_problem"\nargs = {{ signals = {sig} }}\n'))
        return lambda: instances.load(path)

    return [
        ("FiniteGame, {'a': 10**9} actions", game_1e9),
        ("FiniteGame, 40 players x 2 actions", game_40_players),
        ("correlated_equilibrium, 2 x 1,500 actions", ce_1500),
        ("bayes_correlated_equilibrium, 3 players x 100 signals", bce_3x100),
        ("InformationStructure, 3 players x 10,000 signals", info_3x10000),
        ("persuasion, 3,000 states x 300 actions", persuasion_3000x300),
        ("segmentation, 10,000 values", segmentation_10000),
        ("MechanismEnvironment.single_item, 20 agents x 2 values", single_item_20),
        ("MechanismEnvironment.single_item, 20 agents x 10 values", single_item_20x10),
        ("mechanism_design, 3 agents x 59 types, ex post", mechanism_dominant),
        ("read_nfg, 64 players x 2 strategies", nfg_64_players),
        ("read_nfg, 10**12 x 2 strategies", nfg_1e12),
        ("read_nfg, outcome version, 3 x 1,000 strategies", nfg_outcome_1e6x1e6),
        ("instances.load, FiniteGame 100,000 x 100,000 actions", toml_game),
        ("instances.load, BCE 3 players x 100 signals", toml_bce),
    ]


SIZE_GUARDS = _size_guards()


def size_guard(setup: Callable[[], Callable[[], Any]], limit: float = TIME_LIMIT) -> tuple[str, str, float, float]:
    """(kind, detail, peak MB, seconds) of one size guard: kind "named" (an InputError that names the size),
    "bare" (another exception, or an InputError not about the size), "accepted" (no error: the guard did
    not fire) or "hang". The setup's own allocations are not counted."""
    call = setup()
    tracemalloc.start()
    try:
        done, result, seconds = timed(call, limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    mb = peak / 2**20
    if not done:
        return "hang", f"still running after {limit:g} s", mb, seconds
    if isinstance(result, om.InputError):
        msg = str(result)
        if any(w in msg for w in ("size", "limit", "too large")):
            return "named", msg[:160], mb, seconds
        return "bare", f"InputError not about the size: {msg[:160]}", mb, seconds
    if isinstance(result, BaseException):
        return "bare", f"{type(result).__module__}.{type(result).__name__}: {str(result)[:160]}", mb, seconds
    return "accepted", f"no error: {type(result).__name__}", mb, seconds


def toml_loads_ok(text: str) -> bool:
    """Whether a generated TOML text parses (used by the tests to keep the generator honest)."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True
