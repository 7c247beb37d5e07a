"""The Data library's configuration pages: an index of every kind, a list per kind (search,
the filters that fit it, counts, last synced, removed-upstream rows marked) and a page per
record with its upstream fields (escaped) and its relations as links. Every role may read them;
nothing here writes. Each page costs the same queries whatever the number of rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.permissions import require_permissions
from integrations.config_records import Timeline
from integrations.models import ProviderService, SyncOutcome, SyncRun
from integrations.providers.registry import provider_name
from library.filters import LibraryFilterForm
from library.kinds import KINDS, Kind, provider_of
from library.models import LibraryObject, LibraryRelation
from library.services import (
    TARGET_KIND,
    apply_filters,
    as_library_row,
    dressed,
    filtered,
    incidents_url,
    service_targets,
    team_link,
    teams_of,
)
from library.services import last_synced as services_last_synced

# The Data library belongs to Incidents: whoever may read incidents (every role) reads it.
VIEW = "incidents.view_incident"
# Each kind is a few dozen objects per account; past this many the list says so.
ROW_CAP = 500


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise Http404("No such kind of object in the Data library.")
    return kind


def _last_synced(kind: str) -> datetime | None:
    """When a sync last finished reading this kind (None: never)."""
    return SyncRun.objects.filter(
        outcome__in=(SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL), counts__has_key=kind
    ).aggregate(last=Max("finished_at"))["last"]


def _filtered(kind: Kind, filters: dict[str, Any]) -> QuerySet[LibraryObject]:
    rows = LibraryObject.objects.filter(kind=kind.name)
    return apply_filters(rows, filters, team="team", state="state", removed="removed_upstream")


@require_permissions(read=VIEW)
def library_index(request: HttpRequest) -> HttpResponse:
    held = dict(
        LibraryObject.objects.filter(removed_upstream=False)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    services = dict(
        ProviderService.objects.filter(deleted_upstream=False)
        .order_by()
        .values_list("connection__provider")
        .annotate(n=Count("id"))
        .values_list("connection__provider", "n")
    )
    kinds = [
        (
            kind,
            services.get(provider_of(kind), 0) if kind.holds_services else held.get(kind.name, 0),
        )
        for kind in KINDS.values()
    ]
    return render(request, "library/index.html", {"kinds": kinds})


@require_permissions(read=VIEW)
def object_list(request: HttpRequest, library_kind: str) -> HttpResponse:
    kind = _kind(library_kind)
    form = LibraryFilterForm(request.GET, kind=kind)
    listed: list[Any]
    if kind.holds_services:
        services = filtered(kind, form.filters())
        count = services.count()
        listed = dressed(kind, list(services.order_by("name", "id").defer("raw")[:ROW_CAP]))
        last_synced = services_last_synced(kind)
    else:
        rows = _filtered(kind, form.filters())
        count = rows.count()
        listed = list(rows.order_by("name", "id").defer("raw")[:ROW_CAP])
        last_synced = _last_synced(kind.name)
    for row in listed:
        row.source_label = form.source_labels.get(row.connection_id, f"#{row.connection_id}")
    context = {
        "kind": kind,
        "kinds": KINDS.values(),
        "rows": listed,
        "count": count,
        "capped": count > ROW_CAP,
        "form": form,
        "ignored": form.ignored(),
        "last_synced": last_synced,
    }
    template = "library/list.html" + ("#library-table" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=VIEW)
def object_detail(request: HttpRequest, library_kind: str, library_object: int) -> HttpResponse:
    kind = _kind(library_kind)
    if kind.holds_services:
        return _service_detail(request, kind, library_object)
    row = get_object_or_404(
        LibraryObject.objects.select_related("connection"), pk=library_object, kind=kind.name
    )
    links = list(row.relations.order_by("relation", "id"))
    # An on-call record's window and periods, as its provider read them.
    timeline = Timeline.from_json(row.facts["timeline"]) if "timeline" in row.facts else None
    targets = _targets(row, links)
    context = {
        "kind": kind,
        "kinds": KINDS.values(),
        "row": row,
        "source_label": provider_name(row.provider),
        "links": [
            (link, targets.get((link.target_kind, link.target_upstream_id))) for link in links
        ],
        "named_by": _named_by(kind, row.connection_id, row.kind, row.upstream_id),
        "gaps": timeline.gaps() if timeline else [],
        "periods": timeline.periods if timeline else [],
        "raw_text": _raw_text(row.raw),
    }
    return render(request, "library/detail.html", context)


def _service_detail(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    """A service's record page (library.services): its team, what names it, its incidents."""
    slug = provider_of(kind)
    row = get_object_or_404(
        ProviderService.objects.select_related("connection"), pk=pk, connection__provider=slug
    )
    team = teams_of(kind, [row]).get((row.connection_id, row.team_id))
    as_library_row(row, kind, team)
    context = {
        "kind": kind,
        "kinds": KINDS.values(),
        "row": row,
        "source_label": provider_name(slug),
        "links": team_link(row, kind, team),
        "named_by": _named_by(kind, row.connection_id, TARGET_KIND, row.upstream_id),
        "incidents_url": incidents_url(row, slug),
        "raw_text": _raw_text(row.raw),
    }
    return render(request, "library/detail.html", context)


def _raw_text(raw: dict[str, Any]) -> str:
    """Pretty-printed for reading; the template escapes it like any upstream text ("" when
    nothing was stored yet: a service synced before the library showed services)."""
    return json.dumps(raw, indent=2, ensure_ascii=False, sort_keys=True) if raw else ""


def _named_by(
    kind: Kind, connection_id: int, target_kind: str, upstream_id: str
) -> list[tuple[str, list[LibraryRelation]]]:
    """The objects naming this record, under the kind's headings (one query)."""
    named_by = list(
        LibraryRelation.objects.filter(
            source__connection=connection_id,
            target_kind=target_kind,
            target_upstream_id=upstream_id,
        )
        .select_related("source")
        .order_by("source__kind", "source__name", "id")
    )
    return [
        (heading, [r for r in named_by if r.relation == relation])
        for relation, heading in kind.named_by
    ]


def _targets(row: LibraryObject, links: list[LibraryRelation]) -> dict[tuple[str, str], Any]:
    """The synced objects the links name (one query, and one more when they name services); a
    link to one not synced stays text."""
    wanted = {(link.target_kind, link.target_upstream_id) for link in links}
    if not wanted:
        return {}
    services = {upstream_id for kind, upstream_id in wanted if kind == TARGET_KIND}
    named: dict[tuple[str, str], Any] = dict(
        service_targets(row.connection_id, row.provider, services)
    )
    found = LibraryObject.objects.filter(
        connection=row.connection_id,
        kind__in={kind for kind, _id in wanted},
        upstream_id__in={upstream_id for _kind, upstream_id in wanted},
    ).only("id", "kind", "upstream_id", "name", "removed_upstream")
    named.update({(o.kind, o.upstream_id): o for o in found if (o.kind, o.upstream_id) in wanted})
    return named
