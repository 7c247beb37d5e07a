"""The incident search parser on hand-made records, independent of the generated data."""

from __future__ import annotations

import pytest

from integrations.providers.opsgenie.sandbox.query import QueryError, compile_query


def _incident(tiny: int, **fields: object) -> dict:
    base = {
        "id": f"id-{tiny}",
        "tinyId": str(tiny),
        "message": "Disk full",
        "description": "",
        "status": "open",
        "priority": "P3",
        "tags": [],
        "impactedServices": [],
        "ownerTeam": "",
        "responders": [],
        "createdAt": "2025-01-01T00:00:00.000Z",
        "updatedAt": "2025-01-01T00:00:00.000Z",
    }
    return base | fields


INCIDENTS = [
    _incident(1, status="open", priority="P1", message="Database down", tags=["db"]),
    _incident(2, status="closed", priority="P1", message="and then it broke"),
    _incident(3, status="open", priority="P4", ownerTeam="team-a"),
    _incident(4, status="resolved", priority="P2", createdAt="2025-01-02T00:00:00.000Z"),
]


def _match(query: str, **kwargs: object) -> list[int]:
    predicate = compile_query(query, **kwargs)  # type: ignore[arg-type]
    return [int(i["tinyId"]) for i in INCIDENTS if predicate(i)]


def test_and_binds_tighter_than_or():
    assert _match("status:closed OR status:open AND priority:P1") == [1, 2]


def test_parentheses_override_precedence():
    assert _match("(status:closed OR status:open) AND priority:P1") == [1, 2]
    assert _match("(status:closed OR status:resolved) AND priority:P2") == [4]


def test_not_negates_a_term():
    assert _match("NOT status:open") == [2, 4]


def test_keywords_are_not_case_sensitive_but_values_may_be_keywords():
    assert _match("status:open and priority:p1") == [1]
    assert _match("message:and") == [2]


def test_a_quoted_value_may_contain_spaces_and_escaped_quotes():
    assert _match('message:"database DOWN"') == [1]
    assert _match('message:"say \\"hi\\""') == []


def test_a_bare_word_searches_message_and_description():
    assert _match("broke") == [2]


def test_created_at_compares_epoch_milliseconds():
    jan_2 = 1735776000000  # 2025-01-02T00:00:00Z
    assert _match(f"createdAt>={jan_2}") == [4]
    assert _match(f"createdAt<{jan_2}") == [1, 2, 3]


def test_tiny_id_compares_as_a_number():
    assert _match("tinyId>2") == [3, 4]


def test_tags_and_teams_match_by_membership_and_team_name():
    assert _match("tag:DB") == [1]
    assert _match("teams:Platform", team_names={"team-a": "Platform"}) == [3]


@pytest.mark.parametrize("query", ["", "   ", None])
def test_an_empty_query_matches_everything(query: str | None):
    assert _match(query) == [1, 2, 3, 4]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("owner:someone", "Unknown field 'owner'"),
        ("status:", "Missing value"),
        ("status:open AND", "search term"),
        ("status:open)", "position 11"),
        ("((status:open)", "closing parenthesis"),
        ("status:open priority:P1", "Expected AND, OR"),
        ("message<b", "cannot be used"),
        ("createdAt>soon", "whole number"),
        ("OR status:open", "Unexpected 'OR'"),
    ],
)
def test_a_broken_query_explains_what_is_wrong(query: str, fragment: str):
    with pytest.raises(QueryError, match=fragment):
        compile_query(query)
