"""The one-click move of an OpsGenie channel to Jira Service Management (issue 16).

OpsGenie ends on 5 April 2027; Atlassian's migration carries a team's API integrations over to
JSM Operations, whose integration endpoint (``OPSGENIE_JSM_URL``,
api.atlassian.com/jsm/ops/integration) takes the same ``GenieKey`` header and alert payload. So
the switch repoints the channel at that endpoint and keeps its key; whether JSM accepts a key
made in OpsGenie is unconfirmed, which is why the page then asks for a test, and a refused key
(401) is shown on the channel as any refusal is, with the JSM integration's key to enter.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.urls import reverse

from integrations.providers.registry import providers
from lib.concurrency import claim_version
from lib.events import Event, EventType, emit
from notifications.models import Channel, ChannelKind, Endpoint
from notifications.services import channel_alias

# The endpoints an OpsGenie channel leaves when it switches: OpsGenie's own.
OPSGENIE_ENDPOINTS = (Endpoint.US, Endpoint.EU)


class SwitchRefused(Exception):
    """This channel cannot switch; ``str()`` says why. Nothing was changed."""


def can_switch(channel: Channel) -> bool:
    return channel.kind == ChannelKind.OPSGENIE and channel.endpoint in OPSGENIE_ENDPOINTS


def opsgenie_end_of_life() -> date | None:
    """The day OpsGenie ends, as its provider declares it (integrations/providers)."""
    provider = providers().get(ChannelKind.OPSGENIE)
    return provider.end_of_life if provider else None


def channel_switch_to_jsm(
    channel: Channel, *, by: AbstractBaseUser | AnonymousUser | None, loaded_version: int
) -> Channel:
    """Send this OpsGenie channel's alerts to JSM's integration endpoint from now on (the audit
    log records the change of "Sends to"; the other channels are told, as for any edit)."""
    if not can_switch(channel):
        raise SwitchRefused("Only a channel sending to OpsGenie's US or EU API can switch.")
    actor = by if by is not None and by.is_authenticated else None
    with transaction.atomic():
        claim_version(channel, loaded_version)
        before = channel.get_endpoint_display()
        who = actor.get_username() if actor else "the command line"
        channel.endpoint = Endpoint.JSM
        channel.save(update_fields=["endpoint", "version", "updated_at"])
        emit(
            Event(
                type=EventType.CHANNEL_CHANGED,
                alias=channel_alias(channel),
                message=f"Notification channel “{channel.name}” switched to Jira Service "
                "Management",
                description=(
                    f"OpsGenie channel “{channel.name}” sent to {before}; {who} switched it to "
                    f"{channel.get_endpoint_display()}, with the same key."
                ),
                entity=channel.name,
                links=(("Channel", reverse("notifications:channel", args=[channel.pk])),),
            )
        )
    return channel
