"""The readiness checks' registration (lib.checks), their populations, and when they are
evaluated: after a sync that read OpsGenie or PagerDuty configuration or services, when an
account is disconnected, and hourly with every check (the on-call gaps move with time). Each
check judges OpsGenie (``readiness``) and PagerDuty (``readiness_pagerduty``) alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain

from integrations.models import ProviderService
from lib.checks import Check, FailingRow, engine, register
from library import readiness_pagerduty as pagerduty
from library.kinds_pagerduty import ON_CALLS, POLICIES, SCHEDULES
from library.models import LibraryObject
from library.readiness import (
    failing_gaps,
    failing_heartbeats,
    failing_paths,
    failing_second_responder,
    schedules_used,
)
from library.readiness_reads import PROVIDERS, accounts, any_account, connections

TOPIC = "readiness"
PATHS_KEY = "readiness-escalation-path"
GAPS_KEY = "readiness-on-call-gaps"
SECOND_KEY = "readiness-second-responder"
HEARTBEATS_KEY = "readiness-heartbeats"
# What a run must have read for these checks to be judged again.
READ_BY = {
    "services",
    "teams",
    "escalations",
    "schedules",
    "on_calls",
    "heartbeats",
    POLICIES,
    SCHEDULES,
    ON_CALLS,
}
Failing = Callable[[datetime], Iterator[FailingRow]]


def _both(*judges: Failing) -> Failing:
    return lambda now: chain.from_iterable(judge(now) for judge in judges)


def _live(*kinds: str) -> int:
    return LibraryObject.objects.filter(
        connection__in=[*connections(), *connections("pagerduty")],
        kind__in=kinds,
        removed_upstream=False,
    ).count()


def _services() -> int:
    return ProviderService.objects.filter(
        connection__in=[*connections(), *connections("pagerduty")], deleted_upstream=False
    ).count()


def _schedules() -> int:
    opsgenie = sum(len(schedules_used(account)) for account in accounts(("escalations",)))
    used = pagerduty.schedules_used
    return opsgenie + sum(
        len(used(account)) for account in accounts((POLICIES,), provider="pagerduty")
    )


def register_readiness_checks() -> None:
    common = {"topic": TOPIC, "applicable": any_account}
    register(
        Check(
            key=PATHS_KEY,
            title="Every service has an escalation path",
            description="Fails for an OpsGenie service whose team has no escalation, or whose "
            "escalation has no rule with a recipient, and for a PagerDuty service whose "
            "escalation policy has no rule that reaches a person or a schedule (an alert for it "
            "notifies nobody). A service whose team, escalations or policy could not be read is "
            "listed as cannot judge.",
            how_to_fix="In OpsGenie, add an escalation to the service's team, or a recipient "
            "to its escalation; in PagerDuty, add a user or a schedule as a target of a rule of "
            "the service's escalation policy. The next sync passes it.",
            checked_count=_services,
            failing=_both(failing_paths, pagerduty.failing_paths),
            **common,
        )
    )
    register(
        Check(
            key=GAPS_KEY,
            title="On-call schedules have no coverage gaps",
            description="Fails for each period of the next 14 days where nobody is on call in "
            "a schedule an OpsGenie escalation or a PagerDuty escalation policy notifies (its "
            "final timeline or final schedule as last synced, times in UTC). A schedule whose "
            "timeline could not be read is listed as cannot judge.",
            how_to_fix="In OpsGenie or PagerDuty, add a rotation, a layer or an override to "
            "the schedule covering the period.",
            checked_count=_schedules,
            failing=_both(failing_gaps, pagerduty.failing_gaps),
            **common,
        )
    )
    register(
        Check(
            key=SECOND_KEY,
            title="Escalations reach a second responder",
            description="Fails for an OpsGenie escalation or a PagerDuty escalation policy "
            "that stops after a single person: it notifies one user, with no repeat (PagerDuty: "
            "num_loops 0) and no second rule or level (or no rule notifies anyone).",
            how_to_fix="In OpsGenie or PagerDuty, add a second rule to the escalation or "
            "policy (a schedule, a team or another person), or make it repeat.",
            checked_count=lambda: _live("escalations", POLICIES),
            failing=_both(failing_second_responder, pagerduty.failing_second_responder),
            **common,
        )
    )
    register(
        Check(
            key=HEARTBEATS_KEY,
            title="Heartbeats are enabled and alive",
            description="Fails for an OpsGenie heartbeat that is disabled (no alert when its "
            "pings stop) or expired (its pings have stopped).",
            how_to_fix="Enable the heartbeat, or restore whatever pings it; delete heartbeats "
            "nothing pings any more.",
            checked_count=lambda: _live("heartbeats"),
            failing=failing_heartbeats,
            **common,
        )
    )


def evaluate_after_sync(*, connection: object, streams: dict, **kwargs: object) -> None:  # type: ignore[type-arg]
    if getattr(connection, "provider", "") in PROVIDERS and READ_BY & set(streams):
        engine().evaluate(topic=TOPIC, reason="after a sync")


def evaluate_after_disconnect(**kwargs: object) -> None:
    engine().evaluate(topic=TOPIC, reason="an integration was disconnected")
