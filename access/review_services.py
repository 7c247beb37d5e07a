"""Writes of access reviews: start (freeze the snapshot), decide, keep in bulk, sign off, and
the verification after each sync that a revocation really happened upstream."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from access.checks import TOPIC
from access.mapping import category
from access.models import Account, AccountMapping, CriticalSystem, MappingKind, StaffMember
from access.review_forms import PolicyForm
from access.review_models import (
    ACTION_DECISIONS,
    SNAPSHOT_FIELDS,
    AccessReview,
    Decision,
    Outcome,
    ReviewerMode,
    ReviewItem,
    ReviewPolicy,
)
from access.review_snapshot import digest
from accounts.roles import Role
from lib.checks import engine
from lib.settings_row import settings_save

CHANGE_REVIEW = "access.change_accessreview"
VIEW_REVIEW = "access.view_accessreview"
DECISION_FIELDS = [
    "decision",
    "note",
    "self_review_reason",
    "bulk",
    "decided_by",
    "decided_at",
    "outcome",
    "done_at",
]


class ReviewRefused(Exception):
    """Nothing was changed; the message says why, to the person who asked."""


def _users_by_email() -> dict[str, AbstractBaseUser]:
    """Reviewers are app users: a person of the directory is the active user with their email
    (the first one made, should two share it)."""
    index: dict[str, AbstractBaseUser] = {}
    # Auditors change nothing (PRODUCT 1): an auditor's item falls to the review's creator.
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(groups__name=Role.AUDITOR.value)
        .order_by("pk")
    )
    for user in users:
        index.setdefault(user.email.strip().lower(), user)
    return index


def _who_reviews(
    person: StaffMember | None,
    *,
    missing: str,
    users: dict[str, AbstractBaseUser],
    creator: AbstractBaseUser,
) -> tuple[AbstractBaseUser, str]:
    if person is None:
        return creator, f"{missing}: {creator.get_username()}, who started the review, decides"
    user = users.get(person.email.lower())
    if user is None:
        return creator, (
            f"{person.name} <{person.email}> has no EvidenceHub user: "
            f"{creator.get_username()}, who started the review, decides"
        )
    return user, ""


def _reviewer(
    mode: str,
    system: CriticalSystem,
    mapping: AccountMapping | None,
    *,
    users: dict[str, AbstractBaseUser],
    creator: AbstractBaseUser,
) -> tuple[AbstractBaseUser, str]:
    if mode == ReviewerMode.OWNER:
        return _who_reviews(
            system.owner,
            missing=f"{system.name} has no owner",
            users=users,
            creator=creator,
        )
    if mapping is not None and mapping.kind == MappingKind.STAFF and mapping.staff is not None:
        return _who_reviews(
            mapping.staff.manager,
            missing=f"{mapping.staff.name} has no manager in the staff directory",
            users=users,
            creator=creator,
        )
    if mapping is not None and mapping.kind == MappingKind.NOT_A_PERSON:
        # A service or shared account: whoever answers for it.
        return _who_reviews(
            mapping.owner, missing="The shared account has no owner", users=users, creator=creator
        )
    return _who_reviews(
        None, missing="The account is not a staff member's", users=users, creator=creator
    )


def review_start(
    *,
    name: str,
    systems: Sequence[CriticalSystem],
    due_on: date,
    reviewer_mode: str,
    user: AbstractBaseUser,
    now: datetime | None = None,
) -> AccessReview:
    """Create the review and freeze the snapshot: one item per live account of its systems,
    sealed with a SHA-256."""
    if not systems:
        raise ReviewRefused("Choose at least one critical system to review.")
    now = now or timezone.now()
    users = _users_by_email()
    with transaction.atomic():
        review = AccessReview(
            name=name, due_on=due_on, reviewer_mode=reviewer_mode, created_by=user, started_at=now
        )
        review._history_user = user  # type: ignore[attr-defined]
        review.save()
        review.systems.set(systems)
        items = []
        for system in systems:
            accounts = Account.objects.filter(
                connection=system.connection_id, removed_at__isnull=True
            ).select_related("mapping__staff__manager", "mapping__owner")
            for account in accounts.order_by("email", "upstream_id"):
                mapping = getattr(account, "mapping", None)
                staff = mapping.staff if mapping is not None else None
                reviewer, why = _reviewer(reviewer_mode, system, mapping, users=users, creator=user)
                items.append(
                    ReviewItem(
                        review=review,
                        system=system,
                        account=account,
                        system_name=system.name,
                        upstream_id=account.upstream_id,
                        email=account.email,
                        name=account.name,
                        role=account.role,
                        category=category(mapping),
                        staff_name=staff.name if staff else "",
                        staff_email=staff.email if staff else "",
                        reviewer=reviewer,
                        reviewer_note=why[:300],
                    )
                )
        bulk_create_with_history(items, ReviewItem, default_user=user, batch_size=1000)
        review.snapshot_sha256 = digest(
            {name: getattr(item, name) for name in SNAPSHOT_FIELDS} for item in items
        )
        review.save(update_fields=["snapshot_sha256"])
    return review


def can_decide(item: ReviewItem, user: AbstractBaseUser) -> bool:
    """Admins decide any item; a reviewer the items assigned to them, unless they only read
    reviews (an auditor changes nothing, whatever was assigned)."""
    if user.has_perm(CHANGE_REVIEW):
        return True
    if user.has_perm(VIEW_REVIEW):
        return False
    return item.reviewer_id is not None and item.reviewer_id == user.pk


def is_own_account(item: ReviewItem, user: AbstractBaseUser) -> bool:
    email = (getattr(user, "email", "") or "").strip().lower()
    return bool(email) and email in {item.staff_email.lower(), item.email.lower()}


def _apply(
    item: ReviewItem,
    *,
    decision: str,
    note: str,
    reason: str,
    user: AbstractBaseUser,
    bulk: bool,
    now: datetime,
) -> None:
    item.decision, item.note, item.bulk = decision, note, bulk
    item.self_review_reason = reason if is_own_account(item, user) else ""
    item.decided_by, item.decided_at = user, now
    item.outcome = Outcome.PENDING if decision in ACTION_DECISIONS else Outcome.NONE
    item.done_at = None
    item._history_user = user  # type: ignore[attr-defined]
    item.save(update_fields=DECISION_FIELDS)


def _refuse_if_signed_off(review: AccessReview) -> None:
    if review.signed_off:
        raise ReviewRefused("This review is signed off: its decisions can no longer change.")


def decide(
    *,
    item: ReviewItem,
    decision: str,
    note: str,
    user: AbstractBaseUser,
    reason: str = "",
    now: datetime | None = None,
) -> ReviewItem:
    note, reason = note.strip(), reason.strip()
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().select_related("review").get(pk=item.pk)
        _refuse_if_signed_off(item.review)
        if not can_decide(item, user):
            raise ReviewRefused("This item is assigned to another reviewer.")
        if decision not in (Decision.KEEP, Decision.REVOKE, Decision.CHANGE_ROLE):
            raise ReviewRefused("Choose Keep, Revoke or Change role.")
        if decision in ACTION_DECISIONS and not note:
            label = Decision(decision).label
            raise ReviewRefused(f"{label} needs a note: what should change, and why.")
        if is_own_account(item, user) and not reason:
            raise ReviewRefused(
                "This is your own account: give the reason you decide on it yourself."
            )
        _apply(
            item,
            decision=decision,
            note=note,
            reason=reason,
            user=user,
            bulk=False,
            now=now or timezone.now(),
        )
    return item


def keep_selected(
    *,
    review: AccessReview,
    item_ids: Iterable[int],
    note: str,
    user: AbstractBaseUser,
    now: datetime | None = None,
) -> int:
    """Keep several pending items at once with one note; each is marked decided in bulk (a
    rubber-stamp signal). Refused as a whole when any item may not be kept this way."""
    ids = set(item_ids)
    note = note.strip()
    if not ids:
        raise ReviewRefused("Tick the accounts to keep.")
    if not note:
        raise ReviewRefused("Keeping several accounts at once needs a note: what you checked.")
    if "\x00" in note:
        # As Django's form fields refuse it: PostgreSQL cannot store it (a 500).
        raise ReviewRefused("Nothing was kept: the note holds a null character; type it again.")
    now = now or timezone.now()
    with transaction.atomic():
        review = AccessReview.objects.select_for_update().get(pk=review.pk)
        _refuse_if_signed_off(review)
        items = list(review.items.select_for_update().filter(pk__in=ids))
        # Items the user may not decide are not named: their accounts are not theirs to read.
        if len(items) != len(ids) or not all(can_decide(item, user) for item in items):
            raise ReviewRefused("Nothing was kept: tick only accounts of this review you review.")
        problems = []
        for item in items:
            if item.decision:
                problems.append(f"{item} is already decided")
            elif is_own_account(item, user):
                problems.append(f"{item} is your own account: decide it alone, with a reason")
        if problems:
            raise ReviewRefused("Nothing was kept: " + "; ".join(problems) + ".")
        for item in items:
            _apply(
                item, decision=Decision.KEEP, note=note, reason="", user=user, bulk=True, now=now
            )
    return len(items)


def sign_off(
    *, review: AccessReview, user: AbstractBaseUser, now: datetime | None = None
) -> AccessReview:
    with transaction.atomic():
        review = AccessReview.objects.select_for_update().get(pk=review.pk)
        _refuse_if_signed_off(review)
        pending = review.items.filter(decision=Decision.PENDING).count()
        if pending:
            raise ReviewRefused(
                f"{pending} account{'s' if pending != 1 else ''} still "
                f"need{'s' if pending == 1 else ''} a decision: sign-off waits for every one."
            )
        review.signed_off_by, review.signed_off_at = user, now or timezone.now()
        review._history_user = user  # type: ignore[attr-defined]
        review.save(update_fields=["signed_off_by", "signed_off_at"])
    engine().evaluate(topic=TOPIC, reason="an access review was signed off")
    return review


def verify_outcomes(*, now: datetime | None = None) -> int:
    """Revocations are verified, not trusted: a Revoke is done once the stored account is gone
    upstream (or its row is gone), a Change role once its role differs from the snapshot's.
    Run after every accounts sync; returns how many became done."""
    now = now or timezone.now()
    pending = ReviewItem.objects.filter(outcome=Outcome.PENDING).select_related("account")
    done = []
    for item in pending.iterator(1000):
        account = item.account
        if account is None:
            seen = now
        elif account.removed_at is not None:
            seen = account.removed_at
        elif item.decision == Decision.CHANGE_ROLE and account.role != item.role:
            seen = account.changed_at
        else:
            continue
        # Already gone before the decision: done at once, never "took" a negative time.
        item.outcome, item.done_at = Outcome.DONE, max(seen, item.decided_at or seen)
        done.append(item)
    for item in done:
        item._change_reason = "verified by a sync"  # type: ignore[attr-defined]
        item.save(update_fields=["outcome", "done_at"])
    return len(done)


def removal_days_set(*, form: PolicyForm) -> ReviewPolicy:
    """Saved over the version the form was loaded with (ChangedMeanwhile when it is gone); the
    access checks are evaluated again when the limit changed."""
    changed = form.has_changed()
    policy = settings_save(form)
    if changed:
        engine().evaluate(topic=TOPIC, reason="the access review removal limit changed")
    return policy
