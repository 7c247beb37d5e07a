"""The Data library's pages for OpsGenie's routing rules, team roles and logs, maintenances,
custom roles, forwarding rules, notification rules and contacts: listed in the index, each
with the filters that fit it, linked to what they name, at a constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import Connection
from integrations.providers.opsgenie.config_mapping import config_record
from tests.conftest import make_connection
from tests.library.test_pages import _queries, get_row, owned, save, team
from tests.library.test_rules_sync import NEW_KINDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


def routing_rule(n: int, team_n: int, escalation_n: int | None) -> object:
    notify = (
        {"type": "escalation", "id": f"escalations-{escalation_n}", "name": "x"}
        if escalation_n
        else {"type": "none"}
    )
    raw = {
        "id": f"rule-{n}",
        "name": f"Rule {n}",
        "notify": notify,
        "_team": {"id": f"team-{team_n}", "name": f"Team {team_n}"},
    }
    return config_record("routing_rules", f"rule-{n}", raw)


def user_item(kind: str, n: int, user_n: int, **fields: object) -> object:
    raw = {
        "id": f"{kind}-{n}",
        **fields,
        "_user": {"id": f"u{user_n}", "username": f"u{user_n}@x.io"},
    }
    return config_record(kind, f"{kind}-{n}", raw)


def test_the_index_and_nav_list_every_new_kind(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse("library:index")).content.decode()

    for kind in NEW_KINDS:
        assert reverse("library:list", args=[kind]) in page, kind


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_each_new_kinds_list_answers_for_every_role_even_empty(request, opsgenie, kind) -> None:  # type: ignore[no-untyped-def]
    for who in ("admin_client", "auditor_client", "staff_client"):
        page = request.getfixturevalue(who).get(reverse("library:list", args=[kind]))
        assert page.status_code == 200 and "synced yet" in page.content.decode()


def test_routing_rules_show_their_team_and_where_they_route(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(opsgenie, "escalations", [owned("escalations", 1, 1)])
    save(opsgenie, "routing_rules", [routing_rule(1, 1, 1), routing_rule(2, 1, None)])
    url = reverse("library:list", args=["routing_rules"])

    nobody = admin_client.get(url, {"state": "nobody"})
    escalation = get_row("escalations", "escalations-1")
    back = admin_client.get(reverse("library:detail", args=["escalations", escalation.pk]))
    rule = get_row("routing_rules", "rule-1")
    shown = admin_client.get(reverse("library:detail", args=["routing_rules", rule.pk]))

    assert [row.name for row in nobody.context["rows"]] == ["Rule 2"]
    assert "Routes to nobody" in nobody.content.decode()
    assert "Routing rules that route to this escalation" in back.content.decode()
    assert reverse("library:detail", args=["routing_rules", rule.pk]) in back.content.decode()
    assert reverse("library:detail", args=["escalations", escalation.pk]) in shown.content.decode()
    assert reverse("library:detail", args=["teams", get_row("teams", "team-1").pk]) in (
        shown.content.decode()
    )


def test_notification_rules_filter_by_state_and_name_their_user(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(
        opsgenie,
        "notification_rules",
        [
            user_item("notification_rules", 1, 1, name="New Alert", enabled=True),
            user_item("notification_rules", 2, 2, name="New Alert", enabled=False),
        ],
    )
    url = reverse("library:list", args=["notification_rules"])

    off = admin_client.get(url, {"state": "disabled"})
    searched = admin_client.get(url, {"q": "u1@x"})
    row = get_row("notification_rules", "notification_rules-2")
    shown = admin_client.get(reverse("library:detail", args=["notification_rules", row.pk]))

    assert [r.name for r in off.context["rows"]] == ["New Alert — u2@x.io"]
    assert [r.name for r in searched.context["rows"]] == ["New Alert — u1@x.io"]
    assert "User:" in shown.content.decode() and "u2@x.io" in shown.content.decode()


def test_new_kinds_cost_the_same_queries_for_few_and_many_rows(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(opsgenie, "routing_rules", [routing_rule(1, 1, None)])
    save(
        opsgenie,
        "contacts",
        [user_item("contacts", 1, 1, method="email", status={"enabled": True})],
    )
    lists = {
        kind: _queries(admin_client, reverse("library:list", args=[kind]))
        for kind in ("routing_rules", "contacts")
    }
    detail = reverse(
        "library:detail", args=["routing_rules", get_row("routing_rules", "rule-1").pk]
    )
    small_detail = _queries(admin_client, detail)

    save(opsgenie, "teams", [team(n) for n in range(1, 20)])
    save(opsgenie, "escalations", [owned("escalations", n, n) for n in range(1, 20)])
    save(opsgenie, "routing_rules", [routing_rule(n, n % 19 + 1, n % 19 + 1) for n in range(1, 60)])
    save(
        opsgenie,
        "contacts",
        [
            user_item("contacts", n, n, method="sms", status={"enabled": n % 2 == 0})
            for n in range(1, 80)
        ],
    )

    for kind, count in lists.items():
        assert _queries(admin_client, reverse("library:list", args=[kind])) == count, kind
    assert _queries(admin_client, detail) == small_detail


def test_a_team_lists_its_logs_apart_from_what_it_owns(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    log = {"owner": "ann@x.io", "createdDate": "2026-05-01T10:00:00.000Z",
           "log": "Schedule [Team 1 on call] was updated.",
           "_team": {"id": "team-1", "name": "Team 1"}}  # fmt: skip
    save(opsgenie, "team_logs", [config_record("team_logs", "team-1:log", log)])
    row = get_row("team_logs", "team-1:log")

    page = admin_client.get(
        reverse("library:detail", args=["teams", get_row("teams", "team-1").pk])
    )
    listed = admin_client.get(reverse("library:list", args=["team_logs"]), {"team": "Team 1"})

    text = page.content.decode()
    logs_at = text.index("Its logs (the newest 100 upstream)")
    assert text.index(reverse("library:detail", args=["team_logs", row.pk])) > logs_at
    assert [r.name for r in listed.context["rows"]] == ["Schedule [Team 1 on call] was updated."]


def test_the_review_step_offers_each_new_stream_saying_it_needs_configuration_access(
    admin_client,
) -> None:  # type: ignore[no-untyped-def]
    review = admin_client.get("/settings/integrations/opsgenie/connect/").content.decode()

    for kind in NEW_KINDS:
        assert f'value="{kind}"' in review, kind  # a switch, on by default
    assert (
        "Team routing rules</label></th>\n            <td>An API key with Configuration access"
        in (review)
    )
    assert "Users&#x27; contacts (up to 200 users a run)" in review
