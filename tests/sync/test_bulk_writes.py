"""integrations/sync/writes.update_rows: the rows given get exactly the values given, on either
database and by either path (PostgreSQL sends plain columns as one array each; others go row by
row), and a value the column cannot hold is refused, not cut short."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import timezone as tz

import pytest
from django.db import DataError, connection, connections, transaction
from django.utils import timezone

from accounts.models import SignInLockout
from checks.models import CheckState, FailingItem
from incidents.models import Incident
from integrations.sync import writes
from tests.conftest import make_connection, new_incident

SINCE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _items(count: int) -> list[FailingItem]:
    state = CheckState.objects.create(
        key="bulk-writes", status="failing", status_since=SINCE, last_evaluated_at=SINCE
    )
    return [
        FailingItem.objects.create(
            check_state=state,
            check_key=state.key,
            item_key=f"incident:{n}",
            item_id=n,
            label=f"#{n} before",
            url=f"/incidents/{n}/",
            reason="before",
            source="OpsGenie",
            failing_since=SINCE,
        )
        for n in range(count)
    ]


def _row(item: FailingItem) -> tuple:  # type: ignore[type-arg]
    item.refresh_from_db()
    return (item.item_id, item.label, item.url, item.reason, item.source, item.failing_since)


@pytest.mark.django_db
def test_each_row_gets_its_own_values_and_the_others_are_untouched() -> None:
    items = _items(4)
    later = timezone.now().replace(microsecond=0)
    changed = items[:3]
    changed[0].label, changed[0].reason = "Zürich — ‘quoted’ \\ %s", "after, with a, comma"
    changed[1].item_id, changed[1].url, changed[1].source = None, "", ""
    changed[2].failing_since, changed[2].reason = later, 'braces {1,2} and "quotes"'
    changed[2].item_id = 2**40  # past a 32-bit integer, beside a NULL and a small one

    writes.update_rows(
        FailingItem, changed, ["item_id", "label", "url", "reason", "source", "failing_since"]
    )

    assert _row(items[0]) == (
        0,
        "Zürich — ‘quoted’ \\ %s",
        "/incidents/0/",
        "after, with a, comma",
        "OpsGenie",
        SINCE,
    )
    assert _row(items[1]) == (None, "#1 before", "", "before", "", SINCE)
    assert _row(items[2]) == (2**40, "#2 before", "/incidents/2/", 'braces {1,2} and "quotes"',
                              "OpsGenie", later)  # fmt: skip
    assert _row(items[3]) == (3, "#3 before", "/incidents/3/", "before", "OpsGenie", SINCE)


@pytest.mark.django_db
def test_nothing_to_update_writes_nothing() -> None:
    items = _items(1)
    writes.update_rows(FailingItem, [], ["label"])
    assert _row(items[0])[1] == "#0 before"


@pytest.mark.django_db
def test_a_value_too_long_for_its_column_is_refused_and_nothing_is_written() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce a varchar's length")
    items = _items(2)
    items[0].reason = "short"
    items[1].reason = "x" * 501  # reason is varchar(500)
    with pytest.raises(DataError), transaction.atomic():
        writes.update_rows(FailingItem, items, ["reason"])
    assert [_row(item)[3] for item in items] == ["before", "before"]


@pytest.mark.django_db
def test_inserted_values_are_prepared_as_the_orm_would_and_a_short_row_is_refused() -> None:
    state = _items(1)[0].check_state
    names = ("check_state_id", "check_key", "item_key", "item_id", "label", "reason", "url",
             "source", "failing_since")  # fmt: skip
    writes.insert_values(
        FailingItem,
        names,
        [
            (state.pk, state.key, "incident:7", 7, "#7 ünïcode", "r7", "", "", SINCE),
            (state.pk, state.key, "incident:8", None, "#8", "r8", "", "", SINCE.replace(hour=23)),
        ],
    )
    stored = FailingItem.objects.filter(item_key__in=["incident:7", "incident:8"])
    assert sorted(stored.values_list("item_key", "item_id", "label", "failing_since")) == [
        ("incident:7", 7, "#7 ünïcode", SINCE),
        ("incident:8", None, "#8", SINCE.replace(hour=23)),
    ]
    with pytest.raises(ValueError, match="6 values for 9 fields"):
        writes.insert_values(
            FailingItem, names, [(state.pk, state.key, "incident:9", 9, "#9", "r")]
        )
    assert not FailingItem.objects.filter(item_key="incident:9").exists()


@pytest.mark.django_db
def test_inserted_model_rows_keep_their_times_and_get_the_times_set_on_save() -> None:
    """insert_rows reads a time not set on save as its attribute (an aware time in any zone is
    stored as the same instant, None stays None) and still runs the pre_save of one that is
    (Incident.first_synced_at, auto_now_add)."""
    source = make_connection()
    berlin = datetime(2026, 3, 1, 10, 30, tzinfo=tz(timedelta(hours=1)))  # 09:30 UTC
    before = timezone.now()
    rows = [
        new_incident(source, n, upstream_id=f"u{n}", created_at=created, changed_at=SINCE)
        for n, created in enumerate((SINCE, berlin))
    ]
    writes.insert_rows(Incident, rows)
    stored = Incident.objects.order_by("upstream_id")
    assert [(i.created_at, i.changed_at, i.resolved_at) for i in stored] == [
        (SINCE, SINCE, None),
        (SINCE, SINCE, None),
    ]
    assert all(i.first_synced_at >= before for i in stored)


@pytest.mark.django_db
def test_inserted_values_take_the_defaults_of_the_fields_not_named_and_give_their_keys() -> None:
    """insert_values: an unnamed field gets its default; a time in another zone is the same
    instant; a tuple for a JSON field is stored as the list it stands for; keys reserved by
    reserve_pks are the rows' own, in their order (PostgreSQL: from the table's sequence;
    SQLite: past the largest given, the transaction holding the write lock)."""
    source = make_connection()
    berlin = datetime(2026, 3, 1, 10, 30, tzinfo=tz(timedelta(hours=1)))  # 09:30 UTC
    names = ("connection_id", "source", "upstream_id", "title", "status", "created_at",
             "content_hash", "changed_at", "first_synced_at", "search_text",
             "services")  # fmt: skip
    rows = [
        (
            source.pk,
            "opsgenie",
            f"u{n}",
            f"Incident {n}",
            "open",
            created,
            "x",
            SINCE,
            SINCE,
            f"incident {n}",
            ("Checkout API", "Payments"),
        )  # fmt: skip
        for n, created in enumerate((SINCE, berlin, SINCE))
    ]
    keys = writes.reserve_pks([Incident], len(rows))
    assert keys is not None
    (pks,) = keys
    writes.insert_values(Incident, names, rows, pks=pks)
    stored = list(Incident.objects.order_by("upstream_id"))
    assert [(i.upstream_id, i.created_at, i.services) for i in stored] == [
        ("u0", SINCE, ["Checkout API", "Payments"]),
        ("u1", SINCE, ["Checkout API", "Payments"]),
        ("u2", SINCE, ["Checkout API", "Payments"]),
    ]
    # Every other field as its default says.
    assert [
        (i.announced, i.deleted_upstream, i.notes_mention, i.external_refs, i.superseded_by_id)
        for i in stored
    ] == [(False, False, "", {}, None)] * 3
    assert [Incident.objects.get(pk=pk).upstream_id for pk in pks] == ["u0", "u1", "u2"]
    # The database moved past them: the next row is not given one of their keys.
    later = Incident.objects.create(
        connection=source, upstream_id="u3", title="t", status="open", created_at=SINCE,
        content_hash="x", changed_at=SINCE,
    )  # fmt: skip
    assert later.pk > max(pks)
    assert writes.reserve_pks([Incident], 0) == [[]]


@pytest.mark.django_db
def test_keys_reserved_for_two_tables_at_once_are_theirs_and_never_given_again(
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    """reserve_pks: one list of new keys per table (one query on PostgreSQL); rows written with
    them keep them, and neither table gives them to a later row."""
    from access.models import Account, AccountMapping

    source = make_connection()
    with transaction.atomic():
        with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
            keys = writes.reserve_pks([Account, AccountMapping], 2)
        assert keys is not None
        accounts, mappings = keys
        assert len(set(accounts)) == len(set(mappings)) == 2
        names = ("connection_id", "upstream_id", "content_hash", "first_seen_at", "changed_at")
        rows = [(source.pk, upstream_id, "x", SINCE, SINCE) for upstream_id in ("a", "b")]
        writes.insert_values(Account, names, rows, pks=accounts)
        fields = ("account_id", "kind", "source")
        mapping_rows = [(pk, "staff", "email") for pk in accounts]
        writes.insert_values(AccountMapping, fields, mapping_rows, pks=mappings)
    stored = dict(Account.objects.values_list("upstream_id", "pk"))
    assert stored == {"a": accounts[0], "b": accounts[1]}
    assert sorted(AccountMapping.objects.values_list("pk", "account_id")) == sorted(
        zip(mappings, accounts, strict=True)
    )
    later = Account.objects.create(connection=source, upstream_id="c", content_hash="x")
    assert later.pk > max(accounts)
    assert AccountMapping.objects.create(account=later, kind="staff").pk > max(mappings)


@pytest.mark.django_db
def test_keys_are_not_given_on_sqlite_in_a_transaction_without_the_write_lock() -> None:
    """Another connection could insert between the reading of the largest key and the rows:
    no key is reserved, and the rows are written with the keys the database gives."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's transaction modes")
    source = make_connection()
    names = ("connection_id", "source", "upstream_id", "title", "status", "created_at",
             "content_hash", "changed_at", "first_synced_at", "search_text")  # fmt: skip
    row = (source.pk, "opsgenie", "u1", "Checkout down", "open", SINCE, "x", SINCE, SINCE, "c")
    wrapper = connections["default"]
    mode, wrapper.transaction_mode = wrapper.transaction_mode, "DEFERRED"  # type: ignore[attr-defined]
    try:
        assert writes.reserve_pks([Incident], 1) is None
        writes.insert_values(Incident, names, [row])
    finally:
        wrapper.transaction_mode = mode  # type: ignore[attr-defined]
    assert Incident.objects.filter(upstream_id="u1").exists()


