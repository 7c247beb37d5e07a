"""The API-key step every provider's wizard shares: the key and the region."""

from __future__ import annotations

import re

from django import forms

from integrations.providers.base import Region
from lib import widgets as fast_widgets


class ApiKeyForm(forms.Form):
    """Subclasses set the provider's wording; the regions are the provider's own."""

    key_help = ""
    region_help = ""
    not_a_key = "This does not look like an API key."
    # The characters a key of this provider is made of (its reference docs). Anything else is a
    # paste gone wrong; and a character outside Latin-1 cannot even be sent in the header
    # (requests raised UnicodeEncodeError: a 500 that, with DEBUG, showed the key).
    key_characters = re.compile(r"[A-Za-z0-9_+=./-]+")
    wrong_characters = (
        "An API key is made of ASCII letters, digits and the characters _ + = . / - only: "
        "copy it again from the provider."
    )

    # CharField strips surrounding whitespace and newlines: people paste keys with them.
    api_key = forms.CharField(
        label="API key",
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )
    region = forms.ChoiceField(label="Region", initial="us", widget=fast_widgets.RadioSelect)

    def __init__(self, *args: object, regions: tuple[Region, ...], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["api_key"].help_text = self.key_help
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [(r.slug, r.label) for r in regions]
        region.help_text = self.region_help

    def clean_api_key(self) -> str:
        key = "".join(self.cleaned_data["api_key"].split())
        # The message never repeats the key, nor the characters refused: it is a secret.
        if not self.key_characters.fullmatch(key):
            raise forms.ValidationError(self.wrong_characters)
        if len(key) < 8:
            raise forms.ValidationError(self.not_a_key)
        return key
