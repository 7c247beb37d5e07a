"""A configuration kind's filter form (GET: the URL is the filter). Only the filters that fit
the kind are offered (``Kind.filters``); a value that cannot be used is dropped and listed, and
the page shows what the valid filters select, never an error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from integrations.providers.registry import provider_name
from lib.filter_forms import FilterForm
from library.kinds import Kind
from library.models import LibraryObject
from library.services import held_sources, team_choices

REMOVED = [("", "Present upstream"), ("removed", "Removed upstream"), ("all", "All")]


def _teams(kind: Kind, rows: QuerySet[LibraryObject]) -> list[tuple[str, str]]:
    """The team filter's choices: objects name their team (its name is the value); services
    their team's upstream id (the value; its synced name the label)."""
    if kind.holds_services:
        return team_choices(kind)
    teams = rows.exclude(team="").order_by("team").values_list("team", flat=True)
    return [(t, t) for t in dict.fromkeys(teams)]


class LibraryFilterForm(FilterForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name"}),
    )
    team = forms.ChoiceField(required=False, choices=[])
    state = forms.ChoiceField(required=False, choices=[])
    removed = forms.ChoiceField(label="Upstream", required=False, choices=REMOVED)
    connection = forms.TypedChoiceField(
        label="Source connection", required=False, coerce=int, empty_value=None, choices=[]
    )

    def __init__(self, *args: Any, kind: Kind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = LibraryObject.objects.filter(kind=kind.name)
        if "team" in kind.filters:
            self.fields["team"].choices = [("", "Any"), *_teams(kind, rows)]  # type: ignore[attr-defined]
        else:
            del self.fields["team"]
        if "state" in kind.filters:
            self.fields["state"].choices = [("", "Any"), *kind.states]  # type: ignore[attr-defined]
        else:
            del self.fields["state"]
        if kind.holds_services:
            held = held_sources(kind)
        else:
            held = list(
                rows.values_list("connection_id", "provider", "connection__region").distinct()
            )
        # Each source as the filter and the table's Source column name it ("OpsGenie US (#1)").
        self.source_labels: dict[int, str] = {
            pk: " ".join(filter(None, (provider_name(slug), region.upper()))) + f" (#{pk})"
            for pk, slug, region in sorted(held)
        }
        self.fields["connection"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
            (str(pk), label) for pk, label in self.source_labels.items()
        ]

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "team": data.get("team") or "",
            "state": data.get("state") or "",
            "removed": data.get("removed") or "",
            "connection": data.get("connection"),
        }
