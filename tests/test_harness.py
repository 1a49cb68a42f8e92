"""The test suite's own harness: optional dependencies skip (not fail) the tests that need them, and a
per-test timeout is configured so that a hung test fails instead of stalling the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = sorted((ROOT / "notebooks").glob("*.ipynb"))[0].stem


def _run_hiding(module: str, nodeid: str) -> subprocess.CompletedProcess:
    """Run one test in a fresh interpreter where `module` cannot be imported (None in sys.modules)."""
    code = (f"import sys; sys.modules[{module!r}] = None; import pytest; "
            f"raise SystemExit(pytest.main(['-q', '-rs', '-p', 'no:cacheprovider', {nodeid!r}]))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=240)


@pytest.mark.parametrize("module, nodeid, extra", [
    ("matplotlib", f"tests/test_notebooks.py::test_notebook_runs[{NOTEBOOK}]", "notebooks"),
    ("nbclient", f"tests/test_notebooks.py::test_notebook_runs[{NOTEBOOK}]", "notebooks"),
    ("ipykernel", f"tests/test_notebooks.py::test_notebook_runs[{NOTEBOOK}]", "notebooks"),
    ("matplotlib", "tests/test_bench.py::test_cli_smoke_config_writes_records_and_report", "bench"),
])
def test_a_missing_optional_dependency_skips_with_its_reason(module, nodeid, extra):
    proc = _run_hiding(module, nodeid)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "1 skipped" in out and "failed" not in out and "passed" not in out, out
    assert f"needs {module}, which is not installed" in out and f"optmarkets[{extra}]" in out, out


def test_a_per_test_timeout_is_configured(request):
    assert request.config.pluginmanager.hasplugin("timeout"), "pytest-timeout is not installed"
    assert float(request.config.getini("timeout")) == 300
    assert request.config.getini("timeout_method") == "thread"
    assert request.config.getoption("timeout") is None  # so the ini value is the one in force


def test_the_configured_method_fails_a_hung_test(tmp_path):
    """The project's configuration with only the limit shortened: a sleeping test is stopped and fails."""
    test = tmp_path / "test_hang.py"
    test.write_text("import time\n\ndef test_hang():\n    time.sleep(60)\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "pyproject.toml",
                           "--rootdir", str(ROOT), "-o", "timeout=1", str(test)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "+++ Timeout +++" in out and "test_hang" in out, out
