"""The official `pagerduty` client must work against the sandbox with only its base URL changed.

The client refuses non-https base URLs (reference §6), so it reaches the sandbox in-process
through its documented transport hook (`**kw` goes to `httpx2.Client`), exactly as the
reference verified.
"""

from __future__ import annotations

import warnings

import httpx2
import pagerduty
import pytest

from integrations.providers.pagerduty.sandbox.app import KeyAccess, PagerDutySandbox
from integrations.providers.pagerduty.sandbox.data import generate_dataset, iso_s
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW

BASE = "https://api.pagerduty.test"
KEY = "y_NbAkKc66ryYTWUXYEu"


def _client(
    app: object, secret: str, *, region: str = "us", auth_type: str = "token"
) -> pagerduty.RestApiV2Client:
    return pagerduty.RestApiV2Client(
        secret,
        auth_type=auth_type,
        base_url=f"{BASE}/pagerduty/{region}",
        transport=httpx2.WSGITransport(app=app),
    )


def test_the_official_client_pages_through_incidents_services_and_users(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us)
    store = sandbox.pagerduty_stores["us"]

    incidents = client.list_all("incidents", params={"date_range": "all"}, page_size=7)
    open_ones = client.list_all(
        "incidents", params={"date_range": "all", "statuses": ["triggered", "acknowledged"]}
    )
    services = client.list_all("services", page_size=3)
    users = client.dict_all("users", page_size=4)

    assert [i["id"] for i in incidents] == [i["id"] for i in store.incidents()]
    assert [i["id"] for i in open_ones] == [
        i["id"] for i in store.incidents() if i["status"] != "resolved"
    ]
    assert {s["id"] for s in services} == {s["id"] for s in store.services()}
    assert set(users) == {u["id"] for u in store.users()}
    assert all(i["self"].startswith(f"{BASE}/pagerduty/us/") for i in incidents)


def test_the_official_client_reads_one_incident_its_notes_and_the_key_kind(
    sandbox: SandboxServer,
):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us)
    stored = sandbox.pagerduty_stores["us"].incidents()[0]

    incident = client.rget(f"incidents/{stored['id']}")
    notes = client.rget(f"incidents/{stored['id']}/notes")

    assert incident["incident_number"] == stored["incident_number"]
    assert isinstance(notes, list)
    assert client.api_key_access == "account"
    assert client.account_has_ability("teams") is True
    assert client.subdomain == "evidencehub-sandbox"


def test_the_official_client_with_an_eu_oauth_token_is_a_user(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_eu_oauth, region="eu", auth_type="oauth2")

    assert client.api_key_access == "user"
    assert client.rget("users/me")["role"] in ("owner", "admin")
    assert len(client.list_all("teams")) == 7


def test_the_official_client_raises_on_the_wrong_region(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us, region="eu")

    with pytest.raises(pagerduty.HttpError) as raised:
        client.list_all("incidents")

    assert raised.value.response.status_code == 401


def test_the_official_client_retries_server_errors_when_told_to(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us)
    client.retry[503] = 2
    client.sleep_timer = 0
    sandbox.faults.set(server_errors=2, server_error_status=503)

    assert client.list_all("teams")


def test_the_official_client_stops_at_the_10000_cap_with_a_warning():
    dataset = generate_dataset(seed=1, incidents=10_050, users=5, region="us", now=NOW)
    app = PagerDutySandbox(store=PagerDutyStore(dataset), api_keys={KEY: KeyAccess.FULL})
    client = pagerduty.RestApiV2Client(KEY, base_url=BASE, transport=httpx2.WSGITransport(app=app))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seen = client.list_all("incidents", params={"date_range": "all"})
    beyond = client.get("/incidents", params={"date_range": "all", "offset": 9_950, "limit": 100})

    assert len(seen) == 10_000
    assert [i["incident_number"] for i in seen] == list(range(1, 10_001))
    assert any("10000" in str(w.message) for w in caught)
    assert beyond.status_code == 400
    assert beyond.json()["error"]["code"] == 2002


def test_iter_all_reads_policies_schedules_oncalls_and_users(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us)
    store = sandbox.pagerduty_stores["us"]

    policies = list(client.iter_all("escalation_policies", page_size=2))
    schedules = list(client.iter_all("schedules", page_size=2))
    oncalls = list(client.iter_all("oncalls", page_size=3))
    users = list(client.iter_all("users", page_size=4))

    assert {p["id"] for p in policies} == {p["id"] for p in store.dataset.escalation_policies}
    by_name = {p["name"]: p for p in policies}
    single = by_name["Data escalation"]
    assert single["num_loops"] == 0 and len(single["escalation_rules"]) == 1
    assert [t["type"] for t in single["escalation_rules"][0]["targets"]] == ["user_reference"]
    assert by_name["Mobile escalation"]["escalation_rules"][0]["targets"] == []
    assert len(schedules) == 5 and all(s["type"] == "schedule" for s in schedules)
    people = {u["id"] for u in store.users()}
    assert {u["id"] for u in users} == people
    assert oncalls and {o["user"]["id"] for o in oncalls} <= people
    assert {o["escalation_level"] for o in oncalls} <= {1, 2}


def test_a_schedule_renders_its_final_schedule_and_the_caps_answer_400(sandbox: SandboxServer):
    client = _client(sandbox.app, sandbox.keys.pagerduty_us)
    platform = client.find("schedules", "Platform primary")
    now = sandbox.pagerduty_stores["us"].now_s
    window = {"since": iso_s(now), "until": iso_s(now + 14 * 86_400)}

    detail = client.rget(f"schedules/{platform['id']}", params=window)
    over_cap = client.get("escalation_policies", params={"limit": 100, "offset": 9901})
    too_long = client.get("oncalls", params={"since": "2020-01-01", "until": "2020-06-01"})

    final = detail["final_schedule"]
    assert final["rendered_schedule_entries"]  # people on call, turn by turn
    assert final["rendered_schedule_entries"][0]["start"] >= window["since"]
    assert over_cap.status_code == 400 and over_cap.json()["error"]["code"] == 2002
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == 2001
