"""Evaluate registered checks; keep their state, failing items and status history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from checks.events import GoneItem, item_events, status_event
from checks.models import (
    CheckState,
    CheckStatus,
    CheckStatusChange,
    FailingItem,
    HistoryEvent,
    SpecialCase,
    item_id_of,
)
from integrations.sync import writes
from lib.checks import Check, FailingRow, checks_for
from lib.events import emit

T = TypeVar("T")


def active_special_case_keys(state: CheckState, now: datetime) -> set[str]:
    return set(state.special_cases.active(now).values_list("item_key", flat=True))


def evaluate(*, topic: str | None = None, reason: str = "") -> list[CheckState]:
    # Checks over the same population share their `applicable` and `checked_count` functions:
    # each runs once per evaluation, not once per check.
    shared: dict[Callable[[], object], object] = {}
    return [evaluate_check(check, reason=reason, shared=shared) for check in checks_for(topic)]


def _once(function: Callable[[], T], shared: dict[Callable[[], object], object]) -> T:
    if function not in shared:
        shared[function] = function()
    return shared[function]  # type: ignore[return-value]


@dataclass(frozen=True)
class Event:
    """A special-case event the history records with the counts after it (PRODUCT 5)."""

    kind: HistoryEvent
    case: SpecialCase
    by: AbstractBaseUser | None = None
    detail: str = ""


def evaluate_check(
    check: Check,
    *,
    reason: str = "",
    shared: dict[Callable[[], object], object] | None = None,
    events: Sequence[Event] = (),
) -> CheckState:
    shared = {} if shared is None else shared
    with transaction.atomic():
        state, created = CheckState.objects.select_for_update().get_or_create(
            key=check.key,
            defaults={
                "status": CheckStatus.NOT_APPLICABLE,
                "status_since": timezone.now(),
                "last_evaluated_at": timezone.now(),
            },
        )
        # Read under the check's lock: two evaluations at once (two workers, each after its
        # sync, or beside the hourly one) take turns, and the second reads what the first
        # stored and anything committed since. Read before it, the one that read first could
        # store its older result last, and the history would step back to it.
        now = timezone.now()
        applicable = _once(check.applicable, shared)
        rows = {row.item_key: row for row in check.failing(now)} if applicable else {}
        checked = _once(check.checked_count, shared) if applicable else 0
        new, gone = _store_items(state, rows, now)
        excepted = active_special_case_keys(state, now) & rows.keys()
        failing = len(rows) - len(excepted)
        if not applicable:
            status = CheckStatus.NOT_APPLICABLE
        else:
            status = CheckStatus.FAILING if failing else CheckStatus.PASSING
        previous = "" if created else state.status
        counts = {
            "status": status,
            "previous_status": previous,
            "failing_count": failing,
            "checked_count": checked,
            "excepted_count": len(excepted),
        }
        recorded = [*record_expiries(state, now), *events]
        for happened in recorded:
            CheckStatusChange.objects.create(
                check_state=state,
                at=now,
                event=happened.kind,
                by=happened.by,
                special_case=happened.case,
                detail=(happened.detail or happened.case.label)[:500],
                reason=reason[:200],
                **counts,
            )
        if not recorded and (created or status != state.status or failing != state.failing_count):
            CheckStatusChange.objects.create(
                check_state=state, at=now, reason=reason[:200], **counts
            )
        _emit_changes(check, previous, status, rows, excepted, checked, new, gone)
        if created or status != state.status:
            state.status, state.status_since = status, now
        state.last_evaluated_at = now
        state.checked_count, state.failing_count, state.excepted_count = (
            checked,
            failing,
            len(excepted),
        )
        state.save()
    return state


def _emit_changes(
    check: Check,
    previous: str,
    status: str,
    rows: dict[str, FailingRow],
    excepted: set[str],
    checked: int,
    new: list[str],
    gone: list[GoneItem],
) -> None:
    """Tell the notification channels, in this evaluation's transaction: the check's status
    transition, and its items that started (not covered by a special case) or stopped failing."""
    if status != previous:
        failing = [row for key, row in rows.items() if key not in excepted]
        event = status_event(check, before=previous, after=status, failing=failing, checked=checked)
        if event is not None:
            emit(event)
    if check.item_event is not None:
        started = [rows[key] for key in new if key not in excepted]
        for event in item_events(check, new=started, gone=gone):
            emit(event)


def record_expiries(state: CheckState, now: datetime) -> list[Event]:
    """Special cases that expired since the last evaluation: each is recorded once, and leaves
    the open cases (a new one may then be made for its item). The caller, holding the check's
    row lock, passes the events to ``evaluate_check``, which writes them to the history."""
    expired = list(
        state.special_cases.filter(
            ended_at__isnull=True, expires_at__lte=now, expiry_recorded_at__isnull=True
        )
    )
    for case in expired:
        case.expiry_recorded_at = now
    SpecialCase.objects.bulk_update(expired, ["expiry_recorded_at"])
    return [
        Event(
            HistoryEvent.SPECIAL_CASE_EXPIRED,
            case,
            detail=f"{case.label} (expired {case.expires_at:%d %b %Y %H:%M} UTC)",
        )
        for case in expired
    ]


def _store_items(state: CheckState, rows: dict, now) -> tuple[list[str], list[GoneItem]]:  # type: ignore[no-untyped-def]
    """Bring the failing items in line with ``rows``, writing only what changed; return the
    keys of the items that started failing, and the items that left.

    Existing items are read as tuples, not model instances: there can be tens of thousands."""
    existing = {
        key: (pk, label, reason, url, source)
        for pk, key, label, reason, url, source in FailingItem.objects.filter(
            check_state=state
        ).values_list("pk", "item_key", "label", "reason", "url", "source")
    }
    gone = {key: values for key, values in existing.items() if key not in rows}
    if gone:
        FailingItem.objects.filter(pk__in=[pk for pk, *_rest in gone.values()]).delete()
    new, changed = [], []
    for key, row in rows.items():
        values = (row.label[:300], row.reason[:500], row.url, row.source[:100])
        current = existing.get(key)
        if current is None:
            new.append(
                FailingItem(
                    check_state=state,
                    check_key=state.key,
                    item_key=key,
                    item_id=item_id_of(key),
                    label=values[0],
                    reason=values[1],
                    url=values[2],
                    source=values[3],
                    failing_since=now,
                )
            )
        elif current[1:] != values:
            changed.append(
                FailingItem(
                    pk=current[0],
                    label=values[0],
                    reason=values[1],
                    url=values[2],
                    source=values[3],
                )
            )
    # One COPY (PostgreSQL) or executemany for each: bulk_update's CASE WHEN over every row
    # took 2.9 s for the 3,000 reasons an hour changes at 1,000,000 incidents (issue 14).
    writes.insert_rows(FailingItem, new)
    writes.update_rows(FailingItem, changed, ["label", "reason", "url", "source"])
    left = [GoneItem(key, label, url) for key, (_pk, label, _reason, url, _source) in gone.items()]
    return [item.item_key for item in new], left
