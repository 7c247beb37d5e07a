"""The GET filter form of a list page (incidents, alerts, the staff directory).

The URL is the filter, so it can be shared; an invalid value never fails the page: the form
drops that one filter, ``ignored()`` says which and why, and the list is shown with the others.
Its widgets are drawn by lib/widgets.py (the same markup as Django's, without its template
engine: a dozen fields cost 6–10 ms of a list page's 50 ms that way).
"""

from __future__ import annotations

from typing import Any

from django import forms

from lib import widgets

# Django's widget class → ours (the same attributes, a faster ``render``).
FAST_WIDGETS: dict[type[forms.Widget], type[forms.Widget]] = {
    forms.Select: widgets.Select,
    forms.TextInput: widgets.TextInput,
    forms.DateInput: widgets.DateInput,
    forms.RadioSelect: widgets.RadioSelect,
    forms.CheckboxSelectMultiple: widgets.CheckboxSelectMultiple,
}


class FilterForm(forms.Form):
    # Keys of ``filters()`` that order the list rather than narrow it.
    ordering_keys: tuple[str, ...] = ()
    # Fields the page places itself rather than in the filter grid (besides the search box).
    outside_grid: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each form holds its own copy of its fields and widgets: changing the class of this
        # copy leaves the declaration (and every other form) alone.
        for field in self.fields.values():
            fast = FAST_WIDGETS.get(type(field.widget))
            if fast is not None:
                field.widget.__class__ = fast

    def grid_fields(self) -> list[forms.BoundField]:
        """The fields of templates/includes/filter_form.html's grid: all but the search box."""
        return [field for field in self if field.name not in ("q", *self.outside_grid)]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments, from the valid values only."""
        raise NotImplementedError

    def ignored(self) -> list[tuple[str, str]]:
        """(field label, message) of every value that was dropped."""
        self.is_valid()
        return [
            (str(self[name].label), " ".join(errors))
            for name, errors in self.errors.items()
            if name in self.fields
        ]

    def has_filters(self) -> bool:
        return any(
            value for name, value in self.filters().items() if name not in self.ordering_keys
        )
