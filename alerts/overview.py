"""The alerts' row of the Data library's overview: how many alerts each source connection
holds present upstream, and when a sync last read alerts. A few index reads whatever the
number of alerts (make bench: the overview at 100,000)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max

from alerts.list_filters import connection_label
from alerts.models import Alert
from alerts.selectors import STREAM, alert_providers
from integrations.models import Connection, SyncOutcome, SyncRun


@dataclass(frozen=True)
class ConnectionAlerts:
    connection_id: int
    label: str  # as the list's source filter names it
    present: int  # stored and not deleted upstream

    @property
    def present_label(self) -> str:
        return f"{self.present:,}"


def last_synced() -> datetime | None:
    """When a sync last finished reading alerts (None: never)."""
    return SyncRun.objects.filter(
        connection__provider__in=alert_providers(),
        outcome__in=(SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL),
        counts__has_key=STREAM,
    ).aggregate(last=Max("finished_at"))["last"]


def present_by_connection() -> list[ConnectionAlerts]:
    """Each connection holding alerts, oldest connection first, with how many are present
    upstream: all it holds (the ``alert_conn_created`` index alone) less those flagged deleted
    upstream (the few in ``alert_conn_deleted``), never a read of every alert."""
    held = _per_connection(Alert.objects.all())
    deleted = _per_connection(Alert.objects.filter(deleted_upstream=True))
    connections = Connection.objects.filter(pk__in=list(held)).order_by("pk")
    return [
        ConnectionAlerts(c.pk, connection_label(c), held[c.pk] - deleted.get(c.pk, 0))
        for c in connections
    ]


def _per_connection(alerts) -> dict[int, int]:  # type: ignore[no-untyped-def]
    counted = alerts.order_by().values("connection_id").annotate(n=Count("*"))
    return {row["connection_id"]: row["n"] for row in counted}
