"""Incidents in Django's admin (superusers only, config/urls.py).

Its changelist shows the same columns as our incident list, so `make bench` can compare the two
(tests/bench/bench_pages.py); it is read-only, since incidents come from the sync."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from incidents.list_rows import DATA_LOSS_LABELS
from incidents.models import Incident
from incidents.selectors import failing_incident_items


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("incident", "created_at", "priority", "status", "data_loss", "checks")
    list_filter = ("status", "priority", "source")
    search_fields = ("title", "number", "description")
    ordering = ("-created_at",)
    list_per_page = 50
    list_select_related = ("data_loss",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        # One correlated count per row of the page, instead of one query per row.
        failing = (
            failing_incident_items(timezone.now())
            .filter(item_id=OuterRef("pk"))
            .values("item_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        return super().get_queryset(request).annotate(failing_count=Subquery(failing))

    @admin.display(description="Incident", ordering="number")
    def incident(self, obj: Incident) -> str:
        return f"#{obj.number} {obj.title[:120]}"

    @admin.display(description="Data loss")
    def data_loss(self, obj: Incident) -> str:
        report = getattr(obj, "data_loss", None)
        return DATA_LOSS_LABELS.get(report.data_lost, "") if report else "No report"

    @admin.display(description="Checks")
    def checks(self, obj: Incident) -> str:
        count = getattr(obj, "failing_count", None) or 0
        return f"Failing ({count})" if count else "Passing"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
