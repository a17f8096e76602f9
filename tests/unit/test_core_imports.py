"""Import boundaries, checked in fresh interpreters.

- Every module under roleswitch/core imports without textual or rich (the core is headless).
- The cached export fast path (cli/fast.py, core.cache, core.export, core.paths, core.model, core.fileio)
  imports none of boto3, botocore, textual, rich, platformdirs, pathlib: it must answer in milliseconds.

Each check runs ``import <module>`` in a new ``python`` and reports only the modules that import added
(the interpreter's own start-up, e.g. an editable-install hook loading pathlib, is not the module's fault).
Modules not written yet are simply not collected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_DIR = os.path.join(ROOT, "roleswitch")

UI_MODULES = ("textual", "rich")
FAST_PATH_FORBIDDEN = ("boto3", "botocore", "textual", "rich", "platformdirs", "pathlib")
FAST_PATH_MODULES = (
    "roleswitch.cli.fast",
    "roleswitch.core.cache",
    "roleswitch.core.export",
    "roleswitch.core.paths",
    "roleswitch.core.model",
    "roleswitch.core.fileio",
)

PROBE = """
import importlib, json, sys
before = set(sys.modules)
importlib.import_module(sys.argv[1])
added = sorted(set(sys.modules) - before)
print(json.dumps(added))
"""


def core_modules() -> list[str]:
    """Every module of the roleswitch.core package, found on disk (importing nothing)."""
    names: list[str] = []
    core_dir = os.path.join(PACKAGE_DIR, "core")
    for directory, subdirs, files in os.walk(core_dir):
        subdirs[:] = sorted(d for d in subdirs if os.path.exists(os.path.join(directory, d, "__init__.py")))
        package = os.path.relpath(directory, ROOT).replace(os.sep, ".")
        for file in sorted(files):
            if file.endswith(".py"):
                stem = file[:-3]
                names.append(package if stem == "__init__" else f"{package}.{stem}")
    return names


def module_exists(name: str) -> bool:
    relative = os.path.join(ROOT, *name.split("."))
    return os.path.exists(relative + ".py") or os.path.exists(os.path.join(relative, "__init__.py"))


def imported_by(module: str) -> list[str]:
    """Top-level names of the modules that importing ``module`` in a fresh interpreter loads."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert result.returncode == 0, f"importing {module} failed:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def offenders(added: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted({name for name in added if name.split(".")[0] in forbidden})


def test_core_modules_are_found() -> None:
    modules = core_modules()
    assert "roleswitch.core.model" in modules and "roleswitch.core.errors" in modules


@pytest.mark.parametrize("module", core_modules())
def test_core_module_does_not_import_the_ui(module: str) -> None:
    bad = offenders(imported_by(module), UI_MODULES)
    assert not bad, f"{module} imports {', '.join(bad)}: roleswitch.core must stay headless"


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(not module_exists(name), reason=f"{name} not written yet"),
        )
        for name in FAST_PATH_MODULES
    ],
)
def test_fast_path_module_imports_nothing_heavy(module: str) -> None:
    bad = offenders(imported_by(module), FAST_PATH_FORBIDDEN)
    assert not bad, f"{module} imports {', '.join(bad)}: the cached export path must use the stdlib only"


def test_probe_sees_a_heavy_import() -> None:
    # The probe itself must be able to see what it guards against, or every test above passes vacuously.
    assert "botocore" in offenders(imported_by("botocore.session"), FAST_PATH_FORBIDDEN)
