"""Portable database expressions the incident queries share."""

from __future__ import annotations

from django.db.models import FloatField, Func


class SecondsBetween(Func):
    """``end - start`` in seconds, as a float, computed by the database itself.

    Django's ``F("end") - F("start")`` works on both databases, but on SQLite it calls a Python
    function for every row; julianday() is SQLite's own (and exact to well under a second)."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # PostgreSQL (and any other database with intervals).
        template = "EXTRACT(EPOCH FROM (%(end)s - %(start)s))"
        return self._as_sql(compiler, connection, template)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        template = "((julianday(%(end)s) - julianday(%(start)s)) * 86400.0)"
        return self._as_sql(compiler, connection, template)

    def _as_sql(self, compiler, connection, template):  # type: ignore[no-untyped-def]
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return template % {"end": end, "start": start}, [*end_params, *start_params]
