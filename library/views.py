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
from integrations.models import SyncOutcome, SyncRun
from integrations.providers.registry import provider_name
from lib.search import fold
from library.filters import LibraryFilterForm
from library.kinds import KINDS, Kind
from library.models import LibraryObject, LibraryRelation

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
    if filters["search"]:
        rows = rows.filter(search_text__contains=fold(filters["search"]))
    if filters["team"]:
        rows = rows.filter(team=filters["team"])
    if filters["state"]:
        rows = rows.filter(state=filters["state"])
    if filters["removed"] == "removed":
        rows = rows.filter(removed_upstream=True)
    elif filters["removed"] != "all":
        rows = rows.filter(removed_upstream=False)
    if filters["connection"] is not None:
        rows = rows.filter(connection_id=filters["connection"])
    return rows


@require_permissions(read=VIEW)
def library_index(request: HttpRequest) -> HttpResponse:
    held = dict(
        LibraryObject.objects.filter(removed_upstream=False)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    kinds = [(kind, held.get(kind.name, 0)) for kind in KINDS.values()]
    return render(request, "library/index.html", {"kinds": kinds})


@require_permissions(read=VIEW)
def object_list(request: HttpRequest, library_kind: str) -> HttpResponse:
    kind = _kind(library_kind)
    form = LibraryFilterForm(request.GET, kind=kind)
    rows = _filtered(kind, form.filters())
    count = rows.count()
    listed = list(rows.order_by("name", "id").defer("raw")[:ROW_CAP])
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
        "last_synced": _last_synced(kind.name),
    }
    template = "library/list.html" + ("#library-table" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=VIEW)
def object_detail(request: HttpRequest, library_kind: str, library_object: int) -> HttpResponse:
    kind = _kind(library_kind)
    row = get_object_or_404(
        LibraryObject.objects.select_related("connection"), pk=library_object, kind=kind.name
    )
    links = list(row.relations.order_by("relation", "id"))
    # An on-call record's window and periods, as its provider read them.
    timeline = Timeline.from_json(row.facts["timeline"]) if "timeline" in row.facts else None
    targets = _targets(row, links)
    named_by = list(
        LibraryRelation.objects.filter(
            source__connection=row.connection_id,
            target_kind=row.kind,
            target_upstream_id=row.upstream_id,
        )
        .select_related("source")
        .order_by("source__kind", "source__name", "id")
    )
    context = {
        "kind": kind,
        "kinds": KINDS.values(),
        "row": row,
        "source_label": provider_name(row.provider),
        "links": [
            (link, targets.get((link.target_kind, link.target_upstream_id))) for link in links
        ],
        "named_by": [
            (heading, [r for r in named_by if r.relation == relation])
            for relation, heading in kind.named_by
        ],
        "gaps": timeline.gaps() if timeline else [],
        "periods": timeline.periods if timeline else [],
        # Pretty-printed for reading; the template escapes it like any upstream text.
        "raw_text": json.dumps(row.raw, indent=2, ensure_ascii=False, sort_keys=True),
    }
    return render(request, "library/detail.html", context)


def _targets(
    row: LibraryObject, links: list[LibraryRelation]
) -> dict[tuple[str, str], LibraryObject]:
    """The synced objects the links name (one query); a link to one not synced stays text."""
    wanted = {(link.target_kind, link.target_upstream_id) for link in links}
    if not wanted:
        return {}
    found = LibraryObject.objects.filter(
        connection=row.connection_id,
        kind__in={kind for kind, _id in wanted},
        upstream_id__in={upstream_id for _kind, upstream_id in wanted},
    ).only("id", "kind", "upstream_id", "name", "removed_upstream")
    return {(o.kind, o.upstream_id): o for o in found if (o.kind, o.upstream_id) in wanted}
