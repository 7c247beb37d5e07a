"""The incident page: every field, this incident's checks, the data-loss report (inline form
for staff and admins, read-only for auditors) and the report's change history."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from incidents.checks import SLA_KEY, TOPIC, describe, sla_clock
from incidents.entries_page import incident_entries
from incidents.forms import DataLossForm
from incidents.models import DATA_CATEGORIES, DataLossReport, Incident, IncidentPolicy
from incidents.services import data_loss_report_for, data_loss_report_save
from lib.checks import checks_for, engine
from lib.concurrency import ChangedMeanwhile

VIEW = "incidents.view_incident"
EDIT = "incidents.change_datalossreport"
TEMPLATE = "incidents/detail.html"
CATEGORY_LABELS = dict(DATA_CATEGORIES)


@dataclass(frozen=True)
class IncidentCheck:
    title: str
    key: str
    status: str  # "failing", "passing", "excepted", "not evaluated" or "not counted"
    reason: str


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def incident_checks(incident: Incident, clock: str = "") -> list[IncidentCheck]:
    checks = checks_for(TOPIC)
    not_counted = incident.not_counted_because
    if not_counted:
        # Kept as evidence, judged by no check: saying ✓ Passing would be a false verdict.
        reason = "Not counted by the checks: " + ", ".join(not_counted) + "."
        return [IncidentCheck(check.title, check.key, "not counted", reason) for check in checks]
    keys = [check.key for check in checks]
    evaluated = engine().evaluated(check_keys=keys)
    items = {
        row["check_key"]: row
        for row in engine()
        .failing_items(check_keys=keys, now=timezone.now())
        .filter(item_id=incident.pk)
        .values("check_key", "reason", "excepted")
    }
    result = []
    for check in checks:
        item = items.get(check.key)
        if check.key not in evaluated:
            result.append(IncidentCheck(check.title, check.key, "not evaluated", ""))
        elif item is None:
            # An open incident within its SLA passes for now: say for how long.
            # Only "due in": an incident just past its SLA fails at the next evaluation.
            due = check.key == SLA_KEY and clock.startswith("due in")
            reason = clock.capitalize() if due else ""
            result.append(IncidentCheck(check.title, check.key, "passing", reason))
        elif item["excepted"]:
            result.append(IncidentCheck(check.title, check.key, "excepted", item["reason"]))
        else:
            result.append(IncidentCheck(check.title, check.key, "failing", item["reason"]))
    return result


def _show(field: str, value: object) -> str:
    if value in (None, "", []):
        return "—"
    if field == "categories" and isinstance(value, list):
        return ", ".join(CATEGORY_LABELS.get(v, v) for v in value)
    if field == "data_lost":
        return {"yes": "Yes", "no": "No", "not_assessed": "Not assessed"}.get(
            str(value), str(value)
        )
    return str(value)


def report_history(report: DataLossReport) -> list[dict[str, object]]:
    if report.pk is None:
        return []
    records = list(report.history.select_related("history_user").order_by("history_date"))
    entries, previous = [], None
    for record in records:
        fields = DataLossReport._meta
        if previous is None:
            # Before the first save the incident had no report: every field at its default
            # (so "Was data lost?" reads Not assessed → Yes).
            changes = [
                Change(
                    fields.get_field(name).verbose_name,
                    _show(name, fields.get_field(name).get_default()),
                    _show(name, getattr(record, name)),
                )
                for name in DataLossForm.Meta.fields
                if getattr(record, name) != fields.get_field(name).get_default()
            ]
        else:
            changes = [
                Change(
                    fields.get_field(c.field).verbose_name,
                    _show(c.field, c.old),
                    _show(c.field, c.new),
                )
                for c in record.diff_against(previous, excluded_fields=["updated_at"]).changes
            ]
        entries.append({"record": record, "changes": changes})
        previous = record
    return list(reversed(entries))


def _context(
    request: HttpRequest,
    incident: Incident,
    form: DataLossForm | None = None,
    report: DataLossReport | None = None,
) -> dict:
    report = report or data_loss_report_for(incident)
    policy = IncidentPolicy.current()
    clock = sla_clock(incident, policy, timezone.now())
    can_edit = request.user.has_perm(EDIT)
    if form is None and can_edit:
        form = DataLossForm(instance=report, initial={"categories": report.categories})
    return {
        "incident": incident,
        "report": report,
        "form": form,
        "can_edit": can_edit,
        "history": report_history(report),
        "incident_changes": list(incident.changes.order_by("-at", "-id")[:200]),
        "checks": incident_checks(incident, clock),
        "sla_text": describe(policy.sla(incident.priority)),
        "sla_clock": clock,
        "needs_assessment": bool(incident.data_loss_mention) and not report.settles_mention,
        **incident_entries(incident),
    }


@require_permissions(read=VIEW)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("connection"), pk=pk)
    return render(request, TEMPLATE, _context(request, incident))


@require_permissions(read=VIEW, write=EDIT)
@require_POST
def data_loss(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("connection"), pk=pk)
    form = DataLossForm(request.POST, instance=data_loss_report_for(incident))
    report = None
    if form.is_valid():
        try:
            saved = data_loss_report_save(form=form)
        except ChangedMeanwhile as conflict:
            # Nothing saved: what was typed comes back over the saved report and its history.
            form, report = conflict.reshow(form), conflict.current
        else:
            text = "Data-loss report saved."
            if saved.joined and saved.joined != request.user.get_username():
                text += f" {saved.joined} saved this incident's first report meanwhile: "
                text += "your answers were added to it."
            messages.success(request, text)
            if not request.htmx:
                return redirect("incidents:detail", pk=pk)
            form, report = None, saved.report
    # HTMX swaps the checks, the report and its history; errors keep what was typed.
    template = TEMPLATE + ("#evidence" if request.htmx else "")
    return render(request, template, _context(request, incident, form, report))
