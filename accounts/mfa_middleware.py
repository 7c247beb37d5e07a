"""Until a session has passed the second factor, the only pages are the code page (MFA on), the
set-up page (required by the admin's policy but not set up) and logging out. Every other URL,
the Django admin included, goes there; an HTMX request gets HX-Redirect, so the whole page goes,
not a fragment. Users with MFA off whom the policy does not cover are never stopped."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.mfa import Gate, gate

# The page each gate allows, and where it sends everything else.
GATE_PAGE = {Gate.VERIFY: "mfa-verify", Gate.ENROL: "mfa"}
ALWAYS_OPEN = ("logout",)


class MfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = gate(request)
        # The layout hides the navigation of a session that owes a code (context processor).
        request.mfa_gate = state  # type: ignore[attr-defined]
        if state is Gate.OPEN:
            return self.get_response(request)
        page = reverse(GATE_PAGE[state])
        if request.path in (page, *(reverse(name) for name in ALWAYS_OPEN)):
            return self.get_response(request)
        # The page asked for comes back after the code (the login page's own "next").
        target = redirect_to_login(request.get_full_path(), login_url=page)["Location"]
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)
