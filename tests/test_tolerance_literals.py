"""Every tolerance is named once in optmarkets/core/tolerances.py: no module of optmarkets/ writes a small
float literal (below 1e-3: 1e-6, 1e-9, 1e-300) of its own. Checked statically with `ast`. A small literal that is
data, not a tolerance (a benchmark's accuracy tier, a solver's documented option range), stays where it is, on a
line that says so in a comment: `# not a tolerance: <why>`."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "optmarkets"
HOME = PACKAGE / "core" / "tolerances.py"
#: a float literal below this in absolute value is a tolerance (or a guard) and belongs in core/tolerances.py
SMALL = 1e-3


#: the comment that accepts the small literals of its line as data: the marker, then a reason
MARKER = re.compile(r"#\s*not a tolerance:\s*\S")


def marked_lines(text: str) -> set[int]:
    """Lines carrying a `# not a tolerance: <why>` comment (a real comment token: the words in a string don't count)."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT and MARKER.match(tok.string)}


def small_literals(path: Path) -> list[tuple[int, float]]:
    """(line, value) of every float literal 0 < |value| < SMALL in `path` (a sign is a UnaryOp: its operand counts),
    except on a line marked `# not a tolerance: <why>`."""
    text = path.read_text()
    tree, marked = ast.parse(text, filename=str(path)), marked_lines(text)
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and type(node.value) is float and 0 < abs(node.value) < SMALL
                  and node.lineno not in marked)


def offenders(package: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(package.rglob("*.py")):
        shown = path.relative_to(package.parent).as_posix()
        if path == HOME:
            continue
        out += [f"{shown}:{line}: {value!r}" for line, value in small_literals(path)]
    return out


def test_no_tolerance_literal_outside_core_tolerances():
    bad = offenders()
    assert not bad, ("float literals below 1e-3 outside optmarkets/core/tolerances.py; name each there (reuse a "
                     "constant of the same meaning) and import it:\n  " + "\n  ".join(bad))


def test_the_scanner_sees_literals_anywhere_and_nothing_else(tmp_path):
    src = tmp_path / "x.py"
    src.write_text("A = 1e-9\ndef f(tol: float = 1e-6, n=1):\n    return max(n, 5e-300), -2.5e-4, 1e-3, 0.0, 1\n"
                   "B = '1e-9'\nC = 10 ** -9\nD = 0.5\n")
    assert small_literals(src) == [(1, 1e-9), (2, 1e-6), (3, 5e-300), (3, 2.5e-4)]
    marked = tmp_path / "marked.py"
    marked.write_text("A = 1e-9  # not a tolerance: a paper's epsilon\nB = 1e-9  # not a tolerance:\n"
                      "C = (1e-6,  # not a tolerance: a tier\n     1e-7)\nD = '# not a tolerance: in a string', 1e-8\n"
                      "E = 1e-5  # a comment, but not the marker\n")
    assert small_literals(marked) == [(2, 1e-9), (4, 1e-7), (5, 1e-8), (6, 1e-5)]  # the reason is required
    pkg = tmp_path / "optmarkets"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "tolerances.py").write_text("TOL = 1e-9\n")  # a different home: still flagged here
    (pkg / "core" / "certificate.py").write_text("X = 1e-300\n")
    (pkg / "mod.py").write_text("Y = 1e-12\n")
    assert offenders(pkg) == ["optmarkets/core/certificate.py:1: 1e-300", "optmarkets/core/tolerances.py:1: 1e-09",
                              "optmarkets/mod.py:1: 1e-12"]


def test_the_tolerances_module_holds_literals_and_the_moved_ones_are_there():
    from optmarkets.core import rowgen, tolerances
    from optmarkets.papers.hs import linear, one_product

    assert small_literals(HOME)  # the scanner does read it; it is skipped on purpose
    assert rowgen.ROWGEN_TOL is tolerances.ROWGEN_TOL == 1e-9
    assert linear.QUALITY_RISE is tolerances.QUALITY_RISE == 1e-4
    assert one_product.STRICT_TOL is tolerances.ECON_TOL  # the same concept: a relative economic comparison
    assert tolerances.SEGMENT_MASS_TOL == 1e-12 and tolerances.DIVISION_FLOOR == 1e-300


def test_the_literals_moved_from_papers_app_and_solvers_keep_their_values():
    from optmarkets.core import reference, tolerances
    from optmarkets.papers.bdhn import continuum as bdhn_continuum
    from optmarkets.papers.yang import continuum as yang_continuum
    from optmarkets.papers.yang import economy
    from optmarkets.solvers import iis

    assert reference.ACCURACY_TOL["first-order"] == tolerances.REPRODUCE_TOL_FIRST_ORDER == 1e-4
    assert bdhn_continuum.TAIL_MASS is tolerances.TAIL_MASS == 1e-15
    assert yang_continuum.QUAD_TOL is tolerances.QUAD_TOL == 1e-12 and tolerances.SCALAR_XTOL == 1e-10
    assert economy._TINY is tolerances.DIVISION_FLOOR  # the same guard: a scale kept positive before a division
    assert iis.SLACK_TOL is tolerances.IIS_SLACK_TOL == 1e-9
    assert tolerances.NO_TRADE_TOL == tolerances.GOAL_CHECK_TOL == 1e-9 and tolerances.HULL_X_TOL == 1e-15
    assert tolerances.PRINTED_4_TOL == 5e-5 and tolerances.RICHARDSON_TOL == 1e-5
