from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from checks.engine import active_special_case_keys
from checks.forms import EndSpecialCaseForm, SpecialCaseForm, SpecialCasePolicyForm
from checks.models import CheckState, SpecialCase, SpecialCasePolicy
from checks.services import AlreadyEnded, special_case_end, special_cases_create
from lib.charts import step_chart
from lib.checks import REGISTRY
from lib.concurrency import ChangedMeanwhile
from lib.settings_row import settings_save
from lib.uploads import kind_of

VIEW = "checks.view_checkstate"
MANAGE = "checks.manage_special_cases"
ITEMS_PER_PAGE = 50


@require_permissions(read=VIEW)
def check_list(request: HttpRequest) -> HttpResponse:
    states = {state.key: state for state in CheckState.objects.all()}
    rows = [(check, states.get(check.key)) for check in REGISTRY.values()]
    return render(request, "checks/list.html", {"rows": rows})


def _state(key: str) -> CheckState:
    if key not in REGISTRY:
        raise Http404("No such check.")
    state = CheckState.objects.filter(key=key).first()
    if state is None:
        raise Http404("This check has not been evaluated yet.")
    return state


def _history_chart(changes: list) -> str:  # type: ignore[type-arg]
    points = [(change.at, float(change.failing_count)) for change in reversed(changes)]
    if len(points) < 2:
        return ""
    return step_chart(
        points,
        title="Failing items over time",
        chart_id="check-history",
        end=timezone.now(),
        value_label="Failing items",
    )


@require_permissions(read=VIEW)
def check_detail(request: HttpRequest, key: str) -> HttpResponse:
    return _detail(request, key)


def _detail(request: HttpRequest, key: str, form: SpecialCaseForm | None = None) -> HttpResponse:
    state = _state(key)
    now = timezone.now()
    excepted = active_special_case_keys(state, now)
    items = Paginator(state.failing_items.order_by("failing_since", "id"), ITEMS_PER_PAGE)
    page = items.get_page(request.GET.get("page"))
    changes = list(state.changes.select_related("by").order_by("-at", "-id")[:200])
    cases = list(
        state.special_cases.select_related("created_by", "ended_by").order_by("-created_at")
    )
    in_force = set(state.special_cases.active(now).values_list("pk", flat=True))
    return render(
        request,
        "checks/detail.html",
        {
            "check": REGISTRY[key],
            "handled": list(REGISTRY[key].handled()) if REGISTRY[key].handled else [],
            "state": state,
            "items": page,
            "excepted": excepted,
            "special_cases": [(case, case.pk in in_force) for case in cases],
            "changes": changes,
            "chart": _history_chart(changes),
            "can_manage": request.user.has_perm(MANAGE),
            "form": form or SpecialCaseForm(),
            "max_months": SpecialCasePolicy.current().max_months,
            "chosen": set(form["item_keys"].value() or []) if form is not None else set(),
        },
    )


@require_permissions(read=VIEW, write=MANAGE)
@require_POST
def special_case_new(request: HttpRequest, key: str) -> HttpResponse:
    state = _state(key)
    form = SpecialCaseForm(request.POST, request.FILES)
    if not form.is_valid():
        # Shown again with what was typed and the items still ticked (a file must be re-chosen).
        return _detail(request, key, form=form)
    keys = form.cleaned_data["item_keys"]
    items = list(state.failing_items.filter(item_key__in=keys).order_by("failing_since", "id"))
    if len(items) != len(keys):
        form.add_error(
            "item_keys",
            "Some of the chosen items no longer fail this check; nothing was saved. "
            "Check the list and try again.",
        )
        return _detail(request, key, form=form)
    marked = special_cases_create(
        state=state,
        items=items,
        reason=form.cleaned_data["reason"],
        attachment=form.cleaned_data.get("attachment"),
        expires_on=form.cleaned_data["expires_on"],
        user=request.user,
    )
    detail = reverse("checks:detail", kwargs={"key": key})
    reason = form.cleaned_data["reason"]
    if len(keys) == 1 and marked.existing:
        # A double submit, or another admin first: the answer is the case that exists.
        case = marked.existing[0]
        text = f"This item already has an active special case, {_made_by(case)}."
        messages.warning(request, text + _not_saved(reason, marked.existing))
        return redirect(f"{detail}#special-case-{case.pk}")
    if len(marked.created) == 1:
        messages.success(request, f"{marked.created[0].label} is now a special case.")
    elif marked.created:
        messages.success(request, f"{len(marked.created)} items are now special cases.")
    if marked.existing:
        skipped = "; ".join(f"{case.label} ({_made_by(case)})" for case in marked.existing)
        count = len(marked.existing)
        messages.warning(
            request,
            f"Skipped {count} item{'s' if count != 1 else ''} that already had an active "
            f"special case, left as it was: {skipped}." + _not_saved(reason, marked.existing),
        )
    return redirect(detail)


