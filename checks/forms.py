from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone


class SpecialCaseForm(forms.Form):
    item_key = forms.CharField(widget=forms.HiddenInput, max_length=120)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why this item is out of scope. Auditors read this.",
    )
    attachment = forms.FileField(label="Supporting file (optional)", required=False)
    expires_on = forms.DateField(
        label="Expires on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The item counts as failing again after this date.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A special case needs a reason.")
        return reason

    def clean_attachment(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > settings.MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."
            )
        return upload

    def clean_expires_on(self):  # type: ignore[no-untyped-def]
        day = self.cleaned_data.get("expires_on")
        if day and day <= timezone.localdate():
            raise forms.ValidationError("The expiry date must be in the future.")
        return day
