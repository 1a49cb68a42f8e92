"""The package's layering: imports go only downward, `import optmarkets` stays light, modules stay small.

    core  <-  solvers  <-  builders, theory  <-  games, papers  <-  app

Checked statically with `ast` over every module of optmarkets/ (imports inside functions and under
`if TYPE_CHECKING:` count too; relative imports are resolved against the importing module). Dynamic
imports count as well: the string argument of `importlib.import_module(...)` / `__import__(...)` is
checked against the same rules, and one whose name is computed (not a literal) cannot be checked, so
it is a violation in a layered module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optmarkets"
ROOT = "optmarkets"
MAX_LINES = 500

LOW = ("core", "solvers")
#: layer -> the layers it may import (its own is always allowed; "papers" means the importer's own paper)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "solvers": {"core"},
    "builders": {*LOW},
    "theory": {*LOW},
    "games": {*LOW, "builders", "theory"},
    "mechanisms": {*LOW, "builders", "theory"},
    "papers": {*LOW, "builders", "theory"},
}
APP = "app"  # may import anything
SUBPACKAGES = {*ALLOWED, APP}


def _modules() -> list[tuple[str, Path]]:
    """(dotted name, path) of every module under optmarkets/."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


MODULES = _modules()


def _shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent)) if path.is_relative_to(PACKAGE.parent) else str(path)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of everything `path` imports; `from P import a` yields P.a (a may be a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name.split(".") if _is_package(path) else name.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 > len(package) - 1:
                    raise AssertionError(f"{path}:{node.lineno}: relative import beyond the top-level package")
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


#: the names the dynamic import functions are called by (`importlib.import_module`, `import_module`, `__import__`)
DYNAMIC = {"import_module", "__import__"}
#: module -> the modules it may load by name above its layer. The core's seam loads the solver layer by name on
#: first use (dependency inversion, core/seam.py); it is the one such import.
SEAMS: dict[str, set[str]] = {"optmarkets.core.seam": {"optmarkets.solvers"}}


def dynamic_imports(name: str, path: Path) -> list[tuple[int, str | None]]:
    """(line, absolute dotted name) of every `importlib.import_module("...")` / `__import__("...")` in
    `path`; None for a name computed at run time. A relative name is resolved against `package=`
    when that is a literal, `__package__` or `__name__`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name.split(".") if _is_package(path) else name.split(".")[:-1]
    out: list[tuple[int, str | None]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if called not in DYNAMIC:
            continue
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            out.append((node.lineno, None))
            continue
        target = arg.value
        if target.startswith("."):
            level = len(target) - len(target.lstrip("."))
            anchor = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "package"), None)
            if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
                base = anchor.value.split(".")
            elif isinstance(anchor, ast.Name) and anchor.id in ("__package__", "__name__"):
                base = package if anchor.id == "__package__" else name.split(".")
            else:
                out.append((node.lineno, None))
                continue
            if level - 1 > len(base) - 1:
                raise AssertionError(f"{path}:{node.lineno}: relative import beyond the top-level package")
            rest = target[level:]
            target = ".".join(base[: len(base) - (level - 1)] + ([rest] if rest else []))
        out.append((node.lineno, target))
        fromlist = next((k.value for k in node.keywords if k.arg == "fromlist"), None)
        if called == "__import__" and isinstance(fromlist, (ast.List, ast.Tuple)):
            out += [(node.lineno, f"{target}.{e.value}") for e in fromlist.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return out


def layer_of(dotted: str) -> tuple[str, str | None]:
    """(layer, paper) of an optmarkets module: the subpackage, or "root" for optmarkets/__init__ and its names."""
    parts = dotted.split(".")
    if len(parts) < 2 or parts[1] not in SUBPACKAGES:
        if len(parts) >= 2 and ((PACKAGE / f"{parts[1]}.py").exists() or (PACKAGE / parts[1]).is_dir()):
            return f"unclassified:{parts[1]}", None  # a new subpackage or module: give it a layer here
        return "root", None  # `import optmarkets`, `from optmarkets import __version__` or a re-exported name
    paper = parts[2] if parts[1] == "papers" and len(parts) > 2 else None
    return parts[1], paper


def violations(modules: list[tuple[str, Path]] = MODULES) -> list[str]:
    bad = []
    for name, path in modules:
        source_layer, source_paper = layer_of(name)
        if source_layer.startswith("unclassified"):
            bad.append(f"{_shown(path)}: module outside every known layer {sorted(SUBPACKAGES)}")
            continue
        if source_layer in (APP, "root"):
            if source_layer == "root":  # the package itself: everything but the application layer
                bad += [f"{_shown(path)}:{line}: imports {target} (the app layer loads lazily)"
                        for line, target in imported_modules(name, path)
                        if target.split(".")[0] == ROOT and layer_of(target)[0] == APP]
            continue
        dynamic = dynamic_imports(name, path)
        bad += [f"{_shown(path)}:{line}: {source_layer} imports a module whose name is computed at run time; "
                "the layering cannot be checked: import it by a literal name" for line, target in dynamic
                if target is None]
        for line, target in [*imported_modules(name, path), *((ln, t) for ln, t in dynamic if t is not None)]:
            if target.split(".")[0] != ROOT or target in SEAMS.get(name, set()):
                continue
            layer, paper = layer_of(target)
            own = layer == source_layer and (layer != "papers" or paper == source_paper)
            if own:  # its own layer; for a paper, its own package (optmarkets.papers itself only from itself)
                continue
            if layer in ALLOWED[source_layer]:
                continue
            what = f"paper '{paper}'" if layer == "papers" and paper else f"layer '{layer}'"
            bad.append(f"{_shown(path)}:{line}: {source_layer}"
                       f"{f' ({source_paper})' if source_paper else ''} imports {target}, {what}; "
                       f"{source_layer} may import only {sorted(ALLOWED[source_layer]) or 'itself'}")
    return bad


def test_layers_import_only_downward():
    bad = violations()
    assert not bad, "upward or sideways imports:\n  " + "\n  ".join(bad)


def test_the_checker_resolves_relative_imports_and_sees_violations(tmp_path):
    src = tmp_path / "x.py"
    src.write_text("from ..app import cli\nfrom ...papers.hs import seller\nfrom . import other\n"
                   "import optmarkets.solvers.registry\n\ndef lazy():\n    from .. import app\n")
    got = [target for _, target in imported_modules("optmarkets.papers.glp.x", src)]
    assert got == ["optmarkets.papers.app.cli", "optmarkets.papers.hs.seller", "optmarkets.papers.glp.other",
                   "optmarkets.solvers.registry", "optmarkets.papers.app"]
    init = tmp_path / "__init__.py"  # in a package's __init__, "." is the package itself
    init.write_text("from . import model\nfrom ..app.cli import main\nfrom .. import papers\n")
    got = [target for _, target in imported_modules("optmarkets.core", init)]
    assert got == ["optmarkets.core.model", "optmarkets.app.cli.main", "optmarkets.papers"]
    assert [layer_of(t)[0] for t in got] == ["core", "app", "papers"]
    assert layer_of("optmarkets.papers.hs.seller") == ("papers", "hs")
    assert layer_of("optmarkets.__version__") == ("root", None)
    assert layer_of("optmarkets.PersonalDataEconomy") == ("root", None)
    assert layer_of("optmarkets.solvers") == ("solvers", None)
    with pytest.raises(AssertionError, match="beyond"):
        imported_modules("optmarkets.core.model", src)


def test_the_checker_flags_upward_and_sideways_imports(tmp_path):
    count = iter(range(100))

    def check(name: str, source: str) -> list[str]:
        path = tmp_path / f"mod{next(count)}.py"
        path.write_text(source)
        return violations([(name, path)])

    assert check("optmarkets.core.x", "from ..solvers import registry\n")  # core imports nothing above it
    assert check("optmarkets.solvers.x", "from ..builders import family\n")
    assert check("optmarkets.builders.x", "from ..theory import bbm\n")  # builders and theory: siblings
    assert check("optmarkets.theory.x", "from optmarkets.builders import family\n")
    assert check("optmarkets.papers.glp.x", "from ...hs import seller\n")  # another paper
    assert check("optmarkets.papers.glp.x", "def f():\n    from ...app import sweep\n")  # lazily, still
    assert check("optmarkets.papers.glp.x", "import optmarkets\n")  # the root imports every paper
    assert check("optmarkets.games.x", "from ..papers.glp import economy\n")
    assert check("optmarkets.x", "from .app import cli\n")  # the package's own modules: never the app
    assert not check("optmarkets.papers.glp.x", "from . import economy\nfrom ...builders import family\n"
                     "from ...theory import bbm\nfrom ...solvers import registry\nfrom ...core import Model\n")
    assert not check("optmarkets.builders.x", "from ..core.model import Model\nfrom ..solvers import registry\n")
    assert not check("optmarkets.app.x", "import optmarkets\nfrom ..papers.hs import seller\n")


def test_every_module_belongs_to_a_layer():
    assert {layer_of(name)[0] for name, _ in MODULES} <= {*SUBPACKAGES, "root"}
    assert len(MODULES) > 20


def test_import_optmarkets_loads_no_application_module_and_no_matplotlib():
    code = ("import sys, optmarkets\n"
            "bad = sorted(m for m in sys.modules\n"
            "             if m.startswith('optmarkets.app') or m.split('.')[0] == 'matplotlib')\n"
            "print(','.join(bad))\n"
            "optmarkets.sweep, optmarkets.grid\n"  # the lazy names load the sweep module, still no matplotlib
            "assert 'optmarkets.app.sweep' in sys.modules, 'om.sweep did not load optmarkets.app.sweep'\n"
            "late = sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'"
            " or m.startswith(('optmarkets.app.cli', 'optmarkets.app.bench', 'optmarkets.app.reproduce')))\n"
            "print(','.join(late))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == "", f"`import optmarkets` loaded {first}"
    assert second == "", f"`optmarkets.sweep` loaded {second}"


def test_no_module_is_over_500_lines():
    big = sorted((len(path.read_text().splitlines()), _shown(path)) for _, path in MODULES)
    offenders = [f"{name} ({n} lines)" for n, name in big if n > MAX_LINES]
    assert not offenders, (f"{len(offenders)} module(s) of optmarkets/ over {MAX_LINES} lines; split them:\n  "
                           + "\n  ".join(offenders))


@pytest.mark.parametrize("name", [n for n, _ in MODULES if layer_of(n)[0] == APP])
def test_application_modules_are_at_most_500_lines(name):
    path = dict(MODULES)[name]
    assert len(path.read_text().splitlines()) <= MAX_LINES, name


def test_the_checker_sees_dynamic_imports(tmp_path):
    src = tmp_path / "x.py"
    src.write_text("import importlib\nfrom importlib import import_module\n"
                   "importlib.import_module('optmarkets.app.cli')\nimport_module('.economy', package=__package__)\n"
                   "def lazy(n):\n    __import__('optmarkets.papers', fromlist=['hs'])\n"
                   "    importlib.import_module('..hs', 'optmarkets.papers.glp')\n    import_module(n)\n")
    assert dynamic_imports("optmarkets.papers.glp.x", src) == [
        (3, "optmarkets.app.cli"), (4, "optmarkets.papers.glp.economy"), (6, "optmarkets.papers"),
        (6, "optmarkets.papers.hs"), (7, "optmarkets.papers.hs"), (8, None)]
    bad = violations([("optmarkets.papers.glp.x", src)])
    assert [b.split(": ", 1)[0].rsplit(":", 1)[1] for b in bad] == ["8", "3", "6", "6", "7"]
    assert "computed at run time" in bad[0] and "imports optmarkets.app.cli, layer 'app'" in bad[1]
    assert "imports optmarkets.papers.hs, paper 'hs'" in bad[3]


@pytest.mark.parametrize("source", ["import importlib\nimportlib.import_module('optmarkets.solvers.registry')\n",
                                    "__import__('optmarkets.builders')\n",
                                    "import importlib\ndef f(n):\n    return importlib.import_module(n)\n"])
def test_a_dynamic_upward_import_in_the_core_is_a_violation(tmp_path, source):
    path = tmp_path / "x.py"
    path.write_text(source)
    assert len(violations([("optmarkets.core.x", path)])) == 1
    assert not violations([("optmarkets.app.x", path)])  # the application layer may import anything


def test_the_core_seam_is_the_only_dynamic_exemption_and_it_is_seen(monkeypatch):
    seam = dict(MODULES)["optmarkets.core.seam"]
    assert [t for _, t in dynamic_imports("optmarkets.core.seam", seam)] == ["optmarkets.solvers"]
    assert SEAMS == {"optmarkets.core.seam": {"optmarkets.solvers"}}
    monkeypatch.setattr(sys.modules[__name__], "SEAMS", {})
    assert [b for b in violations() if "core/seam.py" in b and "imports optmarkets.solvers" in b]
