"""Walk every URL the project defines, as every role and anonymously, for GET and POST.

A URL missing from EXPECTED fails the suite, so a new view cannot ship without a decision here
about who may read and write it (and the view's own server-side check must match).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.accounts import walk_world as world

# The URL walks' world, built once a module (these stand for tests/conftest.py's users here).
walk_world = world.walk_world
samples = world.samples
connected_opsgenie = world.connected_opsgenie
admin_user, auditor_user, staff_user = world.admin_user, world.auditor_user, world.staff_user

LOGGED_OUT = 1302  # a redirect to the login page, expected only from logging out
ROLES = ("admin", "auditor", "staff")

# path -> {method: {role: expected status}}. 302 means "a redirect that is not to the login page".
R_ADMIN_ONLY = {"admin": 200, "auditor": 403, "staff": 403}
R_READERS = {"admin": 200, "auditor": 200, "staff": 403}
EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "/": {"GET": {"admin": 200, "auditor": 200, "staff": 200}, "POST": dict.fromkeys(ROLES, 405)},
    "/login/": {"GET": dict.fromkeys(ROLES, 302), "POST": dict.fromkeys(ROLES, 302)},
    # Single sign-on: not configured in the test settings, so nothing there (tests/accounts/sso
    # cover it configured); the library's views answer GET only.
    "/login/sso/": {"GET": dict.fromkeys(ROLES, 404), "POST": dict.fromkeys(ROLES, 405)},
    "/login/sso/callback/": {
        "GET": dict.fromkeys(ROLES, 404),
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/logout/": {"GET": dict.fromkeys(ROLES, 405), "POST": dict.fromkeys(ROLES, LOGGED_OUT)},
    # Everyone changes their own password; an empty POST re-shows the form with its errors.
    "/account/password/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 200)},
    # Every user's own two-factor set-up; an empty POST changes nothing and says so (200).
    "/account/mfa/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 200)},
    # The code page of sign-in sends a session that owes no code on to the home page.
    "/account/mfa/verify/": {"GET": dict.fromkeys(ROLES, 302), "POST": dict.fromkeys(ROLES, 302)},
    # The one-time set-password link works signed out; an invalid one says so (200).
    "/account/set-password/<uidb64>/<token>/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 200),
    },
    "/account/set-password/done/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    # Settings → Users: admins change, auditors read. An empty POST adds nobody (400, the
    # form's errors) and changes nobody (200, "the form did not say what to do").
    "/settings/users/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    "/settings/users/new/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 400, "auditor": 403, "staff": 403},
    },
    # Who must use two-factor authentication: admins set it, auditors read it; an empty POST
    # re-shows the form with its error (400).
    "/settings/users/two-factor/": {
        "GET": R_READERS,
        "POST": {"admin": 400, "auditor": 403, "staff": 403},
    },
    "/settings/users/<user>/": {
        "GET": R_READERS,
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    "/account/password/done/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/integrations/": {
        "GET": {"admin": 200, "auditor": 200, "staff": 403},
        "POST": {"admin": 405, "auditor": 405, "staff": 405},
    },
    "/settings/integrations/opsgenie/": {
        "GET": {"admin": 200, "auditor": 200, "staff": 403},
        "POST": dict.fromkeys(ROLES, 405),
    },
    # The Review step's POST keeps the streams chosen and goes on to the details step.
    "/settings/integrations/opsgenie/connect/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/opsgenie/connect/details/": {
        "GET": R_ADMIN_ONLY,
        # An empty POST re-renders the form with errors for an admin.
        "POST": R_ADMIN_ONLY,
    },
    # POST only; an admin's POST without a held key re-renders the step: "enter the key again".
    "/settings/integrations/opsgenie/connect/other-region/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": R_ADMIN_ONLY,
    },
    "/settings/integrations/opsgenie/edit/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/settings/integrations/opsgenie/disconnect/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/pagerduty/": {
        "GET": {"admin": 200, "auditor": 200, "staff": 403},
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/integrations/pagerduty/connect/": {
        "GET": R_ADMIN_ONLY,
        "POST": dict.fromkeys(ROLES, 405),
    },
    # Only a POST starts the authorization (to PagerDuty's identity host).
    "/settings/integrations/pagerduty/connect/oauth/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/pagerduty/connect/key/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/settings/integrations/pagerduty/connect/key/other-region/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": R_ADMIN_ONLY,
    },
    # Without the state this session started, even an admin's callback is refused.
    "/settings/integrations/pagerduty/oauth/callback/": {
        "GET": dict.fromkeys(ROLES, 403),
        "POST": dict.fromkeys(ROLES, 405),
    },
    # An empty POST re-renders the form with errors for an admin.
    "/settings/integrations/pagerduty/services/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/settings/integrations/pagerduty/disconnect/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # Jira Service Management is not connected in the walk: its page sends an admin to the
    # wizard (auditors: nothing to show, 404); edit and disconnect send an admin there too.
    "/settings/integrations/jsm/": {
        "GET": {"admin": 302, "auditor": 404, "staff": 403},
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/integrations/jsm/connect/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # An empty POST re-renders the form with errors for an admin.
    "/settings/integrations/jsm/connect/details/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/settings/integrations/jsm/edit/": {
        "GET": {"admin": 302, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/jsm/disconnect/": {
        "GET": {"admin": 302, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/<provider>/sync/": {
        "GET": dict.fromkeys(ROLES, 405),
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/<provider>/sync/status/": {
        "GET": {"admin": 200, "auditor": 200, "staff": 403},
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/integrations/<provider>/sync/history/": {
        "GET": {"admin": 200, "auditor": 200, "staff": 403},
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/integrations/<provider>/sync/frequency/": {
        "GET": dict.fromkeys(ROLES, 405),
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/integrations/<provider>/streams/": {
        "GET": dict.fromkeys(ROLES, 405),
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # The move off OpsGenie: GET goes back to the connection page; an empty POST is refused
    # there with its reason.
    "/settings/integrations/<provider>/move/": {
        "GET": {"admin": 302, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # Resuming a moved connection whose successor was disconnected: refused there with its
    # reason when there is no such move.
    "/settings/integrations/<provider>/move/resume/": {
        "GET": {"admin": 302, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/incidents/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    "/incidents/report/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    "/incidents/<pk>/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    # A move's incidents: who reads the connection reads it; an empty match is refused (302).
    "/incidents/moved/<connection_id>/": {
        "GET": R_READERS,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # The Data library: every role reads it, nobody writes.
    "/incidents/library/alerts/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/incidents/library/alerts/<alert>/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/incidents/library/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    "/incidents/library/<library_kind>/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/incidents/library/<library_kind>/<library_object>/": {
        "GET": dict.fromkeys(ROLES, 200),
        "POST": dict.fromkeys(ROLES, 405),
    },
    # An empty POST re-renders the form with errors; the form is on the incident's page.
    "/incidents/<pk>/data-loss/": {
        "GET": dict.fromkeys(ROLES, 405),
        "POST": {"admin": 200, "auditor": 403, "staff": 200},
    },
    # An empty POST re-renders the form with its errors for an admin.
    "/access/": {"GET": R_READERS, "POST": {"admin": 200, "auditor": 403, "staff": 403}},
    "/access/systems/<system>/": {
        "GET": R_READERS,
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    "/access/accounts/<account>/": {
        "GET": R_READERS,
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    # Access reviews. An empty POST re-renders the removal limit's form with its errors.
    "/access/reviews/": {"GET": R_READERS, "POST": {"admin": 200, "auditor": 403, "staff": 403}},
    "/access/reviews/new/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/access/reviews/<review>/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    "/access/reviews/<review>/decisions.csv": {
        "GET": R_READERS,
        "POST": dict.fromkeys(ROLES, 405),
    },
    # POST only. Any user reaches it, the view lets through admins and the review's reviewers
    # (the sample's only item is the admin's); an empty POST is refused with a message.
    "/access/reviews/<review>/keep/": {
        "GET": dict.fromkeys(ROLES, 405),
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # Refused with a message while an item is pending: nothing is signed off.
    "/access/reviews/<review>/sign-off/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # The item's reviewer (here the admin) and admins decide; auditors read. An empty POST
    # re-renders the form with its errors.
    "/access/reviews/<review>/items/<item>/": {
        "GET": R_READERS,
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    # Every user's own assigned items (none here but the admin's).
    "/access/my-reviews/": {"GET": dict.fromkeys(ROLES, 200), "POST": dict.fromkeys(ROLES, 405)},
    "/checks/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    "/checks/<key>/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    # An empty POST re-renders the form with its errors for an admin.
    "/checks/<key>/special-cases/": {
        "GET": {"admin": 405, "auditor": 405, "staff": 403},
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    # Ending asks for a confirmation and a reason: a page only an admin may open.
    "/checks/<key>/special-cases/<case>/end/": {
        "GET": {"admin": 200, "auditor": 403, "staff": 403},
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    "/checks/special-case-policy/": {
        "GET": R_READERS,
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
    "/checks/<key>/special-cases/<case>/attachment/": {
        "GET": R_READERS,
        "POST": dict.fromkeys(ROLES, 405),
    },
    # The export page: a POST starts an export (a worker builds it); an empty one starts
    # nothing and says which dates are missing (400). A finished export is downloaded by GET.
    "/evidence/": {"GET": R_READERS, "POST": {"admin": 400, "auditor": 400, "staff": 403}},
    "/evidence/exports/<export>/download/": {
        "GET": R_READERS,
        "POST": dict.fromkeys(ROLES, 405),
    },
    # The audit log: admins and auditors read it; nobody writes it.
    "/audit-log/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    # The staff directory: admins keep it, auditors read it, staff see nothing of it.
    "/access/staff/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    # An empty POST re-renders the form with its errors for an admin.
    "/access/staff/add/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    "/access/staff/<person>/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    "/access/staff/<person>/edit/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    # A POST without a file re-renders the upload form with its error.
    "/access/staff/import/": {"GET": R_ADMIN_ONLY, "POST": R_ADMIN_ONLY},
    # POST only; without a held upload an admin is sent back to the upload page with a message.
    "/access/staff/import/confirm/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # An empty POST re-renders the list with the form's error for an admin.
    "/access/org-roles/": {"GET": R_READERS, "POST": R_ADMIN_ONLY},
    "/access/org-roles/<role>/rename/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": R_ADMIN_ONLY,
    },
    # The sample role is in use: refused with a message, back to the list.
    "/access/org-roles/<role>/delete/": {
        "GET": {"admin": 405, "auditor": 403, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # Settings → Notifications: admins manage channels, auditors read them and their logs. An
    # empty POST to a form re-shows it with its errors (400); Test and Enable/Disable are POST
    # buttons on the channel's page, which a GET is sent back to.
    "/settings/notifications/": {"GET": R_READERS, "POST": dict.fromkeys(ROLES, 405)},
    "/settings/notifications/add/<kind>/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 400, "auditor": 403, "staff": 403},
    },
    "/settings/notifications/<channel_id>/": {
        "GET": R_READERS,
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/notifications/<channel_id>/edit/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 400, "auditor": 403, "staff": 403},
    },
    # The sample channel sends no event: its Test has nothing to send, so nothing leaves.
    "/settings/notifications/<channel_id>/test/": {
        "GET": {"admin": 302, "auditor": 302, "staff": 403},
        "POST": R_ADMIN_ONLY,
    },
    "/settings/notifications/<channel_id>/enabled/": {
        "GET": {"admin": 302, "auditor": 302, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    # An empty POST (no version) is refused on the channel's page.
    "/settings/notifications/<channel_id>/switch-to-jsm/": {
        "GET": {"admin": 302, "auditor": 302, "staff": 403},
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/notifications/<channel_id>/delete/": {
        "GET": R_ADMIN_ONLY,
        "POST": {"admin": 302, "auditor": 403, "staff": 403},
    },
    "/settings/notifications/<channel_id>/deliveries/<delivery>/": {
        "GET": R_READERS,
        "POST": dict.fromkeys(ROLES, 405),
    },
    "/settings/incidents/": {
        "GET": R_READERS,
        # An empty POST re-renders the form with errors for an admin.
        "POST": {"admin": 200, "auditor": 403, "staff": 403},
    },
}
ANONYMOUS_ALLOWED = {
    "/login/": {"GET": 200, "POST": 200},
    "/login/sso/": {"GET": 404, "POST": 405},
    "/login/sso/callback/": {"GET": 404, "POST": 405},
    "/account/set-password/<uidb64>/<token>/": {"GET": 200, "POST": 200},
    "/account/set-password/done/": {"GET": 200, "POST": 405},
}


def _walk(resolver: URLResolver, prefix: str = "") -> list[str]:
    paths = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths.extend(_walk(pattern, route))
        elif isinstance(pattern, URLPattern):
            paths.append(route)
    return paths


def _project_paths() -> list[str]:
    # Every project route as "/path/<name>/"; the admin site is tested separately below.
    routes = [r for r in _walk(get_resolver()) if not r.startswith("admin/")]
    return ["/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route) for route in routes]


def _concrete(path: str, samples: dict[str, object]) -> str:
    return re.sub(r"<(\w+)>", lambda m: str(samples[m.group(1)]), path)


def test_every_project_url_has_an_expected_answer_per_role() -> None:
    assert sorted(_project_paths()) == sorted(EXPECTED), (
        "A URL was added or removed: decide who may use it in EXPECTED."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(EXPECTED))
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ROLES)
def test_role_gets_the_expected_answer(request, samples, path: str, method: str, role: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(f"{role}_client")
    response = client.generic(method, _concrete(path, samples))
    expected = EXPECTED[path][method][role]
    if expected == LOGGED_OUT:
        assert response.status_code == 302 and response["Location"] == "/login/"
        return
    assert response.status_code == expected, f"{role} {method} {path}"
    if expected == 302:
        assert not response["Location"].startswith("/login/"), f"{role} {method} {path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(EXPECTED))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_is_sent_to_login(samples, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    # CSRF is enforced so an anonymous POST is refused before it reaches any view.
    client = Client(enforce_csrf_checks=method == "POST")
    response = client.generic(method, _concrete(path, samples))
    if path in ANONYMOUS_ALLOWED:
        expected = ANONYMOUS_ALLOWED[path][method]
        assert response.status_code in (expected, 403)
        return
    if method == "POST":
        assert response.status_code in (302, 403)
    else:
        assert response.status_code == 302
    if response.status_code == 302:
        assert response["Location"].startswith("/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_site_is_for_superusers_only(request, role: str, django_user_model) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(f"{role}_client")
    assert client.get("/admin/").status_code == 302
    superuser = django_user_model.objects.create_superuser("root", password="x" * 20)
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
