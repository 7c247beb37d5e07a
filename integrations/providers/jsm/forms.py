"""The Connection details step: the site's name, the account's email and API token, the JQL."""

from __future__ import annotations

import re

from django import forms

from integrations.providers.jsm.site import site_name

DEFAULT_JQL = 'issuetype = "[System] Incident"'
MAX_JQL = 2000
# Atlassian API tokens are printable ASCII without spaces (ATATT3xFfGF0…=1A2B3C4D); anything
# else is a paste gone wrong, and could not even be sent in the Authorization header.
TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")
# EvidenceHub orders every search itself (created, then id): an ORDER BY of the admin's, outside
# quoted text, would make the JQL it adds to invalid.
QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
ORDER_BY = re.compile(r"\border\s+by\b", re.I)


class JsmConnectForm(forms.Form):
    site = forms.CharField(
        label="Site name",
        max_length=100,
        help_text="The name before .atlassian.net: acme for acme.atlassian.net. Only the name is "
        "used; EvidenceHub builds the address itself.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Atlassian account email",
        max_length=254,
        help_text="The account the API token belongs to. It needs an Operations role in Jira "
        "Service Management.",
    )
    # CharField strips surrounding whitespace and newlines: people paste tokens with them.
    api_token = forms.CharField(
        label="API token",
        max_length=400,
        help_text="id.atlassian.com → Security → API tokens. Stored encrypted and never shown "
        "again; only its last four characters are displayed.",
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
    )
    jql = forms.CharField(
        label="Incident JQL",
        max_length=MAX_JQL,
        initial=DEFAULT_JQL,
        help_text="Which work items are incidents. Checked by running it in Jira.",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )

    def clean_site(self) -> str:
        name = site_name(self.cleaned_data["site"])
        if name is None:
            raise forms.ValidationError(
                "Enter the site name only, as Atlassian allows it: at least 3 lowercase "
                "letters, digits or hyphens, not starting or ending with a hyphen (acme for "
                "acme.atlassian.net)."
            )
        return name

    def clean_api_token(self) -> str:
        token = "".join(self.cleaned_data["api_token"].split())
        # The message never repeats the token, nor the characters refused: it is a secret.
        if not TOKEN_CHARACTERS.fullmatch(token):
            raise forms.ValidationError(
                "An API token is made of ASCII letters, digits and punctuation only: copy it "
                "again from id.atlassian.com."
            )
        if len(token) < 16:
            raise forms.ValidationError("This does not look like an Atlassian API token.")
        return token

    def clean_jql(self) -> str:
        jql = self.cleaned_data["jql"].strip()
        if not jql:
            raise forms.ValidationError("Enter the JQL that finds your incidents.")
        if ORDER_BY.search(QUOTED.sub("", jql)):
            raise forms.ValidationError(
                "Leave out ORDER BY: EvidenceHub orders the search itself (oldest first)."
            )
        return jql
