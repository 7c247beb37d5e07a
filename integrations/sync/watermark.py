"""The watermark of a stream read by update time (``Stream.by_update``: alerts): the instant from
which the next scheduled run reads what changed upstream.

It is the start of the last run that read the stream whole (a full scan, or every change since
the watermark before it), not the newest ``updatedAt`` that run saw: an alert updated while that
run paged has moved to the front of the listing, behind the run's position, and carries an
``updatedAt`` after the run's start, so the next run reads it. The reader reads from a little
earlier still (its overlap), for clock skew and late visibility.

Kept in the run's counts for the stream (``counts["alerts"]["watermark"]``), written only when
the stream was read to the end: a failed or switched-off read leaves the older watermark in
force, and the next run reads from there. A run resuming a failed full scan records none (the
alerts created before its cursor were read by the run before it, and may have changed since):
the run after it re-reads the open alerts once, then has a watermark again.
"""

from __future__ import annotations

from datetime import datetime

from integrations.models import Connection, SyncRun

KEY = "watermark"


def previous_watermark(connection: Connection, stream: str, *, before: SyncRun) -> datetime | None:
    """The newest watermark an earlier run of ``connection`` recorded for ``stream``."""
    counts = (
        connection.sync_runs.exclude(pk=before.pk)
        .filter(**{f"counts__{stream}__has_key": KEY})
        .order_by("-started_at", "-pk")
        .values_list("counts", flat=True)
        .first()
    )
    if counts is None:
        return None
    try:
        return datetime.fromisoformat(counts[stream][KEY])
    except (TypeError, ValueError, KeyError):
        return None  # not one we wrote: read the open records instead
