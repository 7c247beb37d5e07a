from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from checks.engine import active_special_case_keys
from checks.forms import SpecialCaseForm
from checks.models import CheckState, SpecialCase
from checks.services import special_case_create, special_case_end
from lib.charts import step_chart
from lib.checks import REGISTRY

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
def check_detail(
    request: HttpRequest, key: str, form: SpecialCaseForm | None = None
) -> HttpResponse:
    state = _state(key)
    now = timezone.now()
    excepted = active_special_case_keys(state, now)
    items = Paginator(state.failing_items.order_by("failing_since", "id"), ITEMS_PER_PAGE)
    page = items.get_page(request.GET.get("page"))
    changes = list(state.changes.order_by("-at")[:200])
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
            "form": form,
        },
    )


@require_permissions(read=VIEW, write=MANAGE)
@require_POST
def special_case_new(request: HttpRequest, key: str) -> HttpResponse:
    state = _state(key)
    form = SpecialCaseForm(request.POST, request.FILES)
    if form.is_valid():
        item = state.failing_items.filter(item_key=form.cleaned_data["item_key"]).first()
        if item is None:
            messages.error(request, "That item no longer fails this check; nothing was saved.")
            return redirect("checks:detail", key=key)
        special_case_create(
            state=state,
            item=item,
            reason=form.cleaned_data["reason"],
            attachment=form.cleaned_data.get("attachment"),
            expires_on=form.cleaned_data.get("expires_on"),
            user=request.user,
        )
        messages.success(request, f"{item.label} is now a special case.")
        return redirect("checks:detail", key=key)
    messages.error(
        request,
        "The special case was not saved: "
        + "; ".join(e for errors in form.errors.values() for e in errors),
    )
    return redirect("checks:detail", key=key)


@require_permissions(read=VIEW, write=MANAGE)
@require_POST
def special_case_stop(request: HttpRequest, key: str, case: int) -> HttpResponse:
    special = get_object_or_404(SpecialCase, pk=case, check_state__key=key, ended_at__isnull=True)
    special_case_end(case=special, user=request.user)
    messages.success(request, f"The special case of {special.label} has ended.")
    return redirect("checks:detail", key=key)


@require_permissions(read=VIEW)
def special_case_attachment(request: HttpRequest, key: str, case: int) -> FileResponse:
    special = get_object_or_404(SpecialCase, pk=case, check_state__key=key)
    if not special.attachment:
        raise Http404("No attachment.")
    # Served only through this permission-checked view, always as a download.
    return FileResponse(
        special.attachment.open("rb"),
        as_attachment=True,
        filename=special.attachment.name.rsplit("/", 1)[-1],
    )
