"""Reading OpsGenie alerts (``GET /v2/alerts``) with a small fake that answers as the reference
says: 100 a page at most, sorted by createdAt or updatedAt, createdAt and status queries,
``paging.next`` until the last page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.providers.opsgenie import alert_reader
from integrations.providers.opsgenie.alert_reader import UPDATED_OVERLAP, OpsgenieAlerts
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.mapping import alert_record
from integrations.records import AlertStatus
from integrations.sync.streams import ChangesUnreadable

BASE = "https://api.opsgenie.com"
START = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def alerts(n: int) -> list[dict]:
    items = []
    for i in range(1, n + 1):
        created = START + timedelta(minutes=i)
        closed = i % 3 == 0
        items.append(
            {
                "id": f"a{i:04d}-{int(created.timestamp() * 1000)}",
                "tinyId": str(i),
                "alias": f"alias-{i}",
                "message": f"Alert {i}",
                "status": "closed" if closed else "open",
                "acknowledged": closed,
                "isSeen": True,
                "tags": ["infra"],
                "snoozed": False,
                "count": 1,
                "lastOccurredAt": stamp(created),
                "createdAt": stamp(created),
                "updatedAt": stamp(created),
                "source": "Datadog",
                "owner": "",
                "priority": "P3",
                "responders": [],
                "integration": {"id": "i1", "name": "Datadog", "type": "Datadog"},
                "report": {"closeTime": 60_000, "closedBy": "ann@example.com"} if closed else {},
            }
        )
    return items


def fake_api(
    mocked: responses.RequestsMock, data: list[dict], before: Callable[[int], None] | None = None
) -> list[dict]:
    """Register /v2/alerts; returns each request's query parameters. ``before(n)`` runs before
    the n-th request (from 0) is answered: upstream changing while we page."""
    seen: list[dict] = []

    def listing(request):  # type: ignore[no-untyped-def]
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        if before is not None:
            before(len(seen))
        seen.append(query)
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 20))
        if limit > 100:
            body = {"message": "Request body is not processable. Please check the errors."}
            return 422, {}, json.dumps({**body, "errors": {"limit": "too big"}})
        sort = query.get("sort", "createdAt")
        rows = sorted(data, key=lambda a: a[sort], reverse=query.get("order") != "asc")
        for clause in (query.get("query") or "").split(" AND "):
            if clause.startswith("createdAt>="):
                lower = int(clause.split(">=")[1])
                rows = [a for a in rows if int(a["id"].rsplit("-", 1)[1]) >= lower]
            elif clause == "status:open":
                rows = [a for a in rows if a["status"] == "open"]
            elif clause.startswith("alertId:"):
                wanted = {part.split(":", 1)[1].strip('"') for part in clause.split(" OR ")}
                rows = [a for a in rows if a["id"] in wanted]
        page = rows[offset : offset + limit]
        paging = {"first": f"{BASE}/v2/alerts?offset=0"}
        if offset + limit < len(rows):
            paging["next"] = f"{BASE}/v2/alerts?offset={offset + limit}"
        body = {"data": page, "paging": paging, "took": 0.01, "requestId": "r"}
        return 200, {}, json.dumps(body)

    mocked.add_callback(responses.GET, f"{BASE}/v2/alerts", callback=listing)
    return seen


@pytest.fixture
def reader(settings) -> OpsgenieAlerts:  # type: ignore[no-untyped-def]
    client = OpsgenieClient(api_key="k" * 36, region="us", max_attempts=2)
    client.session.sleep = lambda seconds: None
    return OpsgenieAlerts(client, overlap=timedelta(minutes=10))


def test_a_full_scan_reads_every_alert_oldest_first_100_a_page(reader: OpsgenieAlerts) -> None:
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, alerts(250))
        pages = list(reader.scan_all())

    ids = [record.upstream_id for page in pages for record in page]
    assert ids == [a["id"] for a in alerts(250)]
    assert all(q["limit"] == "100" and q["sort"] == "createdAt" for q in seen)
    assert all(q["order"] == "asc" and int(q["offset"]) == 0 for q in seen)


def test_created_since_asks_for_createdAt_ten_minutes_before_the_newest(
    reader: OpsgenieAlerts,
) -> None:
    newest = START + timedelta(minutes=200)
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, alerts(250))
        records = [r for page in reader.created_since(newest) for r in page]

    lower = int((newest - timedelta(minutes=10)).timestamp() * 1000)
    assert seen[0]["query"] == f"createdAt>={lower}"
    assert [r.tiny_id for r in records] == [str(i) for i in range(190, 251)]


def test_still_open_reads_the_open_listing_and_by_ids_fifty_to_a_query(
    reader: OpsgenieAlerts,
) -> None:
    data = alerts(120)
    wanted = [a["id"] for a in data[:60]]
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data)
        still_open = [r for page in reader.still_open() for r in page]
        by_ids = [r for page in reader.by_ids(wanted) for r in page]

    assert {r.upstream_id for r in still_open} == {a["id"] for a in data if a["status"] == "open"}
    assert seen[0]["query"] == "status:open"
    assert [r.upstream_id for r in by_ids] == wanted
    assert [q["query"].count("alertId:") for q in seen[-2:]] == [50, 10]


def test_an_alert_maps_its_fields_and_keeps_the_item_as_canonical_json() -> None:
    raw = alerts(3)[2]
    record = alert_record(raw)

    assert (record.tiny_id, record.message, record.status) == ("3", "Alert 3", AlertStatus.CLOSED)
    assert (record.priority, record.source, record.closed_by) == (
        "P3",
        "Datadog",
        "ann@example.com",
    )
    assert record.close_time_ms == 60_000 and record.ack_time_ms is None
    assert record.created_at == START + timedelta(minutes=3)
    assert json.loads(record.raw_json) == raw
    assert alert_record(dict(reversed(raw.items()))).raw_json == record.raw_json


@pytest.mark.parametrize(
    "raw",
    [None, [], {"id": ""}, {"id": 5}, {"id": "x"}, {"id": "x", "createdAt": "yesterday"}],
)
def test_an_alert_without_an_id_or_creation_time_is_refused(raw: object) -> None:
    with pytest.raises(UpstreamError):
        alert_record(raw)


def test_odd_field_types_are_read_as_empty_not_trusted() -> None:
    raw = {
        **alerts(1)[0],
        "count": True,
        "priority": {"p": 1},
        "tags": "infra",
        "report": {"ackTime": -5, "closeTime": "soon", "closedBy": ["x"]},
        "integration": "Datadog",
        "message": "x" * 5000,
    }
    record = alert_record(raw)

    assert (record.count, record.priority, record.tags) == (0, "", ())
    assert (record.ack_time_ms, record.close_time_ms, record.closed_by) == (None, None, "")
    assert record.integration_name == "" and len(record.message) == 1000


# The start of the last good run: what a scheduled run reads changes from.
WATERMARK = START + timedelta(days=1)


def changed(data: list[dict], tiny_ids: range, *, at: datetime) -> set[str]:
    """These alerts updated upstream, one second apart from ``at`` on; their ids."""
    for second, i in enumerate(tiny_ids):
        data[i - 1]["updatedAt"] = stamp(at + timedelta(seconds=second))
    return {data[i - 1]["id"] for i in tiny_ids}


def test_with_nothing_changed_the_changes_cost_one_call_sorted_by_updatedAt(
    reader: OpsgenieAlerts,
) -> None:
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, alerts(250))
        records = [r for page in reader.changed_since(WATERMARK) for r in page]

    assert records == []
    assert seen == [{"limit": "100", "offset": "0", "sort": "updatedAt", "order": "desc"}]


def test_the_changes_are_read_back_to_the_watermark_less_the_overlap(
    reader: OpsgenieAlerts,
) -> None:
    data = alerts(250)
    expected = changed(data, range(1, 151), at=WATERMARK)
    # Changed just before the watermark, within the overlap (clock skew): read; before it: not.
    expected |= changed(data, range(200, 201), at=WATERMARK - UPDATED_OVERLAP + timedelta(1))
    changed(data, range(201, 202), at=WATERMARK - UPDATED_OVERLAP - timedelta(seconds=1))
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data)
        records = [r for page in reader.changed_since(WATERMARK) for r in page]

    assert sorted(r.upstream_id for r in records) == sorted(expected)
    # Each page asks again for the last alert of the page before (see the next test).
    assert [q["offset"] for q in seen] == ["0", "99"]


def test_alerts_deleted_mid_listing_make_it_start_over_rather_than_skip_one(
    reader: OpsgenieAlerts,
) -> None:
    data = alerts(250)
    expected = changed(data, range(1, 201), at=WATERMARK)
    gone: list[dict] = []

    def delete_two_after_the_first_page(n: int) -> None:
        if n == 1:  # the newest two: every alert after them shifts two toward the front
            newest = sorted(data, key=lambda a: a["updatedAt"], reverse=True)[:2]
            gone.extend(data.pop(data.index(alert)) for alert in newest)

    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data, before=delete_two_after_the_first_page)
        records = [r for page in reader.changed_since(WATERMARK) for r in page]

    ids = [r.upstream_id for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) >= expected - {a["id"] for a in gone}
    # The second page no longer holds the first's last alert: the listing starts over.
    assert [q["offset"] for q in seen] == ["0", "99", "0", "99"]


def test_more_changes_than_the_offset_cap_lets_one_listing_hold_are_refused(
    reader: OpsgenieAlerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_reader, "MAX_OFFSET", 300)
    data = alerts(400)
    changed(data, range(1, 401), at=WATERMARK)
    with responses.RequestsMock() as mocked:
        seen = fake_api(mocked, data)
        with pytest.raises(ChangesUnreadable):
            list(reader.changed_since(WATERMARK))

    # Never an offset the cap refuses: offset + limit stays within it.
    assert [q["offset"] for q in seen] == ["0", "99", "198"]
