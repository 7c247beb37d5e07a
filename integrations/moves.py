"""The move off a provider that ends (``Provider.end_of_life``: OpsGenie on 5 April 2027) to a
successor (``Provider.successors``: Jira Service Management), keeping the evidence.

An admin picks the successor connection and a stop date. From that date (or from the first
failed sync after the move was set: the source stopped answering) the connection syncs no more;
it stays connected, with its incidents, as evidence. The incidents both sides record are counted
once (incidents/moves.py, on ``connection_moved``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format

from integrations.models import Connection, ConnectionStatus
from integrations.providers.base import Provider
from integrations.providers.registry import provider_name, providers

# Sent on commit after a move was set (connection=the predecessor): its incidents are matched.
connection_moved = Signal()
# Fewer days left than this and a connection still without a successor fails the end-of-life
# check (notifications/end_of_life.py).
WARN_DAYS = 90


class MoveRefused(Exception):
    """The move's input is not one the app accepts; ``str()`` says why. Nothing was changed."""


def days_left(provider: Provider, today: date | None = None) -> int | None:
    """Days from today (the site's time zone) until the provider's end of life; None when it
    has none. Negative once it has passed."""
    if provider.end_of_life is None:
        return None
    return (provider.end_of_life - (today or timezone.localdate())).days


def successor_candidates(provider: Provider) -> list[Connection]:
    """The connections this provider's may move to: of a successor provider, not disconnected."""
    return list(
        Connection.objects.filter(provider__in=provider.successors)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("provider", "pk")
    )


def connection_move(
    *,
    connection: Connection,
    successor: Connection,
    stop_on: date,
    user: AbstractBaseUser | AnonymousUser | None,
) -> Connection:
    """Set (or change, before it takes effect) the move of ``connection`` to ``successor``,
    syncing until ``stop_on``. Raises MoveRefused, changing nothing, for input out of bounds."""
    provider = providers().get(connection.provider)
    if provider is None or provider.end_of_life is None or not provider.successors:
        raise MoveRefused(f"{provider_name(connection.provider)} has no successor to move to.")
    if connection.status == ConnectionStatus.DISCONNECTED:
        raise MoveRefused("A disconnected integration syncs nothing: there is nothing to move.")
    if connection.has_moved:
        raise MoveRefused("This integration has already moved; its move can no longer change.")
    if successor.provider not in provider.successors or successor.pk == connection.pk:
        raise MoveRefused("Choose a connection of a successor.")
    if successor.status == ConnectionStatus.DISCONNECTED:
        raise MoveRefused("The successor is disconnected: reconnect it first.")
    today = timezone.localdate()
    if stop_on < today:
        raise MoveRefused("The stop date cannot be in the past: choose today or a later day.")
    if stop_on > provider.end_of_life:
        raise MoveRefused(
            f"The stop date cannot be after the day {provider.name} ends, "
            f"{date_format(provider.end_of_life, 'j F Y')}."
        )
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.moved_to, locked.moved_on = successor, stop_on
        locked.save(update_fields=["moved_to", "moved_on", "updated_at"])
        transaction.on_commit(lambda: connection_moved.send(sender=Connection, connection=locked))
    return locked


def connection_resume_syncing(*, connection: Connection) -> Connection:
    """Cancel the move of a connection whose successor was disconnected since: it syncs again
    (at its next scheduled sync), as it did before the move was set, and a move may be set
    again later. Raises MoveRefused, changing nothing, when its successor is still connected
    (that move stands) or the provider has ended."""
    provider = providers().get(connection.provider)
    with transaction.atomic():
        # The row alone: PostgreSQL refuses FOR UPDATE over the nullable side of the outer
        # join a select_related of moved_to would add (its successor is read after).
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        if locked.moved_to is None:
            raise MoveRefused("No move is set: it syncs already.")
        if not locked.successor_disconnected:
            raise MoveRefused(
                f"{locked.moved_to.get_provider_name()} is connected: the move stands, and "
                "the incidents both record are counted once, there."
            )
        left = days_left(provider) if provider else None
        if left is not None and left < 0:
            raise MoveRefused(f"{provider.name} has ended: it cannot be synced again.")  # type: ignore[union-attr]
        locked.moved_to, locked.moved_on, locked.stopped_answering_at = None, None, None
        locked.counted_again = 0
        # save(): the audit log records the move's fields cleared, and who cleared them.
        locked.save(
            update_fields=[
                "moved_to",
                "moved_on",
                "stopped_answering_at",
                "counted_again",
                "updated_at",
            ]
        )
    return locked


