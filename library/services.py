"""A provider's services in the Data library (its ``Kind.holds_services`` kind).

Services are not library objects: the "services" stream stores them as the integrations app's
``ProviderService`` rows, which the service selection, the incident filters, services.csv and
the readiness checks read. Copying them into ``LibraryObject`` would keep two records of one
service that could disagree, so the library reads those rows instead, and dresses each in the
few attributes its list and record templates read of a library object (``as_library_row``).
Their relations are found as the library's are: the team by its upstream id among the synced
teams, and what names the service (an escalation policy, an incident rule) by the relations
other objects hold to the kind "services".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, QuerySet
from django.urls import reverse

from integrations.models import ProviderService, SyncOutcome, SyncRun
from lib.search import fold
from library.kinds import Kind, provider_of, services_kind
from library.models import LibraryObject, LibraryRelation

STREAM = "services"
# The kind other objects' relations name a service by (an incident rule's, a policy's).
TARGET_KIND = "services"


def services_of(kind: Kind) -> QuerySet[ProviderService]:
    return ProviderService.objects.filter(connection__provider=provider_of(kind))


def apply_filters(
    rows: QuerySet[Any], filters: dict[str, Any], *, team: str, state: str, removed: str
) -> QuerySet[Any]:
    """``rows`` narrowed by a library list's filters; ``team``, ``state`` and ``removed`` name
    the fields they read (a LibraryObject and a ProviderService spell them differently)."""
    if filters["search"]:
        rows = rows.filter(search_text__contains=fold(filters["search"]))
    if filters["team"]:
        rows = rows.filter(**{team: filters["team"]})
    if filters["state"]:
        rows = rows.filter(**{state: filters["state"]})
    if filters["removed"] == "removed":
        rows = rows.filter(**{removed: True})
    elif filters["removed"] != "all":
        rows = rows.filter(**{removed: False})
    if filters["connection"] is not None:
        rows = rows.filter(connection_id=filters["connection"])
    return rows


def filtered(kind: Kind, filters: dict[str, Any]) -> QuerySet[ProviderService]:
    """The kind's services the list's filters select."""
    return apply_filters(
        services_of(kind), filters, team="team_id", state="status", removed="deleted_upstream"
    )


def teams_of(kind: Kind, rows: Iterable[ProviderService]) -> dict[tuple[int, str], LibraryObject]:
    """(connection id, team upstream id) -> the synced team of the services ``rows`` name; one
    query."""
    wanted = {(row.connection_id, row.team_id) for row in rows if row.team_id}
    if not wanted:
        return {}
    found = LibraryObject.objects.filter(
        kind=kind.team_kind,
        connection__in={pk for pk, _id in wanted},
        upstream_id__in={upstream_id for _pk, upstream_id in wanted},
    ).only("id", "connection_id", "kind", "upstream_id", "name", "removed_upstream")
    return {
        (team.connection_id, team.upstream_id): team
        for team in found
        if (team.connection_id, team.upstream_id) in wanted
    }


def team_choices(kind: Kind) -> list[tuple[str, str]]:
    """The team filter's choices: (team upstream id, its name) of every team a service of the
    kind names, by name; a team not synced is named by its id. Two queries."""
    named = services_of(kind).exclude(team_id="").values_list("connection_id", "team_id")
    pairs = list(named.distinct())
    teams = teams_of(kind, [ProviderService(connection_id=pk, team_id=tid) for pk, tid in pairs])
    labels = {tid: (teams[(pk, tid)].name if (pk, tid) in teams else tid) for pk, tid in pairs}
    return sorted(labels.items(), key=lambda item: (item[1].casefold(), item[0]))


def held_sources(kind: Kind) -> list[tuple[int, str, str]]:
    """(connection id, provider slug, region) of each connection holding services of the kind."""
    held = services_of(kind).values_list(
        "connection_id", "connection__provider", "connection__region"
    )
    return list(held.distinct())


def last_synced(kind: Kind) -> Any:
    """When a sync of the kind's provider last finished reading its services (None: never)."""
    return SyncRun.objects.filter(
        connection__provider=provider_of(kind),
        outcome__in=(SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL),
        counts__has_key=STREAM,
    ).aggregate(last=Max("finished_at"))["last"]


def as_library_row(row: ProviderService, kind: Kind, team: LibraryObject | None) -> None:
    """Give a service the attributes the library's templates read of an object."""
    row.kind = kind.name  # type: ignore[attr-defined]
    row.team = team.name if team else row.team_id  # type: ignore[attr-defined]
    row.state = row.status  # type: ignore[attr-defined]
    row.removed_upstream = row.deleted_upstream  # type: ignore[attr-defined]
    # A service found gone is stamped then (the store's flag_missing), and not again.
    row.removed_at = row.synced_at if row.deleted_upstream else None  # type: ignore[attr-defined]
    row.changed_at = row.synced_at  # type: ignore[attr-defined]


def dressed(kind: Kind, rows: list[ProviderService]) -> list[ProviderService]:
    """``rows`` as the list shows them, their teams named (one query)."""
    teams = teams_of(kind, rows)
    for row in rows:
        as_library_row(row, kind, teams.get((row.connection_id, row.team_id)))
    return rows


def team_link(
    row: ProviderService, kind: Kind, team: LibraryObject | None
) -> list[tuple[LibraryRelation, LibraryObject | None]]:
    """The service's link to its team, as the record page lists an object's links (unsaved)."""
    if not row.team_id:
        return []
    link = LibraryRelation(
        relation="team", target_kind=kind.team_kind, target_upstream_id=row.team_id
    )
    return [(link, team)]


def incidents_url(row: ProviderService, slug: str) -> str:
    """The incident list filtered by this service (by name, as its filter is) and its source."""
    return reverse("incidents:list") + "?" + urlencode({"service": row.name, "source": slug})


def service_targets(
    connection_id: int, slug: str, upstream_ids: Collection[str]
) -> dict[tuple[str, str], ProviderService]:
    """The synced services that an object's links name (kind "services"), dressed to link to
    their record page; one query (none when no link names a service)."""
    kind = services_kind(slug)
    if kind is None or not upstream_ids:
        return {}
    found = ProviderService.objects.filter(
        connection=connection_id, upstream_id__in=list(upstream_ids)
    ).only("id", "connection_id", "upstream_id", "name", "deleted_upstream", "synced_at")
    found_rows = list(found)
    for row in found_rows:
        as_library_row(row, kind, None)
    return {(TARGET_KIND, row.upstream_id): row for row in found_rows}
