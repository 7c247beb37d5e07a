"""The engine as the domain apps see it (``lib.checks.CheckEngine``): ChecksConfig plugs it in,
so incidents (a layer below) can ask for an evaluation and read its items' results without
importing this app."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from django.db.models import Exists, Max, OuterRef, QuerySet, Sum

from checks.engine import evaluate
from checks.judging import mark_pending
from checks.models import CheckState, FailingItem, SpecialCase
from lib.checks import checks_for


class Engine:
    def evaluate(self, *, topic: str, reason: str) -> list[CheckState]:
        return evaluate(topic=topic, reason=reason)

    def changed(self, *, topic: str, item_ids: Iterable[int]) -> None:
        ids = sorted(set(item_ids))
        if ids and any(check.incremental for check in checks_for(topic)):
            mark_pending(topic, ids)

    def failing_items(self, *, check_keys: Collection[str], now: datetime) -> QuerySet:
        covered = SpecialCase.objects.active(now).filter(
            check_state=OuterRef("check_state"), item_key=OuterRef("item_key")
        )
        # By the item's own check_key: the planner knows how many items each check has.
        return FailingItem.objects.filter(check_key__in=list(check_keys)).annotate(
            excepted=Exists(covered)
        )

    def unexcepted_items(self, *, check_keys: Collection[str], now: datetime) -> QuerySet:
        keys = list(check_keys)
        if SpecialCase.objects.active(now).filter(check_state__key__in=keys).exists():
            return self.failing_items(check_keys=keys, now=now).filter(excepted=False)
        # None in force (the usual case): without the anti-join the item indexes answer alone,
        # never reading the table (the incident list's "failing a check" at 1,000,000
        # incidents read a thousand item rows to learn that none was excepted).
        return FailingItem.objects.filter(check_key__in=keys)

    def failing_share(self, *, check_keys: Collection[str]) -> float:
        counts = CheckState.objects.filter(key__in=list(check_keys)).aggregate(
            failing=Sum("failing_count"), checked=Max("checked_count")
        )
        return (counts["failing"] or 0) / max(counts["checked"] or 0, 1)

    def evaluated(self, *, check_keys: Collection[str]) -> set[str]:
        return set(
            CheckState.objects.filter(key__in=list(check_keys)).values_list("key", flat=True)
        )
