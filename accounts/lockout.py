"""Sign-in lockouts (django-axes) as records the audit log keeps: locked (who, from where,
until when) and unlocked (an admin resetting axes' attempts before the lockout ran out)."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q
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
    running = SignInLockout.objects.filter(
        username=username, ip_address=ip_address, unlocked_at__isnull=True, locked_until__gt=now
    )
    if not running.exists():
        SignInLockout.objects.create(
            username=username,
            ip_address=ip_address,
            locked_at=now,
            locked_until=now + settings.AXES_COOLOFF_TIME,
        )


def record_unlock(sender: object, *, instance: AccessAttempt, **_: Any) -> None:
    """Axes' attempts were reset (an admin's unlock, or `manage.py axes_reset…`): the lockouts
    of that username or address still running end now."""
    now = timezone.now()
    running = SignInLockout.objects.filter(unlocked_at__isnull=True, locked_until__gt=now)
    match = Q(username=instance.username) if instance.username else Q(pk__in=[])
    if instance.ip_address:
        match |= Q(ip_address=instance.ip_address)
    for lockout in running.filter(match):
        lockout.unlocked_at = now
        lockout.save(update_fields=["unlocked_at"])