@pytest.mark.django_db
def test_a_field_made_on_save_left_unnamed_is_refused_and_nothing_is_written() -> None:
    source = make_connection()
    names = ("connection_id", "source", "upstream_id", "title", "status", "created_at",
             "content_hash", "changed_at")  # fmt: skip
    row = (source.pk, "opsgenie", "u1", "Checkout down", "open", SINCE, "x", SINCE)
    # first_synced_at (set on save) and search_text (folded from the title) would be wrong.
    with pytest.raises(ValueError, match="first_synced_at, search_text: made on save"):
        writes.insert_values(Incident, names, [row])
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_inserted_values_come_back_exactly_by_binary_and_by_text_copy() -> None:
    """On PostgreSQL a COPY is binary when every column's type allows (FailingItem) and text
    when one does not (an address: SignInLockout); either way, and on SQLite, text with tabs,
    line breaks and backslashes, a 64-bit integer, NULLs, other time zones and addresses come
    back as given."""
    state = _items(1)[0].check_state
    berlin = datetime(2026, 3, 1, 10, 30, tzinfo=tz(timedelta(hours=1)))  # 09:30 UTC
    awkward = "tab\there, line\nbreak, back\\slash, \\N, ‘quoted’ — ünïcode"
    names = ("check_state_id", "check_key", "item_key", "item_id", "label", "reason", "url",
             "source", "failing_since")  # fmt: skip
    writes.insert_values(
        FailingItem,
        names,
        [
            (state.pk, state.key, "incident:big", 2**40, awkward, "", "/x/", "PD", berlin),
            (state.pk, state.key, "incident:none", None, "", awkward, "", "", SINCE),
        ],
    )
    stored = FailingItem.objects.filter(item_key__startswith="incident:").exclude(
        item_key="incident:0"
    )
    assert sorted(
        stored.values_list("item_key", "item_id", "label", "reason", "failing_since")
    ) == [
        ("incident:big", 2**40, awkward, "", SINCE),
        ("incident:none", None, "", awkward, SINCE),
    ]

    until = SINCE + timedelta(hours=1)
    writes.insert_values(
        SignInLockout,
        ("username", "ip_address", "locked_at", "locked_until"),
        [
            ("a\tb", "192.0.2.1", SINCE, until),
            ("c", None, berlin, until),
            ("d", "2001:db8::1", SINCE, until),
        ],
    )
    assert sorted(SignInLockout.objects.values_list("username", "ip_address", "locked_at")) == [
        ("a\tb", "192.0.2.1", SINCE),
        ("c", None, SINCE),
        ("d", "2001:db8::1", SINCE),
    ]
    if connection.vendor == "postgresql":
        # Which way each went: the test above covers both.
        fields = [FailingItem._meta.get_field(name) for name in names]
        assert writes._binary_types(tuple(fields), connection.alias) is not None
        address = [SignInLockout._meta.get_field("ip_address")]
        assert writes._binary_types(tuple(address), connection.alias) is None


