"""The house rules, tested: which module may import what, and no module calls another's private names.

Every module of dlbook is imported in an interpreter that holds no dlbook module (a forked child of one that
loaded only numpy and matplotlib, and torch for the torch backend's modules) and the modules it loaded are read
back from sys.modules, so an indirect import (a module importing one that imports torch) counts as well.

    dlbook.torch.*                    the only package that imports torch at import time (dlbook.parallel
                                      imports it inside its functions: the data-parallel module may use it)
    dlbook.numpy.*                    the NumPy reference: never torch
    dlbook.widgets.*                  explorers: may use the NumPy reference directly (fast, torch-free),
                                      never torch; the only package that may import ipywidgets (lazily)
    everything else                   backend-agnostic: takes `dl` (or a model, read with backend_of) and
                                      loads neither backend
"""

import ast
import json
import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import dlbook

ROOT = Path(dlbook.__file__).parent
REPO = ROOT.parent

MODULES = sorted(["dlbook"] + [info.name for info in pkgutil.walk_packages([str(ROOT)], prefix="dlbook.")])
BACKENDS = ("dlbook.numpy", "dlbook.torch")


def within(name, package):
    return name == package or name.startswith(package + ".")


def may_load_numpy_reference(name):
    return within(name, "dlbook.numpy") or within(name, "dlbook.widgets")


def may_load_torch(name):
    return within(name, "dlbook.torch")


# A fresh interpreter per module would import numpy, matplotlib and (for the torch backend) torch 140 times, over a
# minute of CPU. Instead one interpreter imports what all its modules may load (PRELOAD), checks that this holds no
# module a rule is about, and forks a child per module: each child starts from that state, imports its module and
# reports sys.modules, so an indirect import counts as in a fresh interpreter.
PRELOAD = ("numpy", "matplotlib.pyplot")
PROBE = r"""
import importlib, json, os, sys
preload, names = [m for m in sys.argv[1].split(",") if m], sys.argv[2:]
for module in preload:
    importlib.import_module(module)
ruled = {"dlbook", "ipywidgets"} | ({"torch"} - set(preload))
early = sorted(m for m in sys.modules if m.split(".")[0] in ruled)
if early:
    sys.exit(f"the preload {preload} already holds {early[:5]}")


def report_import(name, write_end):  # in a forked child: import name, write sys.modules (or the error) as JSON
    try:
        importlib.import_module(name)
        message = {"modules": sorted(sys.modules)}
    except BaseException as error:
        message = {"error": f"{type(error).__name__}: {error}"}
    with os.fdopen(write_end, "w") as out:
        json.dump(message, out)


report = {}
for name in names:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:                                # whatever happens, the child never goes on into the parent's loop
            os.close(read_end)
            report_import(name, write_end)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as child:
        report[name] = json.loads(child.read() or '{"error": "the child died before it reported"}')
    os.waitpid(pid, 0)
print(json.dumps(report))
"""


