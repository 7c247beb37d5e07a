"""Reads of incidents for the pages.

The list stays fast at 100,000 incidents with a fixed number of queries per page, whatever the
data: one COUNT, one query for the page's ids (it walks a narrow index, so OFFSET skips index
entries, not rows), one for those incidents, one for their data-loss answers and one for their
failing checks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from incidents.checks import TOPIC
from incidents.models import DataLossReport, DataLost, Incident
from integrations.models import Connection
from integrations.sync.counts import HeldCount
from lib.checks import REGISTRY, checks_for, engine
from lib.search import fold

PER_PAGE = 50
# From this many failing incidents on, a page probes incidents in sort order (it finds 50 soon)
# rather than collecting and sorting every match.
DENSE_MATCHES = 2000
DENSE_OFFSET = 500
ITEM_PREFIX = "incident:"
# Filter values that are not column values.
ANY_CHECK = "any"
NO_REPORT = "none"
# The source's text reports data loss (Incident.data_loss_mention), whatever was assessed.
REPORTED_UPSTREAM = "reported"
UNKNOWN_PRIORITY = "unknown"
COUNTED, NOT_COUNTED = "yes", "no"

_PRIORITY_RANK = Case(
    When(priority="high", then=Value(3)),
    When(priority="medium", then=Value(2)),
    When(priority="low", then=Value(1)),
    default=Value(0),
)
# Lifecycle order: open first when ascending.
_STATUS_RANK = Case(
    When(status="open", then=Value(0)),
    When(status="resolved", then=Value(1)),
    default=Value(2),
)
# Numbers are digits upstream: order by length first so "9" comes before "10" (and the
# incident_number_order index on the same expressions serves it).
SORT_FIELDS = {
    "reported": (F("created_at"), F("id")),
    "priority": (_PRIORITY_RANK,),
    "status": (_STATUS_RANK,),
    "number": (Length("number"), F("number"), F("id")),
}

DATA_LOSS_LABELS = dict(DataLost.choices)


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    data_lost: str | None  # a DataLost value, or None without a report
    failing_checks: tuple[str, ...]  # titles of the checks the incident currently fails

    @property
    def data_loss_label(self) -> str:
        assessed = self.data_lost not in (None, DataLost.NOT_ASSESSED)
        if self.incident.data_loss_mention and not assessed:
            return "Reported upstream: not assessed"
        return DATA_LOSS_LABELS.get(self.data_lost or "", "No report")

    @property
    def data_loss_class(self) -> str:
        """The CSS modifier of the Data loss cell: a report upstream unassessed stands out."""
        if self.data_loss_label.startswith("Reported upstream"):
            return "reported"
        return self.data_lost or "none"


def failing_incident_items(now: datetime) -> QuerySet:
    """Failing items of the incident checks, without those under a special case in force."""
    keys = [check.key for check in checks_for(TOPIC)]
    return engine().failing_items(check_keys=keys, now=now).filter(excepted=False)


def _filtered(
    *,
    search: str,
    status: str,
    priority: str,
    source: str,
    service: str,
    data_loss: str,
    check: str,
    counted: str,
    created_from: date | None,
    created_to: date | None,
    probe_per_incident: bool = False,
) -> QuerySet[Incident]:
    incidents = Incident.objects.all()
    if counted == COUNTED:
        incidents = incidents.counted()
    elif counted == NOT_COUNTED:
        incidents = incidents.not_counted()
    if search:
        # Title and description are searched anywhere, folded (search_text: no case, no
        # accents; a full scan, measured in tests/bench/bench_pages.py); the number only
        # exactly, "#123" or "123".
        incidents = incidents.filter(
            Q(search_text__contains=fold(search)) | Q(number=search.removeprefix("#"))
        )
    if status:
        incidents = incidents.filter(status=status)
    if priority:
        incidents = incidents.filter(priority="" if priority == UNKNOWN_PRIORITY else priority)
    if source:
        incidents = incidents.filter(source=source)
    if service:
        incidents = incidents.filter(_has_service(service))
    if data_loss == NO_REPORT:
        incidents = incidents.filter(data_loss__isnull=True)
    elif data_loss == REPORTED_UPSTREAM:
        incidents = incidents.exclude(data_loss_mention="")
    elif data_loss:
        incidents = incidents.filter(data_loss__data_lost=data_loss)
    if check:
        items = failing_incident_items(timezone.now())
        if check != ANY_CHECK:
            items = items.filter(check_key=check)
        if probe_per_incident:
            # Walks the sort's index and stops at the page: cheap when matches are many.
            key = Concat(Value(ITEM_PREFIX), Cast(OuterRef("pk"), CharField()))
            incidents = incidents.filter(Exists(items.filter(item_key=key)))
        else:
            # A semi-join from the failing items: cost grows with the matches, not the table.
            # The pk is the part of item_key after "incident:".
            ids = items.annotate(
                incident_id=Cast(Substr("item_key", len(ITEM_PREFIX) + 1), BigIntegerField())
            ).values("incident_id")
            incidents = incidents.filter(pk__in=ids)
    tz = timezone.get_current_timezone()
    if created_from:
        incidents = incidents.filter(
            created_at__gte=datetime.combine(created_from, time.min, tzinfo=tz)
        )
    if created_to:
        # Inclusive: the whole "to" day.
        end = datetime.combine(created_to + timedelta(days=1), time.min, tzinfo=tz)
        incidents = incidents.filter(created_at__lt=end)
    return incidents


def _has_service(name: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(services__contains=[name])
    # SQLite has no JSON containment: match the element as it is written in the stored JSON
    # text (json.dumps, as JSONField writes it), quotes included, so "API" is not "Checkout API".
    import json

    return Q(services__icontains=json.dumps(name))


class _IdPaginator(Paginator):
    """Pages of incident ids. Past the middle it reads the reversed order from the other end,
    so OFFSET never skips more than half of the matches.

    ``dense_ids`` is the same set written for many matches: it is used for pages near either
    end (never for the count) once the count reaches DENSE_MATCHES."""

    def __init__(self, ids: QuerySet, per_page: int, *, dense_ids: QuerySet | None) -> None:
        super().__init__(ids, per_page)
        self.dense_ids = dense_ids

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        from_end = bottom > self.count // 2
        offset = self.count - top if from_end else bottom
        source = self.object_list
        if self.dense_ids is not None and self.count >= DENSE_MATCHES and offset < DENSE_OFFSET:
            source = self.dense_ids
        if from_end:
            ids = list(source.reverse()[self.count - top : self.count - bottom])[::-1]
        else:
            ids = list(source[bottom:top])
        return self._get_page(ids, number, self)


def incident_list(
    *,
    page: str | int | None,
    search: str = "",
    status: str = "",
    priority: str = "",
    source: str = "",
    service: str = "",
    data_loss: str = "",
    check: str = "",
    counted: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
    sort: str = "reported",
    descending: bool = True,
) -> Page:
    """A page of IncidentRow, filtered and sorted; ties broken newest first, then by id."""
    filters = {
        "search": search,
        "status": status,
        "priority": priority,
        "source": source,
        "service": service,
        "data_loss": data_loss,
        "check": check,
        "counted": counted,
        "created_from": created_from,
        "created_to": created_to,
    }
    incidents = _filtered(**filters)
    keys = SORT_FIELDS[sort]
    ordering = [key.desc() if descending else key.asc() for key in keys]
    if sort in ("priority", "status"):
        # Ties: newest first whatever the direction.
        ordering += [F("created_at").desc(), F("id").desc()]
    ids = incidents.order_by(*ordering).values_list("id", flat=True)
    dense_ids = None
    if check:
        dense_ids = (
            _filtered(**filters, probe_per_incident=True)
            .order_by(*ordering)
            .values_list("id", flat=True)
        )
    result = _IdPaginator(ids, PER_PAGE, dense_ids=dense_ids).get_page(page)
    result.object_list = _rows(list(result.object_list))
    return result


def _rows(ids: list[int]) -> list[IncidentRow]:
    if not ids:
        return []
    by_id = Incident.objects.only(
        "id",
        "source",
        "number",
        "title",
        "status",
        "priority",
        "created_at",
        "deleted_upstream",
        "out_of_scope",
        "data_loss_mention",
    ).in_bulk(ids)
    data_lost = dict(
        DataLossReport.objects.filter(incident_id__in=ids).values_list("incident_id", "data_lost")
    )
    failing: dict[int, list[str]] = defaultdict(list)
    keys = [f"{ITEM_PREFIX}{pk}" for pk in ids]
    items = failing_incident_items(timezone.now()).filter(item_key__in=keys)
    for item_key, check_key in items.values_list("item_key", "check_key").order_by("check_key"):
        check = REGISTRY.get(check_key)
        failing[int(item_key.removeprefix(ITEM_PREFIX))].append(check.title if check else check_key)
    return [
        IncidentRow(
            incident=by_id[pk],
            data_lost=data_lost.get(pk),
            failing_checks=tuple(failing.get(pk, ())),
        )
        for pk in ids
        if pk in by_id
    ]


def held_incidents(connection: Connection) -> HeldCount:
    """The sync card's incident counts: stored (not deleted upstream) and, of those, counted."""
    incidents = Incident.objects.filter(connection=connection)
    query = urlencode({"source": connection.provider, "counted": COUNTED})
    return HeldCount(
        label="Incidents",
        stored=incidents.filter(deleted_upstream=False).count(),
        counted=incidents.counted().count(),
        counted_url=f"{reverse('incidents:list')}?{query}",
    )
