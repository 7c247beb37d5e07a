"""Accent- and case-insensitive search: text is compared folded, on every database.

SQLite's LIKE ignores case for ASCII only and PostgreSQL's not at all, and neither ignores
accents without an extension; so text is folded once in Python, when it is written, into a column
of its own, and the search folds its query the same way ("zurich" finds "Zürich" and "zürich"
finds "Zurich").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models

# Letters that carry no combining mark to strip, read as people type them without the accent;
# and every combining mark of the Basic Multilingual Plane, removed in one str.translate (a
# character-by-character test cost a sync a fifth of its time; make bench).
_PLAIN = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_STRIP = {
    **{code: None for code in range(0x10000) if unicodedata.combining(chr(code))},
    **_PLAIN,
}


def fold(text: str) -> str:
    """``text`` casefolded, compatibility-decomposed and without accents: "Zürich" → "zurich",
    "Straße" → "strasse"."""
    if text.isascii():
        # Nothing to decompose or strip (most incident text): a sync folds every title and
        # description it writes, and the character-by-character path cost it a fifth.
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_STRIP)


class FoldedTextField(models.TextField):
    """The folded copy of a model's ``sources`` text fields, for searching with ``contains``.

    Written by ``pre_save``, so Model.save, bulk_create and the incident store's own INSERT,
    COPY and UPDATE (which prepare every value through pre_save) keep it current; a plain
    ``QuerySet.update()`` of a source field does not, and must not be used for them."""

    def __init__(self, *args: Any, sources: Sequence[str] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = list(self.sources)
        return name, path, args, kwargs

    def folded(self, instance: models.Model) -> str:
        return self.folded_values({name: getattr(instance, name) for name in self.sources})

    def folded_values(self, values: Mapping[str, Any]) -> str:
        """The same from the sources' values by name (a row written without an instance)."""
        # A line break between sources, so a match never spans two fields.
        return fold("\n".join(str(values[name] or "") for name in self.sources))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.folded(model_instance)
        setattr(model_instance, self.attname, value)
        return value
