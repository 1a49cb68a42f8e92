"""Numbers the docs print against the results files of benchmarks/ they come from: a doc that drifts from its file,
or a file that drifts from its script, fails here.

Every number is read from the doc by a pattern that must match exactly once (a sentence reworded or removed fails
too), and compared with the file: docs/yang.md's counts over random markets with benchmarks/results/yang_counts.md
(`python benchmarks/yang_counts.py`), the README's solver comparison with benchmarks/results/solvers.md and the
records it is made of, solvers.jsonl (`python benchmarks/bench_solvers.py`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from optmarkets.app import bench

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def prose(path: Path) -> str:
    """The text with every run of whitespace one space (a sentence may wrap anywhere)."""
    return re.sub(r"\s+", " ", path.read_text())


def once(pattern: str, text: str) -> re.Match:
    found = list(re.finditer(pattern, text))
    assert len(found) == 1, f"{len(found)} matches of {pattern!r}: the sentence changed or was removed"
    return found[0]


def number(text: str) -> int:
    """A count as the doc prints it: 2,186 or none."""
    return 0 if text == "none" else int(text.replace(",", ""))


# ---------------------------------------------------------------- docs/yang.md: benchmarks/results/yang_counts.md
#: short names of the rows of yang_counts.md (its `what` column)
YANG_ROWS = {
    "l3": "random regular markets with 3-5 costs and 3-5 values, one random psi in [c, p0] each",
    "l3 quasi": "the construction is psi-quasi-perfect",
    "l3 cycle": "IC transfers exist (no positive misreport cycle)",
    "l3 grid": "violate the grid form of (8)",
    "l3 envelope": "the envelope transfers are not IC",
    "t8": "random partitional markets where it held (largest-price re-pricing of the maximal-surplus optimum)",
    "t9": "random partitional markets",
    "t9 discrete": "meet the discrete condition",
    "t9 hit": "discrete condition: the better canonical mechanism is IC, IR and attains R*",
    "t9 paper": "meet [Y]'s condition",
    "t9 miss": "[Y]'s condition: no canonical mechanism is IC, IR and attains R*",
    "t9 built": "canonical mechanisms built (two per market)",
    "t9 not IC": "mechanisms not IC",
    "t9 not IR": "mechanisms not IR",
    "t9 not IR discrete": "not IR, under the discrete condition",
    "t10": "random one-producer markets (1-3 groups, 2-4 values, 2-3 costs)",
    "t10 zero": "zero consumer surplus over the optimal face",
    "t11 condition": "meet the theorem's condition",
    "t11 tied": "condition met: the price-controlling broker earns the broker's revenue",
    "t11 outside": "condition not met: the price-controlling broker earns the broker's revenue",
    "t11 relaxation": "the price-controlling broker earns at least the broker's revenue",
}
#: (a sentence of docs/yang.md, for each of its numbers the (row, column) pairs of yang_counts.md it prints)
YANG_NUMBERS = [
    (r"one random psi in each of ([\d,]+) random regular markets with 3-5 costs and 3-5 values \((\d+) of them "
     r"violate the grid form of \(8\); in (\d+) the envelope transfers are not IC, yet IC transfers exist\)",
     [[("l3", "of"), ("l3 grid", "of"), ("l3 envelope", "of")], [("l3 grid", "count")],
      [("l3 envelope", "count")]]),
    (r"On (\d+) random partitional markets it held in (\d+) ", [[("t8", "of")], [("t8", "count")]]),
    (r"On (\d+) random partitional markets the better of the two is IC, IR and attains the LP optimum in (\d+) of "
     r"the (\d+) markets meeting the discrete condition",
     [[("t9", "of"), ("t9 discrete", "of")], [("t9 hit", "count")], [("t9 hit", "of"), ("t9 discrete", "count")]]),
    (r"misses it in (\d+) of the (\d+) meeting \[Y\]'s condition",
     [[("t9 miss", "count")], [("t9 miss", "of"), ("t9 paper", "count")]]),
    (r"Of the (\d+) mechanisms built, (\d+) are not IR \((none|\d+) under the discrete condition\) and (\d+) not IC",
     [[("t9 built", "count"), ("t9 not IR", "of"), ("t9 not IC", "of")], [("t9 not IR", "count")],
      [("t9 not IR discrete", "count")], [("t9 not IC", "count")]]),
    (r"On (\d+) random one-producer markets \(1-3 groups, 2-4 values, 2-3 costs\)",
     [[("t10", "of"), ("t10 zero", "of"), ("t11 condition", "of"), ("t11 relaxation", "of")]]),
    (r"earns the same as the broker in all (\d+) markets meeting the theorem's condition",
     [[("t11 tied", "count"), ("t11 tied", "of"), ("t11 condition", "count")]]),
    (r"uniform price\) and in (\d+) of the (\d+) others", [[("t11 outside", "count")], [("t11 outside", "of")]]),
]
#: sentences of docs/yang.md that claim every market (the row's count is all of it)
YANG_EVERY = [
    (r"In \[Y\]'s range the scheme is still psi-quasi-perfect and admits IC transfers", ["l3 quasi", "l3 cycle"]),
    (r"the largest consumer surplus over the optimal face is 0 in every one \(Theorem 10\)", ["t10 zero"]),
    (r"it is a relaxation, never below", ["t11 relaxation"]),
]


def table_rows(text: str, first_column: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header starts with `first_column`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def yang_counts() -> dict[str, dict[str, int]]:
    rows = table_rows((RESULTS / "yang_counts.md").read_text(), "claim")
    by_what = {what: {"count": int(count), "of": int(of)} for _, count, of, what in rows}
    assert len(by_what) == len(rows), "two rows of yang_counts.md say the same thing"
    missing = set(YANG_ROWS.values()) - set(by_what)
    assert not missing, f"yang_counts.md lacks {sorted(missing)}"
    return {name: by_what[what] for name, what in YANG_ROWS.items()}


@pytest.mark.parametrize("pattern, groups", YANG_NUMBERS, ids=[p[:40] for p, _ in YANG_NUMBERS])
def test_yang_doc_prints_the_counts_of_its_results_file(pattern, groups, yang_counts):
    found = once(pattern, prose(ROOT / "docs" / "yang.md"))
    for printed, cells in zip(found.groups(), groups, strict=True):
        for row, column in cells:
            assert number(printed) == yang_counts[row][column], (
                f"docs/yang.md prints {printed} where benchmarks/results/yang_counts.md has "
                f"{yang_counts[row][column]} ({column} of {YANG_ROWS[row]!r}); rerun benchmarks/yang_counts.py "
                "and copy its numbers")


@pytest.mark.parametrize("pattern, rows", YANG_EVERY, ids=[p[:40] for p, _ in YANG_EVERY])
def test_yang_doc_claims_every_market_where_the_file_counts_all(pattern, rows, yang_counts):
    once(pattern, prose(ROOT / "docs" / "yang.md"))
    for row in rows:
        assert yang_counts[row]["count"] == yang_counts[row]["of"], YANG_ROWS[row]


def test_yang_counts_script_runs_on_a_few_markets():
    """The script behind the file runs (on 1% of its markets; the file holds the full run)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import yang_counts
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rows = yang_counts.rows(scale=0.01)
    assert {what for _, _, _, what in rows} == set(YANG_ROWS.values())
    assert all(0 <= count <= of for _, count, of, _ in rows)


