"""The incident checks (PRODUCT 5). Failing items are found with SQL filters; Python only
formats the reason of each failing row."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet

from incidents.expressions import SecondsBetween
from incidents.models import (
    DataLossReport,
    DataLost,
    Incident,
    IncidentPolicy,
    ResolvedAtSource,
)
from integrations.models import Connection, ConnectionStatus
from integrations.providers.registry import provider_name
from integrations.records import IncidentStatus, Priority
from lib.checks import Check, FailingRow, Incremental, id_chunks, register
from lib.ids import AmongIds
from lib.moments import utc_minute_text
from lib.row_html import id_url_prefix

TOPIC = "incidents"
CLOSED_KEY = "incident-closed"
DATA_LOSS_KEY = "incident-data-loss"
SLA_KEY = "incident-sla"
LABELS = {"high": "High", "medium": "Medium", "low": "Low", "": "Unknown"}
# Part of every incident check's basis (lib.checks.Incremental): raise it when a rule or a
# reason's wording changes, so that the next evaluation judges every incident again.
RULES_VERSION = 2


def _checked_count() -> int:
    """The population every incident check looks at (evaluated once per evaluation): every
    incident but the few not counted, which their indexes find (counting the counted ones
    joined each of 1,000,000 incidents to its connection: 377 ms instead of 90)."""
    return Incident.objects.count() - Incident.objects.not_counted().count()


def _any_source() -> bool:
    return Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED).exists()


_FINISHED = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
_INCOMPLETE = (
    Q(what_happened="")
    | Q(categories=[])
    | Q(records_affected__isnull=True, people_affected__isnull=True)
    | Q(
        customers_notified_on__isnull=True,
        regulators_notified_on__isnull=True,
        management_notified_on__isnull=True,
        dpo_notified_on__isnull=True,
        other_notified_on__isnull=True,
    )
)


def _per_priority(policy: IncidentPolicy, make_q) -> Q:  # type: ignore[no-untyped-def]
    """One Q per priority, OR-ed: the SLA differs by priority."""
    combined = Q()
    for priority in ("high", "medium", "low", ""):
        combined |= Q(priority=priority) & make_q(policy.sla(priority))
    return combined


def describe(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    if days:
        hours = seconds // 3600
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def sla_clock(incident: Incident, policy: IncidentPolicy, now: datetime) -> str:
    """An open incident's SLA as the incident page says it: "due in 5 h 10 min" or "overdue by
    4 d 2 h"; "" once it is resolved."""
    if incident.status != IncidentStatus.OPEN:
        return ""
    due = incident.created_at + policy.sla(incident.priority)
    if now < due:
        return f"due in {describe(due - now)}"
    return f"overdue by {describe(now - due)}"


def _among(incidents: QuerySet, among: Collection[int] | None, field: str = "pk") -> Iterator:  # type: ignore[type-arg]
    """``incidents`` whole (``among`` None), or in turn restricted to each chunk of these ids."""
    if among is None:
        yield incidents
        return
    for ids in id_chunks(sorted(among)):
        yield incidents.filter(AmongIds(field, ids))


def _basis() -> str:
    """What every incident verdict also depends on: the policy and which sources count."""
    policy = IncidentPolicy.current()
    rules = [getattr(policy, field.attname) for field in policy._meta.concrete_fields]
    gone = Connection.objects.filter(status=ConnectionStatus.DISCONNECTED)
    disconnected = sorted(gone.values_list("pk", flat=True))
    return hashlib.sha256(repr((RULES_VERSION, rules, disconnected)).encode()).hexdigest()


def _sla_ran_out(since: datetime, now: datetime, policy: IncidentPolicy | None = None) -> list[int]:
    """Open incidents whose SLA ran out after ``since``, by ``now``: their verdict changed
    with nothing written (an incident is overdue once ``created_at < now - sla``)."""
    policy = policy or IncidentPolicy.current()
    window = _per_priority(
        policy, lambda sla: Q(created_at__gte=since - sla, created_at__lt=now - sla)
    )
    open_incidents = Incident.objects.counted().filter(status=IncidentStatus.OPEN)
    return list(open_incidents.filter(window).values_list("pk", flat=True))


def _close_due(since: datetime, now: datetime) -> list[int]:
    policy = IncidentPolicy.current()  # read once: it decides and it sets the windows
    return _sla_ran_out(since, now, policy) if policy.close_check_uses_sla else []


