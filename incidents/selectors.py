"""Reads of incidents for the pages.

The list stays fast at 1,000,000 incidents with a fixed number of queries per page, whatever
the data (incidents/list_pages.py): the first thousand ids in the page's order (the count, up
to COUNT_CAP, and the first twenty pages; each order and filter walks an index:
incidents/ordering.py, Incident.Meta), one more for a page past them, one for the page's
incidents with their data-loss answers and one for their failing checks; with the checks
filter, one for the share of incidents those checks fail, which decides how it is read; with a
search or a service filter on PostgreSQL, one estimate each (planning only, COMMON_MATCHES).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from incidents.checks import TOPIC
from incidents.expressions import AnyOf, Unindexed
from incidents.list_pages import IncidentPage, paginate
from incidents.list_rows import IncidentRow
from incidents.models import DataLossReport, Incident
from incidents.ordering import ORDERS, cursor
from integrations.models import Connection
from integrations.sync.counts import HeldCount
from lib.checks import REGISTRY, checks_for, engine
from lib.row_html import id_url_prefix
from lib.search import fold

# When the checks filtered on fail at most this share of incidents, "failing a check" is read
# from their items (its cost grows with the items); above it, each incident the page walks is
# looked up among them (its cost grows with the incidents walked: fewer, the more fail). At
# 1,000,000 incidents the data-loss check's 5,000 items (0.5%) take 20 ms the first way and
# 400 ms the second; all checks' 180,000 (18%) 100 ms the first way and 5 ms the second.
SPARSE_SHARE = 0.02
# PostgreSQL's GIN indexes (search, service) answer a rare word or service in a millisecond,
# but a common one costs about 0.5 µs per match: 100 ms for "checkout", in a fifth of
# 1,000,000 incidents. The planner thinks that cheap and ANDs it with the other filters'
# indexes (every filter at once took 130 ms). A condition it expects to hold for more than
# this many incidents is checked on the rows the other filters, or the order, lead to instead
# (Unindexed): they are found fast, precisely because it holds for so many.
COMMON_MATCHES = 50_000
# Filter values that are not column values.
ANY_CHECK = "any"
NO_REPORT = "none"
# The source's text reports data loss (Incident.data_loss_mention), whatever was assessed.
REPORTED_UPSTREAM = "reported"
UNKNOWN_PRIORITY = "unknown"
COUNTED, NOT_COUNTED = "yes", "no"


def failing_incident_items(now: datetime, keys: list[str] | None = None) -> QuerySet:
    """Failing items of the incident checks (or of those of ``keys``), without those under a
    special case in force. Their ``item_id`` is the incident's."""
    keys = [check.key for check in checks_for(TOPIC)] if keys is None else keys
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
    failing: QuerySet | None,
    counted: str,
    created_from: date | None,
    created_to: date | None,
) -> QuerySet[Incident]:
    """``failing``: the items of ``check`` (_failing_items), when a check is asked for."""
    incidents = Incident.objects.all()
    if counted == COUNTED:
        incidents = incidents.counted()
    elif counted == NOT_COUNTED:
        incidents = incidents.not_counted()
    if search:
        # Title and description are searched anywhere, folded (search_text: no case, no
        # accents; on PostgreSQL from a trigram index, migration 0013); the number only
        # exactly, "#123" or "123".
        text = "search_text"
        if _common(Q(search_text__contains=fold(search))):
            incidents, text = incidents.alias(text=Unindexed(text, TextField())), "text"
        incidents = incidents.filter(
            Q(**{f"{text}__contains": fold(search)}) | Q(number=search.removeprefix("#"))
        )
    if status:
        incidents = incidents.filter(status=status)
    if priority:
        incidents = incidents.filter(priority="" if priority == UNKNOWN_PRIORITY else priority)
    if source:
        incidents = incidents.filter(source=source)
    if service:
        if _common(_has_service(service)):
            incidents = incidents.alias(service_list=Unindexed("services", JSONField()))
            incidents = incidents.filter(service_list__contains=[service])
        else:
            incidents = incidents.filter(_has_service(service))
    if data_loss == NO_REPORT:
        # NOT EXISTS, not LEFT JOIN … IS NULL: PostgreSQL plans it as an anti-join and knows
        # how many it leaves (for the join it guessed one row, and sorted 980,000).
        incidents = incidents.exclude(
            Exists(DataLossReport.objects.filter(incident=OuterRef("pk")))
        )
    elif data_loss == REPORTED_UPSTREAM:
        incidents = incidents.exclude(data_loss_mention="")
    elif data_loss:
        # Reports are few (one per assessed incident): their incidents first, by primary key.
        reports = DataLossReport.objects.filter(data_lost=data_loss).values("incident_id")
        incidents = incidents.filter(AnyOf("pk", reports))
    if check and failing is not None:
        incidents = _failing(incidents, check, failing)
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


