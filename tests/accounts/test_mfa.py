"""Two-factor authentication (issue 12, "must exist" 1): a user sets up an authenticator app,
confirmed by a code before it counts; signing in then asks for a code before any page; a
recovery code works once; wrong codes are throttled and count towards the lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SignInLockout
from tests.accounts.mfa_helpers import (
    add_authenticator,
    add_recovery_codes,
    code_for,
    signed_in_with_password,
    verified_client,
    wrong_code_for,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
VERIFY = "/account/mfa/verify/"
ACCOUNT = "/account/mfa/"


@pytest.fixture(autouse=True)
def no_throttle_unless_asked(settings) -> None:  # type: ignore[no-untyped-def]
    # django-otp makes the next try after a wrong code wait 1, 2, 4… s; tests that follow a wrong
    # code with a right one are not about that (test_wrong_codes_are_throttled is).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# Set-up


def test_setting_up_shows_a_qr_code_and_the_key_and_turns_on_only_with_the_right_code(
    admin_client, admin_user
) -> None:  # type: ignore[no-untyped-def]
    assert "<strong>Off</strong>" in _text(admin_client.get(ACCOUNT))
    assert admin_client.post(ACCOUNT, {"action": "start"}).status_code == 302
    page = _text(admin_client.get(ACCOUNT))
    device = TOTPDevice.objects.get(user=admin_user)
    assert '<div class="qr"><svg' in page  # inline SVG: nothing for the CSP to allow
    typed_key = re.search(r'<code class="secret-link">([A-Z2-7 ]+)</code>', page).group(1)
    from base64 import b32decode

    assert b32decode(typed_key.replace(" ", "")) == device.bin_key

    wrong = admin_client.post(ACCOUNT, {"action": "confirm", "code": wrong_code_for(device)})
    assert wrong.status_code == 400
    assert "Wrong code" in _text(wrong) and "still off" in _text(wrong)
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.exists()

    right = admin_client.post(ACCOUNT, {"action": "confirm", "code": code_for(device)})
    assert right.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", _text(right))
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    page = _text(admin_client.get(ACCOUNT))
    assert "<strong>On</strong>" in page and "Recovery codes left: 10" in page
    assert "secret-link" not in page  # the key is never shown again
    turned_on = LogEntry.objects.get_for_model(TOTPDevice).filter(action=LogEntry.Action.UPDATE)
    assert turned_on.get().changes_dict["confirmed"] == ["False", "True"]
    assert device.key not in str(list(LogEntry.objects.values()))


def test_new_recovery_codes_replace_the_old(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    add_recovery_codes(admin_user, "oldcode234")
    client = verified_client(admin_user, device)
    codes = re.findall(
        r"<li><code>([a-z2-7]+)</code></li>", _text(client.post(ACCOUNT, {"action": "codes"}))
    )
    assert len(codes) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)


# Sign-in


def test_signing_in_asks_for_a_code_before_any_page(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    client = signed_in_with_password("alice-admin")
    home = client.get("/incidents/")
    assert home.status_code == 302 and home["Location"] == f"{VERIFY}?next=/incidents/"
    page = client.get(home["Location"])
    assert "Enter your code" in _text(page)
    assert 'href="/incidents/"' not in _text(page)  # no navigation before the code

    wrong = client.post(VERIFY, {"code": wrong_code_for(device), "next": "/incidents/"})
    assert wrong.status_code == 400 and "Wrong code" in _text(wrong)
    assert client.get("/incidents/").status_code == 302

    right = client.post(VERIFY, {"code": code_for(device), "next": "/incidents/"})
    assert right.status_code == 302 and right["Location"] == "/incidents/"
    assert client.get("/incidents/").status_code == 200
    # Using the device is not a change of configuration: the audit log has its creation only.
    assert LogEntry.objects.get_for_model(TOTPDevice).count() == 1


def test_confirming_without_starting_changes_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(ACCOUNT, {"action": "confirm", "code": "123456"})
    assert "start the set-up first" in _text(response)
    assert not TOTPDevice.objects.exists()


def test_until_the_code_the_admin_site_and_htmx_requests_go_to_the_code_page(
    django_user_model,
) -> None:  # type: ignore[no-untyped-def]
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    add_authenticator(root)
    client = signed_in_with_password("root")
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith(VERIFY)
    fragment = client.get("/incidents/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == f"{VERIFY}?next=/incidents/"
    assert client.post("/settings/users/new/", {"username": "x"}).status_code == 302
    assert not django_user_model.objects.filter(username="x").exists()


def test_logging_out_works_before_the_code(admin_user) -> None:  # type: ignore[no-untyped-def]
    add_authenticator(admin_user)
    client = signed_in_with_password("alice-admin")
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(admin_user) -> None:  # type: ignore[no-untyped-def]
    add_authenticator(admin_user)
    add_recovery_codes(admin_user, "abcd2efgh3", "other7code")
    first = signed_in_with_password("alice-admin")
    # Typed with capitals and a space, as people copy them.
    assert first.post(VERIFY, {"code": "ABCD2 EFGH3"}).status_code == 302
    assert first.get("/").status_code == 200
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["other7code"]

    again = signed_in_with_password("alice-admin")
    refused = again.post(VERIFY, {"code": "abcd2efgh3"})
    assert refused.status_code == 400 and "Wrong code" in _text(refused)
    assert again.get("/").status_code == 302


def test_wrong_codes_are_throttled(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = add_authenticator(admin_user)
    # Three wrong codes just now: the next try must wait 4 s, even with the right code.
    device.throttling_failure_count = 3
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    client = signed_in_with_password("alice-admin")
    refused = client.post(VERIFY, {"code": code_for(device)})
    assert refused.status_code == 400
    assert "Too many wrong codes in a row: wait" in _text(refused)
    assert client.get("/").status_code == 302
    # Once the wait is over, the right code works.
    device.throttling_failure_timestamp = timezone.now() - timedelta(minutes=1)
    device.save()
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_wrong_codes_count_towards_the_sign_in_lockout(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    client = signed_in_with_password("alice-admin")
    answers = [client.post(VERIFY, {"code": wrong_code_for(device)}) for _ in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    assert "Sign-in locked" in _text(answers[-1])
    assert "_auth_user_id" not in client.session  # the half-signed-in session ended
    assert SignInLockout.objects.get().username == "alice-admin"
    # The right password is now refused too.
    response = Client().post("/login/", {"username": "alice-admin", "password": PASSWORD})
    assert response.status_code == 429


def test_users_without_mfa_are_not_stopped(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get("/incidents/").status_code == 200
    # Nothing to verify: the code page sends them on.
    response = admin_client.get(f"{VERIFY}?next=/incidents/")
    assert response.status_code == 302 and response["Location"] == "/incidents/"


def test_the_code_page_never_sends_elsewhere(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    client = signed_in_with_password("alice-admin")
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(("trust", "needs_code"), [(True, False), (False, True)])
def test_a_single_sign_on_session_is_trusted_only_while_mfa_trust_sso_is_on(
    admin_user, settings, trust: bool, needs_code: bool
) -> None:  # type: ignore[no-untyped-def]
    settings.MFA_TRUST_SSO = trust
    add_authenticator(admin_user)
    client = Client()
    client.force_login(admin_user)
    session = client.session
    session["signed_in_with"] = "sso"
    session.save()
    assert (client.get("/").status_code == 302) is needs_code


# Turning off


def test_turning_off_needs_the_password_or_a_current_code(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    add_recovery_codes(admin_user, "abcd2efgh3")
    client = verified_client(admin_user, device)
    nothing = client.post(ACCOUNT, {"action": "off"})
    assert nothing.status_code == 400 and "password or a current code" in _text(nothing)
    wrong = client.post(ACCOUNT, {"action": "off", "password": "not it"})
    assert wrong.status_code == 400 and "Wrong password" in _text(wrong)
    assert TOTPDevice.objects.filter(user=admin_user).exists()

    assert client.post(ACCOUNT, {"action": "off", "code": code_for(device)}).status_code == 302
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert "<strong>Off</strong>" in _text(client.get(ACCOUNT))


def test_turning_off_with_the_password(admin_user) -> None:  # type: ignore[no-untyped-def]
    device = add_authenticator(admin_user)
    client = verified_client(admin_user, device)
    assert client.post(ACCOUNT, {"action": "off", "password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.exists()
    assert client.get("/").status_code == 200
