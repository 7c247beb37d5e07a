"""The rows of the Data library's alert list, drawn here in Python (lib/row_html.py says why).

Each value is written exactly as the template's filters wrote it: the message cut at 120
characters (``truncatechars``), the date as ``date:"j M Y, H:i"`` in the current time zone, "—"
for an empty tiny id, priority or source, the status as ``get_status_display``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from alerts.models import Alert
from lib.row_html import escape, id_url_prefix, local_day_time_text, month_names, truncated

MESSAGE_CHARS = 120
# The labels get_status_display gives (a value outside the choices is shown as it is).
STATUS_LABELS = dict(Alert._meta.get_field("status").flatchoices)
# One <tr> of templates/alerts/list.html's table.
ROW = """<tr>
        <td><a href="{url}">#{tiny_id} {message}</a>{tag}</td>
        <td>{created}</td>
        <td><span class="state state-{status}">{status_label}</span></td>
        <td>{priority}</td>
        <td>{acknowledged}</td>
        <td>{source}</td>
        <td>{count}</td>
      </tr>
"""


def _tr(alert: Alert, detail: str, zone: tzinfo, months: Sequence[str]) -> str:
    moment = alert.created_at.astimezone(zone)
    return ROW.format(
        url=escape(f"{detail}{alert.pk}/"),
        tiny_id=escape(alert.tiny_id or "—"),
        message=escape(truncated(alert.message, MESSAGE_CHARS)),
        tag=' <span class="tag">Deleted upstream</span>' if alert.deleted_upstream else "",
        created=escape(local_day_time_text(moment, months)),
        status=escape(alert.status),
        status_label=escape(STATUS_LABELS.get(alert.status, alert.status)),
        priority=escape(alert.priority or "—"),
        acknowledged="Yes" if alert.acknowledged else "No",
        source=escape(alert.upstream_source or "—"),
        count=escape(alert.count),
    )


def rows_html(alerts: Sequence[Alert]) -> SafeString:
    """The table body: each alert's <tr>, every upstream value escaped; the detail URL, the
    time zone and the month names read once a page."""
    detail = id_url_prefix("alerts:detail")
    zone = timezone.get_current_timezone()
    months = month_names(translation.get_language())
    return mark_safe("".join(_tr(alert, detail, zone, months) for alert in alerts))  # noqa: S308 - escaped