def _check_keys(check: str) -> list[str]:
    return [c.key for c in checks_for(TOPIC)] if check == ANY_CHECK else [check]


def _failing_items(check: str) -> QuerySet:
    """The stored items of ``check`` (or of any incident check) that no special case covers;
    their ``item_id`` is the incident's."""
    return engine().unexcepted_items(check_keys=_check_keys(check), now=timezone.now())


def _failing_count(items: QuerySet) -> Callable[[int], int]:
    """Up to ``n`` incidents among ``items`` (_failing_items), counted from the items alone:
    one per incident and check (distinct, for any check), a few index pages where walking the
    list's order to the thousandth match read 8,600 incidents at 1,000,000 (make bench)."""
    distinct = items.order_by("item_id").values_list("item_id", flat=True).distinct()
    return lambda n: distinct[:n].count()


def _failing(incidents: QuerySet[Incident], check: str, items: QuerySet) -> QuerySet[Incident]:
    """The incidents failing ``check``, read from its stored ``items`` (_failing_items)."""
    keys = _check_keys(check)
    if engine().failing_share(check_keys=keys) <= SPARSE_SHARE:
        # The few items' ids first (AnyOf), then those incidents by primary key.
        return incidents.filter(AnyOf("pk", items.values("item_id")))
    # A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a join and may hash
    # every item first; this one it runs for each incident the page walks, stopping early.
    probe = items.filter(item_id=OuterRef("pk")).values("item_id")[:1]
    return incidents.alias(failing_item=Subquery(probe)).filter(failing_item__isnull=False)


def _common(condition: Q) -> bool:
    """Whether PostgreSQL expects ``condition`` to hold for more than COMMON_MATCHES incidents
    (its estimate, from its statistics: planning only, nothing is read). Elsewhere False."""
    if connection.vendor != "postgresql":
        return False
    plan = json.loads(Incident.objects.filter(condition).values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"] > COMMON_MATCHES


def _has_service(name: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(services__contains=[name])
    # SQLite has no JSON containment: match the element as it is written in the stored JSON
    # text (json.dumps, as JSONField writes it), quotes included, so "API" is not "Checkout API".
    return Q(services__icontains=json.dumps(name))


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
    after: str = "",
    before: str = "",
) -> IncidentPage:
    """A page of IncidentRow, filtered and sorted; ties broken newest first, then by id.
    ``after``/``before`` are the cursors of the pager's Next/Previous links (list_pages.py)."""
    failing = _failing_items(check) if check else None
    incidents = _filtered(
        search=search,
        status=status,
        priority=priority,
        source=source,
        service=service,
        data_loss=data_loss,
        check=check,
        failing=failing,
        counted=counted,
        created_from=created_from,
        created_to=created_to,
    )
    order = ORDERS[sort, descending]
    narrowed = (search, status, priority, source, service, data_loss, counted)
    alone = failing is not None and not any(narrowed) and not (created_from or created_to)
    result = paginate(
        incidents,
        order,
        page=page,
        after=after,
        before=before,
        capped_count=_failing_count(failing) if alone and failing is not None else None,
    )
    result.object_list = _rows(result.ids)
    if not result.count_exact and result.object_list:
        # Where the next and previous pages start, for links that seek instead of counting.
        if result.has_next():
            result.next_cursor = cursor(order, result.object_list[-1].incident)
        if result.has_previous():
            result.previous_cursor = cursor(order, result.object_list[0].incident)
    return result


def _rows(ids: list[int]) -> list[IncidentRow]:
    if not ids:
        return []
    by_id = (
        Incident.objects.only(
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
        )
        # The data-loss answer in the same query (one report per incident at most).
        .annotate(data_lost=F("data_loss__data_lost"))
        .in_bulk(ids)
    )
    detail = id_url_prefix("incidents:detail")
    failing: dict[int, list[str]] = defaultdict(list)
    items = failing_incident_items(timezone.now()).filter(item_id__in=ids)
    for item_id, check_key in items.values_list("item_id", "check_key").order_by("check_key"):
        check = REGISTRY.get(check_key)
        failing[item_id].append(check.title if check else check_key)
    return [
        IncidentRow(
            incident=by_id[pk],
            data_lost=by_id[pk].data_lost,  # type: ignore[attr-defined]
            failing_checks=tuple(failing.get(pk, ())),
            url=f"{detail}{pk}/",
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
