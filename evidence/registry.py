"""The files of the evidence export, contributed by the apps that own the data.

Each installed app may have an ``evidence`` module listing its ``FILES`` (plain
``lib.evidence_files.EvidenceFile`` descriptions). They are found here, in the layer above them,
so that no app imports the export: the arrows point down. A new app's evidence is one new
module, and this file stops growing.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from lib.evidence_files import EvidenceFile

MODULE = "evidence"
_FILES: dict[str, EvidenceFile] = {}


def register(file: EvidenceFile) -> EvidenceFile:
    if file.name in _FILES and _FILES[file.name] is not file:
        raise ValueError(f"Two evidence files are named {file.name}.")
    _FILES[file.name] = file
    return file


def _discover() -> None:
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, MODULE):
            module = import_module(f"{app.name}.{MODULE}")
            for file in getattr(module, "FILES", ()):
                register(file)


def evidence_files() -> list[EvidenceFile]:
    """Every app's files, in the order the ZIP's manifest lists them."""
    _discover()
    return sorted(_FILES.values(), key=lambda file: (file.order, file.name))
