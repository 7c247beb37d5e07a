"""The evidence export (PRODUCT 8): one ZIP of CSV files for a period, with a SHA-256 manifest.

Every CSV is streamed from a queryset ``.iterator()`` into its ZIP entry and the ZIP itself lives
in a spooled temporary file, so memory stays flat however many incidents or sync runs there are.
Nothing here reads ``Connection.credentials``: the only connection fields exported are its
provider and region.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from checks.models import CheckStatusChange, FailingItem, SpecialCase
from evidence.services import SERVICES_HEADER, service_rows
from incidents.models import DataLossReport, DataLost, Incident, IncidentChange
from incidents.store import SYNCED_FIELDS
from integrations.models import SyncRun
from lib.checks import REGISTRY
from lib.csv_safe import DigestingWriter, write_csv

DEFAULT_PERIOD_DAYS = 90
ATTACHMENTS_DIR = "special_case_attachments"
# Keep small exports in memory; larger ones roll over to a file on disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024
MANIFEST_VERSION = 1

Row = Sequence[object]


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the site's time zone."""

    start: date
    end: date

    @classmethod
    def default(cls, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=today)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def filename(self) -> str:
        return f"evidence-{self.start.isoformat()}-to-{self.end.isoformat()}.zip"


def _check_title(key: str) -> str:
    check = REGISTRY.get(key)
    return check.title if check else key


def _username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


# --- incidents.csv -------------------------------------------------------------------------

# Every canonical field the sync stores, so a field added there reaches the evidence too.
INCIDENT_HEADER = (
    "incident_id",
    "source",
    "upstream_id",
    *SYNCED_FIELDS,
    "deleted_upstream",
    "deleted_upstream_at",
    "out_of_scope",
    "first_synced_at",
    "last_changed_at",
    "data_lost",
)


def _incidents_in(period: Period):  # type: ignore[no-untyped-def]
    return Incident.objects.filter(created_at__gte=period.since, created_at__lt=period.until)


def incident_rows(*, period: Period) -> Iterator[Row]:
    incidents = _incidents_in(period).select_related("data_loss").order_by("created_at", "id")
    for incident in incidents.iterator(chunk_size=2000):
        report = getattr(incident, "data_loss", None)
        yield (
            incident.pk,
            incident.source,
            incident.upstream_id,
            *(_incident_value(incident, name) for name in SYNCED_FIELDS),
            incident.deleted_upstream,
            incident.deleted_upstream_at,
            incident.out_of_scope,
            incident.first_synced_at,
            incident.changed_at,
            report.get_data_lost_display() if report else "Not assessed (no report)",
        )


def _incident_value(incident: Incident, name: str) -> object:
    # The priority reads as people say it ("High"); raw_priority keeps the upstream's value.
    if name == "priority":
        return incident.get_priority_display()
    return getattr(incident, name)


# --- check_status_history.csv ---------------------------------------------------------------

STATUS_HISTORY_HEADER = (
    "check_key",
    "check_title",
    "at",
    "previous_status",
    "status",
    "failing_count",
    "checked_count",
    "reason",
)


def status_history_rows(*, period: Period) -> Iterator[Row]:
    changes = (
        CheckStatusChange.objects.filter(at__gte=period.since, at__lt=period.until)
        .select_related("check_state")
        .order_by("at", "id")
    )
    for change in changes.iterator(chunk_size=2000):
        key = change.check_state.key
        yield (
            key,
            _check_title(key),
            change.at,
            change.previous_status,
            change.status,
            change.failing_count,
            change.checked_count,
            change.reason,
        )


# --- failing_items.csv ----------------------------------------------------------------------

FAILING_ITEMS_HEADER = (
    "check_key",
    "check_title",
    "item_key",
    "item",
    "reason",
    "failing_since",
    "under_special_case",
    "special_case_id",
    "special_case_expires_at",
)


def failing_item_rows(*, now: datetime) -> Iterator[Row]:
    """The failing items as they are now (the period does not apply: this is the current state).
    An item under an active special case counts as passing; it is listed and marked."""
    active = {
        (case.check_state_id, case.item_key): case
        for case in SpecialCase.objects.active(now)
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
    "attachment_file_name",
    "attachment_in_zip",
)


