"""The access reviews' files in the evidence export: one row per review (with its snapshot's
SHA-256, its counts and its rubber-stamp signals), and every decision with its note.

The decisions of every review go into one file with a review id column rather than one file per
review: the export describes a fixed list of files (page, manifest), and a spreadsheet filters
one file by review as easily. Each review's snapshot SHA-256 is also listed in the manifest."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet

from access.review_checks import overdue_items
from access.review_models import AccessReview, Decision, Outcome, ReviewItem
from access.review_selectors import review_counts, rubber_stamp
from access.review_snapshot import stored_digest
from lib.evidence_files import EvidenceFile, Export, Row, username


def _reviews(export: Export) -> QuerySet[AccessReview]:
    """The reviews running at any time in the period: started before its end, and not signed
    off before its start."""
    period = export.period
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
)


def review_rows(export: Export) -> Iterator[Row]:
    overdue = dict(
        overdue_items(export.now)
        .values_list("review_id")
        .annotate(count=Count("pk"))
        .values_list("review_id", "count")
    )
    reviews = review_counts(_reviews(export)).annotate(
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
        )


def snapshot_seals(export: Export) -> dict[str, object]:
    """For the manifest: each review's snapshot SHA-256 (see access/review_snapshot.py)."""
    return {
        "snapshots": [
            {"review_id": pk, "name": name, "snapshot_sha256": sha}
            for pk, name, sha in _reviews(export)
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


def decision_rows(export: Export) -> Iterator[Row]:
    items = (
        ReviewItem.objects.filter(review__in=_reviews(export))
        .select_related("review", "reviewer", "decided_by")
        .order_by("review__started_at", "review_id", "system_name", "email", "upstream_id", "id")
    )
    for item in items.iterator(chunk_size=2000):
        took = item.took
        yield (
            item.review_id,
            item.review.name,
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


REVIEW_FILES = [
    EvidenceFile(
        name="access_reviews.csv",
        description="The access reviews running in the period: systems, due date, start, "
        "sign-off, the snapshot's SHA-256 (and whether the stored snapshot still matches it), "
        "counts of decisions and verified revocations, and the rubber-stamp signals.",
        header=REVIEWS_HEADER,
        rows=review_rows,
        order=150,
        manifest=snapshot_seals,
    ),
    EvidenceFile(
        name="access_review_decisions.csv",
        description="Every account of those reviews' snapshots, with its reviewer, decision, "
        "note, self-review reason, whether it was decided in bulk, and whether a later sync "
        "showed a revocation done and how long it took.",
        header=DECISIONS_HEADER,
        rows=decision_rows,
        order=160,
    ),
]
