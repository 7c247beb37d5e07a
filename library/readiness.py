"""The readiness checks (issue 15 §4): whether the synced configuration shows an
incident-response capability. They judge the canonical facts each provider read
(``integrations.config_records``): an escalation's targets and repeat, an on-call timeline's
periods, a heartbeat's pings. Each failing item names the object, links to its Data library
record and says what to change upstream (the provider named as the registry names it).

Never a pass by omission: an object that cannot be judged (its team or timeline not read, a kind
skipped for the credentials' permissions, nothing synced) is listed with "Cannot judge:" and
why. Items are keyed by the stored rows' ids, so an unchanged sync changes no item; reasons say
when, never "for how long"."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from integrations.config_records import PERSON, SCHEDULE, Escalation, Heartbeat, Timeline
from lib.checks import FailingRow
from lib.moments import utc_day_minute, utc_minute_text, utc_stamp
from library.kinds import services_kind
from library.models import LibraryObject
from library.readiness_reads import (
    CANNOT,
    Account,
    accounts,
    cannot_judge_all,
    empty_or_unread,
    list_url,
    record_url,
    removed_on,
    service_url,
    syncs_services,
)


def escalation(row: LibraryObject) -> Escalation:
    return Escalation.from_json(row.facts.get("escalation"))


def row_item(
    key: str, row: LibraryObject, account: Account, reason: str, label: str = ""
) -> FailingRow:
    return FailingRow(key, label or row.name, record_url(row), reason, account.source)


def failing_paths(now: datetime) -> Iterator[FailingRow]:
    """Every service has an escalation path: the escalation that reaches it (its team's, or the
    policy naming it) notifies someone."""
    for account in accounts(("escalations",), services=True, optional=("teams",)):
        by_team = account.kinds["escalations"].reached_by == "team"
        fallback = account.kind("teams") if by_team else account.kind("escalations")
        if not syncs_services(account):
            why = (
                f"{account.source} has no services (its alerts reach a team's escalations "
                "through the team's routing rules): there is no service whose path could be "
                "judged; the other readiness checks judge its escalations"
            )
            yield cannot_judge_all(account, "services", why, fallback)
            continue
        # Nothing to judge for want of services: the item links to the services page.
        listing = services_kind(account.connection.provider)
        yield from empty_or_unread(
            account,
            "services",
            len(account.services),
            f"{account.source} lists no services: there is no service whose path could be judged",
            listing.name if listing else fallback,
        )
        if account.why_unread(["services"]):
            continue
        if by_team:
            yield from _team_paths(account)
        else:
            yield from _policy_paths(account)


def _team_paths(account: Account) -> Iterator[FailingRow]:
    teams_kind, escalations_kind = account.kind("teams"), account.kind("escalations")
    teams = account.by_id(teams_kind)
    by_team: dict[str, list[LibraryObject]] = {}
    for row in account.live.get(escalations_kind, []):
        by_team.setdefault(row.team_upstream_id, []).append(row)
    blocked = account.why_unread([teams_kind, escalations_kind])
    for service in account.services:
        key, label = f"service:{service.pk}", f"{service.name} (service)"
        team = teams.get(service.team_id)
        # The team, where the fix is; the service's own page when its team is not synced.
        url = record_url(team) if team else service_url(account, service)
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
        gone = account.removed.get(account.kind("teams"), {}).get(team_id)
        why = removed_on(gone) if gone else f"its team {team_id} is not among the synced teams"
        return CANNOT + why
    escalations = by_team.get(team_id, [])
    if not escalations:
        return (
            f"Team {team.name} has no escalation, so an alert for this service notifies nobody. "
            f"Add an escalation to team {team.name} in {account.source}."
        )
    if not any(escalation(row).targets for row in escalations):
        names = ", ".join(row.name for row in escalations)
        return (
            f"The escalation of team {team.name} ({names}) has no rule with a recipient, so it "
            f"notifies nobody. Add a recipient (a schedule, a team or a person) to {names} in "
            f"{account.source}."
        )
    return ""


def _policy_of_services(rows: Iterable[LibraryObject]) -> dict[str, LibraryObject]:
    """Service id -> the policy naming it (the first of ``rows``)."""
    found: dict[str, LibraryObject] = {}
    for policy in rows:
        for service in escalation(policy).services:
            found.setdefault(service, policy)
    return found


def _policy_paths(account: Account) -> Iterator[FailingRow]:
    kind = account.kind("escalations")
    blocked = account.why_unread([kind])
    policies = _policy_of_services(account.live.get(kind, []))
    removed = _policy_of_services(account.removed.get(kind, {}).values())
    for service in account.services:
        key, label = f"service:{service.pk}", f"{service.name} (service)"
        policy = policies.get(service.upstream_id)
        if blocked or policy is None:
            gone = removed.get(service.upstream_id)
            why = blocked or (removed_on(gone) if gone else "no synced escalation policy names it")
            url = record_url(gone) if gone else service_url(account, service)
            yield FailingRow(key, label, url, CANNOT + why, account.source)
        elif not escalation(policy).targets:
            reason = (
                f"Its escalation policy {policy.name} has no rule that reaches a person or "
                f"a schedule, so an incident on it notifies nobody. In {account.source}, add a "
                f"user or a schedule as a target of a rule of {policy.name}."
            )
            yield FailingRow(key, label, record_url(policy), reason, account.source)


def schedules_used(account: Account) -> dict[str, str]:
    """The schedules the account's escalations notify: upstream id -> name."""
    used: dict[str, str] = {}
    for row in account.live.get(account.kind("escalations"), []):
        for target in escalation(row).targets:
            if target.type == SCHEDULE:
                used.setdefault(target.upstream_id, target.name)
    return used


