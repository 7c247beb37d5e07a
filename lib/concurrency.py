"""Optimistic concurrency for edit forms: two people who save the same record at once never
lose a change silently (issue 12).

A versioned record counts its saves. Its form carries, hidden, the version it was loaded with;
the save first claims the next version with one conditional UPDATE (``WHERE version = loaded``),
which the database grants to exactly one of two concurrent saves (PostgreSQL makes the second
wait for the first, then finds the version gone). The loser changes nothing and gets
``ChangedMeanwhile``; its view shows the form again with what was typed, carrying the current
version, so saving again after a look at the other change is a deliberate choice.

A form filled in on a blank record (version 0) whose record someone else created first is
different: nobody's work was based on the other's, so when the two touched different fields (or
typed the same) the late one becomes an edit of the first (``as_edit_of``).

The merge hands the form's widgets plain values: it suits forms whose widgets read one value
per field name (inputs, selects, checkboxes), not split widgets (a MultiWidget).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from auditlog.models import LogEntry
from django import forms
from django.db import IntegrityError, models, transaction

VERSION = "version"
MISSING = "This form has no version: reload the page and save again."
M = TypeVar("M", bound=models.Model)
F = TypeVar("F", bound=forms.ModelForm)


class Versioned(models.Model):
    """A record whose saves are counted (``claim_version`` raises the count)."""

    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Saves so far: a form saved over a newer one is refused.",
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Version 0 is the blank record a form was filled in on, never a stored one.
        if self._state.adding and not self.version:
            self.version = 1
        super().save(*args, **kwargs)


def last_changed_by(record: models.Model) -> str:
    """Who made the latest change, as people read it: from the record's django-simple-history,
    or else from the audit log (django-auditlog) for a model only it records."""
    history = getattr(record, "history", None)
    if history is not None:
        latest = history.order_by("-history_date", "-history_id").first()
        user = latest.history_user if latest is not None else None
        found = latest is not None
    else:
        entry = LogEntry.objects.get_for_object(record).order_by("-timestamp", "-pk").first()
        user = entry.actor if entry is not None else None
        found = entry is not None
    if not found:
        return "someone else"
    return user.get_username() if user is not None else "the system"


class ChangedMeanwhile(Exception):  # noqa: N818 - named for what the user is told
    """The record changed since the form was loaded: nothing was saved."""

    def __init__(self, current: models.Model) -> None:
        self.current = current
        self.by = last_changed_by(current)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"Changed by {self.by} meanwhile — review and save again."

    def reshow(self, form: F) -> F:
        """``form`` again, bound to what was typed, on the current record and carrying its
        version (saving it again is a deliberate overwrite), with the message on top."""
        data = form.data.copy()
        data[form.add_prefix(VERSION)] = str(self.current.version)  # type: ignore[attr-defined]
        # A copy of its own: validating the form writes the typed values onto its instance.
        fresh = type(self.current)._default_manager.get(pk=self.current.pk)
        again = type(form)(data, form.files or None, instance=fresh)
        again.full_clean()
        again.add_error(None, self.message)
        return again


class VersionedForm(forms.ModelForm):
    """A model form over a ``Versioned`` model: carries the version it was loaded with."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault(VERSION, self.instance.version)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get(VERSION) is None:
            if self.instance._state.adding:
                cleaned[VERSION] = 0  # a new record: nothing it could overwrite
            else:
                # A hidden field's own error is not shown next to any input: say it on top.
                self.add_error(None, MISSING)
        return cleaned


def claim_version(record: Versioned, loaded: int) -> None:
    """Claim the save after version ``loaded`` for ``record``, in the caller's transaction,
    just before saving it; raises ChangedMeanwhile (nothing written) when someone saved since.
    A record not yet in the database has nothing to claim (its save makes it version 1): a
    unique field tells when another was saved first, the caller decides what then."""
    if record._state.adding:
        return
    manager = type(record)._default_manager
    claimed = manager.filter(pk=record.pk, version=loaded).update(version=loaded + 1)
    if not claimed:
        raise ChangedMeanwhile(manager.get(pk=record.pk))
    record.version = loaded + 1


def as_edit_of(form: F, current: Versioned, *, blank: Mapping[str, Any]) -> F:
    """A form filled in on a blank record (``blank``: the form's initial values for one) as an
    edit of ``current``, which someone saved first: the fields typed here over theirs. Raises
    ChangedMeanwhile when both changed one field to different values, or when the result is
    not valid as a whole (say, their categories with this "no data was lost")."""
    theirs = type(form)(instance=current).initial
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == VERSION:
            continue
        typed, base, saved = form[name].data, blank.get(name), theirs.get(name)
        if field.has_changed(base, typed):
            if field.has_changed(base, saved) and field.has_changed(saved, typed):
                raise ChangedMeanwhile(current)
            data[form.add_prefix(name)] = typed
        else:
            data[form.add_prefix(name)] = saved
    data[form.add_prefix(VERSION)] = current.version
    edit = type(form)(data, instance=current)
    if not edit.is_valid():
        # Validation wrote the merged values onto ``current``: report the saved record.
        raise ChangedMeanwhile(type(current)._default_manager.get(pk=current.pk))
    return edit


class RefusedMeanwhile(Exception):  # noqa: N818 - named for what the user is told
    """A unique value the form checked was taken by another save meanwhile: nothing was saved.
    ``form`` is the form validated again, now carrying the field's usual refusal."""

    def __init__(self, form: forms.BaseForm) -> None:
        self.form = form
        super().__init__("; ".join(str(error) for error in form.errors.values()))


def save_unique(form: F, save: Callable[[], M]) -> M:
    """Run ``save`` (which writes what ``form`` validated) in its own transaction. When a unique
    constraint refuses it because another save took the value after the form checked it, the
    form is validated again against what is stored now, and RefusedMeanwhile carries its
    answer: the same message as when the two saves are not simultaneous, never a 500."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        instance = form.instance
        if not instance._state.adding:
            instance = type(instance)._default_manager.get(pk=instance.pk)
        else:
            instance = type(instance)()
        again = type(form)(form.data, form.files or None, instance=instance)
        if again.is_valid():
            raise  # not a value the form checks: a real fault, reported as one
        raise RefusedMeanwhile(again) from None
