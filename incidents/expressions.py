"""Portable database expressions the incident queries share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, F, FloatField, Func, IntegerField, Subquery, Value


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


class Ranked(Func):
    """``CASE WHEN field = 'a' THEN 3 ... ELSE default END``: a rank for each of a column's values.

    The values are written into the SQL, not passed as parameters: they are constants of ours,
    and an index on the same expression is used only when the query's expression is the
    index's, literals included (a parameter hides its value from SQLite's planner)."""

    output_field = IntegerField()

    def __init__(self, field: str, ranks: dict[str, int], *, default: int) -> None:
        assert all(_PLAIN_VALUE.fullmatch(value) for value in ranks), ranks
        self.column, self.ranks, self.default = field, dict(sorted(ranks.items())), default
        super().__init__(F(field))
        # Deconstructed (for migrations) and compared with the values sorted, as a migration
        # writes them: the same ranks in another order are the same expression and index.
        self._constructor_args = ((field, self.ranks), {"default": default})

    def rank(self, value: str) -> int:
        """The rank of ``value``, as the database computes it."""
        return self.ranks.get(value, self.default)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        # In the values' order, whatever the dict's: a migration writes the dict sorted, and
        # the index's expression must be the query's.
        whens = " ".join(
            f"WHEN {column} = '{value}' THEN {rank:d}" for value, rank in sorted(self.ranks.items())
        )
        return f"CASE {whens} ELSE {self.default:d} END", params


_PLAIN_VALUE = re.compile(r"[a-z_]*")


class RowCompare(Func):
    """``(a, b, c) < (x, y, z)``: the rows after (``<`` going down, ``>`` going up) a row with
    these values, in the order of these keys. One comparison that an index on the same keys
    answers by seeking, whatever the page (PostgreSQL and SQLite both compare rows)."""

    output_field = BooleanField()

    def __init__(self, keys: Sequence[Any], operator: str, values: Sequence[Value]) -> None:
        assert operator in ("<", ">") and len(keys) == len(values)
        self.operator = operator
        super().__init__(*keys, *values)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        half = len(self.source_expressions) // 2
        sqls, params = [], []
        for expression in self.source_expressions:
            sql, expression_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(sqls[:half]), ", ".join(sqls[half:])
        return f"({left}) {self.operator} ({right})", params


class AnyOf(Func):
    """``field IN (subquery)`` that PostgreSQL can answer from an index on ``field`` even inside
    an OR: there it is written ``field = ANY(ARRAY(subquery))``, whose array is computed once
    (an IN subquery under an OR is checked row by row instead)."""

    output_field = BooleanField()

    def __init__(self, field: str, subquery: Any) -> None:
        super().__init__(F(field), Subquery(subquery))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        field, field_params = compiler.compile(self.source_expressions[0])
        subquery, subquery_params = compiler.compile(self.source_expressions[1])
        return f"{field} IN {subquery}", [*field_params, *subquery_params]

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        field, field_params = compiler.compile(self.source_expressions[0])
        subquery, subquery_params = compiler.compile(self.source_expressions[1])
        return f"{field} = ANY(ARRAY{subquery})", [*field_params, *subquery_params]


class Unindexed(Func):
    """A column's own value, written so that no index on the column can answer a condition on
    it (``COALESCE(col, col)``): the condition is then checked on the rows the other
    conditions, or the order, lead to. See incidents/selectors.py for when that is faster."""

    def __init__(self, field: str, output_field: Any) -> None:
        super().__init__(F(field), output_field=output_field)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        return f"COALESCE({column}, {column})", [*params, *params]
