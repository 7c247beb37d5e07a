"""What a moved connection had not read yet: while OpsGenie answers, its syncs read those
details alone, and its incident and alert pages say they are pending at a coming sync; once it
stopped answering (or ended), they say the details were never read, and why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.moves import connection_move
from tests.alerts.test_pages import START, make_alert
from tests.conftest import make_incident
from tests.moves.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

AFTER_MOVE = (
    "OpsGenie has moved to Jira Service Management: its syncs now read only the details still "
    "waiting, as long as it answers, until it ends on 5 April 2027."
)
STOPPED = (
    "OpsGenie stopped answering after its move to Jira Service Management, before a sync read "
    "them: they can no longer be read"
)
ENDED = (
    "OpsGenie ended on 5 April 2027, after its move to Jira Service Management, before a sync "
    "read them"
)


def _move(opsgenie, jsm, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection_move(connection=opsgenie, successor=jsm, stop_on=TODAY, user=admin_user)


def _stopped_answering(opsgenie) -> None:  # type: ignore[no-untyped-def]
    Connection.objects.filter(pk=opsgenie.pk).update(stopped_answering_at=NOW)


def test_an_incident_waiting_for_its_notes_is_read_after_the_move_unless_opsgenie_stops(
    admin_client, admin_user, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(opsgenie, 1, entries_wanted_at=START)
    url = reverse("incidents:detail", args=[incident.pk])
    page = admin_client.get(url).content.decode()
    assert "at a coming sync (1 incident waiting" in page and AFTER_MOVE not in page

    _move(opsgenie, jsm, admin_user)
    page = admin_client.get(url).content.decode()
    assert "at a coming sync (1 incident waiting" in page and AFTER_MOVE in page

    _stopped_answering(opsgenie)
    page = admin_client.get(url).content.decode()
    assert f"Notes, log and timeline not read: {STOPPED}." in page
    assert "at a coming sync" not in page and AFTER_MOVE not in page


def test_an_alert_waiting_for_its_details_is_read_after_the_move_unless_opsgenie_stops(
    admin_client, admin_user, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    alert = make_alert(opsgenie, 1, details_wanted_at=START)
    url = reverse("alerts:detail", args=[alert.pk])
    assert "at a coming sync (1 alert waiting" in admin_client.get(url).content.decode()

    _move(opsgenie, jsm, admin_user)
    page = admin_client.get(url).content.decode()
    assert "at a coming sync (1 alert waiting" in page and AFTER_MOVE in page

    _stopped_answering(opsgenie)
    page = admin_client.get(url).content.decode()
    assert f"Logs, notes and recipients not read: {STOPPED}." in page
    assert "at a coming sync" not in page and "gone upstream" not in page


def test_after_the_end_of_life_what_waits_is_never_read(
    admin_client, admin_user, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(opsgenie, 1, entries_wanted_at=START)
    _move(opsgenie, jsm, admin_user)
    frozen(datetime(2027, 4, 6, 12, 0, tzinfo=UTC))
    admin_client.force_login(admin_user)  # the session of September has expired
    opsgenie.refresh_from_db()
    assert opsgenie.has_moved and not opsgenie.reads_details_only
    page = admin_client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f"Notes, log and timeline not read: {ENDED}." in page
