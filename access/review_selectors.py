"""Reads of access reviews shared by the pages and the evidence: what changed since the last
completed review, the rubber-stamp signals, and who has items waiting."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from access.review_models import AccessReview, Decision, ReviewItem


def pending_for(user: AbstractBaseUser) -> QuerySet[ReviewItem]:
    """Items waiting for ``user``'s decision in reviews not yet signed off (indexed on reviewer
    and decision: the navigation asks this on every page)."""
    return ReviewItem.objects.filter(
        reviewer=user, decision=Decision.PENDING, review__signed_off_at__isnull=True
    )


def review_counts(reviews: QuerySet[AccessReview]) -> QuerySet[AccessReview]:
    return reviews.annotate(
        total=Count("items"),
        pending=Count("items", filter=Q(items__decision=Decision.PENDING)),
        revoked=Count("items", filter=Q(items__decision=Decision.REVOKE)),
        role_changes=Count("items", filter=Q(items__decision=Decision.CHANGE_ROLE)),
    )


@dataclass
class SystemChanges:
    system_name: str
    previous: AccessReview | None
    new: list[ReviewItem] = field(default_factory=list)
    # Items of the previous review whose account this one no longer has.
    removed: list[ReviewItem] = field(default_factory=list)
    # (this review's item, the role the previous review saw)
    role_changed: list[tuple[ReviewItem, str]] = field(default_factory=list)


def changes_since_last(review: AccessReview) -> list[SystemChanges]:
    """Per system of the review: the accounts new since the last completed (signed-off) review
    that covered the system, those gone, and those whose role changed."""
    changes = []
    items = list(review.items.all())
    for system in review.systems.all():
        previous = (
            AccessReview.objects.filter(
                systems=system, signed_off_at__isnull=False, started_at__lt=review.started_at
            )
            .order_by("-started_at", "-pk")
            .first()
        )
        mine = {item.upstream_id: item for item in items if item.system_id == system.pk}
        name = next(iter(mine.values())).system_name if mine else str(system)
        result = SystemChanges(system_name=name, previous=previous)
        if previous is not None:
            before = {item.upstream_id: item for item in previous.items.filter(system=system)}
            result.system_name = next(iter(before.values())).system_name if before else name
            result.new = [item for key, item in mine.items() if key not in before]
            result.removed = [item for key, item in before.items() if key not in mine]
            result.role_changed = [
                (item, before[key].role)
                for key, item in mine.items()
                if key in before and before[key].role != item.role
            ]
        changes.append(result)
    return changes


@dataclass(frozen=True)
class ReviewerPace:
    username: str
    decisions: int
    per_minute: float | None


@dataclass(frozen=True)
class RubberStamp:
    """Signals that a review was clicked through rather than done (issue 11 item 6)."""

    decided: int
    bulk: int
    self_reviews: int
    # The median pace of consecutive one-by-one decisions by the same reviewer (bulk decisions
    # are counted by ``bulk``); None until someone made two.
    per_minute: float | None
    reviewers: tuple[ReviewerPace, ...]

    @property
    def bulk_share(self) -> float | None:
        return self.bulk / self.decided if self.decided else None


def _pace(gaps: list[float]) -> float | None:
    # A gap under a second is a second: a finite pace, however fast.
    return round(60 / max(median(gaps), 1.0), 1) if gaps else None


def rubber_stamp(review_id: int) -> RubberStamp:
    rows = (
        ReviewItem.objects.filter(review_id=review_id)
        .exclude(decision=Decision.PENDING)
        .values_list(
            "decided_by_id", "decided_by__username", "decided_at", "bulk", "self_review_reason"
        )
        .order_by("decided_by_id", "decided_at", "pk")
    )
    times: dict[object, list] = defaultdict(list)
    names: dict[object, str] = {}
    decided = bulk = self_reviews = 0
    for user_id, username, decided_at, in_bulk, reason in rows:
        decided += 1
        bulk += in_bulk
        self_reviews += bool(reason)
        names[user_id] = username or "(deleted user)"
        times[user_id].append((decided_at, in_bulk))
    all_gaps: list[float] = []
    reviewers = []
    for user_id, decisions in times.items():
        one_by_one = [at for at, in_bulk in decisions if not in_bulk and at is not None]
        gaps = [(b - a).total_seconds() for a, b in zip(one_by_one, one_by_one[1:], strict=False)]
        all_gaps.extend(gaps)
        reviewers.append(ReviewerPace(names[user_id], len(decisions), _pace(gaps)))
    return RubberStamp(
        decided=decided,
        bulk=bulk,
        self_reviews=self_reviews,
        per_minute=_pace(all_gaps),
        reviewers=tuple(sorted(reviewers, key=lambda pace: pace.username)),
    )
