"""The independent reference scripts under references/ (numpy/scipy only, no optmarkets) re-run here: the
tables the reproduce rows compare with are exactly their output."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optmarkets.papers.bdhn import examples, figures

ROOT = Path(__file__).resolve().parents[1]
BDHN = ROOT / "references" / "bdhn_reference.py"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


@pytest.fixture(scope="module")
def bdhn() -> dict:
    proc = subprocess.run([sys.executable, str(BDHN)], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(proc.stdout)


def test_the_reference_scripts_import_numpy_and_scipy_only():
    for path in sorted((ROOT / "references").glob("*.py")):
        roots = {name.split(".")[0] for name in _imports(path)}
        assert roots <= {"__future__", "itertools", "json", "math", "numpy", "scipy"}, (path, roots)


def test_bdhn_figure_tables_are_the_scripts_output(bdhn):
    assert bdhn["grid"] == dict(m=figures.M, vmax=figures.VMAX)
    assert {float(a): {k: tuple(v) for k, v in t.items()} for a, t in bdhn["figure6"].items()} == examples.FIG6_TABLE
    assert {(r["p_max"], r["alpha"]): (r["W_FB"], r["W_SB"], r["R"]) for r in bdhn["figure7"]} == examples.FIG7_TABLE
    assert set(examples.FIG6_TABLE) == set(figures.FIG6_ALPHAS)
    assert set(examples.FIG7_TABLE) == {(p, a) for p in figures.FIG7_PRIORS for a in figures.FIG7_ALPHAS}


def test_bdhn_exact_table_is_the_scripts_output_to_its_8_digits(bdhn):
    got = {(r["dist"], r["m"], r["vmax"], r["p_max"], r["alpha"]): (r["W_SB"], r["W_FB"], r["R"], r["pit_R_v1"])
           for r in bdhn["exact"]}
    assert set(got) == set(examples.EXACT_TABLE)
    for key, shipped in examples.EXACT_TABLE.items():
        assert got[key] == pytest.approx(shipped, abs=5e-9), key  # the spec prints 8 decimals


def test_bdhn_continuum_table_is_the_scripts_output_to_its_6_digits(bdhn):
    got = {(r["dist"], r["p_max"], r["alpha"]): (r["v*"], r["v~"], r["W_FB"], r["W_SB"], r["R"])
           for r in bdhn["continuum"]}
    assert set(got) == set(examples.CONTINUUM_TABLE)
    for key, shipped in examples.CONTINUUM_TABLE.items():
        assert got[key] == pytest.approx(shipped, abs=5e-7), key  # the spec prints 6 decimals (fractions exact)


def test_the_examples_cite_only_scripts_that_ship():
    """Every script an examples module names (a `*.py` in its notes) is in the repository."""
    cited = {(module.name, name) for module in ROOT.glob("optmarkets/papers/*/examples.py")
             for name in re.findall(r"[\w/.-]+\.py\b", module.read_text())}
    assert ("examples.py", "references/bdhn_reference.py") in cited
    missing = [(where, name) for where, name in cited if not (ROOT / name).is_file() and name != "examples.py"]
    assert not missing, missing
