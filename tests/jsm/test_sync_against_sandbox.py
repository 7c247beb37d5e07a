"""The incident sync against the emulated Jira site: what the JQL finds, page by page; a
scheduled run reading only what changed since the last one (``updated >=``), so a changed old
incident is caught; 429 with Retry-After waited out."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from incidents.models import Incident
from integrations.models import SyncOutcome
from integrations.providers.jsm.source import UPDATED_MARGIN, jql_date
from integrations.sandbox.server import SandboxServer
from tests.jsm.conftest import connect, run_sync

pytestmark = pytest.mark.django_db


def _incidents_upstream(upstream: SandboxServer) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        item["id"]: item
        for item in upstream.jsm_store.items()
        if item["fields"]["issuetype"]["name"] == "[System] Incident"
    }


def test_a_full_sync_stores_every_incident_the_jql_finds_and_nothing_else(
    upstream, connection
) -> None:  # type: ignore[no-untyped-def]
    expected = _incidents_upstream(upstream)
    assert len(expected) == 125  # more than one page of 100
    assert len(upstream.jsm_store.items()) > len(expected)  # tasks, requests: not incidents
    before = len(_requests(upstream))  # the wizard's own JQL check
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    stored = {i.upstream_id: i for i in Incident.objects.filter(connection=connection)}
    assert set(stored) == set(expected)
    assert run.counts["incidents"]["created"] == 125
    # Two pages of at most 100, the second asked for by the first's nextPageToken.
    pages = [q for q in _requests(upstream)[before:] if q.get("jql")]
    assert [int(q["maxResults"][0]) for q in pages] == [100, 100]
    assert "nextPageToken" not in pages[0] and pages[1]["nextPageToken"]
    assert pages[0]["jql"] == ['(issuetype = "[System] Incident") ORDER BY created ASC, id ASC']
    one = stored["10000"]
    item = expected["10000"]
    assert one.number == item["key"] == "OPS-1"
    assert one.title == item["fields"]["summary"]
    assert one.upstream_url.endswith("/jsm/site/evidencehub-sandbox/browse/OPS-1")
    assert one.source == "jsm"


def _jira_time(value: str | None) -> datetime | None:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z") if value else None


def test_impact_times_are_read_from_the_custom_fields_the_settings_name(
    upstream, connection, settings
) -> None:  # type: ignore[no-untyped-def]
    start, end = "customfield_10060", "customfield_10061"  # the sandbox site's
    settings.JSM_IMPACT_START_FIELD, settings.JSM_IMPACT_END_FIELD = start, end
    assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
    expected = {
        upstream_id: (_jira_time(item["fields"][start]), _jira_time(item["fields"][end]))
        for upstream_id, item in _incidents_upstream(upstream).items()
    }
    stored = {
        i.upstream_id: (i.impact_start, i.impact_end)
        for i in Incident.objects.filter(connection=connection)
    }
    assert stored == expected
    assert all(s is not None for s, _ in stored.values())
    assert any(e is None for _, e in stored.values()) and any(e for _, e in stored.values())
    # The search asked for the two fields besides the usual ones.
    fields = {f for q in _requests(upstream) if q.get("jql") for f in q["fields"][0].split(",")}
    assert {start, end} <= fields


def test_without_impact_fields_named_an_incident_has_no_impact_times(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
    stored = Incident.objects.filter(connection=connection)
    assert stored.count() == 125
    assert not stored.filter(impact_start__isnull=False).exists()
    assert not stored.filter(impact_end__isnull=False).exists()


def test_work_items_moved_from_opsgenie_keep_their_tiny_id(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    moved = {
        item["id"]: label.rsplit("-", 1)[1]
        for item in _incidents_upstream(upstream).values()
        for label in item["fields"]["labels"]
        if label.startswith("opsgenie-tiny-")
    }
    assert moved  # the sandbox's site continues the OpsGenie account's history
    for upstream_id, tiny in moved.items():
        stored = Incident.objects.get(connection=connection, upstream_id=upstream_id)
        assert stored.external_refs == {"opsgenie_tiny_id": tiny}
    others = Incident.objects.filter(connection=connection).exclude(upstream_id__in=moved)
    assert all(refs == {} for refs in others.values_list("external_refs", flat=True))


def test_priorities_and_statuses_are_mapped(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    expected = _incidents_upstream(upstream)
    wanted = {"Highest": "high", "High": "high", "Medium": "medium", "Low": "low", "Lowest": "low"}
    for incident in Incident.objects.filter(connection=connection):
        fields = expected[incident.upstream_id]["fields"]
        assert incident.priority == wanted[fields["priority"]["name"]]
        done = fields["status"]["statusCategory"]["key"] == "done"
        assert incident.status == ("resolved" if done else "open")
        assert incident.raw_status == fields["status"]["name"]
        if done:
            assert incident.resolved_at == datetime.fromisoformat(fields["resolutiondate"])
        else:
            assert incident.resolved_at is None


def test_the_next_scheduled_sync_catches_an_old_incident_that_changed(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    first = run_sync(connection)
    assert first.outcome == SyncOutcome.SUCCEEDED
    assert first.counts["incidents"]["watermark"]
    old = next(
        item
        for item in _incidents_upstream(upstream).values()
        if item["fields"]["status"]["statusCategory"]["key"] != "done"
    )
    assert Incident.objects.get(upstream_id=old["id"]).status == "open"
    upstream.jsm_store.change(old["key"], status="Resolved", priority="Highest")
    before = len(_requests(upstream))
    second = run_sync(connection, trigger="schedule")
    assert second.outcome == SyncOutcome.SUCCEEDED, second.error
    changed = Incident.objects.get(upstream_id=old["id"])
    assert (changed.status, changed.priority) == ("resolved", "high")
    counts = second.counts["incidents"]
    assert (counts["fetched"], counts["updated"], counts["created"]) == (1, 1, 0)
    # It asked for what changed since the first run began, less the margin, in the user's time
    # zone (the sandbox user's is Los Angeles), not for every open incident.
    searches = [q for q in _requests(upstream)[before:] if "jql" in q]
    assert len(searches) == 1
    jql = searches[0]["jql"][0]
    since = datetime.fromisoformat(first.counts["incidents"]["watermark"]) - UPDATED_MARGIN
    assert f'updated >= "{jql_date(since, "America/Los_Angeles")}"' in jql
    assert "statusCategory" not in jql


def test_a_scheduled_sync_with_nothing_changed_writes_nothing(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    second = run_sync(connection, trigger="schedule")
    assert second.outcome == SyncOutcome.SUCCEEDED
    counts = second.counts["incidents"]
    assert (counts["created"], counts["updated"]) == (0, 0)


def test_a_rate_limit_is_waited_out_as_retry_after_says(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    upstream.faults.set(rate_limit=2, rate_limit_period_seconds=7)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    assert run.waits == [7.0, 7.0]
    assert Incident.objects.filter(connection=connection).count() == 125


def test_a_bad_jql_fails_the_run_with_jiras_words(upstream, db) -> None:  # type: ignore[no-untyped-def]
    connection = connect(upstream)
    credentials = connection.get_credentials()
    connection.set_credentials({**credentials, "jql": "issuetype = Nothing"}, hint="x")
    connection.save()
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED
    assert "Jira refused the incident JQL" in run.error
    assert "The value 'Nothing' does not exist for the field 'issuetype'." in run.error


def _requests(upstream: SandboxServer) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(url).query) for url in upstream.jsm_requests]
