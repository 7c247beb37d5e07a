"""Access → Reviews: the list (with the removal limit), starting a review, a review's page with
its snapshot, changes, signals and items, deciding an item, keeping several, signing off; and
"My reviews", the one access page a staff member sees: the items assigned to them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from access.review_checks import duration, overdue_items
from access.review_evidence import decisions_csv
from access.review_forms import DecideForm, PolicyForm, ReviewForm
from access.review_models import AccessReview, Decision, Outcome, ReviewItem, ReviewPolicy
from access.review_selectors import changes_since_last, pending_for, review_counts, rubber_stamp
from access.review_services import (
    CHANGE_REVIEW,
    ReviewRefused,
    can_decide,
    decide,
    is_own_account,
    keep_selected,
    removal_days_set,
    review_start,
    sign_off,
)
from access.review_snapshot import stored_digest
from accounts.permissions import SIGNED_IN, require_permissions
from lib.concurrency import ChangedMeanwhile

VIEW_REVIEW = "access.view_accessreview"
ADD_REVIEW = "access.add_accessreview"
ITEMS_PER_PAGE = 100
MY_ITEMS_SHOWN = 1000
FILTERS = {"": "All", "pending": "Pending", "decided": "Decided", "mine": "Mine"}


@require_permissions(read=VIEW_REVIEW, write=CHANGE_REVIEW)
def reviews(request: HttpRequest) -> HttpResponse:
    policy = ReviewPolicy.current()
    can_change = request.user.has_perm(CHANGE_REVIEW)
    form = PolicyForm(request.POST or None, instance=policy) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            removal_days_set(form=form)
        except ChangedMeanwhile as conflict:
            form = conflict.reshow(form)
        else:
            messages.success(request, "Removal limit saved; the access checks were re-evaluated.")
            return redirect("access:reviews")
    if form is not None and form.errors:
        # The form bound to the instance changed it in memory: show the stored value too.
        policy = ReviewPolicy.current()
    listed = review_counts(
        AccessReview.objects.select_related("created_by", "signed_off_by")
    ).prefetch_related("systems__connection")
    listed = list(listed)
    for review in listed:
        review.system_names = [system.name for system in review.systems.all()]
    context = {
        "reviews": listed,
        "policy": policy,
        "form": form,
        "can_add": request.user.has_perm(ADD_REVIEW),
        "history": policy.history.select_related("history_user").order_by("-history_date")[:20],
        "today": timezone.localdate(),
    }
    return render(request, "access/reviews/list.html", context)


@require_permissions(read=ADD_REVIEW, write=ADD_REVIEW)
def review_new(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = review_start(
                name=data["name"].strip(),
                systems=list(data["systems"]),
                due_on=data["due_on"],
                reviewer_mode=data["reviewer_mode"],
                user=request.user,
            )
        except ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            count = review.items.count()
            messages.success(
                request,
                f"Review started: a snapshot of {count} account{'s' if count != 1 else ''} "
                "was frozen and sealed with its SHA-256.",
            )
            return redirect("access:review", review=review.pk)
    return render(request, "access/reviews/new.html", {"form": form})


def _filtered(review: AccessReview, show: str, request: HttpRequest) -> QuerySet[ReviewItem]:
    items = review.items.select_related("reviewer", "decided_by", "account")
    if show == "pending":
        return items.filter(decision=Decision.PENDING)
    if show == "decided":
        return items.exclude(decision=Decision.PENDING)
    if show == "mine":
        return items.filter(reviewer=request.user)
    return items


def _rows(items, user) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    now = timezone.now()
    return [
        {
            "item": item,
            "can_decide": not item.review.signed_off and can_decide(item, user),
            "own": is_own_account(item, user),
            "took": duration(item.took) if item.took is not None else "",
            "waiting": duration(now - item.decided_at)
            if item.outcome == Outcome.PENDING and item.decided_at
            else "",
        }
        for item in items
    ]


@require_permissions(read=VIEW_REVIEW)
def review_detail(request: HttpRequest, review: int) -> HttpResponse:
    review = get_object_or_404(
        AccessReview.objects.select_related("created_by", "signed_off_by"), pk=review
    )
    show = request.GET.get("show", "")
    show = show if show in FILTERS else ""
    page = Paginator(_filtered(review, show, request), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for item in page:
        item.review = review  # one review, not one query per row
    counts = review_counts(AccessReview.objects.filter(pk=review.pk)).get()
    now = timezone.now()
    rows = _rows(page, request.user)
    context = {
        "review": review,
        "systems": [s.name for s in review.systems.select_related("connection")],
        "counts": counts,
        "rows": rows,
        "page": page,
        "show": show,
        "filters": FILTERS,
        "sealed": stored_digest(review.pk) == review.snapshot_sha256,
        "changes": changes_since_last(review),
        "signals": rubber_stamp(review.pk),
        "overdue": overdue_items(now).filter(review=review).count(),
        "policy": ReviewPolicy.current(),
        "can_change": request.user.has_perm(CHANGE_REVIEW),
        "can_bulk": any(row["can_decide"] and not row["item"].decision for row in rows),
        "history": ReviewItem.history.filter(review_id=review.pk)
        .exclude(history_type="+")
        .select_related("history_user")
        .order_by("-history_date")[:50],
        "today": timezone.localdate(),
    }
    return render(request, "access/reviews/detail.html", context)


@require_permissions(read=VIEW_REVIEW)
def review_decisions(request: HttpRequest, review: int) -> HttpResponse:
    """The review's decisions file, the same as the evidence ZIP holds."""
    review = get_object_or_404(AccessReview, pk=review)
    response = HttpResponse(decisions_csv(review), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="access-review-{review.pk}-decisions.csv"'
    )
    return response


