from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from checks.models import SpecialCasePolicy
from lib.concurrency import VersionedForm
from lib.dates import months_ahead
from lib.uploads import ALLOWED_TEXT, KINDS, attachment_problem

MAX_ITEMS_AT_ONCE = 500


class ItemKeysField(forms.Field):
    """The failing items chosen (checkboxes named item_keys); the view checks they still fail."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):  # type: ignore[no-untyped-def]
        return [str(key)[:120] for key in value or [] if str(key).strip()]

    def validate(self, value) -> None:  # type: ignore[no-untyped-def]
        if not value:
            raise forms.ValidationError("Choose at least one failing item.")
        if any("\x00" in key for key in value):
            # No item key holds one, and PostgreSQL refuses it in a query parameter.
            raise forms.ValidationError("The chosen items are not ones this check lists.")


class SpecialCaseForm(forms.Form):
    """Marks one failing item, or several of one check at once, with one reason (PRODUCT 5:
    a reason and an expiry no further than the policy allows)."""

    item_keys = ItemKeysField()
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why this item is out of scope. Auditors read this.",
        error_messages={"required": "A special case needs a reason."},
    )
    attachment = forms.FileField(
        label="Supporting file (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(KINDS)}),
    )
    expires_on = forms.DateField(
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The item counts as failing again from this date.",
        error_messages={"required": "A special case needs an expiry date."},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        megabytes = settings.MAX_ATTACHMENT_BYTES / (1024 * 1024)
        self.fields["attachment"].help_text = f"{ALLOWED_TEXT}; at most {megabytes:g} MB."
        self.max_months = SpecialCasePolicy.current().max_months
        self.latest = months_ahead(timezone.localdate(), self.max_months)
        self.fields[
            "expires_on"
        ].help_text += (
            f" At most {self.max_months} months ahead ({date_format(self.latest, 'j M Y')})."
        )

    def clean_item_keys(self) -> list[str]:
        keys = list(dict.fromkeys(self.cleaned_data["item_keys"]))
        if len(keys) > MAX_ITEMS_AT_ONCE:
            raise forms.ValidationError(f"Choose at most {MAX_ITEMS_AT_ONCE} items at once.")
        return keys

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A special case needs a reason.")
        return reason

    def clean_attachment(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data.get("attachment")
        if upload:
            problem = attachment_problem(upload, max_bytes=settings.MAX_ATTACHMENT_BYTES)
            if problem:
                raise forms.ValidationError(problem)
        return upload

    def clean_expires_on(self) -> date:
        day = self.cleaned_data["expires_on"]
        if day <= timezone.localdate():
            raise forms.ValidationError("The expiry date must be in the future.")
        if day > self.latest:
            raise forms.ValidationError(
                f"A special case lasts at most {self.max_months} months: choose "
                f"{date_format(self.latest, 'j M Y')} or earlier."
            )
        return day


class EndSpecialCaseForm(forms.Form):
    reason = forms.CharField(
        label="Why end it now?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="The item counts as failing again at once. Auditors read this.",
        error_messages={"required": "Say why the special case ends."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the special case ends.")
        return reason


class SpecialCasePolicyForm(VersionedForm):
    class Meta:
        model = SpecialCasePolicy
        fields = ["max_months"]

    def clean_max_months(self) -> int:
        months = self.cleaned_data["max_months"]
        if not 1 <= months <= 36:
            raise forms.ValidationError("Between 1 and 36 months.")
        return months
