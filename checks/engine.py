"""Evaluate registered checks; keep their state, failing items and status history."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from checks.events import item_events, status_event
from checks.judging import Judgement, clear_pending, judge, pending, stored_rows
from checks.models import CheckState, CheckStatus, CheckStatusChange, HistoryEvent, SpecialCase
from lib.checks import Check, checks_for
from lib.events import emit
from lib.moments import utc_minute_text

T = TypeVar("T")


def active_special_case_keys(state: CheckState, now: datetime) -> set[str]:
    return set(state.special_cases.active(now).values_list("item_key", flat=True))


def evaluate(*, topic: str | None = None, reason: str = "", full: bool = False) -> list[CheckState]:
    """Evaluate the checks (of ``topic``). An incremental check judges only what changed since
    its last evaluation unless ``full`` (checks/judging.py)."""
    # Checks over the same population share their `applicable` and `checked_count` functions:
    # each runs once per evaluation, not once per check.
    shared: dict[Callable[[], object], object] = {}
    topics: dict[str, list[Check]] = {}
    for check in checks_for(topic):
        topics.setdefault(check.topic, []).append(check)
    return [
        state
        for name, checks in topics.items()
        for state in _evaluate_topic(name, checks, reason=reason, shared=shared, full=full)
    ]


def _evaluate_topic(
    topic: str,
    checks: list[Check],
    *,
    reason: str,
    shared: dict[Callable[[], object], object],
    full: bool,
) -> list[CheckState]:
    """One transaction holding every check's row lock (taken in key order), so that the items
    written meanwhile are judged by this evaluation or left for the next, never lost."""
    with transaction.atomic():
        keys = [check.key for check in checks]
        list(CheckState.objects.select_for_update().filter(key__in=keys).order_by("key"))
        read = pending(topic) if any(check.incremental for check in checks) else []
        changed = {item_id for _pk, item_id in read}
        states = [
            evaluate_check(check, reason=reason, shared=shared, changed=changed, full=full)
            for check in checks
        ]
        clear_pending(read)
    return states


def _lock(check: Check, now: datetime) -> tuple[CheckState, bool]:
    return CheckState.objects.select_for_update().get_or_create(
        key=check.key,
        defaults={
            "status": CheckStatus.NOT_APPLICABLE,
            "status_since": now,
            "last_evaluated_at": now,
        },
    )


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
    changed: Collection[int] | None = None,
    full: bool = False,
) -> CheckState:
    """Judge ``check`` and record the result. ``changed``: the ids of its topic's items written
    since the last evaluation (None outside a topic's evaluation: an incremental check then
    judges nothing new, only counts what it stores)."""
    shared = {} if shared is None else shared
    with transaction.atomic():
        state, created = _lock(check, timezone.now())
        # Read under the check's lock: two evaluations at once (two workers, each after its
        # sync, or beside the hourly one) take turns, and the second reads what the first
        # stored and anything committed since. Read before it, the one that read first could
        # store its older result last, and the history would step back to it.
        now = timezone.now()
        applicable = _once(check.applicable, shared)
        checked = _once(check.checked_count, shared) if applicable else 0
        # The incident checks share one basis (policy, disconnected sources): read it once.
        basis = _once(check.incremental.basis, shared) if check.incremental else ""
        judged = judge(
            check, state, now, applicable=applicable, changed=changed, full=full, basis=basis
        )
        active = active_special_case_keys(state, now)
        if judged.complete:
            total, excepted = len(judged.rows), active & judged.rows.keys()
        else:
            total = state.failing_items.count()
            excepted = set(
                state.failing_items.filter(item_key__in=active).values_list("item_key", flat=True)
            )
        failing = total - len(excepted)
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
        _emit_changes(check, state, previous, status, judged, excepted, checked)
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
    state: CheckState,
    previous: str,
    status: str,
    judged: Judgement,
    excepted: set[str],
    checked: int,
) -> None:
    """Tell the notification channels, in this evaluation's transaction: the check's status
    transition, and its items that started (not covered by a special case) or stopped failing."""
    if status != previous:
        if judged.complete:
            failing = [row for key, row in judged.rows.items() if key not in excepted]
        else:
            failing = stored_rows(state, leave_out=excepted)
        event = status_event(check, before=previous, after=status, failing=failing, checked=checked)
        if event is not None:
            emit(event)
    if check.item_event is not None:
        started = [judged.rows[key] for key in judged.new if key not in excepted]
        for event in item_events(check, new=started, gone=judged.gone):
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
            detail=f"{case.label} (expired {utc_minute_text(case.expires_at)})",
        )
        for case in expired
    ]
