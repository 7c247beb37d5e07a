"""The import contracts in pyproject.toml ([tool.importlinter]) hold: layers point down,
provider packages stay apart, emulators stay free of Django and product code; and no module
imports itself through others. Imports inside functions count: an import moved into a function
hides a dependency, it does not remove it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp  # installed with import-linter

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    # `lint-imports` run by the interpreter of the tests, so it reads the same installed packages.
    command = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"
    result = subprocess.run(  # noqa: S603 (a fixed command, no user input)
        [sys.executable, "-c", command, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    graph = grimp.build_graph(*config["tool"]["importlinter"]["root_packages"], cache_dir=None)
    cycles = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                cycles.add(" -> ".join((importer, *back)))
    assert not cycles, "\n".join(sorted(cycles))
