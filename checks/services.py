from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from checks.engine import Event, evaluate_check
from checks.models import CheckState, FailingItem, HistoryEvent, SpecialCase
from lib.checks import REGISTRY


def special_cases_create(
    *,
    state: CheckState,
    items: Sequence[FailingItem],
    reason: str,
    attachment: UploadedFile | None,
    expires_on: date,
    user: AbstractBaseUser,
) -> list[SpecialCase]:
    """Mark one or several failing items of one check as special cases, with one reason; the
    history gets one event per item, with the counts after all of them."""
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.min))
    cases = []
    with transaction.atomic():
        for item in items:
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
            case.save()
            cases.append(case)
    events = [
        Event(HistoryEvent.SPECIAL_CASE_CREATED, case, by=user, detail=case.label) for case in cases
    ]
    evaluate_check(REGISTRY[state.key], reason="after a special case was marked", events=events)
    return cases


def special_case_end(*, case: SpecialCase, user: AbstractBaseUser, reason: str) -> SpecialCase:
    case.ended_at, case.ended_by, case.end_reason = timezone.now(), user, reason
    case.save(update_fields=["ended_at", "ended_by", "end_reason"])
    event = Event(HistoryEvent.SPECIAL_CASE_ENDED, case, by=user, detail=f"{case.label}: {reason}")
    evaluate_check(
        REGISTRY[case.check_state.key], reason="after a special case was ended", events=[event]
    )
    return case