def special_cases_in(*, period: Period):  # type: ignore[no-untyped-def]
    """Special cases in force at some moment of the period: made before it ends, and neither
    ended nor expired before it starts."""
    return (
        SpecialCase.objects.filter(created_at__lt=period.until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=period.since))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=period.since))
        .select_related("check_state", "created_by", "ended_by")
        .order_by("created_at", "id")
    )


def attachment_path(case: SpecialCase) -> str:
    """Where a special case's attachment goes in the ZIP; the id keeps equal names apart."""
    return f"{ATTACHMENTS_DIR}/{case.pk}-{os.path.basename(case.attachment.name)}"


def special_case_rows(*, period: Period, attachments: dict[int, str | None]) -> Iterator[Row]:
    """``attachments``: special case id → its file's path in the ZIP (None: missing in storage)."""
    for case in special_cases_in(period=period).iterator(chunk_size=500):
        in_zip = ""
        if case.attachment:
            in_zip = attachments.get(case.pk) or "missing from storage"
        yield (
            case.pk,
            case.check_state.key,
            _check_title(case.check_state.key),
            case.item_key,
            case.label,
            case.reason,
            _username(case.created_by),
            case.created_at,
            case.expires_at,
            case.ended_at,
            _username(case.ended_by),
            os.path.basename(case.attachment.name) if case.attachment else "",
            in_zip,
        )


# --- data_loss_reports.csv and data_loss_history.csv ---------------------------------------

DATA_LOSS_HEADER = (
    "report_id",
    "incident_id",
    "incident_source",
    "incident_number",
    "incident_title",
    "data_lost",
    "what_happened",
    "categories",
    "records_affected",
    "people_affected",
    "customers_notified_on",
    "regulators_notified_on",
    "management_notified_on",
    "dpo_notified_on",
    "other_notified_on",
    "reference_notes",
    "last_updated_at",
)


def data_loss_rows(*, period: Period) -> Iterator[Row]:
    reports = (
        DataLossReport.objects.filter(
            incident__created_at__gte=period.since, incident__created_at__lt=period.until
        )
        .select_related("incident")
        .order_by("incident__created_at", "id")
    )
    for report in reports.iterator(chunk_size=2000):
        yield (
            report.pk,
            report.incident_id,
            report.incident.source,
            report.incident.number,
            report.incident.title,
            report.get_data_lost_display(),
            report.what_happened,
            report.categories,
            report.records_affected,
            report.people_affected,
            report.customers_notified_on,
            report.regulators_notified_on,
            report.management_notified_on,
            report.dpo_notified_on,
            report.other_notified_on,
            report.reference_notes,
            report.updated_at,
        )


DATA_LOSS_HISTORY_HEADER = (
    "report_id",
    "incident_id",
    "history_id",
    "changed_at",
    "changed_by",
    "change_type",
    "field",
    "field_label",
    "before",
    "after",
)
HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
# updated_at changes on every save; history_date already says when.
HISTORY_IGNORED_FIELDS = ("id", "incident", "updated_at")


def _history_value(name: str, value: Any) -> object:
    if name == "data_lost" and value:
        return DataLost(value).label if value in DataLost.values else value
    return value


