"""The access reviews' check: access a signed-off review revoked (or re-roled) must be gone
upstream within N days of the sign-off, as a later sync shows (never as the reviewer says)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from access.checks import TOPIC, _any_system
from access.review_models import ACTION_DECISIONS, Decision, Outcome, ReviewItem, ReviewPolicy
from lib.checks import Check, FailingRow, register

REMOVAL_KEY = "access-review-removal"


def duration(delta: timedelta) -> str:
    """ "3 d 4 h", "5 h 10 min": how long something took or is overdue."""
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _actions_signed_off():  # type: ignore[no-untyped-def]
    return ReviewItem.objects.filter(
        decision__in=ACTION_DECISIONS, review__signed_off_at__isnull=False
    )


def overdue_items(now: datetime):  # type: ignore[no-untyped-def]
    """The one definition of an overdue revocation: the check and the review page both ask it."""
    limit = timedelta(days=ReviewPolicy.current().removal_days)
    return _actions_signed_off().filter(
        outcome=Outcome.PENDING, review__signed_off_at__lt=now - limit
    )


def failing_removals(now: datetime) -> Iterator[FailingRow]:
    days = ReviewPolicy.current().removal_days
    rows = overdue_items(now).values_list(
        "pk",
        "review_id",
        "review__name",
        "review__signed_off_at",
        "system_name",
        "email",
        "upstream_id",
        "decision",
        "role",
    )
    for pk, review, name, signed_off_at, system, email, upstream_id, decision, role in rows:
        late = now - (signed_off_at + timedelta(days=days))
        what = (
            "the account still exists"
            if decision == Decision.REVOKE
            else f"the account still has the role {role or '(none)'}"
        )
        reason = (
            f"{Decision(decision).label} decided in the review “{name}”, signed off "
            f"{date_format(timezone.localtime(signed_off_at), 'j M Y')}: {what} in {system}, "
            f"{duration(late)} past the {days}-day limit"
        )
        url = reverse("access:review", args=[review]) + f"#item-{pk}"
        yield FailingRow(
            f"review-item:{pk}", f"{email or upstream_id} on {system}", url, reason, system
        )


def _decisions_count() -> int:
    return _actions_signed_off().count()


def register_review_checks() -> None:
    register(
        Check(
            key=REMOVAL_KEY,
            title="Access revoked in a review should be removed within N days",
            description="Fails for each Revoke or Change role decision of a signed-off access "
            "review that no sync has yet shown done (the account gone upstream, or its role "
            "changed) N days after the sign-off. N is set on the access reviews page "
            "(default 7).",
            how_to_fix="Remove the account, or change its role, in the system; the next sync "
            "shows it done and records how long it took.",
            topic=TOPIC,
            applicable=_any_system,
            checked_count=_decisions_count,
            failing=failing_removals,
        )
    )
