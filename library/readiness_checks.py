"""The readiness checks' registration (lib.checks), their populations, and when they are
evaluated: after a sync that read OpsGenie configuration or services, when an account is
disconnected, and hourly with every check (the on-call gaps move with time)."""

from __future__ import annotations

from integrations.models import ProviderService
from lib.checks import Check, engine, register
from library.models import LibraryObject
from library.readiness import (
    failing_gaps,
    failing_heartbeats,
    failing_paths,
    failing_second_responder,
    schedules_used,
)
from library.readiness_reads import PROVIDER, accounts, any_account, connections

TOPIC = "readiness"
PATHS_KEY = "readiness-escalation-path"
GAPS_KEY = "readiness-on-call-gaps"
SECOND_KEY = "readiness-second-responder"
HEARTBEATS_KEY = "readiness-heartbeats"
# What a run must have read for these checks to be judged again.
READ_BY = {"services", "teams", "escalations", "schedules", "on_calls", "heartbeats"}


def _live(kind: str) -> int:
    return LibraryObject.objects.filter(
        connection__in=connections(), kind=kind, removed_upstream=False
    ).count()


def _services() -> int:
    return ProviderService.objects.filter(
        connection__in=connections(), deleted_upstream=False
    ).count()


def _schedules() -> int:
    return sum(len(schedules_used(account)) for account in accounts(("escalations",)))


def register_readiness_checks() -> None:
    common = {"topic": TOPIC, "applicable": any_account}
    register(
        Check(
            key=PATHS_KEY,
            title="Every service has an escalation path",
            description="Fails for an OpsGenie service whose team has no escalation, or whose "
            "escalation has no rule with a recipient (an alert for it notifies nobody). A "
            "service whose team or escalations could not be read is listed as cannot judge.",
            how_to_fix="In OpsGenie, add an escalation to the service's team, or a recipient "
            "to its escalation; the next sync passes it.",
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
            "a schedule an escalation notifies (its final timeline as last synced, times in "
            "UTC). A schedule whose timeline could not be read is listed as cannot judge.",
            how_to_fix="In OpsGenie, add a rotation or an override to the schedule covering "
            "the period.",
            checked_count=_schedules,
            failing=failing_gaps,
            **common,
        )
    )
    register(
        Check(
            key=SECOND_KEY,
            title="Escalations reach a second responder",
            description="Fails for an OpsGenie escalation that stops after a single person: "
            "its only rule notifies one user, with no repeat and no second rule (or no rule "
            "notifies anyone).",
            how_to_fix="In OpsGenie, add a second rule to the escalation (a schedule, a team "
            "or another person), or make it repeat.",
            checked_count=lambda: _live("escalations"),
            failing=failing_second_responder,
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
    if getattr(connection, "provider", "") == PROVIDER and READ_BY & set(streams):
        engine().evaluate(topic=TOPIC, reason="after a sync")


def evaluate_after_disconnect(**kwargs: object) -> None:
    engine().evaluate(topic=TOPIC, reason="an integration was disconnected")
