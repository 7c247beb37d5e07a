"""Settings → Users: what an admin does to the app's users. Nobody is deleted (the audit log
and the evidence keep their name): a person leaving is deactivated, which ends their sessions
at once. The last active admin cannot lose the role or be deactivated, and nobody deactivates
themselves. A new user, or one who forgot their password, gets a one-time link to set it."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.events import emit_user_created, emit_user_deactivated, emit_user_role_changed
from accounts.models import SignInLockout
from accounts.roles import Role
from accounts.services import IdentityRefused, clean_identity, user_role


class UserRefused(Exception):
    """The change was not made; the message says why."""


def _active_admins() -> int:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.ADMIN.value)
        .distinct()
        .count()
    )


def user_invite(
    *,
    username: str,
    email: str,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    how: str = "Settings → Users",
) -> AbstractUser:
    """A new user without a password: they set it through the link (set_password_link), or
    sign in through single sign-on. ``how`` says where it was made, in the notification."""
    try:
        username, email = clean_identity(username, email)
    except IdentityRefused as refused:
        raise UserRefused(str(refused)) from refused
    model = get_user_model()
    if model.objects.filter(username__iexact=username).exists():
        raise UserRefused(f"A user named {username!r} already exists.")
    try:
        with transaction.atomic():
            user = model(username=username, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
            user.groups.set([Group.objects.get(name=role.value)])
            emit_user_created(user, role=role, how=how)
    except IntegrityError as exc:
        raise UserRefused(f"A user named {username!r} already exists.") from exc
    return user


def role_set(*, user: AbstractUser, role: Role) -> None:
    with transaction.atomic():
        before = user_role(user)
        losing_admin = before == Role.ADMIN and role != Role.ADMIN and user.is_active
        if losing_admin and _active_admins() <= 1:
            raise UserRefused(
                f"{user.username} is the only active compliance admin: make someone else "
                "an admin first."
            )
        user.groups.set([Group.objects.get(name=role.value)])
        if before != role:
            emit_user_role_changed(user, before=before, after=role)


def active_set(*, user: AbstractUser, active: bool, by: AbstractUser) -> None:
    """Deactivate (their sessions end at their next request) or reactivate a user."""
    if not active and user.pk == by.pk:
        raise UserRefused("You cannot deactivate yourself: ask another admin.")
    with transaction.atomic():
        role = user_role(user)
        if not active and role == Role.ADMIN and _active_admins() <= 1:
            raise UserRefused(f"{user.username} is the only active compliance admin.")
        was_active = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        if was_active and not active:
            emit_user_deactivated(user, role=role, by=by)


def set_password_link(user: AbstractUser) -> str:
    """The path of a one-time link to set ``user``'s password: it stops working once used, when
    the password changes otherwise, or after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def running_lockouts(username: str) -> QuerySet[SignInLockout]:
    return SignInLockout.objects.running().filter(username=username)


def sign_in_unlock(user: AbstractUser) -> int:
    """Forget the wrong passwords counted against ``user``'s username, which lifts its lockout;
    accounts/lockout.py records the unlock (the audit log names the admin). Returns how many
    lockouts ended."""
    running = running_lockouts(user.get_username()).count()
    axes_reset(username=user.get_username())
    return running
