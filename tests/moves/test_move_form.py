"""The Move to Jira Service Management section of the OpsGenie connection page: admins only,
bounded dates, a visible refusal that changes nothing; and syncing stops on the stop date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.sync.engine import sync_connection
from tests.moves.conftest import NOW, TODAY

PAGE = "/settings/integrations/opsgenie/"
MOVE = "/settings/integrations/opsgenie/move/"

pytestmark = pytest.mark.django_db


def _move(client, jsm, stop_on):  # type: ignore[no-untyped-def]
    return client.post(MOVE, {"successor": jsm.pk, "stop_on": stop_on}, follow=True)


def test_the_page_counts_the_days_left_and_offers_the_successor(
    admin_client, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(PAGE).content.decode()
    # 17 Sep 2026 → 5 Apr 2027.
    assert "200 days left" in page
    assert "until OpsGenie ends on 5 April 2027" in page
    assert f'<option value="{jsm.pk}"' in page and "Jira Service Management (acme)" in page
    assert 'value="2026-09-17"' in page  # the stop date starts at today


def test_an_admin_moves_it_and_the_page_says_so(admin_client, opsgenie, jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    page = _move(admin_client, jsm, "2026-09-17").content.decode()
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to == jsm and opsgenie.moved_on == TODAY
    assert "Moved to Jira Service Management on 17 Sep 2026" in page
    assert "kept as evidence" in page
    assert opsgenie.has_moved
    # The audit log records who set the move, and what it set.
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(opsgenie).latest("timestamp")
    assert entry.actor.username == "alice-admin"
    assert entry.changes_dict["moved_on"] == ["None", "2026-09-17"]
    assert "moved_to" in entry.changes_dict


def test_an_auditor_is_refused_and_nothing_changes(auditor_client, opsgenie, jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    answer = auditor_client.post(MOVE, {"successor": jsm.pk, "stop_on": "2026-09-17"})
    assert answer.status_code == 403
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to is None and opsgenie.moved_on is None
    # Nor does the auditor see the form.
    assert "Stop syncing on" not in auditor_client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("stop_on", "says"),
    [
        ("2026-09-16", "The stop date cannot be in the past"),
        ("2027-04-06", "cannot be after the day OpsGenie ends, 5 April 2027"),
        ("not a date", "Stop syncing on: Enter a valid date."),
        ("", "Stop syncing on: This field is required."),
    ],
)
def test_a_bad_stop_date_is_refused_visibly(
    admin_client, opsgenie, jsm, frozen, stop_on, says
) -> None:  # type: ignore[no-untyped-def]
    page = _move(admin_client, jsm, stop_on).content.decode()
    assert says in page and "Nothing was changed." in page
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to is None and opsgenie.moved_on is None


def test_the_end_of_life_itself_is_the_last_stop_date(admin_client, opsgenie, jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    _move(admin_client, jsm, "2027-04-05")
    opsgenie.refresh_from_db()
    assert str(opsgenie.moved_on) == "2027-04-05" and not opsgenie.has_moved


def test_a_successor_that_is_not_one_is_refused(admin_client, opsgenie, jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    pagerduty = Connection.objects.create(
        provider="pagerduty", status="connected", region="us", connected_at=NOW
    )
    for successor in (pagerduty.pk, opsgenie.pk, 999999, "x"):
        page = admin_client.post(
            MOVE, {"successor": successor, "stop_on": "2026-09-17"}, follow=True
        ).content.decode()
        assert "The move was not set" in page
    opsgenie.refresh_from_db()
    assert opsgenie.moved_to is None


def test_syncing_goes_on_until_the_stop_date_then_stops(
    admin_client, opsgenie, jsm, frozen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _move(admin_client, jsm, "2026-09-20")
    opened = []
    monkeypatch.setattr(
        "integrations.providers.opsgenie.source.open_source",
        lambda *args, **kwargs: opened.append(1) or (_ for _ in ()).throw(RuntimeError("x")),
    )
    # Before the stop date it still syncs (here: the source is opened).
    sync_connection(connection_id=opsgenie.pk, trigger="schedule")
    assert opened == [1]
    frozen(NOW + timedelta(days=3))  # 20 Sep 2026: the stop date
    assert sync_connection(connection_id=opsgenie.pk, trigger="schedule") is None
    assert sync_connection(connection_id=opsgenie.pk, trigger="manual") is None
    assert opened == [1]
    page = admin_client.get(PAGE).content.decode()
    assert "Moved to Jira Service Management on 20 Sep 2026" in page
    assert reverse("incidents:moved", args=[opsgenie.pk]) in page
    # The dashboard's integration health and the catalog say so too.
    assert "Moved: kept as evidence, not synced" in admin_client.get("/").content.decode()
    catalog = admin_client.get("/settings/integrations/").content.decode()
    assert "Moved: kept as evidence, not synced" in catalog


def test_it_stops_when_opsgenie_stops_answering_after_the_move(
    admin_client, opsgenie, jsm, frozen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations.http import ErrorKind, UpstreamError

    def gone(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise UpstreamError(ErrorKind.UNAUTHORIZED, message="account switched off", status=401)

    monkeypatch.setattr("integrations.providers.opsgenie.source.open_source", gone)
    # Before any move, a failure is only a failure: the next sync tries again.
    sync_connection(connection_id=opsgenie.pk, trigger="manual")
    opsgenie.refresh_from_db()
    assert opsgenie.stopped_answering_at is None
    _move(admin_client, jsm, "2026-12-01")
    run = sync_connection(connection_id=opsgenie.pk, trigger="manual")
    assert run is not None and run.outcome == "failed"
    opsgenie.refresh_from_db()
    assert opsgenie.stopped_answering_at == NOW and opsgenie.has_moved
    assert sync_connection(connection_id=opsgenie.pk, trigger="manual") is None
    page = admin_client.get(PAGE).content.decode()
    assert "Moved to Jira Service Management on 17 Sep 2026 (OpsGenie stopped answering)" in page


def test_a_moved_connection_cannot_be_synced_by_hand_nor_by_the_command(
    admin_client, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    _move(admin_client, jsm, "2026-09-17")
    assert "Sync now" not in admin_client.get(PAGE).content.decode()
    page = admin_client.post(
        "/settings/integrations/opsgenie/sync/", {"full": "0"}, follow=True
    ).content.decode()
    assert "This integration has moved to its successor" in page
    # Connected and answering: its scheduled syncs still read what waited before the move.
    assert "scheduled syncs read only the details still waiting" in page
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("sync", connection=opsgenie.pk, stderr=err)
    assert "moved to Jira Service Management on 17 Sep 2026; kept as evidence" in err.getvalue()
    # (The successor is disconnected here, so that nothing reaches for an upstream.)
    Connection.objects.filter(pk=jsm.pk).update(status="disconnected")
    out = StringIO()
    call_command("sync", all=True, stdout=out)  # nothing failed: nothing was to sync
    assert f"opsgenie (connection {opsgenie.pk}): moved to Jira Service Management" in (
        out.getvalue()
    )


def test_the_successor_s_page_names_what_it_carries_on(admin_client, opsgenie, jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    _move(admin_client, jsm, "2026-10-01")
    page = admin_client.get("/settings/integrations/jsm/").content.decode()
    assert "<dt>Carries on</dt><dd>OpsGenie, which stops syncing on 1 Oct 2026" in page
    assert f'href="/incidents/moved/{opsgenie.pk}/"' in page


def test_without_a_successor_connected_the_section_says_to_connect_it(
    admin_client, opsgenie, frozen
) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(PAGE).content.decode()
    assert "Move to Jira Service Management</h2>" in page
    assert "Connect Jira Service Management first" in page
    assert "Stop syncing on" not in page


def test_the_status_heading_says_moved_as_the_dashboard_does(
    admin_client, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    # The heading read "Status: Connected" while the dashboard and connections.csv said moved.
    before = admin_client.get(PAGE).content.decode()
    assert 'status-connected">Connected</span></h2>' in before

    page = _move(admin_client, jsm, "2026-09-17").content.decode()

    assert ">Moved: kept as evidence, not synced</span></h2>" in page
    health = admin_client.get("/").content.decode()
    assert "Moved: kept as evidence, not synced" in health


def test_a_move_set_for_later_leaves_the_heading_connected(
    admin_client, opsgenie, jsm, frozen
) -> None:  # type: ignore[no-untyped-def]
    page = _move(admin_client, jsm, "2026-10-01").content.decode()

    assert 'status-connected">Connected</span></h2>' in page
