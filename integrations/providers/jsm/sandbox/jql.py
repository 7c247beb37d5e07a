"""The JQL subset the emulated search understands, with Jira's error messages for the rest.

    query   := [or] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    or      := and {OR and};  and := unary {AND unary};  unary := NOT unary | ( or ) | clause
    clause  := field (= | != | > | >= | < | <=) value | field [NOT] IN ( value {, value} )
               | field IS [NOT] EMPTY

Fields: issuetype (type), project, status, statusCategory, priority, created, updated,
resolutiondate (resolved), id, key (issue), labels. Dates are "yyyy-MM-dd HH:mm", "yyyy-MM-dd"
(or with /), read in the searching user's time zone, as Jira does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Record = dict[str, Any]
Match = Callable[[Record], bool]

OPERATORS = ("=", "!=", ">=", "<=", ">", "<")
VALID_OPERATORS = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' "
    "and 'IS NOT'."
)
FIELDS = {
    "issuetype": "issuetype",
    "type": "issuetype",
    "project": "project",
    "status": "status",
    "statuscategory": "statusCategory",
    "priority": "priority",
    "created": "created",
    "updated": "updated",
    "resolutiondate": "resolutiondate",
    "resolved": "resolutiondate",
    "id": "id",
    "key": "key",
    "issue": "key",
    "labels": "labels",
}
DATES = ("created", "updated", "resolutiondate")
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
TOKEN = re.compile(
    r"\s*(?:(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')|(!=|>=|<=|[=<>(),])|([^\s=!<>(),\"']+))"
)


class JqlError(ValueError):
    """Jira's 400 for this query: its errorMessages."""


@dataclass(frozen=True)
class Query:
    match: Match
    order: list[tuple[str, bool]]  # (field, descending)
    bounded: bool


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool
    at: int  # 1-based character, as Jira counts


def parse(jql: str, *, zone: str, values: Callable[[str, str], bool]) -> Query:
    """``values(field, value)`` says whether a value exists for a field (issuetype, project...)."""
    return _Parser(_tokens(jql), zone=zone, values=values).query()


