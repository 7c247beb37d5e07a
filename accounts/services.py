from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction

from accounts.events import emit_user_created, emit_user_role_changed
from accounts.roles import Role

USERNAME_MAX = 150


class IdentityRefused(ValueError):
    """The username or email cannot be used; the message says which and why."""


def clean_identity(username: str, email: str) -> tuple[str, str]:
    """A username of letters, digits and @ . + - _ (no space, markup, control or direction
    character: names appear in the audit log and the evidence), at most 150 characters, and an
    email address or none."""
    username, email = username.strip(), email.strip()
    if not username:
        raise IdentityRefused("Username refused: it is empty.")
    if len(username) > USERNAME_MAX:
        raise IdentityRefused(
            f"Username refused: {len(username)} characters, at most {USERNAME_MAX}."
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise IdentityRefused(
            "Username refused: use only letters, digits and @ . + - _ "
            "(no spaces, markup, control or direction characters)."
        ) from exc
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise IdentityRefused(f"Email refused: {email!r} is not an email address.") from exc
    return username, email


def user_create_or_update(
    *, username: str, role: Role, password: str, email: str = "", update: bool = False
) -> tuple[AbstractUser, bool]:
    """Create a user with exactly one role; with ``update``, reset an existing user's role and
    password instead of refusing."""
    username, email = clean_identity(username, email)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            return _create_or_update(user_model, username, role, password, email, update)
    except IntegrityError as exc:
        # Someone created the same username between our look and our save.
        raise ValueError(f"A user named {username!r} already exists.") from exc


def _create_or_update(  # type: ignore[no-untyped-def]
    user_model, username: str, role: Role, password: str, email: str, update: bool
) -> tuple[AbstractUser, bool]:
    user = user_model.objects.filter(username__iexact=username).first()
    if user is not None and not update:
        raise ValueError(
            f"A user named {user.username!r} already exists (use --update to reset it)."
        )
    created = user is None
    if user is None:
        user = user_model(username=username)
    validate_password(password, user)
    before = None if created else user_role(user)
    user.email = email or user.email
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    if created:
        emit_user_created(user, role=role, how="the create_user command")
    elif before != role:
        emit_user_role_changed(user, before=before, after=role)
    return user, created


def user_role(user: AbstractUser) -> Role | None:
    names = {group.name for group in user.groups.all()}
    for role in Role:
        if role.value in names:
            return role
    return None
