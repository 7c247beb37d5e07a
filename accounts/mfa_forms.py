"""Forms of two-factor authentication: a code, turning it off, and the admin's policy."""

from __future__ import annotations

from django import forms

from accounts.models import MfaPolicy
from accounts.roles import Role
from lib import widgets as fast_widgets
from lib.concurrency import VersionedForm

ROLE_CHOICES = [(role.value, role.value) for role in Role]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6 digits the app shows now for EvidenceHub.",
    )


class TurnOffForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Or a code from your authenticator app",
        required=False,
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if not cleaned.get("password") and not cleaned.get("code"):
            raise forms.ValidationError("Enter your password or a current code to turn it off.")
        return cleaned


class MfaPolicyForm(VersionedForm):
    """Saved over the version it was loaded with (lib.settings_row.settings_save)."""

    mode = forms.ChoiceField(
        label="Two-factor authentication",
        choices=MfaPolicy.Mode.choices,
        widget=fast_widgets.RadioSelect,
    )
    roles = forms.MultipleChoiceField(
        label="Roles that must use it",
        choices=ROLE_CHOICES,
        required=False,
        widget=fast_widgets.CheckboxSelectMultiple,
    )

    class Meta:
        model = MfaPolicy
        fields = ["mode", "roles"]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("mode") != MfaPolicy.Mode.ROLES:
            cleaned["roles"] = []  # the roles are read only for "chosen roles"
        elif not cleaned.get("roles"):
            self.add_error("roles", "Choose at least one role, or choose another option.")
        return cleaned
