"""Users are django.contrib.auth users; roles are groups (accounts/roles.py). Our own models:
sign-in lockouts, so the audit log shows each lockout and its unlocking, and the admin's
two-factor policy (the devices themselves are django-otp's)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.roles import Role
from lib.settings_row import SettingsRow


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


class MfaPolicy(SettingsRow):
    """Who must sign in with a second factor (one row, audited). Anyone may turn it on for
    themselves; the policy makes it compulsory."""

    class Mode(models.TextChoices):
        OFF = "off", "Off: each user chooses"
        ALL = "all", "Required for every user"
        ROLES = "roles", "Required for the roles chosen below"

    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.OFF)
    # Role values (accounts.roles.Role), read only when mode is "roles".
    roles = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return "Two-factor policy"

    def requires(self, role: Role | None) -> bool:
        if self.mode == self.Mode.ALL:
            return True
        return self.mode == self.Mode.ROLES and role is not None and role.value in self.roles
