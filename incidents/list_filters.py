"""The incident list's filter form (a GET form: the URL is the filter, so it can be shared).

An invalid value never fails the page: the form drops that one filter and says so, and the list
is shown with the filters that were valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from incidents.checks import TOPIC
from incidents.models import DataLost, Incident
from incidents.ordering import SORTS
from incidents.selectors import (
    ANY_CHECK,
    COUNTED,
    NO_REPORT,
    NOT_COUNTED,
    REPORTED_UPSTREAM,
    UNKNOWN_PRIORITY,
)
from integrations.providers.registry import providers
from integrations.selectors import known_service_names
from lib.checks import checks_for
from lib.dates import BoundedDateField
from lib.filter_forms import FilterForm

SORT_CHOICES = [
    ("reported", "Reported on"),
    ("priority", "Priority"),
    ("status", "Status"),
    ("number", "Number"),
]
assert {key for key, _ in SORT_CHOICES} == set(SORTS)


def _check_choices() -> list[tuple[str, str]]:
    return [("", "Any"), (ANY_CHECK, "Failing any check")] + [
        (check.key, f"Failing: {check.title}") for check in checks_for(TOPIC)
    ]


def _source_choices() -> list[tuple[str, str]]:
    return [("", "Any")] + [(slug, provider.name) for slug, provider in providers().items()]


class IncidentFilterForm(FilterForm):
    ordering_keys = ("sort", "descending")
    outside_grid = ("sort", "order")  # the table's column headers set them

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Title, number or description"}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), *Incident._meta.get_field("status").choices],
    )
    priority = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any"),
            ("high", "High"),
            ("medium", "Medium"),
            ("low", "Low"),
            (UNKNOWN_PRIORITY, "Unknown"),
        ],
    )
    source = forms.ChoiceField(required=False, choices=_source_choices)
    # The services the syncs know, as choices: a free-text field matched exactly found nothing
    # for "Checkout" when the service is "Checkout API".
    service = forms.ChoiceField(
        required=False,
        choices=[("", "Any")],
        error_messages={
            "invalid_choice": "“%(value)s” is not a service of the connected integrations; "
            "choose one from the list."
        },
    )
    data_loss = forms.ChoiceField(
        label="Data loss",
        required=False,
        choices=[
            ("", "Any"),
            (REPORTED_UPSTREAM, "Reported upstream"),
            *DataLost.choices,
            (NO_REPORT, "No report"),
        ],
    )
    check = forms.ChoiceField(label="Checks", required=False, choices=_check_choices)
    counted = forms.ChoiceField(
        label="Counts for checks",
        required=False,
        choices=[
            ("", "Any"),
            (COUNTED, "Counts for the checks"),
            (NOT_COUNTED, "Evidence only: out of scope, deleted upstream or disconnected"),
        ],
    )
    # Bounded: the day after 9999-12-31, which "to" reads up to, does not exist.
    created_from = BoundedDateField(
        label="Reported from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = BoundedDateField(
        label="Reported to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)
    order = forms.ChoiceField(
        required=False, choices=[("desc", "Descending"), ("asc", "Ascending")]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = [("", "Any"), *((name, name) for name in known_service_names())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The “to” date is before the “from” date.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments, from the valid values only."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "priority": data.get("priority") or "",
            "source": data.get("source") or "",
            "service": data.get("service") or "",
            "data_loss": data.get("data_loss") or "",
            "check": data.get("check") or "",
            "counted": data.get("counted") or "",
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
            "sort": data.get("sort") or "reported",
            "descending": (data.get("order") or "desc") == "desc",
        }


# The direction of a column's first click: newest, highest priority, open first.
FIRST_CLICK_DESCENDING = {"reported": True, "priority": True, "status": False, "number": True}


def sort_links(query: QueryDict, *, sort: str, descending: bool) -> dict[str, dict[str, str]]:
    """Per sortable column: the query string of its header link (the filters kept, back to page
    one; a second click reverses) and its aria-sort value."""
    links = {}
    for key in SORTS:
        current = key == sort
        next_descending = not descending if current else FIRST_CLICK_DESCENDING[key]
        params = query.copy()
        # Back to page one: a position in one order means nothing in another.
        for name in ("page", "after", "before"):
            params.pop(name, None)
        params["sort"], params["order"] = key, "desc" if next_descending else "asc"
        links[key] = {
            "query": params.urlencode(),
            "aria": ("descending" if descending else "ascending") if current else "none",
        }
    return links
