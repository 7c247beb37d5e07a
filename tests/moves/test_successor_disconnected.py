"""Disconnecting a move's successor: its incidents stop counting, so the OpsGenie records they
stood for count again (nothing vanishes from the counts, nothing is counted twice); connecting
it again matches them again, by their tiny ids and by the admin's matches. The OpsGenie page
says so and offers to resume syncing OpsGenie."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from auditlog.models import LogEntry

from checks.engine import evaluate
from checks.models import CheckState
from incidents.checks import CLOSED_KEY
from incidents.models import Incident
from incidents.moves import match_by_hand
from integrations.models import Connection, ConnectionStatus
from integrations.moves import connection_move
from tests.conftest import make_incident
from tests.moves.conftest import NOW

pytestmark = pytest.mark.django_db

MOVE_DAY = NOW.date() + timedelta(days=1)
SITE = "https://acme.atlassian.net"
CLOUD_ID = "0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
TOKEN = "ATATT3xFfGF0Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=AB12CD34"
RECONNECT = {
    "site": "acme",
    "email": "ops.lead@acme.example",
    "api_token": TOKEN,
    "jql": 'issuetype = "[System] Incident"',
}


def _work_item(jsm, n: int, created, tiny_id: str | None = None) -> Incident:  # type: ignore[no-untyped-def]
    return Incident.objects.create(
        connection=jsm,
        source="jsm",
        upstream_id=f"100{n}",
        number=f"OPS-{n}",
        title=f"Work item {n}",
        status="open",
        priority="high",
        created_at=created,
        external_refs={"opsgenie_tiny_id": tiny_id} if tiny_id else {},
        content_hash="x",
        changed_at=created,
    )


@pytest.fixture
def moved(opsgenie, jsm, frozen, admin_user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """OpsGenie #1..#5 and JSM OPS-1..OPS-4: OPS-1 carries tiny id 2, OPS-2 tiny id 4, OPS-3
    nothing (matched to #5 by the admin), OPS-4 is new in JSM."""
    for n in range(1, 6):
        make_incident(opsgenie, n, created_at=NOW - timedelta(days=40 - n), priority="high")
    _work_item(jsm, 1, NOW - timedelta(days=2), "2")
    _work_item(jsm, 2, NOW - timedelta(days=2), "4")
    ops3 = _work_item(jsm, 3, NOW - timedelta(days=3))
    _work_item(jsm, 4, NOW + timedelta(hours=1))
    assert Incident.objects.counted().count() == 9  # before the move: 5 + 4
    with django_capture_on_commit_callbacks(execute=True):
        connection_move(connection=opsgenie, successor=jsm, stop_on=MOVE_DAY, user=None)
    opsgenie.refresh_from_db()
    match_by_hand(predecessor=opsgenie, successor_incident=ops3, number="5", user=admin_user)
    # The move has taken effect: OpsGenie syncs no more.
    frozen(NOW + timedelta(days=2))
    return opsgenie, jsm


def _counted_numbers() -> list[str]:
    return sorted(
        f"{i.source}:{i.number}" for i in Incident.objects.counted().select_related("connection")
    )


def _closed_check_failing() -> int:
    evaluate(reason="test", full=True)
    return CheckState.objects.get(key=CLOSED_KEY).failing_count


def _counted_again_entries(opsgenie: Connection) -> list[tuple[str, str, str]]:
    entries = LogEntry.objects.get_for_object(opsgenie).order_by("timestamp", "pk")
    return [
        (*e.changes_dict["counted_again"], e.actor.username if e.actor else "")  # type: ignore[misc]
        for e in entries
        if e.action == LogEntry.Action.UPDATE and "counted_again" in e.changes_dict
    ]


@responses.activate
def test_disconnecting_the_successor_counts_the_opsgenie_records_again_and_reconnecting_once(
    moved, admin_client
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = moved
    # After the move: #2, #4 (tiny ids) and #5 (by hand) are counted by OPS-1, OPS-2, OPS-3.
    after_move = ["jsm:OPS-1", "jsm:OPS-2", "jsm:OPS-3", "jsm:OPS-4", "opsgenie:1", "opsgenie:3"]
    assert _counted_numbers() == after_move
    assert _closed_check_failing() == len(after_move)

    response = admin_client.post("/settings/integrations/jsm/disconnect/", follow=True)
    jsm.refresh_from_db()
    assert jsm.status == ConnectionStatus.DISCONNECTED
    # Every OpsGenie record counts again, and no JSM record: each incident once.
    opsgenie_only = [f"opsgenie:{n}" for n in range(1, 6)]
    assert _counted_numbers() == opsgenie_only
    assert _closed_check_failing() == len(opsgenie_only)
    assert not Incident.objects.filter(connection=opsgenie, superseded_by__isnull=False).exists()
    assert "5 incidents" in admin_client.get("/incidents/?counted=yes").content.decode()
    # The disconnect says what counts in its place.
    said = response.content.decode()
    assert "3 incidents both recorded now count by OpsGenie&#x27;s records again" in said
    # The audit log records it, and who did it.
    opsgenie.refresh_from_db()
    assert opsgenie.counted_again == 3
    assert _counted_again_entries(opsgenie) == [("0", "3", "alice-admin")]

    # Connected again (the wizard, Atlassian's answers stubbed): counted once again, by JSM,
    # the admin's match included.
    responses.get(f"{SITE}/_edge/tenant_info", json={"cloudId": CLOUD_ID})
    responses.get(
        f"{SITE}/rest/api/3/myself",
        json={"accountId": "712020:abc", "emailAddress": RECONNECT["email"]},
    )
    responses.get(
        f"https://api.atlassian.com/jsm/ops/api/{CLOUD_ID}/v1/alerts",
        json={"values": [], "links": {}},
    )
    responses.get(f"{SITE}/rest/api/3/search/jql", json={"issues": [], "isLast": True})
    answer = admin_client.post("/settings/integrations/jsm/connect/details/", RECONNECT)
    assert answer.status_code == 302
    jsm.refresh_from_db()
    assert jsm.status == ConnectionStatus.CONNECTED
    assert _counted_numbers() == after_move
    assert _closed_check_failing() == len(after_move)
    five = Incident.objects.get(connection=opsgenie, number="5")
    assert five.superseded_by.number == "OPS-3"  # type: ignore[union-attr]
    opsgenie.refresh_from_db()
    assert opsgenie.counted_again == 0
    assert _counted_again_entries(opsgenie) == [
        ("0", "3", "alice-admin"),
        ("3", "0", "alice-admin"),
    ]


def test_the_pages_say_the_successor_is_disconnected_and_offer_to_resume(
    moved, admin_client, auditor_client
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = moved
    admin_client.post("/settings/integrations/jsm/disconnect/")
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "Its successor, Jira Service Management, is disconnected." in page
    assert "(3 incidents): nothing is counted twice" in page
    assert "incidents raised since the move are in neither" in page
    assert "Resume syncing OpsGenie" in page
    assert "Moved, but its successor is disconnected: its incidents count here again" in page
    # The move's page: the counts as they stand, and no match to make.
    page = admin_client.get(f"/incidents/moved/{opsgenie.pk}/").content.decode()
    assert "Jira Service Management is disconnected: its incidents do not count" in page
    assert "<dt>Incidents of the two, each once</dt><dd>5</dd>" in page
    assert 'name="number"' not in page
    # The successor's page.
    page = admin_client.get("/settings/integrations/jsm/").content.decode()
    assert "While this connection is disconnected, OpsGenie's records" in page
    # An auditor reads the warning, without the button, and cannot resume.
    page = auditor_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "Its successor, Jira Service Management, is disconnected." in page
    assert "Resume syncing OpsGenie" not in page
    assert auditor_client.post("/settings/integrations/opsgenie/move/resume/").status_code == 403
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to == jsm


def test_resuming_cancels_the_move_and_opsgenie_syncs_again(moved, admin_client) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = moved
    # While the successor is connected, the move stands.
    page = admin_client.post("/settings/integrations/opsgenie/move/resume/", follow=True)
    assert "the move stands" in page.content.decode()
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to == jsm and opsgenie.has_moved

    admin_client.post("/settings/integrations/jsm/disconnect/")
    page = admin_client.post("/settings/integrations/opsgenie/move/resume/", follow=True)
    assert "The move is cancelled: OpsGenie syncs again" in page.content.decode()
    opsgenie.refresh_from_db()
    assert (opsgenie.moved_to, opsgenie.moved_on, opsgenie.counted_again) == (None, None, 0)
    assert not opsgenie.has_moved
    assert opsgenie.status_label == "Connected"
    entry = LogEntry.objects.get_for_object(opsgenie).order_by("-timestamp", "-pk").first()
    assert entry is not None and entry.changes_dict["moved_to"][1] == "None"
    assert entry.actor.username == "alice-admin"  # type: ignore[union-attr]
    # Its records count, each once; the Move form is offered again.
    assert _counted_numbers() == [f"opsgenie:{n}" for n in range(1, 6)]
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "is disconnected" not in page


def test_a_successor_disconnected_before_the_stop_date_is_not_matched_by_opsgenie_syncs(
    moved, frozen, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from incidents.moves import link_page
    from integrations.services import connection_disconnect

    opsgenie, jsm = moved
    frozen(NOW)  # before the stop date: OpsGenie still syncs
    connection_disconnect(connection=jsm)
    # An OpsGenie sync page writes #2 again: it is not matched to the disconnected OPS-1.
    two = Incident.objects.get(connection=opsgenie, number="2")
    assert link_page(connection=opsgenie, incident_ids=[two.pk]) == []
    two.refresh_from_db()
    assert two.superseded_by is None
    assert _counted_numbers() == [f"opsgenie:{n}" for n in range(1, 6)]
