from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from integrations.models import SyncRun
from integrations.providers.registry import providers
from integrations.sync.selectors import sync_card
from integrations.sync.stores import EVALUATORS
from tests.sync.conftest import run_sync

DETAIL = "/settings/integrations/opsgenie/"


def _run(connection, minutes_ago: int, **fields) -> SyncRun:  # type: ignore[no-untyped-def]
    started = timezone.now() - timedelta(minutes=minutes_ago)
    values = {
        "trigger": "schedule",
        "kind": "incremental",
        "outcome": "succeeded",
        "started_at": started,
        "finished_at": started + timedelta(seconds=3),
        "heartbeat_at": started,
        "counts": {
            "incidents": {
                "fetched": 9000 + minutes_ago,  # unlike any other cell
                "created": 1,
                "updated": 2,
                "unchanged": 3,
                "deleted": 0,
            }
        },
        **fields,
    }
    return SyncRun.objects.create(connection=connection, **values)


def test_the_history_is_newest_first_and_paginated(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    for minutes in range(1, 26):
        _run(connection, minutes)
    page = admin_client.get(DETAIL).content.decode()
    assert "Sync history" in page and "Page 1 of 2" in page
    assert page.index("<td>9001</td>") < page.index("<td>9002</td>") < page.index("<td>9020</td>")
    assert "<td>9021</td>" not in page  # the 21st run is on page 2
    older = admin_client.get(
        "/settings/integrations/opsgenie/sync/history/?page=2", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Page 2 of 2" in older and "<td>9025</td>" in older and "<td>9001</td>" not in older


def test_a_failed_run_shows_its_error(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    _run(connection, 5, outcome="failed", error="OpsGenie is not answering, try again <later>")
    page = auditor_client.get(DETAIL).content.decode()
    assert "Failed" in page and "try again &lt;later&gt;" in page
    assert "Sync now" not in page  # auditors read, they do not act


def test_a_running_sync_shows_live_progress(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    _run(
        connection,
        0,
        outcome="running",
        finished_at=None,
        counts={"incidents": {"fetched": 300, "created": 120, "updated": 5}},
    )
    status = admin_client.get("/settings/integrations/opsgenie/sync/status/").content.decode()
    assert "Syncing…" in status and "300 incidents fetched, 120 new, 5 updated" in status
    assert 'hx-trigger="every 2s"' in status


def test_a_finished_sync_says_what_it_did_until_the_next_one(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    _run(
        connection,
        0,
        outcome="succeeded",
        counts={
            "services": {"fetched": 8, "created": 1},
            "incidents": {"fetched": 300, "created": 12, "updated": 3, "deleted": 2},
        },
    )
    status = admin_client.get("/settings/integrations/opsgenie/sync/status/").content.decode()
    assert "Finished" in status
    assert "12 new, 3 updated, 2 marked deleted of 300 incidents read" in status
    assert "Services: 8 read, 1 new" in status
    assert 'hx-trigger="every 2s"' not in status  # nothing left to poll for


def test_sync_now_queues_a_sync_and_polls_until_it_starts(
    admin_client, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    queued = []
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: queued.append((a, k)))
    response = admin_client.post(
        "/settings/integrations/opsgenie/sync/", {"full": "1"}, follow=True
    )
    page = response.content.decode()
    assert "A full reconciliation has been queued" in page
    assert "Queued…" in page and 'hx-trigger="every 2s"' in page
    assert queued[0][1]["trigger"] == "manual" and queued[0][1]["full"] is True


def test_a_get_cannot_start_a_sync(admin_client, connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    queued = []
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: queued.append(a))
    assert admin_client.get("/settings/integrations/opsgenie/sync/").status_code == 405
    assert admin_client.get("/settings/integrations/opsgenie/sync/frequency/").status_code == 405
    assert queued == []


def test_the_card_stops_polling_once_a_run_started_after_sync_now(connection) -> None:  # type: ignore[no-untyped-def]
    requested_at = (timezone.now() - timedelta(seconds=30)).timestamp()
    assert sync_card(connection=connection, requested_at=requested_at).queued
    _run(connection, 0)  # the worker picked it up and finished
    card = sync_card(connection=connection, requested_at=requested_at)
    assert not card.queued and not card.polling


def test_the_card_stops_waiting_for_a_worker_after_two_minutes(connection) -> None:  # type: ignore[no-untyped-def]
    requested_at = (timezone.now() - timedelta(seconds=121)).timestamp()
    assert not sync_card(connection=connection, requested_at=requested_at).polling


def test_the_auditor_cannot_start_a_sync(auditor_client, connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    queued = []
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: queued.append(a))
    assert auditor_client.post("/settings/integrations/opsgenie/sync/").status_code == 403
    assert queued == []


def test_evaluators_run_after_a_sync_that_changed_something_only(
    upstream, connection, settings
) -> None:  # type: ignore[no-untyped-def]
    # Every incident's notes read by the first run: the second has none left that could flag
    # data loss (which would rightly evaluate the checks again).
    settings.INCIDENT_DETAILS_PER_RUN = 1000
    calls = []

    def evaluator(*, connection, streams) -> None:  # type: ignore[no-untyped-def]
        calls.append(streams["incidents"].created)

    EVALUATORS.append(evaluator)
    try:
        run_sync(connection)
        run_sync(connection)
    finally:
        EVALUATORS.remove(evaluator)
    assert calls == [250]


def test_the_poll_that_sees_the_end_tells_the_history_to_reload(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    _run(connection, 1)
    response = admin_client.get(
        "/settings/integrations/opsgenie/sync/status/", HTTP_HX_REQUEST="true"
    )
    assert response["HX-Trigger"] == "sync-finished"
    assert 'hx-trigger="every 2s"' not in response.content.decode()
    page = admin_client.get(DETAIL).content.decode()
    assert 'hx-trigger="sync-finished from:body"' in page


def test_provider_named_streams_keep_the_provider_spelling(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    # "pagerduty_teams" capitalized whole read "Pagerduty teams" on the sync card and history.
    _run(
        connection,
        5,
        counts={
            "incidents": {"fetched": 1, "created": 1},
            "pagerduty_teams": {"fetched": 7, "created": 7},
            "jsm_on_calls": {"fetched": 6, "created": 6},
            "routing_rules": {"fetched": 13, "created": 13},
        },
    )
    page = admin_client.get(DETAIL).content.decode()

    assert "PagerDuty teams: 7 read, 7 new" in page
    assert "JSM on calls: 6 read, 6 new" in page
    assert "Routing rules: 13 read, 13 new" in page
    assert "Pagerduty" not in page and "Jsm " not in page


def test_an_interrupted_run_names_provider_streams_as_spelled(connection) -> None:  # type: ignore[no-untyped-def]
    providers()  # loaded with the URL conf in the web process; their packages name labels
    run = _run(
        connection,
        5,
        outcome="interrupted",
        counts={"incidents": {"fetched": 40, "created": 2}, "jsm_teams": {"created": 1}},
    )

    assert "created 2 incidents, created 1 JSM team" in run.stopped_clause
