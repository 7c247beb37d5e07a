"""Counting once an incident both sides of a move record (integrations/moves.py).

When an OpsGenie connection moves to Jira Service Management, the migrated work items carry the
OpsGenie tiny id (``Provider.move_refs``). The successor's record represents the incident: the
predecessor's record points at it (``Incident.superseded_by``, indexed) and stops counting, so
the checks, the incident list and the dashboard, which all ask ``Incident.objects.counted()``,
count it once, with no join at read time. Matches are made

- when the move is set (every incident the successor already holds),
- as pages of either side are synced afterwards (``link_page``, in the page's transaction),
- by an admin, for successor incidents that carry no usable ref (``match_by_hand``, kept as an
  ``IncidentMatch`` row, which the audit log records).
A tiny id that names several of the predecessor's incidents (OpsGenie's tiny ids roll) matches
none: it is left for the admin.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from incidents.checks import TOPIC
from incidents.models import Incident, IncidentMatch
from integrations.models import Connection, ConnectionStatus
from integrations.providers.base import MoveRef
from integrations.providers.registry import providers
from lib.checks import engine

# Sent on commit after matches changed what counts (connection=the predecessor).
moved_incidents_matched = Signal()


def _refs(predecessor: Connection, successor: Connection) -> list[MoveRef]:
    provider = providers().get(successor.provider)
    refs = provider.move_refs if provider else ()
    return [ref for ref in refs if ref.predecessor == predecessor.provider]


def link_moved(
    *,
    predecessor: Connection,
    successor_ids: Collection[int] | None = None,
    predecessor_ids: Collection[int] | None = None,
) -> list[int]:
    """Match the successor's incidents (these, those naming these of the predecessor, or all
    it holds) to the predecessor's by their refs; returns the ids of the predecessor's incidents
    that stopped counting. Matches already made (by a sync or an admin) are kept."""
    successor = predecessor.moved_to
    if successor is None or _disconnected(successor):
        # A disconnected successor's incidents do not count: nothing may stop counting for them.
        return []
    linked: list[int] = []
    for ref in _refs(predecessor, successor):
        carriers = Incident.objects.filter(
            connection=successor, external_refs__has_key=ref.ref
        ).exclude(moved_records__connection=predecessor)
        if successor_ids is not None:
            carriers = carriers.filter(pk__in=list(successor_ids))
        if predecessor_ids is not None:
            named = Incident.objects.filter(pk__in=list(predecessor_ids)).values_list(
                ref.field, flat=True
            )
            carriers = carriers.filter(**{f"external_refs__{ref.ref}__in": list(named)})
        wanted: dict[str, list[int]] = {}
        for pk, refs in carriers.values_list("pk", "external_refs").iterator(2000):
            value = str(refs.get(ref.ref) or "") if isinstance(refs, dict) else ""
            if value:
                wanted.setdefault(value, []).append(pk)
        linked += _link(predecessor, ref, wanted)
    return linked


def _disconnected(successor: Connection) -> bool:
    """Asked of the database, not of a copy read before (a sync's, while it was disconnected)."""
    return Connection.objects.filter(pk=successor.pk, status=ConnectionStatus.DISCONNECTED).exists()


def _link(predecessor: Connection, ref: MoveRef, wanted: dict[str, list[int]]) -> list[int]:
    values = list(wanted)
    found: dict[str, list[tuple[int, int | None]]] = {}
    for start in range(0, len(values), 1000):
        rows = Incident.objects.filter(
            connection=predecessor, **{f"{ref.field}__in": values[start : start + 1000]}
        ).values_list(ref.field, "pk", "superseded_by")
        for value, pk, superseded in rows:
            found.setdefault(str(value), []).append((pk, superseded))
    linked = []
    for value, successors in wanted.items():
        candidates = found.get(value, [])
        # One incident each side, neither matched yet: anything else is the admin's to decide.
        if len(candidates) != 1 or len(successors) != 1 or candidates[0][1] is not None:
            continue
        pk = candidates[0][0]
        Incident.objects.filter(pk=pk, superseded_by__isnull=True).update(
            superseded_by=successors[0]
        )
        linked.append(pk)
    if linked:
        # Their verdicts change (they stop counting): judged again at the next evaluation.
        engine().changed(topic=TOPIC, item_ids=linked)
    return linked


def link_page(*, connection: Connection, incident_ids: Iterable[int]) -> list[int]:
    """After a sync page: match what it wrote, on whichever side of a move it is."""
    ids = list(incident_ids)
    if not ids:
        return []
    linked: list[int] = []
    for predecessor in Connection.objects.filter(moved_to=connection).select_related("moved_to"):
        linked += link_moved(predecessor=predecessor, successor_ids=ids)
    if connection.moved_to_id is not None:
        # The predecessor synced these before its stop date: the successor may hold them.
        linked += link_moved(predecessor=connection, predecessor_ids=ids)
    return linked


def match_all(*, predecessor: Connection) -> list[int]:
    """When a move is set: match every incident the successor already holds (and those an
    admin matched by hand, should the move have been set before)."""
    with transaction.atomic():
        linked = _restore_hand_matches(predecessor) + link_moved(predecessor=predecessor)
    return linked


def successor_disconnected(*, successor: Connection) -> list[int]:
    """In the disconnect's transaction: the successor's incidents stop counting, so the records
    of its predecessors that they represented count again (they are no longer superseded).
    The predecessor's ``counted_again`` says how many, in the audit log too. Returns their ids.

    Written now rather than joined at read time: the incident list asks only its own row."""
    freed: list[int] = []
    for predecessor in Connection.objects.select_for_update().filter(moved_to=successor):
        superseded = Incident.objects.filter(connection=predecessor, superseded_by__isnull=False)
        ids = list(superseded.values_list("pk", flat=True))
        if not ids:
            continue
        superseded.update(superseded_by=None)
        engine().changed(topic=TOPIC, item_ids=ids)
        # save(), not update(): the audit log records the change, and who made it.
        predecessor.counted_again += len(ids)
        predecessor.save(update_fields=["counted_again", "updated_at"])
        freed += ids
    return freed


def successor_reconnected(*, successor: Connection) -> list[int]:
    """In the reconnect's transaction: match its predecessors' incidents again, by hand (the
    admin's ``IncidentMatch`` rows, kept) and by their refs, as when the move was set."""
    linked: list[int] = []
    for predecessor in Connection.objects.select_for_update().filter(moved_to=successor):
        predecessor.moved_to = successor  # its status as just saved, in this transaction
        linked += _restore_hand_matches(predecessor) + link_moved(predecessor=predecessor)
        if predecessor.counted_again:
            predecessor.counted_again = 0
            predecessor.save(update_fields=["counted_again", "updated_at"])
        if linked:
            transaction.on_commit(
                lambda p=predecessor: moved_incidents_matched.send(sender=Connection, connection=p)
            )
    return linked


def _restore_hand_matches(predecessor: Connection) -> list[int]:
    """The admin's matches (newest first per incident) whose two records are both unmatched."""
    successor = predecessor.moved_to
    if successor is None or _disconnected(successor):
        return []
    restored: list[int] = []
    seen: set[int] = set()
    matches = IncidentMatch.objects.filter(
        moved__connection=predecessor, successor__connection=successor
    ).values_list("moved_id", "successor_id")
    for moved_id, successor_id in matches:  # newest first (IncidentMatch.Meta.ordering)
        if moved_id in seen:
            continue
        seen.add(moved_id)
        if Incident.objects.filter(superseded_by_id=successor_id).exists():
            continue
        if Incident.objects.filter(pk=moved_id, superseded_by__isnull=True).update(
            superseded_by=successor_id
        ):
            restored.append(moved_id)
    if restored:
        engine().changed(topic=TOPIC, item_ids=restored)
    return restored


class MatchRefused(Exception):
    """The admin's match cannot be made; ``str()`` says why. Nothing was changed."""


def match_by_hand(
    *,
    predecessor: Connection,
    successor_incident: Incident,
    number: str,
    user: AbstractBaseUser | AnonymousUser | None,
) -> IncidentMatch:
    """The predecessor's incident numbered ``number`` is ``successor_incident``."""
    number = number.strip()
    if successor_incident.connection_id != predecessor.moved_to_id:
        raise MatchRefused("That incident is not one of the successor's.")
    if predecessor.successor_disconnected:
        raise MatchRefused(
            f"{predecessor.moved_to.get_provider_name()} is disconnected: its incidents do not "  # type: ignore[union-attr]
            "count, so there is nothing to count once. Reconnect it first."
        )
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=successor_incident.pk).first()
        if successor_incident.moved_records.exists():
            raise MatchRefused(f"{successor_incident.number} is already matched.")
        candidates = list(
            Incident.objects.select_for_update().filter(connection=predecessor, number=number)
        )
        if not candidates:
            raise MatchRefused(f"No incident numbered {number!r} was synced from the source.")
        if len(candidates) > 1:
            raise MatchRefused(
                f"{len(candidates)} incidents are numbered {number}: the number was reused "
                "upstream, so it cannot say which one."
            )
        moved = candidates[0]
        if moved.superseded_by_id is not None:
            raise MatchRefused(f"Incident {number} is already matched to another incident.")
        moved.superseded_by = successor_incident
        # save() (not update()): the incident is judged again (IncidentsConfig.rejudge).
        moved.save(update_fields=["superseded_by"])
        actor = user if user is not None and user.is_authenticated else None
        match = IncidentMatch.objects.create(
            moved=moved,
            successor=successor_incident,
            matched_by=actor,
            matched_at=timezone.now(),
        )
        transaction.on_commit(
            lambda: moved_incidents_matched.send(sender=Connection, connection=predecessor)
        )
    return match