# ---------------------------------------------------------------- README: benchmarks/results/solvers.md
#: the README's names of the benchmark families
FAMILIES = {"P_q": "glp_platform", "FB'": "glp_first_best", "Yang": "yang_broker", "HS": "hs_mechanism",
            "BDHN": "bdhn_revenue"}
README_SOLVERS = (r"three tiers \((\d+) records, `python benchmarks/bench_solvers.py`: "
                  r"`benchmarks/results/solvers.md`")
README_PRICES = (r"Prices differ from HiGHS's by up to ([\d.]+) \(P_q; ([\d.]+) among the accepted solves\), "
                 r"([\d.]+) \(FB'\), ([\d.]+) \(Yang\), ([\d.]+) \(HS\), ([\d.]+) \(BDHN\)")
README_CLARABEL = (r"Clarabel's recomputed dual residual on P_q stays just above the acceptance line \(([\d.e-]+) "
                   r"and ([\d.e-]+) against 1e-2; ([\d.e-]+) against 1e-5; ([\d.e-]+) against 1e-8\)")


@pytest.fixture(scope="module")
def solver_records():
    return bench.load(RESULTS / "solvers.jsonl")


def same_to_printed_digits(printed: str, value: float) -> bool:
    """`printed` is `value` rounded to the decimals it shows (4.0 for 4.03; 0.75 for 0.750005)."""
    decimals = len(printed.partition(".")[2])
    return round(value, decimals) == float(printed)


