from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from checks.engine import active_special_case_keys
from checks.forms import EndSpecialCaseForm, SpecialCaseForm, SpecialCasePolicyForm
from checks.models import CheckState, SpecialCase, SpecialCasePolicy
from checks.services import special_case_end, special_cases_create
from lib.charts import step_chart
from lib.checks import REGISTRY
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
    covered = state.special_cases.active(timezone.now()).filter(item_key__in=keys).exists()
    if len(items) != len(keys) or covered:
        form.add_error(
            "item_keys",
            "Some of the chosen items no longer fail this check or are already special cases; "
            "nothing was saved. Check the list and try again.",
        )
        return _detail(request, key, form=form)
    special_cases_create(
        state=state,
        items=items,
        reason=form.cleaned_data["reason"],
        attachment=form.cleaned_data.get("attachment"),
        expires_on=form.cleaned_data["expires_on"],
        user=request.user,
    )
    if len(items) == 1:
        messages.success(request, f"{items[0].label} is now a special case.")
    else:
        messages.success(request, f"{len(items)} items are now special cases.")
    return redirect("checks:detail", key=key)


@require_permissions(read=MANAGE, write=MANAGE)
def special_case_stop(request: HttpRequest, key: str, case: int) -> HttpResponse:
    """Ending a special case asks for a confirmation and a reason, both kept as evidence."""
    if key not in REGISTRY:
        raise Http404("No such check.")
    # Only a case still in force can end; an expired one already counts as failing.
    special = get_object_or_404(
        SpecialCase.objects.active(timezone.now()).select_related("created_by"),
        pk=case,
        check_state__key=key,
    )
    form = EndSpecialCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        special_case_end(case=special, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"The special case of {special.label} has ended.")
        return redirect("checks:detail", key=key)
    context = {"check": REGISTRY[key], "case": special, "form": form}
    return render(request, "checks/end_special_case.html", context)


@require_permissions(read=VIEW, write=MANAGE)
def special_case_policy(request: HttpRequest) -> HttpResponse:
    policy = SpecialCasePolicy.current()
    form = SpecialCasePolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Special-case policy saved.")
        return redirect("checks:policy")
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
