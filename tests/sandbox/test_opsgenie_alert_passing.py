"""Time passing for the OpsGenie emulator's alerts (``/_sandbox/advance``): each hour one open
alert is acknowledged, another closed and new ones raised, in both regions, as the API and the
details endpoints then show them; the same seed gives the same hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import call

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CLOCK = datetime(2026, 12, 4, 9, tzinfo=UTC).timestamp()  # the store's clock, later than NOW


def server(**options: Any) -> SandboxServer:
    return SandboxServer(seed=3, incidents=8, users=10, now=NOW, clock=lambda: CLOCK, **options)


@pytest.fixture
def account() -> Iterator[SandboxServer]:
    with server(alerts=60) as started:
        yield started


def advance(sandbox: SandboxServer, region: str, **options: Any) -> dict[str, Any]:
    answer = requests.post(
        sandbox.base_url + "/_sandbox/advance",
        json={"provider": "opsgenie", "region": region, "seed": 4, **options},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def alert(sandbox: SandboxServer, region: str, alert_id: str) -> dict[str, Any]:
    answer = call(sandbox, f"/v2/alerts/{alert_id}", key=region, region=region)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.mark.parametrize("region", ["us", "eu"])
def test_an_hour_acknowledges_closes_and_raises_alerts_as_the_api_shows_them(
    account: SandboxServer, region: str
) -> None:
    sandbox = account
    before = {a["id"]: a for a in sandbox.opsgenie_alerts[region].snapshot()}
    people = {u["username"] for u in sandbox.opsgenie_stores[region].dataset.users}
    latest = max(ms(a["updatedAt"]) for a in before.values())

    changed = advance(sandbox, region)["alerts"]

    (acknowledged,) = changed["acknowledged"]
    (closed,) = changed["closed"]
    assert before[acknowledged]["status"] == "open" and not before[acknowledged]["acknowledged"]
    assert before[closed]["status"] == "open" and closed != acknowledged
    assert 1 <= len(changed["created"]) <= 3
    after = {i: alert(sandbox, region, i) for i in [acknowledged, closed, *changed["created"]]}
    # Each change at its own moment, later than anything the account held; the new alerts last.
    changes = sorted(ms(after[i]["updatedAt"]) for i in (acknowledged, closed))
    raised = [ms(after[i]["createdAt"]) for i in changed["created"]]
    assert latest < changes[0] < changes[1] < raised[0]
    assert raised == sorted(set(raised))

    ack = after[acknowledged]
    assert (ack["status"], ack["acknowledged"], ack["isSeen"]) == ("open", True, True)
    assert ack["report"]["acknowledgedBy"] in people
    assert ack["report"]["ackTime"] == ms(ack["updatedAt"]) - ms(ack["createdAt"])
    assert ack["owner"] in people
    assert ack["lastOccurredAt"] == before[acknowledged]["lastOccurredAt"]
    shut = after[closed]
    assert (shut["status"], shut["acknowledged"]) == ("closed", True)
    assert shut["report"]["closedBy"] in people
    assert shut["report"]["closeTime"] == ms(shut["updatedAt"]) - ms(shut["createdAt"])
    assert shut["lastOccurredAt"] == before[closed]["lastOccurredAt"]

    tiny = max(int(a["tinyId"]) for a in before.values())
    teams = {t["id"] for t in sandbox.opsgenie_stores[region].dataset.teams}
    monitors = {a["integration"]["id"] for a in before.values()}
    for number, new_id in enumerate(changed["created"], start=tiny + 1):
        new = after[new_id]
        assert new["tinyId"] == str(number)
        assert (new["status"], new["acknowledged"], new["count"]) == ("open", False, 1)
        assert new["createdAt"] == new["updatedAt"] == new["lastOccurredAt"]
        assert new["id"].endswith(f"-{ms(new['createdAt'])}") and new["message"]
        assert [r["id"] for r in new["responders"]] == [new["ownerTeamId"]]
        assert new["ownerTeamId"] in teams and new["integration"]["id"] in monitors


def logs(sandbox: SandboxServer, region: str, alert_id: str) -> list[dict[str, Any]]:
    answer = call(
        sandbox, f"/v2/alerts/{alert_id}/logs", key=region, region=region, limit=100, order="asc"
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


@pytest.mark.parametrize("region", ["us", "eu"])
def test_the_details_endpoints_answer_for_what_changed_and_keep_what_they_showed(
    account: SandboxServer, region: str
) -> None:
    sandbox = account
    # Nobody joins or leaves: the recipients are the responding team's members of the moment.
    first = advance(sandbox, region, people=0)["alerts"]
    new_id = first["created"][0]
    shown = logs(sandbox, region, new_id)
    assert [entry["log"] for entry in shown] == [
        "Alert created via " + alert(sandbox, region, new_id)["integration"]["name"],
        *(entry["log"] for entry in shown[1:] if entry["type"] == "alertRecipient"),
    ]
    recipients = call(sandbox, f"/v2/alerts/{new_id}/recipients", key=region, region=region)
    members = {
        user_id
        for user_id, places in sandbox.opsgenie_stores[region].dataset.memberships.items()
        for team, _role in places
        if team == alert(sandbox, region, new_id)["ownerTeamId"]
    }
    assert {r["user"]["id"] for r in recipients.json()["data"]} <= members

    for _hour in range(6):  # until the new alert is acknowledged or closed
        if alert(sandbox, region, new_id)["acknowledged"]:
            break
        advance(sandbox, region, people=0)
    later = alert(sandbox, region, new_id)
    assert later["acknowledged"], "six hours never acknowledged or closed the first new alert"
    after = logs(sandbox, region, new_id)
    acked = f"Alert acknowledged by {later['report']['acknowledgedBy']}"
    assert acked in [entry["log"] for entry in after]
    # What the alert showed before is still there, under the same keys.
    assert [entry for entry in shown if entry not in after] == []


def test_an_hour_with_no_open_alert_left_only_raises_new_ones() -> None:
    with server(alerts=0) as sandbox:
        first = advance(sandbox, "us")["alerts"]
        assert first["acknowledged"] == first["closed"] == [] and first["created"]
        store = sandbox.opsgenie_alerts["us"]
        assert [a["tinyId"] for a in store.snapshot()] == [
            str(n) for n in range(1, len(first["created"]) + 1)
        ]


def test_the_same_seed_gives_the_same_hours_in_each_region() -> None:
    histories = []
    for _run in range(2):
        with server(alerts=30) as sandbox:
            hours = [advance(sandbox, region)["alerts"] for region in ("us", "eu", "us")]
            histories.append((hours, sandbox.opsgenie_alerts["us"].snapshot()))
    assert histories[0] == histories[1]
    (us, eu, us_again), _alerts = histories[0]
    assert us != us_again and set(us["created"]).isdisjoint(eu["created"])