def _nothing_due(since: datetime, now: datetime) -> list[int]:
    return []


def _row(prefix: str, pk: int, number: str, title: str, reason: str, source: str) -> FailingRow:
    name = provider_name(source)
    return FailingRow(
        f"incident:{pk}", f"#{number} {title}"[:300], f"{prefix}{pk}/", reason, source=name
    )


def failing_open(now: datetime, among: Collection[int] | None = None) -> Iterator[FailingRow]:
    """Reasons say when, not for how long: they stay true, so an evaluation rewrites none of
    the items it did not judge again."""
    prefix = id_url_prefix("incidents:detail")
    policy = IncidentPolicy.current()
    open_incidents = Incident.objects.counted().filter(status=IncidentStatus.OPEN)
    if policy.close_check_uses_sla:
        open_incidents = open_incidents.filter(
            _per_priority(policy, lambda sla: Q(created_at__lt=now - sla))
        )
    columns = ("pk", "number", "title", "created_at", "priority", "source")
    for incidents in _among(open_incidents, among):
        rows = incidents.values_list(*columns).iterator(chunk_size=2000)
        for pk, number, title, created_at, priority, source in rows:
            reason = f"Open since it was reported, {utc_minute_text(created_at)}"
            if policy.close_check_uses_sla:
                sla = policy.sla(priority)
                reason += (
                    f"; the {LABELS[priority]} SLA of {describe(sla)} ran out "
                    f"{utc_minute_text(created_at + sla)}"
                )
            yield _row(prefix, pk, number, title, reason, source)


def _unassessed(report: str = "data_loss") -> Q:
    """No report, or one that still says Not assessed."""
    return Q(**{f"{report}__isnull": True}) | Q(**{f"{report}__data_lost": DataLost.NOT_ASSESSED})


def failing_data_loss(now: datetime, among: Collection[int] | None = None) -> Iterator[FailingRow]:
    """(a) the source reports data loss and nobody settled it (a Yes report is judged by (b), a
    No needs an explanation); (b) a Yes report lacks details or a disclosure; (c) by policy, a
    resolved High incident not assessed. Each incident is listed once, under the first rule."""
    prefix = id_url_prefix("incidents:detail")
    counted = Incident.objects.counted()
    flagged = counted.exclude(data_loss_mention="").filter(
        _unassessed() | Q(data_loss__data_lost=DataLost.NO, data_loss__no_loss_explanation="")
    )
    columns = ("pk", "number", "title", "source", "data_loss_mention", "data_loss__data_lost")
    for incidents in _among(flagged, among):
        for pk, number, title, source, mention, data_lost in incidents.values_list(
            *columns
        ).iterator(chunk_size=2000):
            said = (
                "the report says No without saying who assessed it and why"
                if data_lost == DataLost.NO
                else "nobody has assessed it"
            )
            name = provider_name(source)
            reason = f"{name} reports data loss (“{mention}”) and {said}"
            yield _row(prefix, pk, number, title, reason, source)
    reports = DataLossReport.objects.filter(incident__in=counted, data_lost=DataLost.YES).filter(
        _INCOMPLETE
    )
    for some in _among(reports, among, field="incident"):
        for report in some.select_related("incident").iterator(chunk_size=1000):
            missing = ", ".join(report.missing_details())
            incident = report.incident
            reason = f"The report says data was lost; missing: {missing}"
            yield _row(
                prefix, incident.pk, incident.number, incident.title, reason, incident.source
            )
    if IncidentPolicy.current().assess_resolved_high:
        unassessed = (
            counted.filter(data_loss_mention="")
            .filter(priority=Priority.HIGH, status__in=_FINISHED)
            .filter(_unassessed())
        )
        for incidents in _among(unassessed, among):
            rows = incidents.values_list("pk", "number", "title", "source")
            for pk, number, title, source in rows.iterator():
                reason = "Resolved High incident whose data loss is not assessed (policy)"
                yield _row(prefix, pk, number, title, reason, source)


