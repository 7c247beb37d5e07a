"""The readiness checks on the OpsGenie sandbox's configuration: the four failures it ships
appear after a sync with their wording and links, an unchanged resync writes no history, and a
key without Configuration access leaves every service listed as cannot judge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checks.models import CheckState, CheckStatusChange, FailingItem
from integrations.models import Connection
from integrations.sync.engine import sync_connection
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, PATHS_KEY, SECOND_KEY

pytestmark = pytest.mark.django_db


def run_sync(connection: Connection) -> None:
    sync_connection(connection_id=connection.pk, trigger="manual", full=False, sleep=lambda s: 0)


def items(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def record(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def test_the_sandbox_s_four_shipped_failures(upstream, us_store, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    for key in (PATHS_KEY, GAPS_KEY, SECOND_KEY, HEARTBEATS_KEY):
        print(key, CheckState.objects.get(key=key).status, CheckState.objects.get(key=key).checked_count)
        for label, item in items(key).items():
            print("  ", item.item_key, "|", label, "|", item.url, "|", item.reason)
