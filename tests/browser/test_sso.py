"""Sign in with single sign-on, in Chromium, through the sandbox's OpenID provider: its consent
page, back to the dashboard as the admin; the outsider refused on the login page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_sandbox(sandbox, settings, transactional_db):  # type: ignore[no-untyped-def]
    """Single sign-on pointed at the sandbox's OpenID provider, as `make run` does."""
    from accounts.sso.config import forget_discovery

    env = sandbox.env()
    settings.OIDC_ISSUER = env["OIDC_ISSUER"]
    settings.OIDC_RP_CLIENT_ID = env["OIDC_RP_CLIENT_ID"]
    settings.OIDC_RP_CLIENT_SECRET = env["OIDC_RP_CLIENT_SECRET"]
    settings.OIDC_ROLE_GROUPS = dict(pair.split("=") for pair in env["OIDC_ROLE_GROUPS"].split(","))
    forget_discovery()
    yield sandbox
    forget_discovery()


def test_the_admin_signs_in_with_single_sign_on(
    page, live_server, sso_sandbox, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from accounts.roles import Role
    from tests.conftest import make_user

    make_user(django_user_model, "admin", Role.ADMIN, email="admin@evidencehub.test")
    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()

    expect(page).to_have_url(re.compile(r"/oidc/authorize\?"))
    page.get_by_label(re.compile(r"Ada Admin")).check()
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".who")).to_have_text("admin · Compliance admin")


def test_the_outsider_is_told_which_groups_grant_access(page, live_server, sso_sandbox) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.get_by_label(re.compile(r"Otto Outsider")).check()
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.get_by_role("status")).to_contain_text(
        "ask your administrator to add you to one of: evidencehub-admins"
    )
