"""Session limits and caching rules for signed-in pages.

A session ends after SESSION_IDLE_SECONDS without a request and SESSION_MAX_SECONDS after
signing in, whichever comes first: the next request signs out and goes to the login page,
which says why. Every answer to a signed-in request is marked no-store, so evidence never
stays in a shared browser's or proxy's cache."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# The last request's time is written at most this often: an idle limit counted in minutes
# needs no session write per request.
SEEN_RESOLUTION_SECONDS = 30


def mark_signed_in(sender: object, *, request: HttpRequest, **_: object) -> None:
    """user_logged_in receiver: the absolute lifetime counts from here."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


def expired_because(session: dict, now: float) -> str:  # type: ignore[type-arg]
    """Why this session is over, or "" while it is not."""
    started = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT)
    if isinstance(started, int | float) and now - started > settings.SESSION_MAX_SECONDS:
        hours = round(settings.SESSION_MAX_SECONDS / 3600)
        return f"You were signed out {hours} hours after signing in. Please sign in again."
    if isinstance(seen, int | float) and now - seen > settings.SESSION_IDLE_SECONDS:
        minutes = round(settings.SESSION_IDLE_SECONDS / 60)
        return f"You were signed out after {minutes} minutes without activity."
    return ""


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = expired_because(request.session, now)
            if reason:
                logout(request)
                messages.info(request, reason)
                login = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):
                    # A fragment request: the whole page goes to the login page, not the target.
                    return HttpResponseClientRedirect(login["Location"])
                return login
            request.session.setdefault(SIGNED_IN_AT, now)
            seen = request.session.get(SEEN_AT)
            if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


ALLOWED_METHODS = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    """No page of the app takes PUT, PATCH, DELETE or anything else: answered 405 before any
    view runs. (Django's form views treat PUT as POST: a PUT to /login/ signed in.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)
