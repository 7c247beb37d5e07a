"""Evaluate registered checks; keep their state, failing items and status history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from checks.models import CheckState, CheckStatus, CheckStatusChange, FailingItem
from lib.checks import Check, checks_for

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


def evaluate_check(
    check: Check, *, reason: str = "", shared: dict[Callable[[], object], object] | None = None
) -> CheckState:
    now = timezone.now()
    shared = {} if shared is None else shared
    applicable = _once(check.applicable, shared)
    rows = {row.item_key: row for row in check.failing(now)} if applicable else {}
    checked = _once(check.checked_count, shared) if applicable else 0
    with transaction.atomic():
        state, created = CheckState.objects.select_for_update().get_or_create(
            key=check.key,
            defaults={
                "status": CheckStatus.NOT_APPLICABLE,
                "status_since": now,
                "last_evaluated_at": now,
            },
        )
        _store_items(state, rows, now)
        excepted = active_special_case_keys(state, now) & rows.keys()
        failing = len(rows) - len(excepted)
        if not applicable:
            status = CheckStatus.NOT_APPLICABLE
        else:
            status = CheckStatus.FAILING if failing else CheckStatus.PASSING
        if created or status != state.status:
            CheckStatusChange.objects.create(
                check_state=state,
                at=now,
                status=status,
                previous_status="" if created else state.status,
                failing_count=failing,
                checked_count=checked,
                reason=reason[:200],
            )
            state.status, state.status_since = status, now
        state.last_evaluated_at = now
        state.checked_count, state.failing_count, state.excepted_count = (
            checked,
            failing,
            len(excepted),
        )
        state.save()
    return state


def _store_items(state: CheckState, rows: dict, now) -> None:  # type: ignore[no-untyped-def]
    """Bring the failing items in line with ``rows``, writing only what changed.

    Existing items are read as tuples, not model instances: there can be tens of thousands."""
    existing = {
        key: (pk, label, reason, url, source)
        for pk, key, label, reason, url, source in FailingItem.objects.filter(
            check_state=state
        ).values_list("pk", "item_key", "label", "reason", "url", "source")
    }
    gone = [pk for key, (pk, *_rest) in existing.items() if key not in rows]
    if gone:
        FailingItem.objects.filter(pk__in=gone).delete()
    new, changed = [], []
    for key, row in rows.items():
        values = (row.label[:300], row.reason[:500], row.url, row.source[:100])
        current = existing.get(key)
        if current is None:
            new.append(
                FailingItem(
                    check_state=state,
                    item_key=key,
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
    FailingItem.objects.bulk_create(new, batch_size=1000)
    FailingItem.objects.bulk_update(changed, ["label", "reason", "url", "source"], batch_size=1000)
