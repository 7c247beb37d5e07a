"""Which incidents count: those of the services the admin chose for their connection (PRODUCT
3.3). Incidents of other services are kept as evidence, flagged ``out_of_scope``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from incidents.checks import TOPIC
from incidents.models import Incident
from integrations.models import Connection
from lib.checks import engine, id_chunks
from lib.ids import AmongIds


def is_out_of_scope(service_ids: Iterable[str], selected: set[str]) -> bool:
    """An empty selection means every service; an incident without services stays counted."""
    ids = set(service_ids)
    return bool(selected) and bool(ids) and not ids & selected


def rescope_incidents(*, connection: Connection) -> int:
    """Apply the connection's current selection to its stored incidents; returns how many
    changed. One read of (id, services) and at most two UPDATEs."""
    selected = set(connection.service_ids)
    now_out: list[int] = []
    now_in: list[int] = []
    rows = Incident.objects.filter(connection=connection).values_list(
        "pk", "service_ids", "out_of_scope"
    )
    for pk, service_ids, out in rows.iterator(chunk_size=5000):
        wanted = is_out_of_scope(service_ids or (), selected)
        if wanted != out:
            (now_out if wanted else now_in).append(pk)
    with transaction.atomic():
        for pks, value in ((now_out, True), (now_in, False)):
            for ids in id_chunks(pks):
                Incident.objects.filter(AmongIds("pk", ids)).update(out_of_scope=value)
        engine().changed(topic=TOPIC, item_ids=[*now_out, *now_in])
    return len(now_out) + len(now_in)
