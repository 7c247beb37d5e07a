"""The database as the web server and the worker share it: a read goes on while another worker
holds a write open (a sync claiming or storing a page). On SQLite this is WAL, and the tests run
on a file with the same options, so that the threaded tests meet what a real worker meets."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from integrations.models import Connection
from tests.conftest import make_connection


@pytest.mark.django_db(transaction=True)
def test_a_read_goes_on_while_another_worker_holds_a_write() -> None:
    connection = make_connection()
    writing, done = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Connection.objects.filter(pk=connection.pk).update(region="eu")
                writing.set()
                done.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert writing.wait(timeout=30)
        # The uncommitted change is not seen; the read neither fails nor waits for it.
        assert Connection.objects.get(pk=connection.pk).region == "us"
    finally:
        done.set()
        thread.join(timeout=30)
    assert Connection.objects.get(pk=connection.pk).region == "eu"
