"""Two-factor writes: set up an authenticator, recovery codes, turn off, an admin's reset, and
checking a code at sign-in. The devices are django-otp's (TOTP per RFC 6238, recovery codes as
single-use static tokens), with django-otp's own throttling of wrong codes; the audit log records
each device added, confirmed or removed (audit/registration.py)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class CodeRefused(Exception):
    """The code was not accepted; the message says why (wrong, or wait: throttled)."""


def setup_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator being set up: the same key until it is confirmed, so the
    QR code scanned stays the one the confirmation checks."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def normalise(code: str) -> str:
    """What people type: spaces and dashes between groups, capitals."""
    return "".join(code.split()).replace("-", "").lower()


def _check(device: TOTPDevice | StaticDevice, code: str) -> None:
    allowed, why = device.verify_is_allowed()
    if not allowed and why and why.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        wait = max(1, round((why["locked_until"] - timezone.now()).total_seconds()))
        raise CodeRefused(
            f"Too many wrong codes in a row: wait {wait} second{'s' if wait != 1 else ''} "
            "before trying again (each wrong code doubles the wait)."
        )
    if verify_token(device.user, device.persistent_id, code) is None:
        raise CodeRefused("Wrong code: check your authenticator app's code for EvidenceHub.")


def setup_confirm(*, user: AbstractBaseUser, device: TOTPDevice, code: str) -> None:
    """Turn MFA on once the code from the app matches; a wrong code changes nothing."""
    _check(device, normalise(code))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.refresh_from_db()
        device.confirmed = True
        # "On since" on Settings → Users: from the confirmation, not the start of the set-up.
        device.created_at = timezone.now()
        device.save(update_fields=["confirmed", "created_at"])


def recovery_codes_make(user: AbstractBaseUser) -> list[str]:
    """Ten new single-use codes; the previous ones stop working."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": RECOVERY_NAME})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def sign_in_check(user: AbstractBaseUser, code: str) -> TOTPDevice | StaticDevice:
    """The device that accepts ``code`` at sign-in: a 6-digit code is the authenticator's, any
    other a recovery code (used up by this)."""
    code = normalise(code)
    device: TOTPDevice | StaticDevice | None
    if code.isdigit() and len(code) == 6:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise CodeRefused("Wrong code: enter the 6 digits your authenticator app shows.")
    _check(device, code)
    return device


def current_code_check(user: AbstractBaseUser, code: str) -> None:
    """A current code from the authenticator (to turn MFA off without the password)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise CodeRefused("Two-factor authentication is not on.")
    _check(device, normalise(code))


def mfa_remove(user: AbstractBaseUser) -> int:
    """Remove every device of ``user`` (turning off, or an admin's reset after a lost phone);
    returns how many were removed. The audit log records each removal and who did it."""
    removed = 0
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user):
                # One by one, so each removal sends the signal the audit log records.
                device.delete()
                removed += 1
    return removed
