"""Users are django.contrib.auth users; roles are groups (accounts/roles.py). The one model of
our own records sign-in lockouts, so the audit log shows each lockout and its unlocking."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LockoutQuerySet(models.QuerySet["SignInLockout"]):
    def running(self) -> LockoutQuerySet:
        """Still in force: neither run out nor unlocked."""
        return self.filter(unlocked_at__isnull=True, locked_until__gt=timezone.now())


class SignInLockout(models.Model):
    """A username or an address locked out after too many wrong passwords (django-axes does
    the counting and the refusing; this is the record an auditor reads)."""

    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    locked_at = models.DateTimeField(default=timezone.now)
    # When the lockout ends by itself (AXES_COOLOFF_MINUTES after it began).
    locked_until = models.DateTimeField()
    # Set when an admin unlocked it before then (the audit log says who).
    unlocked_at = models.DateTimeField(null=True, blank=True)

    objects = LockoutQuerySet.as_manager()

    class Meta:
        ordering = ["-locked_at"]

    def __str__(self) -> str:
        return f"Sign-in lockout of {self.username or '(no username)'} from {self.ip_address}"