def connection_stopped_answering(*, connection: Connection) -> None:
    """A sync failed after the move was set: the source is taken as gone, and syncs no more."""
    Connection.objects.filter(
        pk=connection.pk, moved_to__isnull=False, stopped_answering_at__isnull=True
    ).update(stopped_answering_at=timezone.now())


@dataclass(frozen=True)
class MoveState:
    """What the connection page's Move section shows."""

    provider: Provider
    connection: Connection
    days_left: int
    candidates: list[Connection]
    today: date

    @property
    def successors_label(self) -> str:
        """The providers it may move to, as people read them: "Jira Service Management"."""
        return " or ".join(provider_name(slug) for slug in self.provider.successors)

    @property
    def successor_name(self) -> str:
        moved_to = self.connection.moved_to
        return provider_name(moved_to.provider) if moved_to else ""

    @property
    def stopped_on(self) -> date | None:
        """The day it stopped syncing: the stop date, or the day it stopped answering."""
        if self.connection.stopped_answering_at is not None:
            return timezone.localdate(self.connection.stopped_answering_at)
        return self.connection.moved_on

    @property
    def urgent(self) -> bool:
        return self.connection.moved_to_id is None and self.days_left < WARN_DAYS


def move_context(provider: Provider) -> object:
    """``detail_page``'s ``extra`` for a provider with an end of life: the Move section."""

    def extra(connection: Connection) -> dict[str, object]:
        left = days_left(provider)
        if left is None or not provider.successors:
            return {}
        state = MoveState(
            provider=provider,
            connection=connection,
            days_left=left,
            candidates=successor_candidates(provider),
            today=timezone.localdate(),
        )
        return {"move": state}

    return extra


def moved_before_read(connection: Connection) -> str:
    """Why a moved connection's details that waited were never read: its details-only syncs
    (Connection.reads_details_only) could not read them any more."""
    name = connection.get_provider_name()
    successor = connection.moved_to.get_provider_name() if connection.moved_to else "its successor"
    if connection.stopped_answering_at is not None:
        return (
            f"{name} stopped answering after its move to {successor}, before a sync read them: "
            "they can no longer be read"
        )
    if connection.status == ConnectionStatus.DISCONNECTED:
        return f"{name} was disconnected after its move to {successor}, before a sync read them"
    provider = providers().get(connection.provider)
    if provider is not None and provider.end_of_life is not None:
        return (
            f"{name} ended on {date_format(provider.end_of_life, 'j F Y')}, after its move to "
            f"{successor}, before a sync read them"
        )
    return f"{name} moved to {successor} before a sync read them, and nothing syncs it any more"


def reading_after_move(connection: Connection) -> str:
    """What the pages add to "pending at a coming sync" for a moved connection whose syncs
    read only the details still waiting (Connection.reads_details_only)."""
    if not (connection.has_moved and connection.reads_details_only):
        return ""
    successor = connection.moved_to.get_provider_name() if connection.moved_to else "its successor"
    provider = providers().get(connection.provider)
    until = (
        f", until it ends on {date_format(provider.end_of_life, 'j F Y')}"
        if provider is not None and provider.end_of_life is not None
        else ""
    )
    return (
        f"{connection.get_provider_name()} has moved to {successor}: its syncs now read only "
        f"the details still waiting, as long as it answers{until}."
    )
