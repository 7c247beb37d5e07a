"""The check engine itself, with checks made up for the test."""

from __future__ import annotations

import pytest

from checks.engine import evaluate
from checks.models import CheckState
from lib.checks import REGISTRY, Check, FailingRow

pytestmark = pytest.mark.django_db


def test_checks_over_one_population_count_it_once_per_evaluation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def applicable() -> bool:
        calls.append("applicable")
        return True

    def population() -> int:
        calls.append("count")
        return 7

    def made_up(key: str) -> Check:
        return Check(
            key=key,
            title=key,
            description="",
            how_to_fix="",
            topic="made-up",
            applicable=applicable,
            checked_count=population,
            failing=lambda now: [FailingRow(f"{key}:1", "item", "/", "why")],
        )

    monkeypatch.setattr("lib.checks.REGISTRY", {**REGISTRY})
    from lib import checks as registry

    for key in ("made-up-a", "made-up-b", "made-up-c"):
        registry.REGISTRY[key] = made_up(key)
    states = evaluate(topic="made-up")
    assert [s.key for s in states] == ["made-up-a", "made-up-b", "made-up-c"]
    assert calls == ["applicable", "count"]
    assert {s.checked_count for s in CheckState.objects.filter(key__startswith="made-up")} == {7}
    evaluate(topic="made-up")  # a new evaluation counts again
    assert calls == ["applicable", "count"] * 2
