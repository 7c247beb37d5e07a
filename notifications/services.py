"""What people do to channels: add, edit, delete (enable and disable live in channel_state).

Each change is itself a system-related event the other channels may want (PRODUCT 7), emitted
in the transaction that makes it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.urls import reverse

from lib.concurrency import claim_version, save_unique
from lib.events import Event, EventType, emit
from notifications.forms import ChannelForm
from notifications.models import Channel

EDITED_FIELDS = (
    "name",
    "endpoint",
    "secret",
    "secret_hint",
    "event_types",
    "check_keys",
    "min_incident_priority",
    "priority_overrides",
)


def channel_alias(channel: Channel) -> str:
    return f"channel:{channel.pk}"


def channel_save(form: ChannelForm, *, by: AbstractBaseUser | AnonymousUser | None) -> Channel:
    """Save a valid form (a new channel or an edit). Raises ChangedMeanwhile when someone saved
    the channel since the form was loaded, RefusedMeanwhile when another channel took the name
    meanwhile; either way nothing is written."""
    adding = form.instance._state.adding
    actor = by if by is not None and by.is_authenticated else None

    def save() -> Channel:
        claim_version(form.instance, form.cleaned_data["version"])
        channel = form.save(commit=False)
        if adding:
            channel.created_by = actor  # type: ignore[assignment]
            channel.save()
        else:
            # Only what the form edits: deliveries write the error fields meanwhile.
            channel.save(update_fields=[*EDITED_FIELDS, "version", "updated_at"])
        verb = "added" if adding else "edited"
        emit(
            Event(
                type=EventType.CHANNEL_CHANGED,
                alias=channel_alias(channel),
                message=f"Notification channel “{channel.name}” {verb}",
                description=(
                    f"{channel.get_kind_display()} channel “{channel.name}” was {verb}"
                    f"{f' by {actor.get_username()}' if actor else ''}. "
                    f"It sends {len(channel.event_types)} event types to "
                    f"{channel.get_endpoint_display()}."
                ),
                entity=channel.name,
                links=(("Channel", reverse("notifications:channel", args=[channel.pk])),),
            )
        )
        return channel

    return save_unique(form, save)


def channel_delete(channel: Channel, *, by: AbstractBaseUser | AnonymousUser | None) -> None:
    """Delete the channel and its delivery log; the other channels are told."""
    actor = by.get_username() if by is not None and by.is_authenticated else "the system"
    name, kind, alias = channel.name, channel.get_kind_display(), channel_alias(channel)
    with transaction.atomic():
        count = channel.deliveries.count()
        channel.delete()
        # After the delete: the deleted channel no longer receives anything, the others may.
        emit(
            Event(
                type=EventType.CHANNEL_DELETED,
                alias=alias,
                message=f"Notification channel “{name}” deleted",
                description=(
                    f"{kind} channel “{name}” was deleted by {actor}, with its log of "
                    f"{count} deliveries."
                ),
                entity=name,
                links=(("Notification channels", reverse("notifications:channels")),),
            )
        )
