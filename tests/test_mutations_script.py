"""benchmarks/mutations.py (issue 30): the mutation list stays in sync with the code, --list works, and the
verdicts and the Markdown report come out right. Fast: no mutant is run here."""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "mutations.py"


def _load():
    spec = importlib.util.spec_from_file_location("optmarkets_mutations_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


mut = _load()
NAMES = [m.name for m in mut.MUTATIONS]


def test_names_are_unique_and_the_list_is_not_empty():
    assert len(NAMES) >= 20 and len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("mutation", mut.MUTATIONS, ids=NAMES)
def test_every_mutation_applies_exactly_once_to_the_current_tree(mutation):
    """The old text occurs exactly once (in a mutant run's copy, its own mutation's new text does instead)."""
    ok, state = mut.in_sync(mutation, ROOT)
    assert ok, f"{mutation.name}: {state} in {mutation.file}; update benchmarks/mutations.py"


@pytest.mark.parametrize("mutation", mut.MUTATIONS, ids=NAMES)
def test_every_mutant_still_parses(mutation, tmp_path):
    """A mutation is a bug the tests must catch, not a syntax error that any import catches."""
    if os.environ.get(mut.MUTANT_ENV) == mutation.name:
        pytest.skip("this run's copy holds the mutant already")
    target = tmp_path / mutation.file
    target.parent.mkdir(parents=True)
    original = (ROOT / mutation.file).read_text()
    target.write_text(original)
    mut.apply(mutation, tmp_path)
    text = target.read_text()
    assert text != original and mutation.old != mutation.new and mutation.breaks
    ast.parse(text, filename=mutation.file)


def test_apply_fails_loudly_when_the_old_text_is_gone_or_ambiguous(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\nx = 1\n")
    with pytest.raises(mut.MutationError, match="occurs 2 times"):
        mut.apply(mut.Mutation("twice", "a.py", "x = 1", "x = 2", "b"), tmp_path)
    with pytest.raises(mut.MutationError, match="occurs 0 times"):
        mut.apply(mut.Mutation("gone", "a.py", "y = 1", "y = 2", "b"), tmp_path)
    with pytest.raises(mut.MutationError, match="does not exist"):
        mut.apply(mut.Mutation("nofile", "b.py", "x", "y", "b"), tmp_path)
    mut.apply(mut.Mutation("once", "a.py", "x = 1\nx = 1\n", "x = 3\n", "b"), tmp_path)
    assert (tmp_path / "a.py").read_text() == "x = 3\n"


def test_list_prints_every_mutation_in_sync(capsys):
    assert mut.main(["--list"]) == 0
    out = capsys.readouterr().out
    for m in mut.MUTATIONS:
        assert m.name in out and m.file in out
    assert "OUT OF SYNC" not in out


def test_only_rejects_an_unknown_name():
    with pytest.raises(SystemExit, match="unknown mutation"):
        mut.main(["--only", "no-such-mutation"])
    assert [m.name for m in mut.select(["retries-emptied", NAMES[0]])] == [NAMES[0], "retries-emptied"]


@pytest.mark.parametrize("code, output, timed_out, verdict, failure", [
    (0, "1234 passed in 300.00s\n", False, "NOT caught", ""),
    (1, "..F\nFAILED tests/core/test_core.py::test_prices[min-<=] - AssertionError: x - y\n1 failed\n", False,
     "caught", "tests/core/test_core.py::test_prices[min-<=]"),
    (1, "ERROR tests/test_model.py::test_a - ValueError\n", False, "caught", "tests/test_model.py::test_a"),
    (1, "+++++++ Timeout +++++++\n[gw1] node down\nworker 'gw1' crashed while running 'tests/a.py::test_b'\n",
     False, "caught (test timeout)", "tests/a.py::test_b"),
    (None, "+++++++ Timeout +++++++\n", True, "caught (test timeout)", ""),
    (None, "....\n", True, "NOT caught (time limit)", ""),
    (None, "FAILED tests/a.py::test_c - x\n", True, "caught", "tests/a.py::test_c"),
    (5, "no tests ran\n", False, "error: pytest exit code 5, no failing test reported", ""),
])
def test_verdicts(code, output, timed_out, verdict, failure):
    assert mut.verdict(code, output, timed_out) == (verdict, failure)


def test_markdown_report_from_fake_results():
    a, b = mut.MUTATIONS[0], mut.MUTATIONS[1]
    results = [mut.Result(a, "caught", "tests/x.py::test_y[a|b]", 12.4, 1),
               mut.Result(b, "NOT caught", "", 301.0, 0)]
    baseline = mut.Result(mut.Mutation("(baseline: no mutation)", "", "", "", ""), "NOT caught", "", 290.0, 0)
    text = mut.markdown(results, date="2025-01-02", revision="abc1234 with uncommitted changes",
                        command="python benchmarks/mutations.py --baseline", baseline=baseline)
    lines = text.splitlines()
    assert "2025-01-02" in text and "abc1234 with uncommitted changes" in text
    assert "**1 of 2 mutations caught**" in text and "313 s in all" in text
    assert "Baseline (the unmutated tree): passes" in text
    header = lines.index("| mutation | file | what it breaks | caught? | first failing test | seconds |")
    assert lines[header + 1] == "|---|---|---|---|---|---:|"
    rows = lines[header + 2:]
    assert len(rows) == 2
    assert rows[0] == (f"| {a.name} | {a.file} | {a.breaks} | caught | `tests/x.py::test_y[a\\|b]` | 12 |")
    assert rows[1].startswith(f"| {b.name} | {b.file} |") and rows[1].endswith("| NOT caught | - | 301 |")
    for row in rows:  # six cells: an escaped | in a test id does not split one
        assert row.replace("\\|", "").count("|") == 7
    partial = mut.markdown(results[:1], date="d", revision="r", command="c", partial=True)
    assert "partial run" in partial and "Baseline" not in partial and "the default test run" in partial
    subset = mut.markdown(results[:1], date="d", revision="r", command="c", partial=True, tests=["tests/a.py"])
    assert "-n 2 tests/a.py` (a subset of the tests, not the default test run)" in subset
