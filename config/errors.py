"""The app's answer to a request it cannot read (400), in its own layout.

Django answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig), or one with too many
fields or files, through the 400 handler; its default page says only "Bad Request" and the
person loses what they typed. This handler names the limit that was hit and says what to do;
403, 404 and 500 need no code, only their templates (templates/403.html, 404.html, 500.html).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _back_url(request: HttpRequest) -> str:
    """The page the form was on, when the browser says and it is one of ours."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        # The request's own Host header is why it is refused: no page of it is ours.
        return ""
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    )
    return referer if safe else ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason, limit, status = "", "", 400
    if isinstance(exception, RequestDataTooBig):
        # 413 Content Too Large: the one status that says so (Django's own answer is 400).
        reason, limit, status = "too_big", _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE), 413
    elif isinstance(exception, TooManyFieldsSent):
        reason, limit = "too_many_fields", str(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    elif isinstance(exception, TooManyFilesSent):
        reason, limit = "too_many_files", str(settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    context = {"reason": reason, "limit": limit, "back_url": _back_url(request)}
    return render(request, "400.html", context, status=status)
