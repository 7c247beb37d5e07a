"""Fast bulk writes for the stores of a sync: one executemany per page (one COPY on PostgreSQL).

bulk_create spent two thirds of a first sync compiling SQL around each value of each row, and
bulk_update builds a CASE WHEN per field over every row (make bench, issues 3 and 5). Values
are still prepared by each field's pre_save and get_db_prep_save, so types, time zones and JSON
are handled exactly as the ORM would, on any database. Rows are written without reading back
their primary keys."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Field, Model


def insert_rows(model: type[Model], rows: Sequence[Model]) -> None:
    """INSERT new rows of ``model`` (every concrete field but the primary key)."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    _execute_many(model, rows, fields, insert=True)


def update_rows(model: type[Model], rows: Sequence[Model], names: Sequence[str]) -> None:
    """UPDATE these fields of rows of ``model``, by primary key."""
    _execute_many(model, rows, [model._meta.get_field(name) for name in names], insert=False)


def _execute_many(
    model: type[Model], rows: Sequence[Model], fields: list[Field], *, insert: bool
) -> None:
    if not rows:
        return
    # The wrapper itself, not the `connection` proxy: each value asks the connection for its
    # operations, and the proxy's thread-local lookup cost 8% of a first sync.
    db = connections[router.db_for_write(model)]
    quote = db.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    # Built from model metadata only; every value goes through a placeholder.
    if insert:
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    else:
        assignments = ", ".join(f"{column} = %s" for column in columns)
        key = quote(model._meta.pk.column)  # type: ignore[union-attr]
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
    params = [
        [
            *(field.get_db_prep_save(field.pre_save(row, add=insert), db) for field in fields),
            *(() if insert else (row.pk,)),
        ]
        for row in rows
    ]
    with db.cursor() as cursor:
        if insert and db.vendor == "postgresql":
            # COPY: PostgreSQL parses and plans one statement for the whole page instead of
            # one INSERT per row; on two cores the database's CPU is the sync's (make bench).
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
        else:
            cursor.executemany(sql, params)
