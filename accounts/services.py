from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.roles import Role


@transaction.atomic
def user_create_or_update(
    *, username: str, role: Role, password: str, email: str = "", update: bool = False
) -> tuple[AbstractUser, bool]:
    """Create a user with exactly one role; with ``update``, reset an existing user's role and
    password instead of refusing."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is not None and not update:
        raise ValueError(f"A user named {username!r} already exists (use --update to reset it).")
    created = user is None
    if user is None:
        user = user_model(username=username)
    validate_password(password, user)
    user.email = email or user.email
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    return user, created


def user_role(user: AbstractUser) -> Role | None:
    names = {group.name for group in user.groups.all()}
    for role in Role:
        if role.value in names:
            return role
    return None