def waiting_for_match(predecessor: Connection) -> QuerySet[Incident]:
    """The successor's incidents that look moved but match nothing: created by the migration,
    that is no later than the newest one matched (Atlassian's migration creates the work items
    in one batch) or, while none is matched, before the stop date; and matched by no record of
    the predecessor (no tiny id, or one that named none or several)."""
    successor = predecessor.moved_to
    if successor is None or predecessor.moved_on is None:
        return Incident.objects.none()
    stop = timezone.make_aware(datetime.combine(predecessor.moved_on, time.min))
    newest_matched = (
        Incident.objects.filter(connection=successor, moved_records__connection=predecessor)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    candidates = Incident.objects.filter(connection=successor, created_at__lt=stop)
    if newest_matched is not None:
        candidates = candidates.filter(created_at__lte=newest_matched)
    return candidates.exclude(moved_records__connection=predecessor).order_by("created_at", "id")


@dataclass(frozen=True)
class MoveCounts:
    predecessor_held: int
    successor_held: int
    matched: int
    matched_by_hand: int
    waiting: int
    # The successor is disconnected: its incidents count for nothing, the predecessor's do.
    successor_disconnected: bool = False

    @property
    def counted_once(self) -> int:
        """Incidents of both, each counted once: what the checks see of the two sources."""
        if self.successor_disconnected:
            return self.predecessor_held
        return self.predecessor_held + self.successor_held - self.matched


def move_counts(predecessor: Connection) -> MoveCounts:
    held = Incident.objects.filter(deleted_upstream=False)
    successor = predecessor.moved_to
    return MoveCounts(
        predecessor_held=held.filter(connection=predecessor).count(),
        successor_held=held.filter(connection=successor).count() if successor else 0,
        matched=held.filter(connection=predecessor, superseded_by__isnull=False).count(),
        matched_by_hand=IncidentMatch.objects.filter(moved__connection=predecessor).count(),
        waiting=waiting_for_match(predecessor).count(),
        successor_disconnected=predecessor.successor_disconnected,
    )
