"""Every input of every page has a clear answer (issue 12): each form found on each page, each
field in turn given each bad value (values.py), each GET parameter of its filters and links too;
never a 500, and a refused input is said on the page and writes nothing (probe.py).

Nothing is listed by hand but what discovery must find (KNOWN): a parser that finds nothing
would otherwise pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from tests.accounts.test_url_permissions import ANONYMOUS_ALLOWED, EXPECTED, _concrete
from tests.accounts.test_url_walk_every_method import _changes
from tests.fuzz.discovery import Field, Form, Page, parse
from tests.fuzz.probe import SAID, Tally, judge_get, judge_post, send, text
from tests.fuzz.values import BAD_VALUES, HUGE, Bad, bad_files

pytestmark = pytest.mark.django_db


def _viewer(path: str) -> str | None:
    if ANONYMOUS_ALLOWED.get(path, {}).get("GET") == 200:
        return "anonymous"
    gets = EXPECTED[path]["GET"]
    return next((role for role in ("admin", "staff", "auditor") if gets[role] == 200), None)


PAGES = sorted((path, role) for path in EXPECTED if (role := _viewer(path)))

# Forms the walk must find, by the page showing them: (form action, a field of it).
KNOWN = {
    "/login/": ("/login/", "username"),
    "/incidents/<pk>/": ("/incidents/<pk>/data-loss/", "reference_notes"),
    "/checks/<key>/": ("/checks/<key>/special-cases/", "attachment"),
    "/access/staff/add/": ("/access/staff/add/", "email"),
    "/access/staff/import/": ("/access/staff/import/", "file"),
    "/settings/integrations/opsgenie/connect/details/": (
        "/settings/integrations/opsgenie/connect/details/",
        "api_key",
    ),
    "/settings/integrations/jsm/connect/details/": (
        "/settings/integrations/jsm/connect/details/",
        "site",
    ),
    "/settings/integrations/pagerduty/connect/key/": (
        "/settings/integrations/pagerduty/connect/key/",
        "api_key",
    ),
    "/settings/integrations/pagerduty/services/": (
        "/settings/integrations/pagerduty/services/",
        "scope",
    ),
    "/access/reviews/<review>/items/<item>/": (
        "/access/reviews/<review>/items/<item>/",
        "decision",
    ),
    "/access/systems/<system>/": ("/access/systems/<system>/", "access_type"),
    "/settings/incidents/": ("/settings/incidents/", "high_sla_hours"),
    "/checks/special-case-policy/": ("/checks/special-case-policy/", "max_months"),
    "/incidents/": ("/incidents/", "created_from"),
    "/evidence/": ("/evidence/", "end"),
}
# A body over the upload limit costs a 3 MB request: tried on these fields only.
HUGE_FIELDS = {("/login/", "username"), ("/incidents/<pk>/data-loss/", "what_happened")}
NOT_FUZZED = {"csrfmiddlewaretoken"}  # the test client checks no CSRF; the URL walk does


def _filled(field: Field, sent: list[str]) -> list[str]:
    """A plausible value where the page offers none, so each bad value is the only fault."""
    if any(value.strip() for value in sent) or field.kind in ("file", "select", "submit"):
        return sent
    if field.kind in ("radio", "checkbox", "select-multiple"):
        return field.options[:1]  # a choice ticked, though none is required by the browser
    if not field.required:
        return sent
    tomorrow = (date.today() + timedelta(days=1)).isoformat()  # expiries, due dates: ahead
    typical = {"email": "fuzz@example.com", "date": tomorrow, "number": "1"}
    return [typical.get(field.kind, "fuzz-baseline")]


def _baseline(form: Form) -> dict[str, object]:
    sent = form.baseline()
    return {n: _filled(f, sent.get(n, [])) for n, f in form.fields.items()}


def _get(client: Client, url: str) -> Page:
    return parse(url.split("?")[0], text(client.get(url)))


def _bad_values(pattern: str, name: str, field: Field) -> list[tuple[str, object]]:
    if field.kind == "file":
        return [(label, upload) for label, upload in bad_files()] + [("none", "")]
    values: list[Bad] = [*BAD_VALUES, *([HUGE] if (pattern, name) in HUGE_FIELDS else [])]
    return [(bad.name, bad.value) for bad in values]


def _fuzz_post(tally: Tally, client: Client, url: str, form: Form, pattern: str) -> None:
    found = form
    for name in [n for n in found.fields if n not in NOT_FUZZED]:
        tally.fields += 1
        for label, value in _bad_values(pattern, name, found.fields[name]):
            data = {**_baseline(form), name: value}
            cell = f"POST {pattern} {name}={label}"
            before = _changes()
            response = send(tally, client, "POST", form.action, data, cell)
            if judge_post(tally, client, response, before, cell):
                # Accepted: the page may now show the form otherwise (a new version). Go on
                # with what it shows now, or, when the form is gone (a case ended, an item
                # decided), with the stale one a second tab would still send.
                now = _get(client, url).forms
                form = next((f for f in now if f.action == form.action), form)


def _unusable(field: Field | None, value: object) -> bool:
    """Whether a filter cannot use the value, by the field's own type: the page must say so."""
    if field is None or not isinstance(value, str) or not value.strip():
        return False
    if field.kind == "select":
        return value not in field.options
    if field.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return True
    return field.kind == "number" and not value.strip().lstrip("-").isdigit()


def _fuzz_get(tally: Tally, client: Client, target: str, name: str, field: Field | None) -> None:
    tally.get_params += 1
    for bad in BAD_VALUES:
        cell = f"GET {target} ?{name}={bad.name}"
        response = send(tally, client, "GET", target, {name: bad.value}, cell)
        judge_get(tally, response, cell)
        if response is not None and _unusable(field, bad.value) and not SAID.search(text(response)):
            tally.problems.append(f"silent: a filter value it cannot use, not named: {cell}")


@pytest.mark.parametrize(("path", "role"), PAGES)
def test_no_input_of_the_page_breaks_it(  # type: ignore[no-untyped-def]
    fuzz_clients, samples, record_property, path: str, role: str
) -> None:
    client, url = fuzz_clients[role], _concrete(path, samples)
    patterns = {_concrete(p, samples): p for p in EXPECTED}
    page = _get(client, url)
    tally = Tally()
    params: dict[tuple[str, str], Field | None] = {(url, n): None for n in page.link_params}
    for form in page.forms:
        if form.action == "/logout/":
            continue  # no field but its token; logging out would end the walk
        tally.forms += 1
        if form.method == "GET":
            params.update(((form.action, n), f) for n, f in form.fields.items())
            params.setdefault((form.action, "page"), None)  # every list pages with ?page=
        else:
            _fuzz_post(
                tally, client, url, form, patterns.get(form.action.split("?")[0], form.action)
            )
    for (target, name), field in sorted(params.items(), key=lambda item: item[0]):
        _fuzz_get(tally, client, target, name, field)
    for key in ("forms", "fields", "get_params", "requests", "server_errors", "accepted"):
        record_property(key, getattr(tally, key))
    record_property("refusals_said", tally.refusals_said)
    assert not tally.problems, "\n".join(tally.problems)
    if path in KNOWN:
        # The walk found the form it must, and the judge saw it refuse something and say so.
        action, name = KNOWN[path]
        found = {(f.action.split("?")[0], n) for f in page.forms for n in f.fields}
        assert (_concrete(action, samples), name) in found, f"discovery lost a form on {path}"
        assert tally.refusals_said or path == "/incidents/", path  # a GET form
