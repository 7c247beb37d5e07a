"""PagerDuty fetching against a small fake of /incidents that enforces the real rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.providers.pagerduty import source
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.source import PagerDutyIncidentSource

BASE = "https://api.pagerduty.com"
START = datetime(2026, 1, 1, tzinfo=UTC)


def incidents(n: int) -> list[dict]:
    return [
        {
            "id": f"P{i:05d}",
            "incident_number": i,
            "title": f"Incident {i}",
            "status": "resolved" if i % 4 else "triggered",
            "urgency": "high",
            "created_at": (START + timedelta(hours=i)).isoformat().replace("+00:00", "Z"),
            "resolved_at": (START + timedelta(hours=i, minutes=30))
            .isoformat()
            .replace("+00:00", "Z"),
        }
        for i in range(1, n + 1)
    ]


def fake_api(mocked: responses.RequestsMock, data: list[dict], cap: int) -> list[dict]:
    """Register /incidents: offset + limit over ``cap`` is the real 400; since/until filter."""
    seen: list[dict] = []

    def listing(request):  # type: ignore[no-untyped-def]
        query = parse_qs(urlparse(request.url).query)
        seen.append(query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        if offset + limit > cap:
            body = {"error": {"message": "Arguments Caused Error", "code": 2002}}
            return 400, {}, json.dumps(body)
        rows = data
        if "since" in query:
            since = datetime.fromisoformat(query["since"][0])
            until = datetime.fromisoformat(query["until"][0])
            assert until - since <= timedelta(days=180)
            rows = [r for r in rows if since <= datetime.fromisoformat(r["created_at"]) < until]
        if "statuses[]" in query:
            rows = [r for r in rows if r["status"] in query["statuses[]"]]
        page = rows[offset : offset + limit]
        body = {
            "incidents": page,
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(rows),
            "total": None,
        }
        return 200, {}, json.dumps(body)

    mocked.add_callback(responses.GET, f"{BASE}/incidents", callback=listing)
    return seen


def _source() -> PagerDutyIncidentSource:
    client = PagerDutyClient(region="us", api_key="k" * 20)
    client.session.sleep = lambda s: None
    return PagerDutyIncidentSource(client)


def test_a_full_scan_reads_every_incident_oldest_first() -> None:
    data = incidents(250)
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, cap=10_000)
        ids = [r.upstream_id for page in _source().scan_all() for r in page]
    assert ids == [r["id"] for r in data]
    assert all(q["sort_by"] == ["created_at:asc"] and q["offset"] == ["0"] for q in seen)
    # The first page from the start; each next one from the last created_at seen.
    assert seen[0]["date_range"] == ["all"] and all("since" in q for q in seen[1:])


def test_keyset_paging_never_nears_the_offset_cap() -> None:
    data = incidents(1000)
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, cap=300)  # offsets this low would already be refused
        ids = [r.upstream_id for page in _source().scan_all() for r in page]
    assert ids == [r["id"] for r in data]
    assert all(q["offset"] == ["0"] for q in seen)


@pytest.mark.parametrize("position", ["before", "at", "after"])
def test_an_incident_deleted_mid_scan_makes_it_skip_no_other(position: str) -> None:
    # The second page's boundary is the 100th incident; delete one before it, it, or after it.
    data = incidents(250)
    doomed = {"before": data[40], "at": data[99], "after": data[150]}[position]["id"]
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, cap=10_000)
        ids = []
        for page in _source().scan_all():
            ids += [r.upstream_id for r in page]
            if len(seen) == 1:  # between the first and the second page
                data.remove(next(r for r in data if r["id"] == doomed))
    survivors = [r["id"] for r in data]
    assert [i for i in ids if i != doomed] == survivors
    assert len(ids) == len(set(ids))


def test_still_open_asks_for_triggered_and_acknowledged() -> None:
    data = incidents(40)
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, cap=10_000)
        statuses = {r.raw_status for page in _source().still_open() for r in page}
    assert statuses == {"triggered"}
    assert seen[0]["statuses[]"] == ["triggered", "acknowledged"]


def test_by_ids_skips_incidents_gone_upstream() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(f"{BASE}/incidents/P00001", json={"incident": incidents(1)[0]})
        mocked.get(
            f"{BASE}/incidents/PGONE",
            status=404,
            json={"error": {"message": "Not Found", "code": 2100}},
        )
        pages = list(_source().by_ids(["P00001", "PGONE"]))
    assert [r.upstream_id for page in pages for r in page] == ["P00001"]


def test_a_malformed_page_is_an_upstream_error() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(f"{BASE}/incidents", json={"unexpected": True})
        with pytest.raises(UpstreamError, match="without an incidents list"):
            list(_source().scan_all())


def test_windows_go_on_to_the_present_even_past_six_months(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "OFFSET_CAP", 300)
    # 1,200 incidents, one every 9 hours: 450 days, more than two 180-day windows.
    data = incidents(1200)
    for i, row in enumerate(data):
        row["created_at"] = (START - timedelta(days=460) + timedelta(hours=9 * i)).isoformat()
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, cap=300)
        ids = {r.upstream_id for page in _source().scan_all() for r in page}
    assert ids == {r["id"] for r in data}
    assert sum("since" in q for q in seen) > 3


def test_a_quiet_window_does_not_end_the_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "OFFSET_CAP", 300)
    # 400 incidents in 4 days force windows; then one a month for two years: most 180-day
    # windows then hold a handful and end uncapped, long before the present.
    data = incidents(424)
    origin = datetime.now(UTC) - timedelta(days=800)
    for i, row in enumerate(data):
        offset = timedelta(hours=i / 4) if i < 400 else timedelta(days=30 * (i - 399))
        row["created_at"] = (origin + offset).isoformat()
    with responses.RequestsMock() as mocked:
        fake_api(mocked, data, cap=300)
        ids = {r.upstream_id for page in _source().scan_all() for r in page}
    assert ids == {r["id"] for r in data}
