"""Instance files for games: `optmarkets solve` on models/game-*.toml prints the published numbers."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from optmarkets.app import instances

ROOT = Path(__file__).resolve().parents[2]


def _values(stdout: str) -> list[float]:
    return [float(v) for v in re.findall(r"^value = ([-0-9.e+]+)", stdout, flags=re.M)]


def test_cli_solves_chicken_to_10_5():
    out = subprocess.run([sys.executable, "-m", "optmarkets.app.cli", "solve", "models/game-chicken.toml"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # welfare-maximal CE; the row player's best CE (D, C); the welfare-maximal CE on the orbits of the swap
    assert _values(out.stdout) == [10.5, 7.0, 10.5]
    assert "certificate: ok" in out.stdout


def test_cli_solves_the_prosecutor_to_0_6():
    out = subprocess.run([sys.executable, "-m", "optmarkets.app.cli", "solve", "models/game-prosecutor.toml"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert _values(out.stdout) == [0.6]


@pytest.mark.parametrize("name", ["game-chicken", "game-prosecutor"])
def test_game_instance_checks_match(name):
    checks = instances.load(ROOT / "models" / f"{name}.toml").reproduce()
    assert checks and all(c.match for c in checks), [(c.quantity, c.computed) for c in checks]
