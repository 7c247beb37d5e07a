"""Sign-in a security team accepts (issue 12, finding 1 and "must exist" 1 and 8): guessing is
locked out by username and by address and the audit log keeps each lockout and its unlocking;
sessions end when idle and after a fixed lifetime; signed-in answers carry no-store, and every
answer a Content-Security-Policy and a Permissions-Policy."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.middleware import SEEN_AT, SIGNED_IN_AT
from accounts.models import SignInLockout
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
WRONG = "not the password"


def _login(
    client: Client, username: str, password: str, *, path: str = "/login/", ip: str = "10.0.0.1"
):  # type: ignore[no-untyped-def]
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    answers = [_login(client, "alice-admin", WRONG).status_code for _ in range(5)]
    # The first four re-show the form; the fifth locks.
    assert answers[:4] == [200] * 4 and answers[4] == 429
    locked = _login(client, "alice-admin", PASSWORD)
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert "locked for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    (lockout,) = SignInLockout.objects.all()
    assert (lockout.username, lockout.ip_address, lockout.unlocked_at) == (
        "alice-admin",
        "10.0.0.1",
        None,
    )
    assert (lockout.locked_until - lockout.locked_at).total_seconds() == 15 * 60


def test_one_address_guessing_many_usernames_is_locked_out(admin_user, auditor_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for n in range(5):
        _login(client, f"guess-{n}", WRONG, ip="203.0.113.9")
    # A real user's right password from that address is refused too; from elsewhere it works.
    assert _login(client, "bob-auditor", PASSWORD, ip="203.0.113.9").status_code == 429
    assert _login(Client(), "bob-auditor", PASSWORD, ip="198.51.100.1").status_code == 302


def test_the_admin_site_login_is_locked_out_the_same_way(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(5):
        _login(client, "alice-admin", WRONG, path="/admin/login/")
    assert _login(client, "alice-admin", PASSWORD, path="/admin/login/").status_code == 429


def test_the_audit_log_shows_the_lockout_and_the_unlock(admin_user, auditor_client) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(5):
        _login(client, "alice-admin", WRONG)
    call_command("axes_reset_username", "alice-admin", verbosity=0)
    lockout = SignInLockout.objects.get()
    assert lockout.unlocked_at is not None
    page = auditor_client.get("/audit-log/").content.decode()
    assert "Locked out" in page and "alice-admin" in page and "Unlocked at" in page
    # Unlocked: the right password works again.
    assert _login(client, "alice-admin", PASSWORD).status_code == 302


def test_a_right_password_clears_earlier_failures(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(4):
        _login(client, "alice-admin", WRONG)
    assert _login(client, "alice-admin", PASSWORD).status_code == 302
    other = Client()
    for _ in range(4):
        assert _login(other, "alice-admin", WRONG).status_code == 200
    assert SignInLockout.objects.count() == 0


def _signed_in(username: str = "alice-admin") -> Client:
    client = Client()
    assert _login(client, username, PASSWORD).status_code == 302
    return client


def _age(client: Client, **seconds_ago: float) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_an_idle_session_ends_with_a_message(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    client = _signed_in()
    assert client.get("/incidents/").status_code == 200
    _age(client, **{SEEN_AT: settings.SESSION_IDLE_SECONDS + 5})
    response = client.get("/incidents/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in login


def test_activity_keeps_a_session_and_the_lifetime_ends_it_anyway(admin_user, settings) -> None:  # type: ignore[no-untyped-def]
    client = _signed_in()
    _age(client, **{SEEN_AT: settings.SESSION_IDLE_SECONDS - 60})
    assert client.get("/incidents/").status_code == 200
    _age(
        client,
        **{SIGNED_IN_AT: settings.SESSION_MAX_SECONDS + 5, SEEN_AT: 1},
    )
    response = client.get("/incidents/")
    assert response.status_code == 302
    assert "12 hours after signing in" in client.get(response["Location"]).content.decode()


def test_an_htmx_request_of_an_expired_session_sends_the_page_to_login(
    admin_user, settings
) -> None:  # type: ignore[no-untyped-def]
    client = _signed_in()
    _age(client, **{SEEN_AT: settings.SESSION_IDLE_SECONDS + 5})
    response = client.get("/incidents/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/login/")


def test_signed_in_answers_are_never_stored_and_every_answer_has_the_policies(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/incidents/")
    assert "no-store" in page["Cache-Control"]
    csp = page["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'"):
        assert directive in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "camera=()" in page["Permissions-Policy"]
    assert "geolocation=()" in page["Permissions-Policy"]
    anonymous = Client().get("/login/")
    assert "Content-Security-Policy" in anonymous and "Permissions-Policy" in anonymous


def test_unlocking_one_user_leaves_another_lockout_from_the_same_address(
    admin_user, auditor_user
) -> None:  # type: ignore[no-untyped-def]
    guesser = Client()
    for _ in range(5):
        _login(guesser, "alice-admin", WRONG, ip="203.0.113.7")
    for _ in range(2):
        _login(guesser, "bob-auditor", WRONG, ip="203.0.113.7")
    call_command("axes_reset_username", "bob-auditor", verbosity=0)
    # Alice's five failures still lock her: her lockout stays on record as running.
    (alice,) = SignInLockout.objects.filter(username="alice-admin")
    assert alice.unlocked_at is None
    assert _login(Client(), "alice-admin", PASSWORD, ip="198.51.100.2").status_code == 429
