"""The alert list's rows are drawn in Python (alerts/list_rows.py): each must read as the
template's filters wrote it, for every kind of value upstream may send, escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone

from alerts.list_rows import rows_html
from alerts.models import Alert

# The row as templates/alerts/list.html drew it before: Django's own filters are the reference.
TEMPLATE_ROW = """{% for alert in alerts %}<tr>
        <td><a href="{% url 'alerts:detail' alert.pk %}">#{{ alert.tiny_id|default:"—" }} {{ alert.message|truncatechars:120 }}</a>{% if alert.deleted_upstream %} <span class="tag">Deleted upstream</span>{% endif %}</td>
        <td>{{ alert.created_at|date:"j M Y, H:i" }}</td>
        <td><span class="state state-{{ alert.status }}">{{ alert.get_status_display }}</span></td>
        <td>{{ alert.priority|default:"—" }}</td>
        <td>{{ alert.acknowledged|yesno:"Yes,No" }}</td>
        <td>{{ alert.upstream_source|default:"—" }}</td>
        <td>{{ alert.count }}</td>
      </tr>
{% endfor %}"""  # noqa: E501 - the template line as it was

ALERTS = [
    {"tiny_id": "7", "message": "Disk full on db-1", "status": "open", "priority": "P1"},
    {"tiny_id": "", "message": "", "status": "closed", "priority": "", "upstream_source": ""},
    {
        "message": "<script>alert(\"x\")</script> & 'quotes'",
        "upstream_source": "<b>Datadog</b>",
        "tiny_id": "<i>",
        "acknowledged": True,
        "deleted_upstream": True,
        "count": 12345,
    },
    {"message": "x" * 121, "status": "resolved-by-someone-new"},
    {"message": "Ünïcödé straße 配送サービス " * 6, "priority": "P5"},
    {"message": "e\u0301 decomposed, cut at 120 " + "y" * 120},
]


def _alert(n: int, **fields: object) -> Alert:
    values: dict = {
        "tiny_id": str(n),
        "message": f"Alert {n}",
        "status": "open",
        "priority": "P3",
        "upstream_source": "Datadog",
        "count": n,
        "created_at": datetime(2026, 3, 29, 0, 30 + n, tzinfo=UTC),
        **fields,
    }
    return Alert(pk=n + 1, **values)


def _normalized(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_a_row_reads_as_the_templates_filters_wrote_it(zone: str) -> None:
    alerts = [_alert(n, **fields) for n, fields in enumerate(ALERTS)]
    with timezone.override(zone):
        expected = engines["django"].from_string(TEMPLATE_ROW).render({"alerts": alerts})
        drawn = rows_html(alerts)
    assert _normalized(drawn) == _normalized(expected)
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn
    assert "<b>Datadog</b>" not in drawn


def test_a_page_without_alerts_draws_no_row() -> None:
    assert rows_html([]) == ""
