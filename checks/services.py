from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from checks.engine import Event, evaluate_check, record_expiries
from checks.models import CheckState, FailingItem, HistoryEvent, SpecialCase
from lib.checks import REGISTRY


@dataclass(frozen=True)
class Marked:
    created: list[SpecialCase]
    # The special cases some chosen items already had (one each): left as they are.
    existing: list[SpecialCase]


def special_cases_create(
    *,
    state: CheckState,
    items: Sequence[FailingItem],
    reason: str,
    attachment: UploadedFile | None,
    expires_on: date,
    user: AbstractBaseUser,
) -> Marked:
    """Mark one or several failing items of one check as special cases, with one reason; the
    history gets one event per item, with the counts after all of them. An item that already
    has a special case in force keeps it: a double submit, or two admins at once, never make
    a second (the database refuses one: SpecialCase's constraint)."""
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.min))
    now = timezone.now()
    created, existing = [], []
    with transaction.atomic():
        # The evaluation's lock: a second submit waits here, then finds the first one's cases.
        CheckState.objects.select_for_update().get(pk=state.pk)
        # An expired case is in force no more: recorded now, it leaves the open ones.
        expired = record_expiries(state, now)
        open_cases = _open_cases(state, [item.item_key for item in items])
        for item in items:
            if item.item_key in open_cases:
                existing.append(open_cases[item.item_key])
                continue
            case = _create(state, item, reason, attachment, expires_at, user)
            if case.pk is None:
                # Saved by someone else between the read above and this write.
                existing.append(_open_cases(state, [item.item_key])[item.item_key])
            else:
                created.append(case)
        events = [
            *expired,
            *(
                Event(HistoryEvent.SPECIAL_CASE_CREATED, c, by=user, detail=c.label)
                for c in created
            ),
        ]
        if events:
            evaluate_check(
                REGISTRY[state.key], reason="after a special case was marked", events=events
            )
    return Marked(created, existing)


def _open_cases(state: CheckState, item_keys: Sequence[str]) -> dict[str, SpecialCase]:
    cases = state.special_cases.open().filter(item_key__in=item_keys).select_related("created_by")
    return {case.item_key: case for case in cases}


def _create(
    state: CheckState,
    item: FailingItem,
    reason: str,
    attachment: UploadedFile | None,
    expires_at: datetime,
    user: AbstractBaseUser,
) -> SpecialCase:
    """The item's new special case, saved; unsaved (no pk, its file removed) when the item
    has an open one already."""
    case = SpecialCase(
        check_state=state,
        item_key=item.item_key,
        label=item.label,
        reason=reason,
        expires_at=expires_at,
        created_by=user,
    )
    if attachment:
        attachment.seek(0)
        case.attachment.save(attachment.name, attachment, save=False)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        if case.attachment:
            case.attachment.delete(save=False)
        case.pk = None
    return case


class AlreadyEnded(Exception):  # noqa: N818 - named for what the admin is told
    """Someone ended the special case between the confirmation page and this save."""

    def __init__(self, case: SpecialCase) -> None:
        self.case = case
        super().__init__(f"special case {case.pk} is ended already")


def special_case_end(*, case: SpecialCase, user: AbstractBaseUser, reason: str) -> SpecialCase:
    """End a case in force, once: two admins ending it at once would both have written, the
    second reason replacing the first and the history counting two ends. The row is locked
    and read again; raises AlreadyEnded (nothing written) when it has ended meanwhile."""
    with transaction.atomic():
        current = SpecialCase.objects.select_for_update().get(pk=case.pk)
        if current.ended_at is not None:
            raise AlreadyEnded(SpecialCase.objects.select_related("ended_by").get(pk=case.pk))
        case.ended_at, case.ended_by, case.end_reason = timezone.now(), user, reason
        case.save(update_fields=["ended_at", "ended_by", "end_reason"])
        event = Event(
            HistoryEvent.SPECIAL_CASE_ENDED, case, by=user, detail=f"{case.label}: {reason}"
        )
        evaluate_check(
            REGISTRY[case.check_state.key], reason="after a special case was ended", events=[event]
        )
    return case
