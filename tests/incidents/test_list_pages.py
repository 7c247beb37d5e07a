"""The incident list past a thousand matches (issue 14): the count stops at "More than 1,000",
the Next and Previous links seek from where the page ends, in every order, and the two ways
of reading each costly filter list the same incidents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import connection as db
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, FailingItem, SpecialCase, item_id_of
from incidents import list_pages, selectors
from incidents.checks import CLOSED_KEY
from incidents.models import Incident
from integrations.models import Connection

pytestmark = pytest.mark.django_db
MANY = 1_060


def _many(connection: Connection) -> None:
    """MANY incidents: newest first is #1, #2, …; a mix of priorities and statuses."""
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            connection=connection,
            source="opsgenie",
            upstream_id=f"many-{n}",
            number=str(n),
            title=f"Incident {n}" + (" checkout" if n % 3 == 0 else ""),
            status=("open", "resolved", "closed")[n % 3],
            priority=("high", "medium", "low", "")[n % 4],
            services=["Checkout API"] if n % 2 else ["Billing"],
            # Some share a creation time: ties are broken by id.
            created_at=now - timedelta(minutes=n - n % 5),
            content_hash="x",
            changed_at=now,
        )
        for n in range(1, MANY + 1)
    )


def _page(client, query: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/incidents/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def _numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/incidents/\d+/">#(\d+) ', page)


def _link(page: str, rel: str) -> str:
    found = re.search(rf'<a href="\?([^"]*)"[^>]*rel="{rel}"', page)
    assert found, f"no {rel} link"
    return unescape(found.group(1))


def test_past_a_thousand_the_count_stops_and_next_and_previous_seek(
    staff_client, connection
) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    first = _page(staff_client, "")
    assert "More than 1,000 incidents." in first and "<span>Page 1</span>" in first
    next_query = _link(first, "next")
    assert "page=2" in next_query and "after=" in next_query
    second = _page(staff_client, next_query)
    assert "<span>Page 2</span>" in second
    assert _numbers(second) == _numbers(_page(staff_client, "page=2"))
    back = _link(second, "prev")
    assert "page=1" in back and "before=" in back and "after=" not in back
    assert _numbers(_page(staff_client, back)) == _numbers(first)


@pytest.mark.parametrize("sort", ["reported", "priority", "status", "number"])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_every_order_continues_after_its_last_row(staff_client, connection, sort, order) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    query = f"sort={sort}&order={order}"
    pages = [_page(staff_client, f"{query}&page={n}") for n in (1, 2, 3)]
    following = _page(staff_client, _link(pages[0], "next"))
    assert _numbers(following) == _numbers(pages[1])
    assert _numbers(_page(staff_client, _link(following, "next"))) == _numbers(pages[2])
    assert _numbers(_page(staff_client, _link(pages[2], "prev"))) == _numbers(pages[1])


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "W10", "WyJyZXBvcnRlZC1kZXNjIiwxLDJd", "eyJhIjoxfQ", "%00", "A" * 500],
)
def test_a_cursor_that_cannot_be_read_is_ignored(staff_client, connection, cursor) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    third = _numbers(_page(staff_client, "page=3"))
    assert _numbers(_page(staff_client, f"page=3&after={cursor}")) == third
    assert _numbers(_page(staff_client, f"page=3&before={cursor}")) == third


