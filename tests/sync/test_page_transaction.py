"""A sync's page is one transaction; on PostgreSQL its commit does not wait for the disk, and
only its own (integrations/sync/writes.py page_transaction)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from integrations.models import ProviderService
from integrations.sync.writes import page_transaction
from tests.conftest import make_connection

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="synchronous_commit is PostgreSQL's (DATABASE_URL=postgres://…)",
)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_commits_without_waiting_for_the_disk_and_nothing_after_it_does() -> None:
    before = _synchronous_commit()
    with page_transaction():
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == before == "on"
    # Inside a caller's transaction the caller decides: its commit stays durable.
    with transaction.atomic(), page_transaction():
        assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_a_page_that_fails_writes_nothing() -> None:
    link = make_connection()
    with pytest.raises(RuntimeError), page_transaction():
        ProviderService.objects.create(
            connection=link, upstream_id="s1", name="Checkout", synced_at=timezone.now()
        )
        raise RuntimeError("upstream answered garbage mid-page")
    assert not ProviderService.objects.exists()
