"""The Data library's configuration pages, as each role sees them."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.config_records import ConfigRecord
from integrations.models import Connection
from integrations.providers.opsgenie.config_mapping import config_record
from library.models import LibraryObject
from library.store import LibraryStore
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

MARKUP = "<script>alert(1)</script>"


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


def team(n: int, members: int = 1) -> ConfigRecord:
    raw = {
        "id": f"team-{n}",
        "name": f"Team {n}",
        "description": MARKUP,
        "members": [
            {"user": {"id": f"user-{n}-{m}", "username": f"u{m}@example.com"}, "role": "admin"}
            for m in range(members)
        ],
    }
    return config_record("teams", f"team-{n}", raw)


def owned(kind: str, n: int, team_n: int) -> ConfigRecord:
    owner = {"id": f"team-{team_n}", "name": f"Team {team_n}"}
    raw = {"id": f"{kind}-{n}", "name": f"{kind} {n}", "ownerTeam": owner}
    return config_record(kind, f"{kind}-{n}", raw)


def save(connection: Connection, kind: str, records: list[ConfigRecord]) -> None:
    LibraryStore(kind).save(connection=connection, records=records)


def get_row(kind: str, upstream_id: str) -> LibraryObject:
    return LibraryObject.objects.get(kind=kind, upstream_id=upstream_id)


@pytest.mark.parametrize("who", ["admin_client", "auditor_client", "staff_client"])
def test_every_role_reads_the_index_a_list_and_a_record(request, opsgenie, who: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    save(opsgenie, "teams", [team(1)])
    row = get_row("teams", "team-1")

    index = client.get(reverse("library:index"))
    listed = client.get(reverse("library:list", args=["teams"]))
    shown = client.get(reverse("library:detail", args=["teams", row.pk]))

    assert (index.status_code, listed.status_code, shown.status_code) == (200, 200, 200)
    assert reverse("library:list", args=["heartbeats"]) in index.content.decode()
    assert "Team 1" in listed.content.decode() and "1 team." in listed.content.decode()
    # The Source column names the connection as its filter does.
    source = f"OpsGenie {opsgenie.region.upper()} (#{opsgenie.pk})"
    assert f"<td>{source}</td>" in listed.content.decode()
    assert f'<option value="{opsgenie.pk}">{source}</option>' in listed.content.decode()


def test_nobody_writes_an_auditor_posting_changes_nothing(auditor_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    row = get_row("teams", "team-1")
    before = list(LibraryObject.objects.values())

    answers = [
        auditor_client.post(reverse("library:list", args=["teams"]), {"name": "x"}).status_code,
        auditor_client.post(reverse("library:detail", args=["teams", row.pk])).status_code,
    ]

    assert answers == [405, 405] and list(LibraryObject.objects.values()) == before


def test_upstream_text_is_escaped(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    raw = {**team(1).raw, "name": MARKUP}
    save(opsgenie, "teams", [config_record("teams", "team-1", raw)])
    row = get_row("teams", "team-1")

    listed = admin_client.get(reverse("library:list", args=["teams"])).content.decode()
    shown = admin_client.get(reverse("library:detail", args=["teams", row.pk])).content.decode()

    for page in (listed, shown):
        assert MARKUP not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_team_links_its_schedules_and_escalations_and_names_its_members(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1, members=2)])
    save(opsgenie, "schedules", [owned("schedules", 1, 1)])
    save(opsgenie, "escalations", [owned("escalations", 1, 1), owned("escalations", 2, 9)])
    row = get_row("teams", "team-1")
    schedule = get_row("schedules", "schedules-1")

    page = admin_client.get(reverse("library:detail", args=["teams", row.pk])).content.decode()
    back = admin_client.get(reverse("library:detail", args=["schedules", schedule.pk]))

    assert reverse("library:detail", args=["schedules", schedule.pk]) in page
    escalation = get_row("escalations", "escalations-1")
    assert reverse("library:detail", args=["escalations", escalation.pk]) in page
    assert "escalations 2" not in page  # another team's
    assert "u0@example.com" in page and "u1@example.com" in page
    assert reverse("library:detail", args=["teams", row.pk]) in back.content.decode()


def test_removed_rows_are_marked_and_filtered(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1), team(2)])
    LibraryStore("teams").flag_missing(connection=opsgenie, listed={"team-1"})
    url = reverse("library:list", args=["teams"])

    present = admin_client.get(url).content.decode()
    removed = admin_client.get(url, {"removed": "removed"}).content.decode()
    every = admin_client.get(url, {"removed": "all"}).content.decode()

    assert "Team 2" not in present and "Team 1" in present
    assert "Team 2" in removed and "Removed upstream" in removed and "Team 1" not in removed
    assert "Team 1" in every and "Team 2" in every


def test_search_by_name_ignores_case_and_accents(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    renamed = {**team(1).raw, "name": "Équipe Support"}
    save(opsgenie, "teams", [config_record("teams", "team-1", renamed), team(2)])

    page = admin_client.get(reverse("library:list", args=["teams"]), {"q": "equipe"})

    assert [row.name for row in page.context["rows"]] == ["Équipe Support"]


def test_a_value_it_cannot_use_is_named_never_a_500(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(
        opsgenie,
        "heartbeats",
        [config_record("heartbeats", "beat", {"name": "beat", "enabled": True})],
    )

    page = admin_client.get(
        reverse("library:list", args=["heartbeats"]), {"state": "sleeping", "connection": "x"}
    )

    assert page.status_code == 200
    assert [label for label, _message in page.context["ignored"]] == ["State", "Source connection"]
    assert [row.name for row in page.context["rows"]] == ["beat"]


def test_an_unknown_kind_is_404(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get("/incidents/library/widgets/").status_code == 404


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(db_connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_pages_cost_the_same_queries_for_few_and_many_rows(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1, members=1)])
    save(opsgenie, "escalations", [owned("escalations", 1, 1)])
    small_list = _queries(admin_client, reverse("library:list", args=["escalations"]))
    small_detail = _queries(
        admin_client, reverse("library:detail", args=["teams", get_row("teams", "team-1").pk])
    )

    save(opsgenie, "teams", [team(n, members=20) for n in range(1, 30)])
    save(opsgenie, "escalations", [owned("escalations", n, n % 3 + 1) for n in range(1, 40)])
    save(opsgenie, "schedules", [owned("schedules", n, 1) for n in range(1, 10)])

    assert _queries(admin_client, reverse("library:list", args=["escalations"])) == small_list
    detail = reverse("library:detail", args=["teams", get_row("teams", "team-1").pk])
    assert _queries(admin_client, detail) == small_detail


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("jsm_teams", "No JSM teams synced yet"),
        ("pagerduty_on_calls", "No PagerDuty on-call timelines synced yet"),
        ("teams", "No teams synced yet"),
    ],
)
def test_an_empty_list_names_its_records_as_the_count_does(
    admin_client, kind: str, says: str
) -> None:  # type: ignore[no-untyped-def]
    # The kind's label ("Teams (JSM)") lower-cased read "No teams (jsm) synced yet".
    page = admin_client.get(reverse("library:list", args=[kind])).content.decode()

    assert says in page
    assert "(jsm)" not in page and "(pagerduty)" not in page


def test_a_filtered_empty_list_names_its_records(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse("library:list", args=["jsm_teams"]), {"q": "nobody"})

    assert "No JSM teams match these filters." in page.content.decode()
