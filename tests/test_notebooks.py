"""Every notebook in notebooks/ runs top to bottom (the papers' figures are reproducible)."""

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
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
