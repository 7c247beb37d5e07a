"""An incident both OpsGenie and its JSM successor record is counted once (by the successor's
record) by the checks, the incident list and the dashboard: matched by the tiny id the work
item carries when the move is set and as syncs write afterwards, or by an admin by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry

from checks.engine import evaluate
from checks.models import CheckState
from dashboard.selectors import open_incidents_by_age
from incidents.checks import CLOSED_KEY
from incidents.models import Incident, IncidentMatch
from incidents.store import IncidentStore
from integrations.models import Connection
from integrations.moves import connection_move
from integrations.records import IncidentRecord, IncidentStatus, Priority
from tests.conftest import make_incident
from tests.moves.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

# OpsGenie #1..#5; JSM OPS-1 names tiny id 2, OPS-2 names 4, OPS-3 names 99 (no such incident),
# OPS-4 names nothing and was created with the moved ones (it looks moved), OPS-5 after the
# stop date.
MOVE_DAY = TODAY + timedelta(days=1)


def _incident(connection, number: str, created, refs=None):  # type: ignore[no-untyped-def]
    return Incident.objects.create(
        connection=connection,
        source=connection.provider,
        upstream_id=f"{connection.provider}-{number}-{created:%s}",
        number=number,
        title=f"Incident {number}",
        status="open",
        priority="high",
        created_at=created,
        external_refs=refs or {},
        content_hash="x",
        changed_at=created,
    )


def _work_item(jsm, n: int, created, refs=None):  # type: ignore[no-untyped-def]
    return _incident(jsm, f"OPS-{n}", created, refs)


@pytest.fixture
def both(opsgenie, jsm, frozen):  # type: ignore[no-untyped-def]
    for n in range(1, 6):
        make_incident(opsgenie, n, created_at=NOW - timedelta(days=40 - n), priority="high")
    _work_item(jsm, 1, NOW - timedelta(days=2), {"opsgenie_tiny_id": "2"})
    _work_item(jsm, 2, NOW - timedelta(days=2), {"opsgenie_tiny_id": "4"})
    _work_item(jsm, 3, NOW - timedelta(days=2), {"opsgenie_tiny_id": "99"})
    _work_item(jsm, 4, NOW - timedelta(days=3))
    _work_item(jsm, 5, NOW + timedelta(days=2))
    return opsgenie, jsm


def _move(opsgenie, jsm, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        connection_move(connection=opsgenie, successor=jsm, stop_on=MOVE_DAY, user=None)
    opsgenie.refresh_from_db()


def _closed_check_failing() -> int:
    evaluate(reason="test", full=True)
    return CheckState.objects.get(key=CLOSED_KEY).failing_count


def test_before_the_move_both_count_and_after_it_each_incident_once(
    both, admin_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = both
    assert Incident.objects.counted().count() == 10
    assert _closed_check_failing() == 10
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    # #2 and #4 are OPS-1 and OPS-2: 5 + 5 - 2.
    assert Incident.objects.counted().count() == 8
    assert _closed_check_failing() == 8
    two = Incident.objects.get(connection=opsgenie, number="2")
    assert two.superseded_by.number == "OPS-1"
    assert two.not_counted_because == [
        "the source it moved to records the same incident, which counts"
    ]
    # Every record stays, with its source.
    assert Incident.objects.filter(connection=opsgenie).count() == 5
    # The dashboard's open incidents: 8 High.
    assert sum(open_incidents_by_age(now=NOW).counts["high"]) == 8
    # The incident list's "Counts for checks" filter.
    page = admin_client.get("/incidents/?counted=yes").content.decode()
    assert "8 incidents" in page
    # The OpsGenie record's page links the one that counts.
    page = admin_client.get(f"/incidents/{two.pk}/").content.decode()
    assert "The same incident as" in page and "OPS-1" in page


def test_a_work_item_synced_after_the_move_is_matched_by_its_sync(
    opsgenie, jsm, frozen, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    make_incident(opsgenie, 7, created_at=NOW - timedelta(days=3))
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    record = IncidentRecord(
        upstream_id="2001",
        number="OPS-9",
        title="[Moved from OpsGenie] Disk almost full",
        description="",
        status=IncidentStatus.OPEN,
        raw_status="Open",
        priority=Priority.HIGH,
        raw_priority="High",
        created_at=NOW - timedelta(hours=1),
        updated_at=None,
        resolved_at=None,
        impact_start=None,
        impact_end=None,
        upstream_url="",
        external_refs=(("opsgenie_tiny_id", "7"),),
    )
    IncidentStore().save(connection=jsm, records=[record])
    seven = Incident.objects.get(connection=opsgenie, number="7")
    assert seven.superseded_by.number == "OPS-9"
    assert Incident.objects.counted().count() == 1


def test_a_tiny_id_used_twice_matches_nothing_and_waits_for_the_admin(
    opsgenie, jsm, frozen, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    # OpsGenie's tiny ids roll: two incidents #3.
    _incident(opsgenie, "3", NOW - timedelta(days=300))
    _incident(opsgenie, "3", NOW - timedelta(days=3))
    _work_item(jsm, 1, NOW - timedelta(days=1), {"opsgenie_tiny_id": "3"})
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    assert Incident.objects.counted().count() == 3
    from incidents.moves import waiting_for_match

    assert [i.number for i in waiting_for_match(opsgenie)] == ["OPS-1"]


def test_an_admin_matches_a_moved_incident_by_hand(
    both, admin_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = both
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    url = f"/incidents/moved/{opsgenie.pk}/"
    page = admin_client.get(url).content.decode()
    # Waiting: OPS-3 (its tiny id names nothing) and OPS-4 (none); OPS-5 is newer than the move.
    assert "OPS-3" in page and "OPS-4" in page and "OPS-5" not in page
    assert "<dt>Recorded by both (counted once)</dt><dd>2</dd>" in page
    ops4 = Incident.objects.get(connection=jsm, number="OPS-4")
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(url, {"incident": ops4.pk, "number": "5"}, follow=True)
    assert "OpsGenie #5 is Jira Service Management OPS-4: counted once" in page.content.decode()
    five = Incident.objects.get(connection=opsgenie, number="5")
    assert five.superseded_by == ops4
    assert Incident.objects.counted().count() == 7
    assert _closed_check_failing() == 7
    match = IncidentMatch.objects.get()
    assert (match.moved, match.successor, match.matched_by.username) == (five, ops4, "alice-admin")
    # The audit log keeps it.
    entry = LogEntry.objects.get_for_object(match).get()
    assert entry.actor.username == "alice-admin"
    page = admin_client.get(url).content.decode()
    assert "OPS-4</a>, by alice-admin" in page


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("42", "No incident numbered &#x27;42&#x27; was synced from the source."),
        ("2", "Incident 2 is already matched to another incident."),
        ("", "Type the number of the OpsGenie incident that OPS-4 is"),
    ],
)
def test_a_match_by_hand_that_cannot_be_is_refused(
    both, admin_client, django_capture_on_commit_callbacks, number, says
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = both
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    ops4 = Incident.objects.get(connection=jsm, number="OPS-4")
    page = admin_client.post(
        f"/incidents/moved/{opsgenie.pk}/", {"incident": ops4.pk, "number": number}, follow=True
    ).content.decode()
    assert says in page
    assert not IncidentMatch.objects.exists()
    assert Incident.objects.counted().count() == 8


def test_an_auditor_reads_the_move_page_but_cannot_match(
    both, auditor_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = both
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    url = f"/incidents/moved/{opsgenie.pk}/"
    assert "OPS-4" in auditor_client.get(url).content.decode()
    ops4 = Incident.objects.get(connection=jsm, number="OPS-4")
    assert auditor_client.post(url, {"incident": ops4.pk, "number": "5"}).status_code == 403
    assert Incident.objects.counted().count() == 8


def test_the_evidence_says_where_each_incident_came_from_and_when_the_move_happened(
    both, admin_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import date

    from evidence.archive import build_evidence_zip
    from lib.evidence_files import Period
    from tests.evidence.conftest import read_csv, read_zip

    opsgenie, jsm = both
    _move(opsgenie, jsm, django_capture_on_commit_callbacks)
    period = Period(start=date(2026, 1, 1), end=date(2026, 12, 31))
    with build_evidence_zip(period=period, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    rows = read_csv(archive, "incidents.csv")
    assert len(rows) == 10  # nothing lost: both sides' records
    by_number = {row["number"]: row for row in rows}
    assert by_number["2"]["source"] == "opsgenie"
    assert by_number["2"]["connection_id"] == str(opsgenie.pk)
    ops1 = Incident.objects.get(connection=jsm, number="OPS-1")
    assert by_number["2"]["same_incident_as"] == str(ops1.pk)
    assert by_number["OPS-1"]["source"] == "jsm" and by_number["OPS-1"]["same_incident_as"] == ""
    manifest = json.loads(archive.read("manifest.json"))
    entry = next(f for f in manifest["files"] if f["name"] == "incidents.csv")
    assert [
        (s["connection_id"], s["provider"], s["incidents_in_period"]) for s in entry["sources"]
    ] == [
        (opsgenie.pk, "opsgenie", 5),
        (jsm.pk, "jsm", 5),
    ]
    assert entry["moves"] == [
        {
            "from_connection_id": opsgenie.pk,
            "from_provider": "opsgenie",
            "to_connection_id": jsm.pk,
            "to_provider": "jsm",
            "stops_syncing_on": "2026-09-18",
            "stopped_answering_at": None,
            "in_effect": False,
            "incidents_in_period_recorded_by_both": 2,
        }
    ]
    connections = {row["provider"]: row for row in read_csv(archive, "connections.csv")}
    assert connections["opsgenie"]["moved_to_provider"] == "jsm"
    assert connections["opsgenie"]["stops_syncing_on"] == "2026-09-18"
    assert [s["status"] for s in entry["sources"]] == ["connected", "connected"]  # not yet
    # Once the move is in effect (OpsGenie stopped answering), the source says it moved.
    Connection.objects.filter(pk=opsgenie.pk).update(stopped_answering_at=NOW)
    with build_evidence_zip(period=period, generated_by=admin_user, now=NOW) as file:
        manifest = json.loads(read_zip(file.read()).read("manifest.json"))
    entry = next(f for f in manifest["files"] if f["name"] == "incidents.csv")
    assert [s["status"] for s in entry["sources"]] == ["moved", "connected"]
    assert entry["moves"][0]["in_effect"] is True
