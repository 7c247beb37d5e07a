"""The configuration streams against the OpsGenie sandbox: what a sync stores, that an
unchanged resync writes nothing, that an object gone upstream is flagged removed (not deleted)
and comes back, and that a key without Configuration access still syncs its incidents."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.models import Connection, SyncOutcome
from integrations.providers.opsgenie.library_kinds import LIBRARY_KINDS as OPSGENIE_KINDS
from integrations.sync.engine import sync_connection
from library.models import LibraryObject, LibraryRelation
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def run_sync(connection: Connection, **kwargs: Any):  # type: ignore[no-untyped-def]
    run = sync_connection(
        connection_id=connection.pk, trigger="manual", full=False, sleep=lambda s: None, **kwargs
    )
    assert run is not None
    run.refresh_from_db()
    return run


def stored(kind: str) -> dict[str, LibraryObject]:
    return {row.upstream_id: row for row in LibraryObject.objects.filter(kind=kind)}


def test_a_sync_stores_every_kind_as_upstream_lists_it(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    config = us_store.configuration

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    teams = us_store.teams()
    assert set(stored("teams")) == {team["id"] for team in teams}
    assert set(stored("escalations")) == {e["id"] for e in config.escalations}
    assert set(stored("schedules")) == {s["id"] for s in config.schedules}
    assert set(stored("on_calls")) == {s["id"] for s in config.schedules}
    assert set(stored("heartbeats")) == {h["name"] for h in config.heartbeats}
    assert set(stored("integrations")) == {i["id"] for i in config.integrations}
    # Calls: teams 1 + one per team; on-calls one timeline per schedule (the listing reused).
    assert run.counts["teams"]["http_calls"] == 1 + len(teams)
    assert run.counts["on_calls"]["http_calls"] == len(config.schedules)
    beats = stored("heartbeats")
    assert beats["nightly-backups"].state == "expired"
    assert beats["edge-cdn-probe"].state == "disabled"
    assert {row.name: row.state for row in stored("on_calls").values()}["Data on call"] == "gap"


def test_relations_link_a_team_to_its_members_and_what_it_owns(
    upstream, us_store, connection
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    team = next(t for t in us_store.teams() if t["name"] == "Platform")
    members = {user["id"] for user, _role in us_store.members_of(team["id"])}

    own = LibraryRelation.objects.filter(source__kind="teams", source__upstream_id=team["id"])
    owned = LibraryRelation.objects.filter(
        relation="team", target_kind="teams", target_upstream_id=team["id"]
    ).values_list("source__kind", "source__name")

    assert {r.target_upstream_id for r in own if r.relation == "member"} == members
    assert ("escalations", "Platform_escalation") in owned
    assert ("schedules", "Platform on call") in owned
    assert ("integrations", "Datadog") in owned
    # An integration names its team by id; the store wrote the team's name.
    assert (
        stored("integrations")[
            next(i["id"] for i in us_store.configuration.integrations if i["name"] == "Datadog")
        ].team
        == "Platform"
    )


def test_an_unchanged_resync_writes_nothing(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = list(
        LibraryObject.objects.order_by("id").values_list("id", "content_hash", "changed_at")
    )
    relations = list(LibraryRelation.objects.order_by("id").values_list("id", flat=True))

    run = run_sync(connection)

    # The services kind shows the services stream's rows: an unchanged service is not written.
    for kind in (k.stream or k.name for k in OPSGENIE_KINDS):
        counts = run.counts[kind]
        assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0), kind
        assert counts["unchanged"] == counts["fetched"] > 0
    assert (
        list(LibraryObject.objects.order_by("id").values_list("id", "content_hash", "changed_at"))
        == before
    )
    assert list(LibraryRelation.objects.order_by("id").values_list("id", flat=True)) == relations


def test_an_object_gone_upstream_is_flagged_removed_then_back(
    upstream, us_store, connection
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    beats = us_store.configuration.heartbeats
    gone = beats.pop(0)

    run = run_sync(connection)

    row = stored("heartbeats")[gone["name"]]
    assert run.counts["heartbeats"]["deleted"] == 1
    assert row.removed_upstream and row.removed_at is not None
    assert row.removed_at >= run.started_at
    assert LibraryObject.objects.filter(kind="heartbeats", removed_upstream=False).count() == len(
        beats
    )

    beats.insert(0, gone)
    run_sync(connection)
    row.refresh_from_db()
    assert not row.removed_upstream and row.removed_at is None


def test_a_changed_object_is_rewritten_with_its_relations(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    escalation = us_store.configuration.escalations[0]
    row = stored("escalations")[escalation["id"]]
    us_store.configuration.escalations[0] = {**escalation, "rules": escalation["rules"][:1]}

    run = run_sync(connection)

    changed = stored("escalations")[escalation["id"]]
    assert run.counts["escalations"]["updated"] == 1
    assert changed.changed_at > row.changed_at and changed.first_seen_at == row.first_seen_at
    recipients = changed.relations.filter(relation="recipient")
    assert recipients.count() == 1


def test_a_key_without_configuration_access_skips_them_saying_why(upstream, db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=upstream.keys.opsgenie_incidents_only)

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["incidents"]["created"] == 5
    for kind in (k.name for k in OPSGENIE_KINDS if not k.holds_services):
        assert "Configuration access" in run.counts[kind]["skipped"], kind
    assert not LibraryObject.objects.exists()
