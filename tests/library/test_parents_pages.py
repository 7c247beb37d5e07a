"""The Data library's pages for OpsGenie's alert policies, schedule overrides, service incident
rules and incident templates: listed in the index for every role (nobody signed out, nobody
writing), with search, counts, filters, removed rows marked, escaped upstream text, relations
both ways, and a constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.providers.opsgenie.config_mapping import config_record
from library.store import LibraryStore
from tests.conftest import make_connection
from tests.library.test_pages import MARKUP, _queries, get_row, owned, save, team
from tests.library.test_parents_sync import PARENT_KINDS

pytestmark = pytest.mark.django_db
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


def policy(n: int, team_n: int | None, *, enabled: bool = True, **fields: object) -> object:
    raw = {"id": f"policy-{n}", "name": f"Policy {n}", "type": "alert", "enabled": enabled,
           "order": n, **fields}  # fmt: skip
    if team_n is not None:
        raw["_team"] = {"id": f"team-{team_n}", "name": f"Team {team_n}"}
    return config_record("alert_policies", f"policy-{n}", raw)


def override(n: int, schedule_n: int) -> object:
    raw = {
        "alias": f"alias-{n}",
        "user": {"type": "user", "id": f"u{n}", "username": f"u{n}@x.io"},
        "startDate": "2026-06-02T09:00:00Z",
        "endDate": "2026-06-04T09:00:00Z",
        "_schedule": {"id": f"schedules-{schedule_n}", "name": f"schedules {schedule_n}",
                      "ownerTeam": {"id": "team-1", "name": "Team 1"}},
    }  # fmt: skip
    return config_record("schedule_overrides", f"schedules-{schedule_n}:alias-{n}", raw)


def incident_rule(n: int, priority: str, message: str = "") -> object:
    raw = {"id": f"rule-{n}", "order": n,
           "incidentProperties": {"message": message or f"Rule message {n}", "priority": priority},
           "_service": {"id": "svc-1", "name": "Checkout"}}  # fmt: skip
    return config_record("incident_rules", f"rule-{n}", raw)


def template(n: int, priority: str) -> object:
    raw = {"id": f"tpl-{n}", "name": f"Template {n}", "priority": priority, "message": "m"}
    return config_record("incident_templates", f"tpl-{n}", raw)


def test_the_index_lists_each_kind_and_each_list_answers_every_role(request, opsgenie) -> None:  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("admin_client").get(reverse("library:index")).content.decode()

    for kind in PARENT_KINDS:
        assert reverse("library:list", args=[kind]) in page, kind
        for who in ("admin_client", "auditor_client", "staff_client"):
            listed = request.getfixturevalue(who).get(reverse("library:list", args=[kind]))
            assert listed.status_code == 200 and "synced yet" in listed.content.decode()


def test_signed_out_they_redirect_to_sign_in_and_nobody_writes(
    client, auditor_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "alert_policies", [policy(1, None)])
    row = get_row("alert_policies", "policy-1")
    urls = [
        reverse("library:list", args=["alert_policies"]),
        reverse("library:detail", args=["alert_policies", row.pk]),
    ]

    signed_out = [client.get(url) for url in urls]
    posted = [auditor_client.post(url).status_code for url in urls]

    assert [answer.status_code for answer in signed_out] == [302, 302]
    assert all("/login" in answer["Location"] for answer in signed_out)
    assert posted == [405, 405]


def test_alert_policies_filter_search_count_and_link_their_team(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(
        opsgenie,
        "alert_policies",
        [policy(1, None, enabled=False), policy(2, 1), policy(3, 1, policyDescription=MARKUP)],
    )
    url = reverse("library:list", args=["alert_policies"])

    off = admin_client.get(url, {"state": "disabled"})
    found = admin_client.get(url, {"q": "policy 2"})
    every = admin_client.get(url).content.decode()
    row = get_row("alert_policies", "policy-3")
    shown = admin_client.get(reverse("library:detail", args=["alert_policies", row.pk]))

    assert [r.name for r in off.context["rows"]] == ["Policy 1"]
    assert [r.name for r in found.context["rows"]] == ["Policy 2"]
    assert "3 alert policies." in every and "Not synced yet." in every
    text = shown.content.decode()
    assert reverse("library:detail", args=["teams", get_row("teams", "team-1").pk]) in text
    assert MARKUP not in text and ESCAPED in text


def test_an_override_links_its_schedule_which_lists_it_back(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "schedules", [owned("schedules", 1, 1)])
    save(opsgenie, "schedule_overrides", [override(1, 1)])
    row = get_row("schedule_overrides", "schedules-1:alias-1")
    schedule = get_row("schedules", "schedules-1")

    shown = admin_client.get(reverse("library:detail", args=["schedule_overrides", row.pk]))
    back = admin_client.get(reverse("library:detail", args=["schedules", schedule.pk]))

    text = shown.content.decode()
    assert "u1@x.io on schedules 1" in text and "User:" in text and "u1@x.io" in text
    assert reverse("library:detail", args=["schedules", schedule.pk]) in text
    back_text = back.content.decode()
    assert back_text.index("Its overrides") < back_text.index(
        reverse("library:detail", args=["schedule_overrides", row.pk])
    )


def test_incident_rules_filter_by_priority_and_name_their_service(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "incident_rules", [incident_rule(1, "P1"), incident_rule(2, "P2", MARKUP)])
    url = reverse("library:list", args=["incident_rules"])

    urgent = admin_client.get(url, {"state": "P1"})
    listed = admin_client.get(url).content.decode()
    shown = admin_client.get(
        reverse("library:detail", args=["incident_rules", get_row("incident_rules", "rule-1").pk])
    )

    assert [r.name for r in urgent.context["rows"]] == ["Rule message 1"]
    assert MARKUP not in listed and ESCAPED in listed
    assert "Service:" in shown.content.decode() and "Checkout" in shown.content.decode()


def test_a_removed_template_is_marked_and_names_nothing(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "incident_templates", [template(1, "P1"), template(2, "P3")])
    LibraryStore("incident_templates").flag_missing(connection=opsgenie, listed={"tpl-1"})
    url = reverse("library:list", args=["incident_templates"])

    removed = admin_client.get(url, {"removed": "removed"}).content.decode()
    row = get_row("incident_templates", "tpl-2")
    shown = admin_client.get(reverse("library:detail", args=["incident_templates", row.pk]))

    assert "Template 2" in removed and "Removed upstream" in removed and "Template 1" not in removed
    text = shown.content.decode()
    assert "This incident template names no other object." in text and "No longer listed" in text


def test_they_cost_the_same_queries_for_few_and_many_rows(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(opsgenie, "schedules", [owned("schedules", 1, 1)])
    save(opsgenie, "alert_policies", [policy(1, 1)])
    save(opsgenie, "schedule_overrides", [override(1, 1)])
    save(opsgenie, "incident_rules", [incident_rule(1, "P1")])
    save(opsgenie, "incident_templates", [template(1, "P1")])
    lists = {
        kind: _queries(admin_client, reverse("library:list", args=[kind])) for kind in PARENT_KINDS
    }
    details = {
        kind: reverse("library:detail", args=[kind, get_row(kind, upstream_id).pk])
        for kind, upstream_id in (
            ("alert_policies", "policy-1"),
            ("schedule_overrides", "schedules-1:alias-1"),
            ("schedules", "schedules-1"),
        )
    }
    small = {kind: _queries(admin_client, url) for kind, url in details.items()}

    save(opsgenie, "teams", [team(n) for n in range(1, 20)])
    save(opsgenie, "schedules", [owned("schedules", n, n) for n in range(1, 20)])
    save(opsgenie, "alert_policies", [policy(n, n % 19 + 1) for n in range(1, 60)])
    save(opsgenie, "schedule_overrides", [override(n, 1) for n in range(1, 40)])
    save(opsgenie, "incident_rules", [incident_rule(n, "P2") for n in range(1, 50)])
    save(opsgenie, "incident_templates", [template(n, "P3") for n in range(1, 30)])

    for kind, count in lists.items():
        assert _queries(admin_client, reverse("library:list", args=[kind])) == count, kind
    for kind, url in details.items():
        assert _queries(admin_client, url) == small[kind], kind


def test_the_review_step_offers_each_saying_what_the_key_needs_and_the_bound(admin_client) -> None:  # type: ignore[no-untyped-def]
    review = admin_client.get("/settings/integrations/opsgenie/connect/").content.decode()

    for kind in PARENT_KINDS:
        assert f'value="{kind}"' in review, kind
    assert (
        "Alert policies (up to 200 teams a run)</label></th>\n"
        "            <td>An API key with Configuration access"
    ) in review
    assert "Schedule overrides (up to 200 schedules a run)" in review
    assert "Service incident rules (up to 200 services a run)" in review
    assert "Custom incident templates" in review