def loaded_by(names, preload=PRELOAD):
    """{name: the modules a fresh interpreter holds after `import name`} (plus `preload`, loaded first)."""
    result = subprocess.run([sys.executable, "-c", PROBE, ",".join(preload), *names], capture_output=True,
                            text=True, cwd=REPO, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, f"the import probe failed:\n{result.stderr}"
    report = json.loads(result.stdout)
    errors = {name: entry["error"] for name, entry in report.items() if "error" in entry}
    assert not errors, f"importing failed: {errors}"
    return {name: set(entry["modules"]) for name, entry in report.items()}


@pytest.fixture(scope="module")
def loaded():
    """{module: the set of modules importing it loaded}, for every module of dlbook. The torch backend's modules
    start from an interpreter that holds torch already (they may load it); dlbook.torch itself does not, so that
    the probe is seen to catch torch."""
    with_torch = [name for name in MODULES if may_load_torch(name) and name != "dlbook.torch"]
    without = [name for name in MODULES if name not in with_torch]
    jobs = [(without[::2], PRELOAD), (without[1::2], PRELOAD), (with_torch, PRELOAD + ("torch",))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = pool.map(lambda job: loaded_by(*job), jobs)
    found = {name: modules for report in reports for name, modules in report.items()}
    assert sorted(found) == MODULES
    return found


def test_the_probe_sees_what_a_module_loads_indirectly(loaded):
    # dlbook.torch imports torch; dlbook.widgets reaches the NumPy reference through its explorers' modules
    assert "torch" in loaded["dlbook.torch"] and "dlbook.numpy" in loaded["dlbook.widgets"]
    assert "dlbook.core.errors" in loaded["dlbook.numpy"]


def test_the_layering_covers_every_module_of_the_package():
    files = {path.relative_to(ROOT.parent).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
             for path in ROOT.rglob("*.py")}
    assert files == set(MODULES)


@pytest.mark.parametrize("name", [name for name in MODULES if not may_load_torch(name)])
def test_no_module_outside_the_torch_backend_imports_torch_at_import_time(loaded, name):
    assert "torch" not in loaded[name], f"{name} imports torch at import time"


@pytest.mark.parametrize("name", [name for name in MODULES if not may_load_numpy_reference(name)
                                  and not may_load_torch(name)])
def test_backend_agnostic_modules_load_neither_backend(loaded, name):
    backends = sorted(backend for backend in BACKENDS if backend in loaded[name])
    assert not backends, f"{name} loads {backends}: take `dl` as an argument (or read it with backend_of)"


@pytest.mark.parametrize("name", [name for name in MODULES if within(name, "dlbook.numpy")])
def test_the_numpy_reference_never_loads_the_torch_backend(loaded, name):
    assert "dlbook.torch" not in loaded[name]


@pytest.mark.parametrize("name", MODULES)
def test_no_module_imports_ipywidgets_at_import_time(loaded, name):
    assert "ipywidgets" not in loaded[name], f"{name} imports ipywidgets at import time (only Explorer.live may)"


# ---------------------------------------------------------------- private names


def private_uses(source, module_name, is_package=False):
    """The private names (a leading underscore, dunders aside) that `source` (the text of module_name)
    takes from another dlbook module: `from .x import _y`, `import dlbook.x as m; m._y`, `from . import m; m._y`.
    Returns a list of 'line: what' strings."""
    package = module_name if is_package else module_name.rpartition(".")[0]
    tree = ast.parse(source)
    found, module_aliases = [], {}

    def absolute(level, module):
        if level == 0:
            return module or ""
        base = package.split(".")[: len(package.split(".")) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def private(name):
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source_module = absolute(node.level, node.module)
            if not within(source_module, "dlbook") or source_module == module_name:
                continue
            for alias in node.names:
                if private(alias.name):
                    found.append(f"{node.lineno}: from {source_module} import {alias.name}")
                else:
                    module_aliases[alias.asname or alias.name] = f"{source_module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if within(alias.name, "dlbook"):
                    module_aliases[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in module_aliases:
                found.append(f"{node.lineno}: {value.id}{''.join('.' + part for part in reversed(chain))}")
    return found


def python_sources():
    """(path, module name, is package) of every Python file of dlbook/ and benchmarks/."""
    for path in sorted([*ROOT.rglob("*.py"), *(REPO / "benchmarks").rglob("*.py")]):
        parts = path.relative_to(REPO).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        yield path, ".".join(parts[:-1] if is_package else parts), is_package


def notebook_sources():
    """(path, code of all code cells) of every chapter."""
    for path in sorted((REPO / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(line for line in cell["source"] if not line.lstrip().startswith(("%", "!")))
                         for cell in cells if cell["cell_type"] == "code")
        yield path, code


def test_the_private_name_check_finds_each_kind_of_use():
    source = ("from .errors import _hidden\nfrom . import windows\nimport dlbook.data as data\n"
              "windows._pair(3)\ndata._check(1)\nself._own = 1\n")
    assert private_uses(source, "dlbook.core.specs") == ["1: from dlbook.core.errors import _hidden",
                                                        "4: windows._pair", "5: data._check"]
    assert private_uses("from dlbook.torch.tensor import _pick\n", "chapter") == [
        "1: from dlbook.torch.tensor import _pick"]


@pytest.mark.parametrize(("path", "name", "is_package"), list(python_sources()),
                         ids=lambda value: value if isinstance(value, str) else None)
def test_no_module_uses_another_modules_private_names(path, name, is_package):
    assert private_uses(path.read_text(), name, is_package) == [], f"{path.relative_to(REPO)}"


@pytest.mark.parametrize(("path", "code"), list(notebook_sources()), ids=lambda value: getattr(value, "stem", None))
def test_no_chapter_uses_a_private_name_of_dlbook(path, code):
    assert private_uses(code, "chapter") == [], path.name
