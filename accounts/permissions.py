"""Server-side permission checks for every view and every HTTP method.

Login itself is enforced by django.contrib.auth's LoginRequiredMiddleware for every URL, so a view
that forgets this decorator is still closed to anonymous users; the URL-walk test
(tests/accounts/test_url_permissions.py) catches a view that forgets its role check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

SAFE_METHODS = ("GET", "HEAD")
# For ``read``/``write``: any signed-in user, because the view itself decides per object (a
# reviewer may decide the access-review items assigned to them, and nothing else).
SIGNED_IN = "signed-in"

View = Callable[..., HttpResponse]


def require_permissions(*, read: str | None, write: str | None = None) -> Callable[[View], View]:
    """Allow GET/HEAD to users with ``read`` and POST to users with ``write``.

    ``read=None`` means any logged-in user may read. ``write=None`` means the view accepts no
    writes at all (405); ``write=SIGNED_IN`` lets any logged-in user reach a view that checks
    the object itself. Other methods are refused.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            allowed = list(SAFE_METHODS) + (["POST"] if write else [])
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            needed = read if request.method in SAFE_METHODS else write
            if not request.user.is_authenticated:
                raise PermissionDenied
            if needed not in (None, SIGNED_IN) and not request.user.has_perm(needed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_permissions = {"read": read, "write": write}  # type: ignore[attr-defined]
        return wrapper

    return decorator
