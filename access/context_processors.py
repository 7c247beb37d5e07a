from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from access.review_selectors import pending_for


def my_reviews(request: HttpRequest) -> dict[str, object]:
    """How many review items wait for the signed-in user: the navigation shows "My reviews" to
    anyone with some, whatever their role. One indexed count, made only when a page renders
    the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_review_items": 0}
    return {"my_review_items": SimpleLazyObject(lambda: pending_for(user).count())}
