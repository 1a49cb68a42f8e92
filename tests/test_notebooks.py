"""Every notebook in notebooks/ runs top to bottom (the papers' figures are reproducible), and its committed
outputs are what a fresh run prints: the same text, numbers equal to 6 significant digits, timings excepted."""

import copy
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


#: what running a notebook needs (the `notebooks` extra): missing, the test is skipped, not failed
NEEDS = ("nbformat", "nbclient", "ipykernel", "matplotlib")


def _needs() -> dict:
    """The modules of NEEDS, imported; a missing one skips the calling test, naming it and the extra."""
    return {name: pytest.importorskip(name, reason=f"running the notebooks needs {name}, which is not installed: "
                                                   'pip install "optmarkets[notebooks]"')
            for name in NEEDS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    mods = _needs()  # before any kernel starts: every notebook draws with matplotlib
    nbformat, nbclient = mods["nbformat"], mods["nbclient"]
    nb = nbformat.read(path, as_version=4)
    committed = copy.deepcopy(nb)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    stale = [(i, want, got) for i, (old, new) in enumerate(zip(committed.cells, nb.cells, strict=True))
             if old.cell_type == "code" and (want := _text(old)) != (got := _text(new))]
    assert not stale, "committed outputs differ from a fresh run (re-run the notebook and commit it): " + "; ".join(
        f"cell {i}: committed {want[:300]!r}, fresh {got[:300]!r}" for i, want, got in stale[:3])


#: lines that print a duration or a machine: they differ run to run
TIMING = re.compile(r"(\bseconds?\b|\btime|timings|\d\s*s\b|\bms\b|elapsed|wall)", re.I)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _rounded(match: re.Match) -> str:
    value = float(match.group())
    return "0" if abs(value) < 1e-9 else f"{value:.6g}"  # not a tolerance: display rounding of printed numbers


def _text(cell) -> str:
    """A code cell's printed text (streams, consecutive pieces of one stream joined, and plain-text results),
    numbers to 6 significant digits, round-off below 1e-9 as 0, runs of spaces as one, timing lines dropped;
    images are not compared (their data are the numbers above)."""
    parts: list[str] = []
    previous = None
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and previous == ("stream", out.name):
            parts[-1] += out.text  # the kernel may flush one print in pieces; Jupyter shows them as one text
        elif out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            data = out.get("data", {})
            parts.append(data.get("text/plain", "") if "image/png" not in data else "")
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        previous = (out.output_type, out.get("name"))
    lines = [" ".join(NUMBER.sub(_rounded, line).split()) for line in "\n".join(parts).splitlines()
             if not TIMING.search(line)]  # column widths follow the numbers' widths: spacing not compared
    return "\n".join(line for line in lines if line)


def test_one_print_flushed_in_pieces_reads_as_one_line():
    """The kernel may send one print as several stream outputs (CI saw "3/7" and " = 3/2 ..." apart):
    pieces of one stream join as Jupyter shows them; a result between two prints still starts a line."""
    nbformat = pytest.importorskip("nbformat")
    out = nbformat.v4.new_output
    pieces = {"outputs": [out("stream", name="stdout", text="3/7"), out("stream", name="stdout", text=" = 3/7\n")]}
    whole = {"outputs": [out("stream", name="stdout", text="3/7 = 3/7\n")]}
    assert _text(pieces) == _text(whole) == "3/7 = 3/7"
    apart = {"outputs": [out("stream", name="stdout", text="a"),
                         out("execute_result", data={"text/plain": "b"}, execution_count=1),
                         out("stream", name="stdout", text="c")]}
    assert _text(apart) == "a\nb\nc"
    two_streams = {"outputs": [out("stream", name="stdout", text="a"), out("stream", name="stderr", text="b")]}
    assert _text(two_streams) == "a\nb"
