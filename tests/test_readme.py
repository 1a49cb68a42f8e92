"""The README's Python examples run, and its first two lines are the install/run and test commands."""

import re
from pathlib import Path

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
