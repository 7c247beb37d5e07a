"""The checks' files in the evidence export: status history, the failing items as they are now,
and the special cases in force during the period with their attachments."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from checks.models import CheckStatusChange, FailingItem, SpecialCase
from lib.checks import REGISTRY
from lib.evidence_files import Attachment, EvidenceFile, Export, Period, Row, username

ATTACHMENTS_DIR = "special_case_attachments"


def _check_title(key: str) -> str:
    check = REGISTRY.get(key)
    return check.title if check else key


# --- check_status_history.csv ---------------------------------------------------------------

STATUS_HISTORY_HEADER = (
    "check_key",
    "check_title",
    "at",
    "event",
    "by",
    "detail",
    "previous_status",
    "status",
    "failing_count",
    "special_case_count",
    "checked_count",
    "reason",
)


def status_history_rows(export: Export) -> Iterator[Row]:
    period = export.period
    changes = (
        CheckStatusChange.objects.filter(at__gte=period.since, at__lt=period.until)
        .select_related("check_state", "by")
        .order_by("at", "id")
    )
    for change in changes.iterator(chunk_size=2000):
        key = change.check_state.key
        yield (
            key,
            _check_title(key),
            change.at,
            change.get_event_display(),
            username(change.by),
            change.detail,
            change.previous_status,
            change.status,
            change.failing_count,
            change.excepted_count,
            change.checked_count,
            change.reason,
        )


# --- failing_items.csv ----------------------------------------------------------------------

FAILING_ITEMS_HEADER = (
    "check_key",
    "check_title",
    "item_key",
    "source",
    "item",
    "reason",
    "failing_since",
    "under_special_case",
    "special_case_id",
    "special_case_expires_at",
)


def failing_item_rows(export: Export) -> Iterator[Row]:
    """The failing items as they are now (the period does not apply: this is the current state).
    An item under an active special case counts as passing; it is listed and marked."""
    active = {
        (case.check_state_id, case.item_key): case
        for case in SpecialCase.objects.active(export.now)
        .only("id", "check_state_id", "item_key", "expires_at")
        .order_by("created_at")
    }
    items = FailingItem.objects.select_related("check_state").order_by(
        "check_state__key", "failing_since", "id"
    )
    for item in items.iterator(chunk_size=2000):
        case = active.get((item.check_state_id, item.item_key))
        yield (
            item.check_state.key,
            _check_title(item.check_state.key),
            item.item_key,
            item.source,
            item.label,
            item.reason,
            item.failing_since,
            case is not None,
            case.pk if case else "",
            case.expires_at if case else None,
        )


# --- special_cases.csv (+ attachments) ------------------------------------------------------

SPECIAL_CASES_HEADER = (
    "special_case_id",
    "check_key",
    "check_title",
    "item_key",
    "item",
    "reason",
    "created_by",
    "created_at",
    "expires_at",
    "ended_at",
    "ended_by",
    "end_reason",
    "attachment_file_name",
    "attachment_in_zip",
)


def special_cases_in(period: Period) -> QuerySet[SpecialCase]:
    """Special cases in force at some moment of the period: made before it ends, and neither
    ended nor expired before it starts."""
    return (
        SpecialCase.objects.filter(created_at__lt=period.until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=period.since))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=period.since))
        .select_related("check_state", "created_by", "ended_by")
        .order_by("created_at", "id")
    )


def special_case_attachments(period: Period) -> Iterator[Attachment]:
    for case in special_cases_in(period).exclude(attachment="").iterator(chunk_size=500):
        yield Attachment(
            key=case.pk,
            # The id keeps equal file names apart.
            path=f"{ATTACHMENTS_DIR}/{case.pk}-{os.path.basename(case.attachment.name)}",
            open=lambda attachment=case.attachment: attachment.open("rb"),
        )


def special_case_rows(export: Export) -> Iterator[Row]:
    for case in special_cases_in(export.period).iterator(chunk_size=500):
        in_zip = ""
        if case.attachment:
            in_zip = export.attachments.get(case.pk) or "missing from storage"
        yield (
            case.pk,
            case.check_state.key,
            _check_title(case.check_state.key),
            case.item_key,
            case.label,
            case.reason,
            username(case.created_by),
            case.created_at,
            case.expires_at,
            case.ended_at,
            username(case.ended_by),
            case.end_reason,
            os.path.basename(case.attachment.name) if case.attachment else "",
            in_zip,
        )


FILES = [
    EvidenceFile(
        name="check_status_history.csv",
        description="Every change of a check's status in the period, with counts.",
        header=STATUS_HISTORY_HEADER,
        rows=status_history_rows,
        order=20,
    ),
    EvidenceFile(
        name="failing_items.csv",
        description="The items each check fails on now, with the reason, since when, and "
        "whether a special case covers it.",
        header=FAILING_ITEMS_HEADER,
        rows=failing_item_rows,
        order=30,
    ),
    EvidenceFile(
        name="special_cases.csv",
        description="Special cases in force at some time in the period: reason, who made it "
        f"and when, expiry, end. Their attachments are in {ATTACHMENTS_DIR}/.",
        header=SPECIAL_CASES_HEADER,
        rows=special_case_rows,
        order=40,
        attachments=special_case_attachments,
    ),
]
