"""The sync against the emulator: first sync, no-op resync, time passing, deletions."""

from __future__ import annotations

from incidents.models import Incident
from integrations.models import SyncKind, SyncOutcome
from integrations.providers.opsgenie.provider import PROVIDER as OPSGENIE
from tests.sync.conftest import assert_rows_match_upstream, assert_store_equals_upstream, run_sync


def test_the_first_sync_stores_exactly_the_upstreams_incidents(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.kind == SyncKind.FULL
    assert run.counts["incidents"]["created"] == 250
    # The services once, then 250 incidents at 100 a page; the alerts' calls are their own.
    # Each other stream's calls are its own (accounts are read for critical systems only).
    others = {s.name for s in OPSGENIE.streams} - {"services", "incidents", "accounts"}
    assert run.http_calls - sum(run.counts[name]["http_calls"] for name in others) == 4
    assert_store_equals_upstream(upstream, connection)


def test_incidents_name_their_services(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    names = {s["name"] for s in upstream.opsgenie_stores["us"].services()}
    stored = {name for row in Incident.objects.all() for name in row.services}
    assert stored and stored <= names


def test_a_resync_with_nothing_changed_writes_nothing(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = list(Incident.objects.values_list("id", "changed_at").order_by("id"))
    for full in (False, True):
        counts = run_sync(connection, full=full).counts["incidents"]
        assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0)
    assert list(Incident.objects.values_list("id", "changed_at").order_by("id")) == before


def test_a_scheduled_sync_reads_what_is_new_and_open_not_the_history(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    open_before = set(Incident.objects.filter(status="open").values_list("upstream_id", flat=True))
    summary = upstream.advance(changed_fraction=0.04, new=6, deleted=0, seed=1)
    run = run_sync(connection)
    assert run.kind == SyncKind.INCREMENTAL
    counts = run.counts["incidents"]
    assert counts["created"] == 6
    assert counts["fetched"] < 100
    # New incidents, open ones and those that were open and got resolved are current now...
    assert_rows_match_upstream(upstream, connection, open_before | set(summary["created"]))
    assert counts["updated"] == len(set(summary["changed"]) & open_before)
    # ...changes to incidents already resolved or closed wait for the daily reconciliation
    # (OpsGenie's updatedAt search is unconfirmed, see reference/opsgenie-api.md §3.5).
    run_sync(connection, full=True)
    assert_store_equals_upstream(upstream, connection)


def test_listings_go_by_creation_time_never_by_growing_offsets(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations.http import UpstreamSession

    asked: list[dict] = []
    real_get = UpstreamSession.get_json

    def spy(self, url, params=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/v1/incidents"):
            asked.append(dict(params or {}))
        return real_get(self, url, params, **kwargs)

    monkeypatch.setattr(UpstreamSession, "get_json", spy)
    run = run_sync(connection)
    assert run.counts["incidents"]["created"] == 250
    assert len(asked) >= 3  # 250 incidents, 100 a page
    assert all(q["offset"] == 0 and q["sort"] == "createdAt" for q in asked)
    assert all("createdAt>=" in q["query"] for q in asked[1:])
    assert_store_equals_upstream(upstream, connection)


def test_each_incident_keeps_the_changes_syncs_found(upstream, connection, admin_client) -> None:  # type: ignore[no-untyped-def]
    from incidents.models import IncidentChange

    run_sync(connection)
    assert not IncidentChange.objects.exists()  # a first sync is not a change
    summary = upstream.advance(changed_fraction=0.04, new=0, deleted=2, seed=7)
    run_sync(connection, full=True)
    changed = set(summary["changed"])
    recorded = set(IncidentChange.objects.values_list("incident__upstream_id", flat=True))
    assert recorded == changed | set(summary["deleted"])
    status_change = IncidentChange.objects.filter(field="status").first()
    assert status_change is not None and status_change.before != status_change.after
    page = admin_client.get(f"/incidents/{status_change.incident_id}/").content.decode()
    assert "Changes in OpsGenie" in page and "Status" in page
    # A sync that changes nothing records nothing.
    count = IncidentChange.objects.count()
    run_sync(connection, full=True)
    assert IncidentChange.objects.count() == count


def test_the_evidence_export_carries_the_incident_changes(upstream, connection, admin_user) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from evidence.archive import build_evidence_zip
    from lib.evidence_files import Period
    from tests.evidence.conftest import read_csv, read_zip

    run_sync(connection)
    summary = upstream.advance(changed_fraction=0.0, new=0, deleted=1, seed=3)
    run_sync(connection, full=True)
    period = Period(start=date(2000, 1, 1), end=date(2100, 1, 1))
    with build_evidence_zip(period=period, generated_by=admin_user) as file:
        rows = read_csv(read_zip(file.read()), "incident_changes.csv")
    assert [(r["field"], r["before"], r["after"]) for r in rows] == [
        ("deleted upstream", "no", "yes")
    ]
    assert Incident.objects.get(pk=rows[0]["incident_id"]).upstream_id == summary["deleted"][0]


def test_a_first_read_compares_no_stored_ids_and_a_full_resync_still_finds_deletions(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The connect wizard's first sync is a full one into an empty store: every stored
    incident came from its own scan, so none is read back to look for deletions; a later full
    sync compares them and flags what upstream deleted."""
    from incidents.store import IncidentStore

    compared: list[object] = []
    ids_created_between = IncidentStore.ids_created_between

    def spy(self, **kwargs):  # type: ignore[no-untyped-def]
        compared.append(kwargs)
        return ids_created_between(self, **kwargs)

    monkeypatch.setattr(IncidentStore, "ids_created_between", spy)
    run = run_sync(connection, full=True)
    assert run.counts["incidents"]["created"] == 250 and compared == []
    assert_store_equals_upstream(upstream, connection)
    summary = upstream.advance(changed_fraction=0.0, new=0, deleted=2, seed=5)
    run = run_sync(connection, full=True)
    assert compared and run.counts["incidents"]["deleted"] == 2
    flagged = Incident.objects.filter(deleted_upstream=True).values_list("upstream_id", flat=True)
    assert set(flagged) == set(summary["deleted"])


def test_a_first_read_whose_pages_repeat_an_incident_stores_it_once(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """An incident an upstream lists again on the next page (offsets shifting under a listing)
    is found and updated, never inserted twice; on PostgreSQL, where a first read looks up only
    what it already wrote (page_lookup.SeenIds), nothing else is looked up."""
    from django.db import connection as db_connection

    from incidents.store import IncidentStore
    from integrations.sync import page_lookup

    save = IncidentStore.save
    last: list[object] = []

    def save_with_the_last_again(self, *, records, **kwargs):  # type: ignore[no-untyped-def]
        repeated = [*last, *records]
        last[:] = records[-1:]
        return save(self, records=repeated, **kwargs)

    looked_up: list[str] = []
    pks, plain = page_lookup.pks_by_upstream_id, page_lookup._plain

    def pks_spy(model, *, upstream_ids, **kwargs):  # type: ignore[no-untyped-def]
        looked_up.extend(upstream_ids)
        return pks(model, upstream_ids=upstream_ids, **kwargs)

    def plain_spy(rows, connection_id, upstream_ids):  # type: ignore[no-untyped-def]
        looked_up.extend(upstream_ids)
        return plain(rows, connection_id, upstream_ids)

    monkeypatch.setattr(IncidentStore, "save", save_with_the_last_again)
    monkeypatch.setattr(page_lookup, "pks_by_upstream_id", pks_spy)
    monkeypatch.setattr(page_lookup, "_plain", plain_spy)
    run = run_sync(connection, full=True)
    assert run.outcome == "succeeded" and run.counts["incidents"]["created"] == 250
    assert_store_equals_upstream(upstream, connection)
    if db_connection.vendor == "postgresql":
        # Only the repeated incidents were looked for, each where the page before wrote it.
        assert looked_up and len(looked_up) == len(set(looked_up))
        repeats = Incident.objects.filter(connection=connection, upstream_id__in=looked_up)
        assert repeats.count() == len(looked_up)
