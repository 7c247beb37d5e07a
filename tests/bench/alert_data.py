"""The alerts and configuration objects of bench_library.py: OpsGenie alerts over half a year
(a tenth open, a fifth acknowledged, the rest closed; P1-P5 as the sandbox weighs them; tags),
their logs, notes and recipients for a few thousand, and a few dozen teams, schedules and
escalations.

Alerts are written as the alert store writes them (alerts/store.py: ``writes.insert_rows``, one
executemany or COPY per chunk of CHUNK rows), so 100,000 take well under a minute. The newest
tenth still waits for its details (as after a sync that read a bounded number); the rest have
been read. On PostgreSQL the tables are then vacuumed and analyzed (incident_data.analyze).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tests.bench.incident_data import analyze

CHUNK = 20_000
# Found in about a fifth of the messages (the search the bench times).
SEARCHED = "database"
_MESSAGES = (
    "Database connection pool exhausted on {service}",
    "High latency on {service}",
    "Error rate above 5% on {service}",
    "Disk usage above 90% on {service}",
    "Heartbeat missed: {service}",
)
_SERVICES = ("Checkout API", "Payments", "Search", "Zürich gateway", "Auth", "Billing")
_TAGS = ("prod", "staging", "eu", "us", "critical", "db", "network")
_PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
_PRIORITY_WEIGHTS = (5, 12, 38, 33, 12)
DETAIL_ITEMS = 3  # logs, notes and recipients of each alert that has details
LIBRARY_KINDS = ("teams", "schedules", "escalations")
LIBRARY_PER_KIND = 60


def clear() -> None:
    """Every alert and what hangs off it, in a few statements."""
    from django.db import connection

    from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
    from library.models import LibraryObject, LibraryRelation

    models = (AlertLog, AlertNote, AlertRecipient, Alert, LibraryRelation, LibraryObject)
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def _alert(connection, n: int, rng: random.Random, created: datetime, now: datetime):  # type: ignore[no-untyped-def]
    from alerts.models import Alert

    roll = rng.random()
    status = "open" if roll < 0.1 else "closed"
    acknowledged = roll < 0.3
    service = rng.choice(_SERVICES)
    raw = {
        "id": f"alert-{n}",
        "tinyId": str(n + 1),
        "message": rng.choice(_MESSAGES).format(service=service),
        "status": status,
        "acknowledged": acknowledged,
        "priority": rng.choices(_PRIORITIES, weights=_PRIORITY_WEIGHTS)[0],
        "tags": rng.sample(_TAGS, rng.randrange(0, 4)),
        "createdAt": created.isoformat(),
    }
    close_ms = rng.randrange(60_000, 86_400_000) if status == "closed" else None
    waiting = created > now - timedelta(days=18)  # the newest tenth of half a year
    return Alert(
        connection=connection,
        provider="opsgenie",
        upstream_id=raw["id"],
        tiny_id=raw["tinyId"],
        alias=f"{service.lower().replace(' ', '-')}-{n % 997}",
        message=raw["message"],
        status=status,
        acknowledged=acknowledged,
        is_seen=acknowledged,
        count=rng.randrange(1, 20),
        priority=raw["priority"],
        upstream_source=rng.choice(("API", "Web", "Email")),
        owner="ops@example.com" if acknowledged else "",
        tags=raw["tags"],
        integration_name="Default API",
        integration_type="API",
        created_at=created,
        updated_at=created,
        last_occurred_at=created,
        acknowledged_by="ops@example.com" if acknowledged else "",
        closed_by="ops@example.com" if close_ms else "",
        ack_time_ms=rng.randrange(10_000, 600_000) if acknowledged else None,
        close_time_ms=close_ms,
        closed_at=created + timedelta(milliseconds=close_ms) if close_ms else None,
        raw=raw,
        content_hash=f"{n:064x}",
        first_seen_at=now,
        changed_at=now,
        details_wanted_at=now if waiting else None,
        details_read_at=None if waiting else now,
    )


def populate_alerts(connection, size: int) -> int:  # type: ignore[no-untyped-def]
    """Write ``size`` alerts (oldest first) and the details of about 3% of the read ones (at
    most 3,000); return the id of an alert with details, the fullest alert page."""
    from django.db import transaction
    from django.utils import timezone

    from alerts.models import Alert
    from integrations.sync import writes

    clear()
    rng = random.Random(size)
    now = timezone.now()
    span = 182 * 86_400
    ages = sorted((rng.randrange(60, span) for _ in range(size)), reverse=True)
    for start in range(0, size, CHUNK):
        rows = [
            _alert(connection, n, rng, now - timedelta(seconds=ages[n]), now)
            for n in range(start, min(size, start + CHUNK))
        ]
        with transaction.atomic():
            writes.insert_rows(Alert, rows)
    read = Alert.objects.filter(details_read_at__isnull=False).order_by("-created_at", "-id")
    with_details = list(read.values_list("pk", flat=True)[: min(3000, max(10, size // 30))])
    _populate_details(with_details, rng, now)
    _populate_library(connection, now)
    analyze()
    return with_details[0]


def _populate_details(alert_ids: list[int], rng: random.Random, now: datetime) -> None:
    from django.db import transaction

    from alerts.models import AlertLog, AlertNote, AlertRecipient
    from integrations.sync import writes

    logs, notes, recipients = [], [], []
    for alert_id in alert_ids:
        for i in range(DETAIL_ITEMS):
            at = now - timedelta(minutes=rng.randrange(1, 10_000))
            common = {"alert_id": alert_id, "created_at": at, "first_seen_at": now}
            logs.append(
                AlertLog(**common, offset=f"{i}", log=f"Step {i}", type="system", owner="ops")
            )
            notes.append(AlertNote(**common, offset=f"{i}", note=f"Note {i}", owner="ops"))
            recipients.append(
                AlertRecipient(
                    **common,
                    user_id=f"user-{i}",
                    username=f"user{i}@example.com",
                    state="acknowledged",
                    method="email",
                    aware=True,
                    updated_at=at,
                )
            )
    with transaction.atomic():
        for model, rows in ((AlertLog, logs), (AlertNote, notes), (AlertRecipient, recipients)):
            writes.insert_rows(model, rows)


def _populate_library(connection, now: datetime) -> None:  # type: ignore[no-untyped-def]
    from lib.search import fold
    from library.models import LibraryObject

    LibraryObject.objects.bulk_create(
        LibraryObject(
            connection=connection,
            provider="opsgenie",
            kind=kind,
            upstream_id=f"{kind}-{n}",
            name=f"{kind.capitalize()} {n}",
            team_upstream_id=f"teams-{n % 10}",
            team=f"Teams {n % 10}",
            search_text=fold(f"{kind.capitalize()} {n}"),
            raw={"id": f"{kind}-{n}"},
            content_hash=f"{n:064x}",
            first_seen_at=now,
            changed_at=now,
        )
        for kind in LIBRARY_KINDS
        for n in range(LIBRARY_PER_KIND)
    )
