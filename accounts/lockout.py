"""Sign-in lockouts (django-axes) as records the audit log keeps: locked (who, from where,
until when) and unlocked (an admin resetting axes' attempts before the lockout ran out)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SignInLockout


def client_address(request: HttpRequest) -> str | None:
    """The address lockouts count by: the proxy's header when CLIENT_IP_HEADER names one (its
    first address, the client's), otherwise the connection's own."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get(header, "")
        if value:
            return value.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR")


def record_lockout(
    sender: object, *, request: HttpRequest, username: str, ip_address: str, **_: Any
) -> None:
    """Axes says this again for each attempt while locked: one record per lockout."""
    now = timezone.now()
    username, ip_address = (username or "")[:150], ip_address or None
    running = SignInLockout.objects.running().filter(username=username, ip_address=ip_address)
    if not running.exists():
        SignInLockout.objects.create(
            username=username,
            ip_address=ip_address,
            locked_at=now,
            locked_until=now + settings.AXES_COOLOFF_TIME,
        )


def record_unlock(sender: object, *, instance: AccessAttempt, **_: Any) -> None:
    """Axes' attempts were reset (an admin's unlock, or `manage.py axes_reset…`): the running
    lockouts of that username or address that axes would no longer enforce end now. (Which
    reset deleted the attempt is not known here, so what is left decides, not a guess.)"""
    match = Q(username=instance.username) if instance.username else Q(pk__in=[])
    if instance.ip_address:
        match |= Q(ip_address=instance.ip_address)
    now = timezone.now()
    for lockout in SignInLockout.objects.running().filter(match):
        if not _still_enforced(lockout):
            lockout.unlocked_at = now
            lockout.save(update_fields=["unlocked_at"])


def _still_enforced(lockout: SignInLockout) -> bool:
    """Axes locks by username and by address (AXES_LOCKOUT_PARAMETERS): either count at the
    limit keeps this lockout."""
    remaining = AccessAttempt.objects.all()
    for field, value in (("username", lockout.username), ("ip_address", lockout.ip_address)):
        if value:
            counted = remaining.filter(**{field: value}).aggregate(n=Sum("failures_since_start"))
            if (counted["n"] or 0) >= settings.AXES_FAILURE_LIMIT:
                return True
    return False
