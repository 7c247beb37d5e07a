from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions


@require_permissions(read=None)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")