def failing_gaps(now: datetime) -> Iterator[FailingRow]:
    """On-call schedules have no coverage gaps: each schedule an escalation notifies has someone
    on call throughout its next 14 days (its synced final timeline)."""
    for account in accounts(("escalations", "schedules", "on_calls")):
        used = schedules_used(account)
        kind = account.kinds["escalations"]
        yield from empty_or_unread(
            account, kind.name, len(used), f"no {kind.singular} notifies an on-call schedule"
        )
        if account.why_unread([kind.name]):
            continue
        for upstream_id, name in used.items():
            yield from schedule_gaps(account, upstream_id, name, now)


def schedule_gaps(
    account: Account, upstream_id: str, name: str, now: datetime
) -> Iterator[FailingRow]:
    """The gaps ahead in the on-call timeline of one schedule an escalation uses."""
    schedules, on_calls = account.kind("schedules"), account.kind("on_calls")
    schedule = account.by_id(schedules).get(upstream_id)
    timeline = account.by_id(on_calls).get(upstream_id)
    if timeline is None or account.why_unread([on_calls]):
        gone = account.removed.get(schedules, {}).get(upstream_id)
        why = account.why_unread([on_calls]) or (
            removed_on(gone) if gone else "its on-call timeline was not read"
        )
        target = schedule or timeline
        url = record_url(target) if target else list_url(schedules)
        key = f"schedule:{schedule.pk}" if schedule else f"schedule:{upstream_id}"
        yield FailingRow(key[:120], name, url, CANNOT + why, account.source)
        return
    read = Timeline.from_json(timeline.facts.get("timeline"))
    end = read.end
    if end is None or end <= now:
        read_to = f"reaches only to {utc_minute_text(end)}" if end else "has no end date"
        why = f"its on-call timeline as last synced {read_to}: a sync reads the next 14 days"
        yield row_item(f"on-call:{timeline.pk}", timeline, account, CANNOT + why, name)
        return
    for lower, upper in read.gaps():
        if upper <= now:
            continue
        # Keyed by the gap's end, which a later sync does not move (its start may be the
        # window's, which does); by its start when it runs to the window's end.
        # In UTC, as the label and reason: the same gap keeps its key whatever offset the
        # upstream writes its times with.
        edge = f"to:{utc_stamp(upper)}" if upper != end else f"from:{utc_stamp(lower)}"
        label = f"{name}: {utc_day_minute(lower)} – {utc_day_minute(upper)} UTC"
        reason = (
            f"Nobody is on call from {utc_minute_text(lower)} to {utc_minute_text(upper)}. "
            f"Add a rotation or an override to schedule {name} in {account.source} covering "
            "that time."
        )
        yield row_item(f"gap:{timeline.pk}:{edge}", timeline, account, reason, label)


