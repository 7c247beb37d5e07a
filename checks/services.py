from __future__ import annotations

from datetime import date, datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from checks.engine import evaluate_check
from checks.models import CheckState, FailingItem, SpecialCase
from lib.checks import REGISTRY


def special_case_create(
    *,
    state: CheckState,
    item: FailingItem,
    reason: str,
    attachment: UploadedFile | None,
    expires_on: date | None,
    user: AbstractBaseUser,
) -> SpecialCase:
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.min)) if expires_on else None
    case = SpecialCase(
        check_state=state,
        item_key=item.item_key,
        label=item.label,
        reason=reason,
        expires_at=expires_at,
        created_by=user,
    )
    if attachment:
        case.attachment.save(attachment.name, attachment, save=False)
    case.save()
    evaluate_check(REGISTRY[state.key], reason="after a special case was marked")
    return case


def special_case_end(*, case: SpecialCase, user: AbstractBaseUser) -> SpecialCase:
    case.ended_at, case.ended_by = timezone.now(), user
    case.save(update_fields=["ended_at", "ended_by"])
    evaluate_check(REGISTRY[case.check_state.key], reason="after a special case was ended")
    return case
