"""The channel form: a name, the key (write-only), where to send, what to send.

The same form serves OpsGenie (US, EU or Jira Service Management) and PagerDuty's Events API
(US or EU); ``kind`` fixes which endpoints and which key shape it accepts. The key is never
rendered back: on an edit, an empty key field keeps the stored one.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from integrations.records import Priority
from lib import widgets as fast_widgets
from lib.checks import checks_for
from lib.concurrency import VersionedForm
from lib.events import EVENT_TYPES, PRIORITIES, EventGroup, EventType
from notifications.models import Channel, ChannelKind, Endpoint

ENDPOINTS: dict[str, tuple[str, ...]] = {
    ChannelKind.OPSGENIE: (Endpoint.US, Endpoint.EU, Endpoint.JSM),
    ChannelKind.PAGERDUTY: (Endpoint.US, Endpoint.EU),
}
PAGERDUTY_ENDPOINT_LABELS = {
    Endpoint.US: "US (events.pagerduty.com)",
    Endpoint.EU: "EU (events.eu.pagerduty.com)",
}
# What a key may look like: printable ASCII without spaces. An OpsGenie API-integration key is a
# UUID, a PagerDuty routing key 32 letters and digits; both shapes are checked for a clear hint.
KEY_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")
OPSGENIE_KEY = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
PAGERDUTY_KEY = re.compile(r"^[0-9A-Za-z]{32}$")
MIN_PRIORITY_CHOICES = [
    (Priority.HIGH.value, "High only"),
    (Priority.MEDIUM.value, "Medium and High"),
    (Priority.LOW.value, "Low, Medium and High"),
    ("any", "Every priority, unknown included"),
]
DEFAULT = ""


def priority_field(event_type: EventType) -> str:
    return f"priority_{event_type.value}"


class ChannelForm(VersionedForm):
    secret = forms.CharField(
        label="API key",
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        choices=[(t.value, t.label) for t in EventType],
        widget=fast_widgets.CheckboxSelectMultiple,
        required=False,
    )
    check_keys = forms.MultipleChoiceField(
        label="Checks",
        required=False,
        widget=fast_widgets.CheckboxSelectMultiple,
        help_text="None ticked: every check.",
    )
    min_incident_priority = forms.ChoiceField(
        label="New incidents at or above", choices=MIN_PRIORITY_CHOICES
    )

    class Meta:
        model = Channel
        fields = ["name", "endpoint", "event_types", "check_keys", "min_incident_priority"]
        labels = {"endpoint": "Send to"}
        widgets = {"endpoint": fast_widgets.RadioSelect}

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        allowed = ENDPOINTS[kind]
        labels = PAGERDUTY_ENDPOINT_LABELS if kind == ChannelKind.PAGERDUTY else {}
        endpoint = self.fields["endpoint"]
        endpoint.choices = [(e.value, labels.get(e, Endpoint(e).label)) for e in allowed]  # type: ignore[attr-defined]
        self.fields["check_keys"].choices = sorted(
            ((check.key, check.title) for check in checks_for()), key=lambda pair: pair[1]
        )
        self.fields["name"].help_text = "How this channel is named here and in its alerts' tags."
        secret = self.fields["secret"]
        if kind == ChannelKind.PAGERDUTY:
            secret.label = "Integration key (routing key)"
            secret.help_text = (
                "From a service's Integrations tab in PagerDuty: an “Events API V2” integration."
            )
        else:
            secret.help_text = (
                "The API key of an API integration of a team (in OpsGenie: Teams → the team → "
                "Integrations → Add integration → API). An account API key cannot create alerts."
            )
        if not self.instance._state.adding and self.instance.secret_hint:
            secret.help_text += (
                f" Leave empty to keep the stored key (ends with {self.instance.secret_hint})."
            )
        for event_type in EventType:
            default = EVENT_TYPES[event_type].priority
            self.fields[priority_field(event_type)] = forms.ChoiceField(
                label=f"Priority for “{event_type.label}”",
                choices=[(DEFAULT, f"Default ({default})"), *((p, p) for p in PRIORITIES)],
                required=False,
                initial=self.instance.priority_overrides.get(event_type.value, DEFAULT),
                widget=fast_widgets.Select,
            )
        if self.instance._state.adding and not self.is_bound and not self.instance.event_types:
            # A new channel starts with every event ticked. (Not setdefault: the instance's
            # empty list is already in the initial data.)
            self.initial["event_types"] = [t.value for t in EventType]
        if self.instance.min_incident_priority == "":
            self.initial["min_incident_priority"] = "any"

    def groups(self) -> list[dict[str, Any]]:
        """The event checkboxes grouped as Wallarm groups them, each with its priority select."""
        boxes = {box.data["value"]: box for box in self["event_types"]}
        return [
            {
                "label": group.label,
                "rows": [
                    {"box": boxes[t.value], "priority": self[priority_field(t)]}
                    for t in EventType
                    if t.group is group
                ],
            }
            for group in EventGroup
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A channel needs a name.")
        return name

    def clean_secret(self) -> str:
        key = self.cleaned_data["secret"]
        if not key:
            if self.instance._state.adding or not self.instance.secret:
                raise forms.ValidationError("Paste the key this channel sends with.")
            return ""
        if not KEY_CHARACTERS.match(key):
            raise forms.ValidationError(
                "A key holds only letters, digits and punctuation, without spaces: "
                "copy it again from the integration's page."
            )
        if self.kind == ChannelKind.PAGERDUTY and not PAGERDUTY_KEY.match(key):
            raise forms.ValidationError(
                "A PagerDuty routing key is 32 letters and digits (an Events API V2 "
                "integration's “Integration Key”), not a REST API key."
            )
        if self.kind == ChannelKind.OPSGENIE and not OPSGENIE_KEY.match(key):
            raise forms.ValidationError(
                "An OpsGenie API-integration key looks like "
                "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (36 characters)."
            )
        return key

    def clean_event_types(self) -> list[str]:
        chosen = self.cleaned_data["event_types"]
        if not chosen:
            raise forms.ValidationError("Choose at least one event to send.")
        return [t.value for t in EventType if t.value in chosen]

    def clean_min_incident_priority(self) -> str:
        value = self.cleaned_data["min_incident_priority"]
        return "" if value == "any" else value

    def priority_overrides(self) -> dict[str, str]:
        return {
            t.value: self.cleaned_data[priority_field(t)]
            for t in EventType
            if self.cleaned_data.get(priority_field(t))
        }

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        channel.kind = self.kind
        channel.priority_overrides = self.priority_overrides()
        key = self.cleaned_data.get("secret")
        if key:
            channel.secret, channel.secret_hint = key, key[-4:]
        if commit:
            channel.save()
        return channel


class DeliveryFilterForm(forms.Form):
    """The delivery log's filters (GET): a value it does not know is refused, with a message."""

    status = forms.ChoiceField(required=False)
    event_type = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, statuses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *statuses]
        self.fields["event_type"].choices = [
            ("", "Any event"),
            ("test", "Test messages"),
            *((t.value, t.label) for t in EventType),
        ]
