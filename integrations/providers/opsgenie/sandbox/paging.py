"""Offset paging as OpsGenie answers it (reference/opsgenie-api.md §2): the parameters and their
422 errors, the page, and absolute `paging` links carrying every query parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from integrations.providers.opsgenie.sandbox.data import Record
from integrations.sandbox.wsgi import Request

MAX_LIMIT: Final = 100


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int
    sort: str
    order: str
    sort_param: str


def page_params(
    request: Request,
    errors: dict[str, str],
    *,
    default_limit: int,
    sorts: Mapping[str, str],
    default_sort: str,
    default_order: str,
    max_offset: int | None,
    sort_params: tuple[str, ...] = ("sort",),
) -> Page:
    limit = _int_param(request, "limit", default_limit, errors)
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"Limit should be between 1 and {MAX_LIMIT}."
    offset = _int_param(request, "offset", 0, errors)
    if offset is not None and offset < 0:
        errors["offset"] = "Offset should be a non-negative number."
    elif offset is not None and max_offset is not None and offset >= max_offset:
        errors["offset"] = f"Offset should be less than {max_offset}."
    sort_param = next((name for name in sort_params if request.arg(name) is not None), "sort")
    sort = request.arg(sort_param) or default_sort
    if sort not in sorts:
        errors[sort_param] = f"Sort field should be one of [{', '.join(sorts)}]."
    order = (request.arg("order") or default_order).lower()
    if order not in ("asc", "desc"):
        errors["order"] = "Order should be one of [asc, desc]."
    return Page(offset or 0, limit or default_limit, sort, order, sort_param)


def _int_param(request: Request, name: str, default: int, errors: dict[str, str]) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = f"{name.capitalize()} should be a number."
        return None


def paged(
    request: Request,
    page: Page,
    items: list[Record],
    present: Callable[[Record], Record],
) -> dict[str, Any]:
    total = len(items)
    chunk = items[page.offset : page.offset + page.limit]
    return {
        "data": [present(item) for item in chunk],
        "paging": _paging_links(request, page, total),
        "totalCount": total,
    }


def _paging_links(request: Request, page: Page, total: int) -> dict[str, str]:
    """Absolute links carrying every query parameter, like upstream's (reference §2)."""
    paging_names = {"offset", "limit", page.sort_param, "order"}
    kept = [(name, value) for name, value in request.query_items if name not in paging_names]
    base = request.root_url + request.path

    def link(offset: int) -> str:
        params = [
            *kept,
            ("offset", str(offset)),
            ("limit", str(page.limit)),
            (page.sort_param, page.sort),
            ("order", page.order),
        ]
        return f"{base}?{urlencode(params)}"

    last = ((total - 1) // page.limit) * page.limit if total else 0
    links = {"first": link(0)}
    if page.offset + page.limit < total:
        links["next"] = link(page.offset + page.limit)
    links["last"] = link(last)
    return links


def paging_headers(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    paging = payload.get("paging") or {}
    return [(f"X-Paging-{name.capitalize()}", url) for name, url in paging.items()]
