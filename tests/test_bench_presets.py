"""`optmarkets bench smoke` from any folder (issue 28, item 8): the presets ship inside the package, the
source tree's benchmarks/*.toml are links to them (one copy), and the JSONL goes where --out says, by
default into bench-results/, which git ignores."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import optmarkets.app.bench as bench_package
from optmarkets.app import bench
from optmarkets.app.bench.config import presets
from optmarkets.app.cli import main
from optmarkets.core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = Path(bench_package.__file__).resolve().parent / "presets"


def test_the_presets_are_package_files():
    assert presets() == ["full", "overhead", "smoke"]
    for name in presets():
        assert (PACKAGED / f"{name}.toml").is_file(), name
        tomllib.loads((PACKAGED / f"{name}.toml").read_text(encoding="utf-8"))  # valid TOML


def test_the_source_tree_keeps_one_copy():
    # benchmarks/NAME.toml (the README's commands) resolves to the packaged file itself, not a copy of it
    for name in presets():
        local = ROOT / "benchmarks" / f"{name}.toml"
        if local.exists():
            assert local.resolve() == (PACKAGED / f"{name}.toml").resolve(), local


def test_a_preset_name_resolves_from_the_package_outside_the_source_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./benchmarks here
    smoke = bench.BenchConfig.load("smoke")  # the values below are the preset file's, read by hand
    assert smoke.solvers == ["HIGHS", "CLARABEL"] and smoke.seeds == [0] and smoke.families is None
    assert smoke.tiers == {"low": 1e-3, "medium": 1e-6} and smoke.time_limit == 20.0 and smoke.repeat == 1
    overhead = bench.BenchConfig.load("overhead")
    assert overhead.solvers == ["HIGHS"] and overhead.repeat == 3 and overhead.time_limit == 120.0
    assert overhead.families == {"glp_platform": [25, 50, 100]}
    full = bench.BenchConfig.load("full")
    assert full.solvers == "all" and full.seeds == [0, 1] and full.tiers == {"low": 1e-3, "medium": 1e-6,
                                                                              "high": 1e-9}
    assert full.families is not None and full.families["glp_first_best"] == [10, 25, 50]


def test_a_local_benchmarks_preset_comes_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "smoke.toml").write_text("seeds = [7]\ntime_limit = 3\n")
    cfg = bench.BenchConfig.load("smoke")
    assert cfg.seeds == [7] and cfg.time_limit == 3.0 and cfg.solvers is None


@pytest.mark.parametrize("name", ["nosuch", "../smoke", "presets/smoke", "smoke.toml"])
def test_an_unknown_preset_lists_the_presets(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"config: no file .* presets: full, overhead, smoke$"):
        bench.BenchConfig.load(name)


def test_bench_smoke_runs_from_an_empty_folder_into_bench_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["bench", "smoke", "--families", "glp_platform:3", "--solvers", "HIGHS", "--tiers", "low", "--no-progress"]
    assert main(args) == 0
    out = tmp_path / "bench-results" / "bench-results.jsonl"
    assert f"1 records in {Path('bench-results') / 'bench-results.jsonl'}" in capsys.readouterr().out
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1
    rec = records[0]
    # the smoke preset's time limit (20 s) and seed (0), the command line's family, solver and tier
    assert (rec["time_limit"], rec["seed"], rec["size"], rec["solver"], rec["tier"]) == (20.0, 0, 3, "HIGHS", "low")
    inst = bench.family("glp_platform").instance(3, 0)
    econ = inst.economic.args[0]  # the generator's economy: Bergemann–Brooks–Morris' closed-form value
    assert rec["success"] and rec["objective"] == pytest.approx(econ.bbm_value(inst.model.value_of("q")), abs=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results"]  # nothing else written


def test_out_says_where_and_a_failed_command_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "smoke", "--families", "glp_platform:3", "--solvers", "HIGHS", "--tiers", "low",
                 "--no-progress", "--out", "mine.jsonl"]) == 0
    assert len((tmp_path / "mine.jsonl").read_text().splitlines()) == 1
    assert main(["bench", "nosuch", "--no-progress"]) == 2
    assert "no preset 'nosuch'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.jsonl"]  # no bench-results/ made


def test_report_without_matplotlib_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    assert main(["bench", "smoke", "--report", "report"]) == 2
    assert capsys.readouterr().err == ('optmarkets: error: bench --report needs matplotlib, which is not '
                                       'installed: pip install "optmarkets[bench]"\n')
    assert list(tmp_path.iterdir()) == []


def test_the_default_results_folder_is_ignored_by_git():
    lines = (ROOT / ".gitignore").read_text().splitlines()
    assert "bench-results/" in lines
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return
    check = subprocess.run(["git", "check-ignore", "-q", "bench-results/bench-results.jsonl"], cwd=ROOT)
    assert check.returncode == 0  # 0: ignored
