"""The alerts store on its own: what one page writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alerts.models import Alert
from alerts.store import AlertStore
from integrations.providers.opsgenie.mapping import alert_record
from tests.alerts.test_alert_reader import START, alerts
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def test_a_page_is_stored_once_and_an_unchanged_page_writes_nothing() -> None:
    connection = make_connection()
    records = [alert_record(raw) for raw in alerts(6)]
    store = AlertStore()

    first = store.save(connection=connection, records=records + records[:2])
    before = list(Alert.objects.values_list("id", "changed_at"))
    again = store.save(connection=connection, records=records)

    assert (first.fetched, first.created, first.updated) == (8, 6, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert list(Alert.objects.values_list("id", "changed_at")) == before
    closed = Alert.objects.get(tiny_id="3")
    assert closed.closed_at == START + timedelta(minutes=3, seconds=60)
    assert closed.closed_by == "ann@example.com" and closed.raw["tinyId"] == "3"


def test_a_close_time_past_any_date_stores_the_alert_without_one() -> None:
    raw = {**alerts(3)[2], "report": {"closeTime": 2**62}}

    counts = AlertStore().save(connection=make_connection(), records=[alert_record(raw)])

    assert counts.created == 1
    assert Alert.objects.get().closed_at is None


def test_only_connections_whose_provider_reads_alerts_count_them_on_their_card() -> None:
    from alerts.selectors import held_alerts

    assert held_alerts(make_connection()).stored == 0  # type: ignore[union-attr]
    assert held_alerts(make_connection(provider="pagerduty")) is None
