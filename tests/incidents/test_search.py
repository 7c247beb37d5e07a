"""The incident search ignores case and accents, on SQLite and PostgreSQL alike: both compare
the folded ``search_text`` column, written wherever incidents are written."""

from __future__ import annotations

import importlib
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection as db
from django.utils import timezone

from incidents.models import Incident
from incidents.store import IncidentStore
from integrations.records import IncidentRecord, IncidentStatus, Priority
from lib.search import fold
from tests.conftest import make_incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zürich", "zurich"),
        ("ZÜRICH", "zurich"),
        ("Straße", "strasse"),
        ("Ångström café", "angstrom cafe"),
        ("Łódź Øresund", "lodz oresund"),
        ("ﬁle", "file"),  # a compatibility ligature
        ("", ""),
    ],
)
def test_fold_drops_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def _page(client, query: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/incidents/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zurich", {"1", "2"}),
        ("zürich", {"1", "2"}),
        ("ZÜRICH", {"1", "2"}),
        ("Zurich", {"1", "2"}),
        ("strasse", {"3"}),
        ("straße", {"3"}),
        ("Geneve", set()),
    ],
)
def test_search_ignores_accents_and_case_both_ways(
    staff_client, connection, query: str, expected: set[str]
) -> None:  # type: ignore[no-untyped-def]
    make_incident(connection, 1, title="Zürich datacenter down")
    make_incident(connection, 2, title="Network", description="Failover to Zurich failed")
    make_incident(connection, 3, title="Outage in the Hauptstraße office")
    page = _page(staff_client, query)
    shown = {n for n in ("1", "2", "3") if f">#{n} " in page}
    assert shown == expected


def test_the_search_does_not_match_across_title_and_description(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    make_incident(connection, 1, title="Checkout", description="API down")
    assert ">#1 " not in _page(staff_client, "checkout api")
    assert ">#1 " in _page(staff_client, "checkout")


def _record(n: int, **fields) -> IncidentRecord:  # type: ignore[no-untyped-def]
    values = {
        "upstream_id": f"up-{n}",
        "number": str(n),
        "title": f"Incident {n}",
        "description": "",
        "status": IncidentStatus.OPEN,
        "raw_status": "open",
        "priority": Priority.HIGH,
        "raw_priority": "P1",
        "created_at": timezone.now() - timedelta(hours=n),
        "updated_at": None,
        "resolved_at": None,
        "impact_start": None,
        "impact_end": None,
        "upstream_url": "",
        **fields,
    }
    return IncidentRecord(**values)


def test_the_sync_store_writes_the_folded_text_on_insert_and_update(connection) -> None:  # type: ignore[no-untyped-def]
    """Its INSERT (COPY on PostgreSQL) and UPDATE statements are its own, not the ORM's."""
    store = IncidentStore()
    first = _record(1, title="Panne à Zürich", description="Énorme")
    store.save(connection=connection, records=[first])
    row = Incident.objects.get()
    assert row.search_text == "panne a zurich\nenorme"
    store.save(connection=connection, records=[replace(first, title="Résolu à Genève")])
    row.refresh_from_db()
    assert row.search_text == "resolu a geneve\nenorme"


def test_the_migration_fills_the_incidents_stored_before_it(connection) -> None:  # type: ignore[no-untyped-def]
    make_incident(connection, 1, title="Zürich", description="Çava")
    make_incident(connection, 2, title="Plain")
    Incident.objects.update(search_text="")  # as the column's default left existing rows
    migration = importlib.import_module(
        "incidents.migrations.0008_incident_accent_insensitive_search"
    )
    migration.fill_search_text(apps, SimpleNamespace(connection=db))
    assert dict(Incident.objects.values_list("number", "search_text")) == {
        "1": "zurich\ncava",
        "2": "plain\n",
    }
