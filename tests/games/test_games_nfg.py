"""Gambit strategic-form files: both versions read, both written, round trips."""

import os
import threading

import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.errors import InputError
from optmarkets.games import FiniteGame, correlated_equilibrium, read_nfg

PAYOFF_VERSION = '''NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
'''

OUTCOME_VERSION = '''NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" }

{ { "1" "2" "3" }
{ "1" "2" }
}
""

{
{ "" 1, 1 }
{ "" 0, 2 }
{ "" 0, 2 }
{ "" 1, 1 }
{ "" 0, 3 }
{ "" 2, 0 }
}
1 2 3 4 5 6
'''

U1 = np.array([[1, 1], [0, 0], [0, 2]], dtype=float)  # rows: player 1's strategy, columns: player 2's
U2 = np.array([[1, 1], [2, 3], [2, 0]], dtype=float)


@pytest.mark.parametrize("text", [PAYOFF_VERSION, OUTCOME_VERSION], ids=["payoff", "outcome"])
def test_read(tmp_path, text):
    path = tmp_path / "selten.nfg"
    path.write_text(text)
    g = FiniteGame.from_nfg(path)
    assert g.players == ("Player 1", "Player 2")
    # the payoff version names no strategy: numbered 1, 2, ... as integers (strings "1" were a trap);
    # the outcome version's file names them "1", "2", "3" (strings, as written)
    want = [1, 2, 3] if text is PAYOFF_VERSION else ["1", "2", "3"]
    assert list(g.actions["Player 1"]) == want
    np.testing.assert_array_equal(g.payoffs["Player 1"], U1)
    np.testing.assert_array_equal(g.payoffs["Player 2"], U2)


@pytest.mark.parametrize("outcomes", [False, True])
def test_round_trip(tmp_path, outcomes):
    rng = np.random.default_rng(3)
    players = ["a", "b", "c"]
    acts = {"a": ["x", "y"], "b": ["u", "v", "w"], "c": ["p", "q"]}
    g = FiniteGame(players, acts, {p: rng.integers(-3, 4, (2, 3, 2)) / 2 for p in players}, name='a "game"')
    g.to_nfg(tmp_path / "g.nfg", outcomes=outcomes)
    h = FiniteGame.from_nfg(tmp_path / "g.nfg")
    assert h.players == g.players and h.name == g.name
    for p in players:
        np.testing.assert_array_equal(h.payoffs[p], g.payoffs[p])
        if outcomes:
            assert list(h.actions[p]) == acts[p]
    assert correlated_equilibrium(h).solve().value == pytest.approx(correlated_equilibrium(g).solve().value)


def test_bad_files(tmp_path):
    path = tmp_path / "bad.nfg"
    path.write_text('NFG 1 R "t" { "A" "B" } { 2 2 }\n1 2 3\n')
    with pytest.raises(InputError, match="nfg"):
        FiniteGame.from_nfg(path)
    g = FiniteGame(["a"], {"a": [0, 1]}, {"a": np.eye(2)}, states=["s", "t"], prior=[0.5, 0.5])
    with pytest.raises(InputError, match="states"):
        g.to_nfg(tmp_path / "x.nfg")


# ---------------------------------------------------------------------- malformed files (issue 23, item 9)
def _read(tmp_path, text: str | bytes):
    path = tmp_path / "bad.nfg"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError) as info:
        FiniteGame.from_nfg(path)
    return str(info.value)


@pytest.mark.parametrize(("count", "what"), [("2.5", "'2.5' is not a whole number"),
                                             ("two", "'two' is not a whole number")])
def test_a_strategy_count_that_is_not_a_whole_number_names_the_line(tmp_path, count, what):
    text = f'NFG 1 R "t" {{ "A" "B" }}\n{{ {count} 2 }}\n1 2 3 4\n'
    assert _read(tmp_path, text) == f"nfg: bad.nfg, line 2: the strategy count of player 'A': {what}"


def test_an_empty_strategy_list_names_the_line_and_the_player(tmp_path):
    outcome = 'NFG 1 R "t" { "A" "B" }\n{ { "x" "y" }\n{ }\n}\n""\n{ { "" 1, 1 } }\n1 1\n'
    assert _read(tmp_path, outcome) == "nfg: bad.nfg, line 3: player 'B' has no strategies"
    payoff = 'NFG 1 R "t" { "A" "B" }\n{ 2 0 }\n'
    assert _read(tmp_path, payoff) == "nfg: bad.nfg, line 2: player 'B' has no strategies"


def test_a_payoff_that_overflows_a_float_names_the_line(tmp_path):
    payoff = 'NFG 1 R "t" { "A" "B" } { 2 2 }\n1 2 3 4\n5 6 1e400 8\n'
    assert _read(tmp_path, payoff) == ("nfg: bad.nfg, line 3: payoff 7: '1e400' is too large for a float "
                                       "(at most 1.8e308 in absolute value)")
    outcome = 'NFG 1 R "t" { "A" "B" }\n{ { "x" } { "y" } }\n""\n{\n{ "" 1, 1e400 }\n}\n1\n'
    assert _read(tmp_path, outcome) == ("nfg: bad.nfg, line 5: a payoff of outcome 1: '1e400' is too large for "
                                        "a float (at most 1.8e308 in absolute value)")
    huge_exponent = 'NFG 1 R "t" { "A" } { 1 }\n1e99999999999\n'  # never built as an exact Fraction
    assert "line 2: payoff 1: '1e99999999999' is too large" in _read(tmp_path, huge_exponent)


