"""``field IN (ids)`` for a list of thousands of ids (an evaluation's changed incidents).

Django writes one placeholder per id; psycopg then splits and converts the statement on the
client, which for 5,000 ids cost about 0.1 s a query (issue 14), more than running it. On
PostgreSQL the ids go as one parameter, an array literal written here (``field =
ANY(%s::bigint[])``: psycopg's own list adapter took 5.6 ms for 10,000 ids, the literal
0.2 ms); SQLite keeps ``IN``, so callers pass at most ``ID_CHUNK`` ids at a time
(lib.checks.id_chunks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, F, Func


class AmongIds(Func):
    output_field = BooleanField()

    def __init__(self, field: str, ids: Iterable[int]) -> None:
        super().__init__(F(field))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list]:  # type: ignore[type-arg]
        column, params = compiler.compile(self.source_expressions[0])
        if not self.ids:
            return "1 = 0", []
        placeholders = ", ".join(["%s"] * len(self.ids))
        return f"{column} IN ({placeholders})", [*params, *self.ids]

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list]:  # type: ignore[type-arg]
        column, params = compiler.compile(self.source_expressions[0])
        if not self.ids:
            return "1 = 0", []
        literal = "{" + ",".join(map(str, self.ids)) + "}"  # ints only: see __init__
        return f"{column} = ANY(%s::bigint[])", [*params, literal]
