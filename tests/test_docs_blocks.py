"""Every ```python block of every documentation page runs (issue 28, item 1): a page's blocks run in
order in one fresh interpreter (cwd: the repository root), as a reader working down the page would
run them. A block the reader is not meant to run is marked ```text or ```pycon instead."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if "```python" in p.read_text())


def blocks(page: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(), flags=re.S | re.M)


def test_the_pages_with_code_are_found():
    names = {p.name for p in PAGES}
    assert {"games.md", "mechanisms.md", "certificate.md", "solvers.md", "getting-started.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_every_python_block_of_the_page_runs(page):
    script = "\n\n".join(["import matplotlib\nmatplotlib.use('Agg')", *blocks(page)])
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{page.name}:\n{run.stderr[-3000:]}"
