"""`make bench` counts the queries a page runs (tests/bench/common.py, page_queries): what the
page reads, not the session's "last seen" write that a signed-in request makes every 30 s."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.middleware import SEEN_AT
from tests.bench.common import page_queries


def _seen_a_minute_ago(client) -> None:  # type: ignore[no-untyped-def]
    session = client.session
    session[SEEN_AT] = time.time() - 60
    session.save()


@pytest.mark.django_db
def test_a_pages_query_count_leaves_out_the_sessions_last_seen_write(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.get("/")
    with CaptureQueriesContext(connection) as page_alone:
        assert admin_client.get("/").status_code == 200
    _seen_a_minute_ago(admin_client)
    with CaptureQueriesContext(connection) as with_the_write:
        admin_client.get("/")
    assert len(with_the_write) > len(page_alone)
    assert any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in with_the_write)

    _seen_a_minute_ago(admin_client)
    queries, response = page_queries(admin_client, "/")
    assert response.status_code == 200
    assert len(queries) == len(page_alone)
    assert not any("UPDATE" in q["sql"] for q in queries)
