"""A settings model of exactly one row (a policy): read without being written, and its first
change recorded as a change from the defaults."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class SettingsRow(models.Model):
    """``current()`` is the stored row, or the defaults unsaved until an admin saves the form:
    a reader (a page view, a sync, an evaluation) must not appear in the row's history or the
    audit log as having set them."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The first save stores the defaults quietly (bulk_create sends no signal: no history,
        no audit entry), then saves the change over them: the history and the audit log read
        "72 → 48", not "None → 48"."""
        model = type(self)
        if self._state.adding and not model.objects.filter(pk=self.pk).exists():
            model.objects.bulk_create([model(pk=self.pk)])
            self._state.adding = False
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> Self:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
