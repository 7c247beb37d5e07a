"""`GET /v2/alerts` and `GET /v2/alerts/{id}` over the alerts each sandbox account starts with:
what an alerts sync reads (reference/opsgenie-api.md §2, §4.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW, SEED, USERS, call

ALERTS = 230
PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}


@pytest.fixture(scope="module")
def accounts() -> Iterator[SandboxServer]:
    # Its own server: other modules create alerts in the shared one.
    with SandboxServer(seed=SEED, incidents=10, users=USERS, now=NOW, alerts=ALERTS) as server:
        yield server


def _ms(timestamp: str) -> int:
    moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _all(sandbox: SandboxServer, region: str = "us", **params: str) -> list[dict]:
    """Every page, following `paging.next` as an absolute URL."""
    page = call(sandbox, "/v2/alerts", key=region, region=region, limit="100", **params)
    alerts = []
    while True:
        assert page.status_code == 200, page.text
        alerts += page.json()["data"]
        if "next" not in page.json()["paging"]:
            return alerts
        auth = {"Authorization": f"GenieKey {getattr(sandbox.keys, 'opsgenie_' + region)}"}
        page = requests.get(page.json()["paging"]["next"], headers=auth, timeout=10)


def test_the_list_answers_twenty_newest_first_in_opsgenies_envelope(accounts: SandboxServer):
    answer = call(accounts, "/v2/alerts")
    body = answer.json()

    assert answer.status_code == 200
    assert len(body["data"]) == 20
    created = [alert["createdAt"] for alert in body["data"]]
    assert created == sorted(created, reverse=True)
    assert isinstance(body["took"], float) and body["requestId"] == answer.headers["X-Request-ID"]
    assert body["paging"]["next"].startswith(accounts.opsgenie_url("us") + "/v2/alerts?")
    assert answer.headers["X-Paging-Next"] == body["paging"]["next"]
    assert answer.headers["X-RateLimit-State"] == "OK"


def test_every_alert_is_reached_through_next_links_at_100_a_page(accounts: SandboxServer):
    alerts = _all(accounts)

    assert len(alerts) == ALERTS
    assert len({alert["id"] for alert in alerts}) == ALERTS
    assert sorted(int(alert["tinyId"]) for alert in alerts) == list(range(1, ALERTS + 1))


def test_alerts_carry_the_documented_fields_and_the_accounts_people(accounts: SandboxServer):
    store = accounts.opsgenie_stores["us"]
    usernames = {user["username"] for user in store.dataset.users}
    team_ids = {team["id"] for team in store.dataset.teams}

    alerts = _all(accounts)

    for alert in alerts:
        assert {
            "id", "tinyId", "alias", "message", "status", "acknowledged", "isSeen", "tags",
            "snoozed", "count", "lastOccurredAt", "createdAt", "updatedAt", "source", "owner",
            "priority", "responders", "integration", "report",
        } <= set(alert)  # fmt: skip
        assert "description" not in alert  # the list has BaseAlert's fields only
        assert alert["status"] in ("open", "closed") and alert["priority"] in PRIORITIES
        assert alert["id"].endswith(f"-{_ms(alert['createdAt'])}")
        assert alert["createdAt"] <= alert["updatedAt"]
        assert {r["id"] for r in alert["responders"]} <= team_ids
        report = alert["report"]
        if alert["status"] == "closed":
            assert report["closedBy"] in usernames and report["closeTime"] > 0
        if alert["acknowledged"]:
            assert report["acknowledgedBy"] in usernames and report["ackTime"] > 0
    assert {alert["status"] for alert in alerts} == {"open", "closed"}
    assert all(_ms(alert["createdAt"]) <= NOW.timestamp() * 1000 for alert in alerts)


def test_the_same_seed_gives_the_same_alerts_and_each_region_its_own(accounts: SandboxServer):
    with SandboxServer(seed=SEED, incidents=10, users=USERS, now=NOW, alerts=ALERTS) as again:
        assert _all(again) == _all(accounts)
    eu = _all(accounts, "eu")

    assert len(eu) == ALERTS
    assert not {alert["id"] for alert in eu} & {alert["id"] for alert in _all(accounts)}


def test_created_at_ranges_sorted_ascending_give_an_incremental_window(accounts: SandboxServer):
    alerts = _all(accounts)
    middle = sorted(_ms(alert["createdAt"]) for alert in alerts)[ALERTS // 2]

    newer = _all(accounts, query=f"createdAt>={middle}", sort="createdAt", order="asc")

    assert [a["id"] for a in newer] == [
        a["id"]
        for a in sorted(alerts, key=lambda a: a["createdAt"])
        if _ms(a["createdAt"]) >= middle
    ]


def test_status_and_acknowledged_queries_select_as_upstream(accounts: SandboxServer):
    alerts = _all(accounts)

    still_open = _all(accounts, query="status:open")
    unacknowledged = _all(accounts, query="status:open AND acknowledged:false")

    assert {a["id"] for a in still_open} == {a["id"] for a in alerts if a["status"] == "open"}
    assert {a["id"] for a in unacknowledged} == {
        a["id"] for a in alerts if a["status"] == "open" and not a["acknowledged"]
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "20000"}, "offset"),
        ({"sort": "priority"}, "sort"),
        ({"order": "up"}, "order"),
        ({"query": "services:x"}, "query"),
        ({"searchIdentifier": "my-search"}, "searchIdentifier"),
    ],
)
def test_invalid_parameters_answer_422_naming_the_field(
    accounts: SandboxServer, params: dict[str, str], field: str
):
    answer = call(accounts, "/v2/alerts", **params)

    assert answer.status_code == 422
    assert answer.json()["message"] == "Request body is not processable. Please check the errors."
    assert field in answer.json()["errors"]


def test_every_documented_sort_field_is_accepted(accounts: SandboxServer):
    for sort in ("report.ackTime", "integration.name", "lastOccurredAt", "snoozedUntil", "count"):
        answer = call(accounts, "/v2/alerts", sort=sort, order="asc")
        assert answer.status_code == 200, (sort, answer.text)
    counts = [a["count"] for a in _all(accounts, sort="count", order="desc")]
    assert counts == sorted(counts, reverse=True)


def test_one_alert_by_id_or_tiny_id_has_the_full_fields(accounts: SandboxServer):
    listed = call(accounts, "/v2/alerts", limit="1").json()["data"][0]

    by_id = call(accounts, f"/v2/alerts/{listed['id']}").json()["data"]
    by_tiny = call(accounts, f"/v2/alerts/{listed['tinyId']}", identifierType="tiny").json()

    assert by_id == by_tiny["data"]
    assert {**by_id, "description": None} != listed
    assert {"description", "details", "entity", "actions"} <= set(by_id)
    assert {key: by_id[key] for key in listed} == listed
    assert call(accounts, "/v2/alerts/not-an-alert").status_code == 404


def test_keys_rate_limits_and_errors_behave_as_on_incidents(accounts: SandboxServer):
    assert call(accounts, "/v2/alerts", key="eu").status_code == 401
    assert call(accounts, "/v2/alerts", key=None).json()["message"] == "Could not authenticate"
    assert call(accounts, "/v2/alerts", key="us_integration").status_code == 403

    accounts.faults.set(rate_limit=1)
    try:
        limited = call(accounts, "/v2/alerts")
    finally:
        accounts.faults.clear()

    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-State"] == "THROTTLED"
    assert call(accounts, "/v2/alerts").status_code == 200