JSON_VALUES = [
    ["Checkout API", 'say "hi"', "back\\slash", "tab\there\nline", "ünïcode ‘’ — ✓"],
    [],
    ("a", "tuple"),  # stored as the list it stands for
    {"nested": {"list": [1, 2.5, None, True]}, "empty": {}, 'quote"key': "\\N"},
    ("a", "tuple"),  # the same tuple again: its encoded text is reused in the same write
]


@pytest.mark.django_db
@pytest.mark.parametrize("copy_as", ["binary", "text"])
def test_json_values_are_stored_as_the_orm_stores_them_by_copy_and_by_update(
    copy_as: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON field's lists, dicts and tuples, with quotes, backslashes, tabs, line breaks and
    non-ASCII text, come back as given whether written by a COPY (binary or text on PostgreSQL,
    executemany on SQLite) or by update_rows, and hold the same JSON as the ORM's own save
    (PostgreSQL: the same jsonb text)."""
    if copy_as == "text":
        # Every COPY as text, as for a table with a column binary cannot send (an address).
        monkeypatch.setattr(writes, "_binary_types", lambda fields, alias: None)
    source = make_connection()
    names = ("connection_id", "source", "upstream_id", "title", "status", "created_at",
             "content_hash", "changed_at", "first_synced_at", "search_text", "services",
             "external_refs")  # fmt: skip
    rows = [
        (
            source.pk,
            "opsgenie",
            f"u{n}",
            "t",
            "open",
            SINCE,
            "x",
            SINCE,
            SINCE,
            "t",
            value,
            {"ref": value} if n % 2 else {},
        )
        for n, value in enumerate(JSON_VALUES)
    ]
    writes.insert_values(Incident, names, rows)
    expected = [list(v) if isinstance(v, tuple) else v for v in JSON_VALUES]
    stored = Incident.objects.filter(upstream_id__startswith="u").order_by("upstream_id")
    assert [i.services for i in stored] == expected
    assert [i.external_refs for i in stored] == [
        {"ref": value} if n % 2 else {} for n, value in enumerate(expected)
    ]
    by_orm = [
        Incident.objects.create(
            connection=source,
            upstream_id=f"orm{n}",
            title="t",
            status="open",
            created_at=SINCE,
            content_hash="x",
            changed_at=SINCE,
            services=value,
        )
        for n, value in enumerate(expected)
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT upstream_id, services::text FROM incidents_incident ORDER BY upstream_id"
            )
            text = dict(cursor.fetchall())
        assert [text[f"u{n}"] for n in range(len(JSON_VALUES))] == [
            text[i.upstream_id] for i in by_orm
        ]

    # Updated: every value moves one row on, by update_rows (executemany on both databases).
    rows_now = list(stored)
    for row, value in zip(rows_now, [*JSON_VALUES[1:], JSON_VALUES[0]], strict=True):
        row.services, row.external_refs = value, {"after": value}
    writes.update_rows(Incident, rows_now, ["services", "external_refs"])
    moved = [*expected[1:], expected[0]]
    assert [i.services for i in stored.all()] == moved
    assert [i.external_refs for i in stored.all()] == [{"after": v} for v in moved]
