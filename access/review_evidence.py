"""The access reviews' files in the evidence export: one row per review (with its snapshot's
SHA-256, its counts, its rubber-stamp signals and the name of its decisions file), and one CSV
per review with every decision and its note (``access_reviews/review-<id>-decisions.csv``,
each with its SHA-256 in the manifest, like any file attached to a CSV). Each review's
snapshot SHA-256 is also listed in the manifest. The review's page offers the same file."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet

from access.review_checks import overdue_items
from access.review_models import AccessReview, Decision, Outcome, ReviewItem
from access.review_selectors import review_counts, rubber_stamp
from access.review_snapshot import stored_digest
from lib.csv_safe import write_csv
from lib.evidence_files import Attachment, EvidenceFile, Export, Period, Row, username


def _reviews(period: Period) -> QuerySet[AccessReview]:
    """The reviews running at any time in the period: started before its end, and not signed
    off before its start."""
    return AccessReview.objects.filter(started_at__lt=period.until).filter(
        Q(signed_off_at__isnull=True) | Q(signed_off_at__gte=period.since)
    )


REVIEWS_HEADER = (
    "review_id",
    "name",
    "systems",
    "reviewers",
    "due_on",
    "started_at",
    "started_by",
    "signed_off_at",
    "signed_off_by",
    "snapshot_sha256",
    "snapshot_matches_sha256",
    "accounts",
    "pending",
    "kept",
    "revoked",
    "role_changed",
    "revocations_done",
    "revocations_overdue",
    "decisions_per_minute",
    "decided_in_bulk",
    "bulk_share",
    "self_reviews",
    "decisions_file",
)


def review_rows(export: Export) -> Iterator[Row]:
    overdue = dict(
        overdue_items(export.now)
        .values_list("review_id")
        .annotate(count=Count("pk"))
        .values_list("review_id", "count")
    )
    reviews = review_counts(_reviews(export.period)).annotate(
        done=Count("items", filter=Q(items__outcome=Outcome.DONE)),
        kept=Count("items", filter=Q(items__decision=Decision.KEEP)),
    )
    reviews = reviews.select_related("created_by", "signed_off_by").prefetch_related(
        "systems__connection"
    )
    for review in reviews.order_by("started_at", "id"):
        signals = rubber_stamp(review.pk)
        yield (
            review.pk,
            review.name,
            [system.name for system in review.systems.all()],
            review.get_reviewer_mode_display(),
            review.due_on,
            review.started_at,
            username(review.created_by),
            review.signed_off_at,
            username(review.signed_off_by),
            review.snapshot_sha256,
            stored_digest(review.pk) == review.snapshot_sha256,
            review.total,
            review.pending,
            review.kept,
            review.revoked,
            review.role_changes,
            review.done,
            overdue.get(review.pk, 0),
            signals.per_minute,
            signals.bulk,
            round(signals.bulk_share, 3) if signals.bulk_share is not None else None,
            signals.self_reviews,
            export.attachments.get(review.pk) or "",
        )


def snapshot_seals(export: Export) -> dict[str, object]:
    """For the manifest: each review's snapshot SHA-256 (see access/review_snapshot.py)."""
    return {
        "snapshots": [
            {"review_id": pk, "name": name, "snapshot_sha256": sha}
            for pk, name, sha in _reviews(export.period)
            .order_by("started_at", "id")
            .values_list("pk", "name", "snapshot_sha256")
        ]
    }


DECISIONS_HEADER = (
    "review_id",
    "review_name",
    "item_id",
    "system",
    "upstream_id",
    "email",
    "name",
    "upstream_role",
    "category",
    "staff_name",
    "staff_email",
    "reviewer",
    "reviewer_note",
    "decision",
    "note",
    "self_review_reason",
    "decided_in_bulk",
    "decided_by",
    "decided_at",
    "outcome",
    "done_at",
    "took_seconds",
)


def decision_rows(review: AccessReview) -> Iterator[Row]:
    """Every item of ``review``'s snapshot, with its decision and what became of it."""
    items = (
        ReviewItem.objects.filter(review=review)
        .select_related("reviewer", "decided_by")
        .order_by("system_name", "email", "upstream_id", "id")
    )
    for item in items.iterator(chunk_size=2000):
        took = item.took
        yield (
            review.pk,
            review.name,
            item.pk,
            item.system_name,
            item.upstream_id,
            item.email,
            item.name,
            item.role,
            item.category,
            item.staff_name,
            item.staff_email,
            username(item.reviewer),
            item.reviewer_note,
            item.get_decision_display(),
            item.note,
            item.self_review_reason,
            item.bulk,
            username(item.decided_by),
            item.decided_at,
            item.get_outcome_display() if item.outcome else "",
            item.done_at,
            int(took.total_seconds()) if took is not None else None,
        )


def decisions_csv(review: AccessReview) -> bytes:
    """``review``'s decisions file, as the ZIP and the review's page give it."""
    target = io.BytesIO()
    write_csv(target, header=DECISIONS_HEADER, rows=decision_rows(review))
    return target.getvalue()


def decisions_path(review: AccessReview) -> str:
    return f"access_reviews/review-{review.pk}-decisions.csv"


def decision_files(period: Period) -> Iterator[Attachment]:
    for review in _reviews(period).order_by("started_at", "id"):
        yield Attachment(
            key=review.pk,
            path=decisions_path(review),
            open=functools.partial(_opened, review),
        )


def _opened(review: AccessReview) -> io.BytesIO:
    return io.BytesIO(decisions_csv(review))


REVIEW_FILES = [
    EvidenceFile(
        name="access_reviews.csv",
        description="The access reviews running in the period: systems, due date, start, "
        "sign-off, the snapshot's SHA-256 (and whether the stored snapshot still matches it), "
        "counts of decisions and verified revocations, the rubber-stamp signals, and the file "
        "of the review's decisions: every account of its snapshot with its reviewer, decision, "
        "note, self-review reason, whether it was decided in bulk, and whether a later sync "
        "showed a revocation done and how long it took.",
        header=REVIEWS_HEADER,
        rows=review_rows,
        order=150,
        attachments=decision_files,
        manifest=snapshot_seals,
    ),
]