def failing_second_responder(now: datetime) -> Iterator[FailingRow]:
    """Escalations reach a second responder: not one person with no repeat."""
    for account in accounts(("escalations",)):
        kind = account.kinds["escalations"]
        rows = account.live.get(kind.name, [])
        yield from empty_or_unread(
            account, kind.name, len(rows), f"{account.source} lists no {kind.label.lower()}"
        )
        if account.why_unread([kind.name]):
            continue
        for row in rows:
            reason = _single_reason(account, row)
            if reason:
                yield row_item(f"escalation:{row.pk}", row, account, reason)


def _single_reason(account: Account, row: LibraryObject) -> str:
    kind, name, source = account.kinds["escalations"], row.name, account.source
    read = escalation(row)
    if not read.steps_read:
        return CANNOT + f"{source} sent the {kind.singular} without its rules"
    by_team = kind.reached_by == "team"
    if not read.targets:
        if by_team:
            return (
                f"No rule has a recipient: it notifies nobody. Add a rule with a recipient (a "
                f"schedule, a team or a person) to {kind.singular} {name} in {source}."
            )
        return (
            f"No rule reaches a person or a schedule: it notifies nobody. In {source}, add a "
            f"user or a schedule as a target of a rule of {kind.singular} {name}."
        )
    people = {(target.type, target.upstream_id) for target in read.targets}
    if read.repeats or len(people) > 1 or read.targets[0].type != PERSON:
        return ""
    only = read.targets[0].name
    if by_team:
        return (
            f"It notifies only {only}, with no repeat and no second rule: if they do not "
            f"answer, nobody else is told. Add a second rule (a schedule, a team or another "
            f"person) to {kind.singular} {name} in {source}."
        )
    setting = f" ({kind.repeat_setting} 0)" if kind.repeat_setting else ""
    return (
        f"It notifies only {only}, with no second level and no repeat{setting}: if they do not "
        f"answer, nobody else is told. In {source}, add a rule (a schedule or another person) "
        f"to {kind.singular} {name}, or make it repeat."
    )


def failing_heartbeats(now: datetime) -> Iterator[FailingRow]:
    """Heartbeats are enabled and alive."""
    for account in accounts(("heartbeats",)):
        kind = account.kind("heartbeats")
        beats = account.live.get(kind, [])
        yield from empty_or_unread(
            account, kind, len(beats), f"{account.source} lists no heartbeats"
        )
        if account.why_unread([kind]):
            continue
        for beat in beats:
            read = Heartbeat.from_json(beat.facts.get("heartbeat"))
            if not read.enabled:
                reason = (
                    f"Disabled: {account.source} raises no alert when it stops being pinged. "
                    f"Enable heartbeat {beat.name} in {account.source}, or delete it if nothing "
                    "pings it."
                )
            elif read.expired:
                last = read.last_ping
                since = f"last ping {utc_minute_text(last)}" if last else "no ping recorded"
                reason = (
                    f"Expired ({since}): what should ping it has stopped. Restore the job that "
                    f"pings heartbeat {beat.name}, then check it is alive in {account.source}."
                )
            else:
                continue
            yield row_item(f"heartbeat:{beat.pk}", beat, account, reason)
