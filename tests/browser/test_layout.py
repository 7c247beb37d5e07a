"""No page a new user stumbled on overflows sideways, on a phone (375 px) or a laptop (1366 px)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.browser

PHONE, LAPTOP = (375, 812), (1366, 768)
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _open(page, live_server, path: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live_server.url + path)


@pytest.mark.parametrize("size", [PHONE, LAPTOP])
def test_the_incident_page_fits_the_screen(logged_in_admin, live_server, size) -> None:  # type: ignore[no-untyped-def]
    from incidents.models import DataLossReport, IncidentChange

    word = "Checkout-API-" + "x" * 200
    incident = make_incident(make_connection(), 1, title=word, description=word, services=[word])
    IncidentChange.objects.create(
        incident=incident, at=timezone.now(), field="title", before="short", after=word
    )
    DataLossReport.objects.create(incident=incident, data_lost="yes", what_happened=word)
    _open(logged_in_admin, live_server, f"/incidents/{incident.pk}/", size)
    assert logged_in_admin.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("size", [PHONE, LAPTOP])
def test_catalog_badges_stay_inside_their_cards(logged_in_admin, live_server, size) -> None:  # type: ignore[no-untyped-def]
    waiting = make_connection(provider="pagerduty")
    waiting.services_confirmed_at = None
    waiting.save()
    _open(logged_in_admin, live_server, "/settings/integrations/", size)
    assert logged_in_admin.evaluate(NO_SIDEWAYS_SCROLL)
    outside = logged_in_admin.evaluate(
        """() => [...document.querySelectorAll('.integration')].filter(card => {
            const box = card.getBoundingClientRect();
            const badge = card.querySelector('.status').getBoundingClientRect();
            return badge.left < box.left || badge.right > box.right;
        }).length"""
    )
    assert outside == 0


def test_the_sync_outcome_is_visible_without_scrolling_at_1366(  # type: ignore[no-untyped-def]
    logged_in_admin, live_server
) -> None:
    from integrations.models import SyncRun

    connection = make_connection()
    now = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="schedule",
        kind="full",
        outcome="partial",
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
        counts={
            "incidents": {"fetched": 123456, "created": 120000, "updated": 3456, "unchanged": 0},
            "services": {"fetched": 40, "error": "OpsGenie answered 503 after 5 attempts"},
        },
        http_calls=2500,
        retries=12,
    )
    _open(logged_in_admin, live_server, "/settings/integrations/opsgenie/", LAPTOP)
    visible = logged_in_admin.evaluate(
        """() => {
            const wrap = document.querySelector('#sync-history .table-wrap')
                .getBoundingClientRect();
            const cell = [...document.querySelectorAll('#sync-history th')]
                .find(th => th.textContent.trim() === 'Outcome').getBoundingClientRect();
            return cell.right <= wrap.right && cell.left >= wrap.left;
        }"""
    )
    assert visible
    assert logged_in_admin.evaluate(NO_SIDEWAYS_SCROLL)
