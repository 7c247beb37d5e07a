"""What happens to incidents and the incident policy, told to the notification channels
(lib/events.py), inside the transaction that records it.

A new incident and its resolution share the alias ``incident:<pk>``: the resolution closes the
alert. A data-loss report is news of its own (``incident:<pk>:data-loss``): it must neither be
counted as a repeat of the incident's alert nor closed with it."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.formats import date_format

from incidents.models import DATA_CATEGORIES, DataLossReport, Incident
from integrations.providers.registry import provider_name
from integrations.records import Priority
from lib.events import Action, Event, EventType, emit

# What an alert quotes of an incident's upstream description (the page has all of it).
DESCRIPTION_EXCERPT = 2000
CATEGORY_LABELS = dict(DATA_CATEGORIES)


def incident_alias(incident: Incident) -> str:
    return f"incident:{incident.pk}"


def priority_label(value: str) -> str:
    return Priority(value).name.title() if value else "Unknown"


def _named(incident: Incident) -> str:
    """ "OpsGenie #42" (the number as its source shows it)."""
    source = provider_name(incident.source)
    return f"{source} #{incident.number}" if incident.number else f"{source} {incident.upstream_id}"


def _links(incident: Incident) -> tuple[tuple[str, str], ...]:
    return (("Incident", reverse("incidents:detail", kwargs={"pk": incident.pk})),)


def _details(incident: Incident) -> dict[str, str]:
    details = {
        "incident": _named(incident),
        "priority": priority_label(incident.priority),
        "status": incident.status,
    }
    if incident.services:
        details["services"] = ", ".join(incident.services)
    if incident.upstream_url:
        details["upstream"] = incident.upstream_url
    return details


def new_incident_event(incident: Incident) -> Event:
    """A new incident, for the channels that want incidents of its priority."""
    priority = priority_label(incident.priority)
    lines = [
        f"{_named(incident)}: {incident.title}",
        f"Priority: {priority}"
        + (f" (upstream: {incident.raw_priority})" if incident.raw_priority else ""),
        f"Created upstream: {date_format(incident.created_at, 'j M Y H:i')} UTC",
    ]
    if incident.services:
        lines.append(f"Services: {', '.join(incident.services)}")
    if incident.upstream_url:
        lines.append(f"In {provider_name(incident.source)}: {incident.upstream_url}")
    if incident.description:
        lines += ["", incident.description[:DESCRIPTION_EXCERPT]]
    return Event(
        type=EventType.INCIDENT_NEW,
        alias=incident_alias(incident),
        message=f"New {priority} incident: {incident.title}",
        description="\n".join(lines),
        entity=_named(incident),
        links=_links(incident),
        details=_details(incident),
        tags=("incident", incident.source, priority.lower()),
        incident_priority=incident.priority,
    )


def resolved_incident_event(incident: Incident) -> Event:
    """The close of an announced incident's alert, now that it is resolved or closed."""
    return Event(
        type=EventType.INCIDENT_NEW,
        alias=incident_alias(incident),
        message=f"Incident {incident.status}: {incident.title}",
        description=f"{_named(incident)} is {incident.status} upstream: {incident.title}",
        entity=_named(incident),
        action=Action.CLOSE,
        links=_links(incident),
        details=_details(incident),
        tags=("incident", incident.source),
        incident_priority=incident.priority,
    )


def emit_data_loss_reported(report: DataLossReport, *, by: str) -> None:
    incident = report.incident
    lines = [f"{_named(incident)}: {incident.title}", f"Reported by: {by}"]
    if report.what_happened:
        lines.append(f"What happened: {report.what_happened[:DESCRIPTION_EXCERPT]}")
    if report.categories:
        labels = (CATEGORY_LABELS.get(value, value) for value in report.categories)
        lines.append(f"Data categories: {', '.join(labels)}")
    for name in ("records_affected", "people_affected"):
        value = getattr(report, name)
        if value is not None:
            lines.append(f"{DataLossReport._meta.get_field(name).verbose_name}: {value:,}")
    emit(
        Event(
            type=EventType.DATA_LOSS_REPORTED,
            alias=f"{incident_alias(incident)}:data-loss",
            message=f"Data loss reported: {incident.title}",
            description="\n".join(lines),
            entity=_named(incident),
            links=(("Incident", reverse("incidents:detail", kwargs={"pk": incident.pk})),),
            details={**_details(incident), "reported by": by},
            tags=("incident", "data-loss"),
        )
    )


def emit_policy_changed(
    *, before: Mapping[str, object], after: Mapping[str, object], labels: Mapping[str, str]
) -> None:
    """The incident policy's fields that changed, each ``label: before → after``; nothing when
    a save changed none."""
    changed = [name for name in after if before.get(name) != after[name]]
    if not changed:
        return
    moves = {name: f"{_shown(before.get(name))} → {_shown(after[name])}" for name in changed}
    # The title names the SLAs (short); an option's label is a sentence, said in the body.
    slas = [f"{labels[n].split()[0]} {moves[n]} h" for n in changed if n.endswith("_sla_hours")]
    options = len(changed) - len(slas)
    said = slas + ([f"{options} option" + ("s" if options > 1 else "")] if options else [])
    emit(
        Event(
            type=EventType.SLA_POLICY_CHANGED,
            alias="incident-policy:changed",
            message=f"Incident SLA policy changed: {', '.join(said)}",
            description="The incident policy changed; the incident checks were re-evaluated.\n\n"
            + "\n".join(f"{labels[name]}: {moves[name]}" for name in changed),
            entity="Incident policy",
            links=(("Incident policy", reverse("incident-policy")),),
            details={labels[name]: moves[name] for name in changed},
            tags=("policy",),
        )
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
