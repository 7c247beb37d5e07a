"""Access → Overview, a critical system's page (valid access type, accounts) and an account's
page (its mapping and the mapping's history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from access.account_rows import ROW_FIELDS, account_row
from access.mapping import CATEGORIES, category, category_of, mapping_reset, mapping_set
from access.models import Account, AccountMapping, CriticalSystem, MappingKind, StaffStatus
from access.services import (
    AccessRefused,
    access_changed,
    critical_system_add,
    valid_access_set,
)
from access.system_forms import AddSystemForm, MappingForm, ValidAccessForm
from accounts.permissions import require_permissions
from integrations.providers.registry import provider_name, providers

VIEW = "access.view_criticalsystem"
MANAGE = "access.change_criticalsystem"
MAP = "access.change_accountmapping"
ACCOUNTS_PER_PAGE = 50

# Each category as a filter on accounts (mapping.category says the same in Python).
CATEGORY_FILTERS = {
    "Existing staff": Q(mapping__kind=MappingKind.STAFF, mapping__staff__status=StaffStatus.ACTIVE),
    "Offboarded staff": Q(
        mapping__kind=MappingKind.STAFF, mapping__staff__status=StaffStatus.OFFBOARDED
    ),
    "Not a person": Q(mapping__kind=MappingKind.NOT_A_PERSON),
    "External": Q(mapping__kind=MappingKind.EXTERNAL),
    "Not identified": Q(mapping__isnull=True) | Q(mapping__kind=MappingKind.NOT_IDENTIFIED),
}


@dataclass(frozen=True)
class AccountFacts:
    counts: dict[str, int]  # accounts still upstream, per category
    removed: int  # accounts removed upstream
    roles: frozenset[str]  # the upstream roles any of them holds, removed ones included


def _account_facts(accounts) -> AccountFacts:  # type: ignore[no-untyped-def]
    """How many of ``accounts`` still upstream are in each category, how many were removed
    upstream, and the roles they hold: one count per (removed, mapping kind, person's status,
    role), each added to its category (a filtered count per category read every row five
    times; the roles in a query of their own read them all once more)."""
    counts, removed, roles = dict.fromkeys(CATEGORIES, 0), 0, set()
    grouped = (
        accounts.annotate(gone=Q(removed_at__isnull=False))
        .values_list("gone", "mapping__kind", "mapping__staff__status", "role")
        .annotate(n=Count("pk"))
    )
    for gone, kind, status, role, n in grouped.order_by():
        roles.add(role)
        if gone:
            removed += n
        else:
            counts[category_of(kind, status)] += n
    return AccountFacts(counts, removed, frozenset(roles - {""}))


def _page_of_ids(ordered: QuerySet[Account], number_text: str | None) -> Page:
    """The ids of one page of ``ordered`` (a page number past the end: the last page, not a
    number: the first, as Paginator.get_page), read with how many match in one query: a
    search matches by reading every account, and a separate count read them all twice."""
    paginator = Paginator(ordered.values_list("pk", flat=True), ACCOUNTS_PER_PAGE)
    try:
        # Past a million pages (50 million accounts) is past the end: no OFFSET too large
        # for the database.
        number = min(max(int(number_text or 1), 1), 1_000_000)
    except ValueError:
        number = 1
    start = (number - 1) * ACCOUNTS_PER_PAGE
    counted = ordered.annotate(matches=Window(Count("pk"))).values_list("pk", "matches")
    found = list(counted[start : start + ACCOUNTS_PER_PAGE])
    if not found and number > 1:
        return paginator.get_page(number)  # past the end: counted apart, then the last page
    paginator.count = found[0][1] if found else 0  # type: ignore[misc]
    return Page([pk for pk, _matches in found], number, paginator)


@require_permissions(read=VIEW, write=MANAGE)
def overview(request: HttpRequest) -> HttpResponse:
    form = AddSystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            system = critical_system_add(
                connection=form.cleaned_data["connection"], user=request.user
            )
        except AccessRefused as refused:
            form.add_error("connection", str(refused))
        else:
            messages.success(
                request,
                f"{system.name} is a critical system: its accounts are read at the next sync.",
            )
            return redirect("access:system", system=system.pk)
    systems = []
    for system in CriticalSystem.objects.select_related("connection").order_by("pk"):
        facts = _account_facts(Account.objects.filter(connection=system.connection))
        systems.append({"system": system, "name": system.name, "counts": facts.counts})
    context = {
        "systems": systems,
        "form": form,
        "can_manage": request.user.has_perm(MANAGE),
        "categories": CATEGORIES,
    }
    return render(request, "access/overview.html", context)


def _accounts_notice(system: CriticalSystem) -> str:
    """Why the page shows no (or stale) accounts: not read yet, or the credential may not."""
    run = (
        system.connection.sync_runs.filter(counts__has_key="accounts")
        .order_by("-started_at")
        .first()
    )
    provider = providers().get(system.connection.provider)
    need = provider.accounts_need if provider else ""
    if run is None:
        return "The accounts have not been read yet: they are read at the next sync."
    counts = run.counts.get("accounts") or {}
    if counts.get("skipped"):
        return (
            f"The last sync could not read the accounts: {counts['skipped']}. "
            f"It needs {need}. The incidents keep syncing."
        )
    if counts.get("error"):
        return f"The last sync could not read the accounts: {counts['error']}"
    return ""


def _upstream_roles(system: CriticalSystem, seen: frozenset[str]) -> list[tuple[str, str]]:
    """The provider's roles, then those ``seen`` on the system's accounts that it does not
    name (custom roles)."""
    provider = providers().get(system.connection.provider)
    known = list(provider.account_roles) if provider else []
    names = {value for value, _label in known}
    return known + [(role, f"{role} (custom)") for role in sorted(seen - names)]


@require_permissions(read=VIEW, write=MANAGE)
def system_detail(request: HttpRequest, system: int) -> HttpResponse:
    pk = system  # the URL's id; ``system`` is the object from here on
    system = get_object_or_404(CriticalSystem.objects.select_related("connection"), pk=pk)
    accounts = Account.objects.filter(connection=system.connection)
    facts = _account_facts(accounts)
    form = ValidAccessForm(
        request.POST or None, system=system, upstream_roles=_upstream_roles(system, facts.roles)
    )
    if request.method == "POST" and form.is_valid():
        valid_access_set(
            system=system,
            access_type=form.cleaned_data["access_type"],
            roles=form.chosen_roles(),
            user=request.user,
        )
        messages.success(request, "Valid access type saved; the access checks were re-evaluated.")
        return redirect("access:system", system=pk)
    chosen = request.GET.get("category", "")
    # A NUL matches no email or name, and PostgreSQL refuses it in a query (a 500).
    search = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    listed = (
        accounts.filter(removed_at__isnull=True)
        if chosen != "removed"
        else accounts.exclude(removed_at=None)
    )
    if chosen in CATEGORY_FILTERS:
        listed = listed.filter(CATEGORY_FILTERS[chosen])
    if search:
        listed = listed.filter(Q(email__icontains=search) | Q(name__icontains=search))
    # The page's ids first, in the index's order (account_live_by_email), then their 50 rows
    # with mapping, person and org role: joining those for every match only to sort them cost
    # more than the rest of the page at 5,000 accounts.
    page = _page_of_ids(listed.order_by("email", "pk"), request.GET.get("page"))
    ids = list(page.object_list)
    by_id = (
        Account.objects.select_related("mapping__staff__org_role").only(*ROW_FIELDS).in_bulk(ids)
    )
    detail = reverse("access:account", args=[0])[: -len("0/")]  # once, not per row
    rows = [account_row(by_id[pk], url=f"{detail}{pk}/") for pk in ids if pk in by_id]
    context = {
        "system": system,
        "name": system.name,
        "form": form,
        "can_manage": request.user.has_perm(MANAGE),
        "notice": _accounts_notice(system),
        "counts": facts.counts,
        "removed": facts.removed,
        "rows": rows,
        "page": page,
        "chosen": chosen,
        "search": search,
        "history": system.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render(request, "access/system.html", context)


@require_permissions(read=VIEW, write=MAP)
def account_detail(request: HttpRequest, account: int) -> HttpResponse:
    pk = account
    account = get_object_or_404(
        Account.objects.select_related("connection__critical_system"), pk=pk
    )
    mapping = (
        AccountMapping.objects.filter(account=account).select_related("staff", "owner").first()
    )
    form = MappingForm(request.POST or None, initial=_initial(mapping))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["kind"] == "email":
            mapping_reset(account=account, user=request.user)
        else:
            mapping_set(
                account=account,
                kind=data["kind"],
                user=request.user,
                staff=data.get("staff"),
                owner=data.get("owner"),
                external_until=data.get("external_until"),
                reason=(data.get("reason") or "").strip(),
            )
        access_changed(reason="an account's mapping changed")
        messages.success(request, "Mapping saved; the access checks were re-evaluated.")
        return redirect("access:account", account=pk)
    history = (
        mapping.history.select_related("history_user", "staff").order_by("-history_date")[:50]
        if mapping
        else []
    )
    context = {
        "account": account,
        "system": account.connection.critical_system
        if hasattr(account.connection, "critical_system")
        else None,
        "name": provider_name(account.connection.provider),
        "mapping": mapping,
        "category": category(mapping),
        "form": form,
        "can_map": request.user.has_perm(MAP),
        "history": history,
    }
    return render(request, "access/account.html", context)


def _initial(mapping: AccountMapping | None) -> dict[str, object]:
    if mapping is None or mapping.source == "email":
        return {"kind": "email"}
    return {
        "kind": mapping.kind,
        "staff": mapping.staff_id,
        "owner": mapping.owner_id,
        "external_until": mapping.external_until,
        "reason": mapping.reason,
    }
