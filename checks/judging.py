"""Judging a check's items: all of them, or, for an incremental check (``lib.checks.Incremental``),
only those written since its last judgement and those whose verdict time alone may change.

Both bring the stored failing items in line with what the check says, writing only what
changed, and tell the caller which items started or stopped failing. Called by the engine while
it holds the check's row lock, so two evaluations never write one check's items at once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from checks.events import GoneItem
from checks.models import CheckState, FailingItem, PendingItem, item_id_of
from integrations.sync import writes
from lib.checks import Check, FailingRow, id_chunks
from lib.ids import AmongIds

# Past this many items to judge again (a first sync, a reconnection), one reading of every item
# costs less than looking them up in chunks.
JUDGE_ALL_ABOVE = 50_000


# A new failing item, as values in this order (checks/judging.py _store).
NEW_ITEM_FIELDS = (
    "check_state_id",
    "check_key",
    "item_key",
    "item_id",
    "label",
    "reason",
    "url",
    "source",
    "failing_since",
)


@dataclass
class Judgement:
    # The rows the check gave: every failing item when ``complete``, else those among the ids
    # judged again.
    rows: dict[str, FailingRow]
    complete: bool
    new: list[str] = field(default_factory=list)  # keys of the items that started failing
    gone: list[GoneItem] = field(default_factory=list)  # the items that stopped


def judge(
    check: Check,
    state: CheckState,
    now: datetime,
    *,
    applicable: bool,
    changed: Collection[int] | None,
    full: bool,
    basis: str = "",
) -> Judgement:
    """Judge ``check`` and store its failing items. ``changed``: the ids written since the last
    evaluation of the topic (None when the caller judges nothing new, e.g. a special case was
    marked); ``full`` judges every item whatever changed. ``basis``: the check's
    ``incremental.basis()``, computed once by the caller for every check that shares it."""
    incremental = check.incremental
    if incremental is None or not applicable:
        # Once it applies again, every item is judged.
        state.judged_at, state.basis = None, ""
        return _judge_all(check, state, now, applicable=applicable)
    everything = full or state.judged_at is None or state.basis != basis
    ids: set[int] = set()
    if not everything and state.judged_at is not None:
        ids = set(changed or ()) | set(incremental.due(state.judged_at, now))
    if everything or len(ids) > JUDGE_ALL_ABOVE:
        judgement = _judge_all(check, state, now, applicable=True)
        state.basis = basis
    else:
        rows = {row.item_key: row for row in incremental.failing_among(now, sorted(ids))}
        judgement = Judgement(rows, complete=False)
        judgement.new, judgement.gone = _store(state, rows, now, among=sorted(ids))
    state.judged_at = now
    return judgement


def _judge_all(check: Check, state: CheckState, now: datetime, *, applicable: bool) -> Judgement:
    rows = {row.item_key: row for row in check.failing(now)} if applicable else {}
    judgement = Judgement(rows, complete=True)
    judgement.new, judgement.gone = _store(state, rows, now, among=None)
    return judgement


def pending(topic: str) -> list[tuple[int, int]]:
    """(row id, item id) of the items of ``topic`` written since they were last judged."""
    return list(PendingItem.objects.filter(topic=topic).values_list("pk", "item_id"))


def clear_pending(rows: Sequence[tuple[int, int]]) -> None:
    """Delete exactly the pending rows an evaluation read (not others committed meanwhile)."""
    for ids in id_chunks([pk for pk, _item in rows]):
        PendingItem.objects.filter(AmongIds("pk", ids)).delete()


def mark_pending(topic: str, item_ids: Collection[int]) -> None:
    writes.insert_values(PendingItem, ("topic", "item_id"), ((topic, pk) for pk in item_ids))


def _existing(state: CheckState, among: Sequence[int] | None) -> dict[str, tuple]:  # type: ignore[type-arg]
    """The stored failing items (of these ids), read as tuples: there can be 100,000s."""
    columns = ("pk", "item_key", "label", "reason", "url", "source")
    items = FailingItem.objects.filter(check_state=state)
    if among is None:
        found = items.values_list(*columns)
    else:
        found = (
            row
            for ids in id_chunks(among)
            for row in items.filter(AmongIds("item_id", ids)).values_list(*columns)
        )
    return {key: (pk, label, reason, url, source) for pk, key, label, reason, url, source in found}


def _store(
    state: CheckState, rows: dict[str, FailingRow], now: datetime, *, among: Sequence[int] | None
) -> tuple[list[str], list[GoneItem]]:
    """Bring the failing items (all, or those of the ids ``among``) in line with ``rows``,
    writing only what changed; return the keys of the items that started failing, and the items
    that left."""
    existing = _existing(state, among)
    gone = {key: values for key, values in existing.items() if key not in rows}
    for ids in id_chunks([pk for pk, *_rest in gone.values()]):
        FailingItem.objects.filter(AmongIds("pk", ids)).delete()
    new: list[tuple[object, ...]] = []
    started: list[str] = []
    changed = []
    for key, row in rows.items():
        values = (row.label[:300], row.reason[:500], row.url, row.source[:100])
        current = existing.get(key)
        if current is None:
            new.append((state.pk, state.key, key, item_id_of(key), *values, now))
            started.append(key)
        elif current[1:] != values:
            changed.append(
                FailingItem(
                    pk=current[0],
                    label=values[0],
                    reason=values[1],
                    url=values[2],
                    source=values[3],
                )
            )
    # Written as values (COPY on PostgreSQL), not instances: 10,000 new items were 0.4 s of
    # model construction; bulk_update's CASE WHEN over every row took 2.9 s for the 3,000
    # reasons an hour once changed at 1,000,000 incidents (issue 14).
    writes.insert_values(FailingItem, NEW_ITEM_FIELDS, new)
    writes.update_rows(FailingItem, changed, ["label", "reason", "url", "source"])
    left = [GoneItem(key, label, url) for key, (_pk, label, _reason, url, _source) in gone.items()]
    return started, left


def stored_rows(state: CheckState, leave_out: Collection[str]) -> list[FailingRow]:
    """The check's failing items as stored, but those of ``leave_out`` (for the news that it
    started failing, when only some items were judged again)."""
    items = state.failing_items.order_by("pk").values_list(
        "item_key", "label", "url", "reason", "source"
    )
    return [FailingRow(*values) for values in items if values[0] not in leave_out]
