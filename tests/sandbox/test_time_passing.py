"""Time passing upstream: `AccountStore.advance`, `/_sandbox/advance`, `manage.py sandbox_control`,
and the queries a sync client makes to catch up.

Tests that change data use their own store or a `fresh` sandbox, never the shared session one.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import CommandError, call_command

from integrations.providers.opsgenie.sandbox.data import generate_dataset, parse_iso_ms
from integrations.providers.opsgenie.sandbox.query import compile_query
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW, SEED, call, follow

FRESH_INCIDENTS = 300


def _store(incidents: int = 2000, *, seed: int = SEED, region: str = "us") -> OpsGenieStore:
    return OpsGenieStore(
        generate_dataset(seed=seed, incidents=incidents, users=20, region=region, now=NOW)
    )


@pytest.fixture
def fresh() -> Iterator[SandboxServer]:
    server = SandboxServer(seed=SEED, incidents=FRESH_INCIDENTS, users=10, now=NOW).start()
    yield server
    server.stop()


def _all(sandbox: SandboxServer, region: str = "us", **params: Any) -> list[dict[str, Any]]:
    response = call(sandbox, "/v1/incidents", key=region, region=region, limit=100, **params)
    auth = {"Authorization": f"GenieKey {getattr(sandbox.keys, 'opsgenie_' + region)}"}
    items = []
    while True:
        assert response.status_code == 200, response.text
        items += response.json()["data"]
        if "next" not in response.json()["paging"]:
            return items
        response = requests.get(response.json()["paging"]["next"], headers=auth, timeout=10)


def _latest(store: OpsGenieStore) -> str:
    return max(i[name] for i in store.incidents() for name in ("createdAt", "updatedAt"))


def _kind(before: dict[str, Any], after: dict[str, Any]) -> str:
    moves = {
        ("open", "resolved"): "resolve",
        ("resolved", "closed"): "close",
        ("resolved", "open"): "reopen",
        ("closed", "open"): "reopen",
    }
    if before["status"] == after["status"]:
        assert after["priority"] != before["priority"]
        return "priority"
    return moves[before["status"], after["status"]]


# --- the store ----------------------------------------------------------------------------------


def test_the_same_seed_on_the_same_state_gives_the_same_history():
    first, second = _store(), _store()

    assert first.advance(seed=3) == second.advance(seed=3)
    assert first.incidents() == second.incidents()
    # Without a seed the state alone decides, so replaying the same calls replays the history.
    assert first.advance() == second.advance()
    assert first.incidents() == second.incidents()


def test_another_seed_changes_other_incidents():
    assert _store().advance(seed=3)["changed"] != _store().advance(seed=4)["changed"]


def test_counts_are_as_asked():
    store = _store(2000)

    summary = store.advance(changed_fraction=0.05, new=7, deleted=3, seed=1)

    changed, created, deleted = (set(summary[k]) for k in ("changed", "created", "deleted"))
    assert (len(changed), len(created), len(deleted)) == (100, 7, 3)
    assert len(summary["changed"]) == 100  # no id twice
    assert not changed & deleted and not created & (changed | deleted)
    assert len(store.incidents()) == 2000 + 7 - 3


def test_by_default_one_percent_changes_half_as_many_appear_and_a_tenth_as_many_go():
    store = _store(20_000)

    summary = store.advance(seed=1)

    assert len(summary["changed"]) == 200
    assert len(summary["created"]) == 100
    assert len(summary["deleted"]) == 20


def test_changes_are_status_moves_or_new_priorities_stamped_after_everything_else():
    store = _store(2000)
    before = {i["id"]: i for i in store.incidents()}
    latest = _latest(store)

    summary = store.advance(changed_fraction=0.1, new=0, deleted=0, seed=2)

    after = {i["id"]: i for i in store.incidents()}
    kinds = set()
    for incident_id in summary["changed"]:
        old, new = before[incident_id], after[incident_id]
        kinds.add(_kind(old, new))
        assert new["updatedAt"] > latest
        assert new["updatedAt"] >= summary["now"] > latest
        assert new["createdAt"] == old["createdAt"]
        if new["status"] == "open":
            assert "impactEndDate" not in new
        if old["status"] == "open" and new["status"] == "resolved":
            assert new["impactEndDate"] == new["updatedAt"]
    assert kinds == {"resolve", "close", "reopen", "priority"}
    unchanged = set(before) - set(summary["changed"])
    assert all(after[i] == before[i] for i in unchanged)


def test_readers_keep_the_records_they_already_hold():
    store = _store(500)
    held = store.incidents()
    copies = [dict(i) for i in held]

    store.advance(changed_fraction=0.5, new=10, deleted=10, seed=1)

    assert held == copies


def test_each_advance_moves_the_clock_on_by_an_hour_at_least():
    store = _store(1000)

    first = store.advance(seed=1)
    latest = _latest(store)
    second = store.advance(seed=1)

    assert second["now"] > latest
    assert parse_iso_ms(second["now"]) - parse_iso_ms(latest) == 3_600_000
    assert parse_iso_ms(first["now"]) == int(NOW.timestamp() * 1000) + 3_600_000
    assert all(i["updatedAt"] > latest for i in store.incidents() if i["id"] in second["changed"])


def test_new_incidents_are_open_recent_and_take_the_next_tiny_ids():
    store = _store(400)
    template = store.incidents()[0]

    summary = store.advance(changed_fraction=0, new=5, deleted=0, seed=1)

    created = store.incidents()[-5:]
    assert [i["id"] for i in created] == summary["created"]
    assert [i["tinyId"] for i in created] == ["401", "402", "403", "404", "405"]
    stamps = [i["createdAt"] for i in created]
    assert stamps == sorted(set(stamps)) and stamps[0] == summary["now"]
    for incident in created:
        assert set(template) - {"impactStartDate", "impactDetectDate", "impactEndDate"} <= set(
            incident
        )
        assert incident["status"] == "open"
        assert "impactEndDate" not in incident
        assert incident["updatedAt"] == incident["createdAt"]
        assert incident["priority"] in {"P1", "P2", "P3", "P4", "P5"}
        assert incident["id"] in incident["links"]["web"]
        assert store.incident(incident["tinyId"], tiny=True) == incident


def test_tiny_ids_are_not_reused_after_the_newest_incidents_are_deleted():
    store = _store(50)

    store.advance(changed_fraction=0, new=0, deleted=50, seed=1)
    store.advance(changed_fraction=0, new=1, deleted=0, seed=1)

    assert [i["tinyId"] for i in store.incidents()] == ["51"]


def test_the_regions_pass_time_independently():
    us, eu = _store(300, region="us"), _store(300, region="eu")

    created = eu.advance(changed_fraction=0, new=1, deleted=0, seed=1)["created"]

    assert eu.incident(created[0]) is not None
    assert "app.eu.opsgenie.com" in eu.incident(created[0])["links"]["web"]  # type: ignore[index]
    assert len(us.incidents()) == 300


@pytest.mark.parametrize(
    "options",
    [
        {"changed_fraction": 1.5},
        {"changed_fraction": -0.1},
        {"changed_fraction": math.nan},
        {"changed_fraction": True},
        {"changed_fraction": "0.1"},
        {"new": -1},
        {"new": 1.5},
        {"new": 10**9},
        {"deleted": 2001},
        {"seed": "x"},
    ],
)
def test_unusable_options_raise_and_change_nothing(options: dict[str, Any]):
    store = _store(2000)
    before, clock = store.incidents(), store.now_ms

    with pytest.raises(ValueError):
        store.advance(**options)

    assert store.incidents() == before
    assert store.now_ms == clock


# --- over HTTP ----------------------------------------------------------------------------------


def test_deleted_incidents_answer_404_and_vanish_from_lists_and_total_count(
    fresh: SandboxServer,
):
    doomed = {i["id"]: i["tinyId"] for i in _all(fresh)}

    summary = fresh.advance(changed_fraction=0, new=0, deleted=5, seed=1)

    assert len(summary["deleted"]) == 5
    for incident_id in summary["deleted"]:
        assert call(fresh, f"/v1/incidents/{incident_id}").status_code == 404
        tiny = doomed[incident_id]
        assert call(fresh, f"/v1/incidents/{tiny}", identifierType="tiny").status_code == 404
    listed = _all(fresh)
    assert not {i["id"] for i in listed} & set(summary["deleted"])
    assert len(listed) == FRESH_INCIDENTS - 5
    assert call(fresh, "/v1/incidents").json()["totalCount"] == FRESH_INCIDENTS - 5


def test_new_incidents_are_listed_with_higher_tiny_ids(fresh: SandboxServer):
    summary = fresh.advance(changed_fraction=0, new=4, deleted=0, seed=1)

    newest = call(fresh, "/v1/incidents", sort="tinyId", order="desc", limit=4).json()

    assert [i["id"] for i in newest["data"]] == summary["created"][::-1]
    assert [i["tinyId"] for i in newest["data"]] == ["304", "303", "302", "301"]
    assert newest["totalCount"] == FRESH_INCIDENTS + 4
    by_default = call(fresh, "/v1/incidents", limit=4).json()["data"]  # createdAt, newest first
    assert [i["id"] for i in by_default] == summary["created"][::-1]
    assert call(fresh, f"/v1/incidents/{summary['created'][0]}").status_code == 200


def test_a_sync_client_finds_every_change_with_an_updated_at_query(fresh: SandboxServer):
    before = {i["id"]: i for i in _all(fresh)}

    summary = fresh.advance(changed_fraction=0.2, new=6, deleted=3, seed=5)

    since = parse_iso_ms(summary["now"])
    found = _all(fresh, query=f"updatedAt>={since}", sort="updatedAt", order="asc")
    assert {i["id"] for i in found} == set(summary["changed"]) | set(summary["created"])
    reopened = [i for i in found if i["id"] in before and before[i["id"]]["status"] != "open"]
    reopened = [i for i in reopened if i["status"] == "open"]
    assert reopened, "seed 5 must reopen something for this test to mean anything"
    assert all("impactEndDate" not in i for i in reopened)
    assert all(i["createdAt"] == before[i["id"]]["createdAt"] for i in found if i["id"] in before)


# --- queries a sync client needs -----------------------------------------------------------------


def test_fifty_ids_in_one_query_come_back_in_ascending_creation_order_over_pages(
    sandbox: SandboxServer,
):
    everything = _all(sandbox)
    wanted = everything[::2][:50]
    query = " OR ".join(f"id:{i['id']}" for i in wanted)

    first = call(sandbox, "/v1/incidents", query=query, sort="createdAt", order="asc", limit=20)
    pages = follow(sandbox, first)

    assert first.json()["totalCount"] == 50
    assert len(pages) == 3
    found = [i for page in pages for i in page.json()["data"]]
    assert {i["id"] for i in found} == {i["id"] for i in wanted}
    assert [i["createdAt"] for i in found] == sorted(i["createdAt"] for i in wanted)


def test_open_incidents_created_since_a_moment_page_in_ascending_order(sandbox: SandboxServer):
    everything = sorted(_all(sandbox), key=lambda i: (i["createdAt"], int(i["tinyId"])))
    since = parse_iso_ms(everything[len(everything) // 4]["createdAt"])
    expected = [
        i["id"]
        for i in everything
        if i["status"] == "open" and parse_iso_ms(i["createdAt"]) >= since
    ]

    first = call(
        sandbox,
        "/v1/incidents",
        query=f"status:open AND createdAt>={since}",
        sort="createdAt",
        order="asc",
        limit=2,
    )

    found = [i["id"] for page in follow(sandbox, first) for i in page.json()["data"]]
    assert len(expected) > 2  # more than one page, or the paging is not tested
    assert found == expected


def test_exact_terms_merged_into_one_lookup_keep_or_and_and_semantics():
    records = [
        {"id": f"id-{n}", "status": status, "priority": "P3"}
        for n, status in enumerate(["open", "closed", "resolved", "open"])
    ]

    def match(query: str) -> list[str]:
        predicate = compile_query(query)
        return [r["id"] for r in records if predicate(r)]

    assert match("id:ID-0 OR id:id-1 OR status:resolved") == ["id-0", "id-1", "id-2"]
    assert match("(id:id-0 OR id:id-1 OR id:id-3) AND status:open") == ["id-0", "id-3"]
    assert match("id:id-1 OR id:id-2 AND status:open") == ["id-1"]
    assert match("NOT (id:id-0 OR id:id-1)") == ["id-2", "id-3"]


# --- the control API ----------------------------------------------------------------------------


def test_the_control_api_lets_time_pass_in_one_region(fresh: SandboxServer):
    body = {"region": "eu", "changed_fraction": 0.02, "new": 2, "deleted": 1, "seed": 3}
    us_alerts = fresh.opsgenie_alerts["us"].snapshot()

    response = requests.post(f"{fresh.base_url}/_sandbox/advance", json=body, timeout=10)

    assert response.status_code == 200
    summary = response.json()
    kinds = ("changed", "created", "deleted", "now", "users", "configuration", "alerts")
    assert set(summary) == set(kinds)
    assert set(summary["alerts"]) == {"created", "acknowledged", "closed"}
    eu_alerts = {alert["id"] for alert in fresh.opsgenie_alerts["eu"].snapshot()}
    assert set(summary["alerts"]["created"]) <= eu_alerts
    assert fresh.opsgenie_alerts["us"].snapshot() == us_alerts
    assert [len(summary[k]) for k in ("changed", "created", "deleted")] == [6, 2, 1]
    assert [len(summary["users"][k]) for k in ("joined", "left", "role_changed")] == [1, 1, 1]
    assert len(_all(fresh, region="eu", sort="tinyId")) == FRESH_INCIDENTS + 1
    assert call(fresh, "/v1/incidents").json()["totalCount"] == FRESH_INCIDENTS


def test_the_control_api_defaults_to_the_us_region_and_an_empty_body(fresh: SandboxServer):
    response = requests.post(f"{fresh.base_url}/_sandbox/advance", timeout=10)

    assert response.status_code == 200
    assert len(response.json()["changed"]) == 3  # 1% of 300
    assert call(fresh, "/v1/incidents").json()["totalCount"] == FRESH_INCIDENTS + 1


@pytest.mark.parametrize(
    "body",
    [
        {"region": "mars"},
        {"region": ["us"]},
        {"changed_fraction": 2},
        {"new": -1},
        {"deleted": 10**6},
        {"people": -1},
        {"people": 10**6},
        {"seed": "x"},
        {"explode": 1},
        [1, 2],
        "not json",
    ],
)
def test_an_unusable_advance_request_is_rejected_with_400(fresh: SandboxServer, body: object):
    data = body if isinstance(body, str) else json.dumps(body)
    clocks = {region: store.now_ms for region, store in fresh.opsgenie_stores.items()}

    response = requests.post(f"{fresh.base_url}/_sandbox/advance", data=data, timeout=10)

    assert response.status_code == 400
    assert response.json()["message"]
    assert {region: store.now_ms for region, store in fresh.opsgenie_stores.items()} == clocks
    assert call(fresh, "/v1/incidents").json()["totalCount"] == FRESH_INCIDENTS


def test_advance_only_accepts_post(fresh: SandboxServer):
    response = requests.get(f"{fresh.base_url}/_sandbox/advance", timeout=10)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# --- manage.py sandbox_control ------------------------------------------------------------------


def _control(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("sandbox_control", *args, stdout=out)
    return json.loads(out.getvalue())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_lets_time_pass_in_a_running_sandbox(fresh: SandboxServer):
    summary = _control(
        "advance",
        "--url",
        fresh.base_url,
        "--region",
        "eu",
        "--changed-fraction",
        "0.02",
        "--new",
        "3",
        "--deleted",
        "1",
        "--seed",
        "9",
        "--people",
        "2",
    )

    assert [len(summary[k]) for k in ("changed", "created", "deleted")] == [6, 3, 1]
    assert len(summary["users"]["joined"]) == 2
    assert fresh.opsgenie_stores["eu"].incident(summary["created"][0]) is not None
    assert len(fresh.opsgenie_stores["us"].incidents()) == FRESH_INCIDENTS


def test_the_command_sets_reads_and_clears_faults(fresh: SandboxServer):
    url = fresh.base_url

    set_ = _control("faults", "--url", url, "--server-errors", "2", "--status", "503")
    more = _control("faults", "--url", url, "--rate-limit", "1", "--period", "5", "--delay", "0")
    read = _control("faults", "--url", url)
    cleared = _control("faults", "--url", url, "--clear")
    cleared_then_set = _control("faults", "--url", url, "--clear", "--malformed", "1")

    assert set_["server_errors"] == 2 and set_["server_error_status"] == 503
    assert more["rate_limit"] == 1 and more["rate_limit_period_seconds"] == 5
    assert read == more
    assert cleared["server_errors"] == 0 and cleared["rate_limit"] == 0
    assert cleared_then_set["malformed"] == 1
    assert fresh.faults.snapshot() == cleared_then_set


def test_the_command_reaches_the_loopback_sandbox_named_by_sandbox_port(
    fresh: SandboxServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SANDBOX_PORT", str(fresh.port))
    # A proxy from the environment must not carry the call anywhere else.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://192.0.2.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    assert len(_control("advance", "--new", "1", "--seed", "1")["created"]) == 1


def test_the_command_says_clearly_when_no_sandbox_is_running():
    url = f"http://127.0.0.1:{_free_port()}"

    with pytest.raises(CommandError, match="Cannot reach the sandbox.*Is it running"):
        _control("advance", "--url", url)


def test_the_command_reports_what_the_sandbox_refused(fresh: SandboxServer):
    with pytest.raises(CommandError, match="answered 400: Cannot delete 999999 incidents"):
        _control("advance", "--url", fresh.base_url, "--deleted", "999999")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1:8810",
        "127.0.0.1:8810",
        "http://",
        "http://me:pw@127.0.0.1:1",
        "http://x/?a=1",
    ],
)
def test_the_command_refuses_a_url_that_is_not_a_sandbox_base_url(url: str):
    with pytest.raises(CommandError, match="--url"):
        _control("faults", "--url", url)


def test_the_command_refuses_a_sandbox_port_that_is_not_a_port(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SANDBOX_PORT", "evil.example.com")

    with pytest.raises(CommandError, match="SANDBOX_PORT"):
        _control("faults")


# --- concurrency --------------------------------------------------------------------------------


def test_listing_while_time_passes_never_errors_and_every_page_is_one_consistent_state(
    fresh: SandboxServer,
):
    store = fresh.opsgenie_stores["us"]
    # new - deleted = 5, so every state has its own totalCount and a page names its state.
    states = {len(store.incidents()): store.incidents()}
    done = threading.Event()
    errors: list[BaseException] = []

    def advance() -> None:
        try:
            for step in range(15):
                fresh.advance(changed_fraction=0.05, new=7, deleted=2, seed=step)
                snapshot = store.incidents()
                states[len(snapshot)] = snapshot
                time.sleep(0.01)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            done.set()

    pages: list[tuple[int, dict[str, Any]]] = []
    writer = threading.Thread(target=advance)
    writer.start()
    auth = {"Authorization": f"GenieKey {fresh.keys.opsgenie_us}"}
    start = f"{fresh.opsgenie_url('us')}/v1/incidents?sort=createdAt&order=asc&limit=50"
    url = start
    while not done.is_set() or len(pages) < 20:
        response = requests.get(url, headers=auth, timeout=10)
        assert response.status_code == 200, response.text
        offset = int(parse_qs(urlsplit(url).query).get("offset", ["0"])[0])
        pages.append((offset, response.json()))
        url = response.json()["paging"].get("next") or start
    writer.join()

    assert not errors
    assert len({body["totalCount"] for _, body in pages}) > 1, "no page saw time pass"
    for offset, body in pages:
        state = sorted(states[body["totalCount"]], key=lambda i: (i["createdAt"], int(i["tinyId"])))
        expected = state[offset : offset + 50]
        assert [(i["id"], i["updatedAt"], i["status"]) for i in body["data"]] == [
            (i["id"], i["updatedAt"], i["status"]) for i in expected
        ]
        assert ("next" in body["paging"]) == (offset + 50 < body["totalCount"])
