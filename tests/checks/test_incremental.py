"""An evaluation judges again only the incidents written since the last one (and those whose SLA
ran out meanwhile), and always agrees with judging every incident (issue 14)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

import checks.engine
from checks.engine import evaluate
from checks.models import CheckState, FailingItem, PendingItem
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY, SLA_KEY
from incidents.models import DataLossReport, DataLost, Incident, IncidentPolicy
from incidents.scope import rescope_incidents
from incidents.store import IncidentStore
from integrations.records import IncidentRecord, IncidentStatus, Priority
from lib.checks import REGISTRY
from tests.checks.conftest import NOW, make

pytestmark = pytest.mark.django_db


def items() -> dict[tuple[str, str], str]:
    """(check, item) → reason of every stored failing item."""
    return {
        (check, key): reason
        for check, key, reason in FailingItem.objects.values_list("check_key", "item_key", "reason")
    }


def counts() -> dict[str, tuple[str, int]]:
    return {s.key: (s.status, s.failing_count) for s in CheckState.objects.all()}


def record(n: int, **fields: object) -> IncidentRecord:
    values: dict[str, object] = {
        "upstream_id": f"u-{n}",
        "number": str(n),
        "title": f"Incident {n}",
        "description": "",
        "status": IncidentStatus.OPEN,
        "raw_status": "open",
        "priority": Priority.HIGH,
        "raw_priority": "P1",
        "created_at": NOW - timedelta(days=n % 9, hours=n % 23),
        "updated_at": None,
        "resolved_at": None,
        "impact_start": None,
        "impact_end": None,
        "upstream_url": "",
        "service_ids": [],
        "services": [],
    }
    values.update(fields)
    return IncidentRecord(**values)  # type: ignore[arg-type]


def test_a_sync_page_marks_what_it_wrote_and_an_evaluation_consumes_it(connection) -> None:  # type: ignore[no-untyped-def]
    store = IncidentStore()
    store.save(connection=connection, records=[record(1), record(2)])
    assert PendingItem.objects.count() == 2
    evaluate()
    assert not PendingItem.objects.exists()
    store.save(connection=connection, records=[record(1), record(2)])  # nothing changed
    assert not PendingItem.objects.exists()
    store.save(connection=connection, records=[record(1, title="Renamed"), record(2)])
    assert list(PendingItem.objects.values_list("item_id", flat=True)) == [
        Incident.objects.get(upstream_id="u-1").pk
    ]


def test_an_item_written_while_an_evaluation_runs_waits_for_the_next(  # type: ignore[no-untyped-def]
    connection, monkeypatch
) -> None:
    """The evaluation deletes exactly the pending rows it read: one committed after it read
    them (another sync's page) is judged by the next evaluation, not dropped."""
    store = IncidentStore()
    store.save(connection=connection, records=[record(1, status=IncidentStatus.RESOLVED)])
    evaluate()
    read = checks.engine.pending

    def read_then_a_sync_writes(topic: str) -> list[tuple[int, int]]:
        rows = read(topic)
        store.save(connection=connection, records=[record(7)])  # open: fails the closed check
        return rows

    monkeypatch.setattr(checks.engine, "pending", read_then_a_sync_writes)
    evaluate()
    late = Incident.objects.get(upstream_id="u-7")
    assert list(PendingItem.objects.values_list("item_id", flat=True)) == [late.pk]
    monkeypatch.setattr(checks.engine, "pending", read)
    evaluate()
    assert (CLOSED_KEY, f"incident:{late.pk}") in items()
    assert not PendingItem.objects.exists()


def test_an_sla_that_runs_out_between_evaluations_fails_with_nothing_written(  # type: ignore[no-untyped-def]
    connection, monkeypatch
) -> None:
    now = timezone.now()
    policy = IncidentPolicy.current()
    # A Low incident whose 7-day SLA runs out a minute from now.
    created = now - timedelta(days=policy.low_sla_hours / 24) + timedelta(minutes=1)
    incident = make(connection, 1, status="open", priority="low", created_at=created)
    evaluate()
    assert (SLA_KEY, f"incident:{incident.pk}") not in items()
    assert not PendingItem.objects.exists()
    monkeypatch.setattr(checks.engine.timezone, "now", lambda: now + timedelta(minutes=2))
    evaluate()
    reason = items()[SLA_KEY, f"incident:{incident.pk}"]
    assert reason.startswith(f"Still open past its SLA of {policy.low_sla_hours // 24} d")
    assert counts()[SLA_KEY] == ("failing", 1)


def test_a_policy_change_judges_every_incident_again(connection) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, status="resolved", priority="high", created_at=NOW - timedelta(days=3))
    evaluate()
    assert (CLOSED_KEY, "incident:1") not in items()
    before = CheckState.objects.get(key=SLA_KEY).basis
    policy = IncidentPolicy.current()
    policy.assess_resolved_high = True
    policy.save()
    PendingItem.objects.all().delete()  # nothing written marks the incident: the basis does
    evaluate()
    assert CheckState.objects.get(key=SLA_KEY).basis != before
    incident = Incident.objects.get()
    assert items()[DATA_LOSS_KEY, f"incident:{incident.pk}"] == (
        "Resolved High incident whose data loss is not assessed (policy)"
    )


