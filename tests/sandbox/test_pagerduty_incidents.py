from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.providers.pagerduty.sandbox.data import iso_s
from integrations.providers.pagerduty.sandbox.params import OFFSET_CAP_ERROR
from integrations.sandbox.server import SandboxServer
from tests.sandbox.pagerduty_support import pd_call
from tests.sandbox.support import NOW


def _all(sandbox: SandboxServer, params: list[tuple[str, str]] = (), **named: str) -> list[dict]:
    """Every page of /incidents, following `more` with limit=100."""
    seen: list[dict] = []
    offset = 0
    while True:
        page = pd_call(
            sandbox,
            "/incidents",
            params=[*params, ("limit", "100"), ("offset", str(offset))],
            **named,
        )
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["incidents"]
        if not body["more"]:
            return seen
        offset += len(body["incidents"])


def _stored(sandbox: SandboxServer) -> list[dict]:
    return sandbox.pagerduty_stores["us"].incidents()


def test_the_default_window_is_the_last_month_of_created_incidents(sandbox: SandboxServer):
    month_ago = iso_s(int((NOW.replace(month=NOW.month - 1)).timestamp()))
    expected = [i["id"] for i in _stored(sandbox) if i["created_at"] >= month_ago]

    seen = [i["id"] for i in _all(sandbox)]

    assert seen == expected  # oldest first by default
    assert 0 < len(seen) < len(_stored(sandbox))


def test_date_range_all_ignores_the_window_and_returns_every_incident(sandbox: SandboxServer):
    seen = _all(sandbox, date_range="all")

    assert [i["id"] for i in seen] == [i["id"] for i in _stored(sandbox)]


