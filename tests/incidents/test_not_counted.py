"""An incident the checks do not count says so on its page, never ✓ Passing (issue 10 point 3);
and the words for why agree with Incident.objects.counted() in every case."""

from __future__ import annotations

from itertools import product

import pytest

from checks.engine import evaluate
from incidents.models import Incident
from integrations.models import ConnectionStatus
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("out_of_scope", "deleted", "disconnected"),
    list(product([False, True], repeat=3)),
)
def test_the_reasons_agree_with_the_counted_rule(
    out_of_scope: bool, deleted: bool, disconnected: bool
) -> None:
    connection = make_connection(
        status=ConnectionStatus.DISCONNECTED if disconnected else ConnectionStatus.CONNECTED
    )
    incident = make_incident(connection, 1, out_of_scope=out_of_scope, deleted_upstream=deleted)
    counted = Incident.objects.counted().filter(pk=incident.pk).exists()
    assert counted == (not (out_of_scope or deleted or disconnected))
    # not_counted() is written apart (for its indexes): exactly the others.
    assert Incident.objects.not_counted().filter(pk=incident.pk).exists() == (not counted)
    assert (incident.not_counted_because == []) == counted


def test_an_incident_of_a_service_not_chosen_shows_not_counted_not_passing(auditor_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty")
    incident = make_incident(connection, 7, status="resolved", out_of_scope=True)
    evaluate()
    page = auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "✓ Passing" not in page
    assert "– Not counted" in page
    assert "Not counted by the checks: its service is not chosen." in page


def test_a_counted_incident_still_shows_its_verdicts(auditor_client) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(make_connection(), 8, status="open")
    evaluate()
    page = auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "✗ Failing" in page and "Not counted" not in page