def failing_sla(now: datetime, among: Collection[int] | None = None) -> Iterator[FailingRow]:
    """Late when resolved after its SLA, or still open past it; a resolved incident whose
    resolution time is unknown is listed as such unless its first sync already proves it on
    time (it was resolved by then)."""
    prefix = id_url_prefix("incidents:detail")
    policy = IncidentPolicy.current()
    # Each priority's SLA in words, once (there can be tens of thousands of late incidents).
    sla_text = {priority: describe(policy.sla(priority)) for priority in LABELS}
    counted = Incident.objects.counted()
    overdue = counted.filter(status=IncidentStatus.OPEN).filter(
        _per_priority(policy, lambda sla: Q(created_at__lt=now - sla))
    )
    columns = ("pk", "number", "title", "created_at", "priority", "source")
    for incidents in _among(overdue, among):
        rows = incidents.values_list(*columns).iterator(chunk_size=2000)
        for pk, number, title, created_at, priority, source in rows:
            due = created_at + policy.sla(priority)
            reason = (
                f"Still open past its SLA of {sla_text[priority]}: reported "
                f"{utc_minute_text(created_at)}, due {utc_minute_text(due)}"
            )
            yield _row(prefix, pk, number, title, reason, source)
    late = (
        counted.filter(status__in=_FINISHED, resolved_at__isnull=False)
        # Seconds computed by the database: F() + timedelta calls Python per row on SQLite.
        .annotate(took=SecondsBetween(F("resolved_at"), F("created_at")))
        .filter(_per_priority(policy, lambda sla: Q(took__gt=sla.total_seconds())))
    )
    columns = ("pk", "number", "title", "took", "priority", "source", "resolved_at_source")
    for incidents in _among(late, among):
        rows = incidents.values_list(*columns).iterator(chunk_size=2000)
        for pk, number, title, took, priority, source, dated_by in rows:
            reason = (
                f"Resolved after {describe(timedelta(seconds=round(took)))}, "
                f"SLA {sla_text[priority]}"
            )
            if dated_by == ResolvedAtSource.SYNC:
                reason += " (resolution time: " + ResolvedAtSource.SYNC.label + ")"
            yield _row(prefix, pk, number, title, reason, source)
    unknown = (
        counted.filter(status__in=_FINISHED, resolved_at__isnull=True)
        .annotate(bound=SecondsBetween(F("first_synced_at"), F("created_at")))
        .filter(_per_priority(policy, lambda sla: Q(bound__gt=sla.total_seconds())))
    )
    columns = ("pk", "number", "title", "bound", "priority", "source")
    for incidents in _among(unknown, among):
        rows = incidents.values_list(*columns).iterator(chunk_size=2000)
        for pk, number, title, bound, priority, source in rows:
            name = provider_name(source)
            reason = (
                f"Resolution time unknown: {name} gives none, and it was already resolved when "
                f"first synced {describe(timedelta(seconds=round(bound)))} after it was "
                f"reported (SLA {sla_text[priority]})"
            )
            yield _row(prefix, pk, number, title, reason, source)


def register_incident_checks() -> None:
    register(
        Check(
            key=CLOSED_KEY,
            title="Reported incident should be closed",
            description="Fails while any incident of a connected source is open (or, when the "
            "SLA option is on, open longer than the SLA of its priority).",
            how_to_fix="Resolve or close the incident in its source tool; the next sync passes "
            "it. If it is out of scope, mark it a special case with the reason.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_open,
            incremental=Incremental(_basis, _close_due, failing_open),
        )
    )
    register(
        Check(
            key=DATA_LOSS_KEY,
            title="Data loss information should be added for the reported incident",
            description="Fails for an incident whose source reports data loss (“data loss”, "
            "“data breach”, “data leak”, “records lost/exposed” in its title or description) "
            "until a report says Yes with complete details and a disclosure, or No with who "
            "assessed it and why; and for a report that says data was lost but lacks what "
            "happened, the data categories, the records or people affected, or any stakeholder "
            "notification. Optionally also for resolved High incidents not assessed.",
            how_to_fix="Open the incident and assess it: complete its data-loss report, "
            "including the date each stakeholder group was notified, or say No and explain who "
            "assessed it and why.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_data_loss,
            incremental=Incremental(_basis, _nothing_due, failing_data_loss),
        )
    )
    register(
        Check(
            key=SLA_KEY,
            title="Incident resolved within SLA",
            description="Fails for an incident resolved later than the SLA of its priority, "
            "from report to resolution, and for an open incident already older than its SLA. "
            "The resolution time is the source's own, else the first sync that saw it resolved; "
            "a resolved incident whose resolution time cannot be known is listed as such.",
            how_to_fix="Resolve overdue incidents; review the late ones with their owners and "
            "record the reason as a special case where the delay was justified.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_sla,
            incremental=Incremental(_basis, _sla_ran_out, failing_sla),
        )
    )