def data_loss_history_rows(*, period: Period) -> Iterator[Row]:
    """One row per changed field of every save (before → after); a save that changed nothing
    tracked still gets one row, so every historical record is accounted for."""
    history = DataLossReport.history.model
    labels = {
        field.name: str(field.verbose_name)
        for field in DataLossReport._meta.concrete_fields
        if field.name not in HISTORY_IGNORED_FIELDS
    }
    order = {name: position for position, name in enumerate(labels)}
    records = (
        history.objects.filter(
            incident__created_at__gte=period.since, incident__created_at__lt=period.until
        )
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = None
    for record in records.iterator(chunk_size=2000):
        if previous is not None and previous.id != record.id:
            previous = None
        head = (
            record.id,
            record.incident_id,
            record.history_id,
            record.history_date,
            _username(record.history_user),
            HISTORY_TYPES.get(record.history_type, record.history_type),
        )
        if previous is None:
            # The first record (normally the creation): every field filled in is a change.
            changes = [
                (name, None, getattr(record, name))
                for name in labels
                if getattr(record, name) not in (None, "", [])
            ]
        else:
            delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED_FIELDS)
            # In the form's field order, not the diff's (which is arbitrary).
            changes = sorted(
                ((change.field, change.old, change.new) for change in delta.changes),
                key=lambda change: order.get(change[0], len(order)),
            )
        if not changes:
            yield (*head, "", "", "", "")
        for name, old, new in changes:
            yield (
                *head,
                name,
                labels.get(name, name),
                _history_value(name, old),
                _history_value(name, new),
            )
        previous = record


# --- sync_runs.csv --------------------------------------------------------------------------

SYNC_RUNS_HEADER = (
    "sync_run_id",
    "provider",
    "region",
    "trigger",
    "kind",
    "started_at",
    "finished_at",
    "duration_seconds",
    "incidents_fetched",
    "incidents_created",
    "incidents_updated",
    "incidents_unchanged",
    "incidents_marked_deleted",
    "all_counts",
    "http_calls",
    "retries",
    "outcome",
    "error",
)


def sync_run_rows(*, period: Period) -> Iterator[Row]:
    runs = (
        SyncRun.objects.filter(started_at__gte=period.since, started_at__lt=period.until)
        # Only what is exported is loaded: the encrypted credentials are never even decrypted.
        .select_related("connection")
        .only(
            *(f.name for f in SyncRun._meta.concrete_fields if f.name != "connection"),
            "connection__provider",
            "connection__region",
        )
        .order_by("started_at", "id")
    )
    for run in runs.iterator(chunk_size=2000):
        counts = run.counts.get("incidents", {}) if isinstance(run.counts, dict) else {}
        yield (
            run.pk,
            run.connection.provider,
            run.connection.region,
            run.get_trigger_display(),
            run.get_kind_display(),
            run.started_at,
            run.finished_at,
            run.duration_seconds,
            counts.get("fetched", 0),
            counts.get("created", 0),
            counts.get("updated", 0),
            counts.get("unchanged", 0),
            counts.get("deleted", 0),
            run.counts,
            run.http_calls,
            run.retries,
            run.get_outcome_display(),
            run.error,
        )


INCIDENT_CHANGES_HEADER = (
    "incident_id",
    "source",
    "number",
    "title",
    "seen_by_sync_at",
    "field",
    "before",
    "after",
)


def incident_change_rows(*, period: Period) -> Iterator[Row]:
    """Changes syncs found upstream (status, priority, dates, deletion) during the period."""
    changes = (
        IncidentChange.objects.filter(at__gte=period.since, at__lt=period.until)
        .select_related("incident")
        .only(
            "at",
            "field",
            "before",
            "after",
            "incident__source",
            "incident__number",
            "incident__title",
        )
        .order_by("at", "id")
    )
    for change in changes.iterator(chunk_size=2000):
        incident = change.incident
        yield (
            incident.pk,
            incident.source,
            incident.number,
            incident.title,
            change.at,
            change.field,
            change.before,
            change.after,
        )


# --- the archive ----------------------------------------------------------------------------


