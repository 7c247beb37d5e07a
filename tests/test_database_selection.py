"""CI's PostgreSQL run leaves the tests that cannot reach the database to the SQLite run
(--database-tests-only, tests/conftest.py): every test that can reach it must be kept."""

from __future__ import annotations

import pytest

from tests.conftest import reaches_database


def test_a_test_without_the_database_is_left_to_the_first_run(request) -> None:  # type: ignore[no-untyped-def]
    assert not reaches_database(request.node)


def test_a_test_asking_for_the_database_is_kept(request, db) -> None:  # type: ignore[no-untyped-def]
    assert reaches_database(request.node)


@pytest.mark.django_db
def test_a_test_marked_for_the_database_is_kept(request) -> None:  # type: ignore[no-untyped-def]
    assert reaches_database(request.node)


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_is_kept(request) -> None:  # type: ignore[no-untyped-def]
    assert reaches_database(request.node)


def test_a_test_whose_fixture_needs_the_database_is_kept(request, admin_client) -> None:  # type: ignore[no-untyped-def]
    assert reaches_database(request.node)
