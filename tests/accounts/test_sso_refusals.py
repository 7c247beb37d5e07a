"""Single sign-on that must not sign anyone in: each refusal lands on the login page with a
message that says why, creates and changes nobody, and nothing makes a 500."""

from __future__ import annotations

import html

import pytest
import requests
from django.test import Client

from accounts.roles import Role
from accounts.services import user_role
from tests.accounts.sso_support import (
    ISSUER,
    JWKS,
    TOKEN,
    USERINFO,
    id_token,
    new_key,
    person,
    shown_messages,
    sign_in,
    start,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
DID_NOT_COMPLETE = "Sign-in with single sign-on did not complete. Please try again."


def refused(client: Client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    return html.unescape(shown_messages(client))


def test_someone_in_no_mapped_group_is_told_which_groups_and_no_user_is_created(  # type: ignore[no-untyped-def]
    sso, client, django_user_model
) -> None:
    response = sign_in(client, sso, person("otto@example.com", "contractors"))

    assert (
        "Your identity provider account is not in a group that grants access to EvidenceHub; "
        "ask your administrator to add you to one of: eh-admins, eh-auditors, eh-staff."
    ) in refused(client, response)
    assert not django_user_model.objects.exists()


def test_a_deactivated_user_is_refused_and_keeps_their_role(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    gone = make_user(
        django_user_model, "gone", Role.STAFF, email="gone@example.com", is_active=False
    )

    response = sign_in(client, sso, person("gone@example.com", "eh-admins"))

    assert "Your EvidenceHub account is deactivated." in refused(client, response)
    assert user_role(gone) == Role.STAFF


def test_a_newcomer_whose_email_is_taken_as_another_users_name_is_refused(  # type: ignore[no-untyped-def]
    sso, client, django_user_model
) -> None:
    # Someone was added by hand under the name "nora@example.com" with another address.
    make_user(django_user_model, "Nora@example.com", Role.STAFF, email="nora.k@example.com")

    response = sign_in(client, sso, person("nora@example.com", "eh-admins"))

    message = refused(client, response)
    assert "EvidenceHub cannot create your account: A user named" in message
    assert "Ask your administrator." in message
    assert django_user_model.objects.count() == 1


def test_an_unverified_email_is_refused(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    make_user(django_user_model, "alice", Role.ADMIN, email="alice@example.com")

    response = sign_in(client, sso, person("alice@example.com", "eh-admins", email_verified=False))

    assert "has not verified your email address alice@example.com" in refused(client, response)


def test_the_idp_saying_access_denied_lands_on_the_login_page_with_a_message(sso, client) -> None:  # type: ignore[no-untyped-def]
    sent = start(client)

    response = client.get(
        "/login/sso/callback/", {"error": "access_denied", "state": sent["state"]}
    )

    assert "was cancelled or refused by the identity provider" in refused(client, response)


def test_another_idp_error_is_named_but_markup_in_it_is_not_repeated(sso, client) -> None:  # type: ignore[no-untyped-def]
    assert "refused the sign-in (server_error)" in refused(
        client, client.get("/login/sso/callback/", {"error": "server_error"})
    )
    page = refused(client, client.get("/login/sso/callback/", {"error": "<b>x</b>"}))
    assert "The identity provider refused the sign-in. Please try again" in page
    assert "<b>x</b>" not in page


def test_a_forged_state_is_refused_without_calling_the_idp(sso, client) -> None:  # type: ignore[no-untyped-def]
    start(client)

    response = client.get("/login/sso/callback/", {"code": "c", "state": "forged"})

    assert DID_NOT_COMPLETE in refused(client, response)
    assert not any(call.request.url == TOKEN for call in sso.calls)


def test_a_callback_without_any_sign_in_started_is_refused(sso) -> None:  # type: ignore[no-untyped-def]
    client = Client()

    response = client.get("/login/sso/callback/", {"code": "c", "state": "s"})

    assert DID_NOT_COMPLETE in refused(client, response)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda claims: id_token(claims, key=new_key()), id="signed-by-another-key"),
        pytest.param(lambda claims: id_token(claims, aud="another-app"), id="for-another-app"),
        pytest.param(
            lambda claims: id_token(claims, iss="https://evil.example"), id="other-issuer"
        ),
        pytest.param(lambda claims: id_token(claims, exp=1_000_000), id="expired"),
        pytest.param(lambda claims: id_token(claims)[:-4] + "AAAA", id="signature-altered"),
        pytest.param(lambda claims: "not-a-jwt", id="garbage"),
    ],
)
def test_a_tampered_id_token_signs_nobody_in(sso, client, django_user_model, tamper) -> None:  # type: ignore[no-untyped-def]
    sent = start(client)
    claims = {**person("mallory@example.com", "eh-admins"), "nonce": sent["nonce"]}
    sso.post(TOKEN, json={"access_token": "a", "id_token": tamper(claims)})
    sso.get(USERINFO, json=claims)

    response = client.get("/login/sso/callback/", {"code": "c", "state": sent["state"]})

    assert DID_NOT_COMPLETE in refused(client, response)
    assert not django_user_model.objects.exists()


def test_a_wrong_nonce_signs_nobody_in(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    claims = {**person("m@example.com", "eh-staff"), "nonce": "replayed"}

    response = sign_in(client, sso, claims, token=id_token(claims))

    assert DID_NOT_COMPLETE in refused(client, response)
    assert not django_user_model.objects.exists()


def test_userinfo_about_someone_else_is_not_used(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    claims = person("me@example.com", "eh-staff")

    response = sign_in(client, sso, claims, userinfo=person("boss@example.com", "eh-admins"))

    assert DID_NOT_COMPLETE in refused(client, response)
    assert not django_user_model.objects.exists()


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 400, "json": {"error": "invalid_grant"}},
        {"status": 200, "body": "not json"},
        {"body": requests.ConnectionError("down")},
    ],
    ids=["refused", "nonsense", "unreachable"],
)
def test_a_failing_token_endpoint_is_a_message_not_a_500(sso, client, answer) -> None:  # type: ignore[no-untyped-def]
    sent = start(client)
    sso.post(TOKEN, **answer)

    response = client.get("/login/sso/callback/", {"code": "c", "state": sent["state"]})

    assert DID_NOT_COMPLETE in refused(client, response)


def test_a_failing_jwks_is_a_message_not_a_500(sso, client) -> None:  # type: ignore[no-untyped-def]
    sso.replace("GET", JWKS, json={"keys": []})

    response = sign_in(client, sso, person("j@example.com", "eh-staff"))

    assert DID_NOT_COMPLETE in refused(client, response)


def test_a_discovery_document_naming_another_issuer_is_not_used(sso, client) -> None:  # type: ignore[no-untyped-def]
    sso.replace(
        "GET",
        f"{ISSUER}/.well-known/openid-configuration",
        json={"issuer": "https://evil.example", "authorization_endpoint": "https://evil.example/a",
              "token_endpoint": "https://evil.example/t", "jwks_uri": "https://evil.example/k"},
    )  # fmt: skip

    response = client.get("/login/sso/")

    assert "Sign-in with single sign-on is not available right now" in refused(client, response)


def test_the_idp_cannot_take_the_role_of_the_last_admin(sso, client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    only = make_user(django_user_model, "only", Role.ADMIN, email="only@example.com")

    response = sign_in(client, sso, person("only@example.com", "eh-staff"))

    assert "you are EvidenceHub's only active compliance admin" in refused(client, response)
    assert user_role(only) == Role.ADMIN
