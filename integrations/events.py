"""What happens to connections, told to the notification channels (lib/events.py).

Called inside the transaction that changes the connection. The error and its recovery share
the alias ``connection:<pk>``: the recovery closes the alert the error opened. Connecting and
disconnecting are news of their own, with aliases of their own: sharing ``connection:<pk>``,
an alert of either left open would swallow a later error as a repeat (OpsGenie counts an alias
already open instead of alerting again), and the recovery would close it."""

from __future__ import annotations

from django.urls import reverse

from integrations.models import Connection, ConnectionStatus, ErrorAction
from integrations.providers.registry import provider_name, providers
from lib.events import Action, Event, EventType, emit


def error_alias(connection: Connection) -> str:
    return f"connection:{connection.pk}"


def _links(connection: Connection) -> tuple[tuple[str, str], ...]:
    provider = providers().get(connection.provider)
    if provider is None:
        return (("Integrations", reverse("integrations:catalog")),)
    return ((f"{provider.name} connection", reverse(provider.url_name)),)


def _details(connection: Connection) -> dict[str, str]:
    details = {"integration": provider_name(connection.provider), "region": connection.region}
    if connection.account_name:
        details["account"] = connection.account_name
    return details


def emit_connected(connection: Connection, *, before: str, by: str) -> None:
    """``before``: the status it had ("" for a first connection); ``by``: who connected it."""
    name = provider_name(connection.provider)
    again = {
        "": "connected for the first time",
        "disconnected": "connected again",
    }.get(before, "given new credentials")
    emit(
        Event(
            type=EventType.INTEGRATION_CONNECTED,
            alias=f"connection:{connection.pk}:connected",
            message=f"Integration connected: {name} ({connection.region.upper()})",
            description=f"{name} was {again} by {by}, in the {connection.region.upper()} "
            f"region, with credentials ending …{connection.credential_hint}.",
            entity=name,
            links=_links(connection),
            details={**_details(connection), "by": by},
            tags=("integration", connection.provider),
        )
    )


def emit_disconnected(connection: Connection, *, by: str, not_revoked: str) -> None:
    name = provider_name(connection.provider)
    description = (
        f"{name} was disconnected by {by}: its credentials were erased and it no longer syncs. "
        "What was synced from it is kept as evidence."
    )
    if not_revoked:
        description += f"\n\nStill to do upstream: {not_revoked}"
    emit(
        Event(
            type=EventType.INTEGRATION_DISCONNECTED,
            alias=f"connection:{connection.pk}:disconnected",
            message=f"Integration disconnected: {name}",
            description=description,
            entity=name,
            links=_links(connection),
            details={**_details(connection), "by": by},
            tags=("integration", connection.provider),
        )
    )


def emit_error(connection: Connection) -> None:
    """The connection has just gone into error (not on each failing sync after)."""
    name = provider_name(connection.provider)
    action = ErrorAction(connection.last_error_action)
    description = f"{name} stopped syncing: {connection.last_error}"
    if action != ErrorAction.NONE:
        description += f"\n\nTo do: {action.label}."
    emit(
        Event(
            type=EventType.INTEGRATION_ERROR,
            alias=error_alias(connection),
            message=f"Integration in error: {name} stopped syncing",
            description=description,
            entity=name,
            links=_links(connection),
            details={**_details(connection), "to do": str(action.label)},
            tags=("integration", connection.provider),
        )
    )


def emit_recovered(connection: Connection, *, how: str) -> None:
    """The connection has just left error; ``how`` says what brought it back (or that it was
    disconnected, which ends the error too)."""
    name = provider_name(connection.provider)
    if connection.status == ConnectionStatus.DISCONNECTED:
        message = f"Integration no longer in error: {name} was disconnected"
    else:
        message = f"Integration recovered: {name} syncs again"
    emit(
        Event(
            type=EventType.INTEGRATION_RECOVERED,
            alias=error_alias(connection),
            message=message,
            description=f"{name} is no longer in error: {how}.",
            entity=name,
            action=Action.CLOSE,
            links=_links(connection),
            details=_details(connection),
            tags=("integration", connection.provider),
        )
    )
