"""The PagerDuty services of a connection, for the service-selection page.

Every sync refreshes them too (the engine's services stream); the page may also ask for them
now, right after connecting, before any sync ran.
"""

from __future__ import annotations

from django.conf import settings

from integrations.models import Connection, ProviderService
from integrations.providers.pagerduty.source import PagerDutyIncidentSource, open_client
from integrations.sync.services_store import store_service_listing


def services_for(connection: Connection) -> list[ProviderService]:
    """The connection's stored services, by name; those deleted upstream are included (a
    selection may still name them) and say so in ``deleted_upstream``."""
    return list(
        ProviderService.objects.filter(connection=connection).order_by("name", "upstream_id")
    )


def refresh_services(connection: Connection) -> list[ProviderService]:
    """Read /services now with the connection's credentials, store them, return them all.

    Raises UpstreamError when PagerDuty refuses or fails (403 without services.read, 401, 5xx
    after retries, malformed answer); nothing stored is lost then."""
    # A person is waiting for the page: retry as briefly as the connect wizard does.
    client = open_client(
        connection,
        max_attempts=settings.WIZARD_MAX_ATTEMPTS,
        deadline=settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS,
    )
    try:
        store_service_listing(
            connection=connection, pages=PagerDutyIncidentSource(client).services()
        )
    finally:
        client.close()
    return services_for(connection)
