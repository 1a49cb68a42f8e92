"""The built site: every in-page link (`href="#..."`, the skip link and tables of contents included) names an
id of its page, and the 404 page's links are absolute (site_url set). Needs the `docs` extra (CI has it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return out


def test_every_in_page_anchor_exists(site):
    broken = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        ids = set(re.findall(r'id="([^"]+)"', text))
        broken += [f"{page.relative_to(site)}: {href}" for href in set(re.findall(r'href="#([^"]+)"', text))
                   if href not in ids]
    assert not broken, broken


def test_the_404_page_links_are_absolute(site):
    text = (site / "404.html").read_text(encoding="utf-8")
    stylesheets = re.findall(r'href="([^"]+\.css)"', text)
    assert stylesheets and all(h.startswith(("/", "http")) for h in stylesheets), stylesheets
