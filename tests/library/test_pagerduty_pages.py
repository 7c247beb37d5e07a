"""The Data library's pages for PagerDuty's kinds (teams, escalation policies, schedules,
on-call timelines, business services): every role reads each list and record, signed out they
redirect and nobody writes, upstream text is escaped, relations link both ways, and each page
costs the same queries for a few rows as for many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from integrations.config_records import ConfigRecord
from integrations.models import Connection
from integrations.providers.pagerduty.config_mapping import (
    BUSINESS_SERVICES,
    ON_CALLS,
    POLICIES,
    SCHEDULES,
    TEAMS,
    config_record,
)
from tests.conftest import make_connection
from tests.library.test_pages import MARKUP, _queries, get_row, save

pytestmark = pytest.mark.django_db
KINDS = (TEAMS, POLICIES, SCHEDULES, ON_CALLS, BUSINESS_SERVICES)
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
START = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def pagerduty(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(provider="pagerduty")


def ref(kind: str, upstream_id: str, summary: str) -> dict[str, str]:
    return {"id": upstream_id, "type": f"{kind}_reference", "summary": summary}


def team(n: int, members: int = 1) -> ConfigRecord:
    raw = {
        "id": f"PT{n}",
        "name": f"Team {n}",
        "description": MARKUP,
        "members": [
            {"user": ref("user", f"PU{n}-{m}", f"{MARKUP} {m}"), "role": "responder"}
            for m in range(members)
        ],
    }
    return config_record(TEAMS, f"PT{n}", raw)


def policy(n: int, team_n: int, schedule_n: int) -> ConfigRecord:
    raw = {
        "id": f"PP{n}",
        "name": f"Policy {n}",
        "description": MARKUP,
        "num_loops": 1,
        "escalation_rules": [
            {"targets": [ref("schedule", f"PS{schedule_n}", f"Schedule {schedule_n}")]},
            {"targets": [ref("user", f"PU{n}", f"Person {n}")]},
        ],
        "services": [ref("service", f"PSV{n}", f"Service {n}")],
        "teams": [ref("team", f"PT{team_n}", f"Team {team_n}")],
    }
    return config_record(POLICIES, f"PP{n}", raw)


def schedule(n: int, team_n: int, people: int = 1) -> ConfigRecord:
    raw = {
        "id": f"PS{n}",
        "name": f"Schedule {n}",
        "description": MARKUP,
        "time_zone": "UTC",
        "users": [ref("user", f"PU{n}-{m}", f"Person {m}") for m in range(people)],
        "teams": [ref("team", f"PT{team_n}", f"Team {team_n}")],
    }
    return config_record(SCHEDULES, f"PS{n}", raw)


def on_call(n: int, *days: tuple[int, int]) -> ConfigRecord:
    def at(day: int) -> str:
        return f"{START + timedelta(days=day):%Y-%m-%dT%H:%M:%SZ}"

    raw = {
        "_parent": {"id": f"PS{n}", "name": f"Schedule {n}", "summary": f"Schedule {n}"},
        "since": at(0),
        "until": at(14),
        "final_schedule": {
            "rendered_schedule_entries": [
                {"start": at(lower), "end": at(upper), "user": ref("user", "PU1", MARKUP)}
                for lower, upper in days
            ]
        },
    }
    return config_record(ON_CALLS, f"PS{n}", raw)


def business_service(n: int, team_n: int) -> ConfigRecord:
    raw = {
        "id": f"PB{n}",
        "name": f"Business {n}",
        "description": MARKUP,
        "point_of_contact": MARKUP,
        "team": {"id": f"PT{team_n}", "type": "team_reference"},
    }
    return config_record(BUSINESS_SERVICES, f"PB{n}", raw)


def fill(connection: Connection, count: int) -> None:
    """``count`` of each kind (at least one), related to each other."""
    teams = max(1, count // 3)
    save(connection, TEAMS, [team(n, members=3 if count > 1 else 1) for n in range(1, teams + 1)])
    save(connection, SCHEDULES, [schedule(n, n % teams + 1, 2) for n in range(1, count + 1)])
    save(connection, POLICIES, [policy(n, n % teams + 1, n) for n in range(1, count + 1)])
    save(connection, ON_CALLS, [on_call(n, (0, 5), (6, 14)) for n in range(1, count + 1)])
    save(
        connection,
        BUSINESS_SERVICES,
        [business_service(n, n % teams + 1) for n in range(1, count + 1)],
    )


FIRST = {TEAMS: "PT1", POLICIES: "PP1", SCHEDULES: "PS1", ON_CALLS: "PS1", BUSINESS_SERVICES: "PB1"}


def test_the_index_lists_every_pagerduty_kind(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse("library:index")).content.decode()
    for kind in KINDS:
        assert reverse("library:list", args=[kind]) in page, kind


@pytest.mark.parametrize("who", ["admin_client", "auditor_client", "staff_client"])
def test_every_role_reads_each_list_and_record_with_upstream_text_escaped(
    request, pagerduty, who: str
) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    fill(pagerduty, 1)
    for kind in KINDS:
        listed = client.get(reverse("library:list", args=[kind]))
        row = get_row(kind, FIRST[kind])
        shown = client.get(reverse("library:detail", args=[kind, row.pk]))
        assert listed.status_code == 200 and shown.status_code == 200, kind
        assert row.name in listed.content.decode(), kind
        assert MARKUP not in listed.content.decode() + shown.content.decode(), kind
        assert ESCAPED in shown.content.decode(), kind


def test_signed_out_they_redirect_to_sign_in_and_nobody_writes(
    client, auditor_client, pagerduty
) -> None:  # type: ignore[no-untyped-def]
    fill(pagerduty, 1)
    for kind in KINDS:
        row = get_row(kind, FIRST[kind])
        urls = [
            reverse("library:list", args=[kind]),
            reverse("library:detail", args=[kind, row.pk]),
        ]

        signed_out = [client.get(url) for url in urls]
        posted = [auditor_client.post(url).status_code for url in urls]

        assert [answer.status_code for answer in signed_out] == [302, 302], kind
        assert all("/login" in answer["Location"] for answer in signed_out), kind
        assert posted == [405, 405], kind
    assert get_row(TEAMS, "PT1").name == "Team 1"


def test_a_policy_links_its_schedule_and_team_and_the_schedule_links_back(
    admin_client, pagerduty
) -> None:  # type: ignore[no-untyped-def]
    fill(pagerduty, 1)
    policy_row, schedule_row = get_row(POLICIES, "PP1"), get_row(SCHEDULES, "PS1")
    team_row = get_row(TEAMS, "PT1")

    shown = admin_client.get(reverse("library:detail", args=[POLICIES, policy_row.pk]))
    back = admin_client.get(reverse("library:detail", args=[SCHEDULES, schedule_row.pk]))
    owner = admin_client.get(reverse("library:detail", args=[TEAMS, team_row.pk]))

    assert reverse("library:detail", args=[SCHEDULES, schedule_row.pk]) in shown.content.decode()
    assert reverse("library:detail", args=[TEAMS, team_row.pk]) in shown.content.decode()
    assert "Escalation policies that notify this schedule" in back.content.decode()
    assert reverse("library:detail", args=[POLICIES, policy_row.pk]) in back.content.decode()
    assert reverse("library:detail", args=[POLICIES, policy_row.pk]) in owner.content.decode()


def test_on_calls_filter_by_gap(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    save(pagerduty, ON_CALLS, [on_call(1, (0, 5), (6, 14)), on_call(2, (0, 14))])
    url = reverse("library:list", args=[ON_CALLS])

    gappy = admin_client.get(url, {"state": "gap"})
    covered = admin_client.get(url, {"state": "covered"})

    assert [row.name for row in gappy.context["rows"]] == ["Schedule 1"]
    assert [row.name for row in covered.context["rows"]] == ["Schedule 2"]


def test_each_kind_costs_the_same_queries_for_few_and_many_rows(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    fill(pagerduty, 1)
    details = {
        kind: reverse("library:detail", args=[kind, get_row(kind, FIRST[kind]).pk])
        for kind in KINDS
    }
    lists = {kind: reverse("library:list", args=[kind]) for kind in KINDS}
    few = {url: _queries(admin_client, url) for url in (*lists.values(), *details.values())}

    fill(pagerduty, 30)

    many = {url: _queries(admin_client, url) for url in few}
    assert many == few
