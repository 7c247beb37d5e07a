"""Writes made by people: data-loss reports and the incident policy. Each re-evaluates the
checks that read it, at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from incidents.checks import TOPIC
from incidents.events import emit_data_loss_reported, emit_policy_changed
from incidents.forms import DataLossForm, IncidentPolicyForm
from incidents.models import DataLossReport, DataLost, Incident, IncidentPolicy
from lib.checks import engine
from lib.concurrency import VERSION, as_edit_of, claim_version, last_changed_by
from lib.settings_row import settings_save


def data_loss_report_for(incident: Incident) -> DataLossReport:
    """The saved report, or an unsaved blank one (Not assessed)."""
    try:
        return incident.data_loss
    except DataLossReport.DoesNotExist:
        return DataLossReport(incident=incident)


@dataclass(frozen=True)
class SavedReport:
    report: DataLossReport
    # Who saved the incident's first report while this one was being filled in on a blank
    # one: this save became an edit of theirs. Empty for an ordinary save.
    joined: str = ""


def data_loss_report_save(*, form: DataLossForm) -> SavedReport:
    """Save a valid form, then re-evaluate the data-loss checks, without ever losing a change
    (issue 12). A form loaded on a saved report saves only over the version it was loaded
    with. One filled in before the incident had a report, when someone else saved the first
    report meanwhile (even at the same instant), becomes an edit of theirs if the two do not
    disagree. Raises ChangedMeanwhile, nothing saved, in every other case."""
    joined = ""
    if form.cleaned_data[VERSION] > 0:
        report = _save_over(form)
    else:
        first = _insert_first(form)
        if first is None:
            report = form.instance
        else:
            blank = DataLossForm(instance=DataLossReport()).initial
            form, joined = as_edit_of(form, first, blank=blank), last_changed_by(first)
            report = _save_over(form)
    # The history row (who, when, before → after) is written by django-simple-history.
    engine().evaluate(topic=TOPIC, reason="after a data-loss report was saved")
    return SavedReport(report, joined)


def _insert_first(form: DataLossForm) -> DataLossReport | None:
    """Save the incident's first report and return None; or, writing nothing, return the
    report someone else saved first (an incident has one: a OneToOne)."""
    report = form.instance
    if report._state.adding:
        try:
            with transaction.atomic():
                form.save()
                _tell_data_loss(form.instance, before=DataLost.NOT_ASSESSED)
            return None
        except IntegrityError:
            first = DataLossReport.objects.filter(incident_id=report.incident_id).first()
            if first is None:
                raise
            return first
    return DataLossReport.objects.get(pk=report.pk)


def _save_over(form: DataLossForm) -> DataLossReport:
    """Save the form over the version it was loaded with (ChangedMeanwhile when it is gone)."""
    with transaction.atomic():
        claim_version(form.instance, form.cleaned_data[VERSION])
        # Validation wrote the typed answer onto the instance: what was saved is in the row.
        before = DataLossReport.objects.values_list("data_lost", flat=True).get(pk=form.instance.pk)
        report = form.save()
        _tell_data_loss(report, before=before)
        return report


def _tell_data_loss(report: DataLossReport, *, before: str) -> None:
    """A report that now says Yes, where it did not: the notification channels hear of it."""
    if report.data_lost == DataLost.YES and before != DataLost.YES:
        emit_data_loss_reported(report, by=last_changed_by(report))


def incident_policy_save(*, form: IncidentPolicyForm) -> IncidentPolicy:
    """Saved over the version the form was loaded with (ChangedMeanwhile when it is gone);
    what changed is told to the notification channels in the same transaction."""
    names = list(form.Meta.fields)
    labels = {name: str(IncidentPolicy._meta.get_field(name).verbose_name) for name in names}
    with transaction.atomic():
        # Read before the save claims its version: when the claim succeeds, nobody changed the
        # row between this read and the save.
        stored = IncidentPolicy.current()
        before = {name: getattr(stored, name) for name in names}
        policy = settings_save(form)
        after = {name: getattr(policy, name) for name in names}
        emit_policy_changed(before=before, after=after, labels=labels)
    engine().evaluate(topic=TOPIC, reason="after the incident policy changed")
    return policy
