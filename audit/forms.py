from __future__ import annotations

from datetime import date

from django import forms

from audit.selectors import ACTIONS, AuditFilters, actor_choices, object_type_choices
from lib.dates import ISO_DATE, BoundedDateField


class AuditFilterForm(forms.Form):
    who = forms.ChoiceField(label="Who", required=False)
    object_type = forms.ChoiceField(label="What", required=False)
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *((key, key.capitalize()) for key in ACTIONS)],
    )
    start = BoundedDateField(
        label="From",
        required=False,
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = BoundedDateField(
        label="To (included)",
        required=False,
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["who"].choices = [("", "Anyone"), *actor_choices()]
        self.fields["object_type"].choices = [("", "Everything"), *object_type_choices()]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise forms.ValidationError(
                "The end date is before the start date: nothing can match. Swap them."
            )
        return cleaned

    @property
    def has_filters(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def filters(self) -> AuditFilters:
        """The valid filters; a refused form filters nothing (its errors are shown)."""
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            who=data["who"],
            object_type=data["object_type"],
            action=data["action"],
            start=data["start"],
            end=data["end"],
        )
