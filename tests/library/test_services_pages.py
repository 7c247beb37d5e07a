"""The Data library's services pages (OpsGenie's and PagerDuty's services, the "services"
stream's rows): every role reads them, signed out they redirect and nobody writes, hostile
upstream text is escaped, removed services are marked, each page costs the same queries for one
service as for thirty, and a service links its team, its escalation policy or incident rules,
and its incidents; the readiness item of a service whose team is not synced links its page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, ProviderService
from integrations.providers.opsgenie.mapping import service_record as opsgenie_service
from integrations.providers.pagerduty.config_mapping import POLICIES
from integrations.providers.pagerduty.config_mapping import TEAMS as PD_TEAMS
from integrations.providers.pagerduty.mapping import service_record as pagerduty_service
from integrations.sync.services_store import SERVICES
from library.readiness import failing_paths
from tests.conftest import make_connection
from tests.library.test_pagerduty_pages import policy, ref
from tests.library.test_pagerduty_pages import team as pd_team
from tests.library.test_pages import MARKUP, _queries, get_row, save, team
from tests.library.test_parents_pages import incident_rule
from tests.library.test_readiness_checks import synced

pytestmark = pytest.mark.django_db
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
OPSGENIE, PAGERDUTY = "opsgenie_services", "pagerduty_services"


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


@pytest.fixture
def pagerduty(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(provider="pagerduty")


def og_service(upstream_id: str, name: str, team_id: str = "team-1", **fields: object) -> object:
    raw = {"id": upstream_id, "name": name, "teamId": team_id, "description": "d", **fields}
    return opsgenie_service(raw)


def pd_service(n: int, status: str = "active", **fields: object) -> object:
    raw = {
        "id": f"PSV{n}",
        "name": f"Service {n}",
        "status": status,
        "escalation_policy": ref("escalation_policy", f"PP{n}", f"Policy {n}"),
        "teams": [ref("team", "PT1", "Team 1")],
        **fields,
    }
    return pagerduty_service(raw)


def store(connection: Connection, records: list[object]) -> None:
    SERVICES.save(connection=connection, records=records)  # type: ignore[arg-type]


def service(upstream_id: str) -> ProviderService:
    return ProviderService.objects.get(upstream_id=upstream_id)


def detail(kind: str, upstream_id: str) -> str:
    return reverse("library:detail", args=[kind, service(upstream_id).pk])


@pytest.mark.parametrize("who", ["admin_client", "auditor_client", "staff_client"])
def test_every_role_reads_the_index_the_lists_and_a_service(
    request, opsgenie, pagerduty, who: str
) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    store(opsgenie, [og_service("svc-1", "Checkout"), og_service("svc-2", "Search")])
    store(pagerduty, [pd_service(1)])

    index = client.get(reverse("library:index"))
    listed = client.get(reverse("library:list", args=[OPSGENIE]))
    shown = client.get(detail(OPSGENIE, "svc-1"))
    pd_listed = client.get(reverse("library:list", args=[PAGERDUTY]))

    assert [a.status_code for a in (index, listed, shown, pd_listed)] == [200] * 4
    # The overview counts each provider's services apart.
    held = dict((kind.name, n) for kind, n in index.context["kinds"])
    assert (held[OPSGENIE], held[PAGERDUTY]) == (2, 1)
    assert "2 services." in listed.content.decode()
    assert "1 PagerDuty service." in pd_listed.content.decode()
    assert [row.name for row in pd_listed.context["rows"]] == ["Service 1"]


def test_signed_out_they_redirect_to_sign_in_and_nobody_writes(
    client, auditor_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    store(opsgenie, [og_service("svc-1", "Checkout")])
    before = list(ProviderService.objects.values())
    urls = [reverse("library:list", args=[OPSGENIE]), detail(OPSGENIE, "svc-1")]

    signed_out = [client.get(url) for url in urls]
    posted = [auditor_client.post(url, {"name": "x"}).status_code for url in urls]

    assert [answer.status_code for answer in signed_out] == [302, 302]
    assert all("/login" in answer["Location"] for answer in signed_out)
    assert posted == [405, 405] and list(ProviderService.objects.values()) == before


def test_hostile_upstream_text_is_escaped(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    store(opsgenie, [og_service("svc-1", MARKUP, team_id=MARKUP, description=MARKUP)])

    listed = admin_client.get(reverse("library:list", args=[OPSGENIE])).content.decode()
    shown = admin_client.get(detail(OPSGENIE, "svc-1")).content.decode()

    for page in (listed, shown):
        assert MARKUP not in page and ESCAPED in page
    # The upstream fields are shown, the description among them, escaped.
    assert '"description": "&lt;script&gt;' in shown.replace("&quot;", '"')


def test_an_empty_list_says_none_are_synced(admin_client) -> None:  # type: ignore[no-untyped-def]
    og = admin_client.get(reverse("library:list", args=[OPSGENIE])).content.decode()
    pd = admin_client.get(reverse("library:list", args=[PAGERDUTY])).content.decode()

    assert "No services synced yet" in og and "Not synced yet." in og
    assert "No PagerDuty services synced yet" in pd


def test_removed_services_are_marked_and_filtered(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    store(opsgenie, [og_service("svc-1", "Checkout"), og_service("svc-2", "Payments")])
    SERVICES.flag_missing(connection=opsgenie, listed={"svc-1"})
    url = reverse("library:list", args=[OPSGENIE])

    present = admin_client.get(url).content.decode()
    removed = admin_client.get(url, {"removed": "removed"}).content.decode()
    every = admin_client.get(url, {"removed": "all"})
    shown = admin_client.get(detail(OPSGENIE, "svc-2")).content.decode()

    assert "Payments" not in present and "Checkout" in present
    assert "Payments" in removed and "Removed upstream" in removed and "Checkout" not in removed
    assert [row.name for row in every.context["rows"]] == ["Checkout", "Payments"]
    assert "No longer listed by OpsGenie" in shown


def test_search_team_state_and_source_filters(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    save(pagerduty, PD_TEAMS, [pd_team(1), pd_team(2)])
    other_team = {"teams": [ref("team", "PT2", "Team 2")]}
    store(
        pagerduty,
        [
            pd_service(1, name="Zürich payments"),
            pd_service(2, status="critical", **other_team),
            pd_service(3, status="disabled"),
        ],
    )
    url = reverse("library:list", args=[PAGERDUTY])

    def names(**query: object) -> list[str]:
        return [row.name for row in admin_client.get(url, query).context["rows"]]

    page = admin_client.get(url)
    assert ("PT2", "Team 2") in page.context["form"].fields["team"].choices
    assert names(q="zurich") == ["Zürich payments"]
    assert names(team="PT2") == ["Service 2"]
    assert names(state="disabled") == ["Service 3"]
    assert names(connection=str(pagerduty.pk)) == ["Service 2", "Service 3", "Zürich payments"]
    # The team column names the synced team.
    assert "<td>Team 2</td>" in page.content.decode()


def test_an_opsgenie_service_links_its_team_incident_rules_and_incidents(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(opsgenie, "incident_rules", [incident_rule(1, "P1"), incident_rule(2, "P2")])
    store(opsgenie, [og_service("svc-1", "Checkout")])

    page = admin_client.get(detail(OPSGENIE, "svc-1"))
    text = page.content.decode()
    rule = admin_client.get(
        reverse("library:detail", args=["incident_rules", get_row("incident_rules", "rule-1").pk])
    ).content.decode()

    assert reverse("library:detail", args=["teams", get_row("teams", "team-1").pk]) in text
    for n in (1, 2):
        rule_row = get_row("incident_rules", f"rule-{n}")
        assert reverse("library:detail", args=["incident_rules", rule_row.pk]) in text
    # The incident list, filtered by this service and its source.
    query = parse_qs(urlsplit(page.context["incidents_url"]).query)
    assert query == {"service": ["Checkout"], "source": ["opsgenie"]}
    assert admin_client.get(page.context["incidents_url"]).status_code == 200
    # And back: the rule's page links the service's.
    assert detail(OPSGENIE, "svc-1") in rule


def test_a_pagerduty_service_links_its_team_and_escalation_policy(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    save(pagerduty, PD_TEAMS, [pd_team(1)])
    save(pagerduty, POLICIES, [policy(1, 1, 1)])
    store(pagerduty, [pd_service(1)])

    text = admin_client.get(detail(PAGERDUTY, "PSV1")).content.decode()
    back = admin_client.get(
        reverse("library:detail", args=[POLICIES, get_row(POLICIES, "PP1").pk])
    ).content.decode()

    assert reverse("library:detail", args=[PD_TEAMS, get_row(PD_TEAMS, "PT1").pk]) in text
    assert reverse("library:detail", args=[POLICIES, get_row(POLICIES, "PP1").pk]) in text
    assert detail(PAGERDUTY, "PSV1") in back


def test_a_service_of_the_other_provider_is_404(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    store(opsgenie, [og_service("svc-1", "Checkout")])

    answer = admin_client.get(reverse("library:detail", args=[PAGERDUTY, service("svc-1").pk]))

    assert answer.status_code == 404


def test_pages_cost_the_same_queries_for_one_and_thirty_services(
    admin_client, opsgenie, pagerduty
) -> None:  # type: ignore[no-untyped-def]
    save(opsgenie, "teams", [team(1)])
    save(opsgenie, "incident_rules", [incident_rule(1, "P1")])
    store(opsgenie, [og_service("svc-1", "Checkout")])
    save(pagerduty, PD_TEAMS, [pd_team(1)])
    store(pagerduty, [pd_service(1)])
    urls = [
        reverse("library:list", args=[OPSGENIE]),
        reverse("library:list", args=[PAGERDUTY]),
        detail(OPSGENIE, "svc-1"),
        detail(PAGERDUTY, "PSV1"),
        reverse("library:index"),
    ]
    few = [_queries(admin_client, url) for url in urls]

    save(opsgenie, "teams", [team(n) for n in range(1, 31)])
    save(opsgenie, "incident_rules", [incident_rule(n, "P2") for n in range(1, 31)])
    store(opsgenie, [og_service(f"svc-{n}", f"S {n}", f"team-{n}") for n in range(1, 31)])
    save(pagerduty, PD_TEAMS, [pd_team(n) for n in range(1, 31)])
    store(pagerduty, [pd_service(n) for n in range(1, 31)])
    listed = admin_client.get(urls[0])

    assert len(listed.context["rows"]) == 30
    assert [_queries(admin_client, url) for url in urls] == few


def test_a_readiness_item_for_a_service_without_a_synced_team_links_its_page(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    store(opsgenie, [og_service("svc-1", "Checkout", team_id="team-9")])
    save(opsgenie, "teams", [team(1)])
    synced(opsgenie)

    items = [item for item in failing_paths(timezone.now()) if item.item_key.startswith("service:")]

    assert [item.url for item in items] == [detail(OPSGENIE, "svc-1")]
    assert "team-9 is not among the synced teams" in items[0].reason