def test_incremental_evaluations_agree_with_judging_everything(connection) -> None:  # type: ignore[no-untyped-def]
    """Random syncs, deletions upstream, scope changes and data-loss reports, each followed by
    an evaluation: the stored items and counts always equal a full evaluation's."""
    rng = random.Random(14)
    store = IncidentStore()
    records = {
        n: record(
            n,
            status=rng.choice([IncidentStatus.OPEN, IncidentStatus.RESOLVED]),
            priority=rng.choice(list(Priority)),
            title=rng.choice(["Checkout down", "Data breach: records exposed", "Slow login"]),
            service_ids=[rng.choice(["a", "b"])],
        )
        for n in range(1, 41)
    }
    for n, kept in records.items():
        if kept.status == IncidentStatus.RESOLVED:
            records[n] = replace(kept, resolved_at=kept.created_at + timedelta(hours=n % 30))
    store.save(connection=connection, records=list(records.values()))
    evaluate(full=True)
    for step in range(25):
        action = rng.choice(["sync", "sync", "delete", "scope", "report"])
        if action == "sync":
            for n in rng.sample(sorted(records), 6):
                status = rng.choice([IncidentStatus.OPEN, IncidentStatus.RESOLVED])
                resolved = NOW - timedelta(hours=rng.randint(0, 200))
                records[n] = replace(
                    records[n],
                    status=status,
                    raw_status=str(status),
                    priority=rng.choice(list(Priority)),
                    resolved_at=resolved if status == IncidentStatus.RESOLVED else None,
                )
            store.save(connection=connection, records=list(records.values()))
        elif action == "delete":
            gone = [records[n].upstream_id for n in rng.sample(sorted(records), 2)]
            store.mark_deleted(connection=connection, upstream_ids=gone)
        elif action == "scope":
            connection.service_ids = rng.choice([[], ["a"], ["b"]])
            connection.save()
            rescope_incidents(connection=connection)
        else:
            incident = Incident.objects.order_by("?").first()
            report, _new = DataLossReport.objects.get_or_create(incident=incident)
            report.data_lost = rng.choice(list(DataLost))
            report.what_happened = rng.choice(["", "Backups were incomplete."])
            report.save()
        evaluate()
        incremental = (items(), counts())
        evaluate(full=True)
        assert (items(), counts()) == incremental, f"step {step}: {action}"


def test_past_the_threshold_every_item_is_judged_at_once(connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A first sync or a reconnection marks a great many incidents: one reading of them all
    (``failing``) replaces the chunked look-ups, with the same result."""
    monkeypatch.setattr("checks.judging.JUDGE_ALL_ABOVE", 2)
    store = IncidentStore()
    store.save(connection=connection, records=[record(1, status=IncidentStatus.RESOLVED)])
    evaluate()
    looked_up: list[int] = []
    check = REGISTRY[CLOSED_KEY]
    among = check.incremental.failing_among  # type: ignore[union-attr]

    def spy(now, ids):  # type: ignore[no-untyped-def]
        looked_up.extend(ids)
        return among(now, ids)

    incremental = replace(check.incremental, failing_among=spy)  # type: ignore[type-var]
    monkeypatch.setitem(REGISTRY, CLOSED_KEY, replace(check, incremental=incremental))
    store.save(connection=connection, records=[record(n) for n in (2, 3, 4)])
    evaluate()
    assert looked_up == []
    open_ones = Incident.objects.filter(status="open").values_list("pk", flat=True)
    assert {key for check, key in items() if check == CLOSED_KEY} == {
        f"incident:{pk}" for pk in open_ones
    }
    store.save(connection=connection, records=[record(5)])
    evaluate()
    assert looked_up == [Incident.objects.get(upstream_id="u-5").pk]
