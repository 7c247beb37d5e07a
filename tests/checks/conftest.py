from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from incidents.models import Incident
from integrations.models import Connection
from tests.conftest import make_incident

NOW = timezone.now()


def make(connection: Connection, n: int, **fields) -> Incident:  # type: ignore[no-untyped-def]
    values = {
        "status": "resolved",
        "priority": "high",
        "created_at": NOW - timedelta(days=10),
        "title": f"Incident {n}",
    }
    values.update(fields)
    if values["status"] != "open" and "resolved_at" not in fields:
        values["resolved_at"] = values["created_at"] + timedelta(hours=1)
    return make_incident(connection, n, **values)
