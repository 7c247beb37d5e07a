"""A settings model of exactly one row (a policy): read without being written, its first change
recorded as a change from the defaults, and two admins saving it at once never silently losing
one change (issue 12)."""

from __future__ import annotations

from typing import Any, Self

from django.db import transaction

from lib.concurrency import VERSION, Versioned, VersionedForm, claim_version


class SettingsRow(Versioned):
    """``current()`` is the stored row, or the defaults unsaved until an admin saves the form:
    a reader (a page view, a sync, an evaluation) must not appear in the row's history or the
    audit log as having set them."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The first save stores the defaults quietly, then saves the change over them: the
        history and the audit log read "72 → 48", not "None → 48"."""
        if self._state.adding:
            self.store_defaults()
        super().save(*args, **kwargs)

    def store_defaults(self) -> None:
        """The defaults row, stored without a trace (bulk_create sends no signal: no history,
        no audit entry) unless it exists already: two first saves at once both get a row to
        save over, never an IntegrityError."""
        model = type(self)
        model.objects.bulk_create([model(pk=self.pk)], ignore_conflicts=True)
        self._state.adding = False

    @classmethod
    def current(cls) -> Self:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


def settings_save(form: VersionedForm) -> SettingsRow:
    """Save a policy form over the version it was loaded with; raises ChangedMeanwhile (nothing
    written) when another admin saved the policy since. The first save of all claims version 0
    of the quietly stored defaults, so of two first saves one wins and the other is told."""
    row: SettingsRow = form.instance
    with transaction.atomic():
        if row._state.adding:
            row.store_defaults()
        claim_version(row, form.cleaned_data[VERSION])
        return form.save()
