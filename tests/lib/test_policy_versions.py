"""Two admins saving one policy at once (issue 12): the incident SLAs, the special-case policy and
the access-review removal limit are versioned like a staff member. The second save is refused
with who changed it meanwhile, what was typed shown again, and the first change kept."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from accounts.roles import Role
from checks.models import SpecialCasePolicy
from incidents.models import IncidentPolicy
from lib import settings_row
from tests.conftest import make_user
from tests.races import posted_at_once

pytestmark = pytest.mark.django_db

CONFLICT = "Changed by dave-admin meanwhile — review and save again."


@dataclass(frozen=True)
class Policy:
    url: str
    field: str
    others: dict[str, str]  # the rest of a valid form, unchanged
    first: str  # dave's value
    second: str  # alice's value


POLICIES = {
    "incident SLAs": Policy(
        "/settings/incidents/",
        "high_sla_hours",
        {"medium_sla_hours": "72", "low_sla_hours": "168", "close_check_uses_sla": "on"},
        "24",
        "12",
    ),
    "special cases": Policy("/checks/special-case-policy/", "max_months", {}, "6", "3"),
    "review removal limit": Policy("/access/reviews/", "removal_days", {}, "14", "7"),
    # Required for Staff only: the admins saving it are not sent to set up their own.
    "two-factor policy": Policy(
        "/settings/users/two-factor/", "mode", {"roles": "Staff"}, "roles", "off"
    ),
}


def _stored(policy: Policy) -> str | None:
    """The value in the database, read without the product's forms."""
    from access.review_models import ReviewPolicy
    from accounts.models import MfaPolicy

    model = {
        "mode": MfaPolicy,
        "high_sla_hours": IncidentPolicy,
        "max_months": SpecialCasePolicy,
        "removal_days": ReviewPolicy,
    }[policy.field]
    row = model.objects.filter(pk=1).values_list(policy.field, flat=True).first()
    return None if row is None else str(row)


def _post(client: Client, policy: Policy, value: str, version: str | None) -> str:
    data = {**policy.others, policy.field: value}
    if version is not None:
        data["version"] = version
    response = client.post(policy.url, data, follow=True)
    assert response.status_code in (200, 400)  # Settings → Users answers a refusal with 400
    return response.content.decode()


@pytest.fixture
def dave(django_user_model) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(make_user(django_user_model, "dave-admin", Role.ADMIN))
    return client


@pytest.mark.parametrize("name", POLICIES)
def test_the_first_save_of_a_policy_over_one_made_meanwhile_is_refused(
    name: str, admin_client: Client, dave: Client
) -> None:
    policy = POLICIES[name]
    # Both admins open the page before anyone saved the policy: both forms carry version 0.
    for client in (admin_client, dave):
        assert 'name="version" value="0"' in client.get(policy.url).content.decode()
    _post(dave, policy, policy.first, "0")
    page = _post(admin_client, policy, policy.second, "0")
    assert CONFLICT in page
    assert f'value="{policy.second}"' in page  # what alice typed, shown again
    assert 'name="version" value="1"' in page  # now carrying dave's version
    assert _stored(policy) == policy.first
    # Saving again after a look is a deliberate overwrite.
    assert CONFLICT not in _post(admin_client, policy, policy.second, "1")
    assert _stored(policy) == policy.second


@pytest.mark.parametrize("name", POLICIES)
def test_a_policy_form_without_its_version_changes_a_saved_policy_not(
    name: str, admin_client: Client
) -> None:
    policy = POLICIES[name]
    _post(admin_client, policy, policy.first, "0")
    page = _post(admin_client, policy, policy.second, None)
    assert "This form has no version: reload the page and save again." in page
    assert _stored(policy) == policy.first


def test_a_save_on_the_current_version_is_recorded_once_in_the_history(
    admin_client: Client,
) -> None:
    policy = POLICIES["special cases"]
    _post(admin_client, policy, "6", "0")
    _post(admin_client, policy, "4", "1")
    row = SpecialCasePolicy.objects.get()
    assert (row.max_months, row.version) == (4, 2)
    assert [h.max_months for h in row.history.order_by("history_date")] == [6, 4]


on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers at once need PostgreSQL (DATABASE_URL=postgres://…)",
)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_a_policy_at_the_same_moment_keep_one_and_tell_the_other(
    admin_user, django_user_model, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    dave = make_user(django_user_model, "dave-admin", Role.ADMIN)
    both_validated = threading.Barrier(2, timeout=10)
    real = settings_row.settings_save

    def together(form):  # type: ignore[no-untyped-def]
        both_validated.wait()
        return real(form)

    monkeypatch.setattr("checks.views.settings_save", together)
    typed = {admin_user: "3", dave: "9"}
    url = POLICIES["special cases"].url

    def saving(months: str):  # type: ignore[no-untyped-def]
        return lambda client: client.post(url, {"max_months": months, "version": "0"}, follow=True)

    pages = posted_at_once({user: saving(months) for user, months in typed.items()})
    row = SpecialCasePolicy.objects.get()
    winner = next(user for user, months in typed.items() if str(row.max_months) == months)
    loser = dave if winner == admin_user else admin_user
    assert pages[winner.get_username()][0] == pages[loser.get_username()][0] == 200
    assert "Special-case policy saved." in pages[winner.get_username()][1]
    assert f"Changed by {winner.get_username()} meanwhile" in pages[loser.get_username()][1]
    assert row.version == 1 and row.history.count() == 1
