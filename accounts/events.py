"""What happens to the app's own users, told to the notification channels (lib/events.py).

The services call these inside the transaction that makes the change: a refused or rolled-back
change tells nobody. Each is news of its own, so each kind has its own alias
(``user:<pk>:created``, ``:role``, ``:deleted``): under one alias per user, an alert still open
(nobody closes "created") would swallow the next event as a repeat, as OpsGenie counts an open
alias instead of alerting again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.urls import reverse

from accounts.roles import Role
from lib.events import Event, EventType, emit


def _who(user: AbstractUser) -> str:
    """The username, with the person's name and email where known."""
    name = user.get_full_name()
    extra = ", ".join(part for part in (name, user.email) if part)
    return f"{user.username} ({extra})" if extra else user.username


def _role(role: Role | None) -> str:
    return role.value if role is not None else "no role"


def _emit(
    user: AbstractUser,
    event_type: EventType,
    *,
    kind: str,
    message: str,
    description: str,
    details: dict[str, str],
    links: tuple[tuple[str, str], ...] | None = None,
) -> None:
    """One event about ``user``, under its alias for this ``kind`` of news, linking to the
    user's page unless ``links`` says otherwise."""
    emit(
        Event(
            type=event_type,
            alias=f"user:{user.pk}:{kind}",
            message=message,
            description=description,
            entity=user.username,
            links=links or (("User", reverse("accounts:user", kwargs={"user": user.pk})),),
            details={"user": user.username, **details},
            tags=("user",),
        )
    )


def emit_user_created(user: AbstractUser, *, role: Role, how: str) -> None:
    """``how``: where the user was made ("Settings → Users", "the create_user command")."""
    _emit(
        user,
        EventType.USER_CREATED,
        kind="created",
        message=f"User created: {user.username} ({role.value})",
        description=f"{_who(user)} was created as {role.value}, through {how}.",
        details={"role": role.value, "created through": how},
    )


def emit_user_role_changed(user: AbstractUser, *, before: Role | None, after: Role) -> None:
    _emit(
        user,
        EventType.USER_ROLE_CHANGED,
        kind="role",
        message=f"User role changed: {user.username} is now {after.value}",
        description=f"The role of {_who(user)} changed: {_role(before)} → {after.value}.",
        details={"before": _role(before), "after": after.value},
    )


def emit_user_deactivated(user: AbstractUser, *, role: Role | None, by: AbstractBaseUser) -> None:
    _emit(
        user,
        EventType.USER_DELETED,
        kind="deleted",
        message=f"User deactivated: {user.username}",
        description=f"{_who(user)} ({_role(role)}) was deactivated by {by.get_username()}: "
        "their sessions end at their next request.",
        details={"role": _role(role), "by": by.get_username()},
    )


def emit_user_deleted(user: AbstractUser) -> None:
    """A user row deleted (only the Django admin or a shell can: the app deactivates)."""
    _emit(
        user,
        EventType.USER_DELETED,
        kind="deleted",
        message=f"User deleted: {user.username}",
        description=f"{_who(user)} was deleted from EvidenceHub.",
        details={},
        # Its own page is gone with it.
        links=(("Users", reverse("accounts:users")),),
    )


def user_deleted_receiver(sender: type, instance: AbstractUser, **kwargs: Any) -> None:
    """post_delete of the user model: sent inside the deletion's transaction."""
    emit_user_deleted(instance)
