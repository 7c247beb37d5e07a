from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from incidents.models import DATA_CATEGORIES, STAKEHOLDERS, DataLossReport, IncidentPolicy
from lib import widgets as fast
from lib.concurrency import VersionedForm

NOTIFIED_FIELDS = [f"{key}_notified_on" for key, _label in STAKEHOLDERS]


class DataLossForm(VersionedForm):
    categories = forms.MultipleChoiceField(
        label="Data categories",
        choices=DATA_CATEGORIES,
        required=False,
        widget=fast.CheckboxSelectMultiple,
    )

    class Meta:
        model = DataLossReport
        fields = [
            "data_lost",
            "what_happened",
            "no_loss_explanation",
            "categories",
            "records_affected",
            "people_affected",
            *NOTIFIED_FIELDS,
            "reference_notes",
        ]
        # Drawn by Python (lib/widgets.py, Django's markup byte for byte): every incident page
        # shows this form, and Django's template per widget was a quarter of the page's time.
        widgets = {
            "data_lost": fast.RadioSelect,
            "what_happened": fast.Textarea(attrs={"rows": 3}),
            "no_loss_explanation": fast.Textarea(attrs={"rows": 2}),
            "reference_notes": fast.Textarea(attrs={"rows": 2}),
            "records_affected": fast.NumberInput,
            "people_affected": fast.NumberInput,
            **{name: fast.DateInput(attrs={"type": "date"}) for name in NOTIFIED_FIELDS},
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("data_lost") == "no" and (
            cleaned.get("categories") or cleaned.get("records_affected")
        ):
            self.add_error(
                "data_lost", "You said no data was lost but listed categories or records."
            )
        mention = self.instance.incident.data_loss_mention
        if (
            cleaned.get("data_lost") == "no"
            and mention
            and not (cleaned.get("no_loss_explanation") or "").strip()
        ):
            self.add_error(
                "no_loss_explanation",
                "The source reports data loss: say who assessed it and why no data was lost.",
            )
        self._check_notification_dates(cleaned)
        return cleaned

    def _check_notification_dates(self, cleaned: dict) -> None:
        """A disclosure makes the data-loss check pass: its date must be one that could be
        true, between the incident's creation and today."""
        today = timezone.localdate()
        incident = self.instance.incident
        reported = timezone.localdate(incident.created_at) if incident.created_at else None
        for name in NOTIFIED_FIELDS:
            notified = cleaned.get(name)
            if notified is None:
                continue
            if notified > today:
                self.add_error(name, "This date is in the future: give the day it happened.")
            elif reported is not None and notified < reported:
                self.add_error(
                    name,
                    "This date is before the incident was reported "
                    f"({date_format(reported, 'j M Y')}).",
                )


class IncidentPolicyForm(VersionedForm):
    class Meta:
        model = IncidentPolicy
        fields = [
            "high_sla_hours",
            "medium_sla_hours",
            "low_sla_hours",
            "close_check_uses_sla",
            "assess_resolved_high",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("high_sla_hours", "medium_sla_hours", "low_sla_hours"):
            value = cleaned.get(name)
            if value is not None and not 1 <= value <= 24 * 365:
                self.add_error(name, "An SLA is between 1 hour and 365 days (8760 hours).")
        return cleaned
