"""`sso`: single sign-on configured against a mocked identity provider. The URL walks' world
(a real id for every kind of object a URL names) is tests/accounts/walk_world.py."""

from __future__ import annotations

from tests.accounts.sso_support import sso  # noqa: F401 - single sign-on against a mocked IdP
