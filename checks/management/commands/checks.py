"""python manage.py checks [--json] [--evaluate [--full]]

Every check with its status, failing count and failing items (source, item, reason), as a table
or as JSON, for scripts and CI pipelines. ``--evaluate`` evaluates every check first (judging
what changed since the last evaluation; with ``--full``, every item). The exit
code is 0 whatever the statuses: a failing check is an answer, not an error; it is non-zero
only when the command could not run.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, CheckStatus, FailingItem, SpecialCase
from lib.checks import checks_for


class Command(BaseCommand):
    help = "Print every check, its status and its failing items (table or --json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="JSON instead of a table.")
        parser.add_argument(
            "--evaluate", action="store_true", help="Evaluate every check before printing."
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="With --evaluate: judge every item again, not only what changed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["evaluate"]:
            full = options["full"]
            evaluate(reason="manage.py checks --evaluate" + (" --full" if full else ""), full=full)
        report = checks_report()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        for check in report:
            self.stdout.write(
                f"{check['status_label']:<15} {check['failing_count']:>6} failing  {check['title']}"
            )
            for item in check["failing_items"]:
                marker = " (special case)" if item["under_special_case"] else ""
                self.stdout.write(
                    f"{'':<15} {item['source'] or '—'}  {item['item']}: {item['reason']}{marker}"
                )


def checks_report() -> list[dict[str, Any]]:
    """Every registered check, in registry order; a check never evaluated is Not evaluated."""
    now = timezone.now()
    states = {state.key: state for state in CheckState.objects.all()}
    excepted = {
        (case.check_state_id, case.item_key)
        for case in SpecialCase.objects.active(now).only("check_state_id", "item_key")
    }
    report = []
    for check in checks_for():
        state = states.get(check.key)
        items = (
            FailingItem.objects.filter(check_state=state).order_by("failing_since", "id")
            if state is not None
            else FailingItem.objects.none()
        )
        report.append(
            {
                "key": check.key,
                "title": check.title,
                "status": state.status if state else "not_evaluated",
                "status_label": CheckStatus(state.status).label if state else "Not evaluated",
                "failing_count": state.failing_count if state else 0,
                "checked_count": state.checked_count if state else 0,
                "last_evaluated_at": state.last_evaluated_at if state else None,
                "failing_items": [
                    {
                        "item_key": item.item_key,
                        "source": item.source,
                        "item": item.label,
                        "reason": item.reason,
                        "failing_since": item.failing_since,
                        "under_special_case": (item.check_state_id, item.item_key) in excepted,
                    }
                    for item in items.iterator(chunk_size=2000)
                ],
            }
        )
    return report
