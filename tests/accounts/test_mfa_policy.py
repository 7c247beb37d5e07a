"""Required two-factor authentication and its administration (issue 12, "must exist" 1 and 3):
an admin requires it for everyone or for roles; a user it is required for sets it up before any
other page and cannot turn it off; Settings → Users shows each user's status and an admin resets
it for a lost phone, in the audit log; auditors and staff change nothing."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import MfaPolicy
from accounts.roles import Role
from audit.display import describe
from tests.accounts.mfa_helpers import (
    add_authenticator,
    add_recovery_codes,
    code_for,
    signed_in_with_password,
    verified_client,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
POLICY = "/settings/users/two-factor/"
ACCOUNT = "/account/mfa/"


def _require(mode: str, *roles: str) -> None:
    MfaPolicy(pk=1, mode=mode, roles=list(roles)).save()


def test_an_admin_requires_it_for_chosen_roles_and_the_audit_log_says_so(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(POLICY, {"mode": "roles", "roles": ["Auditor", "Staff"]})
    assert response.status_code == 302
    policy = MfaPolicy.current()
    assert (policy.mode, policy.roles) == ("roles", ["Auditor", "Staff"])
    listing = admin_client.get("/settings/users/").content.decode()
    assert "Required for the roles chosen below: Auditor, Staff." in listing
    (row,) = describe(list(LogEntry.objects.get_for_model(MfaPolicy)))
    assert row.who == "alice-admin"
    changes = {c.label: (c.before, c.after) for c in row.changes}
    assert changes["Two-factor authentication"][1] == "Required for the roles chosen below"
    assert changes["Required for roles"] == ("—", "Auditor, Staff")


def test_roles_mode_without_a_role_is_refused_and_changes_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(POLICY, {"mode": "roles"})
    assert response.status_code == 400
    assert "Choose at least one role" in response.content.decode()
    assert not MfaPolicy.objects.exists()


@pytest.mark.parametrize("who", ["auditor_client", "staff_client"])
def test_auditors_and_staff_cannot_change_the_policy(request, who: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    assert client.post(POLICY, {"mode": "all"}).status_code == 403
    assert not MfaPolicy.objects.exists()
    assert not LogEntry.objects.get_for_model(MfaPolicy).exists()


def test_a_user_whose_role_requires_it_sets_it_up_before_anything_else(staff_user) -> None:  # type: ignore[no-untyped-def]
    _require("roles", "Staff")
    client = signed_in_with_password("carol-staff")
    response = client.get("/incidents/")
    assert response.status_code == 302 and response["Location"] == f"{ACCOUNT}?next=/incidents/"
    hx = client.get("/incidents/", HTTP_HX_REQUEST="true")
    assert hx["HX-Redirect"] == f"{ACCOUNT}?next=/incidents/"
    assert client.get("/account/password/").status_code == 302
    page = client.get(ACCOUNT).content.decode()
    assert "requires two-factor authentication for your role" in page

    client.post(ACCOUNT, {"action": "start"})
    device = TOTPDevice.objects.get(user=staff_user)
    assert client.get("/incidents/").status_code == 302  # not on until confirmed
    client.post(ACCOUNT, {"action": "confirm", "code": code_for(device)})
    assert client.get("/incidents/").status_code == 200


def test_required_for_every_user_covers_every_role(auditor_user, admin_user) -> None:  # type: ignore[no-untyped-def]
    _require("all")
    for username in ("bob-auditor", "alice-admin"):
        assert signed_in_with_password(username).get("/").status_code == 302


def test_roles_not_chosen_are_not_stopped(admin_user) -> None:  # type: ignore[no-untyped-def]
    _require("roles", "Staff")
    assert signed_in_with_password("alice-admin").get("/").status_code == 200


def test_turning_off_is_refused_when_the_role_requires_it(admin_user) -> None:  # type: ignore[no-untyped-def]
    _require("roles", "Compliance admin")
    device = add_authenticator(admin_user)
    client = verified_client(admin_user, device)
    page = client.get(ACCOUNT).content.decode()
    assert "it cannot be turned off" in page
    response = client.post(ACCOUNT, {"action": "off", "code": code_for(device)}, follow=True)
    assert response.status_code == 200
    assert "stays on: the admin&#x27;s policy requires it for your role" in (
        response.content.decode()
    )
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()


def test_the_users_page_shows_each_users_two_factor_status(
    admin_user, auditor_user, staff_user
) -> None:  # type: ignore[no-untyped-def]
    _require("roles", "Auditor")
    admin_client = verified_client(admin_user, add_authenticator(admin_user))
    listing = admin_client.get("/settings/users/").content.decode()
    rows = {
        name: listing.split(f">{name}</a>")[1].split("</tr>")[0]
        for name in ("alice-admin", "bob-auditor", "carol-staff")
    }
    assert "On since" in rows["alice-admin"]
    assert "Required but not set up" in rows["bob-auditor"]
    assert "<td>Off</td>" in rows["carol-staff"]
    detail = admin_client.get(f"/settings/users/{auditor_user.pk}/").content.decode()
    assert "Required but not set up" in detail and "Last sign-in" in detail


def test_an_admin_resets_a_lost_phone_and_the_audit_log_names_them(
    admin_client, staff_user
) -> None:  # type: ignore[no-untyped-def]
    add_authenticator(staff_user)
    add_recovery_codes(staff_user, "abcd2efgh3")
    page = admin_client.get(f"/settings/users/{staff_user.pk}/").content.decode()
    assert "Reset two-factor authentication" in page
    response = admin_client.post(
        f"/settings/users/{staff_user.pk}/", {"action": "mfa-reset"}, follow=True
    )
    assert "was reset" in response.content.decode()
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    removals = describe(
        list(LogEntry.objects.filter(action=LogEntry.Action.DELETE).order_by("timestamp"))
    )
    assert {(r.who, r.object_type, r.action) for r in removals} == {
        ("alice-admin", "Two-factor authenticator", "Deleted"),
        ("alice-admin", "Two-factor recovery codes", "Deleted"),
    }
    assert all("carol-staff" in r.object for r in removals)
    # The secret key is never in the log.
    assert "key" not in {c.label for r in describe(list(LogEntry.objects.all())) for c in r.changes}


@pytest.mark.parametrize("who", ["auditor_client", "staff_client"])
def test_only_admins_reset(request, django_user_model, who: str) -> None:  # type: ignore[no-untyped-def]
    dave = make_user(django_user_model, "dave", Role.STAFF)
    add_authenticator(dave)
    client = request.getfixturevalue(who)
    assert client.post(f"/settings/users/{dave.pk}/", {"action": "mfa-reset"}).status_code == 403
    assert TOTPDevice.objects.filter(user=dave).exists()


def test_a_reset_user_with_mfa_required_sets_it_up_again(admin_client, staff_user) -> None:  # type: ignore[no-untyped-def]
    _require("roles", "Staff")
    device = add_authenticator(staff_user)
    client = verified_client(staff_user, device)
    assert client.get("/incidents/").status_code == 200
    admin_client.post(f"/settings/users/{staff_user.pk}/", {"action": "mfa-reset"})
    response = client.get("/incidents/")
    assert response.status_code == 302 and response["Location"].startswith(ACCOUNT)
