"""Changing which services count after syncing: incidents of dropped services stop counting at
once, are kept as evidence, are not re-read nor called deleted, and count again when picked."""

from __future__ import annotations

import pytest

from checks.models import CheckState
from incidents.models import Incident
from incidents.scope import is_out_of_scope
from integrations.models import SyncOutcome
from integrations.services import connection_set_services
from tests.pagerduty.conftest import PD_INCIDENTS, truth
from tests.sync.conftest import run_sync


@pytest.mark.parametrize(
    ("services", "selected", "out"),
    [
        (("A",), set(), False),  # no selection: every service counts
        (("A",), {"A", "B"}, False),
        (("C",), {"A", "B"}, True),
        (("A", "C"), {"A"}, False),  # one chosen service is enough
        ((), {"A"}, False),  # an incident without a service is never dropped silently
    ],
)
def test_what_counts(services: tuple[str, ...], selected: set[str], out: bool) -> None:
    assert is_out_of_scope(services, selected) is out


def _select(connection, ids: list[str], capture) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        connection_set_services(connection=connection, service_ids=ids, report_email="")


def test_dropping_a_service_stops_its_incidents_counting_and_reading(  # type: ignore[no-untyped-def]
    upstream, connection, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    run_sync(connection)
    kept = upstream.pagerduty_stores["us"].services()[0]["id"]
    ours = set(truth(upstream, {kept}))
    assert 0 < len(ours) < PD_INCIDENTS

    _select(connection, [kept], django_capture_on_commit_callbacks)
    out = set(Incident.objects.filter(out_of_scope=True).values_list("upstream_id", flat=True))
    assert out == set(truth(upstream)) - ours
    # The checks count only the chosen service's incidents, from now on.
    state = CheckState.objects.get(key="incident-closed")
    assert state.checked_count == len(ours)

    # A full reconciliation neither re-reads them one by one nor calls them deleted.
    full = run_sync(connection, full=True)
    assert full.outcome == SyncOutcome.SUCCEEDED
    assert full.counts["incidents"]["deleted"] == 0
    # Services once + one or two pages of the chosen service (the Data library's streams count
    # their own calls).
    read = full.counts["services"]["http_calls"] + full.counts["incidents"]["http_calls"]
    assert read <= 1 + 2
    assert Incident.objects.count() == PD_INCIDENTS  # every incident is kept as evidence
    assert not Incident.objects.filter(deleted_upstream=True).exists()

    # Choosing all services again brings them back at once.
    _select(connection, [], django_capture_on_commit_callbacks)
    assert not Incident.objects.filter(out_of_scope=True).exists()
    state.refresh_from_db()
    assert state.checked_count == PD_INCIDENTS


def test_incidents_synced_after_the_choice_are_scoped_as_they_arrive(  # type: ignore[no-untyped-def]
    upstream, connection
) -> None:
    services = upstream.pagerduty_stores["us"].services()
    connection.service_ids = [services[0]["id"]]
    connection.save()
    run_sync(connection)
    # The listing is filtered by service, so only the chosen service's incidents arrive.
    assert Incident.objects.count() == len(truth(upstream, {services[0]["id"]}))
    assert not Incident.objects.filter(out_of_scope=True).exists()
