"""Requests of several users at the same moment, each from its own thread and database
connection (the PostgreSQL-only race tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.db import connections
from django.test import Client


def posted_at_once(
    posts: Mapping[Any, Callable[[Client], Any]],
) -> dict[str, tuple[int, str]]:
    """Each user's request (``post(client)`` with the user signed in), all started together;
    each answer's status and page by username."""
    pages: dict[str, tuple[int, str]] = {}

    def send(user, post) -> None:  # type: ignore[no-untyped-def]
        try:
            client = Client()
            client.force_login(user)
            response = post(client)
            pages[user.get_username()] = (response.status_code, response.content.decode())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=item) for item in posts.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return pages
