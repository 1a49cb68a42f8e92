"""The README's first two lines are the install/run and test commands, and every ```python block of
README.md runs on its own in a fresh interpreter (cwd: the repository root) and shows the numbers it
claims.

Each block is one subprocess: a reader who copies any single block into a new session must get a
working example, so a block may not rely on names from an earlier one. The numbers a block claims
are checked by assertions appended to the block, keyed by a line that identifies the block.
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)

# a line that identifies a block (a regex) -> the assertions about it (run after the block, same interpreter)
CHECKS = {
    r"^sol = econ\.platform_problem": """
        assert abs(sol.value - 0.3) < 1e-7                                   # gamma_u min(q1, q2)
        assert np.allclose(sol.prices["consistency"].tolist(), [0.0, 1.0], atol=1e-7)   # V = q2 here
    """,
    r"^df = om\.sweep": """
        assert np.allclose(df["value"].tolist(), [0.1, 0.2, 0.3], atol=1e-7)
    """,
    r"^model = econ\.platform_problem": """
        assert model.solve().prices["privacy"] > 0      # the cap binds: relaxing it is worth something
    """,
    r"^sb = econ\.second_best": """
        assert abs(sb.value - 0.66) < 1e-6 and abs(fb.value - 0.66) < 1e-6   # GLP E2
    """,
    r"^res = broker\.solve": """
        assert abs(res.value - 11 / 24) < 1e-7                               # Yang's textbook example
    """,
    r"^mech = seller\.optimal_mechanism": """
        assert abs(mech.value - 1.5) < 1e-7 and abs(seg.revenue_change - 0.03125) < 1e-7   # HS
    """,
    r"^rev = s\.revenue_optimal": """
        assert abs(rev.value - 0.81663235) < 1e-8                            # BDHN, exact discrete table
    """,
    r"^table = om\.sweep": """
        assert len(table) == 6 and (table["status"] == "optimal").all()
        assert np.allclose(table["value"], np.minimum(table["q1"], table["q2"]), atol=1e-12)
        psi2 = table["price:consistency[w=2]"].to_numpy()
        assert np.allclose(psi2, np.where(table["q2"] < table["q1"], 1.0, 0.0))   # q2 short: a w=2 record is worth 1
    """,
}


def _assigned(pattern: str, block: str) -> bool:
    return re.search(pattern, block, flags=re.M) is not None


def _script(block: str) -> str:
    checks = [textwrap.dedent(code) for name, code in CHECKS.items() if _assigned(name, block)]
    return block + "\n# -- checks appended by tests/test_readme.py --\nimport numpy as np\n" + "".join(checks)


def test_readme_opens_with_the_two_commands():
    first = re.search(r"```bash\n(.*?)```", README, flags=re.S).group(1).strip().splitlines()
    # a virtual environment first: a system Python refuses `pip install .` (externally-managed-environment)
    assert first[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install . && optmarkets reproduce")
    assert first[1].startswith('pip install ".[test]" && python -m pytest')
    for extra in ("test", "dev", "docs", "notebooks", "bench", "plot", "distributed"):  # each extra is named
        assert f"`{extra}` (" in README, extra


def test_every_claimed_number_belongs_to_a_block():
    assert len(BLOCKS) >= 3
    for pattern in CHECKS:
        assert sum(_assigned(pattern, b) for b in BLOCKS) == 1, f"not exactly one README block matches {pattern!r}"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_on_its_own(index):
    block = BLOCKS[index]
    run = subprocess.run([sys.executable, "-c", _script(block)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"MPLBACKEND": "Agg", **_environ()})
    first_line = block.strip().splitlines()[0]
    assert run.returncode == 0, (f"README python block {index} ({first_line!r}) fails in a fresh interpreter:\n"
                                 + run.stderr[-3000:])


def _environ() -> dict:
    import os

    return dict(os.environ)