def test_solvers_md_is_the_report_of_its_records(solver_records):
    """solvers.md is `bench.report` of solvers.jsonl (what benchmarks/bench_solvers.py writes), not edited by hand
    (compared with every run of whitespace one space: pandas may align its columns differently)."""
    text = prose(RESULTS / "solvers.md")
    title, body = (re.sub(r"\s+", " ", part) for part in bench.report(solver_records).split("\n", 1))
    assert text.startswith(title + " ") and body in text


def test_readme_prints_the_price_differences_of_solvers_md(solver_records):
    readme = prose(ROOT / "README.md")
    assert int(once(README_SOLVERS, readme).group(1)) == len(solver_records)
    table = {row[0]: row for row in (line.split() for line in (RESULTS / "solvers.md").read_text().splitlines())
             if row and row[0] in FAMILIES.values()}
    header = next(line.split() for line in (RESULTS / "solvers.md").read_text().splitlines()
                  if line.split()[:2] == ["family", "model"])
    # the model column has spaces: read the numbers from the right, by their place among the columns
    from_right = {name: len(header) - header.index(name) for name in ("max_price_diff", "max_price_diff_accepted")}
    largest = {f: float(table[f][-from_right["max_price_diff"]]) for f in FAMILIES.values()}
    accepted = {f: float(table[f][-from_right["max_price_diff_accepted"]]) for f in FAMILIES.values()}
    expected = bench.price_differences(solver_records).set_index("family")
    for f in FAMILIES.values():  # the file's table is the records' (to its 3 digits)
        assert float(f"{expected.at[f, 'max_price_diff']:.3g}") == largest[f]
    pq, pq_accepted, *others = once(README_PRICES, readme).groups()
    assert same_to_printed_digits(pq, largest["glp_platform"]), pq
    assert same_to_printed_digits(pq_accepted, accepted["glp_platform"]), pq_accepted
    for name, printed in zip(("FB'", "Yang", "HS", "BDHN"), others, strict=True):
        assert same_to_printed_digits(printed, largest[FAMILIES[name]]), (name, printed, largest[FAMILIES[name]])


def test_readme_names_the_solves_that_fail_acceptance(solver_records):
    """The README's account of the unsuccessful records: who fails where, and Clarabel's residuals."""
    readme = prose(ROOT / "README.md")
    failed = solver_records[~solver_records["success"].astype(bool)]
    by_solver = {s: sorted(zip(g["instance"], g["tier"])) for s, g in failed.groupby("solver")}
    for solver in ("HIGHS", "HIGHS_IPM", "ECOS", "SCS"):  # "succeed on every record"
        assert solver not in by_solver and solver in set(solver_records["solver"])
    once(r"HiGHS, HIGHS_IPM, ECOS and SCS succeed on every record", readme)
    once(r"SciPy's HiGHS fails one Yang instance at 1e-3", readme)
    assert by_solver["SCIPY"] == [("yang_broker/n=10/seed=0", "low")]
    clarabel = failed[failed["solver"] == "CLARABEL"]
    assert set(clarabel["instance"].str.split("/").str[0]) == {"glp_platform"}
    printed = once(README_CLARABEL, readme).groups()
    tiers = ["low", "low", "medium", "high"]
    residuals = sorted(zip(clarabel["tier"].map(tiers.index), clarabel["dual_residual"]))
    assert [float(f"{r:.1e}") for _, r in residuals] == [float(p) for p in printed]