def _back(request: HttpRequest, item: ReviewItem) -> HttpResponse:
    """Back to the review for those who may read it, else to the reviewer's own list."""
    if request.user.has_perm(VIEW_REVIEW):
        return redirect(reverse("access:review", args=[item.review_id]) + f"#item-{item.pk}")
    return redirect("access:my-reviews")


@require_permissions(read=SIGNED_IN, write=SIGNED_IN)
def item_decide(request: HttpRequest, review: int, item: int) -> HttpResponse:
    item = get_object_or_404(
        ReviewItem.objects.select_related("review", "reviewer", "decided_by", "account"),
        pk=item,
        review_id=review,
    )
    allowed = can_decide(item, request.user)
    if not allowed and (request.method == "POST" or not request.user.has_perm(VIEW_REVIEW)):
        raise PermissionDenied
    form = DecideForm(request.POST or None, initial={"decision": item.decision, "note": item.note})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decide(
                item=item,
                decision=data["decision"],
                note=data["note"],
                reason=data["reason"],
                user=request.user,
            )
        except ReviewRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{item}: {Decision(data['decision']).label}.")
            return _back(request, item)
    context = {
        "item": item,
        "review": item.review,
        "form": form,
        "can_decide": allowed and not item.review.signed_off,
        "own": is_own_account(item, request.user),
        "can_read_review": request.user.has_perm(VIEW_REVIEW),
        "took": duration(item.took) if item.took is not None else "",
        "history": item.history.select_related("history_user", "decided_by").order_by(
            "-history_date"
        )[:50],
    }
    return render(request, "access/reviews/item.html", context)


@require_permissions(read=SIGNED_IN, write=SIGNED_IN)
def keep_selected_view(request: HttpRequest, review: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = get_object_or_404(AccessReview, pk=review)
    user = request.user
    if not user.has_perm(CHANGE_REVIEW) and not review.items.filter(reviewer=user).exists():
        raise PermissionDenied
    raw = request.POST.getlist("items")
    back = (
        redirect("access:review", review=review.pk)
        if user.has_perm(VIEW_REVIEW) and request.POST.get("from") != "mine"
        else redirect("access:my-reviews")
    )
    if not all(value.isascii() and value.isdigit() and len(value) < 16 for value in raw):
        messages.error(request, "Nothing was kept: tick accounts from the list.")
        return back
    try:
        kept = keep_selected(
            review=review,
            item_ids=[int(value) for value in raw],
            note=request.POST.get("note", "")[:2000],
            user=user,
        )
    except ReviewRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Kept {kept} account{'s' if kept != 1 else ''} in bulk.")
    return back


@require_permissions(read=CHANGE_REVIEW, write=CHANGE_REVIEW)
def review_sign_off(request: HttpRequest, review: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    review = get_object_or_404(AccessReview, pk=review)
    try:
        sign_off(review=review, user=request.user)
    except ReviewRefused as refused:
        messages.error(request, f"Not signed off: {refused}")
    else:
        messages.success(request, "Signed off: the decisions are final.")
    return redirect("access:review", review=review.pk)


@require_permissions(read=None)
def my_reviews(request: HttpRequest) -> HttpResponse:
    """The items assigned to the signed-in user, pending first, grouped by review."""
    show = request.GET.get("show", "pending")
    show = show if show in ("pending", "decided") else "pending"
    items = (
        pending_for(request.user)
        if show == "pending"
        else ReviewItem.objects.filter(reviewer=request.user).exclude(decision=Decision.PENDING)
    )
    items = items.select_related("review", "decided_by", "reviewer").order_by(
        "review__due_on", "review_id", "system_name", "email"
    )
    groups: dict[int, dict[str, object]] = {}
    for row in _rows(items[:MY_ITEMS_SHOWN], request.user):
        review = row["item"].review  # type: ignore[attr-defined]
        group = groups.setdefault(review.pk, {"review": review, "rows": []})
        group["rows"].append(row)  # type: ignore[attr-defined]
    context = {
        "groups": list(groups.values()),
        "show": show,
        "pending": pending_for(request.user).count(),
        "today": timezone.localdate(),
    }
    return render(request, "access/reviews/mine.html", context)
