"""The readiness checks' PagerDuty side (issue 15 §4), judged on the synced escalation policies,
schedules and on-call timelines (``library.kinds_pagerduty``) and the services:

- a service whose escalation policy has no rule that reaches a person or a schedule;
- a schedule a policy uses with a period in the next 14 days where nobody is on call;
- a policy that stops after a single person: its targets are one user, with no repeat.

Never a pass by omission: a service whose policy was not read, a kind skipped for the
credentials' permissions, or nothing synced is listed with "Cannot judge:" and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from lib.checks import FailingRow
from library.kinds_pagerduty import ON_CALLS, POLICIES, PROVIDER, SCHEDULES, rule_targets
from library.models import LibraryObject
from library.readiness import Side, row_item, schedule_gaps
from library.readiness_reads import (
    CANNOT,
    Account,
    accounts,
    empty_or_unread,
    list_url,
    record_url,
    removed_on,
)

SIDE = Side(SCHEDULES, ON_CALLS, "PagerDuty")


def _policy_of_services(account: Account, live: bool = True) -> dict[str, LibraryObject]:
    """Service id -> the policy naming it in its ``services`` (live or removed ones)."""
    rows = account.live.get(POLICIES, []) if live else account.removed.get(POLICIES, {}).values()
    found: dict[str, LibraryObject] = {}
    for policy in rows:
        services = policy.raw.get("services")
        for service in services if isinstance(services, list) else []:
            if isinstance(service, dict) and isinstance(service.get("id"), str):
                found.setdefault(service["id"], policy)
    return found


def failing_paths(now: datetime) -> Iterator[FailingRow]:
    for account in accounts((POLICIES,), services=True, provider=PROVIDER):
        yield from empty_or_unread(
            account,
            "services",
            len(account.services),
            "PagerDuty lists no services: there is no service whose path could be judged",
            POLICIES,
        )
        if account.why_unread(["services"]):
            continue
        blocked = account.why_unread([POLICIES])
        policies, removed = _policy_of_services(account), _policy_of_services(account, False)
        for service in account.services:
            key, label = f"service:{service.pk}", f"{service.name} (service)"
            policy = policies.get(service.upstream_id)
            if blocked or policy is None:
                gone = removed.get(service.upstream_id)
                why = blocked or (
                    removed_on(gone) if gone else "no synced escalation policy names it"
                )
                url = record_url(gone) if gone else list_url(POLICIES)
                yield FailingRow(key, label, url, CANNOT + why, account.source)
            elif not rule_targets(policy.raw):
                reason = (
                    f"Its escalation policy {policy.name} has no rule that reaches a person or "
                    "a schedule, so an incident on it notifies nobody. In PagerDuty, add a user "
                    f"or a schedule as a target of a rule of {policy.name}."
                )
                yield FailingRow(key, label, record_url(policy), reason, account.source)


def schedules_used(account: Account) -> dict[str, str]:
    """The schedules the account's policies notify: upstream id -> name."""
    used: dict[str, str] = {}
    for policy in account.live.get(POLICIES, []):
        for _level, kind, upstream_id, name in rule_targets(policy.raw):
            if kind == "schedule":
                used.setdefault(upstream_id, name)
    return used


def failing_gaps(now: datetime) -> Iterator[FailingRow]:
    for account in accounts((POLICIES, SCHEDULES, ON_CALLS), provider=PROVIDER):
        used = schedules_used(account)
        yield from empty_or_unread(
            account, POLICIES, len(used), "no escalation policy notifies an on-call schedule"
        )
        if account.why_unread([POLICIES]):
            continue
        for upstream_id, name in used.items():
            yield from schedule_gaps(account, upstream_id, name, now, SIDE)


def failing_second_responder(now: datetime) -> Iterator[FailingRow]:
    for account in accounts((POLICIES,), provider=PROVIDER):
        policies = account.live.get(POLICIES, [])
        yield from empty_or_unread(
            account, POLICIES, len(policies), "PagerDuty lists no escalation policies"
        )
        if account.why_unread([POLICIES]):
            continue
        for policy in policies:
            reason = _single_reason(policy)
            if reason:
                yield row_item(f"policy:{policy.pk}", policy, account, reason)


def _single_reason(policy: LibraryObject) -> str:
    raw, name = policy.raw, policy.name
    if not isinstance(raw.get("escalation_rules"), list):
        return CANNOT + "PagerDuty sent the escalation policy without its rules"
    found = rule_targets(raw)
    if not found:
        return (
            f"No rule reaches a person or a schedule: it notifies nobody. In PagerDuty, add a "
            f"user or a schedule as a target of a rule of escalation policy {name}."
        )
    loops = raw.get("num_loops")
    people = {(kind, upstream_id) for _level, kind, upstream_id, _name in found}
    if (isinstance(loops, int) and loops > 0) or len(people) > 1 or found[0][1] != "user":
        return ""
    return (
        f"It notifies only {found[0][3]}, with no second level and no repeat (num_loops 0): if "
        "they do not answer, nobody else is told. In PagerDuty, add a rule (a schedule or "
        f"another person) to escalation policy {name}, or make it repeat."
    )
