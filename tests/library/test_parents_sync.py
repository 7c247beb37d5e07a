"""OpsGenie's alert policies, schedule overrides, service incident rules and incident templates,
synced against the sandbox: what a sync stores and relates, the calls it costs, removals, the
parents' bound, the other region, and a key without Configuration access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import SyncOutcome
from integrations.providers.opsgenie.sandbox.parents_data import service_incident_rules
from library.models import LibraryObject, LibraryRelation
from tests.conftest import make_connection
from tests.library.test_config_sync import run_sync, stored

pytestmark = pytest.mark.django_db

PARENT_KINDS = ("alert_policies", "schedule_overrides", "incident_rules", "incident_templates")


def test_a_sync_stores_each_kind_as_upstream_lists_it(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    parents, teams = us_store.parents, us_store.teams()
    schedules, services = us_store.configuration.schedules, us_store.services()

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert set(stored("alert_policies")) == {
        policy["id"] for policies in parents.alert_policies.values() for policy in policies
    }
    assert {p.name: p.state for p in stored("alert_policies").values()}[
        "Suppress load-test alerts"
    ] == "disabled"
    assert set(stored("schedule_overrides")) == {
        f"{schedule_id}:{override['alias']}"
        for schedule_id, overrides in parents.overrides.items()
        for override in overrides
    }
    assert set(stored("incident_rules")) == {
        rule["id"] for service in services for rule in service_incident_rules(service)
    }
    assert {t.name: t.state for t in stored("incident_templates").values()} == {
        "Outage": "P1",
        "Degraded performance": "P3",
        "Security event": "P2",
    }
    # Calls: the global policies and one per team; one per schedule and per service (their
    # listings reused from this run's schedules and services streams); one page of templates.
    assert run.counts["alert_policies"]["http_calls"] == 1 + len(teams)
    assert run.counts["schedule_overrides"]["http_calls"] == len(schedules)
    assert run.counts["incident_rules"]["http_calls"] == len(services)
    assert run.counts["incident_templates"]["http_calls"] == 1


def test_each_relates_to_its_parent_and_people(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    schedule_id, (override,) = next(iter(us_store.parents.overrides.items()))
    platform = next(t for t in us_store.teams() if t["name"] == "Platform")
    service = next(s for s in us_store.services() if service_incident_rules(s))

    row = stored("schedule_overrides")[f"{schedule_id}:{override['alias']}"]
    links = {(r.relation, r.target_kind, r.target_upstream_id) for r in row.relations.all()}
    owned = LibraryRelation.objects.filter(
        relation="team", target_upstream_id=platform["id"], source__kind="alert_policies"
    ).values_list("source__name", flat=True)
    rules = LibraryRelation.objects.filter(relation="service", target_upstream_id=service["id"])

    assert links == {
        ("overrides", "schedules", schedule_id),
        ("user", "users", override["user"]["id"]),
    }
    assert row.name == f"{override['user']['username']} on {override['_parent']['name']}"
    assert list(owned) == ["Platform: P1 to the on-call"]
    assert {r.source.upstream_id for r in rules} == {
        rule["id"] for rule in service_incident_rules(service)
    }
    assert not LibraryRelation.objects.filter(source__kind="incident_templates").exists()


def test_an_unchanged_resync_writes_nothing_and_removed_ones_are_flagged(
    upstream, us_store, connection, admin_client
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    gone_policy = us_store.parents.alert_policies[""].pop()
    gone_template = us_store.parents.incident_templates.pop()

    run = run_sync(connection)

    for kind in PARENT_KINDS:
        assert (run.counts[kind]["created"], run.counts[kind]["updated"]) == (0, 0), kind
    assert run.counts["alert_policies"]["deleted"] == 1
    assert run.counts["incident_templates"]["deleted"] == 1
    for kind, gone in (("alert_policies", gone_policy), ("incident_templates", gone_template)):
        row = stored(kind)[gone["id"]]
        assert row.removed_upstream and row.removed_at is not None
    url = reverse("library:list", args=["incident_templates"])
    page = admin_client.get(url, {"removed": "all"}).content.decode()
    removed = admin_client.get(url, {"removed": "removed"})
    assert "Last synced" in page and "3 incident templates match" in page
    assert [row.name for row in removed.context["rows"]] == [gone_template["name"]]


def test_past_the_parent_bound_a_run_reads_fewer_and_marks_nothing_removed(
    upstream, us_store, connection, settings
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    held = LibraryObject.objects.filter(kind="incident_rules", removed_upstream=False).count()
    settings.OPSGENIE_PARENTS_PER_RUN = 2

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert 1 <= run.counts["incident_rules"]["http_calls"] <= 2
    assert run.counts["incident_rules"]["deleted"] == 0
    assert run.counts["alert_policies"]["http_calls"] <= 1 + 2
    assert LibraryObject.objects.filter(kind="incident_rules", removed_upstream=False).count() == (
        held
    )


def test_the_eu_account_serves_its_own(upstream, db) -> None:  # type: ignore[no-untyped-def]
    eu = make_connection(region="eu", api_key=upstream.keys.opsgenie_eu)
    eu_store = upstream.opsgenie_stores["eu"]

    run = run_sync(eu)

    assert run.outcome == SyncOutcome.SUCCEEDED
    ids = {t["id"] for t in eu_store.parents.incident_templates}
    assert set(stored("incident_templates")) == ids
    us_ids = {t["id"] for t in upstream.opsgenie_stores["us"].parents.incident_templates}
    assert not us_ids & set(stored("incident_templates"))


def test_a_key_without_configuration_access_skips_them_and_incidents_sync(upstream, db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=upstream.keys.opsgenie_incidents_only)

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["incidents"]["created"] == 5
    for kind in PARENT_KINDS:
        assert "it needs an API key with Configuration access" in run.counts[kind]["skipped"]


def test_a_stream_switched_off_is_not_read(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    connection.streams_off = ["schedule_overrides"]
    connection.save(update_fields=["streams_off"])

    run = run_sync(connection)

    assert "schedule_overrides" not in run.counts and not stored("schedule_overrides")
    assert run.counts["incident_templates"]["created"] == 3
