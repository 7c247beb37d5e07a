"""The contract between the sandbox server and each provider's emulator: every registered
provider mounts itself, the server serves what it mounts, and emulators stay apart from Django
and the product."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from integrations.providers.registry import PACKAGES, providers
from integrations.sandbox.contract import Mounted
from integrations.sandbox.server import MOUNTS, SandboxKeys, SandboxServer
from tests.sandbox.support import NOW

ROOT = Path(__file__).resolve().parents[2]
# The only product modules allowed to import an emulator: the commands that run one.
EMULATOR_DOORS = {
    "integrations/management/commands/sandbox.py",
    "integrations/management/commands/sandbox_control.py",
}


def _is_emulator(module: str) -> bool:
    """`integrations.sandbox...` or `integrations.providers.<name>.sandbox...`."""
    parts = module.split(".")
    if parts[:2] == ["integrations", "sandbox"]:
        return True
    return parts[:2] == ["integrations", "providers"] and parts[3:4] == ["sandbox"]


def _project_packages() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")


def _project_files() -> list[tuple[str, str]]:
    """(path, module) of every project file outside the tests."""
    return [
        (path.relative_to(ROOT).as_posix(), ".".join(path.relative_to(ROOT).with_suffix("").parts))
        for package in _project_packages()
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at its top or inside a function."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def _few_incidents() -> dict[str, int]:
    return {module.INCIDENT_OPTION: 5 for module in MOUNTS}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_registered_provider_has_a_sandbox_mount(package: str):
    module = importlib.import_module(f"{package}.sandbox.mount")

    assert callable(module.mount)
    options = {
        name
        for name, parameter in inspect.signature(module.mount).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert module.INCIDENT_OPTION in options
    assert {option for _flag, option, _help in module.OPTION_FLAGS} <= options
    assert {key for _flag, key, _help in module.KEY_FLAGS} <= set(module.KEYS)
    assert module in MOUNTS


def test_the_server_serves_every_registered_provider_at_its_prefixes(sandbox: SandboxServer):
    assert {mounted.slug for mounted in sandbox.mounted} == set(providers())
    described = requests.get(f"{sandbox.base_url}/_sandbox/keys", timeout=10).json()
    for mounted in sandbox.mounted:
        assert isinstance(mounted, Mounted)
        assert mounted.apps and mounted.stores
        for prefix in mounted.apps:
            answer = requests.get(f"{sandbox.base_url}{prefix}/no-such-path", timeout=10)
            # The provider's app answers (with its own 401 or 404), not the dispatcher.
            assert "Nothing is mounted" not in answer.text, prefix
            assert described[prefix.strip("/").replace("/", "_") + "_url"] == (
                sandbox.base_url + prefix
            )


def test_time_passes_in_every_registered_provider_and_region():
    server = SandboxServer(seed=3, users=3, now=NOW, **_few_incidents())
    for mounted in server.mounted:
        for region, store in mounted.stores.items():
            before = len(store.incidents())
            summary = server.advance(region=region, provider=mounted.slug, new=2, deleted=1)
            assert len(summary["created"]) == 2
            assert len(store.incidents()) == before + 1


def test_every_provider_contributes_its_keys_in_registry_order():
    names = [name for module in MOUNTS for name in module.KEYS]

    assert list(SandboxKeys.from_seed(1).as_dict()) == names


def test_an_option_no_provider_takes_is_refused():
    with pytest.raises(TypeError, match="no_such_option"):
        SandboxServer(no_such_option=1)


def test_the_emulators_load_without_django_or_product_modules():
    packages = [*_project_packages(), "django"]
    script = "\n".join(
        [
            "import sys",
            "from integrations.sandbox.server import SandboxServer",
            f"SandboxServer(users=3, **{_few_incidents()!r})",
            f"print(' '.join(m for m in sys.modules if m.split('.')[0] in {packages!r}))",
        ]
    )
    loaded = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()

    assert not [m for m in loaded if m.startswith("django")]
    # Outside the emulators, only the registry and what it needs (plain dataclasses).
    others = [m for m in loaded if not _is_emulator(m)]
    assert set(others) <= {
        "integrations",
        "integrations.providers",
        "integrations.providers.base",
        "integrations.providers.registry",
        *PACKAGES,
    }


@pytest.mark.parametrize(
    ("path", "module"),
    [(path, module) for path, module in _project_files() if _is_emulator(module)],
)
def test_an_emulator_imports_only_its_own_package_and_the_shared_sandbox(path: str, module: str):
    own = module.split(".sandbox")[0] + ".sandbox"
    allowed = ("integrations.sandbox", own)
    for name in _imports(ROOT / path):
        if name.split(".")[0] not in _project_packages():
            continue  # the standard library or a third-party library
        if module == "integrations.sandbox.server" and name == "integrations.providers.registry":
            continue
        assert name.startswith(allowed), f"{path} imports {name}"


def test_product_code_never_imports_an_emulator():
    for path, module in _project_files():
        if _is_emulator(module) or path in EMULATOR_DOORS:
            continue
        for name in _imports(ROOT / path):
            assert not _is_emulator(name), f"{path} imports {name}"
