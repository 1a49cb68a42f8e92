"""The documentation site builds with `mkdocs build --strict` and every page in its navigation is built.

Notebooks are rendered from their stored outputs (mkdocs.yml: execute: false), so the build takes
seconds; tests/test_notebooks.py executes them.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _pages() -> list[str]:
    """The .md and .ipynb pages named in mkdocs.yml's nav."""
    return re.findall(r":\s*([\w./-]+\.(?:md|ipynb))\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)


def _built(page: str, site: Path) -> Path:
    stem = page.rsplit(".", 1)[0]
    return site / "index.html" if stem == "index" else site / stem / "index.html"


def test_every_page_in_the_nav_exists_and_every_doc_page_is_in_the_nav():
    pages = _pages()
    assert len(pages) >= 15
    assert all((DOCS / p).exists() for p in pages), [p for p in pages if not (DOCS / p).exists()]
    on_disk = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*") if p.suffix in (".md", ".ipynb")
               and "_hooks" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    assert on_disk <= set(pages), on_disk - set(pages)
    notebooks = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    missing = notebooks - set(pages)
    assert not missing, f"notebooks not rendered (add a docs/notebooks link and a nav entry): {missing}"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install '.[docs]'")
    pytest.importorskip("mkdocstrings", reason="the docs extra is not installed: pip install '.[docs]'")
    pytest.importorskip("mkdocs_jupyter", reason="the docs extra is not installed: pip install '.[docs]'")
    site = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env={**_env(), "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    missing = [p for p in _pages() if not _built(p, site).exists()]
    assert not missing, missing
    api = (site / "api" / "index.html").read_text()
    import optmarkets

    documented = (set(re.findall(r'id="optmarkets\.(\w+)"', api))
                  | set(re.findall(r'id="optmarkets\.app\.sweep\.(\w+)"', api)))
    assert set(optmarkets.__all__) <= documented, set(optmarkets.__all__) - documented


def _env() -> dict:
    import os

    return dict(os.environ)
