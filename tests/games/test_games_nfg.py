"""Gambit strategic-form files: both versions read, both written, round trips."""

import numpy as np
import pytest

from optmarkets.core.errors import InputError
from optmarkets.games import FiniteGame, correlated_equilibrium

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
    assert list(g.actions["Player 1"]) == ["1", "2", "3"]
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
