from __future__ import annotations

from django import forms
from django.utils import timezone

from access.models import CriticalSystem
from access.review_models import Decision, ReviewerMode, ReviewPolicy
from lib import widgets as fast_widgets
from lib.concurrency import VersionedForm
from lib.dates import ISO_DATE, months_ahead, validate_day
from lib.model_choices import ModelMultipleChoiceField

# A review is due within a year of its start: a later date is a typo (9999-12-31).
DUE_MONTHS_AHEAD = 12


class ReviewForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages={"required": "Give the review a name, e.g. “Q1 2027 access review”."},
    )
    systems = ModelMultipleChoiceField(
        label="Critical systems to review",
        queryset=CriticalSystem.objects.none(),
        widget=fast_widgets.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one critical system to review.",
            "invalid_choice": "Choose critical systems from the list.",
            "invalid_pk_value": "Choose critical systems from the list.",
        },
    )
    due_on = forms.DateField(
        label="Due date",
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give a due date.", "invalid": "Give a date as YYYY-MM-DD."},
    )
    reviewer_mode = forms.ChoiceField(
        label="Who reviews",
        choices=ReviewerMode.choices,
        initial=ReviewerMode.OWNER,
        widget=fast_widgets.RadioSelect,
        error_messages={"invalid_choice": "Choose who reviews from the list."},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["systems"]
        field.queryset = CriticalSystem.objects.select_related("connection").order_by("pk")  # type: ignore[attr-defined]
        field.label_from_instance = lambda system: system.name  # type: ignore[attr-defined]

    def clean_due_on(self):  # type: ignore[no-untyped-def]
        due = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if due < today:
            raise forms.ValidationError("The due date is in the past.")
        validate_day(due, earliest=today, latest=months_ahead(today, DUE_MONTHS_AHEAD))
        return due


DECISIONS = [(value, label) for value, label in Decision.choices if value]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=DECISIONS,
        widget=fast_widgets.RadioSelect,
        error_messages={
            "required": "Choose Keep, Revoke or Change role.",
            "invalid_choice": "Choose Keep, Revoke or Change role.",
        },
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for Revoke and Change role: what should change, and why.",
    )
    reason = forms.CharField(
        label="Why you decide on your own account",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PolicyForm(VersionedForm):
    class Meta:
        model = ReviewPolicy
        fields = ["removal_days"]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["removal_days"]
        field.min_value, field.max_value = 1, 365  # type: ignore[attr-defined]
        field.widget.attrs.update(min=1, max=365)
        field.validators.append(_in_range)
        field.error_messages["required"] = "Give a number of days from 1 to 365."
        field.error_messages["invalid"] = "Give a number of days from 1 to 365."


def _in_range(value: int) -> None:
    if not 1 <= value <= 365:
        raise forms.ValidationError("Give a number of days from 1 to 365.")
