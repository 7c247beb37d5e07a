"""One whole listing of accounts is compared with what the connection held at its start, read
once (not once a page): an account repeated on a later page (an offset shift), changed in
between, or back after its removal is still stored exactly once and right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import Account
from access.store import ACCOUNTS
from integrations.records import AccountRecord
from integrations.sync import prefetch
from integrations.sync.snapshot import store_listing
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def _account(upstream_id: str, role: str = "User") -> AccountRecord:
    return AccountRecord(
        upstream_id=upstream_id, email=f"{upstream_id}@example.com", name=upstream_id, role=role
    )


def _stored() -> dict[str, tuple[str, bool]]:
    return {
        upstream_id: (role, removed_at is not None)
        for upstream_id, role, removed_at in Account.objects.values_list(
            "upstream_id", "role", "removed_at"
        )
    }


def test_an_account_on_two_pages_changed_in_between_is_stored_once_with_the_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each page written on its own (as when the writing keeps up with the reading): the second
    # finds b written by the first, its key not known yet.
    monkeypatch.setattr(prefetch, "BATCH_UP_TO", 1)
    connection = make_connection()
    pages = [[_account("a"), _account("b")], [_account("b", role="Admin"), _account("c")]]
    counts = store_listing(ACCOUNTS, connection=connection, pages=pages)
    assert _stored() == {"a": ("User", False), "b": ("Admin", False), "c": ("User", False)}
    assert (counts.created, counts.updated) == (3, 1)


def test_pages_written_together_store_a_repeated_account_once_as_last_listed() -> None:
    """The pages that came while one was written are written as one batch (prefetch.merged):
    an account on two of them is created once, as the later page has it."""
    connection = make_connection()
    batch = [_account("a"), _account("b"), _account("b", role="Admin"), _account("c")]
    counts = ACCOUNTS.for_listing(connection=connection).save(connection=connection, records=batch)
    assert _stored() == {"a": ("User", False), "b": ("Admin", False), "c": ("User", False)}
    assert (counts.fetched, counts.created, counts.updated) == (4, 3, 0)


def test_a_listing_compares_with_what_was_stored_before_it_and_flags_the_missing() -> None:
    connection = make_connection()
    ACCOUNTS.save(connection=connection, records=[_account("a"), _account("b"), _account("c")])
    Account.objects.filter(upstream_id="c").update(removed_at=timezone.now() - timedelta(days=3))
    pages = [[_account("a")], [_account("c", role="Admin")]]
    counts = store_listing(ACCOUNTS, connection=connection, pages=pages)
    # a unchanged; c back and changed; b gone from the listing: flagged removed, kept.
    assert _stored() == {"a": ("User", False), "b": ("User", True), "c": ("Admin", False)}
    assert (counts.created, counts.updated, counts.unchanged, counts.deleted) == (0, 1, 1, 1)


def test_a_listing_maps_its_new_accounts_by_email_as_it_writes_them() -> None:
    """Each new account has its mapping, and one creation record in its history, as soon as
    its page is written: rematch after the sync finds nothing left to do."""
    from access.mapping import BY_EMAIL, rematch
    from access.models import AccountMapping, MappingKind, MappingSource, StaffMember

    connection = make_connection()
    ana = StaffMember.objects.create(name="Ana", email="ana@example.com")
    pages = [
        [_account("ana"), _account("bot")],
        [
            AccountRecord(upstream_id="ana2", email="ANA@example.com ", name="Ana", role="User"),
            _account("carl"),
        ],
    ]
    store_listing(ACCOUNTS, connection=connection, pages=iter(pages))
    mapped = {
        upstream_id: (kind, staff, source)
        for upstream_id, kind, staff, source in AccountMapping.objects.values_list(
            "account__upstream_id", "kind", "staff_id", "source"
        )
    }
    unknown = (MappingKind.NOT_IDENTIFIED, None, MappingSource.EMAIL)
    assert mapped == {
        "ana": (MappingKind.STAFF, ana.pk, MappingSource.EMAIL),
        "ana2": (MappingKind.STAFF, ana.pk, MappingSource.EMAIL),
        "bot": unknown,
        "carl": unknown,
    }
    # Each creation record is its mapping's (read by the mapping, as the account's page does),
    # with the values it was written with.
    history = {
        mapping.account.upstream_id: list(
            mapping.history.values_list("kind", "staff_id", "history_type", "history_change_reason")
        )
        for mapping in AccountMapping.objects.select_related("account")
    }
    assert history == {
        "ana": [(MappingKind.STAFF, ana.pk, "+", BY_EMAIL)],
        "ana2": [(MappingKind.STAFF, ana.pk, "+", BY_EMAIL)],
        "bot": [(MappingKind.NOT_IDENTIFIED, None, "+", BY_EMAIL)],
        "carl": [(MappingKind.NOT_IDENTIFIED, None, "+", BY_EMAIL)],
    }
    assert rematch() == 0
    assert AccountMapping.history.model.objects.count() == 4


def test_a_listing_reads_the_directory_only_for_new_accounts_and_keys_each_page_at_once() -> None:
    """A listing that brings nothing new (most syncs) never reads the staff directory; a page of
    new accounts reserves their keys and their mappings' in one query (PostgreSQL)."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from access.models import AccountMapping

    connection = make_connection()
    pages = [[_account("a"), _account("b")], [_account("c")]]
    with CaptureQueriesContext(db) as first:
        store_listing(ACCOUNTS, connection=connection, pages=iter(pages))
    assert AccountMapping.objects.count() == 3
    directory_reads = [q for q in first.captured_queries if "access_staffmember" in q["sql"]]
    assert len(directory_reads) >= 1  # read once for the new accounts (aliases aside)
    if db.vendor == "postgresql":
        # Each reservation names both sequences: no second query for the mappings' keys.
        nextvals = [q["sql"] for q in first.captured_queries if "nextval" in q["sql"]]
        assert nextvals and all(sql.count("nextval") == 2 for sql in nextvals), nextvals
    with CaptureQueriesContext(db) as again:
        store_listing(ACCOUNTS, connection=connection, pages=iter(pages))
    assert not [q for q in again.captured_queries if "access_staffmember" in q["sql"]]


