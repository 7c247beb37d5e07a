"""Single sign-on that succeeds: the button, the request to the IdP, the token exchange, and the
user and role the IdP's groups give (mocked IdP, `responses`)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from accounts.roles import Role
from accounts.services import user_role
from audit.display import describe
from tests.accounts.sso_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    TOKEN,
    USERINFO,
    id_token,
    person,
    pkce_challenge,
    sign_in,
    start,
)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_single_sign_on_only_when_configured(
    client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    assert "Sign in with" not in client.get("/login/").content.decode()

    settings.OIDC_ISSUER, settings.OIDC_RP_CLIENT_ID = ISSUER, CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET, settings.OIDC_PROVIDER_NAME = CLIENT_SECRET, "Okta"

    page = client.get("/login/?next=/incidents/").content.decode()
    assert "Sign in with Okta" in page
    assert 'href="/login/sso/?next=/incidents/"' in page


def test_start_sends_to_the_discovered_endpoint_with_state_nonce_and_pkce(sso, client) -> None:  # type: ignore[no-untyped-def]
    sent = start(client)

    assert sent["client_id"] == CLIENT_ID
    assert sent["response_type"] == "code"
    assert sent["redirect_uri"] == "http://testserver/login/sso/callback/"
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"] and sent["nonce"]
    assert sso.calls[0].request.url == f"{ISSUER}/.well-known/openid-configuration"


def test_a_newcomer_in_a_mapped_group_is_created_with_its_role(
    sso, client, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    response = sign_in(client, sso, person("Nico@Example.com", "eh-staff", given_name="Nico"))

    assert response.status_code == 302 and response["Location"] == "/"
    user = django_user_model.objects.get(email="Nico@Example.com")
    assert (user.username, user.first_name, user_role(user)) == (
        "nico@example.com",
        "Nico",
        Role.STAFF,
    )
    assert not user.has_usable_password()
    assert client.session["signed_in_with"] == "sso"
    assert client.get("/").status_code == 200


def test_the_code_is_exchanged_with_the_client_secret_and_the_pkce_verifier(sso, client) -> None:  # type: ignore[no-untyped-def]
    sent = start(client)
    claims = person("x@example.com", "eh-staff")
    sso.post(
        TOKEN, json={"access_token": "a", "id_token": id_token({**claims, "nonce": sent["nonce"]})}
    )
    sso.get(USERINFO, json=claims)

    response = client.get("/login/sso/callback/", {"code": "the-code", "state": sent["state"]})

    assert response.status_code == 302 and response["Location"] == "/"
    exchange = next(c.request for c in sso.calls if c.request.url == TOKEN)
    form = {k: v[0] for k, v in parse_qs(exchange.body).items()}
    assert form["code"] == "the-code"
    assert form["client_secret"] == CLIENT_SECRET
    assert pkce_challenge(form["code_verifier"]) == sent["code_challenge"]


def test_the_highest_role_of_several_groups_wins(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    sign_in(
        client, sso, person("multi@example.com", "eh-staff", "eh-admins", "eh-auditors", "other")
    )

    assert user_role(django_user_model.objects.get(email="multi@example.com")) == Role.ADMIN


def test_a_group_given_as_one_string_counts(sso, client, django_user_model, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OIDC_GROUPS_CLAIM = "roles"
    claims = {**person("one@example.com"), "roles": "eh-auditors"}

    sign_in(client, sso, claims)

    assert user_role(django_user_model.objects.get(email="one@example.com")) == Role.AUDITOR


def test_an_existing_user_is_matched_by_email_whatever_its_case(
    sso, client, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(django_user_model, "alice-admin", Role.ADMIN, email="alice@example.com")

    response = sign_in(client, sso, person("ALICE@Example.COM", "eh-admins"))

    assert response.status_code == 302
    assert django_user_model.objects.count() == 1
    assert int(client.session["_auth_user_id"]) == admin.pk


def test_the_role_follows_the_idp_at_every_sign_in_and_the_audit_log_says_so(  # type: ignore[no-untyped-def]
    sso, client, django_user_model
) -> None:
    make_user(django_user_model, "alice-admin", Role.ADMIN, email="alice@example.com")
    bob = make_user(django_user_model, "bob", Role.AUDITOR, email="bob@example.com")

    sign_in(client, sso, person("bob@example.com", "eh-admins"))

    assert user_role(bob) == Role.ADMIN
    entries = LogEntry.objects.get_for_object(bob).select_related("actor", "content_type")
    rows = [row for row in describe(list(entries)) if row.action == "Roles changed"]
    seen = {(c.before, c.after) for row in rows for c in row.changes if c.label == "Roles"}
    assert ("removed Auditor", "—") in seen and ("—", "added Compliance admin") in seen


def test_password_sign_in_still_works_beside_sso(sso, django_user_model) -> None:  # type: ignore[no-untyped-def]
    make_user(django_user_model, "carol", Role.STAFF)
    client = Client()

    response = client.post("/login/", {"username": "carol", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    assert "signed_in_with" not in client.session
    assert not any(c.request.url == TOKEN for c in sso.calls)


def test_a_deactivated_users_sso_session_ends_at_the_next_request(
    sso, client, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, sso, person("dana@example.com", "eh-staff"))
    django_user_model.objects.filter(email="dana@example.com").update(is_active=False)

    assert client.get("/")["Location"].startswith("/login/")


def test_the_group_of_a_role_is_what_grants_it(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    # The role is the app's group: its permissions come with it.
    sign_in(client, sso, person("erin@example.com", "eh-auditors"))

    user = django_user_model.objects.get(email="erin@example.com")
    assert list(user.groups.all()) == [Group.objects.get(name=Role.AUDITOR.value)]
    assert user.has_perm("audit.view_audit_log") and not user.has_perm("auth.add_user")
