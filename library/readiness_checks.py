"""The readiness checks' registration (lib.checks), their populations, and when they are
evaluated: after a sync that read configuration or services of a provider whose configuration
they judge, when an account is disconnected, and hourly with every check (the on-call gaps move
with time). Each check judges every provider's canonical facts alike (``readiness``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from integrations.models import ProviderService
from lib.checks import Check, FailingRow, engine, register
from library.kinds import ROLES
from library.models import LibraryObject
from library.readiness import (
    failing_gaps,
    failing_heartbeats,
    failing_paths,
    failing_second_responder,
    schedules_used,
)
from library.readiness_reads import accounts, any_account, connections, judged

TOPIC = "readiness"
PATHS_KEY = "readiness-escalation-path"
GAPS_KEY = "readiness-on-call-gaps"
SECOND_KEY = "readiness-second-responder"
HEARTBEATS_KEY = "readiness-heartbeats"
Failing = Callable[[datetime], Iterator[FailingRow]]


def read_by() -> set[str]:
    """What a run must have read for these checks to be judged again."""
    kinds = {kind.name for by_role in ROLES.values() for kind in by_role.values()}
    return {"services", *kinds}


def _live(role: str) -> int:
    kinds = [by_role[role].name for by_role in ROLES.values() if role in by_role]
    return LibraryObject.objects.filter(
        connection__in=connections(judged()), kind__in=kinds, removed_upstream=False
    ).count()


def _services() -> int:
    return ProviderService.objects.filter(
        connection__in=connections(judged()), deleted_upstream=False
    ).count()


def _schedules() -> int:
    return sum(len(schedules_used(account)) for account in accounts(("escalations",)))


def register_readiness_checks() -> None:
    common = {"topic": TOPIC, "applicable": any_account}
    register(
        Check(
            key=PATHS_KEY,
            title="Every service has an escalation path",
            description="Fails for a service whose escalation path notifies nobody: where a "
            "service reaches its team's escalations, its team has none or none has a rule with a "
            "recipient; where an escalation policy names its services, the policy has no rule "
            "that reaches a person or a schedule. A service whose team, escalations or policy "
            "could not be read is listed as cannot judge.",
            how_to_fix="Upstream, add an escalation to the service's team or a recipient to its "
            "escalation, or a user or a schedule as a target of a rule of the service's "
            "escalation policy. The next sync passes it.",
            checked_count=_services,
            failing=failing_paths,
            **common,
        )
    )
    register(
        Check(
            key=GAPS_KEY,
            title="On-call schedules have no coverage gaps",
            description="Fails for each period of the next 14 days where nobody is on call in "
            "a schedule an escalation or an escalation policy notifies (its final timeline as "
            "last synced, times in UTC). A schedule whose timeline could not be read is listed "
            "as cannot judge.",
            how_to_fix="Upstream, add a rotation, a layer or an override to the schedule "
            "covering the period.",
            checked_count=_schedules,
            failing=failing_gaps,
            **common,
        )
    )
    register(
        Check(
            key=SECOND_KEY,
            title="Escalations reach a second responder",
            description="Fails for an escalation or an escalation policy that stops after a "
            "single person: it notifies one user, with no repeat and no second rule or level (or "
            "no rule notifies anyone).",
            how_to_fix="Upstream, add a second rule or level to the escalation or policy (a "
            "schedule, a team or another person), or make it repeat.",
            checked_count=lambda: _live("escalations"),
            failing=failing_second_responder,
            **common,
        )
    )
    register(
        Check(
            key=HEARTBEATS_KEY,
            title="Heartbeats are enabled and alive",
            description="Fails for a heartbeat that is disabled (no alert when its "
            "pings stop) or expired (its pings have stopped).",
            how_to_fix="Enable the heartbeat, or restore whatever pings it; delete heartbeats "
            "nothing pings any more.",
            checked_count=lambda: _live("heartbeats"),
            failing=failing_heartbeats,
            **common,
        )
    )


def evaluate_after_sync(*, connection: object, streams: dict, **kwargs: object) -> None:  # type: ignore[type-arg]
    if getattr(connection, "provider", "") in judged() and read_by() & set(streams):
        engine().evaluate(topic=TOPIC, reason="after a sync")


def evaluate_after_disconnect(**kwargs: object) -> None:
    engine().evaluate(topic=TOPIC, reason="an integration was disconnected")
