"""The check "OpsGenie end of life is handled" (issue 16): Atlassian ends OpsGenie on 5 April
2027 (``Provider.end_of_life``). With fewer than ``WARN_DAYS`` left, an OpsGenie connection
still active without a successor (integrations/moves.py), or a notification channel still sending
to OpsGenie's own API (notifications/switch.py), fails, its item saying how many days are left
and linking where to act. Moved connections and switched channels are listed as handled; with no
OpsGenie anywhere the check is not applicable.

It lives here because it judges notification channels too; it reads the connections below."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from integrations.models import Connection, ConnectionStatus
from integrations.moves import WARN_DAYS, days_left
from integrations.providers.base import Provider
from integrations.providers.registry import providers
from lib.checks import Check, FailingRow, engine, register
from notifications.models import Channel, ChannelKind, Endpoint
from notifications.switch import OPSGENIE_ENDPOINTS

TOPIC = "end_of_life"
KEY = "opsgenie-end-of-life"
CHANNELS = "Notifications"


def _provider() -> Provider | None:
    provider = providers().get(ChannelKind.OPSGENIE)
    return provider if provider is not None and provider.end_of_life is not None else None


def _connections(provider: Provider) -> list[Connection]:
    return list(
        Connection.objects.filter(provider=provider.slug)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("moved_to")
        .order_by("pk")
    )


def _channels() -> list[Channel]:
    return list(Channel.objects.filter(kind=ChannelKind.OPSGENIE).order_by("name", "pk"))


def _left(provider: Provider, now: datetime) -> str:
    left = days_left(provider, today=timezone.localdate(now)) or 0
    ends = date_format(provider.end_of_life, "j M Y")
    if left < 0:
        return f"{provider.name} ended on {ends}"
    return f"{left} day{'' if left == 1 else 's'} left until {provider.name} ends on {ends}"


def _connection_row(provider: Provider, connection: Connection, reason: str) -> FailingRow:
    label = f"{provider.name} connection" + (
        f" ({connection.account_name})" if connection.account_name else ""
    )
    url = f"{reverse(provider.url_name)}#move"
    return FailingRow(f"connection:{connection.pk}", label, url, reason, provider.name)


def _channel_row(channel: Channel, reason: str) -> FailingRow:
    url = f"{reverse('notifications:channel', args=[channel.pk])}#switch"
    return FailingRow(f"channel:{channel.pk}", f"Channel “{channel.name}”", url, reason, CHANNELS)


def failing_end_of_life(now: datetime) -> Iterator[FailingRow]:
    provider = _provider()
    if provider is None:
        return
    left = days_left(provider, today=timezone.localdate(now)) or 0
    if left >= WARN_DAYS:
        return
    for connection in _connections(provider):
        if connection.moved_to_id is None:
            reason = (
                f"{_left(provider, now)}, and no successor is set: move it to Jira Service "
                "Management on its page"
            )
            yield _connection_row(provider, connection, reason)
    for channel in _channels():
        if channel.enabled and channel.endpoint in OPSGENIE_ENDPOINTS:
            reason = (
                f"{_left(provider, now)}, and it still sends to {channel.get_endpoint_display()}: "
                "switch it to Jira Service Management on its page"
            )
            yield _channel_row(channel, reason)


def handled_end_of_life() -> Iterator[FailingRow]:
    """What already has its successor: connections moved (or moving), channels switched."""
    provider = _provider()
    if provider is None:
        return
    for connection in _connections(provider):
        if connection.moved_to is not None and connection.moved_on is not None:
            successor = connection.moved_to.get_provider_name()
            verb = "Moved" if connection.has_moved else "Moves"
            day = date_format(connection.moved_on, "j M Y")
            reason = f"{verb} to {successor}: syncing stops on {day}; kept as evidence"
            yield _connection_row(provider, connection, reason)
    for channel in _channels():
        if channel.endpoint == Endpoint.JSM:
            yield _channel_row(channel, f"Sends to {channel.get_endpoint_display()}")
        elif not channel.enabled:
            yield _channel_row(channel, "Disabled: it sends nothing")


def _applicable() -> bool:
    provider = _provider()
    return provider is not None and bool(_connections(provider) or _channels())


def _checked() -> int:
    provider = _provider()
    return len(_connections(provider)) + len(_channels()) if provider else 0


def register_end_of_life_check() -> None:
    register(
        Check(
            key=KEY,
            title="OpsGenie end of life is handled",
            description=f"Atlassian ends OpsGenie on 5 April 2027. With fewer than {WARN_DAYS} "
            "days left, fails for each OpsGenie connection still active with no successor set, "
            "and each enabled notification channel still sending to OpsGenie's own API (US or "
            "EU). Moved connections and switched channels are listed as handled.",
            how_to_fix="On the OpsGenie connection page, Move to Jira Service Management: "
            "choose the JSM connection and the day OpsGenie stops syncing (its evidence is "
            "kept). On each OpsGenie notification channel's page, Switch to Jira Service "
            "Management.",
            topic=TOPIC,
            applicable=_applicable,
            checked_count=_checked,
            failing=failing_end_of_life,
            handled=handled_end_of_life,
        )
    )


def evaluate_end_of_life(**kwargs: object) -> None:
    """After a move was set, or a channel changed: judged again once the change is saved."""
    transaction.on_commit(
        lambda: engine().evaluate(topic=TOPIC, reason="a move or a channel changed")
    )
