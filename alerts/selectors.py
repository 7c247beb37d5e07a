"""Reads of the alerts app: what a connection holds, for its sync card."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from alerts.models import Alert
from integrations.models import Connection
from integrations.providers.registry import providers
from integrations.sync.counts import HeldCount

STREAM = "alerts"
# Each alert's logs, notes and recipients (integrations.sync.details).
DETAILS_STREAM = "alert_details"


def alert_providers() -> list[str]:
    """The slugs of the providers whose source reads alerts."""
    return [slug for slug, provider in providers().items() if STREAM in provider.library_streams]


def details_providers() -> list[str]:
    """The slugs of the providers whose source reads alerts' logs, notes and recipients (JSM
    Operations' reads the alerts alone)."""
    return [
        slug
        for slug, provider in providers().items()
        if any(stream.name == DETAILS_STREAM for stream in provider.streams)
    ]


def held_alerts(connection: Connection) -> HeldCount | None:
    """The sync card's alert count: stored and not deleted upstream (no check counts alerts);
    None for a connection whose provider has no alerts."""
    if connection.provider not in alert_providers():
        return None
    stored = Alert.objects.filter(connection=connection, deleted_upstream=False).count()
    query = urlencode({"connection": connection.pk})
    return HeldCount(
        label="Alerts", stored=stored, counted=None, counted_url=f"{reverse('alerts:list')}?{query}"
    )
