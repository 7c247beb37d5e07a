from __future__ import annotations

from django import forms

from integrations.providers.opsgenie import REGIONS


class OpsgenieKeyForm(forms.Form):
    # CharField strips surrounding whitespace and newlines: people paste keys with them.
    api_key = forms.CharField(
        label="API key",
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="OpsGenie → Settings → API key management. It is stored encrypted and never "
        "shown again; only its last four characters are displayed.",
    )
    region = forms.ChoiceField(
        label="Region",
        choices=[(region.slug, region.label) for region in REGIONS],
        initial="us",
        widget=forms.RadioSelect,
        help_text="The region your OpsGenie account lives in: EU if you sign in at "
        "app.eu.opsgenie.com.",
    )

    def clean_api_key(self) -> str:
        key = "".join(self.cleaned_data["api_key"].split())
        if len(key) < 8:
            raise forms.ValidationError("This does not look like an OpsGenie API key.")
        return key
