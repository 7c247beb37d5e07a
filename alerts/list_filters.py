"""The alert list's filter form (a GET form: the URL is the filter, so it can be shared).

An invalid value never fails the page: the form drops that one filter and says so, and the list
is shown with the filters that were valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef

from alerts.models import Alert
from integrations.models import Connection
from integrations.providers.registry import provider_name
from lib.filter_forms import FilterForm

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]


def _connection_choices() -> list[tuple[str, str]]:
    """Every connection that has synced alerts, by its provider's name and region."""
    held = Alert.objects.filter(connection=OuterRef("pk"))
    connections = Connection.objects.filter(Exists(held)).order_by("pk")
    return [("", "Any")] + [(str(c.pk), connection_label(c)) for c in connections]


def connection_label(connection: Connection) -> str:
    return f"{provider_name(connection.provider)} {connection.region.upper()} (#{connection.pk})"


class AlertFilterForm(FilterForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Message, alias or tiny id"}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), *Alert._meta.get_field("status").choices]
    )
    priority = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((p, p) for p in PRIORITIES)]
    )
    acknowledged = forms.ChoiceField(required=False, choices=YES_NO)
    connection = forms.TypedChoiceField(
        label="Source connection", required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["connection"].choices = _connection_choices()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments, from the valid values only."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "priority": data.get("priority") or "",
            "acknowledged": data.get("acknowledged") or "",
            "connection": data.get("connection"),
        }
