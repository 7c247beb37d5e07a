"""One row of the incident list, with what it shows computed once in Python.

A template lookup, filter or ``{% url %}`` per cell of 50 rows was half the page's server time
(issue 14): the dates, the detail link, the truncated title and the choice labels are read here
instead, exactly as the filters wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils import dateformat, timezone
from django.utils.text import Truncator

from incidents.models import DataLost, Incident

DATA_LOSS_LABELS = dict(DataLost.choices)


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
        return f"#{self.incident.number} {Truncator(self.incident.title).chars(120)}"

    @cached_property
    def _created(self):  # type: ignore[no-untyped-def]
        return timezone.localtime(self.incident.created_at)

    @property
    def created_iso(self) -> str:
        return self._created.isoformat()  # the date filter's "c"

    @property
    def created_text(self) -> str:
        return dateformat.format(self._created, "j M Y, H:i")

    @property
    def priority_class(self) -> str:
        return self.incident.priority or "unknown"

    @property
    def priority_label(self) -> str:
        return self.incident.get_priority_display()  # type: ignore[attr-defined]

    @property
    def status_label(self) -> str:
        return self.incident.get_status_display()  # type: ignore[attr-defined]