def test_where_keys_cannot_be_reserved_the_accounts_are_stored_and_rematch_maps_them() -> None:
    """SQLite in a transaction that does not hold the write lock (begun DEFERRED) gives no keys
    beforehand: the listing still stores every account, leaves their mapping to rematch (which
    writes each its creation record), and map_by_email, which cannot write its records without
    the keys, refuses and writes nothing."""
    from django.db import connections

    from access.mapping import BY_EMAIL, map_by_email, rematch
    from access.models import AccountMapping, MappingKind, StaffMember

    if connections["default"].vendor != "sqlite":
        pytest.skip("SQLite's transaction modes")
    connection = make_connection()
    ana = StaffMember.objects.create(name="Ana", email="ana@example.com")
    wrapper = connections["default"]
    mode, wrapper.transaction_mode = wrapper.transaction_mode, "DEFERRED"  # type: ignore[attr-defined]
    try:
        store_listing(ACCOUNTS, connection=connection, pages=iter([[_account("ana")]]))
        assert _stored() == {"ana": ("User", False)}
        assert not AccountMapping.objects.exists()
        with pytest.raises(RuntimeError, match="page_transaction"):
            map_by_email([(Account.objects.get().pk, "ana@example.com")], {"ana@example.com": 1})
        assert not AccountMapping.objects.exists()
    finally:
        wrapper.transaction_mode = mode  # type: ignore[attr-defined]
    rematch()
    mapping = AccountMapping.objects.get()
    assert (mapping.kind, mapping.staff_id) == (MappingKind.STAFF, ana.pk)
    assert list(mapping.history.values_list("history_type", "history_change_reason")) == [
        ("+", BY_EMAIL)
    ]
