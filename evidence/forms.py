from __future__ import annotations

from datetime import date

from django import forms

from lib.dates import ISO_DATE, BoundedDateField
from lib.evidence_files import Period


class PeriodForm(forms.Form):
    # Only ISO dates: they must mean the same day in every locale.
    start = BoundedDateField(
        label="From", input_formats=ISO_DATE, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label="To (included)",
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])

    @staticmethod
    def default_initial() -> dict[str, str]:
        period = Period.default()
        return {"start": period.start.isoformat(), "end": period.end.isoformat()}
