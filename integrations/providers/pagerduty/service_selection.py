"""The PagerDuty services of a connection, for the service-selection page.

Every sync refreshes them too (the engine's services stream); the page may also ask for them
now, right after connecting, before any sync ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from integrations.http import UpstreamError
from integrations.models import Connection, ProviderService
from integrations.providers.pagerduty.source import PagerDutyIncidentSource, open_client
from integrations.providers.pagerduty.validation import failure_for_error
from integrations.redaction import redact_for
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


@dataclass(frozen=True)
class ServiceChoices:
    services: list[ProviderService]
    # Why PagerDuty's list could not be read now (the stored one is offered instead).
    load_error: str | None = None

    def missing_ids(self, selected: list[str]) -> list[str]:
        """Selected ids PagerDuty no longer lists: dropped on the next save."""
        known = {service.upstream_id for service in self.services}
        return [upstream_id for upstream_id in selected if upstream_id not in known]


def service_choices(*, connection: Connection, refresh: bool) -> ServiceChoices:
    """The services to choose from: read from PagerDuty when the page opens (``refresh``), the
    stored ones when the choice is being saved or PagerDuty cannot answer."""
    if not refresh:
        return ServiceChoices(services_for(connection))
    try:
        return ServiceChoices(refresh_services(connection))
    except UpstreamError as error:
        message = redact_for(connection, failure_for_error(error).message)
        return ServiceChoices(services_for(connection), message)
