"""The emulated Ops API's configuration and alert listings: ``values``/``links.next`` paging
within the caps, Basic auth (401), the Operations role (403), unknown teams and schedules (404),
the alerts' query subset, the failures the sandbox ships (a coverage gap, a single-person
escalation, an expired and a disabled heartbeat), and the alerts every hour's site holds for the
hour that passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from integrations.providers.jsm.sandbox.ops_api import iso_ms
from integrations.sandbox.server import SandboxServer
from tests.jsm.conftest import NOW

DAY_MS = 86_400_000


@pytest.fixture
def ops(upstream: SandboxServer):  # type: ignore[no-untyped-def]
    """(the cloudId's root, an authorised session's get)."""
    keys = upstream.keys
    site = upstream.jsm_site_url().replace("{site}", keys.jsm_site)
    cloud_id = requests.get(f"{site}/_edge/tenant_info", timeout=5).json()["cloudId"]
    root = f"{upstream.jsm_ops_url()}/{cloud_id}"
    auth = (keys.jsm_email, keys.jsm_api_token)

    def get(path: str, **params: object) -> requests.Response:
        return requests.get(root + path, auth=auth, params=params, timeout=5)

    return root, get


def test_listings_page_by_links_next_within_the_caps(upstream, ops) -> None:  # type: ignore[no-untyped-def]
    root, get = ops
    first = get("/v1/teams", size=4).json()
    assert [t["teamName"] for t in first["values"]] == ["Payments", "Platform", "Data", "Security"]
    assert first["links"]["next"] == "/v1/teams?size=4&offset=4"
    rest = requests.get(
        root + first["links"]["next"],
        auth=(upstream.keys.jsm_email, upstream.keys.jsm_api_token),
        timeout=5,
    ).json()
    assert [t["teamName"] for t in rest["values"]] == ["SRE", "Mobile"]
    assert rest["links"] == {}
    for params in ({"size": 0}, {"size": 101}, {"size": 100, "offset": 19_900}):
        refused = get("/v1/schedules", **params)
        assert refused.status_code == 400
        assert "offset + size below 20000" in refused.json()["message"]


def test_basic_auth_and_the_operations_role_are_required(upstream, ops) -> None:  # type: ignore[no-untyped-def]
    root, _get = ops
    keys = upstream.keys
    bad = requests.get(f"{root}/v1/teams", auth=(keys.jsm_email, "nope"), timeout=5)
    assert bad.status_code == 401
    no_role = (keys.jsm_no_role_email, keys.jsm_no_role_token)
    for path in ("/v1/teams", "/v1/schedules", "/v1/alerts", "/v1/integrations"):
        refused = requests.get(root + path, auth=no_role, timeout=5)
        assert refused.status_code == 403, path


def test_unknown_teams_and_schedules_are_404(ops) -> None:  # type: ignore[no-untyped-def]
    _root, get = ops
    assert get("/v1/teams/nope/escalations").status_code == 404
    assert get("/v1/teams/nope/heartbeats").status_code == 404
    assert get("/v1/schedules/nope/timeline").status_code == 404


def test_the_shipped_gap_single_person_escalation_and_heartbeats(upstream, ops) -> None:  # type: ignore[no-untyped-def]
    _root, get = ops
    teams = {t["teamName"]: t for t in get("/v1/teams", size=100).json()["values"]}
    schedules = {s["name"]: s for s in get("/v1/schedules").json()["values"]}
    data = schedules["Data on call"]
    assert data["teamId"] == teams["Data"]["teamId"]
    line = get(f"/v1/schedules/{data['id']}/timeline", interval=2, intervalUnit="weeks").json()
    now_ms = int(NOW.timestamp() * 1000)
    assert iso_ms(line["startDate"]) == now_ms
    assert iso_ms(line["endDate"]) == now_ms + 14 * DAY_MS
    nobody = [
        (iso_ms(p["startDate"]), iso_ms(p["endDate"]))
        for p in line["finalTimeline"]["rotations"][0]["periods"]
        if p["responder"]["type"] == "noone"
    ]
    assert nobody[0][0] == now_ms + 5 * DAY_MS and nobody[-1][1] == now_ms + 7 * DAY_MS
    (mobile,) = get(f"/v1/teams/{teams['Mobile']['teamId']}/escalations").json()["values"]
    assert [r["recipient"]["type"] for r in mobile["rules"]] == ["user"]
    assert mobile["repeat"]["count"] == 0
    (backup,) = get(f"/v1/teams/{teams['Data']['teamId']}/heartbeats").json()["values"]
    assert (backup["name"], backup["status"], backup["enabled"]) == (
        "nightly-backups",
        "Expired",
        True,
    )
    platform = get(f"/v1/teams/{teams['Platform']['teamId']}/heartbeats").json()["values"]
    assert {b["name"]: b["enabled"] for b in platform} == {
        "edge-cdn-probe": False,
        "kube-api-ping": True,
    }
    on_call = get(f"/v1/schedules/{data['id']}/on-calls").json()["onCallParticipants"]
    assert [p["id"] for p in on_call] and all(p["type"] == "user" for p in on_call)


def test_alerts_answer_the_query_sort_and_order(upstream, ops) -> None:  # type: ignore[no-untyped-def]
    _root, get = ops
    stored = upstream.jsm_store.alerts()
    opened = get("/v1/alerts", query="status:open", size=100, sort="createdAt", order="asc")
    values = opened.json()["values"]
    assert {a["id"] for a in values} == {a["id"] for a in stored if a["status"] == "open"}
    created = [iso_ms(a["createdAt"]) for a in values]
    assert created == sorted(created)
    middle = sorted(iso_ms(a["createdAt"]) for a in stored)[10]
    since = get("/v1/alerts", query=f"createdAt>={middle}", size=100).json()["values"]
    assert len(since) == len([a for a in stored if iso_ms(a["createdAt"]) >= middle])
    two = [stored[0]["id"], stored[5]["id"]]
    by_id = get("/v1/alerts", query=f'(alertId:"{two[0]}" OR alertId:"{two[1]}")').json()
    assert sorted(a["id"] for a in by_id["values"]) == sorted(two)
    assert get("/v1/alerts", query="message:disk").status_code == 422
    assert get("/v1/alerts", sort="updatedAt").status_code == 422


def test_advance_changes_the_ops_data_it_names_until_nothing_is_left(upstream, ops) -> None:  # type: ignore[no-untyped-def]
    _root, get = ops
    advance = f"{upstream.base_url}/_sandbox/advance"
    body = {"provider": "jsm", "region": "cloud", "seed": 3}
    teams = {t["teamId"]: t["teamName"] for t in get("/v1/teams", size=100).json()["values"]}
    live_beats = {
        b["name"]
        for team_id in teams
        for b in get(f"/v1/teams/{team_id}/heartbeats").json()["values"]
        if b["enabled"] and b["status"] == "Responsive"
    }
    stopped, gaps = [], []
    # More hours than there are live heartbeats and schedules: changes run out, never fail.
    for _hour in range(len(live_beats) + len(teams) + 1):
        answer = requests.post(advance, json=body, timeout=10)
        assert answer.status_code == 200
        changed = answer.json()["configuration"]
        stopped += changed["heartbeats_stopped"]
        gaps += changed["schedule_gaps"]
    assert sorted(stopped) == sorted(live_beats)  # each once, then none left
    statuses = {
        b["name"]: b["status"]
        for team_id in teams
        for b in get(f"/v1/teams/{team_id}/heartbeats").json()["values"]
    }
    assert all(statuses[name] == "Expired" for name in stopped)
    assert gaps and len({gap["schedule"] for gap in gaps}) == len(gaps)
    for gap in gaps:
        line = get(f"/v1/schedules/{gap['schedule']}/timeline", interval=2, intervalUnit="weeks")
        nobody = [
            (p["startDate"], p["endDate"])
            for p in line.json()["finalTimeline"]["rotations"][0]["periods"]
            if p["responder"]["type"] == "noone"
        ]
        assert nobody and iso_ms(nobody[0][0]) == iso_ms(gap["from"])
        assert iso_ms(nobody[-1][1]) == iso_ms(gap["to"])


def test_every_hours_site_holds_the_alerts_an_hour_changes() -> None:
    """The tests' emulator is drawn again each hour (tests/jsm/conftest.py ``live``), and an
    emulated hour acknowledges an open alert and closes another: every hour's site must hold two
    open alerts, one not yet acknowledged. The site of 2026-12-05 16:00 UTC held three open
    alerts, all acknowledged (the time-passing test failed through that hour)."""
    first = datetime(2026, 12, 5, 16, tzinfo=UTC)
    for hours in range(72):
        now = first - timedelta(hours=hours)
        alerts = SandboxServer(seed=5, incidents=20, users=5, now=now).jsm_store.alerts()
        opened = [alert for alert in alerts if alert["status"] == "open"]
        assert len(opened) >= 2, now
        assert any(not alert["acknowledged"] for alert in opened), now
