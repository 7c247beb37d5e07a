"""Who the identity provider's claims sign in, and with which role.

Users are matched by the IdP's verified email (case-insensitive), so an admin's existing account
can be used through SSO; someone new is created with the role of their groups. The role follows
the IdP: it is re-applied at every SSO sign-in (the audit log records the change of Roles, by
"System"). Whoever is refused gets a message that says why, and nothing is created or changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from accounts.roles import ROLE_ALIASES, Role
from accounts.services import user_role
from accounts.sso.config import provider_name
from accounts.user_services import UserRefused, role_set, user_invite

logger = logging.getLogger(__name__)
# When someone's groups grant several roles, the first of these wins.
ROLE_RANK = (Role.ADMIN, Role.AUDITOR, Role.STAFF)
NAME_MAX = 150


class SSORefused(Exception):
    """This person may not sign in through SSO; the message is for them."""


def groups_in(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The group names in ``claims[claim]``: a list of names, or one name."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def role_for_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> Role | None:
    """The highest role any of ``groups`` is mapped to, or None."""
    granted = {ROLE_ALIASES[mapping[group]] for group in groups if group in mapping}
    return next((role for role in ROLE_RANK if role in granted), None)


def sso_user(*, claims: Mapping[str, Any]) -> AbstractUser:
    """The user the claims sign in, created or with their role brought in line; SSORefused."""
    email = _verified_email(claims)
    with transaction.atomic():
        matches = list(get_user_model().objects.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise SSORefused(
                f"More than one EvidenceHub user has the email address {email}, so single "
                "sign-on cannot tell which one you are. Ask your administrator to fix it."
            )
        user = matches[0] if matches else None
        if user is not None and not user.is_active:
            raise SSORefused(
                "Your EvidenceHub account is deactivated. Ask your administrator if you need "
                "access again."
            )
        role = role_for_groups(
            groups_in(claims, settings.OIDC_GROUPS_CLAIM), settings.OIDC_ROLE_GROUPS
        )
        if role is None:
            allowed = ", ".join(sorted(settings.OIDC_ROLE_GROUPS))
            raise SSORefused(
                "Your identity provider account is not in a group that grants access to "
                f"EvidenceHub; ask your administrator to add you to one of: {allowed}."
            )
        if user is None:
            return _create(email, role, claims)
        if user_role(user) != role:
            _resync(user, role)
        return user


def _verified_email(claims: Mapping[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise SSORefused(
            f"{provider_name()} did not say your email address, which EvidenceHub needs to "
            "know who you are. Ask your administrator."
        )
    verified = claims.get("email_verified")
    if verified is not True and verified != "true" and not settings.OIDC_TRUST_UNVERIFIED_EMAIL:
        raise SSORefused(
            f"{provider_name()} has not verified your email address {email.strip()}, so "
            "EvidenceHub cannot sign you in with it. Verify it there, or ask your administrator."
        )
    return email.strip()


def _create(email: str, role: Role, claims: Mapping[str, Any]) -> AbstractUser:
    """A user named by their email, made as Settings → Users makes one (the same checks)."""
    try:
        user = user_invite(
            username=email.lower(),
            email=email,
            role=role,
            first_name=_name(claims.get("given_name")),
            last_name=_name(claims.get("family_name")),
            how="single sign-on",
        )
    except UserRefused as refused:
        raise SSORefused(
            f"EvidenceHub cannot create your account: {refused} Ask your administrator."
        ) from refused
    logger.info("SSO created user %s as %s", user.username, role.value)
    return user


def _resync(user: AbstractUser, role: Role) -> None:
    before = user_role(user)
    try:
        role_set(user=user, role=role)
    except UserRefused as refused:
        # The IdP would take the role of the last active admin: the app would have none left.
        raise SSORefused(
            f"{provider_name()} now gives you the role {role.value}, but you are EvidenceHub's "
            "only active compliance admin. Ask your administrator to make someone else an admin "
            "first, or to add you back to the admin group."
        ) from refused
    logger.info(
        "SSO changed the role of %s from %s to %s",
        user.username,
        before.value if before else "none",
        role.value,
    )


def _name(value: object) -> str:
    return value.strip()[:NAME_MAX] if isinstance(value, str) else ""