def _made_by(case: SpecialCase) -> str:
    who = case.created_by.get_username() if case.created_by else "someone"
    return f"created by {who} at {_when(case.created_at)}"


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def _not_saved(reason: str, kept: list[SpecialCase]) -> str:
    """The reason typed, when the kept cases give another: never dropped without a word."""
    if all(case.reason == reason for case in kept):
        return ""
    return f" Your reason was not saved there: “{reason}”."


@require_permissions(read=MANAGE, write=MANAGE)
def special_case_stop(request: HttpRequest, key: str, case: int) -> HttpResponse:
    """Ending a special case asks for a confirmation and a reason, both kept as evidence."""
    if key not in REGISTRY:
        raise Http404("No such check.")
    special = get_object_or_404(
        SpecialCase.objects.select_related("created_by", "ended_by"),
        pk=case,
        check_state__key=key,
    )
    # Only a case still in force can end; an expired one already counts as failing.
    in_force = SpecialCase.objects.active(timezone.now()).filter(pk=special.pk).exists()
    if special.ended_at is None and not in_force:
        raise Http404("This special case has expired.")
    form = EndSpecialCaseForm(request.POST or None)
    if in_force and request.method == "POST" and form.is_valid():
        try:
            special_case_end(case=special, user=request.user, reason=form.cleaned_data["reason"])
        except AlreadyEnded as ended:
            special = ended.case
        else:
            messages.success(request, f"The special case of {special.label} has ended.")
            return redirect("checks:detail", key=key)
    if special.ended_at is not None:
        # Ended by someone else since the page was loaded (or at the same moment).
        who = special.ended_by.get_username() if special.ended_by else "someone"
        text = (
            f"{who} ended the special case of {special.label} at {_when(special.ended_at)}: "
            f"“{special.end_reason}”."
        )
        typed = form.cleaned_data.get("reason") if form.is_bound and form.is_valid() else ""
        if typed and typed != special.end_reason:
            text += f" Your reason was not saved: “{typed}”."
        messages.warning(request, text)
        detail = reverse("checks:detail", kwargs={"key": key})
        return redirect(f"{detail}#special-case-{special.pk}")
    context = {"check": REGISTRY[key], "case": special, "form": form}
    return render(request, "checks/end_special_case.html", context)


@require_permissions(read=VIEW, write=MANAGE)
def special_case_policy(request: HttpRequest) -> HttpResponse:
    policy = SpecialCasePolicy.current()
    form = SpecialCasePolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            settings_save(form)
        except ChangedMeanwhile as conflict:
            form = conflict.reshow(form)
        else:
            messages.success(request, "Special-case policy saved.")
            return redirect("checks:policy")
    if form.errors:
        policy = SpecialCasePolicy.current()
    changes = policy.history.select_related("history_user").order_by("-history_date")[:50]
    context = {
        "form": form,
        "policy": policy,
        "changes": changes,
        "can_manage": request.user.has_perm(MANAGE),
    }
    return render(request, "checks/policy.html", context)


@require_permissions(read=VIEW)
def special_case_attachment(request: HttpRequest, key: str, case: int) -> FileResponse:
    special = get_object_or_404(SpecialCase, pk=case, check_state__key=key)
    if not special.attachment:
        raise Http404("No attachment.")
    name = special.attachment.name.rsplit("/", 1)[-1]
    kind = kind_of(name)
    # Served only through this permission-checked view, always as a download, with the type of
    # a kind we keep (files attached before the kinds were checked: bytes, nothing a browser
    # would run), never sniffed, never rendered.
    response = FileResponse(
        special.attachment.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
