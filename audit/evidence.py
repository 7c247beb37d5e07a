"""The audit log's file in the evidence export: every entry of the period, as the page shows it
(secrets were never recorded, so none can reach the file)."""

from __future__ import annotations

from collections.abc import Iterator

from audit.display import describe_iter
from audit.selectors import audit_entries_between
from lib.evidence_files import EvidenceFile, Export, Row

AUDIT_LOG_HEADER = ("entry_id", "at", "who", "action", "object_type", "object", "changes")


def audit_log_rows(export: Export) -> Iterator[Row]:
    entries = audit_entries_between(since=export.period.since, until=export.period.until)
    for row in describe_iter(entries.iterator(chunk_size=500)):
        yield (row.id, row.at, row.who, row.action, row.object_type, row.object, row.changes_text)


FILES = [
    EvidenceFile(
        name="audit_log.csv",
        description="The app's audit log for the period: who changed which configuration, "
        "when, and each field before → after (integrations, services, sync frequency, SLA "
        "policy, special cases, users and roles, evidence downloads). Secrets are never recorded.",
        header=AUDIT_LOG_HEADER,
        rows=audit_log_rows,
        order=120,
    ),
]