def test_an_explicit_window_of_six_months_is_accepted(sandbox: SandboxServer):
    since, until = "2024-09-01T00:00:00Z", "2025-03-01T00:00:00Z"
    expected = [i["id"] for i in _stored(sandbox) if since <= i["created_at"] < until]

    seen = _all(sandbox, since=since, until=until)

    assert [i["id"] for i in seen] == expected


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2024-08-31T23:59:59Z", "2025-03-01T00:00:00Z"),
        ("2023-01-01", "2025-01-01"),
        ("2024-01-01", None),  # until defaults to now
    ],
)
def test_a_window_longer_than_six_months_is_a_400(
    sandbox: SandboxServer, since: str, until: str | None
):
    params = {"since": since} | ({"until": until} if until else {})

    response = pd_call(sandbox, "/incidents", **params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2001
    assert response.json()["error"]["message"] == "Invalid Input Provided"


def test_date_range_all_wins_over_a_too_long_window(sandbox: SandboxServer):
    response = pd_call(sandbox, "/incidents", since="2020-01-01", date_range="all")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"since": "yesterday"}, 2004),
        ({"since": "2025-02-10", "until": "2025-02-01"}, 2005),
        ({"limit": "zero"}, 2001),
        ({"limit": "0"}, 2001),
        ({"offset": "-1"}, 2001),
        ({"sort_by": "title"}, 2001),
        ({"sort_by": "created_at:sideways"}, 2001),
        ({"sort_by": "created_at,urgency,incident_number"}, 2001),
        ({"statuses[]": "open"}, 2001),
        ({"total": "maybe"}, 2001),
        ({"date_range": "some"}, 2001),
    ],
)
def test_bad_arguments_are_400s_with_their_codes(sandbox: SandboxServer, params: dict, code: int):
    response = pd_call(sandbox, "/incidents", **params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_since_without_an_offset_is_read_in_the_account_time_zone_utc(sandbox: SandboxServer):
    naive = pd_call(sandbox, "/incidents", since="2025-02-20T00:00:00", total="true").json()
    zoned = pd_call(sandbox, "/incidents", since="2025-02-20T01:00:00+01:00", total="true").json()

    assert naive["total"] == zoned["total"]


def test_statuses_and_service_ids_filter_with_or_inside_and_and_between(sandbox: SandboxServer):
    services = pd_call(sandbox, "/services", limit=100).json()["services"]
    chosen = {services[0]["id"], services[1]["id"]}
    params = [
        ("statuses[]", "triggered"),
        ("statuses[]", "acknowledged"),
        *(("service_ids[]", service_id) for service_id in sorted(chosen)),
    ]

    seen = _all(sandbox, params, date_range="all")

    expected = [
        i["id"]
        for i in _stored(sandbox)
        if i["status"] != "resolved" and i["service"]["id"] in chosen
    ]
    assert [i["id"] for i in seen] == expected
    assert expected


def test_urgencies_filter(sandbox: SandboxServer):
    seen = _all(sandbox, [("urgencies[]", "low")], date_range="all")

    assert seen and all(i["urgency"] == "low" for i in seen)


def test_sort_by_two_fields(sandbox: SandboxServer):
    seen = _all(sandbox, date_range="all", sort_by="urgency:desc,incident_number:desc")

    keys = [(i["urgency"] == "high", i["incident_number"]) for i in seen]
    assert keys == sorted(keys, reverse=True)
    assert len(seen) == len(_stored(sandbox))


def test_paging_reports_limit_offset_more_and_total_only_when_asked(sandbox: SandboxServer):
    count = len(_stored(sandbox))

    first = pd_call(sandbox, "/incidents", date_range="all").json()
    last = pd_call(sandbox, "/incidents", date_range="all", offset=count - 3, total="true").json()

    assert (first["limit"], first["offset"], first["more"], first["total"]) == (25, 0, True, None)
    assert len(first["incidents"]) == 25
    assert (last["more"], last["total"], len(last["incidents"])) == (False, count, 3)


def test_a_limit_above_100_is_clamped(sandbox: SandboxServer):
    body = pd_call(sandbox, "/incidents", date_range="all", limit=500).json()

    assert body["limit"] == 100
    assert len(body["incidents"]) == 100


def test_offset_plus_limit_above_10000_is_the_documented_400(sandbox: SandboxServer):
    response = pd_call(sandbox, "/incidents", date_range="all", offset=9_901, limit=100)
    edge = pd_call(sandbox, "/incidents", date_range="all", offset=9_900, limit=100)

    assert response.status_code == 400
    assert response.json() == {"error": OFFSET_CAP_ERROR}
    assert edge.status_code == 200
    assert edge.json()["incidents"] == []


def test_an_incident_has_the_documented_shape(sandbox: SandboxServer):
    base = sandbox.pagerduty_url("us")
    incidents = _all(sandbox, date_range="all")

    for incident in incidents:
        assert incident["type"] == "incident"
        assert incident["summary"] == f"[#{incident['incident_number']}] {incident['title']}"
        assert incident["description"] == incident["title"]
        assert incident["self"] == f"{base}/incidents/{incident['id']}"
        assert incident["html_url"].startswith("https://")
        assert incident["service"]["type"] == "service_reference"
        assert incident["service"]["self"].startswith(base)
        assert incident["urgency"] in ("high", "low")
        if incident["priority"] is not None:
            assert incident["priority"]["name"] in {"P1", "P2", "P3", "P4", "P5"}
            assert set(incident["priority"]) >= {"id", "type", "summary"}
        if incident["status"] == "resolved":
            assert incident["resolved_at"] == incident["last_status_change_at"]
            assert incident["resolved_at"] >= incident["created_at"]
            assert incident["assignments"] == []
        else:
            assert incident["resolved_at"] is None
            assert incident["assignments"]
        if incident["status"] == "acknowledged":
            assert incident["acknowledgements"]
    assert {i["status"] for i in incidents} == {"triggered", "acknowledged", "resolved"}
    assert any(i["priority"] is None for i in incidents)
    assert any(i["priority"] is not None for i in incidents)
    assert any("<" in i["title"] for i in incidents) or len(incidents) < 50


def test_one_incident_by_id_or_by_number(sandbox: SandboxServer):
    stored = _stored(sandbox)[4]

    by_id = pd_call(sandbox, f"/incidents/{stored['id']}")
    by_number = pd_call(sandbox, f"/incidents/{stored['incident_number']}")
    missing = pd_call(sandbox, "/incidents/QNOSUCHINCIDENT")

    assert by_id.json()["incident"]["id"] == stored["id"]
    assert by_number.json() == by_id.json()
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 5001


def test_notes_are_a_plain_list_without_paging(sandbox: SandboxServer):
    resolved = [i for i in _stored(sandbox) if i["status"] == "resolved"]
    bodies = [pd_call(sandbox, f"/incidents/{i['id']}/notes").json() for i in resolved[:20]]

    assert all(set(body) == {"notes"} for body in bodies)
    notes = [note for body in bodies for note in body["notes"]]
    assert notes
    for note in notes:
        assert set(note) >= {"id", "user", "channel", "content", "created_at", "updated_at"}
        assert note["user"]["type"] == "user_reference"
    assert pd_call(sandbox, "/incidents/QNOSUCH/notes").status_code == 404


def test_services_users_and_teams_page_and_filter(sandbox: SandboxServer):
    services = pd_call(sandbox, "/services", limit=3, total="true").json()
    users = pd_call(sandbox, "/users", limit=100).json()["users"]
    teams = pd_call(sandbox, "/teams", query="pay").json()["teams"]

    assert len(services["services"]) == 3 and services["more"] and services["total"] == 8
    assert {u["role"] for u in users} >= {
        "owner", "admin", "user", "limited_user", "observer", "restricted_access",
        "read_only_user",
    }  # fmt: skip
    assert any(u["invitation_sent"] for u in users)
    assert [t["name"] for t in teams] == ["Payments"]


def test_the_window_moves_with_the_accounts_clock_not_the_wall_clock(sandbox: SandboxServer):
    # NOW is in 2025: a wall-clock window would be empty.
    assert NOW + timedelta(days=1) < NOW.now(NOW.tzinfo)
    assert pd_call(sandbox, "/incidents", total="true").json()["total"] > 0
