"""The readiness checks (issue 15 §4): whether the synced OpsGenie configuration shows an
incident-response capability. Each failing item names the object, links to its Data library
record and says what to change upstream. Never a pass by omission: an object that cannot be
judged (its team or timeline not read, a kind skipped for the key's permissions, nothing synced)
is listed with "Cannot judge:" and why. Items are keyed by the stored rows' ids, so an unchanged
sync changes no item; reasons say when, never "for how long"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.records import parse_upstream_time
from lib.checks import FailingRow
from library.kinds import KINDS
from library.models import LibraryObject
from library.readiness_reads import (
    CANNOT,
    Account,
    accounts,
    empty_or_unread,
    list_url,
    record_url,
    removed_on,
)

Raw = dict[str, Any]
RECIPIENT_TYPES = ("user", "team", "schedule", "escalation")


def recipients(raw: Raw) -> list[tuple[str, str, str]]:
    """(type, id, name) of each rule's recipient, in rule order; rules naming none are left out."""
    found = []
    rules = raw.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        recipient = rule.get("recipient") if isinstance(rule, dict) else None
        if not isinstance(recipient, dict) or recipient.get("type") not in RECIPIENT_TYPES:
            continue
        if isinstance(recipient.get("id"), str) and recipient["id"]:
            name = recipient.get("name") or recipient.get("username") or recipient["id"]
            found.append((recipient["type"], recipient["id"], str(name)))
    return found


def _owner_id(raw: Raw) -> str:
    team = raw.get("ownerTeam")
    return team.get("id", "") if isinstance(team, dict) else ""


def _when(moment: datetime) -> str:
    return f"{moment:%d %b %Y %H:%M} UTC"


def row_item(
    key: str, row: LibraryObject, account: Account, reason: str, label: str = ""
) -> FailingRow:
    return FailingRow(key, label or row.name, record_url(row), reason, account.source)


def failing_paths(now: datetime) -> Iterator[FailingRow]:
    """Every service has an escalation path: its team has an escalation that notifies someone."""
    for account in accounts(("teams", "escalations"), services=True):
        yield from empty_or_unread(
            account,
            "services",
            len(account.services),
            "OpsGenie lists no services: there is no service whose path could be judged",
        )
        if account.why_unread(["services"]):
            continue
        teams = account.by_id("teams")
        by_team: dict[str, list[LibraryObject]] = {}
        for escalation in account.live.get("escalations", []):
            by_team.setdefault(_owner_id(escalation.raw), []).append(escalation)
        blocked = account.why_unread(["teams", "escalations"])
        for service in account.services:
            key, label = f"service:{service.pk}", f"{service.name} (service)"
            team = teams.get(service.team_id)
            url = record_url(team) if team else list_url("teams")
            reason = _path_reason(account, service.team_id, team, by_team, blocked)
            if reason:
                yield FailingRow(key, label, url, reason, account.source)


def _path_reason(
    account: Account,
    team_id: str,
    team: LibraryObject | None,
    by_team: dict[str, list[LibraryObject]],
    blocked: str,
) -> str:
    if not team_id:
        return CANNOT + "the service's team is not known (the next sync reads it)"
    if blocked:
        return CANNOT + blocked
    if team is None:
        gone = account.removed.get("teams", {}).get(team_id)
        why = removed_on(gone) if gone else f"its team {team_id} is not among the synced teams"
        return CANNOT + why
    escalations = by_team.get(team_id, [])
    if not escalations:
        return (
            f"Team {team.name} has no escalation, so an alert for this service notifies nobody. "
            f"Add an escalation to team {team.name} in OpsGenie."
        )
    if not any(recipients(escalation.raw) for escalation in escalations):
        names = ", ".join(escalation.name for escalation in escalations)
        return (
            f"The escalation of team {team.name} ({names}) has no rule with a recipient, so it "
            f"notifies nobody. Add a recipient (a schedule, a team or a person) to {names} in "
            "OpsGenie."
        )
    return ""


def schedules_used(account: Account) -> dict[str, str]:
    """The schedules the account's escalations notify: upstream id -> name."""
    used: dict[str, str] = {}
    for escalation in account.live.get("escalations", []):
        for kind, upstream_id, name in recipients(escalation.raw):
            if kind == "schedule":
                used.setdefault(upstream_id, name)
    return used


def failing_gaps(now: datetime) -> Iterator[FailingRow]:
    """On-call schedules have no coverage gaps: each schedule an escalation notifies has someone
    on call throughout its next 14 days (its synced final timeline)."""
    for account in accounts(("escalations", "schedules", "on_calls")):
        used = schedules_used(account)
        yield from empty_or_unread(
            account, "escalations", len(used), "no escalation notifies an on-call schedule"
        )
        if account.why_unread(["escalations"]):
            continue
        for upstream_id, name in used.items():
            yield from schedule_gaps(account, upstream_id, name, now, OPSGENIE_SIDE)


