"""The incident search syntax (reference/opsgenie-api.md §3.5), compiled to a predicate.

Grammar, parsed by recursive descent straight off the string:

    query      := or_expr? END
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := unary ("AND" unary)*
    unary      := "NOT" unary | "(" or_expr ")" | term
    term       := FIELD OP value | value          -- a bare value searches message and description
    OP         := ":" | "<" | "<=" | ">" | ">="
    value      := '"' chars '"' | chars up to whitespace or a parenthesis

Adjacent terms without AND/OR are rejected rather than guessed at: upstream's behaviour for them is
undocumented, and a wrong guess would silently return the wrong incidents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.data import iso_ms

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class QueryError(ValueError):
    """The query cannot be parsed or names a field the sandbox does not search."""


# Upstream documents more fields (postmortemStatus, details.key, ...); add them here as needed.
# `updatedAt` is not documented for incidents (reference §3.5) but our sync client may rely on it.
TIME_FIELDS: Final = frozenset({"createdAt", "updatedAt"})
NUMBER_FIELDS: Final = frozenset({"tinyId"})
EXACT_FIELDS: Final = frozenset({"status", "priority", "id"})
TEXT_FIELDS: Final = frozenset({"message", "description"})
LIST_FIELDS: Final = frozenset({"tag", "services", "teams"})
QUERY_FIELDS: Final = TIME_FIELDS | NUMBER_FIELDS | EXACT_FIELDS | TEXT_FIELDS | LIST_FIELDS

# The alert search fields of reference §4.1 the sandbox supports (upstream has more, e.g. the
# user fields). `alertId` searches the alert's `id`; an absent `snoozedUntil` matches no range.
ALERT_TIME_FIELDS: Final = frozenset({"createdAt", "updatedAt", "lastOccurredAt", "snoozedUntil"})
ALERT_NUMBER_FIELDS: Final = frozenset({"tinyId", "count"})
ALERT_EXACT_FIELDS: Final = frozenset(
    {"status", "priority", "alertId", "alias", "source", "owner", "entity"}
    | {"acknowledged", "isSeen", "snoozed"}
)
ALERT_LIST_FIELDS: Final = frozenset({"tag", "teams"})
ALERT_QUERY_FIELDS: Final = (
    ALERT_TIME_FIELDS | ALERT_NUMBER_FIELDS | ALERT_EXACT_FIELDS | TEXT_FIELDS | ALERT_LIST_FIELDS
)
_RECORD_KEYS: Final = {"alertId": "id"}

_ORDERED_FIELDS = TIME_FIELDS | NUMBER_FIELDS | ALERT_TIME_FIELDS | ALERT_NUMBER_FIELDS
_OPERATORS = ("<=", ">=", ":", "<", ">")  # two-character operators first
_STOP = frozenset(" \t\r\n()")
_KEYWORDS = ("AND", "OR", "NOT")
_LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def compile_query(
    text: str | None, *, team_names: Mapping[str, str] | None = None, alerts: bool = False
) -> Predicate:
    """Turn a query into a predicate over incident dicts (alert dicts with `alerts`, and their
    search fields); an empty query matches everything.

    `team_names` maps team id → name so `teams:Platform` can match by name as well as by id.
    """
    if text is None or not text.strip():
        return _always
    return _Parser(text, team_names or {}, ALERT_QUERY_FIELDS if alerts else QUERY_FIELDS).parse()


def _always(_: Record) -> bool:
    return True


class _Parser:
    def __init__(
        self, text: str, team_names: Mapping[str, str], fields: frozenset[str] = QUERY_FIELDS
    ) -> None:
        self.text = text
        self.pos = 0
        self.team_names = team_names
        self.fields = fields

    def parse(self) -> Predicate:
        predicate = self._or_expr()
        self._skip_space()
        if self.pos < len(self.text):
            raise self._error("Expected AND, OR or the end of the query")
        return predicate

    def _or_expr(self) -> Predicate:
        operands = [self._and_expr()]
        while self._keyword("OR"):
            operands.append(self._and_expr())
        return _any(operands)

    def _and_expr(self) -> Predicate:
        left = self._unary()
        while self._keyword("AND"):
            left = _both(left, self._unary())
        return left

    def _unary(self) -> Predicate:
        if self._keyword("NOT"):
            inner = self._unary()
            return lambda record: not inner(record)
        self._skip_space()
        if self._peek() == "(":
            self.pos += 1
            inner = self._or_expr()
            self._skip_space()
            if self._peek() != ")":
                raise self._error("Missing closing parenthesis")
            self.pos += 1
            return inner
        return self._term()

    def _term(self) -> Predicate:
        self._skip_space()
        if self._peek() == '"':
            return _free_text(self._quoted())
        start = self.pos
        name = self._read_until(_STOP | {":", "<", ">", '"'}, word=True)
        if not name:
            raise self._error("Expected a search term")
        operator = self._operator()
        if operator is None:
            self.pos = start
            return _free_text(self._read_until(_STOP, word=True))
        self._skip_space()
        value = self._quoted() if self._peek() == '"' else self._read_until(_STOP)
        if not value:
            raise self._error(f"Missing value for field '{name}'")
        return self._field(name, operator, value)

    def _field(self, name: str, operator: str, value: str) -> Predicate:
        if name not in self.fields:
            raise QueryError(f"Unknown field '{name}' in query")
        if operator != ":" and name not in _ORDERED_FIELDS:
            raise QueryError(f"Operator '{operator}' cannot be used with field '{name}'")
        if name in TIME_FIELDS | ALERT_TIME_FIELDS:
            # The stored timestamps share one fixed-width ISO format, so comparing them as
            # strings orders them exactly like comparing the instants, without parsing 10k dates.
            return _compare(lambda r: r.get(name), operator, self._timestamp(name, value))
        if name in NUMBER_FIELDS | ALERT_NUMBER_FIELDS:
            return _compare(lambda r: int(r[name]), operator, self._integer(name, value))
        wanted = value.casefold()
        if name in EXACT_FIELDS | ALERT_EXACT_FIELDS:
            return _OneOf(_RECORD_KEYS.get(name, name), frozenset({wanted}))
        if name in TEXT_FIELDS:
            return lambda record: wanted in str(record.get(name, "")).casefold()
        if name == "tag":
            return lambda record: any(tag.casefold() == wanted for tag in record["tags"])
        if name == "services":
            return lambda record: any(s.casefold() == wanted for s in record["impactedServices"])
        return self._teams(wanted)

    def _teams(self, wanted: str) -> Predicate:
        matching = {
            team_id for team_id, team in self.team_names.items() if team.casefold() == wanted
        } | {wanted}

        def predicate(record: Record) -> bool:
            ids = {record.get("ownerTeam") or record.get("ownerTeamId") or ""} | {
                r["id"] for r in record["responders"] if r["type"] == "team"
            }
            return any(team_id.casefold() in matching for team_id in ids if team_id)

        return predicate

    def _timestamp(self, name: str, value: str) -> str:
        # Clamped to years 1970..9999 so the fixed-width string comparison stays valid; the
        # clamp cannot change which stored (recent) incidents match.
        millis = min(max(self._integer(name, value), 0), _LAST_MS)
        return iso_ms(millis)

    def _integer(self, name: str, value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise QueryError(
                f"Field '{name}' needs a whole number (epoch milliseconds for dates), got '{value}'"
            ) from None

    # --- scanning -----------------------------------------------------------------------------

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _skip_space(self) -> None:
        while self._peek() and self._peek().isspace():
            self.pos += 1

    def _keyword(self, word: str) -> bool:
        """Consume `word` (any case) if it comes next as a whole word."""
        self._skip_space()
        end = self.pos + len(word)
        if self.text[self.pos : end].upper() != word:
            return False
        if end < len(self.text) and self.text[end] not in _STOP:
            return False
        self.pos = end
        return True

    def _operator(self) -> str | None:
        for operator in _OPERATORS:
            if self.text.startswith(operator, self.pos):
                self.pos += len(operator)
                return operator
        return None

    def _read_until(self, stop: frozenset[str] | set[str], *, word: bool = False) -> str:
        """Read up to a stop character; a `word` (not a value after an operator) may not be
        AND/OR/NOT, which would mean an operator is missing its operand."""
        start = self.pos
        while self._peek() and self._peek() not in stop:
            self.pos += 1
        text = self.text[start : self.pos]
        if word and text.upper() in _KEYWORDS:
            self.pos = start
            raise self._error(f"Unexpected '{text}'")
        return text

    def _quoted(self) -> str:
        self.pos += 1  # opening quote
        chars: list[str] = []
        while self._peek() and self._peek() != '"':
            if self._peek() == "\\" and self.pos + 1 < len(self.text):
                self.pos += 1
            chars.append(self._peek())
            self.pos += 1
        if self._peek() != '"':
            raise self._error("Unterminated quoted value")
        self.pos += 1
        return "".join(chars)

    def _error(self, message: str) -> QueryError:
        return QueryError(f"{message} at position {self.pos} of the query")


class _OneOf:
    """`field:a OR field:b OR ...` on an exact-match field, as one set lookup per record.

    A sync client re-fetches known incidents 50 ids per query; as a chain of 50 closures that cost
    over half a second per request at 100,000 incidents, as a set it costs one lookup.
    """

    def __init__(self, name: str, values: frozenset[str]) -> None:
        self.name = name
        self.values = values

    def __call__(self, record: Record) -> bool:
        # Booleans compare as upstream writes them in queries: `acknowledged:true`.
        return str(record.get(self.name, "")).casefold() in self.values


def _any(operands: list[Predicate]) -> Predicate:
    # OR of pure predicates: order does not change the result, so exact terms on the same field
    # can be merged into one set wherever they stand.
    merged: dict[str, set[str]] = {}
    others: list[Predicate] = []
    for operand in operands:
        if isinstance(operand, _OneOf):
            merged.setdefault(operand.name, set()).update(operand.values)
        else:
            others.append(operand)
    predicates = [_OneOf(name, frozenset(values)) for name, values in merged.items()] + others
    if len(predicates) == 1:
        return predicates[0]
    return lambda record: any(predicate(record) for predicate in predicates)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda record: left(record) and right(record)


def _free_text(value: str) -> Predicate:
    wanted = value.casefold()
    return lambda record: (
        wanted in record["message"].casefold() or wanted in record["description"].casefold()
    )


def _compare(get: Callable[[Record], Any], operator: str, expected: Any) -> Predicate:
    predicate = _compare_present(get, operator, expected)
    return lambda record: get(record) is not None and predicate(record)


def _compare_present(get: Callable[[Record], Any], operator: str, expected: Any) -> Predicate:
    if operator == ":":
        return lambda record: get(record) == expected
    if operator == "<":
        return lambda record: get(record) < expected
    if operator == "<=":
        return lambda record: get(record) <= expected
    if operator == ">":
        return lambda record: get(record) > expected
    return lambda record: get(record) >= expected
