"""Writes made by people: data-loss reports and the incident policy. Each re-evaluates the
checks that read it, at once."""

from __future__ import annotations

from django.db import transaction

from incidents.checks import TOPIC
from incidents.forms import DataLossForm, IncidentPolicyForm
from incidents.models import DataLossReport, Incident, IncidentPolicy
from lib.checks import engine


def data_loss_report_for(incident: Incident) -> DataLossReport:
    """The saved report, or an unsaved blank one (Not assessed)."""
    try:
        return incident.data_loss
    except DataLossReport.DoesNotExist:
        return DataLossReport(incident=incident)


def data_loss_report_save(*, form: DataLossForm) -> DataLossReport:
    with transaction.atomic():
        report = form.save()
    # The history row (who, when, before → after) is written by django-simple-history.
    engine().evaluate(topic=TOPIC, reason="after a data-loss report was saved")
    return report


def incident_policy_save(*, form: IncidentPolicyForm) -> IncidentPolicy:
    with transaction.atomic():
        policy = form.save()
    engine().evaluate(topic=TOPIC, reason="after the incident policy changed")
    return policy
