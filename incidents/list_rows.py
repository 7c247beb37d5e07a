"""One row of the incident list, drawn here in Python (lib/row_html.py says why).

The dates, the detail link, the truncated title and the choice labels are written exactly as
the template filters wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from incidents.models import DataLost, Incident
from lib.row_html import escape, local_day_time_text, month_names, truncated

DATA_LOSS_LABELS = dict(DataLost.choices)
# The labels get_priority_display and get_status_display give (a value outside the choices is
# shown as it is), read once: those rebuild the choices' dict on every call.
PRIORITY_LABELS = dict(Incident._meta.get_field("priority").flatchoices)
STATUS_LABELS = dict(Incident._meta.get_field("status").flatchoices)
TITLE_CHARS = 120
# One <tr> of templates/incidents/list.html's table.
ROW = """<tr>
        <td><a href="{url}">{name}</a>
          <span class="source">{source}</span>{tags}</td>
        <td><time datetime="{created_iso}">{created_text}</time></td>
        <td><span class="priority priority-{priority_class}">{priority_label}</span></td>
        <td><span class="state state-{status}">{status_label}</span></td>
        <td><span class="data-loss data-loss-{loss_class}"{loss_title}>{loss_label}</span></td>
        <td>{checks}</td>
      </tr>
"""


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    data_lost: str | None  # a DataLost value, or None without a report
    failing_checks: tuple[str, ...]  # titles of the checks the incident currently fails
    url: str = ""  # the incident's page

    @property
    def data_loss_label(self) -> str:
        assessed = self.data_lost not in (None, DataLost.NOT_ASSESSED)
        if self.incident.data_loss_mention and not assessed:
            return "Reported upstream: not assessed"
        return DATA_LOSS_LABELS.get(self.data_lost or "", "No report")

    @property
    def data_loss_class(self) -> str:
        """The CSS modifier of the Data loss cell: a report upstream unassessed stands out."""
        if self.data_loss_label.startswith("Reported upstream"):
            return "reported"
        return self.data_lost or "none"

    @property
    def name(self) -> str:
        """ "#12 Title", the title cut at 120 characters (as ``truncatechars:120``)."""
        return f"#{self.incident.number} {truncated(self.incident.title, TITLE_CHARS)}"

    @property
    def priority_class(self) -> str:
        return self.incident.priority or "unknown"

    @property
    def priority_label(self) -> str:
        priority = self.incident.priority
        return str(PRIORITY_LABELS.get(priority, priority))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.incident.status, self.incident.status))

    def _tr(self, zone: tzinfo, months: Sequence[str]) -> str:
        """The row's <tr>, every value escaped (as format_html escapes them, without the lazy
        string checks it makes per value: they were most of the row's time). ``zone`` and
        ``months`` are the current time zone and its language's month names (rows_html)."""
        incident = self.incident
        moment = incident.created_at.astimezone(zone)
        tags = "".join(
            f'\n          <span class="tag">{text}</span>'
            for shown, text in (
                (incident.deleted_upstream, "Deleted upstream"),
                (incident.out_of_scope, "Service not chosen"),
            )
            if shown
        )
        mention = incident.data_loss_mention
        return ROW.format(
            url=escape(self.url),
            name=escape(self.name),
            source=escape(incident.source_label),
            tags=tags,
            created_iso=escape(moment.isoformat()),
            created_text=escape(local_day_time_text(moment, months)),
            priority_class=escape(self.priority_class),
            priority_label=escape(self.priority_label),
            status=escape(incident.status),
            status_label=escape(self.status_label),
            loss_class=escape(self.data_loss_class),
            loss_title=f' title="{escape(mention)}"' if mention else "",
            loss_label=escape(self.data_loss_label),
            checks=self._checks(),
        )

    def _checks(self) -> str:
        if not self.failing_checks:
            return '<span class="check-passing">Passing</span>'
        titles = "".join(f"<li>{escape(title)}</li>" for title in self.failing_checks)
        return (
            f'<span class="check-failing">Failing ({len(self.failing_checks)})</span>\n'
            f'          <ul class="check-titles">{titles}</ul>'
        )


def rows_html(rows: Sequence[IncidentRow]) -> SafeString:
    """The table body: every row's <tr>, the time zone and the month names read once a page
    (each a context-local lookup: a row read them twice)."""
    zone = timezone.get_current_timezone()
    months = month_names(translation.get_language())
    return mark_safe("".join(row._tr(zone, months) for row in rows))  # noqa: S308 - escaped
