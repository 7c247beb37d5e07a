"""What a moved connection had not read yet: its incident and alert pages say no sync will come,
not that the notes, logs or recipients are pending at a coming sync."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.moves import connection_move
from tests.alerts.test_pages import START, make_alert
from tests.conftest import make_incident
from tests.moves.conftest import TODAY

pytestmark = pytest.mark.django_db

MOVED = (
    "OpsGenie moved to Jira Service Management before a sync read them, "
    "and nothing syncs it any more"
)


def _move(opsgenie, jsm, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection_move(connection=opsgenie, successor=jsm, stop_on=TODAY, user=admin_user)


def test_an_incident_waiting_for_its_notes_says_the_move_ended_the_wait(
    admin_client, admin_user, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(opsgenie, 1, entries_wanted_at=START)
    url = reverse("incidents:detail", args=[incident.pk])
    assert "at a coming sync (1 incident waiting" in admin_client.get(url).content.decode()

    _move(opsgenie, jsm, admin_user)
    page = admin_client.get(url).content.decode()

    assert f"Notes, log and timeline not read: {MOVED}." in page
    assert "at a coming sync" not in page


def test_an_alert_waiting_for_its_details_says_the_move_ended_the_wait(
    admin_client, admin_user, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    alert = make_alert(opsgenie, 1, details_wanted_at=START)
    url = reverse("alerts:detail", args=[alert.pk])
    assert "at a coming sync (1 alert waiting" in admin_client.get(url).content.decode()

    _move(opsgenie, jsm, admin_user)
    page = admin_client.get(url).content.decode()

    assert f"Logs, notes and recipients not read: {MOVED}." in page
    assert "at a coming sync" not in page and "gone upstream" not in page