class _Archive:
    """A ZIP being written, remembering each entry's SHA-256 and size for the manifest."""

    def __init__(self, target: IO[bytes], *, now: datetime) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._date_time = now.astimezone(UTC).timetuple()[:6]
        self.files: list[dict[str, object]] = []

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def _record(self, name: str, digest: DigestingWriter, **extra: object) -> None:
        self.files.append({"name": name, "sha256": digest.sha256, "size": digest.size, **extra})

    def add_csv(self, name: str, *, header: Sequence[str], rows: Iterator[Row]) -> None:
        # zip64 because a CSV's size is not known before it is written.
        with self.zip.open(self._entry(name), "w", force_zip64=True) as entry:
            digest = DigestingWriter(entry)
            count = write_csv(digest, header=header, rows=rows)
        self._record(name, digest, rows=count)

    def add_file(self, name: str, case: SpecialCase) -> str | None:
        """Copy a special case's attachment in; ``None`` when storage no longer has it."""
        try:
            source = case.attachment.open("rb")
        except (FileNotFoundError, OSError):
            return None
        with source, self.zip.open(self._entry(name), "w", force_zip64=True) as entry:
            digest = DigestingWriter(entry)
            shutil.copyfileobj(source, digest, 64 * 1024)
        self._record(name, digest)
        return name

    def add_json(self, name: str, data: dict[str, object]) -> None:
        self.zip.writestr(self._entry(name), json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.zip.close()


def _csv_files(
    *, period: Period, now: datetime, attachments: dict[int, str | None]
) -> list[tuple[str, Sequence[str], Callable[[], Iterator[Row]]]]:
    return [
        ("incidents.csv", INCIDENT_HEADER, lambda: incident_rows(period=period)),
        (
            "check_status_history.csv",
            STATUS_HISTORY_HEADER,
            lambda: status_history_rows(period=period),
        ),
        ("failing_items.csv", FAILING_ITEMS_HEADER, lambda: failing_item_rows(now=now)),
        (
            "special_cases.csv",
            SPECIAL_CASES_HEADER,
            lambda: special_case_rows(period=period, attachments=attachments),
        ),
        ("data_loss_reports.csv", DATA_LOSS_HEADER, lambda: data_loss_rows(period=period)),
        (
            "data_loss_history.csv",
            DATA_LOSS_HISTORY_HEADER,
            lambda: data_loss_history_rows(period=period),
        ),
        (
            "incident_changes.csv",
            INCIDENT_CHANGES_HEADER,
            lambda: incident_change_rows(period=period),
        ),
        ("sync_runs.csv", SYNC_RUNS_HEADER, lambda: sync_run_rows(period=period)),
        ("services.csv", SERVICES_HEADER, service_rows),
    ]


def _add_attachments(*, period: Period, archive: _Archive) -> dict[int, str | None]:
    # Attachments go in before special_cases.csv is written: a ZIP has one open entry at a time.
    cases = special_cases_in(period=period).exclude(attachment="")
    return {
        case.pk: archive.add_file(attachment_path(case), case)
        for case in cases.iterator(chunk_size=500)
    }


def build_evidence_zip(
    *, period: Period, generated_by: AbstractBaseUser, now: datetime | None = None
) -> IO[bytes]:
    """Write the evidence ZIP for ``period`` and return it as a file positioned at its start.

    The caller owns the returned file (``FileResponse`` closes it once sent)."""
    now = now or timezone.now()
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    try:
        archive = _Archive(target, now=now)
        attachments = _add_attachments(period=period, archive=archive)
        for name, header, rows in _csv_files(period=period, now=now, attachments=attachments):
            archive.add_csv(name, header=header, rows=rows())
        manifest = _manifest(period=period, by=generated_by, now=now, archive=archive)
        archive.add_json("manifest.json", manifest)
        archive.close()
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def _manifest(
    *, period: Period, by: AbstractBaseUser, now: datetime, archive: _Archive
) -> dict[str, object]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": now.astimezone(UTC).isoformat(),
        "generated_by": {"id": by.pk, "username": by.get_username()},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "from": period.since.astimezone(UTC).isoformat(),
            "until_exclusive": period.until.astimezone(UTC).isoformat(),
            "time_zone": timezone.get_current_timezone_name(),
        },
        "notes": (
            "Timestamps are ISO 8601 in UTC. CSV files are UTF-8 with a byte-order mark; text "
            "cells that began with = + - @ tab or carriage return are prefixed with ' so that "
            "spreadsheets show them as text. failing_items.csv is the state at generation time."
        ),
        # The CSV files first, then the attachments.
        "files": sorted(
            archive.files, key=lambda file: str(file["name"]).startswith(ATTACHMENTS_DIR + "/")
        ),
    }