@dataclass(frozen=True)
class Side:
    """The kinds one provider's schedules and on-call timelines are kept as, and its name."""

    schedules: str
    on_calls: str
    upstream: str


OPSGENIE_SIDE = Side("schedules", "on_calls", "OpsGenie")


def schedule_gaps(
    account: Account, upstream_id: str, name: str, now: datetime, side: Side
) -> Iterator[FailingRow]:
    """The gaps ahead in the on-call timeline of one schedule an escalation uses."""
    schedule = account.by_id(side.schedules).get(upstream_id)
    timeline = account.by_id(side.on_calls).get(upstream_id)
    if timeline is None or account.why_unread([side.on_calls]):
        gone = account.removed.get(side.schedules, {}).get(upstream_id)
        why = account.why_unread([side.on_calls]) or (
            removed_on(gone) if gone else "its on-call timeline was not read"
        )
        target = schedule or timeline
        url = record_url(target) if target else list_url(side.schedules)
        key = f"schedule:{schedule.pk}" if schedule else f"schedule:{upstream_id}"
        yield FailingRow(key[:120], name, url, CANNOT + why, account.source)
        return
    read = KINDS[side.on_calls].timeline(timeline.raw)  # type: ignore[misc]
    end = read.end
    if end is None or end <= now:
        read_to = f"reaches only to {_when(end)}" if end else "has no end date"
        why = f"its on-call timeline as last synced {read_to}: a sync reads the next 14 days"
        yield row_item(f"on-call:{timeline.pk}", timeline, account, CANNOT + why, name)
        return
    for lower, upper in read.gaps():
        if upper <= now:
            continue
        # Keyed by the gap's end, which a later sync does not move (its start may be the
        # window's, which does); by its start when it runs to the window's end.
        edge = f"to:{upper:%Y%m%dT%H%M}" if upper != end else f"from:{lower:%Y%m%dT%H%M}"
        label = f"{name}: {lower:%d %b %H:%M} – {upper:%d %b %H:%M} UTC"
        reason = (
            f"Nobody is on call from {_when(lower)} to {_when(upper)}. Add a rotation or an "
            f"override to schedule {name} in {side.upstream} covering that time."
        )
        yield row_item(f"gap:{timeline.pk}:{edge}", timeline, account, reason, label)


def failing_second_responder(now: datetime) -> Iterator[FailingRow]:
    """Escalations reach a second responder: not one rule to one person with no repeat."""
    for account in accounts(("escalations",)):
        escalations = account.live.get("escalations", [])
        yield from empty_or_unread(
            account, "escalations", len(escalations), "OpsGenie lists no escalations"
        )
        if account.why_unread(["escalations"]):
            continue
        for escalation in escalations:
            reason = _single_reason(escalation)
            if reason:
                yield row_item(f"escalation:{escalation.pk}", escalation, account, reason)


def _single_reason(escalation: LibraryObject) -> str:
    raw, name = escalation.raw, escalation.name
    if not isinstance(raw.get("rules"), list):
        return CANNOT + "OpsGenie sent the escalation without its rules"
    found = recipients(raw)
    if not found:
        return (
            f"No rule has a recipient: it notifies nobody. Add a rule with a recipient (a "
            f"schedule, a team or a person) to escalation {name} in OpsGenie."
        )
    repeat = raw.get("repeat") if isinstance(raw.get("repeat"), dict) else {}
    repeats = isinstance(repeat.get("count"), int) and repeat["count"] > 0
    people = {(kind, upstream_id) for kind, upstream_id, _name in found}
    if repeats or len(people) > 1 or found[0][0] != "user":
        return ""
    return (
        f"It notifies only {found[0][2]}, with no repeat and no second rule: if they do not "
        f"answer, nobody else is told. Add a second rule (a schedule, a team or another person) "
        f"to escalation {name} in OpsGenie."
    )


def failing_heartbeats(now: datetime) -> Iterator[FailingRow]:
    """Heartbeats are enabled and alive."""
    for account in accounts(("heartbeats",)):
        beats = account.live.get("heartbeats", [])
        yield from empty_or_unread(
            account, "heartbeats", len(beats), "OpsGenie lists no heartbeats"
        )
        if account.why_unread(["heartbeats"]):
            continue
        for beat in beats:
            if beat.state == "disabled":
                reason = (
                    "Disabled: OpsGenie raises no alert when it stops being pinged. Enable "
                    f"heartbeat {beat.name} in OpsGenie, or delete it if nothing pings it."
                )
            elif beat.state == "expired":
                last = parse_upstream_time(beat.raw.get("lastPingTime"))
                since = f"last ping {_when(last)}" if last else "no ping recorded"
                reason = (
                    f"Expired ({since}): what should ping it has stopped. Restore the job that "
                    f"pings heartbeat {beat.name}, then check it is alive in OpsGenie."
                )
            else:
                continue
            yield row_item(f"heartbeat:{beat.pk}", beat, account, reason)
