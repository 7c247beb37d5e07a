"""Two-factor authentication: who must enter a code, and where each user stands.

A user has MFA on when they have a confirmed authenticator (django-otp's TOTPDevice); their
recovery codes are a StaticDevice beside it. A session is verified once it entered a code
(django-otp's OTPMiddleware keeps the device in the session), or when it was signed in through
single sign-on and MFA_TRUST_SSO is on."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import MfaPolicy
from accounts.services import user_role

# The key the single sign-on code sets in the session of a user signed in through the IdP.
SIGNED_IN_WITH = "signed_in_with"
SSO = "sso"


def sso_satisfies_mfa(request: HttpRequest) -> bool:
    """A session signed in through the OpenID Connect provider needs no code here when
    MFA_TRUST_SSO is on: the provider enforces its own MFA."""
    return settings.MFA_TRUST_SSO and request.session.get(SIGNED_IN_WITH) == SSO


def authenticator(user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if MFA is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    device = StaticDevice.objects.filter(user=user).first()
    return device.token_set.count() if device else 0


def mfa_required(user: AbstractUser, policy: MfaPolicy | None = None) -> bool:
    """The admin's policy makes a code compulsory for this user's role (or everyone)."""
    return (policy or MfaPolicy.current()).requires(user_role(user))


class Gate(StrEnum):
    """What a signed-in session must do before any other page."""

    OPEN = "open"
    VERIFY = "verify"  # MFA is on: enter a code
    ENROL = "enrol"  # required by the policy but not set up: set it up


def gate(request: HttpRequest) -> Gate:
    """Asked before every signed-in page: one query (below) unless the session is verified."""
    user = request.user
    if not user.is_authenticated or user.is_verified() or sso_satisfies_mfa(request):  # type: ignore[union-attr]
        return Gate.OPEN
    return _gate_now(user)  # type: ignore[arg-type]


def _gate_now(user: AbstractUser) -> Gate:
    """One query for both facts: a confirmed authenticator, and the policy (its defaults when
    never saved); the user's role is read only when the policy names roles."""
    with connection.cursor() as cursor:
        cursor.execute(_gate_sql(), [user.pk])
        has_authenticator, mode, roles = cursor.fetchone()
    if has_authenticator:
        return Gate.VERIFY
    # Read by SQL, the JSON column comes back as its text (SQLite and Django's psycopg loaders,
    # both checked); NULL when the policy was never saved.
    roles = json.loads(roles) if isinstance(roles, str) else roles or []
    policy = MfaPolicy(mode=mode or MfaPolicy.Mode.OFF, roles=roles)
    if policy.mode != MfaPolicy.Mode.OFF and policy.requires(user_role(user)):
        return Gate.ENROL
    return Gate.OPEN


@functools.cache
def _gate_sql() -> str:
    """The gate's statement, asked on every signed-in request of a session without a code.
    Written as SQL: the ORM built the same statement (an EXISTS and two subqueries) in 1.7 ms
    a request on a 2-core machine, and PostgreSQL answers it in 0.1 ms. The names come from
    the models; the user's id is a parameter."""
    quote = connection.ops.quote_name
    device, policy = TOTPDevice._meta, MfaPolicy._meta

    def column(meta, name: str) -> str:  # type: ignore[no-untyped-def]
        return quote(meta.get_field(name).column)

    policy_row = f"FROM {quote(policy.db_table)} WHERE {quote(policy.pk.column)} = 1"
    return (
        f"SELECT EXISTS(SELECT 1 FROM {quote(device.db_table)} "  # noqa: S608 - names only
        f"WHERE {column(device, 'user')} = %s AND {column(device, 'confirmed')}), "
        f"(SELECT {column(policy, 'mode')} {policy_row}), "
        f"(SELECT {column(policy, 'roles')} {policy_row})"
    )


@dataclass(frozen=True)
class MfaStatus:
    on_since: datetime | None
    required: bool

    def __str__(self) -> str:
        if self.on_since is not None:
            return f"On since {date_format(timezone.localtime(self.on_since), 'j M Y')}"
        return "Required but not set up" if self.required else "Off"


def mfa_statuses(users: list[AbstractUser]) -> dict[int, MfaStatus]:
    """Each user's status for Settings → Users, in two queries whatever the number of users."""
    policy = MfaPolicy.current()
    since = dict(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list(
            "user_id", "created_at"
        )
    )
    return {
        user.pk: MfaStatus(on_since=since.get(user.pk), required=policy.requires(user_role(user)))
        for user in users
    }
