"""The engine as the domain apps see it (``lib.checks.CheckEngine``): ChecksConfig plugs it in,
so incidents (a layer below) can ask for an evaluation and read its items' results without
importing this app."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Exists, F, OuterRef, QuerySet

from checks.engine import evaluate
from checks.models import CheckState, FailingItem, SpecialCase


class Engine:
    def evaluate(self, *, topic: str, reason: str) -> list[CheckState]:
        return evaluate(topic=topic, reason=reason)

    def failing_items(self, *, check_keys: Collection[str], now: datetime) -> QuerySet:
        covered = SpecialCase.objects.active(now).filter(
            check_state=OuterRef("check_state"), item_key=OuterRef("item_key")
        )
        # By check rather than by item_key prefix: (check_state, item_key) is indexed.
        return FailingItem.objects.filter(check_state__key__in=list(check_keys)).annotate(
            check_key=F("check_state__key"), excepted=Exists(covered)
        )

    def evaluated(self, *, check_keys: Collection[str]) -> set[str]:
        return set(
            CheckState.objects.filter(key__in=list(check_keys)).values_list("key", flat=True)
        )
