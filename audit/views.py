from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions
from audit.display import describe
from audit.forms import AuditFilterForm
from audit.selectors import audit_page

VIEW = "audit.view_audit_log"


@require_permissions(read=VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest first; filters are a plain GET form, so a filtered view is a link."""
    form = AuditFilterForm(request.GET or None)
    page = rows = None
    if not form.is_bound or form.is_valid():
        page = audit_page(filters=form.filters(), page=request.GET.get("page"))
        rows = describe(list(page.object_list))
    template = "audit/log.html" + ("#audit-table" if request.htmx else "")
    return render(request, template, {"form": form, "page": page, "rows": rows})
