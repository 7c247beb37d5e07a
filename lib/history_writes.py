"""Creation records of django-simple-history written in one statement, for rows a bulk write
made (bulk writes send no signals, so simple-history records nothing by itself).

bulk_create_with_history builds a model instance and a history instance per row and inserts
them with the ORM: for the 5,000 account mappings of a first accounts sync it cost more than
reading the accounts (make bench). One INSERT … SELECT copies the rows instead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connections, router
from django.db.models import Model

from lib.checks import id_chunks


def record_created(
    model: type[Model], *, when: datetime, reason: str, pks: Sequence[int] | None = None
) -> int:
    """A "+" history record, at ``when`` with ``reason`` and no user, for every row of
    ``model`` that has no history yet (or only those of ``pks``, rows just written: the others
    are not read). Returns how many were written."""
    history = model.history.model  # type: ignore[attr-defined]
    db = connections[router.db_for_write(history)]
    quote = db.ops.quote_name
    copied = [
        field.column
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    table, history_table = quote(model._meta.db_table), quote(history._meta.db_table)
    pk = quote(model._meta.pk.column)  # type: ignore[union-attr]
    columns = ", ".join(quote(column) for column in copied)
    source = ", ".join(f"src.{quote(column)}" for column in copied)
    when_value = history._meta.get_field("history_date").get_db_prep_save(when, db)
    # Built from model metadata only; every value goes through a placeholder.
    sql = (
        f"INSERT INTO {history_table} ({columns}, history_date, history_change_reason, "  # noqa: S608
        f"history_type, history_user_id) SELECT {source}, %s, %s, '+', NULL FROM {table} src "
        f"WHERE NOT EXISTS (SELECT 1 FROM {history_table} h WHERE h.{pk} = src.{pk})"
    )
    if pks is None:
        with db.cursor() as cursor:
            cursor.execute(sql, [when_value, reason])
            return cursor.rowcount
    written = 0
    for chunk in id_chunks(pks):  # within SQLite's limit on a statement's parameters
        among = f" AND src.{pk} IN ({', '.join(['%s'] * len(chunk))})"
        with db.cursor() as cursor:
            cursor.execute(sql + among, [when_value, reason, *chunk])
            written += cursor.rowcount
    return written
