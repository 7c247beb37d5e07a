"""The incidents of `make bench`: a year of history with the sandbox's mix of text, status and
priority, ~2% with a data-loss report, then the checks evaluated once and the dashboard's figures
counted, as after a sync.

Written the way a sync writes them (integrations/sync/writes.py: one COPY per chunk on
PostgreSQL, one executemany on SQLite), in chunks of CHUNK rows, so 1,000,000 incidents take a
few minutes and memory stays flat. On PostgreSQL the tables are then vacuumed and analyzed, as
autovacuum does on its own soon after a bulk load: plans and index-only scans as in production.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from tests.bench.common import empty_tables

CHUNK = 20_000
SERVICES_FILTERED = "Checkout API"


def _clear() -> None:
    """Every incident and what hangs off it, as a new install holds them (common.empty_tables:
    a TRUNCATE on PostgreSQL; the ORM's delete collects every related row in Python first,
    minutes at 1,000,000). The failing items and the reports' history name incidents without a
    foreign key, so they are named here."""
    from checks.models import FailingItem
    from incidents.models import DataLossReport, Incident

    empty_tables(Incident, FailingItem, DataLossReport.history.model)


def _connection():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from integrations.models import Connection, ProviderService
    from integrations.providers.opsgenie.sandbox.data import _SERVICES

    connection = Connection.objects.filter(provider="opsgenie").first()
    if connection is None:
        connection = Connection(
            provider="opsgenie", status="connected", region="us", connected_at=timezone.now()
        )
        connection.set_credentials({"api_key": "b" * 36}, hint="bench")
        connection.save()
        # The service filter's choices come from the services the syncs know.
        ProviderService.objects.bulk_create(
            ProviderService(
                connection=connection, upstream_id=f"svc-{n}", name=name, synced_at=timezone.now()
            )
            for n, (name, _team) in enumerate(_SERVICES)
        )
    return connection


def _incidents(connection, size: int, rng: random.Random, now: datetime) -> Iterator[list]:  # type: ignore[no-untyped-def]
    """Chunks of unsaved incidents, oldest first (the number grows with creation, as upstream)."""
    from incidents.data_loss import find_mention
    from incidents.models import Incident
    from integrations.providers.opsgenie.sandbox.data import (
        _DESCRIPTIONS,
        _MESSAGES,
        _SERVICES,
    )

    year = 365 * 86_400
    ages = sorted((rng.randrange(60, year) for _ in range(size)), reverse=True)
    priorities = rng.choices(["high", "medium", "low", ""], weights=[17, 38, 33, 12], k=size)
    raw_priority = {"high": "P1", "medium": "P3", "low": "P4", "": "P5"}
    services = [name for name, _ in _SERVICES]
    chunk = []
    for index, age in enumerate(ages):
        created = now - timedelta(seconds=age)
        open_share = 0.6 if age < 2 * 86_400 else 0.25 if age < 14 * 86_400 else 0.02
        status = (
            "open"
            if rng.random() < open_share
            else ("resolved" if rng.random() < 0.4 else "closed")
        )
        resolved = (
            None
            if status == "open"
            else created + timedelta(seconds=int(rng.expovariate(1 / (30 * 3600))) + 300)
        )
        impacted = rng.sample(services, rng.choice((1, 1, 1, 2, 3)))
        fill = {"{service}": impacted[0], "{region}": "eu-west-1", "{host}": "node-07"}
        title, description = rng.choice(_MESSAGES), rng.choice(_DESCRIPTIONS)
        for key, value in {**fill, "{count}": str(rng.randint(2, 5000)), "{team}": "SRE"}.items():
            title, description = title.replace(key, value), description.replace(key, value)
        title = title[:130]
        chunk.append(
            Incident(
                connection=connection,
                source="opsgenie",
                upstream_id=f"bench-{index}",
                number=str(index + 1),
                title=title,
                description=description,
                status=status,
                raw_status=status,
                priority=priorities[index],
                raw_priority=raw_priority[priorities[index]],
                services=impacted,
                created_at=created,
                updated_at=resolved or created,
                resolved_at=resolved,
                upstream_url=f"https://bench.app.opsgenie.com/incident/detail/bench-{index}",
                data_loss_mention=find_mention(title, description),
                content_hash="bench",
                changed_at=now,
            )
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def populate_incidents(size: int, *, seed: int = 1) -> None:
    """Replace every incident with ``size`` synthetic ones, then evaluate the checks and count
    the dashboard's figures."""
    from django.db import transaction
    from django.utils import timezone

    from checks.engine import evaluate
    from dashboard.services import snapshot_refresh
    from incidents.models import DataLossReport, DataLost, Incident
    from integrations.sync.writes import insert_rows

    rng = random.Random(seed)
    _clear()
    connection = _connection()
    for chunk in _incidents(connection, size, rng, timezone.now()):
        with transaction.atomic():
            insert_rows(Incident, chunk)
    ids = list(Incident.objects.order_by("pk").values_list("id", flat=True))
    reports = (
        DataLossReport(
            incident_id=pk,
            data_lost=rng.choice([DataLost.YES, DataLost.NO, DataLost.NO, DataLost.NOT_ASSESSED]),
            what_happened=rng.choice(["", "Backups were incomplete."]),
        )
        for pk in rng.sample(ids, size // 50)
    )
    # bulk_create skips simple-history's signal, as a data import would.
    DataLossReport.objects.bulk_create(reports, batch_size=5000)
    del ids
    analyze()
    # Written as an import would be, without marking them for the checks (and the previous
    # size's check states are still there): every item is judged, as after a policy change.
    evaluate(reason="bench", full=True)
    snapshot_refresh()
    analyze()


def analyze(*tables: str) -> None:
    """What autovacuum does soon after a bulk load on PostgreSQL: statistics for the planner,
    and the visibility map that lets index-only scans skip the table; of ``tables`` (names
    from the bench's own code), or of every table. On SQLite, the statistics its deployment's
    daily evaluation gathers (every table)."""
    from django.db import connection

    from lib.db_statistics import refresh_statistics

    if refresh_statistics():
        return  # SQLite: what a deployment's daily evaluation does (lib/db_statistics.py).
    # VACUUM cannot run inside a transaction block; the bench runs in autocommit.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(tables))
