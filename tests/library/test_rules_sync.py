"""OpsGenie's routing rules, team roles and logs, maintenances, custom roles, forwarding rules,
notification rules and contacts, synced against the sandbox: what a sync stores and relates,
the calls it costs, the users' bound, removals, and a key without Configuration access."""

from __future__ import annotations

import pytest

from integrations.models import SyncOutcome
from library.models import LibraryObject, LibraryRelation
from tests.conftest import make_connection
from tests.library.test_config_sync import run_sync, stored

pytestmark = pytest.mark.django_db

NEW_KINDS = (
    "routing_rules",
    "team_roles",
    "team_logs",
    "maintenances",
    "custom_roles",
    "forwarding_rules",
    "notification_rules",
    "contacts",
)


def test_a_sync_stores_each_new_kind_as_upstream_lists_it(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    rules, teams, users = us_store.rules, us_store.teams(), us_store.users()

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert set(stored("routing_rules")) == {
        rule["id"] for team_rules in rules.routing_rules.values() for rule in team_rules
    }
    assert set(stored("team_roles")) == {
        role["id"] for roles in rules.team_roles.values() for role in roles
    }
    assert len(stored("team_logs")) == sum(len(logs) for logs in rules.team_logs.values())
    assert {m.name: m.state for m in stored("maintenances").values()} == {
        "Database upgrade": "past",
        "Network switch replacement": "active",
        "Kubernetes control-plane upgrade": "planned",
        "Load balancer swap (called off)": "cancelled",
    }
    assert {r.name for r in stored("custom_roles").values()} == {"Auditor", "Change approver"}
    assert set(stored("forwarding_rules")) == {r["id"] for r in rules.forwarding_rules}
    # Every user has the three default notification rules and an e-mail contact.
    assert len(stored("notification_rules")) >= 3 * len(users)
    emails = {r.name for r in stored("contacts").values() if r.name.startswith("email")}
    assert emails == {f"email — {user['username']}" for user in users}
    # Calls: one per team for each team stream; the users listing once, then one per user.
    for kind in ("routing_rules", "team_roles", "team_logs"):
        assert run.counts[kind]["http_calls"] == len(teams), kind
    for kind in ("maintenances", "custom_roles", "forwarding_rules"):
        assert run.counts[kind]["http_calls"] == 1, kind
    assert run.counts["notification_rules"]["http_calls"] == 1 + len(users)
    assert run.counts["contacts"]["http_calls"] == len(users)


def test_rules_relate_to_their_team_their_target_and_their_user(
    upstream, us_store, connection
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    support = next(t for t in us_store.teams() if t["name"] == "Équipe Support")
    platform = next(t for t in us_store.teams() if t["name"] == "Platform")
    escalation = next(
        e for e in us_store.configuration.escalations if e["ownerTeam"]["id"] == platform["id"]
    )
    user = us_store.users()[0]

    routed = LibraryRelation.objects.filter(
        relation="notifies", target_kind="escalations", target_upstream_id=escalation["id"]
    ).values_list("source__kind", "source__team")
    owned = set(
        LibraryRelation.objects.filter(
            relation="team", target_upstream_id=platform["id"]
        ).values_list("source__kind", flat=True)
    )
    mine = LibraryRelation.objects.filter(relation="user", target_upstream_id=user["id"])

    assert list(routed) == [("routing_rules", "Platform")]
    assert {"routing_rules", "team_roles", "escalations"} <= owned
    logs = LibraryRelation.objects.filter(relation="log_of", target_upstream_id=platform["id"])
    assert logs.count() == len(us_store.rules.team_logs[platform["id"]])
    assert {r.source.kind for r in mine} == {"notification_rules", "contacts"}
    nobody = LibraryObject.objects.get(kind="routing_rules", team_upstream_id=support["id"])
    assert nobody.state == "nobody"


def test_an_unchanged_resync_writes_nothing_and_a_removed_rule_is_flagged(
    upstream, us_store, connection
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    gone = us_store.rules.forwarding_rules.pop()

    run = run_sync(connection)

    for kind in NEW_KINDS:
        assert (run.counts[kind]["created"], run.counts[kind]["updated"]) == (0, 0), kind
    assert run.counts["forwarding_rules"]["deleted"] == 1
    row = stored("forwarding_rules")[gone["id"]]
    assert row.removed_upstream and row.removed_at is not None


def test_past_the_user_bound_a_run_reads_fewer_users_and_marks_nothing_removed(
    upstream, us_store, connection, settings
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    held = LibraryObject.objects.filter(kind="contacts", removed_upstream=False).count()
    settings.OPSGENIE_USERS_PER_RUN = 5

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    # Twelve users in blocks of five (5, 5, 2): the block of this hour is read.
    assert 1 <= run.counts["contacts"]["http_calls"] <= 5
    assert run.counts["contacts"]["deleted"] == 0
    assert LibraryObject.objects.filter(kind="contacts", removed_upstream=False).count() == held


def test_the_eu_account_serves_its_own_rules(upstream, db) -> None:  # type: ignore[no-untyped-def]
    eu = make_connection(region="eu", api_key=upstream.keys.opsgenie_eu)
    eu_store = upstream.opsgenie_stores["eu"]

    run = run_sync(eu)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert set(stored("forwarding_rules")) == {r["id"] for r in eu_store.rules.forwarding_rules}
    us_ids = {r["id"] for r in upstream.opsgenie_stores["us"].rules.custom_roles}
    assert not us_ids & set(stored("custom_roles"))


def test_a_key_without_configuration_access_skips_them_and_incidents_sync(upstream, db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=upstream.keys.opsgenie_incidents_only)

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["incidents"]["created"] == 5
    for kind in NEW_KINDS:
        assert "it needs an API key with Configuration access" in run.counts[kind]["skipped"]


def test_a_stream_switched_off_is_not_read(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    connection.streams_off = ["contacts"]
    connection.save(update_fields=["streams_off"])

    run = run_sync(connection)

    assert "contacts" not in run.counts and not stored("contacts")
    assert run.counts["notification_rules"]["created"] > 0
