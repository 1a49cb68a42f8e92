"""The README's Python examples run, and its first two lines are the install/run and test commands."""

import re
from pathlib import Path

import numpy as np
import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_two_commands():
    first = re.search(r"```bash\n(.*?)```", README, flags=re.S).group(1).strip().splitlines()
    assert first[0].startswith("pip install . && optmarkets reproduce")
    assert first[1].startswith('pip install ".[test]" && python -m pytest')


def test_readme_python_blocks_run_in_order_and_show_the_right_numbers(capsys):
    ns: dict = {}
    for i, block in enumerate(BLOCKS):
        exec(compile(block, f"README block {i}", "exec"), ns)
    assert len(BLOCKS) >= 3
    assert ns["sol"].value == pytest.approx(0.3)  # gamma_u min(q1, q2)
    assert ns["sol"].prices["consistency"].tolist() == pytest.approx([0.0, 1.0])  # V = q2 here
    assert ns["df"]["value"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert ns["model"].solve().prices["privacy"] > 0  # the cap binds: relaxing it is worth something
    assert ns["sb"].value == pytest.approx(0.66) and ns["fb"].value == pytest.approx(0.66)  # GLP E2
    assert ns["res"].value == pytest.approx(11 / 24)  # Yang's textbook example
    assert ns["mech"].value == pytest.approx(1.5) and ns["seg"].revenue_change == pytest.approx(0.03125)  # HS
    assert ns["rev"].value == pytest.approx(0.81663235, abs=1e-8)  # BDHN §B.5
    table = ns["table"]  # the sweep section: V = min(q1, q2) here, psi = dV/dq
    assert len(table) == 6 and (table["status"] == "optimal").all()
    assert table["value"].tolist() == pytest.approx(np.minimum(table["q1"], table["q2"]).tolist(), abs=1e-12)
    psi2 = table["price:consistency[w=2]"].to_numpy()
    assert psi2 == pytest.approx(np.where(table["q2"] < table["q1"], 1.0, 0.0))  # q2 short: a w=2 record is worth 1
