from __future__ import annotations

import re
from collections.abc import Sequence

from django import forms

from integrations.forms import ApiKeyForm
from integrations.models import ProviderService
from lib import widgets as fast_widgets


class PagerDutyKeyForm(ApiKeyForm):
    key_help = (
        "PagerDuty → Integrations → API Access Keys → Create New API Key, with “Read-only API "
        "Key” ticked. It is stored encrypted and never shown again; only its last four "
        "characters are displayed."
    )
    region_help = "EU if your account's API host is api.eu.pagerduty.com (service region EU)."
    not_a_key = "This does not look like a PagerDuty API key."
    # Account keys are 20 letters, digits, _ and -; user keys start with u+ (reference:
    # pagerduty-api.md §1.2).
    key_characters = re.compile(r"[A-Za-z0-9_+-]+")
    wrong_characters = (
        "A PagerDuty API key is made of ASCII letters, digits and the characters _ + - only: "
        "copy it again from PagerDuty."
    )


class ServicesForm(forms.Form):
    """Which services' incidents count, and where staff report incidents."""

    scope = forms.ChoiceField(
        label="Incidents of",
        choices=[("all", "All services (also services added later)"), ("some", "Only these")],
        initial="all",
        widget=fast_widgets.RadioSelect,
    )
    service_ids = forms.MultipleChoiceField(
        label="Services", required=False, widget=fast_widgets.CheckboxSelectMultiple
    )
    report_email = forms.EmailField(
        label="Email address staff use to report incidents (optional)",
        required=False,
        max_length=254,
        help_text="Shown to staff on the “Report an incident” page. Leave empty if you have none.",
    )

    def __init__(self, *args: object, services: Sequence[ProviderService], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["service_ids"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (s.upstream_id, f"{s.name} (deleted in PagerDuty)" if s.deleted_upstream else s.name)
            for s in services
        ]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == "some" and not cleaned.get("service_ids"):
            self.add_error(
                "service_ids", "Tick at least one service, or choose All services instead."
            )
        if cleaned.get("scope") == "all":
            cleaned["service_ids"] = []
        return cleaned