def test_bytes_that_are_not_utf8_name_the_line(tmp_path):
    text = b'NFG 1 R "t" { "A" } { 1 }\n\xff\xfe 1\n'
    assert _read(tmp_path, text) == "nfg: bad.nfg, line 2: byte 0xff is not UTF-8 text"


def test_64_players_with_2_strategies_are_refused_on_the_profile_count(tmp_path):
    text = 'NFG 1 R "t" { ' + " ".join(f'"P{i}"' for i in range(64)) + ' }\n{ ' + "2 " * 64 + "}\n"
    assert _read(tmp_path, text) == ("nfg: bad.nfg, line 2: the strategy counts of the 64 players make 1.84e+19 "
                                     "profiles, 1.18e+21 payoffs, above the limit max_entries = 10,000,000; raise "
                                     "it with om.limits(max_entries=...) (a with-block) or "
                                     "om.set_limits(max_entries=...)")
    many = 'NFG 1 R "t" { ' + " ".join(f'"P{i}"' for i in range(40)) + ' }\n{ ' + "1 " * 40 + "}\n" + "0 " * 40
    assert _read(tmp_path, many) == "nfg: bad.nfg, line 1: 40 players, above the limit 32 (one array axis per player)"


def test_huge_declared_counts_are_refused_before_anything_is_allocated(tmp_path):
    text = 'NFG 1 R "t" { "A" "B" }\n{ 100000 100000 }\n'
    assert _read(tmp_path, text).startswith("nfg: bad.nfg, line 2: the strategy counts 100000 x 100000 make 1e+10 "
                                            "profiles, 2e+10 payoffs, above the limit max_entries = 10,000,000")
    digits = 'NFG 1 R "t" { "A" }\n{ 99999999999999999999999999 }\n'
    assert _read(tmp_path, digits) == ("nfg: bad.nfg, line 2: the strategy count of player 'A': "
                                       "'99999999999999999999999999' is too large")
    path = tmp_path / "ok.nfg"
    path.write_text('NFG 1 R "t" { "A" "B" } { 3 2 }\n' + "0 " * 12)
    with om.limits(max_entries=11), pytest.raises(InputError, match="make 6 profiles, 12 payoffs, above the limit "
                                                                      "max_entries = 11"):
        read_nfg(path)
    with om.limits(max_entries=12):
        assert read_nfg(path).payoffs["A"].shape == (3, 2)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_or_a_folder_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "game.nfg"
    os.mkfifo(fifo)  # opening it for reading blocks until a writer comes
    errors: list[Exception] = []

    def read():
        try:
            FiniteGame.from_nfg(fifo)
        except Exception as exc:
            errors.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # blocked in open(): release it with a writer that leaves at once
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        reader.join(timeout=10)
        pytest.fail("read_nfg opened the FIFO and blocked")
    assert len(errors) == 1 and isinstance(errors[0], InputError)
    assert str(errors[0]) == f"nfg: '{fifo}' is not a regular file (a folder, FIFO or device); give a .nfg file"
    with pytest.raises(InputError, match="is not a regular file"):
        FiniteGame.from_nfg(tmp_path)
    with pytest.raises(InputError, match="nfg: no file"):
        FiniteGame.from_nfg(tmp_path / "missing.nfg")


@pytest.mark.parametrize(("text", "message"), [
    ('NFG 1 R "t" { "A" "B" } { 2 2 }\n1 2 3\n', "line 2: expected payoff 4, got the end of the file"),
    ('NFG 1 R "t" { "A" "B" }\n{ { "x" } { "y" } }\n""\n{\n{ "" 1, 1 }\n}\n1.5\n',
     "line 7: the outcome number of profile 1: '1.5' is not a whole number"),
    ('NFG 1 R "t" { "A" "B" }\n{ { "x" } { "y" } }\n""\n{\n{ "" 1, 1 }\n}\n7\n',
     "line 7: outcome number 7 (profile 1) names no outcome; there are 1"),
    ('NFG 1 R "t" { "A" } { 1 }\n1/0\n', "line 2: payoff 1: '1/0' divides by zero"),
    ('NFG 1 R "t" { "A" "A" } { 1 1 }\n1 2\n', "line 1: players: ['A'] appear more than once"),
    ('NFG 1 R "t" { "A" }\n{ { "x" "x" } }\n""\n{ { "" 1 } }\n1 1\n',
     "line 2: strategies of player 'A': ['x'] appear more than once"),
    ('NFG 1 R "t" { } { }\n', "line 1: the game has no players"),
    ('NFG 1 R "t" { "A" } { 1 }\n1 2\n', "line 2: unexpected '2' after the payoffs"),
    ('NFG 1 R "t" { "state" } { 1 }\n1\n', "line 1: players: names must be strings other than 'state'"),
], ids=["short", "outcome-1.5", "outcome-7", "1/0", "dup-players", "dup-strategies", "no-players", "trailing",
        "reserved"])
def test_other_malformed_files_name_the_line(tmp_path, text, message):
    assert _read(tmp_path, text).startswith(f"nfg: bad.nfg, {message}")
