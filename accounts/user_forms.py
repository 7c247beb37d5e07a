"""Forms of Settings → Users."""

from __future__ import annotations

from django import forms

from accounts.roles import Role
from accounts.services import USERNAME_MAX

ROLE_CHOICES = [(role.name.lower(), role.value) for role in Role]


def role_of(choice: str) -> Role:
    return Role[choice.upper()]


class UserNewForm(forms.Form):
    username = forms.CharField(max_length=USERNAME_MAX, strip=True)
    email = forms.EmailField(required=False, max_length=254)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="staff")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