def _tokens(jql: str) -> list[_Token]:
    tokens, at = [], 0
    while at < len(jql):
        if not jql[at:].strip():
            break
        found = TOKEN.match(jql, at)
        if found is None:
            start = len(jql) - len(jql[at:].lstrip())
            rest = jql[start:]
            if rest[0] not in "\"'":
                raise JqlError(
                    f"Error in the JQL Query: The character '{rest[0]}' is a reserved JQL "
                    f"character. (line 1, character {start + 1})"
                )
            raise JqlError(
                f"Error in the JQL Query: The quoted string '{rest[1:]}' has not been completed. "
                f"(line 1, character {start + 1})"
            )
        quoted, symbol, word = found.groups()
        start = found.start(1) if quoted else found.start(2) if symbol else found.start(3)
        text = quoted[1:-1].replace('\\"', '"').replace("\\'", "'") if quoted else symbol or word
        tokens.append(_Token(text, bool(quoted), start + 1))
        at = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], *, zone: str, values: Callable[[str, str], bool]):
        self.tokens, self.at, self.zone, self.values = tokens, 0, ZoneInfo(zone), values

    def query(self) -> Query:
        match: Match = lambda item: True  # noqa: E731
        bounded = False
        if self._peek() and not self._is("order"):
            match, bounded = self._or(), True
        order: list[tuple[str, bool]] = []
        if self._is("order"):
            self.at += 1
            self._expect("by")
            order.append(self._sort())
            while self._take(","):
                order.append(self._sort())
        if self._peek():
            token = self._peek()
            assert token is not None
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{token.text}'. "
                f"(line 1, character {token.at})"
            )
        return Query(match, order, bounded)

    def _sort(self) -> tuple[str, bool]:
        token = self._next("a field name")
        field = FIELDS.get(token.text.lower())
        if field is None:
            raise JqlError(f"Not able to sort using field '{token.text}'.")
        descending = False
        if self._is("asc") or self._is("desc"):
            descending = self._next("").text.lower() == "desc"
        return field, descending

    def _or(self) -> Match:
        parts = [self._and()]
        while self._is("or"):
            self.at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda item: any(p(item) for p in parts)

    def _and(self) -> Match:
        parts = [self._unary()]
        while self._is("and"):
            self.at += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else lambda item: all(p(item) for p in parts)

    def _unary(self) -> Match:
        if self._is("not"):
            self.at += 1
            inner = self._unary()
            return lambda item: not inner(item)
        if self._take("("):
            inner = self._or()
            self._expect(")")
            return inner
        return self._clause()

    def _clause(self) -> Match:
        token = self._next("a field name")
        field = FIELDS.get(token.text.lower())
        if field is None or token.quoted:
            raise JqlError(
                f"Field '{token.text}' does not exist or you do not have permission to view it."
            )
        operator = self._next("an operator")
        word = operator.text.lower()
        if word == "is":
            negated = self._is("not") and bool(self._next(""))
            self._expect("empty")
            return lambda item: _empty(item, field) != negated
        if word in ("in", "not"):
            negated = word == "not"
            if negated:
                self._expect("in")
            self._expect("(")
            wanted = [self._value(field)]
            while self._take(","):
                wanted.append(self._value(field))
            self._expect(")")
            return lambda item: any(_compare(item, field, "=", v) for v in wanted) != negated
        if operator.quoted or operator.text not in OPERATORS:
            raise JqlError(
                f"Error in the JQL Query: Expecting operator but got '{operator.text}'. "
                f"{VALID_OPERATORS} (line 1, character {operator.at})"
            )
        value = self._value(field)
        return lambda item: _compare(item, field, operator.text, value)

    def _value(self, field: str) -> Any:
        token = self._next("a value")
        text = token.text
        if field in DATES:
            return self._date(field, text)
        if field == "id":
            if not text.isdigit():
                raise JqlError(f"The value '{text}' for field 'id' is invalid.")
            return int(text)
        checked = field in ("issuetype", "project", "statusCategory", "priority", "status")
        if checked and not self.values(field, text):
            raise JqlError(f"The value '{text}' does not exist for the field '{field}'.")
        return text.casefold()

    def _date(self, field: str, text: str) -> datetime:
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=self.zone)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{text}' for field '{field}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    # Token helpers.

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _is(self, word: str) -> bool:
        token = self._peek()
        return token is not None and not token.quoted and token.text.lower() == word

    def _take(self, symbol: str) -> bool:
        if self._is(symbol):
            self.at += 1
            return True
        return False

    def _next(self, what: str) -> _Token:
        token = self._peek()
        if token is None:
            raise JqlError(
                f"Error in the JQL Query: Expecting {what or 'more'} before the end of the query."
            )
        self.at += 1
        return token

    def _expect(self, word: str) -> None:
        token = self._next(f"'{word}'")
        if token.quoted or token.text.lower() != word:
            raise JqlError(
                f"Error in the JQL Query: Expecting '{word.upper() if word.isalpha() else word}' "
                f"but got '{token.text}'. (line 1, character {token.at})"
            )


def field_value(item: Record, field: str) -> Any:
    """A work item's value of a JQL field, as comparisons read it."""
    fields = item["fields"]
    if field == "id":
        return int(item["id"])
    if field == "key":
        return item["key"].casefold()
    if field in DATES:
        value = fields.get(field)
        return datetime.fromisoformat(value) if value else None
    if field == "statusCategory":
        category = fields["status"]["statusCategory"]
        return {category["name"].casefold(), category["key"].casefold(), str(category["id"])}
    if field == "project":
        project = fields["project"]
        return {project["key"].casefold(), project["name"].casefold(), project["id"]}
    if field == "labels":
        return {label.casefold() for label in fields.get("labels") or []}
    value = fields.get(field)
    if isinstance(value, dict):
        return {str(value.get("name", "")).casefold(), str(value.get("id", ""))}
    return value


def _empty(item: Record, field: str) -> bool:
    value = field_value(item, field)
    return value is None or value == set()


def _compare(item: Record, field: str, operator: str, wanted: Any) -> bool:
    value = field_value(item, field)
    if value is None:
        return False
    if isinstance(value, set):
        equal = wanted in value
        return {"=": equal, "!=": not equal}.get(operator, False)
    if operator == "=":
        return bool(value == wanted)
    if operator == "!=":
        return bool(value != wanted)
    return {
        ">": value > wanted,
        ">=": value >= wanted,
        "<": value < wanted,
        "<=": value <= wanted,
    }[operator]


def sort_key(field: str) -> Callable[[Record], Any]:
    def key(item: Record) -> Any:
        value = field_value(item, field)
        if isinstance(value, set):
            return sorted(value)[0] if value else ""
        return (value is None, value if value is not None else 0)

    return key