def test_a_cursor_of_another_order_is_ignored(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    by_number = _link(_page(staff_client, "sort=number&order=asc"), "next")
    cursor = re.search(r"after=([^&]+)", by_number).group(1)  # type: ignore[union-attr]
    assert _numbers(_page(staff_client, f"page=2&after={cursor}")) == _numbers(
        _page(staff_client, "page=2")
    )


def test_a_page_typed_past_the_end_of_many_shows_the_last_one(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    last = _page(staff_client, "page=999")
    assert f"{MANY:,} incidents." in last and "Page 22 of 22" in last
    newest_first = Incident.objects.order_by("-created_at", "-id").values_list("number", flat=True)
    assert _numbers(last) == list(newest_first)[-10:]


def _listed(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = _page(client, query)
    return _numbers(page) + re.findall(r"More than [\d,]+|[\d,]+ incidents? match", page)


@pytest.mark.parametrize("excepted", [True, False])
@pytest.mark.parametrize("cap", [list_pages.COUNT_CAP, 100, "as many as fail"])
@pytest.mark.parametrize("check", ["any", CLOSED_KEY])
def test_failing_a_check_lists_the_same_read_from_few_or_many_items(  # type: ignore[no-untyped-def]
    staff_client, connection, monkeypatch, check, cap, excepted
) -> None:
    _many(connection)
    # Some open incidents also report data loss upstream: they fail two checks.
    Incident.objects.filter(status="open", number__endswith="7").update(
        data_loss_mention="customer data was lost"
    )
    evaluate()
    newest_open = Incident.objects.filter(status="open").order_by("-created_at", "-id")[0]
    if excepted:
        # A special case takes the newest open incident out of the failing ones, every way.
        SpecialCase.objects.create(
            check_state=CheckState.objects.get(key=CLOSED_KEY),
            item_key=f"incident:{newest_open.pk}",
            label="x",
            reason="accepted",
        )
    # With a cap of 100 the check alone matches more than the cap: counted from its items,
    # each page read on its own; every way must list what walking the incidents lists. With
    # the cap at exactly as many incidents as fail, an incident failing two checks must not
    # count twice.
    failing = {
        item_id
        for item_id, key in FailingItem.objects.values_list("item_id", "check_key")
        if check in ("any", key)
        and not (excepted and (item_id, key) == (newest_open.pk, CLOSED_KEY))
    }
    monkeypatch.setattr(list_pages, "COUNT_CAP", len(failing) if cap == "as many as fail" else cap)
    queries = [f"check={check}", f"check={check}&priority=high", f"check={check}&page=3"]
    monkeypatch.setattr(selectors, "SPARSE_SHARE", 2.0)
    from_items = [_listed(staff_client, query) for query in queries]
    monkeypatch.setattr(selectors, "SPARSE_SHARE", -1.0)
    per_incident = [_listed(staff_client, query) for query in queries]
    following = _listed(staff_client, _link(_page(staff_client, queries[0]), "next"))
    monkeypatch.setattr(selectors, "_failing_count", lambda items: None)
    walked = [_listed(staff_client, query) for query in queries]
    assert from_items == per_incident == walked
    assert following == _listed(staff_client, f"check={check}&page=2")
    open_count = Incident.objects.filter(status="open").count() - excepted
    if cap == 100:
        assert from_items[0][-1] == "More than 100"
    elif check == CLOSED_KEY:
        assert from_items[0][-1] == f"{open_count:,} incidents match"
    # #3 is the newest open incident; #9 and #6 were created together (ties: highest id first).
    assert newest_open.number == "3"
    assert from_items[0][:2] == (["9", "6"] if excepted else ["3", "9"])


def test_a_common_word_or_service_lists_the_same_unindexed(
    staff_client, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _many(connection)
    queries = ["q=checkout", "q=checkout&status=open&sort=priority", "q=%2312"]
    if db.vendor == "postgresql":  # JSON containment on the unindexed column is PostgreSQL's
        queries += ["service=Checkout+API", "service=Checkout+API&q=checkout"]
    indexed = [_listed(staff_client, query) for query in queries]
    monkeypatch.setattr(selectors, "_common", lambda condition: True)
    assert [_listed(staff_client, query) for query in queries] == indexed


def test_failing_items_carry_their_check_and_incident(connection) -> None:  # type: ignore[no-untyped-def]
    incident = Incident.objects.create(
        connection=connection,
        source="opsgenie",
        upstream_id="x",
        number="7",
        title="Open",
        status="open",
        created_at=timezone.now(),
        content_hash="x",
        changed_at=timezone.now(),
    )
    evaluate()
    item = FailingItem.objects.get(check_state__key=CLOSED_KEY)
    assert (item.check_key, item.item_id) == (CLOSED_KEY, incident.pk)


@pytest.mark.parametrize(
    ("key", "item_id"),
    [
        ("incident:42", 42),
        ("account:7", 7),
        ("account:ab12", None),
        ("incident:", None),
        ("incident:-3", None),
        ("incident:١٢", None),  # digits, but not ASCII ones
        ("incident:" + "9" * 19, None),  # beyond a bigint
    ],
)
def test_an_item_id_is_the_number_after_the_colon(key: str, item_id: int | None) -> None:
    assert item_id_of(key) == item_id


@pytest.mark.parametrize("zone", ["UTC", "Europe/Zurich", "America/St_Johns"])
def test_a_row_writes_what_the_template_filters_wrote(settings, zone: str) -> None:
    from django.template import Context, Template
    from django.utils import timezone as tz

    from incidents.list_rows import IncidentRow, rows_html

    settings.TIME_ZONE = zone
    long_title = "Zürich <b>" + "é" * 130
    moments = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 12, 31, 23, 5, tzinfo=UTC)]
    for moment, title in zip(moments, [long_title, "Short & plain"], strict=True):
        incident = Incident(pk=5, number="12", title=title, created_at=moment)
        row = IncidentRow(incident=incident, data_lost=None, failing_checks=())
        with tz.override(zone):
            expected = Template(
                "{{ i.created_at|date:'c' }}|{{ i.created_at|date:'j M Y, H:i' }}|"
                "#{{ i.number }} {{ i.title|truncatechars:120 }}"
            ).render(Context({"i": incident}))
            iso, text, name = expected.split("|")
            assert f'<time datetime="{iso}">{text}</time>' in rows_html([row])
            assert f">{name}</a>" in rows_html([row])


@pytest.mark.parametrize("priority", ["high", "medium", "low", "", "p9-custom"])
def test_a_row_labels_priority_and_status_as_the_model_does(priority: str) -> None:
    from incidents.list_rows import IncidentRow, rows_html

    for status in ("open", "closed", "odd"):
        incident = Incident(
            pk=5,
            number="1",
            title="t",
            priority=priority,
            status=status,
            created_at=datetime.now(UTC),
        )
        body = rows_html([IncidentRow(incident=incident, data_lost=None, failing_checks=())])
        assert f">{incident.get_priority_display()}</span>" in body
        assert f">{incident.get_status_display()}</span>" in body
